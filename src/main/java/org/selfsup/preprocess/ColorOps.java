package org.selfsup.preprocess;

import java.util.SplittableRandom;

/**
 * Colour adjustments of TF-slim's inception preprocessing ({@code distort_color}) on RGB values in
 * [0, 1], with the HSV conversion of TensorFlow's adjust_hue / adjust_saturation kernels. The
 * {@code adjust*} functions work in place on an HWC RGB array and do not clip (as in TF).
 */
public final class ColorOps {
  static final float MAX_BRIGHTNESS_DELTA = 32f / 255f;
  static final float SATURATION_LOWER = 0.5f;
  static final float SATURATION_UPPER = 1.5f;
  static final float MAX_HUE_DELTA = 0.2f;
  static final float CONTRAST_LOWER = 0.5f;
  static final float CONTRAST_UPPER = 1.5f;

  private ColorOps() {}

  /** RGB to HSV of one pixel, written into {@code hsv[0..2]} (h in [0, 1)). */
  public static void rgbToHsv(float r, float g, float b, float[] hsv) {
    float v = Math.max(r, Math.max(g, b));
    float range = v - Math.min(r, Math.min(g, b));
    float s = v > 0f ? range / v : 0f;
    float h;
    if (range <= 0f) {
      h = 0f;
    } else {
      float norm = 1f / (6f * range);
      if (r == v) {
        h = norm * (g - b);
      } else if (g == v) {
        h = norm * (b - r) + 2f / 6f;
      } else {
        h = norm * (r - g) + 4f / 6f;
      }
      if (h < 0f) {
        h += 1f;
      }
    }
    hsv[0] = h;
    hsv[1] = s;
    hsv[2] = v;
  }

  /** HSV to RGB of one pixel (h taken modulo 1), written into {@code rgb[0..2]}. */
  public static void hsvToRgb(float h, float s, float v, float[] rgb) {
    if (h < 0f || h >= 1f) {
      h -= (float) Math.floor(h);
    }
    float c = s * v;
    float m = v - c;
    float dh = h * 6f;
    int sector = (int) dh;
    if (sector > 5) { // h just below 1 rounding up
      sector = 5;
    }
    float f = dh - sector;
    // TF: x = c * (1 - |(dh mod 2) - 1|), i.e. c * f in even sectors and c * (1 - f) in odd ones
    float x = (sector & 1) == 0 ? c * f : c * (1f - f);
    float r;
    float g;
    float b;
    switch (sector) {
      case 0: r = c; g = x; b = 0f; break;
      case 1: r = x; g = c; b = 0f; break;
      case 2: r = 0f; g = c; b = x; break;
      case 3: r = 0f; g = x; b = c; break;
      case 4: r = x; g = 0f; b = c; break;
      default: r = c; g = 0f; b = x; break;
    }
    rgb[0] = r + m;
    rgb[1] = g + m;
    rgb[2] = b + m;
  }

  /** {@code tf.image.adjust_brightness}: adds {@code delta}. */
  public static void adjustBrightness(float[] rgb, float delta) {
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] += delta;
    }
  }

  /** {@code tf.image.adjust_contrast}: {@code (x - mean) * factor + mean}, mean per channel. */
  public static void adjustContrast(float[] rgb, float factor) {
    double m0 = 0;
    double m1 = 0;
    double m2 = 0;
    for (int i = 0; i < rgb.length; i += 3) {
      m0 += rgb[i];
      m1 += rgb[i + 1];
      m2 += rgb[i + 2];
    }
    int n = rgb.length / 3;
    float a0 = (float) (m0 / n);
    float a1 = (float) (m1 / n);
    float a2 = (float) (m2 / n);
    for (int i = 0; i < rgb.length; i += 3) {
      rgb[i] = (rgb[i] - a0) * factor + a0;
      rgb[i + 1] = (rgb[i + 1] - a1) * factor + a1;
      rgb[i + 2] = (rgb[i + 2] - a2) * factor + a2;
    }
  }

  /** {@code tf.image.adjust_saturation}: saturation times {@code factor}, clamped to [0, 1]. */
  public static void adjustSaturation(float[] rgb, float factor) {
    float[] t = new float[3];
    for (int i = 0; i < rgb.length; i += 3) {
      rgbToHsv(rgb[i], rgb[i + 1], rgb[i + 2], t);
      float s = Math.min(1f, Math.max(0f, t[1] * factor));
      hsvToRgb(t[0], s, t[2], t);
      rgb[i] = t[0];
      rgb[i + 1] = t[1];
      rgb[i + 2] = t[2];
    }
  }

  /** {@code tf.image.adjust_hue}: hue plus {@code delta} (in turns), wrapped to [0, 1). */
  public static void adjustHue(float[] rgb, float delta) {
    float[] t = new float[3];
    for (int i = 0; i < rgb.length; i += 3) {
      rgbToHsv(rgb[i], rgb[i + 1], rgb[i + 2], t);
      hsvToRgb(t[0] + delta, t[1], t[2], t); // wraps the hue to [0, 1)
      rgb[i] = t[0];
      rgb[i + 1] = t[1];
      rgb[i + 2] = t[2];
    }
  }

  private static float uniform(SplittableRandom rng, float lo, float hi) {
    return lo + (hi - lo) * (float) rng.nextDouble();
  }

  private static void randomBrightness(float[] x, SplittableRandom rng) {
    adjustBrightness(x, uniform(rng, -MAX_BRIGHTNESS_DELTA, MAX_BRIGHTNESS_DELTA));
  }

  private static void randomSaturation(float[] x, SplittableRandom rng) {
    adjustSaturation(x, uniform(rng, SATURATION_LOWER, SATURATION_UPPER));
  }

  private static void randomHue(float[] x, SplittableRandom rng) {
    adjustHue(x, uniform(rng, -MAX_HUE_DELTA, MAX_HUE_DELTA));
  }

  private static void randomContrast(float[] x, SplittableRandom rng) {
    adjustContrast(x, uniform(rng, CONTRAST_LOWER, CONTRAST_UPPER));
  }

  /**
   * TF-slim {@code distort_color(image, color_ordering)} (non-fast mode) on an HWC RGB array in
   * [0, 1], in place, clipped to [0, 1] at the end.
   */
  public static void distortColor(float[] x, int colorOrdering, SplittableRandom rng) {
    switch (colorOrdering) {
      case 0:
        randomBrightness(x, rng);
        randomSaturation(x, rng);
        randomHue(x, rng);
        randomContrast(x, rng);
        break;
      case 1:
        randomSaturation(x, rng);
        randomBrightness(x, rng);
        randomContrast(x, rng);
        randomHue(x, rng);
        break;
      case 2:
        randomContrast(x, rng);
        randomHue(x, rng);
        randomBrightness(x, rng);
        randomSaturation(x, rng);
        break;
      case 3:
        randomHue(x, rng);
        randomSaturation(x, rng);
        randomContrast(x, rng);
        randomBrightness(x, rng);
        break;
      default:
        throw new IllegalArgumentException("color_ordering must be 0..3, got " + colorOrdering);
    }
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.min(1f, Math.max(0f, x[i]));
    }
  }

  /**
   * The {@code color_distort} op on a 0..255 RGB image: scales to [0, 1], picks one of slim's 4
   * orderings uniformly, distorts, clips and scales back to 0..255.
   */
  public static Image colorDistort(Image in, SplittableRandom rng) {
    if (in.channels() != 3) {
      throw new SpecNotApplicableException("color_distort needs a 3-channel RGB image, got "
          + in.channels() + " channels");
    }
    float[] src = in.data();
    float[] x = new float[src.length];
    for (int i = 0; i < src.length; i++) {
      x[i] = src[i] * (1f / 255f);
    }
    distortColor(x, rng.nextInt(4), rng);
    for (int i = 0; i < x.length; i++) {
      x[i] *= 255f;
    }
    return new Image(in.height(), in.width(), 3, x);
  }
}
