package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;

/** The subcommands end to end on the committed Fashion-MNIST sample, as a user calls them. */
class CommandLineTest {
  static final String SAMPLE = sample();

  static String sample() {
    try {
      return Paths.get(CommandLineTest.class.getResource("/fashion_mnist_sample").toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Exit code, stdout and stderr of one command line. */
  static final class Run {
    int code;
    String out;
    String err;
  }

  static Run run(String... args) {
    TestSpark.get();
    return runWithoutSpark(args);
  }

  /** As {@link #run}, without making the tests' SparkSession first: for the checks that must not need one. */
  static Run runWithoutSpark(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Run r = new Run();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      r.code = Main.run(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    r.out = out.toString(StandardCharsets.UTF_8);
    r.err = err.toString(StandardCharsets.UTF_8);
    oldOut.print(r.out);
    oldErr.print(r.err);
    return r;
  }

  @Test
  void inspectPrintsCountsPerSplitHistogramAndDumpsImagesAfterTheSpec(@TempDir Path tmp) throws Exception {
    Path dump = tmp.resolve("dump");
    Run r = run("inspect", "--dataset", "fashion_mnist", "--dataset_dir", SAMPLE, "--num_images", "4",
        "--preprocess", "decode|resize(32)|central_crop(24)|value_range(-1,1)", "--dump", dump.toString());
    assertEquals(0, r.code, r.err);
    // 1000 train images in 4 shards: the last shard is the val split
    assertTrue(r.out.matches("(?s).*train\\s+750 records in\\s+3 shards.*"), r.out);
    assertTrue(r.out.matches("(?s).*val\\s+250 records in\\s+1 shards.*"), r.out);
    assertTrue(r.out.matches("(?s).*trainval\\s+1000 records in\\s+4 shards.*"), r.out);
    assertTrue(r.out.matches("(?s).*test\\s+500 records in\\s+1 shards.*"), r.out);
    assertTrue(r.out.contains("Ankle boot"), r.out);
    assertTrue(r.out.contains("decoded 28x28x3, after spec 24x24x3"), r.out);
    List<Path> files;
    try (Stream<Path> s = Files.list(dump)) {
      files = s.sorted().collect(Collectors.toList());
    }
    assertEquals(4, files.size());
    assertTrue(files.get(0).getFileName().toString().matches("000_label\\d_[A-Za-z-]+\\.png"), files.toString());
    Image first = ImageCodec.decode(Files.readAllBytes(files.get(0)));
    assertEquals(24, first.height());
    assertEquals(24, first.width());
  }

  @Test
  void inspectTaskReadsJigsawPermutationsThroughSparksFileSystems(@TempDir Path tmp) throws Exception {
    // two permutations only: every dumped puzzle must be labelled 0 or 1
    Path perms = tmp.resolve("perms.bin");
    Files.write(perms, org.selfsup.tasks.JigsawPermutations.of(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8},
        new int[] {8, 7, 6, 5, 4, 3, 2, 1, 0}).toBytes());
    Path dump = tmp.resolve("dump");
    Run r = run("inspect", "--dataset_dir", SAMPLE, "--num_images", "2", "--task", "jigsaw", "--input_size", "64",
        "--permutations_path", perms.toUri().toString(), "--permutations_per_image", "2", "--dump", dump.toString());
    assertEquals(0, r.code, r.err);
    List<String> names;
    try (Stream<Path> s = Files.list(dump)) {
      names = s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
    assertEquals(2, names.size(), names.toString());
    for (String name : names) {
      assertTrue(name.matches("00\\d_label\\d_.*_jigsaw_(0-1|1-0)\\.png"), name);
    }
  }

  @Test
  void histogramCountsAddUpToTheSplit() {
    Run r = run("inspect", "--dataset_dir", SAMPLE, "--split", "test", "--num_images", "0");
    assertEquals(0, r.code, r.err);
    Matcher m = Pattern.compile("(?m)^\\s+(\\d) (\\S.*?)\\s+(\\d+) #+$")
        .matcher(r.out.substring(r.out.indexOf("label histogram (test)")));
    long total = 0;
    int classes = 0;
    while (m.find()) {
      total += Long.parseLong(m.group(3));
      classes++;
    }
    assertEquals(10, classes, r.out);
    assertEquals(500, total, r.out);
  }

  @Test
  void aCorruptShardIsNamedOrSkippedAndCounted(@TempDir Path tmp) throws Exception {
    Path copy = tmp.resolve("corrupt");
    Files.createDirectories(copy);
    try (Stream<Path> s = Files.list(Paths.get(SAMPLE))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.copy(p, copy.resolve(p.getFileName()));
      }
    }
    Path shard = copy.resolve("train-00001-of-00004");
    byte[] bytes = Files.readAllBytes(shard);
    bytes[bytes.length / 2] ^= 0x5a; // inside some record's payload: a data CRC mismatch
    Files.write(shard, bytes);

    Run fail = run("inspect", "--dataset_dir", copy.toString(), "--num_images", "0");
    assertEquals(2, fail.code, fail.err);
    assertTrue(fail.err.matches("(?s)error: corrupt data in record \\d+ in \\S*train-00001-of-00004 .*"), fail.err);
    assertEquals(1, fail.err.strip().lines().count(), fail.err);
    assertTrue(!fail.err.contains("\tat "), fail.err);

    Run skip = run("inspect", "--dataset_dir", copy.toString(), "--num_images", "0", "--on_bad_record", "skip");
    assertEquals(0, skip.code, skip.err);
    assertTrue(skip.out.matches("(?s).*trainval\\s+999 records.*"), skip.out);
    assertTrue(skip.out.contains("records: 1500 read, 1499 used, 1 skipped (DATA_CRC=1); e.g. corrupt data in record "),
        skip.out);
  }

  @Test
  void userMistakesGetOneLineErrorsAndExitCode2(@TempDir Path tmp) {
    Run unknownDataset = run("inspect", "--dataset", "imagenet21k", "--dataset_dir", SAMPLE);
    assertEquals(2, unknownDataset.code);
    assertTrue(unknownDataset.err.contains("imagenet21k") && unknownDataset.err.contains("fashion_mnist"), unknownDataset.err);
    assertEquals(1, unknownDataset.err.strip().lines().count(), unknownDataset.err);

    Run unknownOp = run("inspect", "--dataset_dir", SAMPLE, "--preprocess", "decode|fliplr");
    assertEquals(2, unknownOp.code);
    assertTrue(unknownOp.err.contains("fliplr") && unknownOp.err.contains("flip_lr"), unknownOp.err);

    Run unknownTask = run("inspect", "--dataset_dir", SAMPLE, "--task", "jigsw");
    assertEquals(2, unknownTask.code);
    assertTrue(unknownTask.err.contains("'jigsw'") && unknownTask.err.contains("jigsaw"), unknownTask.err);
    assertEquals(1, unknownTask.err.strip().lines().count(), unknownTask.err);

    Run wrongPath = run("inspect", "--dataset_dir", tmp.resolve("missing").toString());
    assertEquals(2, wrongPath.code);
    assertTrue(wrongPath.err.contains("missing"), wrongPath.err);

    Run unknownSource = run("import", "cifar", "--dataset_dir", tmp.toString());
    assertEquals(2, unknownSource.code);
    assertTrue(unknownSource.err.contains("cifar") && unknownSource.err.contains("image_folder"), unknownSource.err);

    Run badPolicy = run("inspect", "--dataset_dir", SAMPLE, "--on_bad_record", "ignore");
    assertEquals(2, badPolicy.code);
    assertTrue(badPolicy.err.contains("--on_bad_record"), badPolicy.err);
  }
}
