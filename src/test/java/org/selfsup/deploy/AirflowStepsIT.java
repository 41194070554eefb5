package org.selfsup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.example.Example;
import org.tensorflow.example.Feature;
import org.tensorflow.hadoop.util.TFRecordReader;

/**
 * The Airflow DAG's steps (deploy/airflow/selfsup_steps.py, no Airflow) run in order through the
 * project's launcher (jobs/selfsup.sh) with Debian's python3, on the committed sample: its images
 * written back as Fashion-MNIST IDX files, imported into the sample's shard layout, a tiny rotation
 * pretraining, the three linear evaluations and the comparison. A step naming a flag the CLI lacks
 * fails here. Needs the packaged jars (failsafe, after package).
 */
class AirflowStepsIT {
  static final Path SAMPLE = DeployScripts.ROOT.resolve("src/test/resources/fashion_mnist_sample");

  static String python3() {
    for (String candidate : new String[] {"/usr/bin/python3", "/usr/local/bin/python3"}) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }

  /** A shard's records as (0-based label, 28x28 gray pixels), in order. */
  static List<byte[]> records(Path shard) throws IOException {
    List<byte[]> records = new ArrayList<>();
    try (InputStream in = Files.newInputStream(shard)) {
      TFRecordReader reader = new TFRecordReader(in, true);
      for (byte[] record = reader.read(); record != null; record = reader.read()) {
        var features = Example.parseFrom(record).getFeatures().getFeatureMap();
        Feature encoded = features.get("image/encoded");
        Raster raster = ImageIO.read(new ByteArrayInputStream(encoded.getBytesList().getValue(0).toByteArray())).getRaster();
        byte[] labelAndPixels = new byte[1 + 28 * 28];
        labelAndPixels[0] = (byte) (features.get("image/class/label").getInt64List().getValue(0) - 1); // slim: 1-based
        for (int y = 0; y < 28; y++) {
          for (int x = 0; x < 28; x++) {
            labelAndPixels[1 + y * 28 + x] = (byte) raster.getSample(x, y, 0);
          }
        }
        records.add(labelAndPixels);
      }
    }
    return records;
  }

  /** A shard's labels, sorted. */
  static List<Integer> labels(Path shard) throws IOException {
    return records(shard).stream().map(r -> (int) r[0]).sorted().collect(Collectors.toList());
  }

  static List<Path> shards(Path dir, String split) throws IOException {
    try (var list = Files.list(dir)) {
      return list.filter(p -> p.getFileName().toString().startsWith(split + "-")).sorted().collect(Collectors.toList());
    }
  }

  /** The committed sample's images of a split as Fashion-MNIST's IDX files. */
  static void toIdx(String split, Path images, Path labels) throws IOException {
    List<byte[]> records = new ArrayList<>();
    for (Path shard : shards(SAMPLE, split)) {
      records.addAll(records(shard));
    }
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
      out.writeInt(0x803);
      out.writeInt(records.size());
      out.writeInt(28);
      out.writeInt(28);
      for (byte[] r : records) {
        out.write(r, 1, 28 * 28);
      }
    }
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(labels))) {
      out.writeInt(0x801);
      out.writeInt(records.size());
      for (byte[] r : records) {
        out.write(r[0]);
      }
    }
  }

  @Test
  void theDagsStepsRunInOrderThroughTheLauncher(@TempDir Path tmp) throws Exception {
    String python = python3();
    assumeTrue(python != null, "python3 not found (/usr/bin/python3): the Airflow steps module was not run");
    Path raw = Files.createDirectories(tmp.resolve("raw"));
    toIdx("train", raw.resolve("train-images-idx3-ubyte"), raw.resolve("train-labels-idx1-ubyte"));
    toIdx("test", raw.resolve("t10k-images-idx3-ubyte"), raw.resolve("t10k-labels-idx1-ubyte"));
    Path data = tmp.resolve("data");
    Path run = tmp.resolve("run");
    List<String> command = List.of(python, "deploy/airflow/selfsup_steps.py",
        "--dataset_dir", data.toString(), "--run_dir", run.toString(), "--dataset", "fashion_mnist",
        "--task", "rotation", "--architecture", "resnet50v2", "--import_source", "fashion_mnist",
        "--source_dir", raw.toString(), "--import_flags", "--shards train=4 --shards test=1",
        "--pretrain_flags", "--filters_factor 1 --small_input --input_size 32 --blocks_per_stage 1,1 --batch_size 16"
            + " --epochs 0.2 --chunks_per_epoch 2 --num_workers 1 --minibatch_storage MEMORY_ONLY --batch_norm_decay 0.9",
        "--evaluate_flags", "--limit train=100 --limit val=50 --limit test=100 --reg_params 1e-3 --max_iter 10",
        "run", "--launcher", DeployScripts.ROOT.resolve("jobs/selfsup.sh").toString());
    Path log = Files.createDirectories(DeployScripts.ROOT.resolve("target/it-logs")).resolve("airflow-steps.log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(DeployScripts.ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("SELFSUP_DRIVER_MEMORY", "3g");
    pb.environment().put("SELFSUP_LOG_DIR", DeployScripts.ROOT.resolve("target/it-logs").toString());
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the steps did not end within 10 minutes; see " + log);
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);

    List<String> started = out.lines().filter(l -> l.startsWith("[steps] ") && !l.contains(": exit "))
        .map(l -> l.substring(8, l.indexOf(':'))).collect(Collectors.toList());
    assertEquals(List.of("import", "pretrain", "evaluate_random_init", "evaluate_pretrained", "evaluate_raw_pixels",
        "compare"), started);
    // the import gives back the committed sample's shard layout and, over all its shards, the same labels
    // (which image lands in which shard, and the pixels, were not compared: the importer's order and
    // the committed sample's differ)
    List<Integer> expectedLabels = new java.util.ArrayList<>();
    List<Integer> importedLabels = new java.util.ArrayList<>();
    for (String split : new String[] {"train", "test"}) {
      List<Path> expected = shards(SAMPLE, split);
      List<Path> imported = shards(data, split);
      assertEquals(expected.stream().map(Path::getFileName).map(Path::toString).collect(Collectors.toList()),
          imported.stream().map(Path::getFileName).map(Path::toString).collect(Collectors.toList()));
      for (int i = 0; i < expected.size(); i++) {
        expectedLabels.addAll(labels(expected.get(i)));
        importedLabels.addAll(labels(imported.get(i)));
      }
    }
    java.util.Collections.sort(expectedLabels);
    java.util.Collections.sort(importedLabels);
    assertEquals(expectedLabels, importedLabels);
    try (var ckpts = Files.list(run.resolve("pretrain/checkpoints"))) {
      assertTrue(ckpts.anyMatch(c -> Files.exists(c.resolve("manifest.json"))), "no complete checkpoint");
    }
    for (String name : new String[] {"random_init", "rotation", "raw_pixels"}) {
      assertTrue(Files.exists(run.resolve("eval/eval-" + name + ".json")), name);
      assertTrue(out.lines().anyMatch(l -> l.matches(name + " +\\S+ +\\d+ +\\d+\\.\\d\\d +\\d+\\.\\d\\d")),
          "no comparison row for " + name + " in:\n" + out);
    }
  }
}
