package org.selfsup.eval;

import org.selfsup.runtime.UserError;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.selfsup.data.BadRecordSummary;

/**
 * The linear-probe results, one entry per feature column. Accuracies are fractions in [0, 1];
 * {@link #toTable()} prints them as percentages.
 */
public final class ProbeReport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One L2 strength of the grid: where its fit stopped and how it scored. */
  public static final class Fit {
    @JsonProperty public final double regParam;
    @JsonProperty public final double valTop1;
    @JsonProperty public final double valTop5;
    @JsonProperty public final double testTop1;
    @JsonProperty public final double testTop5;
    @JsonProperty public final int iterations;
    /** Passes over the training features (objective evaluations, line-search trials included); 0 when not counted. */
    @JsonProperty public final int passes;
    @JsonProperty public final double seconds;

    @JsonCreator
    public Fit(@JsonProperty("regParam") double regParam, @JsonProperty("valTop1") double valTop1,
        @JsonProperty("valTop5") double valTop5, @JsonProperty("testTop1") double testTop1,
        @JsonProperty("testTop5") double testTop5, @JsonProperty("iterations") int iterations,
        @JsonProperty("passes") int passes, @JsonProperty("seconds") double seconds) {
      this.regParam = regParam;
      this.valTop1 = valTop1;
      this.valTop5 = valTop5;
      this.testTop1 = testTop1;
      this.testTop5 = testTop5;
      this.iterations = iterations;
      this.passes = passes;
      this.seconds = seconds;
    }
  }

  /** Weighted kNN classification (cosine similarity) with k neighbours. */
  public static final class Knn {
    @JsonProperty public final int k;
    @JsonProperty public final double temperature;
    @JsonProperty public final double valTop1;
    @JsonProperty public final double valTop5;
    @JsonProperty public final double testTop1;
    @JsonProperty public final double testTop5;

    @JsonCreator
    public Knn(@JsonProperty("k") int k, @JsonProperty("temperature") double temperature,
        @JsonProperty("valTop1") double valTop1, @JsonProperty("valTop5") double valTop5,
        @JsonProperty("testTop1") double testTop1, @JsonProperty("testTop5") double testTop5) {
      this.k = k;
      this.temperature = temperature;
      this.valTop1 = valTop1;
      this.valTop5 = valTop5;
      this.testTop1 = testTop1;
      this.testTop5 = testTop5;
    }
  }

  /** The result for one endpoint. */
  public static final class Entry {
    @JsonProperty public final String endpoint;
    @JsonProperty public final int dims;
    @JsonProperty public final double bestRegParam;
    @JsonProperty public final double valTop1;
    @JsonProperty public final double testTop1;
    @JsonProperty public final double testTop5;
    /** Seconds spent fitting all regParams of the grid for this endpoint. */
    @JsonProperty public final double trainSeconds;
    /** Every strength of the grid, in the order fitted (empty in reports written before they were kept). */
    @JsonProperty public final List<Fit> fits;
    /** kNN results per k; empty unless asked for. */
    @JsonProperty @JsonInclude(JsonInclude.Include.NON_EMPTY) public final List<Knn> knn;

    public Entry(String endpoint, int dims, double bestRegParam, double valTop1, double testTop1, double testTop5,
        double trainSeconds) {
      this(endpoint, dims, bestRegParam, valTop1, testTop1, testTop5, trainSeconds, null, null);
    }

    public Entry(String endpoint, int dims, double bestRegParam, double valTop1, double testTop1, double testTop5,
        double trainSeconds, List<Fit> fits) {
      this(endpoint, dims, bestRegParam, valTop1, testTop1, testTop5, trainSeconds, fits, null);
    }

    /** This entry with kNN results. */
    public Entry withKnn(List<Knn> results) {
      return new Entry(endpoint, dims, bestRegParam, valTop1, testTop1, testTop5, trainSeconds, fits, results);
    }

    @JsonCreator
    public Entry(@JsonProperty("endpoint") String endpoint, @JsonProperty("dims") int dims,
        @JsonProperty("bestRegParam") double bestRegParam, @JsonProperty("valTop1") double valTop1,
        @JsonProperty("testTop1") double testTop1, @JsonProperty("testTop5") double testTop5,
        @JsonProperty("trainSeconds") double trainSeconds, @JsonProperty("fits") List<Fit> fits,
        @JsonProperty("knn") List<Knn> knn) {
      this.fits = fits == null ? List.of() : List.copyOf(fits);
      this.knn = knn == null ? List.of() : List.copyOf(knn);
      this.endpoint = endpoint;
      this.dims = dims;
      this.bestRegParam = bestRegParam;
      this.valTop1 = valTop1;
      this.testTop1 = testTop1;
      this.testTop5 = testTop5;
      this.trainSeconds = trainSeconds;
    }
  }

  @JsonProperty private final long trainRows;
  @JsonProperty private final long valRows;
  @JsonProperty private final long testRows;
  @JsonProperty private final List<Entry> endpoints;
  /** What happened to the records read for the features; absent when not counted. */
  @JsonProperty @JsonInclude(JsonInclude.Include.NON_NULL) private final BadRecordSummary records;

  public ProbeReport(long trainRows, long valRows, long testRows, List<Entry> endpoints) {
    this(trainRows, valRows, testRows, endpoints, null);
  }

  @JsonCreator
  public ProbeReport(@JsonProperty("trainRows") long trainRows, @JsonProperty("valRows") long valRows,
      @JsonProperty("testRows") long testRows, @JsonProperty("endpoints") List<Entry> endpoints,
      @JsonProperty("records") BadRecordSummary records) {
    this.trainRows = trainRows;
    this.valRows = valRows;
    this.testRows = testRows;
    this.endpoints = Collections.unmodifiableList(new ArrayList<>(endpoints));
    this.records = records;
  }

  /** This report with the kNN results of each endpoint (endpoint → results). */
  public ProbeReport withKnn(java.util.Map<String, List<Knn>> results) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : endpoints) {
      out.add(results.containsKey(e.endpoint) ? e.withKnn(results.get(e.endpoint)) : e);
    }
    return new ProbeReport(trainRows, valRows, testRows, out, records);
  }

  /** This report with the record counts of the run. */
  public ProbeReport withRecords(BadRecordSummary summary) {
    return new ProbeReport(trainRows, valRows, testRows, endpoints, summary);
  }

  /** Records read, used, skipped and shards cut short; null when not counted. */
  public BadRecordSummary records() {
    return records;
  }

  public long trainRows() {
    return trainRows;
  }

  public long valRows() {
    return valRows;
  }

  public long testRows() {
    return testRows;
  }

  public List<Entry> endpoints() {
    return endpoints;
  }

  /** The entry of one endpoint; UserError when there is none. */
  public Entry endpoint(String name) {
    for (Entry e : endpoints) {
      if (e.endpoint.equals(name)) {
        return e;
      }
    }
    List<String> names = new ArrayList<>();
    endpoints.forEach(e -> names.add(e.endpoint));
    throw new UserError("no endpoint '" + name + "' in the report; it has: " + String.join(", ", names));
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON: " + e.getMessage(), e);
    }
  }

  /** @throws UserError when the text is not a report */
  public static ProbeReport fromJson(String json) {
    try {
      return JSON.readValue(json, ProbeReport.class);
    } catch (JsonProcessingException e) {
      throw new UserError("not a probe report: " + e.getOriginalMessage());
    }
  }

  /** Writes {@link #toJson()} to a Hadoop path (any scheme), replacing it. */
  public void writeJson(Configuration hadoopConf, String path) {
    Path p = new Path(path);
    try (OutputStream out = p.getFileSystem(hadoopConf).create(p, true)) {
      out.write(toJson().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  public static ProbeReport readJson(Configuration hadoopConf, String path) {
    Path p = new Path(path);
    try (InputStream in = p.getFileSystem(hadoopConf).open(p)) {
      return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /** A text table, one line per endpoint after the header, accuracies in percent. */
  public String toTable() {
    int w = 10;
    for (Entry e : endpoints) {
      w = Math.max(w, e.endpoint.length());
    }
    w += 1;
    String row = "%-" + w + "s%6s   %-5s%12s%12s%12s%n";
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, row, "endpoint", "dims", "reg", "val top-1", "test top-1", "test top-5"));
    for (Entry e : endpoints) {
      sb.append(String.format(Locale.ROOT, row, e.endpoint, e.dims, formatReg(e.bestRegParam),
          pct(e.valTop1), pct(e.testTop1), pct(e.testTop5)));
    }
    if (endpoints.stream().anyMatch(e -> !e.knn.isEmpty())) {
      String knnRow = "%-" + w + "s%6s   %-5s%12s%12s%12s%n";
      sb.append(String.format(Locale.ROOT, "kNN (cosine, weighted vote, temperature %s):%n",
          endpoints.stream().flatMap(e -> e.knn.stream()).findFirst().get().temperature));
      sb.append(String.format(Locale.ROOT, knnRow, "endpoint", "k", "", "val top-1", "test top-1", "test top-5"));
      for (Entry e : endpoints) {
        for (Knn k : e.knn) {
          sb.append(String.format(Locale.ROOT, knnRow, e.endpoint, k.k, "", pct(k.valTop1), pct(k.testTop1),
              pct(k.testTop5)));
        }
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return toTable();
  }

  private static String pct(double fraction) {
    return String.format(Locale.ROOT, "%.2f", 100 * fraction);
  }

  /** 0, 1e-04, 2.5e-03: the shortest scientific form that gives the value back. */
  public static String formatReg(double v) {
    if (v == 0) {
      return "0";
    }
    for (int digits = 0; digits < 16; digits++) {
      String s = String.format(Locale.ROOT, "%." + digits + "e", v);
      if (Double.parseDouble(s) == v) {
        return s;
      }
    }
    return Double.toString(v);
  }
}
