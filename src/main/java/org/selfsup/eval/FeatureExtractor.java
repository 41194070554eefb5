package org.selfsup.eval;

import org.selfsup.runtime.CoreShare;
import org.selfsup.runtime.UserError;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.selfsup.data.BadRecordException;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.RecordImages;
import org.selfsup.data.SlimSchema;
import org.selfsup.models.ChannelsLast;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.PatchGrid;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.tasks.ImageBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a frozen ComputationGraph in inference mode (batch norm on running statistics, no
 * dropout) on the executors and turns the activations of chosen vertices into feature vectors.
 *
 * <p>An endpoint whose activation is a [C,H,W] map with more than {@code maxFeatures} values is
 * max-pooled spatially (see {@link SpatialMaxPool}); [C] activations pass through. Maps are
 * assumed NCHW (DL4J's default). The model is broadcast once per extractor and restored once per
 * executor JVM, so reuse one extractor for all splits.
 */
public final class FeatureExtractor implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(FeatureExtractor.class);

  public static final int DEFAULT_MAX_FEATURES = 9000;
  public static final int DEFAULT_BATCH_SIZE = 64;

  // (model id, endpoint) pairs whose pooling was already logged in this JVM
  private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

  private final BroadcastGraph graph;
  private final boolean channelsLast; // graph takes and gives NHWC (models.ChannelsLast)
  private final List<String> endpoints;
  private final List<String> vertices;
  private final Preprocessing spec;
  private final int batchSize;
  private final int maxFeatures;
  private final int patchGrid;

  private FeatureExtractor(BroadcastGraph graph, boolean channelsLast, List<String> endpoints, List<String> vertices,
      Preprocessing spec, int batchSize, int maxFeatures, int patchGrid) {
    this.graph = graph;
    this.channelsLast = channelsLast;
    this.endpoints = endpoints;
    this.vertices = vertices;
    this.spec = spec;
    this.batchSize = batchSize;
    this.maxFeatures = maxFeatures;
    this.patchGrid = patchGrid;
  }

  /**
   * Patch models: the spec gives an n×n mosaic of patches; the network runs on each patch and an
   * image's features are the mean of its n² patch features (after pooling). 1: whole images.
   */
  public FeatureExtractor withPatchGrid(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("patch grid must be >= 1, got " + n);
    }
    return new FeatureExtractor(graph, channelsLast, endpoints, vertices, spec, batchSize, maxFeatures, n);
  }

  /**
   * Checks the arguments on the driver and broadcasts the model.
   *
   * @param endpointToVertex endpoint name → graph vertex name; null means endpoints are vertex names
   * @param endpoints        the endpoints to extract, in output column order
   * @param evalSpec         preprocessing spec starting with decode and ending in a fixed size
   * @throws UserError for an unknown endpoint (listing the valid ones), a vertex the
   *                                  model lacks, a bad spec, or non-positive sizes
   */
  public static FeatureExtractor create(SparkSession spark, ComputationGraph model,
      Map<String, String> endpointToVertex, List<String> endpoints, String evalSpec, int batchSize,
      int maxFeatures) {
    if (batchSize <= 0 || maxFeatures <= 0) {
      throw new UserError("batchSize and maxFeatures must be positive, got " + batchSize
          + " and " + maxFeatures);
    }
    if (endpoints == null || endpoints.isEmpty()) {
      throw new UserError("no endpoints requested");
    }
    if (model.getNumInputArrays() != 1) {
      throw new UserError("the model has " + model.getNumInputArrays()
          + " inputs; feature extraction needs a single image input");
    }
    Preprocessing p = Preprocessing.parse(evalSpec);
    if (!p.startsWithDecode()) {
      throw new UserError("eval spec '" + evalSpec + "' must start with decode");
    }
    Set<String> modelVertices = new TreeSet<>();
    for (GraphVertex v : model.getVertices()) {
      modelVertices.add(v.getVertexName());
    }
    Map<String, String> mapping = endpointToVertex;
    if (mapping == null) {
      mapping = new LinkedHashMap<>();
      for (String v : modelVertices) {
        mapping.put(v, v);
      }
    }
    List<String> vs = new ArrayList<>();
    for (String e : endpoints) {
      String v = mapping.get(e);
      if (v == null) {
        throw new UserError("unknown endpoint '" + e + "'; valid endpoints: "
            + String.join(", ", new TreeSet<>(mapping.keySet())));
      }
      if (!modelVertices.contains(v)) {
        throw new UserError("endpoint '" + e + "' names vertex '" + v
            + "', which the model does not have; its vertices: " + String.join(", ", modelVertices));
      }
      vs.add(v);
    }
    FeatureColumns.schema(endpoints); // checks the names
    // only what the endpoints need is shipped and run, channels-last where the graph allows it and oneDNN runs
    ComputationGraph trimmed = TrimmedGraph.ending(model, vs);
    boolean channelsLast = ChannelsLast.supports(trimmed.getConfiguration()) && ChannelsLast.onOneDnnHere();
    if (channelsLast) {
      trimmed = ChannelsLast.copyOf(trimmed);
    }
    LOG.info("extraction network: {} vertices, {}", trimmed.getConfiguration().getVertices().size(),
        channelsLast ? "channels-last (NHWC)" : "channels-first (NCHW)");
    return new FeatureExtractor(BroadcastGraph.of(spark, trimmed), channelsLast,
        Collections.unmodifiableList(new ArrayList<>(endpoints)),
        Collections.unmodifiableList(vs), p, batchSize, maxFeatures, 1);
  }

  /** One-off extraction: {@link #create} then {@link #extract(Dataset)}. */
  public static Dataset<Row> extract(SparkSession spark, Dataset<Row> records, ComputationGraph model,
      Map<String, String> endpointToVertex, List<String> endpoints, String evalSpec, int batchSize,
      int maxFeatures) {
    return create(spark, model, endpointToVertex, endpoints, evalSpec, batchSize, maxFeatures).extract(records);
  }

  /** The output vector columns (= the endpoint names). */
  public List<String> columns() {
    return endpoints;
  }

  /**
   * Features of a dataset DataFrame ({@link SlimSchema} columns image, label, file, record): label,
   * file, record and one vector column per endpoint, row order kept within each partition. Lazy.
   */
  public Dataset<Row> extract(Dataset<Row> records) {
    return extract(records, ReadOptions.defaults());
  }

  /**
   * As {@link #extract(Dataset)}; an image that does not decode or is over
   * {@link ReadOptions#maxImagePixels()} is failed on or skipped and counted as {@code options}
   * say, and each row of features counts as a record used.
   */
  public Dataset<Row> extract(Dataset<Row> records, ReadOptions options) {
    JavaRDD<Row> rows = records
        .select(SlimSchema.IMAGE, SlimSchema.LABEL, SlimSchema.FILE, SlimSchema.RECORD)
        .javaRDD()
        .mapPartitions(new ExtractPartition(this, options));
    return records.sparkSession().createDataFrame(rows, FeatureColumns.schema(endpoints));
  }

  /** Runs one batch: the feature vectors of each image, endpoint by endpoint. Executor side. */
  Vector[][] features(List<Image> images) {
    if (patchGrid == 1) {
      return run(images);
    }
    int per = patchGrid * patchGrid;
    List<Image> patches = new ArrayList<>(images.size() * per);
    for (Image img : images) {
      patches.addAll(PatchGrid.tiles(img, patchGrid));
    }
    Vector[][] perPatch = run(patches);
    Vector[][] out = new Vector[images.size()][endpoints.size()];
    for (int i = 0; i < images.size(); i++) {
      for (int e = 0; e < endpoints.size(); e++) {
        double[] mean = new double[perPatch[i * per][e].size()];
        for (int p = 0; p < per; p++) {
          double[] v = perPatch[i * per + p][e].toArray();
          for (int k = 0; k < mean.length; k++) {
            mean[k] += v[k] / per;
          }
        }
        out[i][e] = Vectors.dense(mean);
      }
    }
    return out;
  }

  private Vector[][] run(List<Image> images) {
    INDArray input = channelsLast ? ImageBatch.toNhwc(images) : ImageBatch.toNchw(images);
    ComputationGraph g = graph.borrow();
    INDArray[] wanted;
    try {
      wanted = activations(g, vertices, input);
    } finally {
      graph.giveBack(g);
    }
    try {
      return toVectors(wanted, images.size());
    } finally {
      // Released here rather than when the GC gets to them: on a big split ND4J's off-heap
      // garbage otherwise piled up to twice the heap (a 12 GB driver killed by the kernel).
      Set<INDArray> released = Collections.newSetFromMap(new IdentityHashMap<>());
      released.add(input);
      released.addAll(Arrays.asList(wanted));
      for (INDArray a : released) {
        if (a.closeable()) {
          a.close();
        }
      }
    }
  }

  /**
   * The activations of {@code vertices} (in that order; duplicates allowed) in inference mode, from
   * a network trimmed to end at them ({@link TrimmedGraph}), whose outputs are their distinct names
   * in first-seen order.
   */
  static INDArray[] activations(ComputationGraph trimmed, List<String> vertices, INDArray input) {
    INDArray[] out = trimmed.output(false, input);
    List<String> outputs = trimmed.getConfiguration().getNetworkOutputs();
    INDArray[] wanted = new INDArray[vertices.size()];
    for (int e = 0; e < wanted.length; e++) {
      wanted[e] = out[outputs.indexOf(vertices.get(e) + TrimmedGraph.OUTPUT_SUFFIX)];
    }
    return wanted;
  }

  private Vector[][] toVectors(INDArray[] acts, int n) {
    Vector[][] out = new Vector[n][endpoints.size()];
    for (int e = 0; e < endpoints.size(); e++) {
      INDArray a = channelsLast ? ChannelsLast.toNchw(acts[e]) : acts[e];
      long[] shape = a.shape();
      INDArray features;
      if (shape.length == 2) {
        features = a;
      } else if (shape.length == 4) {
        int c = (int) shape[1];
        int h = (int) shape[2];
        int w = (int) shape[3];
        int k = SpatialMaxPool.window(c, h, w, maxFeatures);
        logPooling(endpoints.get(e), c, h, w, k);
        features = SpatialMaxPool.pool(a, k);
      } else {
        throw new UserError("endpoint '" + endpoints.get(e) + "' (vertex " + vertices.get(e)
            + ") has activations of shape " + Arrays.toString(shape)
            + "; only [N,C] vectors and [N,C,H,W] maps are supported");
      }
      // one native cast and one copy out per batch; each image's vector is then a slice of it
      INDArray doubles = features.castTo(DataType.DOUBLE);
      INDArray dense = doubles.ordering() == 'c' && !doubles.isView() ? doubles : doubles.dup('c');
      double[] all = dense.data().asDouble();
      int size = (int) (dense.length() / n);
      for (int i = 0; i < n; i++) {
        out[i][e] = Vectors.dense(Arrays.copyOfRange(all, i * size, (i + 1) * size));
      }
      Set<INDArray> temporary = Collections.newSetFromMap(new IdentityHashMap<>());
      temporary.addAll(Arrays.asList(dense, doubles, features));
      temporary.remove(a); // released with the batch's activations (a may be a permuted view of them)
      temporary.remove(acts[e]);
      for (INDArray t : temporary) {
        if (t.closeable()) {
          t.close();
        }
      }
    }
    return out;
  }

  private void logPooling(String endpoint, int c, int h, int w, int k) {
    if (!LOGGED.add(graph.id() + "/" + endpoint)) {
      return;
    }
    int oh = SpatialMaxPool.pooledSize(h, k);
    int ow = SpatialMaxPool.pooledSize(w, k);
    long in = (long) c * h * w;
    if (c > maxFeatures) {
      LOG.warn("endpoint {}: {} channels exceed maxFeatures={} even at 1x1; global max-pool to {} features",
          endpoint, c, maxFeatures, c);
    } else if (k == 1) {
      LOG.info("endpoint {}: {}x{}x{} = {} features, not pooled", endpoint, c, h, w, in);
    } else {
      LOG.info("endpoint {}: {}x{}x{} = {} > {} features; max-pool window {} to {}x{}x{} = {}", endpoint, c, h,
          w, in, maxFeatures, k, c, oh, ow, (long) c * oh * ow);
    }
  }

  /** Decodes, batches and runs one partition lazily, batch by batch. */
  private static final class ExtractPartition implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    private final FeatureExtractor x;
    private final ReadOptions options;

    ExtractPartition(FeatureExtractor x, ReadOptions options) {
      this.x = x;
      this.options = options;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      CoreShare.applyToThisTask();
      return new Iterator<Row>() {
        private final List<Row> pending = new ArrayList<>();
        private int next;

        @Override
        public boolean hasNext() {
          if (next < pending.size()) {
            return true;
          }
          pending.clear();
          next = 0;
          while (pending.isEmpty() && rows.hasNext()) {
            runBatch();
          }
          return !pending.isEmpty();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return pending.get(next++);
        }

        private void runBatch() {
          List<Row> in = new ArrayList<>(x.batchSize);
          List<Image> images = new ArrayList<>(x.batchSize);
          while (in.size() < x.batchSize && rows.hasNext()) {
            Row r = rows.next();
            Image img;
            try {
              img = RecordImages.apply(x.spec, r, FeatureColumns.EVAL_SEED, options.maxImagePixels());
            } catch (BadRecordException e) {
              options.skipOrThrow(e);
              continue;
            }
            in.add(r);
            images.add(img);
          }
          if (in.isEmpty()) {
            return;
          }
          Vector[][] f = x.features(images);
          options.used(in.size());
          for (int i = 0; i < in.size(); i++) {
            Row r = in.get(i);
            Object[] values = new Object[3 + f[i].length];
            values[0] = r.getInt(1);
            values[1] = r.getString(2);
            values[2] = r.getLong(3);
            System.arraycopy(f[i], 0, values, 3, f[i].length);
            pending.add(RowFactory.create(values));
          }
        }
      };
    }
  }
}
