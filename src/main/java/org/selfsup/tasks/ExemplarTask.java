package org.selfsup.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.selfsup.models.Models;
import org.selfsup.models.TripletSemiHardLoss;
import org.selfsup.models.TrunkConfig;
import org.selfsup.preprocess.Image;
import org.selfsup.runtime.UserError;

/**
 * Exemplar: {@code copies} independently augmented copies of each image, all in the same
 * minibatch; label = the image's index in the minibatch; semi-hard triplet loss on an
 * {@code embedDim}-d embedding, each vector normalised to unit length (the original normalised
 * across the batch axis, which the paper does not describe). Labels travel one-hot over the
 * embedding's columns, so a minibatch holds at most {@code embedDim} images.
 */
public final class ExemplarTask implements Task {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "exemplar";

  private final int copies;
  private final int embedDim;
  private final double margin;

  public ExemplarTask(TaskOptions options) {
    if (options.exemplarCopies < 2 || options.exemplarCopies % 2 != 0) {
      throw new UserError("--exemplar_copies must be an even number >= 2 (the paper: 8), got "
          + options.exemplarCopies);
    }
    if (options.embedDim < 2) {
      throw new UserError("--embed_dim must be >= 2, got " + options.embedDim);
    }
    if (!(options.tripletMargin > 0)) {
      throw new UserError("--triplet_margin must be > 0, got " + options.tripletMargin);
    }
    this.copies = options.exemplarCopies;
    this.embedDim = options.embedDim;
    this.margin = options.tripletMargin;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** inception crop, flip, colour distortion, grayscale (RGB mean) with p = 0.66, per-image standardisation. */
  @Override
  public String trainSpec(int size) {
    return "decode|inception_crop(" + size + ")|flip_lr|color_distort|grayscale(0.66)|standardize";
  }

  @Override
  public String evalSpec(int size) {
    return String.format("decode|resize_small(%d)|central_crop(%d)|standardize", Math.round(size * 256.0 / 224.0), size);
  }

  @Override
  public int copiesPerImage() {
    return copies;
  }

  @Override
  public int examplesPerImage() {
    return copies;
  }

  @Override
  public int numOutputs(int datasetClasses) {
    return embedDim;
  }

  @Override
  public void checkBatch(int imagesPerBatch) {
    if (imagesPerBatch < 2 || imagesPerBatch > embedDim) {
      throw new UserError("exemplar needs --batch_size between 2 and --embed_dim (" + embedDim
          + "): labels are image indices within the minibatch; got " + imagesPerBatch);
    }
  }

  @Override
  public List<TaskExample> examples(List<Image> augmented, int label, int indexInBatch, SplittableRandom rng) {
    if (augmented.size() != copies) {
      throw new IllegalArgumentException("exemplar expects " + copies + " copies, got " + augmented.size());
    }
    List<TaskExample> out = new ArrayList<>(copies);
    for (Image copy : augmented) {
      out.add(new TaskExample(indexInBatch, copy));
    }
    return out;
  }

  /** Share of examples whose nearest other example (cosine, on the normalised embedding) is a copy of the same image. */
  @Override
  public double pretextAccuracy(INDArray output, INDArray oneHotLabels) {
    double[][] e = output.castTo(DataType.DOUBLE).toDoubleMatrix();
    long[] group = oneHotLabels.argMax(1).toLongVector();
    for (double[] row : e) {
      double norm = 0;
      for (double v : row) {
        norm += v * v;
      }
      norm = Math.sqrt(Math.max(norm, 1e-24));
      for (int j = 0; j < row.length; j++) {
        row[j] /= norm;
      }
    }
    int correct = 0;
    for (int i = 0; i < e.length; i++) {
      int best = -1;
      double bestSim = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < e.length; j++) {
        if (j == i) {
          continue;
        }
        double sim = 0;
        for (int k = 0; k < e[i].length; k++) {
          sim += e[i][k] * e[j][k];
        }
        if (sim > bestSim) {
          bestSim = sim;
          best = j;
        }
      }
      if (best >= 0 && group[best] == group[i]) {
        correct++;
      }
    }
    return (double) correct / e.length;
  }

  @Override
  public ComputationGraph buildModel(NeuralNetConfiguration.Builder base, TrunkConfig trunk, int datasetClasses) {
    return Models.classifier(base, trunk, embedDim, Activation.IDENTITY, new TripletSemiHardLoss(margin));
  }
}
