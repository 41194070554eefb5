package org.selfsup.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PatchGridTest {
  /** A 1-channel image whose value at (y, x) is y * 1000 + x, so a crop tells where it came from. */
  private static Image coordinates(int h, int w) {
    float[] d = new float[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        d[y * w + x] = y * 1000 + x;
      }
    }
    return new Image(h, w, 1, d);
  }

  @Test
  void theMethodSpecGridOn255Pixels() {
    // 255 / 3 = 85 px cells; a 64 px patch moves by up to 21 px inside its cell.
    PatchGrid grid = new PatchGrid(3, 64);
    int[][] centred = grid.origins(255, 255, null);
    assertEquals(9, centred.length);
    // offsets (85 - 64) / 2 = 10 in each cell, row-major: cell (r, c) starts at (85r, 85c)
    int[][] expected = {{10, 10}, {10, 95}, {10, 180}, {95, 10}, {95, 95}, {95, 180}, {180, 10}, {180, 95},
        {180, 180}};
    for (int i = 0; i < 9; i++) {
      assertArrayEquals(expected[i], centred[i], "patch " + i);
    }
    SplittableRandom rng = new SplittableRandom(7);
    int minJitter = Integer.MAX_VALUE;
    int maxJitter = Integer.MIN_VALUE;
    for (int trial = 0; trial < 200; trial++) {
      int[][] o = grid.origins(255, 255, rng);
      for (int i = 0; i < 9; i++) {
        int dy = o[i][0] - (i / 3) * 85;
        int dx = o[i][1] - (i % 3) * 85;
        minJitter = Math.min(minJitter, Math.min(dy, dx));
        maxJitter = Math.max(maxJitter, Math.max(dy, dx));
      }
    }
    assertEquals(0, minJitter);
    assertEquals(21, maxJitter);
  }

  @Test
  void mosaicHoldsThePatchesRowMajor() {
    Image img = coordinates(12, 12); // cells of 4, patches of 2, centred: offset 1
    Image mosaic = new PatchGrid(3, 2).extract(img, null);
    assertEquals(6, mosaic.height());
    List<Image> tiles = PatchGrid.tiles(mosaic, 3);
    assertEquals(9, tiles.size());
    // tile 5 = cell (1, 2): rows 4..7, columns 8..11, patch at (5, 9)
    assertEquals(5 * 1000 + 9, tiles.get(5).get(0, 0, 0));
    assertEquals(6 * 1000 + 10, tiles.get(5).get(1, 1, 0));
    assertEquals(mosaic, PatchGrid.mosaic(tiles, 3));
  }

  @Test
  void tilesAreStandardisedOneByOne() {
    Image mosaic = new PatchGrid(3, 4).extract(coordinates(12, 12), null);
    Image std = PatchGrid.standardizeTiles(mosaic, 3);
    for (Image t : PatchGrid.tiles(std, 3)) {
      double sum = 0;
      double sq = 0;
      for (float v : t.data()) {
        sum += v;
        sq += v * v;
      }
      assertEquals(0, sum / 16, 1e-5);
      assertEquals(1, sq / 16, 1e-4);
    }
  }

  @Test
  void anImageSmallerThanTheGridIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Preprocessing.parse("decode|patch_grid(3,64)").apply(coordinates(28, 28), 1L));
    assertTrue(e.getMessage().contains("needs an image of at least 192x192, got 28x28"), e.getMessage());
  }

  @Test
  void specOpsCompose() {
    Image out = Preprocessing.parse("decode|resize(73)|random_crop(64)|patch_grid(3,16)|standardize_patches(3)")
        .apply(coordinates(28, 28), 3L);
    assertEquals(48, out.height());
    Image eval = Preprocessing.parse("decode|resize_small(56)|central_crop(48)|central_patch_grid(3,16)")
        .apply(coordinates(28, 28), 3L);
    assertEquals(48, eval.width());
  }
}
