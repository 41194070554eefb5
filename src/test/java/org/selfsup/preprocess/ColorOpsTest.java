package org.selfsup.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ColorOpsTest {

  private static float[] hsv(float r, float g, float b) {
    float[] out = new float[3];
    ColorOps.rgbToHsv(r, g, b, out);
    return out;
  }

  @Test
  void rgbToHsvOfKnownColours() {
    assertArrayEquals(new float[] {0f, 1f, 1f}, hsv(1, 0, 0), 1e-6f);
    assertArrayEquals(new float[] {1f / 3f, 1f, 1f}, hsv(0, 1, 0), 1e-6f);
    assertArrayEquals(new float[] {2f / 3f, 1f, 1f}, hsv(0, 0, 1), 1e-6f);
    assertArrayEquals(new float[] {1f / 6f, 1f, 1f}, hsv(1, 1, 0), 1e-6f);
    assertArrayEquals(new float[] {5f / 6f, 1f, 0.5f}, hsv(0.5f, 0, 0.5f), 1e-6f);
    assertArrayEquals(new float[] {0f, 0f, 0.5f}, hsv(0.5f, 0.5f, 0.5f), 1e-6f);
    // (0.8, 0.4, 0.2): v 0.8, s 0.75, h = (0.4 - 0.2) / (6 * 0.6) = 1/18
    assertArrayEquals(new float[] {1f / 18f, 0.75f, 0.8f}, hsv(0.8f, 0.4f, 0.2f), 1e-6f);
    assertArrayEquals(new float[] {0f, 0f, 0f}, hsv(0, 0, 0), 1e-6f);
  }

  @Test
  void hsvRoundTrip() {
    SplittableRandom rng = new SplittableRandom(1);
    float[] t = new float[3];
    for (int i = 0; i < 20000; i++) {
      float r = (float) rng.nextDouble();
      float g = (float) rng.nextDouble();
      float b = (float) rng.nextDouble();
      ColorOps.rgbToHsv(r, g, b, t);
      assertTrue(t[0] >= 0f && t[0] < 1f && t[1] >= 0f && t[1] <= 1f);
      ColorOps.hsvToRgb(t[0], t[1], t[2], t);
      assertArrayEquals(new float[] {r, g, b}, t, 1e-5f);
    }
  }

  @Test
  void hueShiftByAThirdTurnsRedIntoGreen() {
    float[] px = {1f, 0f, 0f, 0.2f, 0.2f, 0.2f};
    ColorOps.adjustHue(px, 1f / 3f);
    assertArrayEquals(new float[] {0f, 1f, 0f, 0.2f, 0.2f, 0.2f}, px, 1e-5f);
    float[] back = {0f, 0f, 1f};
    ColorOps.adjustHue(back, -2f / 3f); // blue - 2/3 wraps to red
    assertArrayEquals(new float[] {1f, 0f, 0f}, back, 1e-5f);
  }

  @Test
  void hueShiftOfZeroIsIdentity() {
    SplittableRandom rng = new SplittableRandom(2);
    float[] x = new float[3 * 500];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextDouble();
    }
    float[] y = x.clone();
    ColorOps.adjustHue(y, 0f);
    assertArrayEquals(x, y, 1e-5f);
  }

  @Test
  void saturationZeroGivesEqualChannelsAndOneIsIdentity() {
    SplittableRandom rng = new SplittableRandom(3);
    float[] x = new float[3 * 500];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextDouble();
    }
    float[] gray = x.clone();
    ColorOps.adjustSaturation(gray, 0f);
    for (int i = 0; i < gray.length; i += 3) {
      float v = Math.max(x[i], Math.max(x[i + 1], x[i + 2]));
      assertEquals(v, gray[i], 1e-6f); // HSV: s = 0 leaves the value (max channel)
      assertEquals(gray[i], gray[i + 1], 1e-6f);
      assertEquals(gray[i], gray[i + 2], 1e-6f);
    }
    float[] same = x.clone();
    ColorOps.adjustSaturation(same, 1f);
    assertArrayEquals(x, same, 1e-5f);
  }

  @Test
  void saturationIsClampedToOne() {
    float[] px = {0.8f, 0.4f, 0.2f}; // s = 0.75; * 2 -> clamped to 1: min channel goes to 0
    ColorOps.adjustSaturation(px, 2f);
    // h = 1/18 kept, v = 0.8: r = v, g = v * (6h) = 0.8 / 3, b = v * (1 - s) = 0
    assertArrayEquals(new float[] {0.8f, 0.8f / 3f, 0f}, px, 1e-5f);
  }

  @Test
  void contrastAndBrightnessByHand() {
    // channel means: R (0.2 + 0.6) / 2 = 0.4, G 0.5, B 0.1
    float[] x = {0.2f, 0.5f, 0f, 0.6f, 0.5f, 0.2f};
    ColorOps.adjustContrast(x, 2f);
    assertArrayEquals(new float[] {0f, 0.5f, -0.1f, 0.8f, 0.5f, 0.3f}, x, 1e-6f);
    ColorOps.adjustBrightness(x, 0.1f);
    assertArrayEquals(new float[] {0.1f, 0.6f, 0f, 0.9f, 0.6f, 0.4f}, x, 1e-6f);
  }

  @Test
  void colorDistortStaysInRangeAndVaries() {
    SplittableRandom rng = new SplittableRandom(4);
    Image img = TestImages.randomImage(rng, 16, 16, 3);
    ImageOp op = OpRegistry.create("color_distort");
    for (int t = 0; t < 200; t++) {
      Image out = op.apply(img, new SplittableRandom(t));
      assertEquals(16, out.height());
      for (float v : out.data()) {
        assertTrue(v >= 0f && v <= 255f, "value " + v);
      }
      assertEquals(out, op.apply(img, new SplittableRandom(t)));
      assertNotEquals(img, out);
    }
  }

  @Test
  void colorDistortKeepsGrayImagesGrayUpToContrast() {
    // Hue and saturation do nothing to gray pixels; brightness/contrast act equally on channels.
    Image img = TestImages.of(4, 4, 3, (y, x, c) -> 16 * (4 * y + x));
    for (int t = 0; t < 50; t++) {
      Image out = ColorOps.colorDistort(img, new SplittableRandom(t));
      for (int i = 0; i < out.data().length; i += 3) {
        assertEquals(out.data()[i], out.data()[i + 1], 1e-3f);
        assertEquals(out.data()[i], out.data()[i + 2], 1e-3f);
      }
    }
  }
}
