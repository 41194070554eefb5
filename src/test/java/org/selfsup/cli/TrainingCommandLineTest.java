package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.SlimSchema;
import org.selfsup.data.TFRecordSink;
import org.selfsup.data.TFRecordSource;
import org.selfsup.data.WriteOptions;
import org.selfsup.models.Models;
import org.selfsup.tasks.Tasks;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.Trainer;

/** pretrain / evaluate: one-line errors for the mistakes a user makes. */
class TrainingCommandLineTest {
  private static final String SAMPLE = CommandLineTest.SAMPLE;

  private static void assertOneLineError(CommandLineTest.Run r, String... mentions) {
    assertEquals(2, r.code, r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    for (String m : mentions) {
      assertTrue(r.err.contains(m), "'" + m + "' missing in: " + r.err);
    }
  }

  @Test
  void unknownTaskAndArchitectureNameTheValidOnes(@TempDir Path tmp) {
    assertOneLineError(CommandLineTest.run("pretrain", "--dataset_dir", SAMPLE, "--workdir", tmp.toString(),
        "--task", "jigsw"), "'jigsw'", "rotation, supervised, relative_patch_location, jigsaw, exemplar");
    assertOneLineError(CommandLineTest.run("pretrain", "--dataset_dir", SAMPLE, "--workdir", tmp.toString(),
        "--architecture", "resnet51"), "'resnet51'", "resnet50v1, resnet50v2");
    assertOneLineError(CommandLineTest.run("pretrain", "--dataset_dir", SAMPLE, "--workdir", tmp.toString(),
        "--minibatch_storage", "MEMORY_PLEASE"), "--minibatch_storage", "'MEMORY_PLEASE'", "MEMORY_ONLY");
  }

  @Test
  void patchAndExemplarFlagsAreChecked(@TempDir Path tmp) throws Exception {
    String workdir = tmp.resolve("w").toString();
    assertOneLineError(CommandLineTest.run("pretrain", "--dataset_dir", SAMPLE, "--workdir", workdir,
        "--task", "exemplar", "--exemplar_copies", "7"), "--exemplar_copies", "7");
    assertOneLineError(CommandLineTest.run("pretrain", "--dataset_dir", SAMPLE, "--workdir", workdir,
        "--task", "exemplar", "--embed_dim", "16", "--batch_size", "32"), "--batch_size", "--embed_dim");
    Path missing = tmp.resolve("perms.bin");
    assertOneLineError(CommandLineTest.run("pretrain", "--dataset_dir", SAMPLE, "--workdir", workdir,
        "--task", "jigsaw", "--permutations_path", missing.toString()), "permutations file not found", "perms.bin");
    // 2 permutations of 4 positions: a valid file, but jigsaw on a 3x3 grid needs 9
    java.nio.file.Files.write(missing, org.selfsup.tasks.JigsawPermutations.of(new int[] {0, 1, 2, 3},
        new int[] {3, 2, 1, 0}).toBytes());
    assertOneLineError(CommandLineTest.run("pretrain", "--dataset_dir", SAMPLE, "--workdir", workdir,
        "--task", "jigsaw", "--permutations_path", missing.toString()), "perms.bin", "4 positions", "needs 9");
  }

  @Test
  void anImageSmallerThanThePatchGridNamesTheRecord(@TempDir Path tmp) {
    // 28 px Fashion-MNIST without the upscaling: 9 px cells cannot hold 16 px patches
    assertOneLineError(CommandLineTest.run("pretrain", "--dataset_dir", SAMPLE, "--workdir", tmp.toString(),
        "--task", "relative_patch_location", "--filters_factor", "1", "--small_input", "--blocks_per_stage", "1,1",
        "--input_size", "64", "--embed_dim", "8", "--head_hidden", "8", "--batch_size", "4", "--epochs", "0.01",
        "--preprocess", "decode|patch_grid(3,16)|standardize_patches(3)"),
        "train-0000", "record", "needs an image of at least 48x48, got 28x28");
  }

  /** A checkpoint of an untrained small network, enough for evaluate's argument checks. */
  private static Path checkpoint(Path tmp) throws Exception {
    TrainConfig cfg = TrainConfig.forTask("rotation");
    cfg.filtersFactor = 1;
    cfg.smallInput = true;
    cfg.inputSize = 28;
    cfg.blocksPerStage = new int[] {1, 1};
    Checkpoint.State state = new Checkpoint.State();
    state.config = cfg;
    state.numOutputs = 4;
    state.endpoints = Models.endpoints(Trainer.trunkConfig(cfg), 4);
    Path workdir = tmp.resolve("pretrained");
    Checkpoint.save(new Configuration(), workdir.toString(),
        Tasks.forName("rotation").buildModel(Optimisation.base(cfg, 0.1), Trainer.trunkConfig(cfg), 10), state);
    return workdir;
  }

  @Test
  void anUnknownEndpointIsNamedWithTheValidOnes(@TempDir Path tmp) throws Exception {
    Path ckpt = checkpoint(tmp);
    assertOneLineError(CommandLineTest.run("evaluate", "--dataset_dir", SAMPLE, "--workdir", tmp.resolve("e").toString(),
        "--checkpoint", ckpt.toString(), "--endpoints", "block9"), "'block9'", "block1", "block2", "pre_logits");
  }

  @Test
  void aPathWithoutACheckpointIsNamed(@TempDir Path tmp) {
    assertOneLineError(CommandLineTest.run("evaluate", "--dataset_dir", SAMPLE, "--workdir", tmp.resolve("e").toString(),
        "--checkpoint", tmp.resolve("nothing").toString()), "no checkpoint in", "nothing");
  }

  @Test
  void anEmptySplitIsNamed(@TempDir Path tmp) {
    SparkSession spark = TestSpark.get();
    // two train shards, the second (= the val split) empty
    Dataset<Row> one = TFRecordSource.read(spark, DatasetLayout.forName("fashion_mnist")
        .files(spark.sparkContext().hadoopConfiguration(), SAMPLE, "test")).limit(1).select(
            SlimSchema.IMAGE, SlimSchema.LABEL);
    String dir = tmp.resolve("data").toString();
    TFRecordSink.write(one, dir, "train", 2, WriteOptions.defaults());
    TFRecordSink.write(one, dir, "test", 1, WriteOptions.defaults());
    List<String> val = DatasetLayout.forName("generic").files(spark.sparkContext().hadoopConfiguration(), dir, "val");
    assertEquals(1, val.size());
    CommandLineTest.Run r = CommandLineTest.run("evaluate", "--dataset", "generic", "--dataset_dir", dir,
        "--workdir", tmp.resolve("e").toString(), "--raw_pixels");
    // the one image went to one of the two train shards; the other split is empty
    assertOneLineError(r, "split has no rows");
    assertTrue(r.err.contains("the train split") || r.err.contains("the val split"), r.err);
  }
}
