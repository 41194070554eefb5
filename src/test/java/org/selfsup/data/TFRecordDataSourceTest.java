package org.selfsup.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.runtime.UserError;

/** The {@code tfrecord} data source, used as Spark users do: spark.read / df.write with options. */
class TFRecordDataSourceTest {
  private static SparkSession spark;
  private static String sample;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void setUp() {
    spark = org.selfsup.TestSpark.get();
    sample = BadDatasets.sample().toString();
  }

  private static DataFrameReader tfrecord() {
    return spark.read().format("tfrecord");
  }

  /** Every column of every row, keyed by file name and record index. */
  private static Map<String, Row> byRecord(Dataset<Row> df) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : df.collectAsList()) {
      String file = r.getAs(SlimSchema.FILE);
      m.put(file.substring(file.lastIndexOf('/') + 1) + "#" + r.getAs(SlimSchema.RECORD), r);
    }
    return m;
  }

  private static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual) {
    assertEquals(SlimSchema.schema(), actual.schema());
    Map<String, Row> want = byRecord(expected);
    Map<String, Row> got = byRecord(actual);
    assertEquals(want.keySet(), got.keySet());
    for (Map.Entry<String, Row> e : want.entrySet()) {
      Row w = e.getValue();
      Row g = got.get(e.getKey());
      assertArrayEquals((byte[]) w.getAs(SlimSchema.IMAGE), (byte[]) g.getAs(SlimSchema.IMAGE), e.getKey());
      for (String c : SlimSchema.schema().fieldNames()) {
        if (!c.equals(SlimSchema.IMAGE)) {
          assertEquals((Object) w.getAs(c), g.getAs(c), e.getKey() + " " + c);
        }
      }
    }
  }

  @Test
  void readsTheCommittedSampleAsTheCommandLineReaderDoes() {
    Dataset<Row> viaSource = tfrecord().load(sample);
    assertSameRows(TFRecordSource.read(spark, Collections.singletonList(sample)), viaSource);
    assertEquals(1500, viaSource.count());
    assertEquals(5, viaSource.select(SlimSchema.FILE).distinct().count());
    // labels 0-based (slim's 1-based minus the default offset 1): Fashion-MNIST's ten classes
    List<Integer> labels = viaSource.select(SlimSchema.LABEL).distinct().orderBy(SlimSchema.LABEL)
        .collectAsList().stream().map(r -> r.getInt(0)).collect(Collectors.toList());
    assertEquals(Arrays.asList(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), labels);
  }

  @Test
  void globsSplitsAndLabelOffsetSelectWhatTheCommandLineWould() {
    Dataset<Row> train = tfrecord().load(sample + "/train-*");
    assertEquals(1000, train.count());
    // several paths: a brace glob, or the option paths (a JSON array, as Spark's own sources take it)
    assertEquals(750, tfrecord().load(sample + "/{test-*,train-00000-of-00004}").count());
    assertEquals(750, tfrecord().option("paths", "[\"" + sample + "/test-00000-of-00001\", \"" + sample
        + "/train-00003-of-00004\"]").load().count());
    Dataset<Row> test = tfrecord().option("dataset", "fashion_mnist").option("split", "test").load(sample);
    assertSameRows(TFRecordSource.read(spark, Collections.singletonList(sample + "/test-*")), test);
    // 4 train shards: val is the last one (DatasetLayout), train the first three
    List<String> valFiles = tfrecord().option("split", "val").load(sample).select(SlimSchema.FILE).distinct()
        .collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toList());
    assertEquals(1, valFiles.size());
    assertTrue(valFiles.get(0).endsWith("/train-00003-of-00004"), valFiles.get(0));
    // labelOffset 0: the stored 1-based labels, one more than the default read
    Map<String, Row> offset0 = byRecord(tfrecord().option("labelOffset", "0").load(sample + "/test-*"));
    Map<String, Row> offset1 = byRecord(test);
    for (Map.Entry<String, Row> e : offset1.entrySet()) {
      assertEquals(e.getValue().getInt(1) + 1, offset0.get(e.getKey()).getInt(1), e.getKey());
    }
  }

  @Test
  void columnPruningKeepsTheAskedColumnsInOrder() {
    Dataset<Row> full = tfrecord().load(sample + "/test-*");
    List<Row> pruned = full.select(SlimSchema.RECORD, SlimSchema.LABEL).orderBy(SlimSchema.RECORD).collectAsList();
    List<Row> expected = TFRecordSource.read(spark, Collections.singletonList(sample + "/test-*"))
        .select(SlimSchema.RECORD, SlimSchema.LABEL).orderBy(SlimSchema.RECORD).collectAsList();
    assertEquals(500, pruned.size());
    assertEquals(expected, pruned);
  }

  private static Dataset<Row> smallFrame(int n) {
    StructType s = new StructType()
        .add(SlimSchema.IMAGE, DataTypes.BinaryType, false)
        .add(SlimSchema.LABEL, DataTypes.IntegerType, false)
        .add(SlimSchema.TEXT, DataTypes.StringType)
        .add(SlimSchema.FILENAME, DataTypes.StringType)
        .add("extra", DataTypes.DoubleType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create(TestData.png(i), i % 7, i % 2 == 0 ? null : "class " + (i % 7), "img_" + i + ".png",
          i * 0.5));
    }
    return spark.createDataFrame(rows, s);
  }

  private static void roundTrip(String codec, boolean gzipped) throws IOException {
    int n = 25;
    Path dir = tmp.resolve("round-trip-" + codec);
    smallFrame(n).write().format("tfrecord").option("prefix", "train").option("numShards", "3")
        .option("codec", codec).save(dir.toString());
    List<String> names;
    try (Stream<Path> files = Files.list(dir)) {
      names = files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
    assertEquals(Arrays.asList("train-00000-of-00003", "train-00001-of-00003", "train-00002-of-00003"), names);
    for (String name : names) {
      byte[] head = Arrays.copyOf(Files.readAllBytes(dir.resolve(name)), 2);
      assertEquals(gzipped, (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b, "gzip magic in " + name);
    }
    Map<String, Row> back = new HashMap<>();
    for (Row r : tfrecord().load(dir.toString()).collectAsList()) {
      back.put(r.getAs(SlimSchema.FILENAME), r);
    }
    assertEquals(n, back.size());
    for (int i = 0; i < n; i++) {
      Row r = back.get("img_" + i + ".png");
      assertNotNull(r, "img_" + i);
      assertArrayEquals(TestData.png(i), (byte[]) r.getAs(SlimSchema.IMAGE), "image " + i);
      assertEquals(i % 7, (int) r.getAs(SlimSchema.LABEL), "label " + i);
      assertEquals(i % 2 == 0 ? null : "class " + (i % 7), r.getAs(SlimSchema.TEXT));
    }
    // stored slim-style: 1-based, i.e. the label plus the default offset 1
    Map<String, Integer> stored = new HashMap<>();
    for (Row r : tfrecord().option("labelOffset", "0").load(dir + "/train-*").collectAsList()) {
      stored.put(r.getAs(SlimSchema.FILENAME), r.getAs(SlimSchema.LABEL));
    }
    for (int i = 0; i < n; i++) {
      assertEquals(i % 7 + 1, stored.get("img_" + i + ".png"), "stored label " + i);
    }
  }

  @Test
  void writesAndReadsBackPlainShards() throws IOException {
    roundTrip("none", false);
  }

  @Test
  void writesAndReadsBackGzipShards() throws IOException {
    roundTrip("gzip", true);
  }

  @Test
  void rewritingTheSampleGivesTheSameRecords() {
    Path dir = tmp.resolve("rewritten");
    Dataset<Row> original = tfrecord().load(sample + "/test-*");
    original.write().format("tfrecord").option("prefix", "test").option("numShards", "1")
        .option("codec", "org.apache.hadoop.io.compress.GzipCodec").save(dir.toString());
    Dataset<Row> back = tfrecord().option("split", "test").load(dir.toString());
    List<String> want = contents(original);
    assertEquals(500, want.size());
    assertEquals(want, contents(back));
  }

  /** Each row's written columns (image as Base64), sorted: the records whatever their order. */
  private static List<String> contents(Dataset<Row> df) {
    List<String> out = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      StringBuilder sb = new StringBuilder(java.util.Base64.getEncoder().encodeToString((byte[]) r.getAs(SlimSchema.IMAGE)));
      for (String c : new String[] {SlimSchema.LABEL, SlimSchema.FORMAT, SlimSchema.HEIGHT, SlimSchema.WIDTH,
          SlimSchema.TEXT, SlimSchema.FILENAME}) {
        sb.append('|').append((Object) r.getAs(c));
      }
      out.add(sb.toString());
    }
    Collections.sort(out);
    return out;
  }

  @Test
  void saveModes() throws IOException {
    Path dir = tmp.resolve("modes");
    String path = dir.toString();
    smallFrame(6).write().format("tfrecord").option("prefix", "train").option("numShards", "2").save(path);
    UserError exists = assertThrows(UserError.class,
        () -> smallFrame(6).write().format("tfrecord").option("prefix", "train").save(path));
    assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
    // ignore: nothing written
    smallFrame(3).write().format("tfrecord").mode(SaveMode.Ignore).option("prefix", "test").save(path);
    assertEquals(6, tfrecord().load(path).count());
    // append: a new prefix beside the old shards
    smallFrame(3).write().format("tfrecord").mode(SaveMode.Append).option("prefix", "test").option("numShards", "1")
        .save(path);
    assertEquals(3, tfrecord().option("split", "test").load(path).count());
    assertEquals(6, tfrecord().option("split", "trainval").load(path).count());
    // overwrite: the train shards replaced (now 4 of them), test left be
    smallFrame(8).write().format("tfrecord").mode(SaveMode.Overwrite).option("prefix", "train")
        .option("numShards", "4").save(path);
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(Arrays.asList("test-00000-of-00001", "train-00000-of-00004", "train-00001-of-00004",
              "train-00002-of-00004", "train-00003-of-00004"),
          files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
    }
    assertEquals(11, tfrecord().load(path).count());
  }

  @Test
  void imagesOverMaxImagePixelsAndCorruptRecordsFollowOnBadRecord() {
    Path dir = tmp.resolve("bad");
    BadDatasets.mixed(dir);
    String path = dir.toString();
    // without maxImagePixels the images are not looked at: the bomb and the truncated PNG are rows
    assertEquals(22, tfrecord().option("split", "train").load(path).count());
    // skip: the bomb (20000 x 20000) and the truncated PNG go
    Dataset<Row> checked = tfrecord().option("split", "train").option("onBadRecord", "skip")
        .option("maxImagePixels", "1000000").load(path);
    List<Long> records = checked.select(SlimSchema.RECORD).collectAsList().stream().map(r -> r.getLong(0))
        .sorted().collect(Collectors.toList());
    assertEquals(20, records.size());
    assertEquals(19L, (long) records.get(19));
    // a limit below 28 x 28 rejects every sample image
    assertEquals(0, tfrecord().option("split", "val").option("onBadRecord", "skip").option("maxImagePixels", "783")
        .load(path).count());
    assertEquals(20, tfrecord().option("split", "val").option("onBadRecord", "skip").option("maxImagePixels", "784")
        .load(path).count());
    // fail: the bomb stops the job, named as such
    Exception e = assertThrows(Exception.class, () -> tfrecord().option("split", "train")
        .option("maxImagePixels", "1000000").load(path).count());
    BadRecordException bad = BadRecordException.findIn(e);
    assertNotNull(bad, e.toString());
    assertEquals(BadRecordKind.IMAGE_TOO_LARGE, bad.kind());
    assertEquals(20L, bad.record());
    // a corrupt length header: the rest of the shard is lost under skip, an error under fail
    assertEquals(20, tfrecord().option("split", "test").option("onBadRecord", "SKIP").load(path).count());
    Exception cut = assertThrows(Exception.class, () -> tfrecord().option("split", "test").load(path).count());
    assertNotNull(BadRecordException.findIn(cut), cut.toString());
  }

  private static void assertUserError(String option, Runnable r) {
    UserError e = assertThrows(UserError.class, r::run);
    assertTrue(e.getMessage().contains(option), option + ": " + e.getMessage());
  }

  @Test
  void badOptionValuesAreUserErrorsNamingTheOption() {
    assertUserError("recordType", () -> tfrecord().option("recordType", "SequenceExample").load(sample));
    assertUserError("codec", () -> tfrecord().option("codec", "snappy").load(sample));
    assertUserError("labelOffset", () -> tfrecord().option("labelOffset", "one").load(sample));
    assertUserError("onBadRecord", () -> tfrecord().option("onBadRecord", "ignore").load(sample));
    assertUserError("maxImagePixels", () -> tfrecord().option("maxImagePixels", "0").load(sample));
    assertUserError("split", () -> tfrecord().option("split", "validation").load(sample));
    assertUserError("dataset", () -> tfrecord().option("dataset", "mnist").option("split", "test").load(sample));
    assertUserError("no TFRecord files match", () -> tfrecord().load(tmp.resolve("nothing-here").toString()));
    assertUserError("option path is required", () -> tfrecord().load());
    assertUserError("paths", () -> tfrecord().option("paths", "not json").load());
    String out = tmp.resolve("never-written").toString();
    assertUserError("numShards", () -> smallFrame(2).write().format("tfrecord").option("numShards", "0").save(out));
    assertUserError("codec", () -> smallFrame(2).write().format("tfrecord").option("codec", "bzip2").save(out));
    assertUserError("recordType", () -> smallFrame(2).write().format("tfrecord").option("recordType", "ByteArray")
        .save(out));
    assertUserError("'label'", () -> smallFrame(2).drop(SlimSchema.LABEL).write().format("tfrecord").save(out));
    assertUserError("'text'", () -> smallFrame(2).withColumn(SlimSchema.TEXT, org.apache.spark.sql.functions.lit(3))
        .write().format("tfrecord").save(out));
    assertTrue(Files.notExists(tmp.resolve("never-written")), "a refused write wrote nothing");
  }
}
