package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.data.TFRecordSource;
import org.selfsup.models.Architecture;
import org.selfsup.models.Architectures;
import org.selfsup.models.ChannelsLast;
import org.selfsup.models.TrunkConfig;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.TaskExample;
import org.selfsup.tasks.TaskOptions;
import org.selfsup.tasks.TaskType;
import org.selfsup.tasks.Tasks;

/**
 * Every registered task on every registered architecture (narrow, one block or convolution per
 * stage, small images; patch tasks use the architecture's patch variant): the network builds, one
 * training step on two real images of the committed sample gives a finite loss, and every endpoint
 * yields finite activations, of the architecture's own shapes where the trunk sees whole images.
 */
class TaskArchitectureMatrixTest {
  private static byte[][] images;

  @BeforeAll
  static void setUp() throws URISyntaxException {
    Nd4jSetup.configure();
    String shard = Paths.get(TaskArchitectureMatrixTest.class.getResource("/fashion_mnist_sample/train-00000-of-00004")
        .toURI()).toString();
    images = new byte[2][];
    TFRecordSource.SampleImage first = TFRecordSource.sampleImage(new Configuration(), shard, 1, ImageCodec.DEFAULT_MAX_PIXELS);
    assertNotNull(first);
    images[0] = first.encoded;
    images[1] = ImageCodec.encodePng(Preprocessing.parse("decode|rotate(1)").apply(first.encoded, 0)); // another image
  }

  static Stream<Arguments> combinations() {
    List<Arguments> out = new ArrayList<>();
    for (TaskType task : Tasks.all()) {
      for (Architecture arch : Architectures.all()) {
        out.add(Arguments.of(task.name(), arch.name()));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("combinations")
  void buildsTrainsOneStepAndHasItsEndpoints(String taskName, String archName) {
    Architecture arch = Architectures.get(archName);
    TrainConfig cfg = TrainConfig.forTask(taskName);
    cfg.architecture = archName;
    cfg.filtersFactor = 1;
    int[] blocks = new int[arch.defaultBlocksPerStage().length];
    Arrays.fill(blocks, 1);
    cfg.blocksPerStage = blocks;
    cfg.smallInput = true;
    cfg.numClasses = 10;
    TaskOptions options = new TaskOptions();
    options.embedDim = 16;
    options.headHidden = 8;
    options.numPermutations = 10;
    options.permutationsPerImage = 2;
    options.exemplarCopies = 2;
    Task task = Tasks.create(taskName, options, new Configuration());
    cfg.inputSize = task.evalPatchGrid() > 1 ? 64 : 32;
    TrunkConfig trunk = Trainer.trunkConfig(cfg);
    ComputationGraph model = task.buildModel(Optimisation.base(cfg, 0.01), trunk, cfg.numClasses);
    int outputs = task.numOutputs(cfg.numClasses);

    Preprocessing spec = Preprocessing.parse(task.trainSpec(cfg.inputSize));
    SplittableRandom rng = new SplittableRandom(7);
    List<TaskExample> examples = new ArrayList<>();
    for (int i = 0; i < images.length; i++) {
      List<Image> copies = new ArrayList<>();
      for (int c = 0; c < task.copiesPerImage(); c++) {
        copies.add(spec.apply(images[i], 100L * i + c));
      }
      examples.addAll(task.examples(copies, i, i, rng));
    }
    DataSet batch = ExampleBatcher.toDataSet(examples, outputs);
    assertArrayEquals(task.exampleShape(trunk), Arrays.copyOfRange(batch.getFeatures().shape(), 1, 4),
        "the examples have the shape the task says its network takes");
    // every combination trains channels-last too, with the loss of the NCHW network (dropout drawn from the same seed)
    assertTrue(ChannelsLast.supports(model.getConfiguration()), taskName + " on " + archName + " trains channels-last");
    ComputationGraph nhwc = ChannelsLast.copyOf(model);
    Nd4j.getRandom().setSeed(11);
    model.fit(batch);
    double loss = model.score();
    assertTrue(Double.isFinite(loss), taskName + " on " + archName + ": loss " + loss);
    Nd4j.getRandom().setSeed(11);
    nhwc.fit(ExampleBatcher.toDataSet(examples, outputs, true));
    assertEquals(loss, nhwc.score(), 1e-3 * Math.abs(loss), taskName + " on " + archName + ": channels-last loss");

    Map<String, String> endpoints = task.endpoints(trunk, cfg.numClasses);
    Map<String, INDArray> acts = model.feedForward(batch.getFeatures(), false);
    Map<String, long[]> shapes = arch.endpointShapes(trunk);
    for (Map.Entry<String, String> e : endpoints.entrySet()) {
      INDArray a = acts.get(e.getValue());
      assertNotNull(a, taskName + " on " + archName + ": no activations at " + e.getKey());
      assertFalse(a.isNaN().any() || a.isInfinite().any(), e.getKey() + " is not finite");
      if (task.evalPatchGrid() <= 1 && shapes.containsKey(e.getKey())) {
        long[] perExample = Arrays.copyOfRange(a.shape(), 1, a.rank());
        assertArrayEquals(shapes.get(e.getKey()), perExample, taskName + " on " + archName + ": " + e.getKey());
      }
    }
  }
}
