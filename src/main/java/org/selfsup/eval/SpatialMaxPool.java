package org.selfsup.eval;

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
   * Max-pools one C×H×W map stored channel-major at {@code src[offset ...]} with window = stride
   * = {@code k}; returns C×⌈H/k⌉×⌈W/k⌉ values, channel-major.
   */
  public static float[] pool(float[] src, int offset, int c, int h, int w, int k) {
    int oh = pooledSize(h, k);
    int ow = pooledSize(w, k);
    float[] out = new float[c * oh * ow];
    java.util.Arrays.fill(out, Float.NEGATIVE_INFINITY);
    // row by row through the input (contiguous reads), a plain comparison rather than Math.max:
    // this loop was the largest Java cost of extraction (JFR). A NaN still wins its window.
    for (int ch = 0; ch < c; ch++) {
      int plane = offset + ch * h * w;
      for (int y = 0; y < h; y++) {
        int row = plane + y * w;
        int base = (ch * oh + y / k) * ow;
        for (int ox = 0; ox < ow; ox++) {
          int x0 = ox * k;
          int x1 = Math.min(w, x0 + k);
          float max = out[base + ox];
          for (int x = x0; x < x1; x++) {
            float v = src[row + x];
            if (v > max || v != v) {
              max = v;
            }
          }
          out[base + ox] = max;
        }
      }
    }
    return out;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
