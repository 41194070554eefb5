package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.selfsup.runtime.UserError;
import org.selfsup.tasks.JigsawPermutations;
import org.selfsup.tasks.JigsawTask;

/** Checkpoints on the local file system: names, manifest, damage, fallback, pruning, the jigsaw permutations check. */
class CheckpointTest {
  private static final Configuration CONF = new Configuration();
  @TempDir Path tmp;

  /** A 3-in, 2-out softmax layer after one Nesterov step (so the updater state is not all zero). */
  static ComputationGraph network(double scale) {
    ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1)
        .updater(new Nesterovs(0.1, 0.9)).graphBuilder().addInputs("in")
        .addLayer("out", new OutputLayer.Builder().nIn(3).nOut(2).activation(Activation.SOFTMAX)
            .lossFunction(LossFunctions.LossFunction.MCXENT).build(), "in")
        .setOutputs("out").build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    g.fit(new DataSet(Nd4j.createFromArray(new float[][] {{1, 2, 3}, {3, 2, 1}}).muli(scale),
        Nd4j.createFromArray(new float[][] {{1, 0}, {0, 1}})));
    return g;
  }

  static Checkpoint.State state(long steps) {
    Checkpoint.State s = new Checkpoint.State();
    s.config = new TrainConfig();
    s.steps = steps;
    s.nextEpoch = (int) (steps / 100);
    s.nextChunk = (int) (steps % 100);
    return s;
  }

  private List<String> folders(Path workdir) throws Exception {
    try (Stream<Path> s = Files.list(workdir.resolve("checkpoints"))) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void theNewestIntactCheckpointIsFoundByStepNotByNameLength() throws Exception {
    String workdir = tmp.toString();
    Checkpoint.save(CONF, workdir, network(1), state(8));
    ComputationGraph newest = network(2);
    Checkpoint.save(CONF, workdir, newest, state(100));
    assertEquals(List.of("step-000000000008", "step-000000000100"), folders(tmp));
    assertTrue(Files.exists(tmp.resolve("checkpoints/step-000000000100/manifest.json")));

    Checkpoint latest = Checkpoint.latest(CONF, workdir);
    assertEquals(100, latest.state.steps);
    assertEquals(1, latest.state.nextEpoch);
    assertEquals(0, latest.state.nextChunk);
    ComputationGraph loaded = latest.loadModel(CONF);
    assertArrayEquals(newest.params().data().asFloat(), loaded.params().data().asFloat());
    assertArrayEquals(newest.getUpdater().getStateViewArray().data().asFloat(),
        loaded.getUpdater().getStateViewArray().data().asFloat());
  }

  @Test
  void aTruncatedModelWithAValidStateFallsBackToThePreviousCheckpoint() throws Exception {
    String workdir = tmp.toString();
    ComputationGraph older = network(1);
    Checkpoint.save(CONF, workdir, older, state(16));
    Checkpoint.save(CONF, workdir, network(2), state(24));
    Path model = tmp.resolve("checkpoints/step-000000000024/model.zip");
    long size = Files.size(model);
    try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
      f.setLength(size / 2); // what a partial copy leaves
    }
    String problem = Checkpoint.problem(CONF, new org.apache.hadoop.fs.Path(model.getParent().toUri()));
    assertEquals("model.zip is " + (size / 2) + " bytes, the manifest says " + size, problem);

    Checkpoint latest = Checkpoint.latest(CONF, workdir);
    assertEquals(16, latest.state.steps);
    assertArrayEquals(older.params().data().asFloat(), latest.loadModel(CONF).params().data().asFloat());

    UserError e = assertThrows(UserError.class, () -> Checkpoint.find(CONF, model.getParent().toString()));
    assertTrue(e.getMessage().contains("step-000000000024") && e.getMessage().contains("model.zip is"), e.getMessage());
    assertEquals(16, Checkpoint.find(CONF, workdir).state.steps);
  }

  @Test
  void aCheckpointWithoutManifestOrWithAChangedFileIsSkipped() throws Exception {
    String workdir = tmp.toString();
    Checkpoint.save(CONF, workdir, network(1), state(8));
    Checkpoint.save(CONF, workdir, network(2), state(16));
    Checkpoint.save(CONF, workdir, network(3), state(24));
    Files.delete(tmp.resolve("checkpoints/step-000000000024/manifest.json")); // killed before the manifest
    Path state16 = tmp.resolve("checkpoints/step-000000000016/state.json");
    byte[] bytes = Files.readAllBytes(state16);
    String edited = new String(bytes, "UTF-8").replace("\"steps\" : 16", "\"steps\" : 61");
    assertEquals(bytes.length, edited.length());
    Files.writeString(state16, edited); // same size, other content

    assertEquals("no manifest.json: it was not written to the end",
        Checkpoint.problem(CONF, new org.apache.hadoop.fs.Path(tmp.resolve("checkpoints/step-000000000024").toUri())));
    assertTrue(Checkpoint.problem(CONF, new org.apache.hadoop.fs.Path(state16.getParent().toUri()))
        .startsWith("state.json has SHA-256 "));
    assertEquals(8, Checkpoint.latest(CONF, workdir).state.steps);

    Files.delete(tmp.resolve("checkpoints/step-000000000008/model.zip"));
    assertNull(Checkpoint.latest(CONF, workdir));
    UserError e = assertThrows(UserError.class, () -> Checkpoint.find(CONF, workdir));
    assertTrue(e.getMessage().startsWith("no checkpoint in " + workdir), e.getMessage());
  }

  @Test
  void pruningKeepsTheNewestAndTheOneJustWritten() throws Exception {
    String workdir = tmp.toString();
    for (long step : new long[] {8, 16, 24, 32}) {
      Checkpoint.save(CONF, workdir, network(1), state(step));
    }
    Checkpoint.prune(CONF, workdir, 2, null);
    assertEquals(List.of("step-000000000024", "step-000000000032"), folders(tmp));
    // a resumed run that writes step 16 again (newer ones left by the killed run) keeps it
    org.apache.hadoop.fs.Path again = Checkpoint.save(CONF, workdir, network(1), state(16));
    Checkpoint.prune(CONF, workdir, 1, again);
    assertEquals(List.of("step-000000000016", "step-000000000032"), folders(tmp));
  }

  @Test
  void aChangedPermutationFileIsRefusedWithBothChecksums() throws Exception {
    Path file = tmp.resolve("perms.bin");
    int[][] rows = {{0, 1, 2, 3, 4, 5, 6, 7, 8}, {8, 7, 6, 5, 4, 3, 2, 1, 0}, {1, 0, 3, 2, 5, 4, 7, 6, 8}};
    byte[] trained = JigsawPermutations.of(rows).toBytes();
    Files.write(file, trained);
    Checkpoint.State s = state(8);
    s.config = TrainConfig.forTask(JigsawTask.NAME);
    s.config.taskOptions.permutationsPath = file.toString();
    s.config.taskOptions.permutationsPerImage = 2;
    s.config.taskOptions.numPermutations = 3;
    s.permutationsSha256 = hex(MessageDigest.getInstance("SHA-256").digest(trained));
    Checkpoint.save(CONF, tmp.resolve("w").toString(), network(1), s);
    Checkpoint checkpoint = Checkpoint.latest(CONF, tmp.resolve("w").toString());
    assertNotNull(checkpoint);
    checkpoint.verifyTaskChecksum(CONF); // unchanged: passes

    rows[2] = new int[] {2, 1, 0, 5, 4, 3, 8, 7, 6};
    byte[] changed = JigsawPermutations.of(rows).toBytes();
    Files.write(file, changed);
    UserError e = assertThrows(UserError.class, () -> checkpoint.verifyTaskChecksum(CONF));
    String now = hex(MessageDigest.getInstance("SHA-256").digest(changed));
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(now)
        && e.getMessage().contains(s.permutationsSha256), e.getMessage());
  }

  private static String hex(byte[] d) {
    StringBuilder sb = new StringBuilder();
    for (byte b : d) {
      sb.append(String.format("%02x", b));
    }
    return sb.toString();
  }
}
