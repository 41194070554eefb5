package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class SpatialMaxPoolTest {
  @Test
  void smallEnoughMapsKeepWindowOne() {
    assertEquals(1, SpatialMaxPool.window(4, 28, 28, 9000)); // 3136
    assertEquals(1, SpatialMaxPool.window(10, 30, 30, 9000)); // exactly 9000
  }

  @Test
  void theSmallestSufficientWindowIsChosen() {
    assertEquals(2, SpatialMaxPool.window(4, 28, 28, 1000)); // 4·14·14 = 784; window 1 gives 3136
    assertEquals(2, SpatialMaxPool.window(4, 28, 28, 784));
    assertEquals(3, SpatialMaxPool.window(4, 28, 28, 783)); // 4·10·10 = 400
    // ResNet50 block4 at 224 px (2048×7×7 = 100352): window 4 gives 2048·2·2 = 8192
    assertEquals(4, SpatialMaxPool.window(2048, 7, 7, 9000));
    // ResNet50 block3 (1024×14×14): window 3 gives 1024·5·5 = 25600, 5 gives 1024·3·3 = 9216, 7 gives 4096
    assertEquals(7, SpatialMaxPool.window(1024, 14, 14, 9000));
    assertEquals(3, SpatialMaxPool.window(1, 7, 5, 9)); // 3×2 = 6; window 2 gives 4×3 = 12
  }

  @Test
  void tooManyChannelsMeansGlobalPooling() {
    assertEquals(7, SpatialMaxPool.window(10000, 7, 5, 9000));
    assertEquals(5, SpatialMaxPool.window(9001, 1, 5, 9000));
  }

  @Test
  void nonPositiveSizesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> SpatialMaxPool.window(4, 0, 28, 9000));
    assertThrows(IllegalArgumentException.class, () -> SpatialMaxPool.window(4, 28, 28, 0));
  }

  @Test
  void poolTakesTheMaximumOfEachWindowIncludingPartialEdges() {
    // two images of two channels of 3×5; channel 1 = -(channel 0), image 1 = image 0 + 100
    float[] src = new float[2 * 30];
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 5; x++) {
        src[y * 5 + x] = 10 * y + x;
        src[15 + y * 5 + x] = -(10 * y + x);
      }
    }
    for (int i = 0; i < 30; i++) {
      src[30 + i] = src[i] + 100;
    }
    INDArray out = SpatialMaxPool.pool(Nd4j.create(src, new long[] {2, 2, 3, 5}, 'c'), 2);
    // 2×3 per channel: windows rows {0,1},{2}; columns {0,1},{2,3},{4}
    assertArrayEquals(new long[] {2, 2, 2, 3}, out.shape());
    assertArrayEquals(new float[] {
        11, 13, 14,
        21, 23, 24,
        0, -2, -4,
        -20, -22, -24,
        111, 113, 114,
        121, 123, 124,
        100, 98, 96,
        80, 78, 76}, out.dup('c').data().asFloat(), 0f);
  }

  @Test
  void aViewIsPooledAsItsValues() {
    // a [1,1,4,4] slice of a bigger array: pooled as what it shows, not as its buffer
    INDArray big = Nd4j.arange(2 * 4 * 4).castTo(DataType.FLOAT).reshape(2, 1, 4, 4);
    INDArray view = big.get(NDArrayIndex.interval(1, 2), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
    assertArrayEquals(new float[] {21, 23, 29, 31}, SpatialMaxPool.pool(view, 2).dup('c').data().asFloat(), 0f);
  }

  @Test
  void windowOneIsTheIdentityAndGlobalGivesOneValuePerChannel() {
    INDArray src = Nd4j.create(new float[] {3, -1, 4, 1, -5, 9, 2, 6}, new long[] {1, 2, 2, 2}, 'c');
    assertSame(src, SpatialMaxPool.pool(src, 1));
    assertArrayEquals(new float[] {4, 9}, SpatialMaxPool.pool(src, 2).dup('c').data().asFloat(), 0f);
  }

  @Test
  void aNanWinsItsWindowWhereverItIs() {
    // a diverged network must not look finite after pooling: NaN first, in the middle, last
    float nan = Float.NaN;
    float[] src = {nan, 1, 2, 3, /**/ 4, nan, 6, 7, /**/ 8, 9, 10, nan, /**/ 1, 2, 3, 4};
    float[] out = SpatialMaxPool.pool(Nd4j.create(src, new long[] {1, 4, 2, 2}, 'c'), 2).dup('c').data().asFloat();
    assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[1]) && Float.isNaN(out[2]), Arrays.toString(out));
    assertEquals(4f, out[3], 0f);
    assertArrayEquals(new float[] {3, 7, 9}, SpatialMaxPool.pool(Nd4j.create(
        new float[] {-1, 1, 2, 3, 4, -5, 6, 7, 8, 9, -10, 0}, new long[] {1, 3, 2, 2}, 'c'), 2).dup('c').data().asFloat(),
        0f);
  }

  @Test
  void infinitiesOfBothSignsAreNotTakenForNan() {
    float inf = Float.POSITIVE_INFINITY;
    float[] src = {inf, 1, -inf, 3, /**/ -inf, -inf, 6, 7};
    assertArrayEquals(new float[] {inf, 7}, SpatialMaxPool.pool(Nd4j.create(src, new long[] {1, 2, 2, 2}, 'c'), 2)
        .dup('c').data().asFloat(), 0f);
  }

  @Test
  void onlyBatchesOfMapsArePooled() {
    assertThrows(IllegalArgumentException.class, () -> SpatialMaxPool.pool(Nd4j.create(DataType.FLOAT, 2, 3), 2));
    assertThrows(IllegalArgumentException.class, () -> SpatialMaxPool.pool(Nd4j.create(DataType.FLOAT, 1, 1, 2, 2), 0));
  }
}
