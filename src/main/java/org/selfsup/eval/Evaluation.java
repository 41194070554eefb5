package org.selfsup.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.TFRecordSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The paper's linear evaluation, end to end: features of the train, val and test splits
 * (from a frozen network's endpoints, or raw pixels), kept as Parquet in the workdir, then a
 * logistic regression per endpoint, reported as JSON and as a table.
 */
public final class Evaluation {
  private static final Logger LOG = LoggerFactory.getLogger(Evaluation.class);
  public static final List<String> SPLITS = List.of("train", "val", "test");

  private final SparkSession spark;
  private final DatasetLayout layout;
  private final String datasetDir;
  private final ReadOptions readOptions;
  private final Map<String, Integer> limits;

  /** @param limits split → about how many images to use from it (the first ones of each shard); absent = all. */
  public Evaluation(SparkSession spark, DatasetLayout layout, String datasetDir, ReadOptions readOptions,
      Map<String, Integer> limits) {
    this.spark = spark;
    this.layout = layout;
    this.datasetDir = datasetDir;
    this.readOptions = readOptions;
    this.limits = limits;
  }

  /** Features of the model's endpoints for each split, also written under {@code workdir/features}. */
  public Map<String, Dataset<Row>> modelFeatures(ComputationGraph model, Map<String, String> endpointToVertex,
      List<String> endpoints, String spec, int patchGrid, int batchSize, int maxFeatures, String workdir) {
    FeatureExtractor extractor = FeatureExtractor.create(spark, model, endpointToVertex, endpoints, spec, batchSize,
        maxFeatures).withPatchGrid(patchGrid);
    Map<String, Dataset<Row>> out = new LinkedHashMap<>();
    for (String split : SPLITS) {
      out.put(split, store(extractor.extract(records(split), readOptions), workdir, split));
    }
    return out;
  }

  /** Raw-pixel features (column {@value RawPixelFeatures#COLUMN}) for each split. */
  public Map<String, Dataset<Row>> pixelFeatures(String spec, String workdir) {
    Map<String, Dataset<Row>> out = new LinkedHashMap<>();
    for (String split : SPLITS) {
      out.put(split, store(RawPixelFeatures.extract(records(split), spec, readOptions), workdir, split));
    }
    return out;
  }

  /** The probe's report, with what happened to the records read for the features (when counted). */
  public ProbeReport probe(Map<String, Dataset<Row>> features, List<String> columns, LinearProbe probe) {
    return probe(features, columns, probe, new int[0], KnnClassifier.DEFAULT_TEMPERATURE);
  }

  /** The probe's report with, for each k of {@code knn} (none: no kNN), the kNN results per column. */
  public ProbeReport probe(Map<String, Dataset<Row>> features, List<String> columns, LinearProbe probe, int[] knn,
      double temperature) {
    ProbeReport report = probe.run(features.get("train"), features.get("val"), features.get("test"), columns);
    if (knn.length > 0) {
      Map<String, List<ProbeReport.Knn>> results = new LinkedHashMap<>();
      for (String c : columns) {
        long t0 = System.nanoTime();
        results.put(c, KnnClassifier.evaluate(features.get("train"), features.get("val"), features.get("test"), c,
            knn, temperature));
        LOG.info("kNN {} (k = {}): {} s", c, java.util.Arrays.toString(knn),
            String.format("%.1f", (System.nanoTime() - t0) / 1e9));
      }
      report = report.withKnn(results);
    }
    return readOptions.counter() == null ? report : report.withRecords(readOptions.counter().snapshot());
  }

  private Dataset<Row> records(String split) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<String> files = layout.files(conf, datasetDir, split);
    Integer limit = limits.get(split);
    // the first ceil(N / shards) records of every shard: the same rows in every run, all classes;
    // the reader stops there, so the rest is neither read nor counted
    ReadOptions options = limit == null ? readOptions
        : readOptions.withRecordsPerFile((limit + files.size() - 1) / files.size());
    return TFRecordSource.read(spark, new ArrayList<>(files), options);
  }

  /** Extracts once (to Parquet), then reads back: the probe's several passes reuse the features. */
  private Dataset<Row> store(Dataset<Row> features, String workdir, String split) {
    String path = FeatureStore.path(workdir, split);
    long start = System.nanoTime();
    FeatureStore.write(features, path);
    Dataset<Row> stored = FeatureStore.read(spark, path);
    LOG.info("{} features: {} rows in {}s -> {}", split, stored.count(),
        String.format("%.1f", (System.nanoTime() - start) / 1e9), path);
    return stored;
  }
}
