package org.selfsup.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Properties over many random images and seeds. */
class ImagePropertiesTest {
  private static final int TRIALS = 200;

  @Test
  void flipTwiceIsIdentity() {
    SplittableRandom rng = new SplittableRandom(1);
    for (int t = 0; t < TRIALS; t++) {
      Image img = TestImages.randomImage(rng, 12);
      assertEquals(img, ImageOps.flipLeftRight(ImageOps.flipLeftRight(img)));
      if (img.width() > 1) {
        Image once = ImageOps.flipLeftRight(img);
        assertEquals(img.get(0, 0, 0), once.get(0, img.width() - 1, 0));
      }
    }
  }

  @Test
  void rotateFourTimesOrKThenFourMinusKIsIdentity() {
    SplittableRandom rng = new SplittableRandom(2);
    for (int t = 0; t < TRIALS; t++) {
      Image img = TestImages.randomImage(rng, 12);
      Image r = img;
      for (int i = 0; i < 4; i++) {
        r = ImageOps.rot90(r, 1);
      }
      assertEquals(img, r);
      int k = rng.nextInt(4);
      assertEquals(img, ImageOps.rot90(ImageOps.rot90(img, k), 4 - k));
      Image once = ImageOps.rot90(img, 1);
      assertEquals(img.height(), once.width());
      assertEquals(img.width(), once.height());
    }
  }

  @Test
  void rotateOpMatchesFunction() {
    SplittableRandom rng = new SplittableRandom(3);
    Image img = TestImages.randomImage(rng, 3, 5, 3);
    for (int k = -2; k <= 5; k++) {
      Image viaSpec = Preprocessing.parse("rotate(" + k + ")").apply(img, 0L);
      assertEquals(ImageOps.rot90(img, k), viaSpec);
    }
  }

  @Test
  void centralCropOfFullSizeIsNoOp() {
    SplittableRandom rng = new SplittableRandom(4);
    for (int t = 0; t < TRIALS; t++) {
      Image img = TestImages.randomImage(rng, 12);
      assertEquals(img, ImageOps.centralCrop(img, img.height(), img.width()));
    }
  }

  @Test
  void resizeToSameSizeIsIdentity() {
    SplittableRandom rng = new SplittableRandom(5);
    for (int t = 0; t < TRIALS; t++) {
      Image img = TestImages.randomImage(rng, 12);
      assertEquals(img, ImageOps.resize(img, img.height(), img.width()));
    }
  }

  @Test
  void resizeStaysWithinInputRangeAndKeepsConstants() {
    SplittableRandom rng = new SplittableRandom(6);
    for (int t = 0; t < TRIALS; t++) {
      Image img = TestImages.randomImage(rng, 10);
      int h = 1 + rng.nextInt(20);
      int w = 1 + rng.nextInt(20);
      Image out = ImageOps.resize(img, h, w);
      assertEquals(h, out.height());
      assertEquals(w, out.width());
      for (float v : out.data()) {
        assertTrue(v >= -1e-3f && v <= 255.001f, "value " + v);
      }
      float c = rng.nextInt(256);
      Image constant = TestImages.of(img.height(), img.width(), 3, (y, x, k) -> c);
      for (float v : ImageOps.resize(constant, h, w).data()) {
        assertEquals(c, v, 1e-3f);
      }
    }
  }

  @Test
  void randomCropIsASubImage() {
    SplittableRandom rng = new SplittableRandom(7);
    for (int t = 0; t < TRIALS; t++) {
      int h = 2 + rng.nextInt(10);
      int w = 2 + rng.nextInt(10);
      // values encode the position, so the crop offset can be read back
      Image img = TestImages.of(h, w, 1, (y, x, c) -> 100 * y + x);
      int ch = 1 + rng.nextInt(h);
      int cw = 1 + rng.nextInt(w);
      Image out = new Ops.RandomCrop(ch, cw).apply(img, new SplittableRandom(t));
      int top = (int) out.get(0, 0, 0) / 100;
      int left = (int) out.get(0, 0, 0) % 100;
      assertTrue(top + ch <= h && left + cw <= w);
      assertEquals(ImageOps.crop(img, top, left, ch, cw), out);
    }
  }

  @Test
  void randomCropCoversAllOffsets() {
    Image img = TestImages.of(4, 3, 1, (y, x, c) -> 100 * y + x);
    boolean[][] seen = new boolean[3][2];
    SplittableRandom rng = new SplittableRandom(8);
    for (int t = 0; t < 500; t++) {
      Image out = new Ops.RandomCrop(2, 2).apply(img, rng);
      seen[(int) out.get(0, 0, 0) / 100][(int) out.get(0, 0, 0) % 100] = true;
    }
    for (boolean[] row : seen) {
      for (boolean s : row) {
        assertTrue(s);
      }
    }
  }

  @Test
  void randomOpsAreReproducibleBySeed() {
    SplittableRandom rng = new SplittableRandom(9);
    Preprocessing pp = Preprocessing.parse(
        "random_crop(6)|inception_crop(5)|flip_lr|grayscale(0.5)|color_distort|value_range(-1,1)");
    int differing = 0;
    for (int t = 0; t < 50; t++) {
      Image img = TestImages.randomImage(rng, 8 + rng.nextInt(8), 8 + rng.nextInt(8), 3);
      long seed = rng.nextLong();
      Image a = pp.apply(img, seed);
      Image b = pp.apply(img, seed);
      assertEquals(a, b);
      if (!a.equals(pp.apply(img, seed + 1))) {
        differing++;
      }
    }
    assertTrue(differing >= 45, "only " + differing + " of 50 seed pairs differ");
  }

  @Test
  void flipProbabilityIsRespected() {
    Image img = TestImages.of(1, 2, 1, (y, x, c) -> x);
    ImageOp half = OpRegistry.create("flip_lr");
    ImageOp never = OpRegistry.create("flip_lr(0)");
    ImageOp always = OpRegistry.create("flip_lr(1)");
    SplittableRandom rng = new SplittableRandom(10);
    int flipped = 0;
    for (int t = 0; t < 2000; t++) {
      if (half.apply(img, rng).get(0, 0, 0) == 1f) {
        flipped++;
      }
      assertEquals(0f, never.apply(img, rng).get(0, 0, 0));
      assertEquals(1f, always.apply(img, rng).get(0, 0, 0));
    }
    assertTrue(flipped > 900 && flipped < 1100, "flipped " + flipped + " of 2000");
  }

  @Test
  void grayscaleProbability() {
    Image img = new Image(1, 1, 3, new float[] {0, 30, 60});
    ImageOp p = OpRegistry.create("grayscale(0.25)");
    SplittableRandom rng = new SplittableRandom(11);
    int gray = 0;
    for (int t = 0; t < 4000; t++) {
      Image out = p.apply(img, rng);
      if (out.get(0, 0, 0) == 30f) {
        gray++;
        assertArrayEquals(new float[] {30, 30, 30}, out.data());
      } else {
        assertEquals(img, out);
      }
    }
    assertTrue(gray > 850 && gray < 1150, "gray " + gray + " of 4000");
    assertArrayEquals(new float[] {30, 30, 30}, OpRegistry.create("grayscale").apply(img, rng)
        .data());
  }

  @Test
  void opsDoNotModifyTheirInput() {
    SplittableRandom rng = new SplittableRandom(12);
    Image img = TestImages.randomImage(rng, 9, 11, 3);
    float[] copy = img.data().clone();
    Preprocessing.parse("inception_crop(7)|flip_lr(1)|color_distort|grayscale|rotate(1)|"
        + "standardize").apply(img, 3L);
    Preprocessing.parse("resize(4,5)|central_crop(3)|value_range(0,1)").apply(img, 3L);
    assertArrayEquals(copy, img.data());
    assertFalse(img.data().length == 0);
  }
}
