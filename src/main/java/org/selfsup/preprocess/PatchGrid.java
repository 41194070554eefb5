package org.selfsup.preprocess;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The patch pipeline's geometry: an image is split into an n×n grid of equal cells (cell side =
 * image side / n, rounded down, extra pixels at the right and bottom unused) and one p×p patch
 * is taken inside each cell, at a random offset (jitter up to cell − p) or centred. The patches
 * travel as one image, a mosaic of n×n tiles of p×p in row-major cell order, so they pass through
 * the same preprocessing spec, batching and picture dumps as whole images; {@link #tiles} splits it.
 */
public final class PatchGrid implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int cells;
  private final int patch;

  public PatchGrid(int cells, int patch) {
    if (cells < 1 || patch < 1) {
      throw new IllegalArgumentException("patch grid needs cells >= 1 and patch >= 1, got " + cells + " and " + patch);
    }
    this.cells = cells;
    this.patch = patch;
  }

  public int cells() {
    return cells;
  }

  public int patch() {
    return patch;
  }

  /** Number of patches, n². */
  public int count() {
    return cells * cells;
  }

  /** Side of the mosaic, n·p. */
  public int mosaicSize() {
    return cells * patch;
  }

  /**
   * Top-left corner {row, column} of each patch in the input, row-major cell order: cell (r, c)
   * starts at (r·cellH, c·cellW), and the patch is shifted inside it by a uniform offset in
   * [0, cell − p] (random) or by (cell − p) / 2 (centred).
   */
  public int[][] origins(int height, int width, SplittableRandom rng) {
    int cellH = height / cells;
    int cellW = width / cells;
    if (cellH < patch || cellW < patch) {
      throw new SpecNotApplicableException(String.format(
          "a %dx%d grid of %d px patches needs an image of at least %dx%d, got %dx%d",
          cells, cells, patch, cells * patch, cells * patch, height, width));
    }
    int[][] out = new int[count()][];
    for (int r = 0; r < cells; r++) {
      for (int c = 0; c < cells; c++) {
        int dy = rng == null ? (cellH - patch) / 2 : rng.nextInt(cellH - patch + 1);
        int dx = rng == null ? (cellW - patch) / 2 : rng.nextInt(cellW - patch + 1);
        out[r * cells + c] = new int[] {r * cellH + dy, c * cellW + dx};
      }
    }
    return out;
  }

  /** The mosaic of the patches at {@link #origins} (random with {@code rng}, centred without). */
  public Image extract(Image in, SplittableRandom rng) {
    int[][] at = origins(in.height(), in.width(), rng);
    List<Image> patches = new ArrayList<>(at.length);
    for (int[] o : at) {
      patches.add(ImageOps.crop(in, o[0], o[1], patch, patch));
    }
    return mosaic(patches, cells);
  }

  /** The n×n tiles of a mosaic, row-major. */
  public static List<Image> tiles(Image mosaic, int cells) {
    if (mosaic.height() % cells != 0 || mosaic.width() % cells != 0 || mosaic.height() != mosaic.width()) {
      throw new SpecNotApplicableException(String.format(
          "a %dx%d image is not a mosaic of %dx%d square tiles; the spec must end in patch_grid(%d, size)",
          mosaic.height(), mosaic.width(), cells, cells, cells));
    }
    int t = mosaic.height() / cells;
    List<Image> out = new ArrayList<>(cells * cells);
    for (int r = 0; r < cells; r++) {
      for (int c = 0; c < cells; c++) {
        out.add(ImageOps.crop(mosaic, r * t, c * t, t, t));
      }
    }
    return out;
  }

  /** Lays {@code rows}² equal square images out row-major, without gaps. */
  public static Image mosaic(List<Image> tiles, int rows) {
    if (tiles.size() != rows * rows) {
      throw new IllegalArgumentException("a " + rows + "x" + rows + " mosaic needs " + rows * rows
          + " tiles, got " + tiles.size());
    }
    Image first = tiles.get(0);
    int t = first.height();
    int ch = first.channels();
    int side = rows * t;
    float[] out = new float[side * side * ch];
    for (int i = 0; i < tiles.size(); i++) {
      Image tile = tiles.get(i);
      if (tile.height() != t || tile.width() != t || tile.channels() != ch) {
        throw new IllegalArgumentException("mosaic tiles differ in shape");
      }
      int top = (i / rows) * t;
      int left = (i % rows) * t;
      for (int y = 0; y < t; y++) {
        System.arraycopy(tile.data(), y * t * ch, out, ((top + y) * side + left) * ch, t * ch);
      }
    }
    return new Image(side, side, ch, out);
  }

  /** Each tile of an n×n mosaic standardised on its own ({@link ImageOps#standardize}). */
  public static Image standardizeTiles(Image mosaic, int cells) {
    List<Image> tiles = tiles(mosaic, cells);
    List<Image> out = new ArrayList<>(tiles.size());
    for (Image t : tiles) {
      out.add(ImageOps.standardize(t));
    }
    return mosaic(out, cells);
  }
}
