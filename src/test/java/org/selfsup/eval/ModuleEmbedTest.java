package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.cli.Main;
import org.selfsup.data.SlimSchema;

/**
 * evaluate --module gives evaluate --checkpoint's numbers on the same run, and embed gives
 * evaluate's features, in each output format (read back here without the writers' code).
 */
class ModuleEmbedTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private static EvaluateConfig evaluation(String workdir) {
    EvaluateConfig c = new EvaluateConfig();
    c.datasetDir = Sample.dir();
    c.workdir = workdir;
    c.limits.put("train", 120);
    c.limits.put("val", 60);
    c.limits.put("test", 60);
    c.regParams = new double[] {1e-3};
    c.maxIter = 5;
    return c;
  }

  /** (file, record) → (label, vector) of a feature Parquet (label, file, record, vector columns). */
  private static Map<String, Object[]> features(SparkSession spark, String path, String column) {
    Map<String, Object[]> out = new HashMap<>();
    for (Row r : spark.read().parquet(path).collectAsList()) {
      double[] v = ((Vector) r.getAs(column)).toArray();
      float[] f = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        f[i] = (float) v[i];
        assertEquals(v[i], f[i], 0.0, "features are floats widened to doubles");
      }
      out.put(r.getAs(SlimSchema.FILE) + "#" + r.getAs(SlimSchema.RECORD), new Object[] {r.getAs(SlimSchema.LABEL), f});
    }
    return out;
  }

  private static String run(EmbedConfig c, SparkSession spark) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    c.validate().run(spark, new PrintStream(out, true, StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  private static EmbedConfig embed(Path bundle, Path out, String format, String endpoint) {
    EmbedConfig c = new EmbedConfig();
    c.module = bundle.toString();
    c.datasetDir = Sample.dir();
    c.split = "test";
    c.out = out.toString();
    c.format = format;
    c.endpoint = endpoint;
    return c;
  }

  private static List<String[]> parseCsv(Path f) throws Exception {
    CsvParserSettings s = new CsvParserSettings();
    s.setMaxColumns(10_000);
    s.setNullValue(null);
    return new CsvParser(s).parseAll(new StringReader(Files.readString(f)));
  }

  @Test
  void moduleEvaluationAndEmbeddingsGiveTheCheckpointsNumbers() throws Exception {
    SparkSession spark = TestSpark.get();
    Path run = RunFixtures.run(tmp.resolve("run"), RunFixtures.quickstartConfig("rotation", 28), 5, 3, 28, 28);
    Path bundle = tmp.resolve("bundle");
    ExportConfig x = new ExportConfig();
    x.checkpoint = run.toString();
    x.out = bundle.toString();
    x.validate().run(spark.sparkContext().hadoopConfiguration(), System.out);

    // evaluate --checkpoint RUN and evaluate --module BUNDLE: the same features, the same report
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    String eval = tmp.resolve("eval").toString();
    EvaluateConfig byCheckpoint = evaluation(eval);
    byCheckpoint.checkpoint = run.toString();
    EvaluateJob checkpointJob = byCheckpoint.validate();
    ProbeReport fromCheckpoint = checkpointJob.run(spark, quiet);
    EvaluateConfig byModule = evaluation(eval);
    byModule.module = bundle.toString();
    EvaluateJob moduleJob = byModule.validate();
    assertEquals("module", moduleJob.reportName());
    assertEquals(checkpointJob.spec(), moduleJob.spec());
    assertEquals(List.of("pre_logits", "block3"), moduleJob.columns());
    ProbeReport fromModule = moduleJob.run(spark, quiet);
    assertEquals(fromCheckpoint.trainRows(), fromModule.trainRows());
    assertEquals(fromCheckpoint.valRows(), fromModule.valRows());
    assertEquals(fromCheckpoint.testRows(), fromModule.testRows());
    assertEquals(60, fromModule.testRows());
    assertEquals(fromCheckpoint.endpoints().size(), fromModule.endpoints().size());
    for (int i = 0; i < fromModule.endpoints().size(); i++) {
      ProbeReport.Entry a = fromCheckpoint.endpoints().get(i);
      ProbeReport.Entry b = fromModule.endpoints().get(i);
      assertEquals(a.endpoint, b.endpoint);
      assertEquals(a.dims, b.dims);
      assertEquals(a.bestRegParam, b.bestRegParam);
      assertEquals(a.valTop1, b.valTop1, 0.0, a.endpoint);
      assertEquals(a.testTop1, b.testTop1, 0.0, a.endpoint);
      assertEquals(a.testTop5, b.testTop5, 0.0, a.endpoint);
    }
    assertEquals(fromCheckpoint.records().summaryLine(), fromModule.records().summaryLine());
    String checkpointTest = FeatureStore.path(eval + "/features-checkpoint", "test");
    for (String column : List.of("pre_logits", "block3")) {
      Map<String, Object[]> a = features(spark, checkpointTest, column);
      Map<String, Object[]> b = features(spark, FeatureStore.path(eval + "/features-module", "test"), column);
      assertEquals(a.keySet(), b.keySet());
      for (String k : a.keySet()) {
        assertArrayEquals((float[]) a.get(k)[1], (float[]) b.get(k)[1], k);
      }
    }
    Map<String, Object[]> evaluated = features(spark, checkpointTest, "pre_logits");
    Map<String, Object[]> evaluatedBlock3 = features(spark, checkpointTest, "block3");

    // --max_features 1024: block3's 256x7x7 map max-pooled with window 4 (cells rows/columns 0-3, 4-6) to 256x2x2,
    // which is the 2x2 max of the default 256x4x4 features (window 2: cells 0-1, 2-3, 4-5, 6)
    EvaluateConfig pooled = evaluation(eval);
    pooled.checkpoint = run.toString();
    pooled.endpoints = List.of("block3");
    pooled.maxFeatures = 1024;
    pooled.name = "pooled";
    assertEquals(1024, pooled.validate().run(spark, quiet).endpoints().get(0).dims);
    Map<String, Object[]> coarse = features(spark, FeatureStore.path(eval + "/features-pooled", "test"), "block3");
    assertEquals(evaluatedBlock3.keySet(), coarse.keySet());
    for (String k : coarse.keySet()) {
      float[] fine = (float[]) evaluatedBlock3.get(k)[1];
      float[] got = (float[]) coarse.get(k)[1];
      assertEquals(4096, fine.length);
      float[] want = new float[1024];
      for (int c = 0; c < 256; c++) {
        for (int y = 0; y < 2; y++) {
          for (int col = 0; col < 2; col++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int dy = 0; dy < 2; dy++) {
              for (int dx = 0; dx < 2; dx++) {
                m = Math.max(m, fine[c * 16 + (2 * y + dy) * 4 + 2 * col + dx]);
              }
            }
            want[c * 4 + y * 2 + col] = m;
          }
        }
      }
      assertArrayEquals(want, got, k);
    }

    // embed --format parquet, endpoint block3 (max-pooled as evaluate pools it): the whole test split
    Path parquetOut = tmp.resolve("emb-parquet");
    String said = run(embed(bundle, parquetOut, "parquet", "block3"), spark);
    assertTrue(said.contains("embedded 500 images (endpoint block3, 4096 features)"), said);
    List<Row> rows = spark.read().parquet(parquetOut.resolve("embeddings.parquet").toString()).collectAsList();
    assertEquals(List.of("file", "record", "label", "embedding"),
        List.of(spark.read().parquet(parquetOut.resolve("embeddings.parquet").toString()).columns()));
    assertEquals(500, rows.size());
    int compared = 0;
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      assertEquals((long) i, r.getLong(1), "input order"); // one shard: record i is row i
      Object[] expected = evaluatedBlock3.get(r.getString(0) + "#" + r.getLong(1));
      if (expected != null) {
        List<Float> v = r.getList(3);
        float[] f = new float[v.size()];
        for (int k = 0; k < f.length; k++) {
          f[k] = v.get(k);
        }
        assertEquals(expected[0], r.getInt(2));
        assertArrayEquals((float[]) expected[1], f);
        compared++;
      }
    }
    assertEquals(60, compared);
    JsonNode info = JSON.readTree(parquetOut.resolve("embed.json").toFile());
    assertEquals(500, info.get("rows").asLong());
    assertEquals(4096, info.get("dimension").asInt());
    assertEquals("test", info.get("source").get("split").asText());
    assertEquals(500, info.get("records").get("recordsUsed").asLong());

    // embed --format csv, pre_logits
    Path csvOut = tmp.resolve("emb-csv");
    run(embed(bundle, csvOut, "csv", "pre_logits"), spark);
    List<String[]> csv = parseCsv(csvOut.resolve("embeddings.csv"));
    assertEquals(501, csv.size());
    assertEquals(3 + 256, csv.get(0).length);
    assertEquals(List.of("file", "record", "label", "f0", "f255"),
        List.of(csv.get(0)[0], csv.get(0)[1], csv.get(0)[2], csv.get(0)[3], csv.get(0)[258]));
    Map<Long, float[]> byRecord = new HashMap<>();
    compared = 0;
    for (String[] line : csv.subList(1, csv.size())) {
      float[] f = new float[256];
      for (int k = 0; k < 256; k++) {
        f[k] = Float.parseFloat(line[3 + k]);
      }
      byRecord.put(Long.parseLong(line[1]), f);
      Object[] expected = evaluated.get(line[0] + "#" + line[1]);
      if (expected != null) {
        assertEquals(String.valueOf(expected[0]), line[2]);
        assertArrayEquals((float[]) expected[1], f);
        compared++;
      }
    }
    assertEquals(60, compared);

    // embed --images (through the command line) --format npy: a folder of PNG files of records 0-3
    Path images = tmp.resolve("images");
    List<Row> first = Sample.split(spark, "test").limit(5).collectAsList();
    Map<String, Long> recordOf = new LinkedHashMap<>();
    String[] names = {"class_a/r0.png", "class_a/x,y.png", "class_b/r2.png", "loose.png", ".hidden/r4.png"};
    for (int i = 0; i < names.length; i++) {
      Path p = images.resolve(names[i]);
      Files.createDirectories(p.getParent());
      Files.write(p, (byte[]) first.get(i).getAs(SlimSchema.IMAGE));
      recordOf.put(names[i], (long) i);
    }
    Files.writeString(images.resolve("class_b/notes.txt"), "not an image");
    Path npyOut = tmp.resolve("emb-npy");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldErr = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Main.run("embed", "--module", bundle.toString(), "--images", images.toString(), "--endpoint",
          "pre_logits", "--format", "npy", "--out", npyOut.toString());
    } finally {
      System.setErr(oldErr);
    }
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    byte[] npy = Files.readAllBytes(npyOut.resolve("embeddings.npy"));
    assertEquals((byte) 0x93, npy[0]);
    assertEquals("NUMPY", new String(npy, 1, 5, StandardCharsets.US_ASCII));
    assertEquals(1, npy[6]);
    int headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
    assertEquals(0, (10 + headerLength) % 64);
    String header = new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
    Matcher m = Pattern.compile("\\{'descr': '<f4', 'fortran_order': False, 'shape': \\((\\d+), (\\d+)\\), \\} *\n")
        .matcher(header);
    assertTrue(m.matches(), header);
    int n = Integer.parseInt(m.group(1));
    int d = Integer.parseInt(m.group(2));
    assertEquals(4, n);
    assertEquals(256, d);
    assertEquals(10 + headerLength + 4L * n * d, npy.length);
    ByteBuffer data = ByteBuffer.wrap(npy, 10 + headerLength, 4 * n * d).order(ByteOrder.LITTLE_ENDIAN);
    List<String[]> sidecar = parseCsv(npyOut.resolve("rows.csv"));
    assertEquals(List.of("file", "record", "label"), List.of(sidecar.get(0)));
    String[] expectedNames = {"class_a/r0.png", "class_a/x,y.png", "class_b/r2.png", "loose.png"};
    String[] expectedLabels = {"0", "0", "1", null};
    for (int i = 0; i < n; i++) {
      String[] line = sidecar.get(1 + i);
      assertTrue(line[0].endsWith("/images/" + expectedNames[i]), line[0]);
      assertEquals("0", line[1]);
      assertEquals(expectedLabels[i], line[2], line[0]);
      float[] row = new float[d];
      for (int k = 0; k < d; k++) {
        row[k] = data.getFloat();
      }
      // the same PNG bytes as test record recordOf(name): the same vector as from the shard
      assertArrayEquals(byRecord.get(recordOf.get(expectedNames[i])), row, expectedNames[i]);
    }
    assertEquals(1 + n, sidecar.size());
  }
}
