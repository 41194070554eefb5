package org.selfsup.tasks;

import java.io.Serializable;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.selfsup.models.TrunkConfig;
import org.selfsup.preprocess.Image;

/**
 * A pretext (or the supervised) task: what preprocessing its images get, how one
 * preprocessed image becomes network examples, and the head and loss on top of the trunk.
 * A task never knows which architecture it trains: the trunk comes as a {@link TrunkConfig}.
 */
public interface Task extends Serializable {
  String name();

  /** The training preprocessing spec for square inputs of {@code size} pixels (from the method spec). */
  String trainSpec(int size);

  /** Examples one image gives; all of them go into the same minibatch. */
  int examplesPerImage();

  /** Number of outputs of the head, given the dataset's number of classes. */
  int numOutputs(int datasetClasses);

  /** The examples for one preprocessed image with dataset label {@code label}. */
  List<TaskExample> examples(Image image, int label, SplittableRandom rng);

  /** The whole network for this task: trunk, head and loss. */
  ComputationGraph buildModel(NeuralNetConfiguration.Builder base, TrunkConfig trunk, int datasetClasses);
}
