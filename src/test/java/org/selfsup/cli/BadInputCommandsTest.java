package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.data.BadDatasets;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.TFRecordSource;

/**
 * inspect and evaluate on datasets with bad records made from the sample (see {@link BadDatasets#mixed}):
 * skipped and counted once, in one summary line that adds up (and in evaluate's report), or named in
 * one error line; a spec that cannot apply is a configuration error even in skip mode.
 */
class BadInputCommandsTest {
  private static final List<String> WARNINGS = new CopyOnWriteArrayList<>();
  private static AbstractAppender appender;
  private static final String[] LOGGERS = {TFRecordSource.class.getName(), ReadOptions.class.getName()};

  @TempDir
  static Path tmp;
  static Path mixed;
  static long unreadAfterCut;
  static Path bomb;

  @BeforeAll
  static void setUp() {
    org.selfsup.TestSpark.get(); // first: starting Spark reconfigures logging, dropping added appenders
    mixed = tmp.resolve("mixed");
    unreadAfterCut = BadDatasets.mixed(mixed);
    bomb = tmp.resolve("bomb");
    BadDatasets.bombFirst(bomb);
    appender = new AbstractAppender("skip-capture", null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        if (event.getLevel().isMoreSpecificThan(org.apache.logging.log4j.Level.WARN)) {
          WARNINGS.add(event.getMessage().getFormattedMessage());
        }
      }
    };
    appender.start();
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    for (String name : LOGGERS) {
      ctx.getLogger(name).addAppender(appender);
    }
  }

  @AfterAll
  static void tearDown() {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    for (String name : LOGGERS) {
      ctx.getLogger(name).removeAppender(appender);
    }
    appender.stop();
  }

  private static long warningsAbout(String text) {
    return WARNINGS.stream().filter(w -> w.contains(text)).count();
  }

  private static String lastLine(String out) {
    List<String> lines = out.strip().lines().collect(java.util.stream.Collectors.toList());
    return lines.get(lines.size() - 1);
  }

  // read: train 22 + val 20 + test 21 (20 good, then record 20's corrupt header) = 63;
  // skipped: the bomb, the truncated PNG (both in the train split), test's record 20 = 3; used 60
  private String expectedCounts() {
    return "records: 63 read, 60 used, 3 skipped (LENGTH_CRC=1, UNDECODABLE_IMAGE=1, IMAGE_TOO_LARGE=1);"
        + " 1 shard cut short: " + BadDatasets.MIXED_CUT_SHARD + " at record 20 (LENGTH_CRC, " + unreadAfterCut
        + " bytes unread); e.g. ";
  }

  @Test
  void inspectSkipsBadImagesCountsEachOnceAndEndsWithOneSummaryLine() {
    WARNINGS.clear();
    CommandLineTest.Run r = CommandLineTest.run("inspect", "--dataset_dir", mixed.toString(), "--num_images", "25",
        "--on_bad_record", "skip");
    assertEquals(0, r.code, r.err);
    assertTrue(r.out.matches("(?s).*train\\s+22 records in\\s+1 shards.*"), r.out);
    assertTrue(r.out.matches("(?s).*test\\s+20 records in\\s+1 shards.*"), r.out);
    // the 22 train records hold 20 good images: all shown, the two bad ones skipped
    assertTrue(r.out.contains("first 20 images (train)"), r.out);
    assertFalse(r.out.contains("#20 label"), r.out);
    assertFalse(r.out.contains("#21 label"), r.out);
    assertTrue(lastLine(r.out).startsWith(expectedCounts()), lastLine(r.out));
    assertEquals(1, r.out.lines().filter(l -> l.startsWith("records: ")).count(), r.out);
    // one warning per bad record, though the train split is read twice (histogram, images)
    assertEquals(1, warningsAbout("record 20 in " + mixed.toUri().toString().replace("file:///", "file:/")
        + "train-00000-of-00002 has an image too large"), WARNINGS.toString());
    assertEquals(1, warningsAbout("has an undecodable image"), WARNINGS.toString());
    assertEquals(1, warningsAbout("corrupt length header of record 20"), WARNINGS.toString());
    assertEquals(3, WARNINGS.size(), WARNINGS.toString());
  }

  @Test
  void evaluateSkipsBadImagesAndReportsTheCountsInItsJson() throws Exception {
    Path work = tmp.resolve("eval-skip");
    CommandLineTest.Run r = CommandLineTest.run("evaluate", "--dataset_dir", mixed.toString(), "--workdir",
        work.toString(), "--raw_pixels", "--on_bad_record", "skip", "--max_iter", "3", "--reg_params", "0");
    assertEquals(0, r.code, r.err);
    assertTrue(r.out.contains("(20 train, 20 val, 20 test images)"), r.out);
    assertTrue(lastLine(r.out).startsWith(expectedCounts()), lastLine(r.out));
    JsonNode records = new ObjectMapper().readTree(work.resolve("eval-raw_pixels.json").toFile()).get("records");
    assertEquals(63, records.get("recordsRead").asLong());
    assertEquals(60, records.get("recordsUsed").asLong());
    assertEquals(1, records.get("skipped").get("IMAGE_TOO_LARGE").asLong());
    assertEquals(1, records.get("skipped").get("UNDECODABLE_IMAGE").asLong());
    assertEquals(1, records.get("skipped").get("LENGTH_CRC").asLong());
    JsonNode cut = records.get("shardsCutShort");
    assertEquals(1, cut.size());
    assertTrue(cut.get(0).get("file").asText().endsWith("/" + BadDatasets.MIXED_CUT_SHARD), cut.toString());
    assertEquals(20, cut.get(0).get("record").asLong());
    assertEquals(unreadAfterCut, cut.get(0).get("bytesUnread").asLong());
  }

  @Test
  void anOversizedImageIsNamedInOneLineWhenFailing() {
    String shard = bomb.resolve("train-00000-of-00002").toUri().toString().replace("file:///", "file:/");
    String expected = "error: record 0 in " + shard + " has an image too large to decode (PNG of 20000x20000"
        + " = 400000000 pixels exceeds --max_image_pixels=64000000)";
    CommandLineTest.Run inspect = CommandLineTest.run("inspect", "--dataset_dir", bomb.toString(), "--num_images", "2");
    assertEquals(2, inspect.code, inspect.err);
    assertOneErrorLine(expected, inspect.err);
    CommandLineTest.Run evaluate = CommandLineTest.run("evaluate", "--dataset_dir", bomb.toString(), "--workdir",
        tmp.resolve("eval-fail").toString(), "--raw_pixels");
    assertEquals(2, evaluate.code, evaluate.err);
    assertOneErrorLine(expected, evaluate.err);

    CommandLineTest.Run skip = CommandLineTest.run("inspect", "--dataset_dir", bomb.toString(), "--num_images", "2",
        "--on_bad_record", "skip");
    assertEquals(0, skip.code, skip.err);
    assertTrue(skip.out.contains("first 2 images (train)"), skip.out);
    assertTrue(lastLine(skip.out).startsWith("records: 31 read, 30 used, 1 skipped (IMAGE_TOO_LARGE=1); e.g. record 0 in"),
        skip.out);
  }

  @Test
  void aSpecThatCannotApplyIsAConfigurationErrorEvenWhenSkipping() {
    CommandLineTest.Run inspect = CommandLineTest.run("inspect", "--dataset_dir", CommandLineTest.SAMPLE,
        "--num_images", "1", "--preprocess", "decode|central_crop(64)", "--on_bad_record", "skip");
    assertEquals(2, inspect.code, inspect.err);
    assertEquals(1, inspect.err.strip().lines().count(), inspect.err);
    assertTrue(inspect.err.matches("error: record 0 in \\S+/train-00000-of-00004: op 'central_crop\\(64\\)' of spec"
        + " 'decode\\|central_crop\\(64\\)' cannot apply to the 28x28x3 image .*\\s*"), inspect.err);

    CommandLineTest.Run evaluate = CommandLineTest.run("evaluate", "--dataset_dir", CommandLineTest.SAMPLE,
        "--workdir", tmp.resolve("eval-spec").toString(), "--raw_pixels", "--preprocess", "decode(1)|central_crop(64)",
        "--on_bad_record", "skip", "--limit", "train=8", "--limit", "val=8", "--limit", "test=8");
    assertEquals(2, evaluate.code, evaluate.err);
    assertEquals(1, evaluate.err.strip().lines().count(), evaluate.err);
    assertTrue(evaluate.err.contains("of spec 'decode(1)|central_crop(64)' cannot apply to the 28x28x1 image"),
        evaluate.err);
  }

  /** One line on stderr: the expected message, then at most the pointer to the run's log file. */
  private static void assertOneErrorLine(String expected, String err) {
    String line = err.strip();
    assertEquals(1, line.lines().count(), err);
    assertTrue(line.equals(expected) || line.startsWith(expected + " (log: "), err);
  }
}
