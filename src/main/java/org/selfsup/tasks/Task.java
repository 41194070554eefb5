package org.selfsup.tasks;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.preprocess.Image;

/**
 * A pretext (or the supervised) task: what preprocessing its images get, how one
 * preprocessed image becomes network examples, and the head and loss on top of the trunk.
 * A task never knows which architecture it trains: the trunk comes as a {@link TrunkConfig}.
 */
public interface Task extends Serializable {
  String name();

  /** The training preprocessing spec for inputs of {@code size} pixels (from the method spec). */
  String trainSpec(int size);

  /** The evaluation spec: resize shorter side to size·256/224, central crop, as training's value range. */
  default String evalSpec(int size) {
    return String.format("decode|resize_small(%d)|central_crop(%d)|value_range(-1,1)",
        Math.round(size * 256.0 / 224.0), size);
  }

  /**
   * 1: evaluation runs the network on the whole {@link #evalSpec} image; n > 1: the spec gives an
   * n×n mosaic of patches, each patch is run on its own and the n² representations are averaged.
   */
  default int evalPatchGrid() {
    return 1;
  }

  /** Independently augmented copies of each image; the training spec runs once per copy. */
  default int copiesPerImage() {
    return 1;
  }

  /** Examples one image gives; all of them go into the same minibatch. */
  int examplesPerImage();

  /** Number of outputs of the head, given the dataset's number of classes. */
  int numOutputs(int datasetClasses);

  /** Fails with a message naming the flag when a minibatch of this many images cannot work. */
  default void checkBatch(int imagesPerBatch) {}

  /**
   * The examples for the {@link #copiesPerImage} preprocessed copies of one image with dataset
   * label {@code label}, the image being number {@code indexInBatch} of its minibatch.
   */
  List<TaskExample> examples(List<Image> copies, int label, int indexInBatch, SplittableRandom rng);

  /** Share of examples whose output argmax is the label (exemplar: whose nearest other example is a copy of the same image). */
  default double pretextAccuracy(INDArray output, INDArray oneHotLabels) {
    INDArray predicted = output.argMax(1);
    INDArray truth = oneHotLabels.argMax(1);
    long correct = 0;
    for (int i = 0; i < predicted.length(); i++) {
      if (predicted.getLong(i) == truth.getLong(i)) {
        correct++;
      }
    }
    return (double) correct / predicted.length();
  }

  /** For the run's log: what else defines this task's examples (jigsaw: its permutation set); null: nothing. */
  default String describeForLog() {
    return null;
  }

  /**
   * SHA-256 of what the network is trained against beyond the config (jigsaw: the permutation
   * set), stored with every checkpoint; null: nothing.
   */
  default String checksum() {
    return null;
  }

  /**
   * Throws a {@link org.selfsup.runtime.UserError} when {@link #checksum} is not {@code trained},
   * the checksum recorded when {@code trainedBy} (a checkpoint) was trained.
   */
  default void requireChecksum(String trained, String trainedBy) {
    String now = checksum();
    if (now != null && trained != null && !now.equals(trained)) {
      throw new org.selfsup.runtime.UserError("task " + name() + " has changed since " + trainedBy
          + " was trained: SHA-256 now " + now + ", at training " + trained + "; use another --workdir");
    }
  }

  /** Writes into {@code options} what building the task found out (jigsaw: the size of its permutation file). */
  default void recordResolvedOptions(TaskOptions options) {}

  /** One example as {@link #buildModel}'s network takes it, [C, H, W] (a patch task: its views stacked along C). */
  default long[] exampleShape(TrunkConfig trunk) {
    return new long[] {trunk.inputChannels, trunk.inputHeight, trunk.inputWidth};
  }

  /** The whole network for this task: trunk, head and loss. */
  ComputationGraph buildModel(NeuralNetConfiguration.Builder base, TrunkConfig trunk, int datasetClasses);

  /** Endpoint name → vertex of {@link #representation}'s network. */
  default LinkedHashMap<String, String> endpoints(TrunkConfig trunk, int datasetClasses) {
    return Models.endpoints(trunk, numOutputs(datasetClasses));
  }

  /** The network evaluation runs on {@link #evalSpec} images (or patches): by default the trained one. */
  default ComputationGraph representation(ComputationGraph trained, TrunkConfig trunk) {
    return trained;
  }
}
