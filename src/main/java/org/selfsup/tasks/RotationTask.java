package org.selfsup.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageOps;

/** Predict the rotation: each image enters 4 times, rotated by 0, 90, 180, 270 degrees (labels 0..3). */
public final class RotationTask implements SingleCopyTask {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "rotation";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String trainSpec(int size) {
    return "decode|inception_crop(" + size + ")|flip_lr|color_distort|value_range(-1,1)";
  }

  @Override
  public int examplesPerImage() {
    return 4;
  }

  @Override
  public int numOutputs(int datasetClasses) {
    return 4;
  }

  @Override
  public List<TaskExample> examples(Image image, int label, SplittableRandom rng) {
    List<TaskExample> out = new ArrayList<>(4);
    for (int k = 0; k < 4; k++) {
      out.add(new TaskExample(k, ImageOps.rot90(image, k)));
    }
    return out;
  }

  @Override
  public ComputationGraph buildModel(NeuralNetConfiguration.Builder base, TrunkConfig trunk, int datasetClasses) {
    return Models.classifier(base, trunk, 4);
  }
}
