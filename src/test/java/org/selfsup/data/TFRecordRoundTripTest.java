package org.selfsup.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.example.Example;
import org.tensorflow.example.Feature;
import org.tensorflow.hadoop.util.TFRecordReader;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Write with TFRecordSink, read with TFRecordSource and with tensorflow-hadoop's reader. */
class TFRecordRoundTripTest {
  private static final int N = 20;
  private static SparkSession spark;
  private static Dataset<Row> input;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void setUp() {
    spark = org.selfsup.TestSpark.get();
    // a DataFrame without file / record columns, labels 0..9 (0-based)
    StructType s = new StructType()
        .add("image", DataTypes.BinaryType, false)
        .add("label", DataTypes.IntegerType, false)
        .add("text", DataTypes.StringType)
        .add("filename", DataTypes.StringType)
        .add("height", DataTypes.IntegerType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      rows.add(RowFactory.create(TestData.png(i), i % 10, i % 3 == 0 ? null : "class " + (i % 10),
          "img_" + i + ".png", 3));
    }
    input = spark.createDataFrame(rows, s);
  }

  private static Map<String, Row> byFilename(List<Row> rows) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : rows) {
      m.put(r.getAs("filename"), r);
    }
    return m;
  }

  private static void checkRoundTrip(List<String> shards, boolean gzip) throws IOException {
    assertEquals(3, shards.size());
    for (int i = 0; i < 3; i++) {
      assertTrue(shards.get(i).endsWith("/train-0000" + i + "-of-00003"), shards.get(i));
      assertTrue(shards.get(i).startsWith("file:"), shards.get(i));
      byte[] head = Arrays.copyOf(Files.readAllBytes(Paths.get(java.net.URI.create(shards.get(i)))), 2);
      assertEquals(gzip, (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b, "gzip magic in " + shards.get(i));
    }
    // no temporaries left behind
    Path dir = Paths.get(java.net.URI.create(shards.get(0))).getParent();
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      files.forEach(p -> assertFalse(p.getFileName().toString().contains("inprogress"), p.toString()));
    }

    // 1. tensorflow-hadoop's own reader, with CRC checks, sees the same Examples
    Map<String, Example> tf = new TreeMap<>();
    for (String shard : shards) {
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(Paths.get(java.net.URI.create(shard))));
         InputStream in = gzip ? new GZIPInputStream(raw) : raw) {
        TFRecordReader r = new TFRecordReader(in, true);
        byte[] rec;
        while ((rec = r.read()) != null) {
          Example ex = Example.parseFrom(rec);
          Map<String, Feature> f = ex.getFeatures().getFeatureMap();
          tf.put(f.get("image/filename").getBytesList().getValue(0).toStringUtf8(), ex);
        }
      }
    }
    assertEquals(N, tf.size());
    for (int i = 0; i < N; i++) {
      Map<String, Feature> f = tf.get("img_" + i + ".png").getFeatures().getFeatureMap();
      assertEquals(i % 10 + 1, f.get("image/class/label").getInt64List().getValue(0), "stored 1-based");
      assertArrayEquals(TestData.png(i), f.get("image/encoded").getBytesList().getValue(0).toByteArray());
      assertEquals(i % 3 != 0, f.containsKey("image/class/text"));
      assertFalse(f.containsKey("image/format"), "null-less columns only");
    }

    // 2. our reader
    List<Row> back = TFRecordSource.read(spark, shards, ReadOptions.defaults()).collectAsList();
    assertEquals(N, back.size());
    Map<String, Row> m = byFilename(back);
    for (int i = 0; i < N; i++) {
      Row r = m.get("img_" + i + ".png");
      assertArrayEquals(TestData.png(i), (byte[]) r.getAs("image"));
      assertEquals(i % 10, (int) r.getAs("label"));
      assertEquals(i % 3 == 0 ? null : "class " + (i % 10), r.getAs("text"));
      assertEquals(3, (int) r.getAs("height"));
      assertTrue(r.isNullAt(r.fieldIndex("width")));
    }
    // per-file record indices are 0..n-1
    Map<String, List<Long>> perFile = new TreeMap<>();
    for (Row r : back) {
      perFile.computeIfAbsent(r.getAs("file"), k -> new ArrayList<>()).add(r.getAs("record"));
    }
    assertEquals(new ArrayList<>(shards), new ArrayList<>(perFile.keySet()));
    for (List<Long> idx : perFile.values()) {
      Collections.sort(idx);
      for (int i = 0; i < idx.size(); i++) {
        assertEquals(i, (long) idx.get(i));
      }
    }
  }

  @Test
  void plainRoundTrip() throws IOException {
    List<String> shards = TFRecordSink.write(input, tmp.resolve("plain").toString(), "train", 3,
        WriteOptions.defaults());
    checkRoundTrip(shards, false);
  }

  @Test
  void gzipRoundTrip() throws IOException {
    List<String> shards = TFRecordSink.write(input, tmp.resolve("gz").toString(), "train", 3,
        WriteOptions.defaults().withGzip(true));
    checkRoundTrip(shards, true);
  }

  @Test
  void refusesToMixShardsUnlessOverwrite() {
    String dir = tmp.resolve("over").toString();
    TFRecordSink.write(input, dir, "train", 3, WriteOptions.defaults());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TFRecordSink.write(input, dir, "train", 2, WriteOptions.defaults()));
    assertTrue(e.getMessage().contains("already has 3 shard(s) named train-*-of-*"), e.getMessage());
    assertTrue(e.getMessage().contains("overwrite"), e.getMessage());
    // another prefix in the same folder is fine
    TFRecordSink.write(input.limit(4), dir, "validation", 1, WriteOptions.defaults());
    List<String> two = TFRecordSink.write(input, dir, "train", 2, WriteOptions.defaults().withOverwrite(true));
    assertEquals(2, two.size());
    List<String> files = TFRecordSource.listFiles(spark.sparkContext().hadoopConfiguration(),
        Collections.singletonList(dir + "/train-*"));
    assertEquals(two, files);
    assertEquals(N, TFRecordSource.read(spark, files).count());
    assertEquals(4, TFRecordSource.read(spark, Collections.singletonList(dir + "/validation-*")).count());
  }

  @Test
  void failedTaskLeavesNoShardBehind() throws IOException {
    StructType s = new StructType().add("image", DataTypes.BinaryType).add("label", DataTypes.IntegerType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rows.add(RowFactory.create(i == 4 ? null : TestData.png(i), i));
    }
    Path dir = tmp.resolve("failed");
    Exception e = assertThrows(Exception.class, () -> TFRecordSink.write(spark.createDataFrame(rows, s),
        dir.toString(), "train", 1, WriteOptions.defaults()));
    assertTrue(e.getMessage().contains("row has no 'image'"), e.getMessage());
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      List<String> left = new ArrayList<>();
      files.forEach(p -> left.add(p.getFileName().toString()));
      assertEquals(Collections.emptyList(), left, "neither a shard nor a temporary");
    }
  }

  // ---- reading files written by tensorflow-hadoop's TFRecordWriter ----

  private static List<Path> slimShards(String name) {
    Path dir = tmp.resolve(name);
    if (!Files.exists(dir)) {
      TestData.write(dir.resolve("train-00000-of-00002"), TestData.frame(TestData.examples(0, 10)).bytes);
      // the second shard GZIP-compressed, without a .gz suffix
      TestData.write(dir.resolve("train-00001-of-00002"),
          TestData.gzip(TestData.frame(TestData.examples(10, 10)).bytes));
      TestData.write(dir.resolve("validation-00000-of-00001"), TestData.frame(TestData.examples(20, 3)).bytes);
    }
    return Arrays.asList(dir.resolve("train-00000-of-00002"), dir.resolve("train-00001-of-00002"),
        dir.resolve("validation-00000-of-00001"));
  }

  @Test
  void labelOffsetAndAllSlimColumns() {
    List<Path> shards = slimShards("slim");
    List<Row> rows = TFRecordSource.read(spark, Collections.singletonList(shards.get(0).toString()),
        ReadOptions.defaults()).orderBy("record").collectAsList();
    assertEquals(10, rows.size());
    for (int i = 0; i < 10; i++) {
      Row r = rows.get(i);
      assertEquals(i % 10, (int) r.getAs("label"), "stored 1..10, offset 1");
      assertEquals("PNG", r.getAs("format"));
      assertEquals(3, (int) r.getAs("height"));
      assertEquals(4, (int) r.getAs("width"));
      assertEquals("class " + (i % 10 + 1), r.getAs("text"));
      assertEquals("img_" + i + ".png", r.getAs("filename"));
      assertEquals(shards.get(0).toUri().toString().replace("file:///", "file:/"), r.getAs("file"));
      assertEquals((long) i, (long) r.getAs("record"));
    }
    List<Row> raw = TFRecordSource.read(spark, Collections.singletonList(shards.get(0).toString()),
        ReadOptions.defaults().withLabelOffset(0)).orderBy("record").collectAsList();
    for (int i = 0; i < 10; i++) {
      assertEquals(i % 10 + 1, (int) raw.get(i).getAs("label"));
    }
  }

  @Test
  void globListFolderAndMixedCompression() {
    List<Path> shards = slimShards("slim");
    Path dir = shards.get(0).getParent();
    Dataset<Row> byGlob = TFRecordSource.read(spark, Collections.singletonList(dir + "/train-*"));
    assertEquals(2, byGlob.rdd().getNumPartitions(), "one partition per file");
    assertEquals(20, byGlob.count());
    assertEquals(20, byGlob.select("filename").distinct().count());
    Dataset<Row> byList = TFRecordSource.read(spark,
        Arrays.asList(shards.get(1).toString(), shards.get(2).toString(), shards.get(1).toString()));
    assertEquals(2, byList.rdd().getNumPartitions(), "duplicates collapse");
    assertEquals(13, byList.count());
    assertEquals(23, TFRecordSource.read(spark, Collections.singletonList(dir.toString())).count(),
        "a folder means its files");
  }

  @Test
  void pathWithoutFilesIsNamed() {
    String missing = tmp.resolve("nowhere").toString() + "/train-*";
    org.selfsup.runtime.UserError e = assertThrows(org.selfsup.runtime.UserError.class,
        () -> TFRecordSource.read(spark, Arrays.asList(slimShards("slim").get(0).toString(), missing)));
    assertEquals("no TFRecord files match " + missing, e.getMessage());
    // a programming error, not the user's: no counter to count the skipped records in
    IllegalStateException skip = assertThrows(IllegalStateException.class,
        () -> TFRecordSource.read(spark, Collections.singletonList(slimShards("slim").get(0).toString()),
            ReadOptions.defaults().withOnBadRecord(BadRecordPolicy.SKIP)));
    assertTrue(skip.getMessage().contains("BadRecordCounter"), skip.getMessage());
  }
}
