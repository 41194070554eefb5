package org.selfsup.preprocess;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;

/** Helpers shared by the preprocess tests. */
final class TestImages {
  private TestImages() {}

  static final String[] PHOTOS = {"baboon.jpg", "fruits.jpg", "butterfly.jpg"};

  /** Image whose value at (y, x, c) is given by the function. */
  static Image of(int h, int w, int c, ValueFn fn) {
    float[] d = new float[h * w * c];
    int i = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int k = 0; k < c; k++) {
          d[i++] = fn.value(y, x, k);
        }
      }
    }
    return new Image(h, w, c, d);
  }

  interface ValueFn {
    float value(int y, int x, int c);
  }

  /** 1-channel image from rows. */
  static Image gray(float[][] rows) {
    return of(rows.length, rows[0].length, 1, (y, x, c) -> rows[y][x]);
  }

  /** Random integer-valued image 0..255. */
  static Image randomImage(SplittableRandom rng, int h, int w, int c) {
    return of(h, w, c, (y, x, k) -> rng.nextInt(256));
  }

  static Image randomImage(SplittableRandom rng, int maxSide) {
    return randomImage(rng, 1 + rng.nextInt(maxSide), 1 + rng.nextInt(maxSide),
        rng.nextBoolean() ? 3 : 1);
  }

  static byte[] photo(String name) {
    try (InputStream in = TestImages.class.getResourceAsStream("/photos/" + name)) {
      if (in == null) {
        throw new IllegalStateException("test photo missing from the classpath: " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static float[] rows(Image img, int channel) {
    float[] out = new float[img.height() * img.width()];
    for (int y = 0; y < img.height(); y++) {
      for (int x = 0; x < img.width(); x++) {
        out[y * img.width() + x] = img.get(y, x, channel);
      }
    }
    return out;
  }

  static float maxAbsDiff(Image a, Image b) {
    if (a.height() != b.height() || a.width() != b.width() || a.channels() != b.channels()) {
      throw new AssertionError(a + " vs " + b);
    }
    float m = 0f;
    for (int i = 0; i < a.data().length; i++) {
      m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
    }
    return m;
  }
}
