package org.selfsup.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InceptionCropTest {

  private static void checkBoxes(int h, int w, float minArea, float maxArea, int n,
      SplittableRandom rng, double[] areaStats) {
    for (int t = 0; t < n; t++) {
      int[] box = InceptionCrop.sampleBox(h, w, minArea, maxArea, rng);
      int top = box[0];
      int left = box[1];
      int bh = box[2];
      int bw = box[3];
      assertTrue(top >= 0 && left >= 0 && bh > 0 && bw > 0 && top + bh <= h && left + bw <= w,
          "box outside " + h + "x" + w);
      if (bh == h && bw == w && top == 0 && left == 0) {
        continue; // whole image: either sampled or the fallback
      }
      double area = (double) bh * bw / ((double) h * w);
      assertTrue(area >= minArea - 1e-6 && area <= maxArea + 1e-6,
          "area " + area + " for " + h + "x" + w);
      // width = rint(height * aspect): the ratio is within 0.5 / height of [3/4, 4/3]
      double aspect = (double) bw / bh;
      double slack = 0.5 / bh + 1e-6;
      assertTrue(aspect >= 0.75 - slack && aspect <= 4.0 / 3.0 + slack,
          "aspect " + aspect + " for box " + bh + "x" + bw);
      areaStats[0] = Math.min(areaStats[0], area);
      areaStats[1] = Math.max(areaStats[1], area);
    }
  }

  @Test
  void sampledBoxesStayInAreaAndAspectRange() {
    SplittableRandom rng = new SplittableRandom(1);
    double[] stats = {1, 0};
    checkBoxes(480, 640, 0.05f, 1f, 3000, rng, stats);
    assertTrue(stats[0] < 0.1, "smallest area " + stats[0]);
    assertTrue(stats[1] > 0.7, "largest area " + stats[1]);
    for (int t = 0; t < 200; t++) {
      checkBoxes(1 + rng.nextInt(300), 1 + rng.nextInt(300), 0.05f, 1f, 20, rng,
          new double[2]);
    }
    double[] narrow = {1, 0};
    checkBoxes(300, 200, 0.3f, 0.5f, 2000, rng, narrow);
    assertTrue(narrow[0] >= 0.3 - 1e-6 && narrow[1] <= 0.5 + 1e-6);
  }

  @Test
  void fallsBackToWholeImageWhenNoBoxFits() {
    // A 1x100 strip: no box with aspect in [3/4, 4/3] has at least 5% of its area.
    int[] box = InceptionCrop.sampleBox(1, 100, 0.05f, 1f, new SplittableRandom(2));
    assertArrayEquals(new int[] {0, 0, 1, 100}, box);
  }

  @Test
  void outputIsAlwaysSizeBySize() {
    SplittableRandom rng = new SplittableRandom(3);
    ImageOp op = OpRegistry.create("inception_crop(16)");
    ImageOp custom = OpRegistry.create("inception_crop(9, 0.08, 0.5)");
    for (int t = 0; t < 300; t++) {
      Image img = TestImages.randomImage(rng, 40);
      Image out = op.apply(img, rng);
      assertEquals(16, out.height());
      assertEquals(16, out.width());
      assertEquals(img.channels(), out.channels());
      Image out2 = custom.apply(img, rng);
      assertEquals(9, out2.height());
      assertEquals(9, out2.width());
    }
  }

  @Test
  void boxesDependOnSeed() {
    int[] a = InceptionCrop.sampleBox(224, 224, 0.05f, 1f, new SplittableRandom(5));
    int[] b = InceptionCrop.sampleBox(224, 224, 0.05f, 1f, new SplittableRandom(5));
    int[] c = InceptionCrop.sampleBox(224, 224, 0.05f, 1f, new SplittableRandom(6));
    assertArrayEquals(a, b);
    assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
  }
}
