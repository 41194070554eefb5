package org.selfsup.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.selfsup.preprocess.Image;

class ImageBatchTest {
  @Test
  void hwcPixelsLandAtTheirNchwPlaces() {
    // 2x3 image, 2 channels: value = 100*y + 10*x + c
    float[] hwc = new float[12];
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        for (int c = 0; c < 2; c++) {
          hwc[(y * 3 + x) * 2 + c] = 100 * y + 10 * x + c;
        }
      }
    }
    Image a = new Image(2, 3, 2, hwc);
    INDArray batch = ImageBatch.toNchw(List.of(a, a));
    assertArrayEquals(new long[] {2, 2, 2, 3}, batch.shape());
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        for (int c = 0; c < 2; c++) {
          assertEquals(100 * y + 10 * x + c, batch.getFloat(1, c, y, x), 0f);
        }
      }
    }
  }

  @Test
  void mixedShapesAreRefused() {
    Image a = new Image(2, 2, 1, new float[4]);
    Image b = new Image(3, 2, 1, new float[6]);
    assertThrows(IllegalArgumentException.class, () -> ImageBatch.toNchw(List.of(a, b)));
  }
}
