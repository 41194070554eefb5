package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.bundle.FileManifest;
import org.selfsup.bundle.ModelBundle;
import org.selfsup.models.PatchModel;
import org.selfsup.runtime.UserError;
import org.selfsup.tasks.PatchGeometry;
import org.selfsup.tasks.Tasks;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.Trainer;

/** export: the bundle's files, its bundle.json read as plain JSON, its network, its manifest, and refused inputs. */
class ExportTest {
  private static final Configuration CONF = new Configuration();
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private ModelBundle export(Path run, Path out, boolean overwrite) throws Exception {
    ExportConfig c = new ExportConfig();
    c.checkpoint = run.toString();
    c.out = out.toString();
    c.overwrite = overwrite;
    return c.validate().run(CONF, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static String sha256(Path f) throws Exception {
    StringBuilder hex = new StringBuilder();
    for (byte b : MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))) {
      hex.append(String.format("%02x", b));
    }
    return hex.toString();
  }

  private static long[] longs(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asLong();
    }
    return out;
  }

  @Test
  void aRotationRunBecomesABundleOfItsNewestCheckpoint() throws Exception {
    Path run = RunFixtures.run(tmp.resolve("run"), RunFixtures.quickstartConfig("rotation", 28), 5, 3, 28, 28);
    Path out = tmp.resolve("bundle");
    export(run, out, false);
    assertEquals(List.of("bundle.json", "manifest.json", "metrics.csv", "network.zip"), names(out));

    JsonNode b = JSON.readTree(out.resolve("bundle.json").toFile());
    assertEquals(1, b.get("format_version").asInt());
    assertEquals("rotation", b.get("task").asText());
    assertEquals("resnet50v2", b.get("architecture").asText());
    assertEquals(ModelBundle.projectVersion(), b.get("project_version").asText());
    assertTrue(b.get("project_version").asText().matches("[0-9]+\\.[0-9]+\\.[0-9]+.*"), b.get("project_version").asText());
    // the task's evaluation spec at 28 px: shorter side 28 x 256/224 = 32, central crop 28
    assertEquals("decode|resize_small(32)|central_crop(28)|value_range(-1,1)", b.get("preprocess").asText());
    assertEquals(1, b.get("patch_grid").asInt());
    assertEquals("network.zip", b.get("network").get("file").asText());
    assertEquals("image", b.get("network").get("input").asText());
    assertArrayEquals(new long[] {3, 28, 28}, longs(b.get("network").get("input_shape")));
    // k=1: root 16 channels, stage outputs 64, 128, 256 at strides 1, 2, 2 (small input: no root stride)
    Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
    Map<String, long[]> pooling = new java.util.LinkedHashMap<>(); // window, features
    for (JsonNode e : b.get("endpoints")) {
      shapes.put(e.get("name").asText(), longs(e.get("shape")));
      pooling.put(e.get("name").asText(), new long[] {e.get("spatial_max_pool").asLong(), e.get("features").asLong()});
    }
    assertEquals(List.of("after_root", "block1", "block2", "block3", "pre_logits", "logits"), new ArrayList<>(shapes.keySet()));
    assertArrayEquals(new long[] {16, 28, 28}, shapes.get("after_root"));
    assertArrayEquals(new long[] {64, 28, 28}, shapes.get("block1"));
    assertArrayEquals(new long[] {128, 14, 14}, shapes.get("block2"));
    assertArrayEquals(new long[] {256, 7, 7}, shapes.get("block3"));
    assertArrayEquals(new long[] {256}, shapes.get("pre_logits"));
    assertArrayEquals(new long[] {4}, shapes.get("logits"));
    // the smallest window with C * ceil(H/k) * ceil(W/k) <= 9000
    assertArrayEquals(new long[] {3, 64 * 10 * 10}, pooling.get("block1")); // k=2: 64*14*14 = 12544
    assertArrayEquals(new long[] {2, 128 * 7 * 7}, pooling.get("block2")); // k=1: 25088
    assertArrayEquals(new long[] {2, 256 * 4 * 4}, pooling.get("block3")); // k=1: 12544
    assertArrayEquals(new long[] {1, 256}, pooling.get("pre_logits"));
    assertEquals(List.of("pre_logits", "block3"), List.of(b.get("default_endpoints").get(0).asText(),
        b.get("default_endpoints").get(1).asText()));

    JsonNode t = b.get("training");
    assertTrue(t.get("checkpoint").asText().endsWith("checkpoints/step-000000000005"), t.get("checkpoint").asText());
    assertEquals(5, t.get("steps").asLong());
    assertEquals(80, t.get("images_seen").asLong());
    assertEquals("fashion_mnist", t.get("dataset").asText());
    assertEquals(28, t.get("config").get("inputSize").asInt());
    // the last metrics.csv row at or before the checkpoint's step (step 8 was written after it)
    JsonNode m = t.get("final_metrics");
    assertEquals(5, m.get("step").asLong());
    assertEquals(0.75, m.get("loss").asDouble());
    assertEquals(0.875, m.get("pretext_accuracy").asDouble());
    assertEquals(0.9, m.get("pretext_loss").asDouble());
    List<String> rows = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals(4, rows.size());
    assertTrue(rows.get(3).contains(",5,80,"), rows.get(3));

    // the manifest: SHA-256 and size of every other file, computed here independently
    JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
    assertEquals(List.of("bundle.json", "metrics.csv", "network.zip"), iterate(manifest.fieldNames()));
    for (String f : List.of("bundle.json", "metrics.csv", "network.zip")) {
      assertEquals(sha256(out.resolve(f)), manifest.get(f).get("sha256").asText(), f);
      assertEquals(Files.size(out.resolve(f)), manifest.get(f).get("bytes").asLong(), f);
    }

    // inference form: no updater state (the checkpoint has it), the same activations at every endpoint
    try (ZipFile zip = new ZipFile(out.resolve("network.zip").toFile());
        ZipFile ckpt = new ZipFile(run.resolve("checkpoints/step-000000000005/model.zip").toFile())) {
      assertNotNull(ckpt.getEntry("updaterState.bin"));
      assertEquals(null, zip.getEntry("updaterState.bin"));
    }
    ModelBundle bundle = ModelBundle.read(CONF, out.toString());
    ComputationGraph exported = bundle.loadNetwork(CONF);
    ComputationGraph trained = Checkpoint.find(CONF, run.toString()).loadModel(CONF);
    INDArray x = Nd4j.rand(DataType.FLOAT, 3, 3, 28, 28);
    Map<String, INDArray> a = exported.feedForward(x, false);
    Map<String, INDArray> e = trained.feedForward(x, false);
    for (Map.Entry<String, String> ep : bundle.info.endpointVertices().entrySet()) {
      assertEquals(e.get(ep.getValue()), a.get(ep.getValue()), ep.getKey());
    }

    // the quickstart trunk's bundle must stay small enough to commit
    long bytes = 0;
    for (String f : names(out)) {
      bytes += Files.size(out.resolve(f));
    }
    System.out.println("bundle of the quickstart trunk (28 px): " + bytes + " bytes, network.zip "
        + Files.size(out.resolve("network.zip")) + " bytes, " + exported.numParams() + " parameters");
    assertTrue(bytes < 2_000_000, bytes + " bytes");
  }

  private static List<String> iterate(java.util.Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void aPatchRunExportsTheTrunkOnOneTileAndTheGridItsFeaturesAreAveragedOver() throws Exception {
    TrainConfig cfg = RunFixtures.quickstartConfig("relative_patch_location", 64);
    int patch = new PatchGeometry(64).patch;
    assertEquals(16, patch);
    Path run = RunFixtures.run(tmp.resolve("run"), cfg, 3, 6, patch, patch); // 2 patches of 3 channels
    Path out = tmp.resolve("bundle");
    export(run.resolve("checkpoints/step-000000000003"), out, false);
    JsonNode b = JSON.readTree(out.resolve("bundle.json").toFile());
    assertEquals(3, b.get("patch_grid").asInt());
    assertArrayEquals(new long[] {3, 16, 16}, longs(b.get("network").get("input_shape")));
    assertEquals(Tasks.forName("relative_patch_location").evalSpec(64), b.get("preprocess").asText());
    JsonNode logits = null;
    for (JsonNode e : b.get("endpoints")) {
      if (e.get("name").asText().equals("logits")) {
        logits = e;
      }
    }
    assertEquals(PatchModel.PATCH_LOGITS, logits.get("vertex").asText());
    assertArrayEquals(new long[] {8}, longs(logits.get("shape")));

    ModelBundle bundle = ModelBundle.read(CONF, out.toString());
    ComputationGraph trained = Checkpoint.find(CONF, run.toString()).loadModel(CONF);
    cfg.taskOptions.permutationsPath = null;
    ComputationGraph reference = PatchModel.representation(trained,
        PatchModel.patchTrunk(Trainer.trunkConfig(cfg), patch), cfg.taskOptions.embedDim);
    INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 16, 16);
    Map<String, INDArray> a = bundle.loadNetwork(CONF).feedForward(x, false);
    Map<String, INDArray> e = reference.feedForward(x, false);
    for (String v : bundle.info.endpointVertices().values()) {
      assertEquals(e.get(v), a.get(v), v);
    }
  }

  @Test
  void aDamagedBundleIsRefusedNamingWhatIsWrong() throws Exception {
    Path run = RunFixtures.run(tmp.resolve("run"), RunFixtures.quickstartConfig("rotation", 28), 5, 3, 28, 28);
    Path out = tmp.resolve("bundle");
    export(run, out, false);
    // one byte of the network changed
    try (RandomAccessFile f = new RandomAccessFile(out.resolve("network.zip").toFile(), "rw")) {
      f.seek(100);
      int v = f.read();
      f.seek(100);
      f.write(v ^ 0xff);
    }
    UserError e = assertThrows(UserError.class, () -> ModelBundle.read(CONF, out.toString()));
    assertTrue(e.getMessage().startsWith("model bundle " + out + " is damaged (network.zip has SHA-256 "), e.getMessage());

    export(run, out, true);
    Files.delete(out.resolve("manifest.json"));
    e = assertThrows(UserError.class, () -> ModelBundle.read(CONF, out.toString()));
    assertTrue(e.getMessage().contains("is damaged (no manifest.json"), e.getMessage());

    // a newer format, its manifest in order
    export(run, out, true);
    ObjectNode b = (ObjectNode) JSON.readTree(out.resolve("bundle.json").toFile());
    b.put("format_version", 2);
    Files.write(out.resolve("bundle.json"), JSON.writeValueAsBytes(b));
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(CONF);
    FileManifest.write(fs, new org.apache.hadoop.fs.Path(out.toString()), List.of("bundle.json", "network.zip"));
    e = assertThrows(UserError.class, () -> ModelBundle.read(CONF, out.toString()));
    assertEquals("model bundle " + out + " has format_version 2; this program reads format_version 1", e.getMessage());

    e = assertThrows(UserError.class, () -> ModelBundle.read(CONF, tmp.resolve("run").toString()));
    assertTrue(e.getMessage().startsWith("no model bundle in " + tmp.resolve("run") + ": expected bundle.json"),
        e.getMessage());
  }

  @Test
  void theOutputFolderIsReplacedOnlyWhenItHoldsABundleAndOverwriteIsGiven() throws Exception {
    Path run = RunFixtures.run(tmp.resolve("run"), RunFixtures.quickstartConfig("rotation", 28), 5, 3, 28, 28);
    Path other = Files.createDirectories(tmp.resolve("mine"));
    Files.writeString(other.resolve("notes.txt"), "keep me");
    UserError e = assertThrows(UserError.class, () -> export(run, other, false));
    assertEquals("--out " + other + " exists and is not empty; add --overwrite to replace it", e.getMessage());
    e = assertThrows(UserError.class, () -> export(run, other, true));
    assertTrue(e.getMessage().contains("holds no bundle.json: --overwrite replaces only an earlier output"), e.getMessage());
    assertTrue(Files.exists(other.resolve("notes.txt")));

    Path out = tmp.resolve("bundle");
    export(run, out, false);
    assertThrows(UserError.class, () -> export(run, out, false));
    Files.writeString(out.resolve("stale.txt"), "from before");
    export(run, out, true);
    assertFalse(Files.exists(out.resolve("stale.txt")));
    ModelBundle.read(CONF, out.toString());

    e = assertThrows(UserError.class, () -> export(Files.createDirectories(tmp.resolve("empty")), tmp.resolve("b2"), false));
    assertTrue(e.getMessage().startsWith("no checkpoint in " + tmp.resolve("empty")), e.getMessage());
    ExportConfig c = new ExportConfig();
    c.checkpoint = run.toString();
    c.out = tmp.resolve("b3").toString();
    c.endpoints = List.of("block9");
    e = assertThrows(UserError.class, c::validate);
    assertTrue(e.getMessage().startsWith("--endpoints: unknown endpoint 'block9'"), e.getMessage());
    c.endpoints = null;
    c.preprocess = "decode|random_crop(64)";
    e = assertThrows(UserError.class, c::validate);
    assertTrue(e.getMessage().startsWith("--preprocess 'decode|random_crop(64)' cannot apply to an image of the trained"
        + " input size 28x28"), e.getMessage());
  }

  @Test
  void theNpyHeaderIsPaddedToSixtyFourBytes() {
    byte[] h = NpyMatrix.header(3, 5);
    assertEquals(0, h.length % 64);
    assertEquals((byte) 0x93, h[0]);
    assertEquals("NUMPY", new String(h, 1, 5, StandardCharsets.US_ASCII));
    assertEquals(1, h[6]);
    assertEquals(0, h[7]);
    int len = (h[8] & 0xff) | (h[9] & 0xff) << 8;
    assertEquals(h.length - 10, len);
    String dict = new String(h, 10, len, StandardCharsets.US_ASCII);
    assertTrue(dict.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }"), dict);
    assertTrue(dict.endsWith(" \n"), dict);
  }
}
