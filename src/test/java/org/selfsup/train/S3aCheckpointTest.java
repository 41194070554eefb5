package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.Blob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.selfsup.S3TestServer;
import org.selfsup.TestSpark;
import org.selfsup.data.BadDatasets;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.runtime.UserError;

/**
 * Checkpoints on an object store, where nothing is renamed atomically: S3A against an in-process
 * S3 server (s3proxy, {@link S3TestServer}). Each damage is done on the server side, through the
 * blob store behind S3A's back, as a killed upload, a lifecycle rule or a person would leave it;
 * the fallback to the previous intact checkpoint and a resumed training run must hold as on the
 * local disk ({@link CheckpointTest}, {@link TrainerTest}).
 */
class S3aCheckpointTest {
  private static final String BUCKET = "selfsup-s3a-checkpoints";
  private static S3TestServer s3;
  private static Configuration conf;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = S3TestServer.start(BUCKET);
    // the shared session's configuration: the trainer's, and this bucket's settings only
    conf = TestSpark.get().sparkContext().hadoopConfiguration();
    s3.configure(conf, BUCKET);
  }

  @AfterAll
  static void stopS3() throws Exception {
    try {
      new Path("s3a://" + BUCKET + "/").getFileSystem(conf).close(); // leaves FileSystem's cache
    } catch (IOException ignored) {
      // the server goes away next anyway
    }
    if (s3 != null) {
      s3.close();
    }
  }

  /** The objects under the workdir's checkpoints/ (S3A's folder markers left out). */
  private static List<String> checkpointObjects(String prefix) {
    return s3.objects(BUCKET, prefix + "/checkpoints/").stream().filter(n -> !n.endsWith("/"))
        .map(n -> n.substring(prefix.length() + "/checkpoints/".length())).collect(Collectors.toList());
  }

  private static List<String> files(long... steps) {
    List<String> out = new ArrayList<>();
    for (long step : steps) {
      for (String f : new String[] {Checkpoint.MANIFEST, Checkpoint.MODEL, Checkpoint.STATE}) {
        out.add(Checkpoint.name(step) + "/" + f);
      }
    }
    return out;
  }

  private static byte[] object(String key) throws IOException {
    Blob blob = s3.blobStore().getBlob(BUCKET, key);
    try (InputStream in = blob.getPayload().openStream()) {
      return in.readAllBytes();
    }
  }

  private static void replaceObject(String key, byte[] bytes) {
    BlobStore store = s3.blobStore();
    store.putBlob(BUCKET, store.blobBuilder(key).payload(bytes).build());
  }

  private static Path dir(String workdir, long step) {
    return new Path(Checkpoint.root(workdir), Checkpoint.name(step));
  }

  @Test
  void damagedCheckpointsOnTheServerAreSkippedForTheOneBefore() throws Exception {
    String prefix = "damaged";
    String workdir = "s3a://" + BUCKET + "/" + prefix;
    ComputationGraph older = CheckpointTest.network(1);
    Checkpoint.save(conf, workdir, older, CheckpointTest.state(8));
    Checkpoint.save(conf, workdir, CheckpointTest.network(2), CheckpointTest.state(16));
    // three whole objects per checkpoint, nothing else (no temporaries, nothing renamed into place)
    assertEquals(files(8, 16), checkpointObjects(prefix));
    assertEquals(16, Checkpoint.latest(conf, workdir).state.steps);

    // model.zip cut short on the server
    String model16 = prefix + "/checkpoints/" + Checkpoint.name(16) + "/" + Checkpoint.MODEL;
    byte[] whole = object(model16);
    replaceObject(model16, Arrays.copyOf(whole, whole.length / 2));
    assertEquals("model.zip is " + (whole.length / 2) + " bytes, the manifest says " + whole.length,
        Checkpoint.problem(conf, dir(workdir, 16)));
    Checkpoint latest = Checkpoint.latest(conf, workdir);
    assertEquals(8, latest.state.steps);
    assertArrayEquals(older.params().data().asFloat(), latest.loadModel(conf).params().data().asFloat());
    UserError e = assertThrows(UserError.class, () -> Checkpoint.find(conf, dir(workdir, 16).toString()));
    assertTrue(e.getMessage().contains(Checkpoint.name(16)) && e.getMessage().contains("model.zip is"), e.getMessage());
    assertEquals(8, Checkpoint.find(conf, workdir).state.steps);

    // the same size, other bytes
    byte[] flipped = whole.clone();
    flipped[flipped.length / 2] ^= 0x5a;
    replaceObject(model16, flipped);
    assertTrue(Checkpoint.problem(conf, dir(workdir, 16)).startsWith("model.zip has SHA-256 "),
        Checkpoint.problem(conf, dir(workdir, 16)));
    assertEquals(8, Checkpoint.latest(conf, workdir).state.steps);

    // deleted on the server
    s3.blobStore().removeBlob(BUCKET, model16);
    assertEquals("model.zip is missing", Checkpoint.problem(conf, dir(workdir, 16)));
    assertEquals(8, Checkpoint.latest(conf, workdir).state.steps);

    // a save killed before its manifest: model.zip and state.json whole, no manifest.json
    Checkpoint.save(conf, workdir, CheckpointTest.network(3), CheckpointTest.state(24));
    s3.blobStore().removeBlob(BUCKET, prefix + "/checkpoints/" + Checkpoint.name(24) + "/" + Checkpoint.MANIFEST);
    assertEquals("no manifest.json: it was not written to the end", Checkpoint.problem(conf, dir(workdir, 24)));
    assertEquals(8, Checkpoint.latest(conf, workdir).state.steps);

    // a resumed run writes step 16 again over the damaged folder, and prunes: whole objects again;
    // the killed save's folder (the newest) stays until the run writes step 24 again
    ComputationGraph again = CheckpointTest.network(4);
    Path saved = Checkpoint.save(conf, workdir, again, CheckpointTest.state(16));
    assertNull(Checkpoint.problem(conf, saved));
    Checkpoint.prune(conf, workdir, 1, saved);
    List<String> expected = files(16);
    expected.add(Checkpoint.name(24) + "/" + Checkpoint.MODEL);
    expected.add(Checkpoint.name(24) + "/" + Checkpoint.STATE);
    assertEquals(expected, checkpointObjects(prefix));
    Checkpoint now = Checkpoint.latest(conf, workdir);
    assertEquals(16, now.state.steps);
    assertArrayEquals(again.params().data().asFloat(), now.loadModel(conf).params().data().asFloat());
  }

  /**
   * A rotation run on a small dataset in the bucket (the first 32 records of each of the sample's 4
   * train shards: 3 for training, one chunk each, 4 steps of 8 images; 1 for the held-out batch),
   * 2 chunks, a checkpoint after each. Then the newest checkpoint's model.zip is cut short on the
   * server: the same command again skips it, resumes from step 4, trains chunk 2 again and ends
   * with the very parameters, momentum, metrics rows and checkpoints of the uninterrupted run.
   */
  @Test
  void aRunWhoseNewestCheckpointIsDamagedOnTheServerResumesFromThePreviousOne() throws Exception {
    SparkSession spark = TestSpark.get();
    String data = "s3a://" + BUCKET + "/small_fashion_mnist";
    java.nio.file.Path local = java.nio.file.Files.createTempDirectory("small_fashion_mnist");
    for (int shard = 0; shard < 4; shard++) {
      String name = String.format("train-%05d-of-00004", shard);
      BadDatasets.writeShard(local.resolve(name), BadDatasets.samplePayloads(name, 32));
      new Path(data).getFileSystem(conf).copyFromLocalFile(true, true, new Path(local.resolve(name).toUri()),
          new Path(data, name));
    }
    java.nio.file.Files.delete(local);
    String prefix = "runs/rotation";
    String workdir = "s3a://" + BUCKET + "/" + prefix;

    Checkpoint.State full = new Trainer(spark, small(data), workdir, BadRecordPolicy.FAIL).run();
    assertEquals(8, full.steps);
    assertEquals(files(4, 8), checkpointObjects(prefix));
    ComputationGraph straight = Checkpoint.latest(conf, workdir).loadModel(conf);
    List<String> straightRows = metrics(workdir);
    assertEquals(1 + 1 + 2, straightRows.size(), "header, step 0, 2 chunks: " + straightRows);

    String model8 = prefix + "/checkpoints/" + Checkpoint.name(8) + "/" + Checkpoint.MODEL;
    byte[] whole = object(model8);
    replaceObject(model8, Arrays.copyOf(whole, whole.length / 3));
    assertEquals(4, Checkpoint.latest(conf, workdir).state.steps);

    Checkpoint.State resumed = new Trainer(spark, small(data), workdir, BadRecordPolicy.FAIL).run();
    assertEquals(8, resumed.steps);
    assertEquals(64, resumed.imagesSeen);
    assertEquals(files(4, 8), checkpointObjects(prefix));
    assertNull(Checkpoint.problem(conf, dir(workdir, 8)), "step 8 written again, whole");
    ComputationGraph after = Checkpoint.latest(conf, workdir).loadModel(conf);
    assertArrayEquals(straight.params().data().asFloat(), after.params().data().asFloat(), "final parameters");
    assertArrayEquals(straight.getUpdater().getStateViewArray().data().asFloat(),
        after.getUpdater().getStateViewArray().data().asFloat(), "final momentum");

    List<String> rows = metrics(workdir);
    assertEquals(straightRows.size(), rows.size(), "the damaged chunk's row dropped, written once again: " + rows);
    assertEquals(straightRows.get(0), rows.get(0));
    for (int i = 1; i < rows.size(); i++) {
      assertEquals(TrainerTest.deterministic(straightRows.get(i).split(",")),
          TrainerTest.deterministic(rows.get(i).split(",")), "metrics row " + i);
    }
  }

  /** 2 of the 3 chunks of an epoch on the small dataset, 2 workers, a checkpoint after each chunk. */
  private static TrainConfig small(String data) throws Exception {
    TrainConfig cfg = TrainerTest.tiny(2.0 / 3);
    cfg.datasetDir = data;
    cfg.batchSize = 8;
    cfg.pretextEvalImages = 16;
    cfg.numWorkers = 2;
    cfg.checkpointEvery = 1;
    cfg.keepCheckpoints = 3;
    return cfg;
  }

  private static List<String> metrics(String workdir) throws IOException {
    Path p = new Path(workdir, "metrics.csv");
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().collect(Collectors.toList());
    }
  }
}
