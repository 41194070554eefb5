package org.selfsup.eval;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The paper's reduction of a spatial feature map before the linear probe: non-overlapping max
 * pooling (window = stride) with the smallest window that brings C·h·w down to a feature budget.
 * Edge windows are partial (ceil), so an h×w map pooled with window k is ⌈h/k⌉×⌈w/k⌉.
 */
public final class SpatialMaxPool {
  private SpatialMaxPool() {}

  /**
   * The smallest window k ≥ 1 with c·⌈h/k⌉·⌈w/k⌉ ≤ maxFeatures. When even a 1×1 output has
   * more than maxFeatures values (c &gt; maxFeatures), returns max(h, w): a global max-pool.
   */
  public static int window(long c, long h, long w, long maxFeatures) {
    if (c <= 0 || h <= 0 || w <= 0 || maxFeatures <= 0) {
      throw new IllegalArgumentException("window needs positive sizes, got c=" + c + " h=" + h + " w=" + w
          + " maxFeatures=" + maxFeatures);
    }
    long global = Math.max(h, w);
    for (long k = 1; k < global; k++) {
      if (c * ceilDiv(h, k) * ceilDiv(w, k) <= maxFeatures) {
        return (int) k;
      }
    }
    return (int) global;
  }

  /** Side of the pooled map: ⌈size/window⌉. */
  public static int pooledSize(int size, int window) {
    return (int) ceilDiv(size, window);
  }

  /**
   * Max-pools a batch of [N,C,H,W] maps with window = stride = {@code k} in ND4J's native code;
   * returns a new c-ordered [N,C,⌈H/k⌉,⌈W/k⌉] array ({@code maps} itself when k is 1). A NaN wins
   * its window: a diverged network must not look finite after pooling.
   */
  public static INDArray pool(INDArray maps, int k) {
    if (maps.rank() != 4) {
      throw new IllegalArgumentException("pool needs [N,C,H,W] maps, got shape " + Arrays.toString(maps.shape()));
    }
    if (k < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + k);
    }
    if (k == 1) {
      return maps;
    }
    INDArray pooled = windowMax(maps, k);
    // ND4J's max reduction keeps or drops a NaN depending on where it sits in the window. A sum is
    // NaN when any value is (or when +∞ meets -∞; the mask then marks nothing): a cheaper test
    // than a match-condition count, which took three times the pooling.
    if (Double.isNaN(maps.sumNumber().doubleValue())) {
      INDArray isNan = maps.isNaN();
      INDArray nan = isNan.castTo(maps.dataType());
      INDArray windows = windowMax(nan, k);
      INDArray hit = windows.castTo(DataType.BOOL);
      INDArray marked = pooled.putWhereWithMask(hit, Nd4j.scalar(maps.dataType(), Float.NaN));
      for (INDArray t : new INDArray[] {isNan, nan, windows, hit, pooled}) {
        if (t != marked && t.closeable()) {
          t.close();
        }
      }
      pooled = marked;
    }
    return pooled;
  }

  /** The maximum of each k×k window: edge windows completed with -∞, then a reduction over a reshape. */
  private static INDArray windowMax(INDArray maps, int k) {
    long[] s = maps.shape();
    int oh = pooledSize((int) s[2], k);
    int ow = pooledSize((int) s[3], k);
    INDArray full = maps;
    if (oh * k != s[2] || ow * k != s[3] || maps.ordering() != 'c' || maps.isView()) {
      full = Nd4j.valueArrayOf(new long[] {s[0], s[1], (long) oh * k, (long) ow * k}, Float.NEGATIVE_INFINITY,
          maps.dataType());
      full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, s[2]),
          NDArrayIndex.interval(0, s[3])).assign(maps);
    }
    INDArray out = full.reshape('c', s[0], s[1], oh, k, ow, k).max(3, 5);
    if (full != maps && full.closeable()) {
      full.close();
    }
    return out;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
