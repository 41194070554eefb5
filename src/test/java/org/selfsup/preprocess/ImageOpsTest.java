package org.selfsup.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Hand-computed expectations on tiny images. */
class ImageOpsTest {

  @Test
  void imageValidatesAndIndexesHwc() {
    Image img = new Image(2, 3, 2, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    assertEquals(9f, img.get(1, 1, 1)); // ((1*3)+1)*2+1
    assertEquals(4f, img.get(0, 2, 0));
    assertThrows(IllegalArgumentException.class, () -> new Image(2, 3, 2, new float[11]));
    assertThrows(IllegalArgumentException.class, () -> new Image(0, 3, 1, new float[0]));
    assertThrows(IndexOutOfBoundsException.class, () -> img.get(2, 0, 0));
  }

  @Test
  void resizeUpsamples2x2To4x4WithHalfPixelCentres() {
    // Output coordinate i maps to (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped at edges:
    // weights (1,0), (0.75,0.25), (0.25,0.75), (0,1).
    Image in = TestImages.gray(new float[][] {{0, 4}, {8, 12}});
    Image out = ImageOps.resize(in, 4, 4);
    assertEquals(4, out.height());
    assertEquals(4, out.width());
    assertArrayEquals(new float[] {
        0, 1, 3, 4,
        2, 3, 5, 6,
        6, 7, 9, 10,
        8, 9, 11, 12}, out.data(), 1e-5f);
  }

  @Test
  void resizeDownsampleAveragesBlocks() {
    // 4 -> 2: coordinates (0.5, 2.5): the mean of each 2x2 block.
    Image in = TestImages.of(4, 4, 1, (y, x, c) -> 4 * y + x);
    assertArrayEquals(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, ImageOps.resize(in, 2, 2).data(),
        1e-5f);
  }

  @Test
  void resizeNonIntegerScaleAndChannels() {
    // width 2 -> 3: coordinates -1/6 (clamped to 0), 0.5, 7/6 (clamped to 1).
    Image in = TestImages.of(1, 2, 2, (y, x, c) -> c == 0 ? 3 * x : 10 - 10 * x);
    Image out = ImageOps.resize(in, 1, 3);
    assertArrayEquals(new float[] {0, 10, 1.5f, 5, 3, 0}, out.data(), 1e-5f);
  }

  @Test
  void resizeSmallKeepsAspect() {
    Image in = TestImages.of(10, 25, 3, (y, x, c) -> x);
    Image out = ImageOps.resizeSmall(in, 4);
    assertEquals(4, out.height());
    assertEquals(10, out.width()); // 25 * 4 / 10
    Image tall = ImageOps.resizeSmall(TestImages.of(13, 10, 1, (y, x, c) -> y), 4);
    assertEquals(5, tall.height()); // 13 * 4 / 10 = 5.2
    assertEquals(4, tall.width());
    Image tall2 = ImageOps.resizeSmall(TestImages.of(17, 10, 1, (y, x, c) -> y), 4);
    assertEquals(7, tall2.height()); // 17 * 4 / 10 = 6.8
  }

  @Test
  void centralCropUsesIntegerDivisionOffsets() {
    Image in = TestImages.of(5, 4, 1, (y, x, c) -> 10 * y + x);
    // offsets (5-2)/2 = 1, (4-3)/2 = 0
    assertArrayEquals(new float[] {10, 11, 12, 20, 21, 22},
        ImageOps.centralCrop(in, 2, 3).data());
    Image sq = TestImages.of(4, 4, 1, (y, x, c) -> 4 * y + x);
    // (4-3)/2 = 0: the crop sits top-left, like tf
    assertArrayEquals(new float[] {0, 1, 2, 4, 5, 6, 8, 9, 10},
        ImageOps.centralCrop(sq, 3, 3).data());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageOps.centralCrop(in, 6, 2));
    assertTrue(e.getMessage().contains("6x2") && e.getMessage().contains("5x4"), e.getMessage());
  }

  @Test
  void flipMirrorsColumnsKeepingChannelOrder() {
    Image in = TestImages.of(2, 3, 2, (y, x, c) -> 100 * y + 10 * x + c);
    Image out = ImageOps.flipLeftRight(in);
    assertArrayEquals(new float[] {20, 21, 10, 11, 0, 1, 120, 121, 110, 111, 100, 101},
        out.data());
  }

  @Test
  void rot90IsCounterClockwise() {
    Image in = TestImages.gray(new float[][] {{1, 2, 3}, {4, 5, 6}});
    Image r1 = ImageOps.rot90(in, 1);
    assertEquals(3, r1.height());
    assertEquals(2, r1.width());
    assertArrayEquals(new float[] {3, 6, 2, 5, 1, 4}, r1.data());
    assertArrayEquals(new float[] {6, 5, 4, 3, 2, 1}, ImageOps.rot90(in, 2).data());
    assertArrayEquals(new float[] {4, 1, 5, 2, 6, 3}, ImageOps.rot90(in, 3).data());
    assertArrayEquals(ImageOps.rot90(in, 3).data(), ImageOps.rot90(in, -1).data());
    assertArrayEquals(in.data(), ImageOps.rot90(in, 4).data());
  }

  @Test
  void rot90MovesWholePixels() {
    Image in = TestImages.of(1, 2, 3, (y, x, c) -> 10 * x + c);
    // 1x2 -> 2x1; the right pixel goes on top
    assertArrayEquals(new float[] {10, 11, 12, 0, 1, 2}, ImageOps.rot90(in, 1).data());
  }

  @Test
  void grayscaleIsUnweightedRgbMean() {
    Image in = new Image(1, 2, 3, new float[] {30, 60, 120, 0, 0, 255});
    assertArrayEquals(new float[] {70, 70, 70, 85, 85, 85}, ImageOps.grayscale(in).data(), 1e-4f);
    Image one = new Image(1, 2, 1, new float[] {3, 4});
    assertArrayEquals(new float[] {3, 4}, ImageOps.grayscale(one).data());
  }

  @Test
  void valueRangeMapsLinearly() {
    Image in = new Image(1, 3, 1, new float[] {0, 127.5f, 255});
    assertArrayEquals(new float[] {-1, 0, 1}, ImageOps.valueRange(in, -1, 1, 0, 255).data(),
        1e-6f);
    Image x = new Image(1, 2, 1, new float[] {5, 12});
    assertArrayEquals(new float[] {0.5f, 1.2f}, ImageOps.valueRange(x, 0, 1, 0, 10).data(), 1e-6f);
  }

  @Test
  void standardizeMatchesPerImageStandardization() {
    Image in = TestImages.gray(new float[][] {{1, 2}, {3, 4}});
    // mean 2.5, population std sqrt(1.25)
    float s = (float) Math.sqrt(1.25);
    assertArrayEquals(new float[] {-1.5f / s, -0.5f / s, 0.5f / s, 1.5f / s},
        ImageOps.standardize(in).data(), 1e-5f);
  }

  @Test
  void standardizeFloorsStddevAtOneOverSqrtN() {
    // N = 4 -> floor 0.5 > std 0.1732; mean 0.1
    Image in = TestImages.gray(new float[][] {{0, 0}, {0, 0.4f}});
    assertArrayEquals(new float[] {-0.2f, -0.2f, -0.2f, 0.6f}, ImageOps.standardize(in).data(),
        1e-6f);
    Image constant = TestImages.of(2, 2, 3, (y, x, c) -> 7f);
    for (float v : ImageOps.standardize(constant).data()) {
      assertEquals(0f, v);
    }
  }
}
