package org.selfsup.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.selfsup.S3TestServer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data layer through Hadoop S3A ({@code s3a://}) against an in-process S3 server (s3proxy on
 * 127.0.0.1, in-memory jclouds "transient" blob store): DatasetLayout + TFRecordSource read the
 * committed Fashion-MNIST sample from a bucket, TFRecordSink writes shards into it.
 *
 * <p>S3A is configured only for this test's bucket ({@code fs.s3a.bucket.BUCKET.*}) on the shared
 * SparkSession, so no other test sees it.
 */
class S3aTFRecordTest {
  private static final String BUCKET = "selfsup-s3a-test";
  private static final String DATA = "s3a://" + BUCKET + "/fashion_mnist";

  private static SparkSession spark;
  private static S3TestServer s3;
  private static String localSample;

  @BeforeAll
  static void startS3() throws Exception {
    spark = org.selfsup.TestSpark.get();
    localSample = Paths.get(S3aTFRecordTest.class.getResource("/fashion_mnist_sample").toURI()).toString();

    s3 = S3TestServer.start(BUCKET);
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    s3.configure(conf, BUCKET);

    // upload the committed sample through S3A itself (as `hadoop fs -put` would)
    Path dst = new Path(DATA);
    FileSystem fs = dst.getFileSystem(conf);
    fs.copyFromLocalFile(false, true, new Path(Paths.get(localSample).toUri()), dst);
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (spark != null) {
      Path root = new Path("s3a://" + BUCKET + "/");
      try {
        root.getFileSystem(spark.sparkContext().hadoopConfiguration()).close(); // leaves FileSystem's cache
      } catch (IOException ignored) {
        // the server goes away next anyway
      }
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void readsTheSampleThroughS3a() {
    DatasetLayout layout = DatasetLayout.forName("fashion_mnist");
    Configuration conf = spark.sparkContext().hadoopConfiguration();

    List<String> trainval = layout.files(conf, DATA, DatasetLayout.TRAINVAL);
    assertEquals(Arrays.asList(
        DATA + "/train-00000-of-00004", DATA + "/train-00001-of-00004",
        DATA + "/train-00002-of-00004", DATA + "/train-00003-of-00004"), trainval);
    List<String> test = layout.files(conf, DATA, DatasetLayout.TEST);
    assertEquals(Collections.singletonList(DATA + "/test-00000-of-00001"), test);

    for (String split : Arrays.asList(DatasetLayout.TRAINVAL, DatasetLayout.TEST)) {
      List<Row> remote = TFRecordSource.read(spark, layout.files(conf, DATA, split), layout.readOptions())
          .collectAsList();
      List<Row> local = TFRecordSource.read(spark, layout.files(conf, localSample, split), layout.readOptions())
          .collectAsList();
      assertEquals(split.equals(DatasetLayout.TEST) ? 500 : 1000, remote.size(), split);
      assertSameImages(local, remote, split);
      for (Row r : remote) {
        assertTrue(((String) r.getAs(SlimSchema.FILE)).startsWith(DATA + "/"), (String) r.getAs(SlimSchema.FILE));
      }
    }
  }

  @Test
  void writesShardsThroughS3a() throws IOException {
    DatasetLayout layout = DatasetLayout.forName("fashion_mnist");
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Dataset<Row> source = TFRecordSource.read(spark, layout.files(conf, localSample, DatasetLayout.TEST),
        layout.readOptions());
    List<Row> expected = source.collectAsList();
    Dataset<Row> rows = source.select(SlimSchema.writeSchema().fieldNames()[0],
        Arrays.copyOfRange(SlimSchema.writeSchema().fieldNames(), 1, 7));

    for (boolean gzip : new boolean[]{false, true}) {
      String out = "s3a://" + BUCKET + "/out/" + (gzip ? "gzip" : "plain");
      List<String> shards = TFRecordSink.write(rows, out, "train", 3,
          WriteOptions.defaults().withLabelOffset(layout.labelOffset()).withGzip(gzip));
      assertEquals(Arrays.asList(out + "/train-00000-of-00003", out + "/train-00001-of-00003",
          out + "/train-00002-of-00003"), shards);

      // the bytes on the server: gzip magic or not
      FileSystem fs = new Path(out).getFileSystem(conf);
      for (String shard : shards) {
        byte[] head = new byte[2];
        try (InputStream in = fs.open(new Path(shard))) {
          assertEquals(2, in.read(head), shard);
        }
        assertEquals(gzip, (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b, "gzip magic in " + shard);
      }

      // read back through S3A, by folder (as a user would) and through the layout's train split
      List<Row> back = TFRecordSource.read(spark, Collections.singletonList(out), layout.readOptions())
          .collectAsList();
      assertEquals(500, back.size());
      assertSameImages(expected, back, "written " + out);
      assertEquals(3, layout.files(conf, out, DatasetLayout.TRAINVAL).size());
      assertEquals(new TreeSet<>(shards),
          back.stream().map(r -> (String) r.getAs(SlimSchema.FILE)).collect(Collectors.toCollection(TreeSet::new)));
    }

    // overwrite on S3: the 3 old shards are deleted, 2 new ones written
    String plain = "s3a://" + BUCKET + "/out/plain";
    List<String> rewritten = TFRecordSink.write(rows, plain, "train", 2,
        WriteOptions.defaults().withLabelOffset(layout.labelOffset()).withOverwrite(true));
    assertEquals(Arrays.asList(plain + "/train-00000-of-00002", plain + "/train-00001-of-00002"), rewritten);
    assertSameImages(expected,
        TFRecordSource.read(spark, Collections.singletonList(plain), layout.readOptions()).collectAsList(),
        "rewritten " + plain);

    // no temporaries on the server: list the bucket's objects directly in the blob store
    List<String> names = s3.objects(BUCKET, "out/");
    List<String> files = names.stream().filter(n -> !n.endsWith("/")).sorted().collect(Collectors.toList());
    assertEquals(Arrays.asList(
        "out/gzip/train-00000-of-00003", "out/gzip/train-00001-of-00003", "out/gzip/train-00002-of-00003",
        "out/plain/train-00000-of-00002", "out/plain/train-00001-of-00002"),
        files, "objects under out/: " + names);
    // and S3A's own listing agrees
    FileSystem fs = new Path("s3a://" + BUCKET + "/out").getFileSystem(conf);
    for (String sub : Arrays.asList("plain", "gzip")) {
      for (FileStatus st : fs.listStatus(new Path("s3a://" + BUCKET + "/out/" + sub))) {
        assertFalse(st.getPath().getName().contains("inprogress"), st.getPath().toString());
      }
    }
  }

  /** Same multiset of (filename, label, image bytes, format, height, width). */
  private static void assertSameImages(List<Row> expected, List<Row> actual, String what) {
    assertEquals(expected.size(), actual.size(), what);
    TreeMap<String, Row> e = byFilename(expected, what);
    TreeMap<String, Row> a = byFilename(actual, what);
    assertEquals(e.keySet(), a.keySet(), what);
    for (String name : e.keySet()) {
      Row x = e.get(name);
      Row y = a.get(name);
      assertEquals((int) x.getAs(SlimSchema.LABEL), (int) y.getAs(SlimSchema.LABEL), what + " " + name);
      assertArrayEquals((byte[]) x.getAs(SlimSchema.IMAGE), (byte[]) y.getAs(SlimSchema.IMAGE), what + " " + name);
      for (String c : Arrays.asList(SlimSchema.FORMAT, SlimSchema.HEIGHT, SlimSchema.WIDTH, SlimSchema.TEXT)) {
        assertEquals((Object) x.getAs(c), (Object) y.getAs(c), what + " " + name + " " + c);
      }
    }
  }

  private static TreeMap<String, Row> byFilename(List<Row> rows, String what) {
    TreeMap<String, Row> m = new TreeMap<>();
    for (Row r : rows) {
      String name = r.getAs(SlimSchema.FILENAME);
      assertNotNull(name, what + ": a record without image/filename");
      assertTrue(m.put(name, r) == null, what + ": duplicate filename " + name);
    }
    return m;
  }
}
