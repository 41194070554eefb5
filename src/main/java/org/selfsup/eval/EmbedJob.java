package org.selfsup.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.univocity.parsers.csv.CsvWriter;
import com.univocity.parsers.csv.CsvWriterSettings;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.selfsup.bundle.ModelBundle;
import org.selfsup.data.BadRecordCounter;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.HadoopFiles;
import org.selfsup.data.ImageFolderSource;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.SlimSchema;
import org.selfsup.data.TFRecordSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle's serving path, batch-scored on Spark: the embedding of one endpoint for every
 * image of a dataset split or of an image folder, as {@link FeatureExtractor} computes features
 * for {@code evaluate} (the same numbers). Writes into the folder {@code --out}:
 * <ul>
 *   <li>parquet: {@value #PARQUET}/ with columns file, record, label (null for an image folder's
 *       loose files), embedding (array of float), in input order;
 *   <li>csv: {@value #CSV}, one row per image: file, record, label, f0 ... f(D-1);
 *   <li>npy: {@value #NPY}, a rows × D float32 matrix, and {@value #ROWS}, its rows' file, record, label;
 *   <li>{@value #INFO}, written last: what was embedded, with what, how many rows, where.
 * </ul>
 * CSV and npy are written by the driver, one partition at a time.
 */
public final class EmbedJob {
  private static final Logger LOG = LoggerFactory.getLogger(EmbedJob.class);
  public static final String INFO = "embed.json";
  public static final String PARQUET = "embeddings.parquet";
  public static final String CSV = "embeddings.csv";
  public static final String NPY = "embeddings.npy";
  public static final String ROWS = "rows.csv";
  public static final String EMBEDDING = "embedding";
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).enable(SerializationFeature.INDENT_OUTPUT);

  private final EmbedConfig config;
  private final ModelBundle bundle;
  private final String endpoint;
  private final EmbedConfig.Format format;
  private final DatasetLayout layout;
  private final int labelOffset;

  EmbedJob(EmbedConfig config, ModelBundle bundle, String endpoint, EmbedConfig.Format format, DatasetLayout layout,
      int labelOffset) {
    this.config = config;
    this.bundle = bundle;
    this.endpoint = endpoint;
    this.format = format;
    this.layout = layout;
    this.labelOffset = labelOffset;
  }

  public String endpoint() {
    return endpoint;
  }

  /** Embeds, writes, and prints where the output went and one line of record counts; returns the row count. */
  public long run(SparkSession spark, PrintStream stdout) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    ReadOptions options = ReadOptions.defaults().withLabelOffset(labelOffset).withOnBadRecord(config.onBadRecord)
        .withMaxImagePixels(config.maxImagePixels).withCounter(BadRecordCounter.create(spark));
    Dataset<Row> records = config.images != null
        ? ImageFolderSource.read(spark, config.images, options)
        : TFRecordSource.read(spark, new ArrayList<>(layout.files(conf, config.datasetDir, config.split)), options);
    FeatureExtractor extractor = FeatureExtractor.create(spark, bundle.loadNetwork(conf),
        bundle.info.endpointVertices(), List.of(endpoint), bundle.info.preprocess, config.batchSize,
        FeatureExtractor.DEFAULT_MAX_FEATURES).withPatchGrid(bundle.info.patchGrid);
    Column label = config.images != null
        ? when(col(SlimSchema.LABEL).geq(0), col(SlimSchema.LABEL)) // NO_LABEL -> null
        : col(SlimSchema.LABEL);
    Dataset<Row> rows = extractor.extract(records, options).select(col(SlimSchema.FILE), col(SlimSchema.RECORD),
        label.as(SlimSchema.LABEL),
        org.apache.spark.ml.functions.vector_to_array(col(endpoint), "float32").as(EMBEDDING));
    int dim = (int) bundle.info.endpoint(endpoint).features;
    LOG.info("embedding {} with the model bundle {}: endpoint {} ({} features), spec '{}'",
        config.images != null ? config.images : config.datasetDir + " split " + config.split, bundle.dir, endpoint,
        dim, bundle.info.preprocess);

    Path out = new Path(config.out);
    FileSystem fs = HadoopFiles.of(out, conf);
    fs.delete(out, true); // checked by EmbedConfig: absent, empty, or an earlier embedding (--overwrite)
    fs.mkdirs(out);
    List<String> files = new ArrayList<>();
    long n;
    if (format == EmbedConfig.Format.PARQUET) {
      String path = new Path(out, PARQUET).toString();
      rows.write().mode(SaveMode.ErrorIfExists).parquet(path);
      n = spark.read().parquet(path).count();
      files.add(PARQUET);
    } else {
      rows.persist(StorageLevel.MEMORY_AND_DISK());
      try {
        n = rows.count();
        if (format == EmbedConfig.Format.CSV) {
          writeCsv(fs, new Path(out, CSV), rows.toLocalIterator(), dim);
          files.add(CSV);
        } else {
          writeNpy(fs, new Path(out, NPY), new Path(out, ROWS), rows.toLocalIterator(), n, dim);
          files.add(NPY);
          files.add(ROWS);
        }
      } finally {
        rows.unpersist();
      }
    }
    writeInfo(fs, new Path(out, INFO), files, n, dim, options);
    stdout.printf("embedded %d images (endpoint %s, %d features) -> %s%n", n, endpoint, dim,
        new Path(fs.makeQualified(out), files.get(0)));
    stdout.println(options.counter().snapshot().summaryLine());
    return n;
  }

  private static CsvWriter csv(OutputStream out) {
    CsvWriterSettings s = new CsvWriterSettings();
    s.getFormat().setLineSeparator("\n");
    return new CsvWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), s);
  }

  private static void writeCsv(FileSystem fs, Path path, Iterator<Row> rows, int dim) throws IOException {
    CsvWriter w = csv(new BufferedOutputStream(fs.create(path, true), 1 << 20));
    try {
      Object[] header = new Object[3 + dim];
      header[0] = SlimSchema.FILE;
      header[1] = SlimSchema.RECORD;
      header[2] = SlimSchema.LABEL;
      for (int i = 0; i < dim; i++) {
        header[3 + i] = "f" + i;
      }
      w.writeRow(header);
      Object[] values = new Object[3 + dim];
      while (rows.hasNext()) {
        Row r = rows.next();
        float[] v = vector(r, dim);
        values[0] = r.getString(0);
        values[1] = r.getLong(1);
        values[2] = r.isNullAt(2) ? null : r.getInt(2);
        for (int i = 0; i < dim; i++) {
          values[3 + i] = Float.toString(v[i]);
        }
        w.writeRow(values);
      }
    } finally {
      w.close();
    }
  }

  private static void writeNpy(FileSystem fs, Path npy, Path sidecar, Iterator<Row> rows, long n, int dim)
      throws IOException {
    CsvWriter w = csv(new BufferedOutputStream(fs.create(sidecar, true), 1 << 16));
    try (NpyMatrix matrix = new NpyMatrix(new BufferedOutputStream(fs.create(npy, true), 1 << 20), n, dim)) {
      w.writeRow(SlimSchema.FILE, SlimSchema.RECORD, SlimSchema.LABEL);
      while (rows.hasNext()) {
        Row r = rows.next();
        matrix.writeRow(vector(r, dim));
        w.writeRow(r.getString(0), r.getLong(1), r.isNullAt(2) ? null : r.getInt(2));
      }
    } finally {
      w.close();
    }
  }

  private static float[] vector(Row r, int dim) {
    List<Object> list = r.getList(3);
    if (list.size() != dim) {
      throw new IllegalStateException("record " + r.getLong(1) + " of " + r.getString(0) + " has " + list.size()
          + " features, the bundle says " + dim);
    }
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (Float) list.get(i);
    }
    return v;
  }

  private void writeInfo(FileSystem fs, Path path, List<String> files, long n, int dim, ReadOptions options)
      throws IOException {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("format_version", 1);
    info.put("module", bundle.dir.toString());
    info.put("task", bundle.info.task);
    info.put("architecture", bundle.info.architecture);
    info.put("endpoint", endpoint);
    info.put("dimension", dim);
    info.put("rows", n);
    info.put("preprocess", bundle.info.preprocess);
    info.put("patch_grid", bundle.info.patchGrid);
    Map<String, Object> source = new LinkedHashMap<>();
    if (config.images != null) {
      source.put("images", config.images);
    } else {
      source.put("dataset", layout.name());
      source.put("dataset_dir", config.datasetDir);
      source.put("split", config.split);
      source.put("label_offset", labelOffset);
    }
    info.put("source", source);
    info.put("format", format.flagValue());
    info.put("files", files);
    info.put("records", options.counter().snapshot());
    try (OutputStream out = fs.create(path, true)) {
      out.write(JSON.writeValueAsString(info).getBytes(StandardCharsets.UTF_8));
    }
  }
}
