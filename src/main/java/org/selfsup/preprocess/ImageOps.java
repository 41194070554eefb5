package org.selfsup.preprocess;

/**
 * Deterministic image functions behind the ops (also handy in tests). All return new images and
 * never modify their input. Semantics follow {@code tf.image}.
 */
public final class ImageOps {
  private ImageOps() {}

  /**
   * Bilinear resize with half-pixel centres, like TF2 {@code tf.image.resize(method="bilinear",
   * antialias=False)}: source coordinate {@code (i + 0.5) * in / out - 0.5}, clamped at the edges.
   */
  public static Image resize(Image in, int outH, int outW) {
    if (outH <= 0 || outW <= 0) {
      throw new IllegalArgumentException("resize target must be positive, got " + outH + "x" + outW);
    }
    int h = in.height();
    int w = in.width();
    int c = in.channels();
    if (outH == h && outW == w) {
      return in;
    }
    float[] src = in.data();
    float[] out = new float[outH * outW * c];
    // Precompute the column taps (already multiplied by the channel count).
    int[] x0 = new int[outW];
    int[] x1 = new int[outW];
    float[] xl = new float[outW];
    weights(w, outW, x0, x1, xl, c);
    int[] y0 = new int[outH];
    int[] y1 = new int[outH];
    float[] yl = new float[outH];
    weights(h, outH, y0, y1, yl, 1);
    int rowStride = w * c;
    int o = 0;
    for (int oy = 0; oy < outH; oy++) {
      int top = y0[oy] * rowStride;
      int bottom = y1[oy] * rowStride;
      float ly = yl[oy];
      for (int ox = 0; ox < outW; ox++) {
        int left = x0[ox];
        int right = x1[ox];
        float lx = xl[ox];
        for (int k = 0; k < c; k++) {
          float tl = src[top + left + k];
          float tr = src[top + right + k];
          float bl = src[bottom + left + k];
          float br = src[bottom + right + k];
          float t = tl + (tr - tl) * lx;
          float b = bl + (br - bl) * lx;
          out[o++] = t + (b - t) * ly;
        }
      }
    }
    return new Image(outH, outW, c, out);
  }

  /** TF's compute_interpolation_weights with the half-pixel scaler. */
  private static void weights(int inSize, int outSize, int[] lo, int[] hi, float[] lerp, int mul) {
    float scale = (float) inSize / outSize;
    for (int i = 0; i < outSize; i++) {
      float pos = (i + 0.5f) * scale - 0.5f;
      float f = (float) Math.floor(pos);
      lo[i] = Math.max((int) f, 0) * mul;
      hi[i] = Math.min((int) Math.ceil(pos), inSize - 1) * mul;
      lerp[i] = pos - f;
    }
  }

  /** Resizes so the shorter side is {@code size}; the longer side is {@code rint(long*size/short)}. */
  public static Image resizeSmall(Image in, int size) {
    int h = in.height();
    int w = in.width();
    double ratio = (double) size / Math.min(h, w);
    int newH = Math.max(1, (int) Math.rint(h * ratio));
    int newW = Math.max(1, (int) Math.rint(w * ratio));
    if (h <= w) {
      newH = size;
    } else {
      newW = size;
    }
    return resize(in, newH, newW);
  }

  /** Crop of {@code h x w} at row {@code top}, column {@code left}. */
  public static Image crop(Image in, int top, int left, int h, int w) {
    if (h <= 0 || w <= 0 || top < 0 || left < 0 || top + h > in.height()
        || left + w > in.width()) {
      throw new SpecNotApplicableException("crop " + h + "x" + w + " at (" + top + ", " + left
          + ") does not fit in a " + in.height() + "x" + in.width() + " image");
    }
    if (h == in.height() && w == in.width()) {
      return in;
    }
    int c = in.channels();
    float[] src = in.data();
    float[] out = new float[h * w * c];
    int rowLen = w * c;
    for (int y = 0; y < h; y++) {
      System.arraycopy(src, ((top + y) * in.width() + left) * c, out, y * rowLen, rowLen);
    }
    return new Image(h, w, c, out);
  }

  /** Central crop like tf: offsets {@code (H - h) / 2}, {@code (W - w) / 2} (integer division). */
  public static Image centralCrop(Image in, int h, int w) {
    if (h > in.height() || w > in.width()) {
      throw new SpecNotApplicableException("central_crop(" + h + ", " + w + ") needs an image of at"
          + " least " + h + "x" + w + ", got " + in.height() + "x" + in.width());
    }
    return crop(in, (in.height() - h) / 2, (in.width() - w) / 2, h, w);
  }

  /** Mirrors columns (left-right flip). */
  public static Image flipLeftRight(Image in) {
    int h = in.height();
    int w = in.width();
    int c = in.channels();
    float[] src = in.data();
    float[] out = new float[src.length];
    for (int y = 0; y < h; y++) {
      int row = y * w * c;
      for (int x = 0; x < w; x++) {
        System.arraycopy(src, row + (w - 1 - x) * c, out, row + x * c, c);
      }
    }
    return new Image(h, w, c, out);
  }

  /** Rotation by {@code k * 90} degrees counter-clockwise, like {@code tf.image.rot90(image, k)}. */
  public static Image rot90(Image in, int k) {
    int r = Math.floorMod(k, 4);
    if (r == 0) {
      return in;
    }
    int h = in.height();
    int w = in.width();
    int c = in.channels();
    float[] src = in.data();
    float[] out = new float[src.length];
    int outH = r == 2 ? h : w;
    int outW = r == 2 ? w : h;
    int o = 0;
    for (int i = 0; i < outH; i++) {
      for (int j = 0; j < outW; j++) {
        int sy;
        int sx;
        if (r == 1) { // out[i][j] = in[j][W-1-i]
          sy = j;
          sx = w - 1 - i;
        } else if (r == 2) {
          sy = h - 1 - i;
          sx = w - 1 - j;
        } else { // out[i][j] = in[H-1-j][i]
          sy = h - 1 - j;
          sx = i;
        }
        System.arraycopy(src, (sy * w + sx) * c, out, o, c);
        o += c;
      }
    }
    return new Image(outH, outW, c, out);
  }

  /**
   * Sets every channel to the unweighted mean of R, G and B (the paper's exemplar grayscale).
   * Images with fewer than 3 channels are returned unchanged.
   */
  public static Image grayscale(Image in) {
    int c = in.channels();
    if (c < 3) {
      return in;
    }
    float[] src = in.data();
    float[] out = new float[src.length];
    for (int p = 0; p < src.length; p += c) {
      float m = (src[p] + src[p + 1] + src[p + 2]) / 3f;
      for (int k = 0; k < c; k++) {
        out[p + k] = m;
      }
    }
    return new Image(in.height(), in.width(), c, out);
  }

  /** Linear map of [inMin, inMax] onto [outMin, outMax] (no clipping). */
  public static Image valueRange(Image in, float outMin, float outMax, float inMin, float inMax) {
    if (inMax == inMin) {
      throw new IllegalArgumentException("value_range input range is empty: [" + inMin + ", "
          + inMax + "]");
    }
    float scale = (outMax - outMin) / (inMax - inMin);
    float[] src = in.data();
    float[] out = new float[src.length];
    for (int i = 0; i < src.length; i++) {
      out[i] = outMin + (src[i] - inMin) * scale;
    }
    return new Image(in.height(), in.width(), in.channels(), out);
  }

  /**
   * Like {@code tf.image.per_image_standardization}: {@code (x - mean) / max(stddev,
   * 1/sqrt(N))} over all N values of the image.
   */
  public static Image standardize(Image in) {
    float[] src = in.data();
    int n = src.length;
    double sum = 0;
    for (float v : src) {
      sum += v;
    }
    double mean = sum / n;
    double sq = 0;
    for (float v : src) {
      double d = v - mean;
      sq += d * d;
    }
    double std = Math.sqrt(sq / n);
    double adjusted = Math.max(std, 1.0 / Math.sqrt(n));
    float fm = (float) mean;
    float inv = (float) (1.0 / adjusted);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (src[i] - fm) * inv;
    }
    return new Image(in.height(), in.width(), in.channels(), out);
  }
}
