package org.selfsup.data;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.example.Example;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of bad input, under FAIL (the job fails; the message names file, record and reason)
 * and under SKIP (one count, every good record still returned). A good shard sits beside the bad one.
 */
class TFRecordBadInputTest {
  private static SparkSession spark;
  private static final List<String> WARNINGS = new CopyOnWriteArrayList<>();
  private static final List<Boolean> WARNINGS_WITH_TRACE = new CopyOnWriteArrayList<>();
  private static AbstractAppender appender;
  private static org.apache.logging.log4j.core.Logger sourceLogger;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void setUp() {
    spark = org.selfsup.TestSpark.get();
    appender = new AbstractAppender("bad-record-capture", null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        if (event.getLevel().isLessSpecificThan(org.apache.logging.log4j.Level.INFO)) {
          return; // only warnings and errors
        }
        WARNINGS.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
        WARNINGS_WITH_TRACE.add(event.getThrown() != null);
      }
    };
    appender.start();
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    sourceLogger = ctx.getLogger(TFRecordSource.class.getName());
    sourceLogger.addAppender(appender);
  }

  @AfterAll
  static void tearDown() {
    sourceLogger.removeAppender(appender);
    appender.stop();
  }

  /** A folder with a good shard (records 0..9) and {@code bad} as the second shard; returns the bad one's path. */
  private static String folder(String name, byte[] bad) {
    Path dir = tmp.resolve(name);
    TestData.write(dir.resolve("train-00000-of-00002"), TestData.frame(TestData.examples(0, 10)).bytes);
    TestData.write(dir.resolve("train-00001-of-00002"), bad);
    return TFRecordSource.listFiles(spark.sparkContext().hadoopConfiguration(),
        Collections.singletonList(dir.resolve("train-00001-of-00002").toString())).get(0);
  }

  private static List<String> glob(String badFile) {
    return Collections.singletonList(badFile.replace("train-00001-of-00002", "train-*"));
  }

  /** The payloads of Examples 10..19, with record {@code i} replaced. */
  private static List<byte[]> payloadsWith(int i, byte[] replacement) {
    List<byte[]> p = TestData.examples(10, 10);
    p.set(i, replacement);
    return p;
  }

  private static byte[] exampleWith(int i, UnaryOperator<org.tensorflow.example.Features.Builder> edit) {
    return Example.newBuilder().setFeatures(edit.apply(TestData.slimFeatures(i))).build().toByteArray();
  }

  /**
   * Under FAIL the action fails with a BadRecordException for (badFile, badRecord, kind) whose
   * message contains {@code reason}; under SKIP exactly the records {@code goodInBad} of the bad file
   * (and all ten of the good file) come back and one bad record of {@code kind} is counted.
   */
  private static void check(String badFile, long badRecord, BadRecordKind kind, String reason,
               Set<Long> goodInBad) {
    // FAIL
    Exception e = assertThrows(Exception.class,
        () -> TFRecordSource.read(spark, glob(badFile), ReadOptions.defaults()).collectAsList());
    BadRecordException b = BadRecordException.findIn(e);
    assertNotNull(b, "no BadRecordException in " + e);
    assertEquals(badFile, b.file());
    assertEquals(badRecord, b.record());
    assertEquals(kind, b.kind());
    assertTrue(b.getMessage().contains("record " + badRecord + " in " + badFile), b.getMessage());
    assertTrue(b.getMessage().contains(reason), b.getMessage());
    assertTrue(e.getMessage().contains(b.getMessage()), "Spark's own message shows it too: " + e.getMessage());

    // SKIP
    WARNINGS.clear();
    WARNINGS_WITH_TRACE.clear();
    BadRecordCounter counter = BadRecordCounter.create(spark);
    List<Row> rows = TFRecordSource.read(spark, glob(badFile), ReadOptions.skipping(counter)).collectAsList();
    Set<String> got = new HashSet<>();
    for (Row r : rows) {
      assertTrue(got.add(r.getAs("file") + "#" + r.getAs("record")), "duplicate row");
    }
    Set<String> expected = new HashSet<>();
    String goodFile = badFile.replace("train-00001-of-00002", "train-00000-of-00002");
    for (long i = 0; i < 10; i++) {
      expected.add(goodFile + "#" + i);
    }
    for (long i : goodInBad) {
      expected.add(badFile + "#" + i);
    }
    assertEquals(expected, got);
    assertEquals(1, counter.total(), counter.summary());
    assertEquals(1, counter.count(kind), counter.summary());
    assertEquals(Collections.singletonList(b.getMessage()), counter.samples());
    assertEquals(1, WARNINGS.size(), WARNINGS.toString());
    assertTrue(WARNINGS.get(0).startsWith("WARN "), WARNINGS.get(0));
    assertTrue(WARNINGS.get(0).contains(b.getMessage()), WARNINGS.get(0));
    assertEquals(kind.losesRestOfFile(), WARNINGS.get(0).endsWith("is not read"), WARNINGS.get(0));
    assertFalse(WARNINGS_WITH_TRACE.get(0), "no stack trace");
    // every record met is counted as read: the good rows and the bad one
    assertEquals(rows.size() + 1, counter.recordsRead(), counter.summary());
    if (kind.losesRestOfFile()) {
      assertEquals(1, counter.shardsCutShort().size(), counter.summary());
      ShardCutShort cut = counter.shardsCutShort().get(0);
      assertEquals(badFile, cut.file());
      assertEquals(badRecord, cut.record());
      assertEquals(kind, cut.kind());
      assertTrue(counter.summary().contains("1 shard cut short: train-00001-of-00002 at record " + badRecord),
          counter.summary());
    } else {
      assertTrue(counter.shardsCutShort().isEmpty(), counter.summary());
    }
  }

  private static Set<Long> range(long from, long to) {
    Set<Long> s = new HashSet<>();
    for (long i = from; i < to; i++) {
      s.add(i);
    }
    return s;
  }

  private static Set<Long> allBut(long skipped) {
    Set<Long> s = range(0, 10);
    s.remove(skipped);
    return s;
  }

  @Test
  void truncatedFile() {
    TestData.Framed f = TestData.frame(TestData.examples(10, 10));
    int recordLength = f.bytes.length - f.offsets.get(9);
    byte[] cut = Arrays.copyOf(f.bytes, f.offsets.get(9) + recordLength / 2);
    String bad = folder("truncated", cut);
    check(bad, 9, BadRecordKind.TRUNCATED,
        "truncated record 9 in " + bad + " (file ends after " + recordLength / 2 + " of " + recordLength
            + " bytes)", range(0, 9));
  }

  @Test
  void lengthCrcMismatch() {
    TestData.Framed f = TestData.frame(TestData.examples(10, 10));
    byte[] b = f.bytes.clone();
    b[f.offsets.get(6) + 8] ^= 0x10; // the length's CRC
    String bad = folder("lengthcrc", b);
    check(bad, 6, BadRecordKind.LENGTH_CRC, "(length crc32c mismatch", range(0, 6));
  }

  @Test
  void dataCrcMismatch() {
    TestData.Framed f = TestData.frame(TestData.examples(10, 10));
    byte[] b = f.bytes.clone();
    b[f.payload(3) + 20] ^= 0x01; // one byte inside record 3's payload
    String bad = folder("datacrc", b);
    check(bad, 3, BadRecordKind.DATA_CRC, "corrupt data in record 3", allBut(3));
  }

  @Test
  void notAnExample() {
    byte[] junk = new byte[64];
    new Random(7).nextBytes(junk);
    junk[0] = 0x0F; // field 1, wire type 7: not protobuf
    String bad = folder("notexample", TestData.frame(payloadsWith(4, junk)).bytes);
    check(bad, 4, BadRecordKind.NOT_AN_EXAMPLE, "is not a tf.train.Example", allBut(4));
  }

  @Test
  void missingImage() {
    String bad = folder("noimage", TestData.frame(payloadsWith(6,
        exampleWith(16, f -> f.removeFeature("image/encoded")))).bytes);
    check(bad, 6, BadRecordKind.MISSING_KEY, "record 6 in " + bad + " has no 'image/encoded'", allBut(6));
  }

  @Test
  void missingLabel() {
    String bad = folder("nolabel", TestData.frame(payloadsWith(7,
        exampleWith(17, f -> f.removeFeature("image/class/label")))).bytes);
    check(bad, 7, BadRecordKind.MISSING_KEY, "has no 'image/class/label'", allBut(7));
  }

  @Test
  void labelOfWrongType() {
    String bad = folder("labeltype", TestData.frame(payloadsWith(2,
        exampleWith(12, f -> f.putFeature("image/class/label", TestData.bytes("3"))))).bytes);
    check(bad, 2, BadRecordKind.WRONG_TYPE, "'image/class/label' of type bytes_list, expected int64_list",
        allBut(2));
  }

  @Test
  void truncatedGzipFile() {
    byte[] gz = TestData.gzip(TestData.frame(TestData.examples(10, 10)).bytes);
    String bad = folder("truncatedgz", Arrays.copyOf(gz, gz.length - 40));
    BadRecordCounter counter = BadRecordCounter.create(spark);
    long n = TFRecordSource.read(spark, glob(bad), ReadOptions.skipping(counter)).count();
    assertEquals(1, counter.count(BadRecordKind.TRUNCATED), counter.summary());
    BadRecordException e = BadRecordException.parse(BadRecordException.class.getName() + ": "
        + counter.samples().get(0));
    assertEquals(bad, e.file());
    assertEquals(10 + e.record(), n, "all records before the cut are returned");
    assertEquals(-1, counter.shardsCutShort().get(0).bytesUnread(), "unknown for a gzip file");
    assertEquals(e.record(), counter.shardsCutShort().get(0).record());
  }

  @Test
  void severalBadRecordsAreAllCounted() {
    List<byte[]> p = TestData.examples(10, 10);
    p.set(1, exampleWith(11, f -> f.removeFeature("image/encoded")));
    p.set(5, exampleWith(15, f -> f.removeFeature("image/class/label")));
    TestData.Framed f = TestData.frame(p);
    byte[] b = f.bytes.clone();
    b[f.payload(8) + 1] ^= 0x7f;
    String bad = folder("several", b);
    BadRecordCounter counter = BadRecordCounter.create(spark);
    List<Row> rows = TFRecordSource.read(spark, glob(bad), ReadOptions.skipping(counter)).collectAsList();
    assertEquals(17, rows.size());
    assertEquals(3, counter.total());
    assertEquals(2, counter.count(BadRecordKind.MISSING_KEY));
    assertEquals(1, counter.count(BadRecordKind.DATA_CRC));
    assertTrue(counter.summary().startsWith("records: 20 read, 3 skipped (DATA_CRC=1, MISSING_KEY=2); e.g. corrupt data in record 8 in "),
        counter.summary());
    assertEquals(3, counter.samples().size());
    List<String> records = new ArrayList<>();
    for (String s : counter.samples()) {
      records.add(String.valueOf(BadRecordException.parse(BadRecordException.class.getName() + ": " + s)
          .record()));
    }
    Collections.sort(records);
    assertEquals(Arrays.asList("1", "5", "8"), records);
  }

  @Test
  void aLengthHeaderCutShortsTheShardWithTheBytesLeftUnread() {
    TestData.Framed f = TestData.frame(TestData.examples(10, 10));
    byte[] b = f.bytes.clone();
    b[f.offsets.get(6)] ^= 0x01; // record 6's length no longer matches its CRC
    String bad = folder("cutshort", b);
    BadRecordCounter counter = BadRecordCounter.create(spark);
    List<Row> rows = TFRecordSource.read(spark, glob(bad), ReadOptions.skipping(counter)).collectAsList();
    assertEquals(10 + 6, rows.size());
    assertEquals(10 + 7, counter.recordsRead());
    ShardCutShort cut = counter.shardsCutShort().get(0);
    assertEquals(6, cut.record());
    assertEquals(BadRecordKind.LENGTH_CRC, cut.kind());
    assertEquals(b.length - (f.offsets.get(6) + 12), cut.bytesUnread(), "all after record 6's header");
  }

  @Test
  void recordsPerFileStopsTheReaderAndTheCount() {
    String dir = folder("limited", TestData.frame(TestData.examples(10, 10)).bytes);
    BadRecordCounter counter = BadRecordCounter.create(spark);
    List<Row> rows = TFRecordSource.read(spark, glob(dir), ReadOptions.skipping(counter).withRecordsPerFile(3))
        .collectAsList();
    assertEquals(6, rows.size());
    for (Row r : rows) {
      assertTrue(r.<Long>getAs("record") < 3, r.toString());
    }
    assertEquals(6, counter.recordsRead());
  }

  @Test
  void aSecondPassNeitherLogsNorCountsTheReadersBadRecordsAgain() {
    TestData.Framed f = TestData.frame(TestData.examples(10, 10));
    byte[] b = f.bytes.clone();
    b[f.payload(3) + 1] ^= 0x7f;
    String bad = folder("twice", b);
    BadRecordCounter counter = BadRecordCounter.create(spark);
    ReadOptions options = ReadOptions.skipping(counter);
    WARNINGS.clear();
    assertEquals(19, TFRecordSource.read(spark, glob(bad), options).count());
    assertEquals(19, TFRecordSource.read(spark, glob(bad), options.rereading()).count());
    assertEquals(1, WARNINGS.size(), WARNINGS.toString());
    assertEquals(20, counter.recordsRead());
    assertEquals(1, counter.total());
  }
}
