package org.selfsup.tasks;

import org.selfsup.runtime.UserError;
import java.io.Serializable;
import org.selfsup.runtime.UserError;

/**
 * The sizes of the patch pipeline for a crop of {@code crop} pixels, scaled from the method
 * spec's (resize 292, crop 255, 3×3 cells of 85, patches of 64; evaluation: resize shorter side
 * 224, crop 192 = 3 × 64). At crop 255 they are exactly the spec's; at crop 64 (Fashion-MNIST,
 * upscaled from 28 px) they are 73, 21 and 16, and 56 / 48 at evaluation.
 */
public final class PatchGeometry implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final int CELLS = 3;

  public final int crop;
  public final int resize;
  public final int cell;
  public final int patch;

  public PatchGeometry(int crop) {
    if (crop < 3 * CELLS) {
      throw new UserError("--input_size " + crop + " is too small for a " + CELLS + "x" + CELLS
          + " patch grid (patch tasks: --input_size is the crop the grid is cut from, 255 in the paper)");
    }
    this.crop = crop;
    this.resize = (int) Math.round(crop * 292.0 / 255.0);
    this.cell = crop / CELLS;
    this.patch = Math.max(2, (int) Math.round(cell * 64.0 / 85.0));
  }

  /** resize → grayscale p=0.66 → random crop → random patch per cell → per-patch standardisation. */
  public String trainSpec() {
    return String.format("decode|resize(%d)|grayscale(0.66)|random_crop(%d)|patch_grid(%d,%d)|standardize_patches(%d)",
        resize, crop, CELLS, patch, CELLS);
  }

  /** resize shorter side → central crop of 3 patches → the 9 patches → per-patch standardisation. */
  public String evalSpec() {
    int evalCrop = CELLS * patch;
    int evalResize = (int) Math.round(evalCrop * 224.0 / 192.0);
    return String.format("decode|resize_small(%d)|central_crop(%d)|central_patch_grid(%d,%d)|standardize_patches(%d)",
        evalResize, evalCrop, CELLS, patch, CELLS);
  }
}
