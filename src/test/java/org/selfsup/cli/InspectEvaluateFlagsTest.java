package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.TrainConfig;
import scala.Option;

/**
 * Every bad flag of inspect and evaluate is refused with exit 2 and one line naming it, before a
 * SparkSession exists: the sessions are cleared for the command, and must still be absent after
 * it (SparkSessions.getOrCreate would have set a new default one).
 */
class InspectEvaluateFlagsTest {
  static final String SAMPLE = CommandLineTest.SAMPLE;

  private static void assertRefusedBeforeSpark(String expected, String... args) {
    Option<SparkSession> active = SparkSession.getActiveSession();
    Option<SparkSession> dflt = SparkSession.getDefaultSession();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Main.run(args);
      assertTrue(SparkSession.getDefaultSession().isEmpty(), "a SparkSession was created for " + String.join(" ", args));
      assertTrue(SparkSession.getActiveSession().isEmpty(), "a SparkSession was created for " + String.join(" ", args));
    } finally {
      System.setErr(oldErr);
      if (dflt.isDefined()) {
        SparkSession.setDefaultSession(dflt.get());
      }
      if (active.isDefined()) {
        SparkSession.setActiveSession(active.get());
      }
    }
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, e);
    assertEquals(1, e.strip().lines().count(), e);
    assertTrue(e.startsWith("error: ") && e.contains(expected), "expected '" + expected + "' in: " + e);
    assertTrue(!e.contains("\tat "), e);
  }

  @Test
  void inspectFlags() {
    assertRefusedBeforeSpark("--num_images must be >= 0", "inspect", "--dataset_dir", SAMPLE, "--num_images", "-1");
    assertRefusedBeforeSpark("unknown split 'validation'", "inspect", "--dataset_dir", SAMPLE, "--split", "validation");
    assertRefusedBeforeSpark("--max_image_pixels must be positive, got 0", "inspect", "--dataset_dir", SAMPLE,
        "--max_image_pixels", "0");
    assertRefusedBeforeSpark("--max_image_pixels must be positive, got -5", "inspect", "--dataset_dir", SAMPLE,
        "--max_image_pixels", "-5");
    assertRefusedBeforeSpark("unknown preprocessing op 'fliplr'", "inspect", "--dataset_dir", SAMPLE,
        "--preprocess", "decode|fliplr");
    assertRefusedBeforeSpark("--preprocess must start with decode", "inspect", "--dataset_dir", SAMPLE,
        "--preprocess", "resize(32)");
    assertRefusedBeforeSpark("unknown task 'jigsw'", "inspect", "--dataset_dir", SAMPLE, "--task", "jigsw");
    assertRefusedBeforeSpark("--input_size needs --task", "inspect", "--dataset_dir", SAMPLE, "--input_size", "32");
    assertRefusedBeforeSpark("--input_size 6 is too small", "inspect", "--dataset_dir", SAMPLE, "--task", "jigsaw",
        "--input_size", "6");
    assertRefusedBeforeSpark("unknown dataset 'imagenet21k'", "inspect", "--dataset", "imagenet21k",
        "--dataset_dir", SAMPLE);
  }

  @Test
  void aLocalDatasetFolderWithoutTheSplitIsRefusedBeforeSpark(@TempDir Path tmp) {
    String missing = tmp.resolve("missing").toString();
    assertRefusedBeforeSpark("missing", "inspect", "--dataset_dir", missing);
    assertRefusedBeforeSpark("missing", "evaluate", "--dataset_dir", missing, "--workdir", tmp.resolve("e").toString(),
        "--raw_pixels");
  }

  @Test
  void evaluateFlags(@TempDir Path tmp) {
    String w = tmp.resolve("e").toString();
    assertRefusedBeforeSpark("--batch_size must be positive, got 0", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--batch_size", "0");
    assertRefusedBeforeSpark("--max_iter must be positive, got 0", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--max_iter", "0");
    assertRefusedBeforeSpark("--max_features must be positive, got -3", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--max_features", "-3");
    assertRefusedBeforeSpark("--reg_params must be finite and >= 0, got -0.1", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--reg_params", "0,-0.1");
    assertRefusedBeforeSpark("--knn values must be positive, got 0", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--knn", "20,0");
    assertRefusedBeforeSpark("--knn_temperature must be positive, got -1.0", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--knn", "20", "--knn_temperature", "-1");
    assertRefusedBeforeSpark("--probe_solver", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--probe_solver", "sgd");
    assertRefusedBeforeSpark("--limit tset=10: unknown split 'tset'; valid: train, val, test", "evaluate",
        "--dataset_dir", SAMPLE, "--workdir", w, "--raw_pixels", "--limit", "tset=10");
    assertRefusedBeforeSpark("--limit train=0: the number of images must be positive", "evaluate",
        "--dataset_dir", SAMPLE, "--workdir", w, "--raw_pixels", "--limit", "train=0");
    assertRefusedBeforeSpark("--max_image_pixels must be positive, got 0", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--max_image_pixels", "0");
    assertRefusedBeforeSpark("--random_init needs --checkpoint", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--random_init");
    assertRefusedBeforeSpark("--endpoints needs --checkpoint", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--endpoints", "block1");
    assertRefusedBeforeSpark("unknown preprocessing op 'decod'", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--preprocess", "decod");
    assertRefusedBeforeSpark("--name 'a/b' must be", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--raw_pixels", "--name", "a/b");
    assertRefusedBeforeSpark("no checkpoint in", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--checkpoint", tmp.resolve("nothing").toString());
  }

  @Test
  void endpointsAreCheckedAgainstTheCheckpointsStateWithoutSpark(@TempDir Path tmp) throws Exception {
    // validation reads state.json (and checks the manifest); the network itself is never loaded: a tiny one
    Checkpoint.State state = new Checkpoint.State();
    state.config = TrainConfig.forTask("rotation");
    state.endpoints = new LinkedHashMap<>();
    state.endpoints.put("block1", "stage1");
    state.endpoints.put("pre_logits", "pool");
    ComputationGraph tiny = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs("in").addLayer("out", new OutputLayer.Builder().nIn(2).nOut(2).build(), "in")
        .setOutputs("out").build());
    tiny.init();
    Path ckpt = tmp.resolve("run");
    Checkpoint.save(new Configuration(), ckpt.toString(), tiny, state);
    String w = tmp.resolve("e").toString();
    assertRefusedBeforeSpark("unknown endpoint 'block9' for the checkpoint's resnet50v2; valid endpoints: block1,"
        + " pre_logits", "evaluate", "--dataset_dir", SAMPLE, "--workdir", w, "--checkpoint", ckpt.toString(),
        "--endpoints", "block1,block9");
    assertRefusedBeforeSpark("op 'resize' expects 1 or 2 integer arguments, got '(x)' in spec 'decode|resize(x)'", "evaluate", "--dataset_dir", SAMPLE, "--workdir", w,
        "--checkpoint", ckpt.toString(), "--preprocess", "decode|resize(x)");
  }
}
