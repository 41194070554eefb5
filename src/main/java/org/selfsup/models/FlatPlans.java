package org.selfsup.models;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The oneDNN 3 primitives of an element-wise op ({@link DnnlRelu}, {@link DnnlSum}), built once per
 * length of the flat arrays they run on (a dense float array of any shape and layout is one flat
 * vector to such an op), at most 8 kept. Once oneDNN refuses to build them (logged once), none are
 * built and the caller's ND4J ops run every pass. Runs the primitives on its own stream and counts
 * the passes (for tests).
 */
final class FlatPlans<P> {
  private static final Logger LOG = LoggerFactory.getLogger(FlatPlans.class);
  private static final int MAX_PLANS = 8;

  private final String what;
  private final LongFunction<P> build;
  private final Consumer<P> close;
  private final Map<Long, P> plans = new LinkedHashMap<>();
  private final stream strm;
  private boolean refused;
  private long passes;

  /** {@code what}: the op, for the log line. */
  FlatPlans(engine eng, String what, LongFunction<P> build, Consumer<P> close) {
    this.strm = new stream(eng);
    this.what = what;
    this.build = build;
    this.close = close;
  }

  /** Whether both are dense float arrays of one shape. */
  static boolean sameDenseShape(INDArray a, INDArray b) {
    return DnnlConvolutionHelper.dense(a) && DnnlConvolutionHelper.dense(b) && Arrays.equals(a.shape(), b.shape());
  }

  /** The primitives for arrays of {@code length} values; null where oneDNN refused them. */
  P forLength(long length) {
    P p = plans.get(length);
    if (p == null && !refused) {
      if (plans.size() >= MAX_PLANS) {
        plans.values().forEach(close);
        plans.clear();
      }
      try {
        p = build.apply(length);
      } catch (RuntimeException e) {
        refused = true;
        LOG.warn("oneDNN 3 refused {} on {} values, ND4J's ops run it: {}", what, length, e.toString());
        return null;
      }
      plans.put(length, p);
    }
    return p;
  }

  /** Points each memory at the array after it (memory, array, ...), runs the primitive and waits for it; true. */
  boolean run(primitive prim, IntMemoryMap args, Object... memoryThenArray) {
    DnnlConvolutionHelper.bind(memoryThenArray);
    prim.execute(strm, args);
    strm._wait();
    passes++;
    return true;
  }

  /** Passes run so far. */
  long passes() {
    return passes;
  }
}
