package org.selfsup.preprocess;

import java.util.SplittableRandom;

/** The op classes behind the registry names; one small class per op. */
final class Ops {
  private Ops() {}

  /** {@code decode} / {@code decode(c)}: handled by {@link Preprocessing}; identity on images. */
  static final class Decode implements ImageOp {
    private static final long serialVersionUID = 1L;
    final int channels;

    Decode(int channels) {
      if (channels != 1 && channels != 3) {
        throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
      }
      this.channels = channels;
    }

    Image decode(byte[] encoded) {
      return ImageCodec.decode(encoded, channels);
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return in;
    }
  }

  private static void checkSize(int h, int w) {
    if (h <= 0 || w <= 0) {
      throw new IllegalArgumentException("sizes must be positive, got " + h + "x" + w);
    }
  }

  private static void checkProbability(float p) {
    if (!(p >= 0f && p <= 1f)) {
      throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
    }
  }

  /** {@code resize(s)} / {@code resize(h, w)}: bilinear, half-pixel centres. */
  static final class Resize implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final int h;
    private final int w;

    Resize(int h, int w) {
      checkSize(h, w);
      this.h = h;
      this.w = w;
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return ImageOps.resize(in, h, w);
    }
  }

  /** {@code resize_small(s)}: shorter side to s, aspect ratio kept. */
  static final class ResizeSmall implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final int size;

    ResizeSmall(int size) {
      checkSize(size, size);
      this.size = size;
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return ImageOps.resizeSmall(in, size);
    }
  }

  /** {@code central_crop(s)} / {@code central_crop(h, w)}. */
  static final class CentralCrop implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final int h;
    private final int w;

    CentralCrop(int h, int w) {
      checkSize(h, w);
      this.h = h;
      this.w = w;
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return ImageOps.centralCrop(in, h, w);
    }
  }

  /** {@code random_crop(s)} / {@code random_crop(h, w)}: uniform offsets. */
  static final class RandomCrop implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final int h;
    private final int w;

    RandomCrop(int h, int w) {
      checkSize(h, w);
      this.h = h;
      this.w = w;
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      if (h > in.height() || w > in.width()) {
        throw new SpecNotApplicableException("random_crop(" + h + ", " + w + ") needs an image of at"
            + " least " + h + "x" + w + ", got " + in.height() + "x" + in.width());
      }
      int top = rng.nextInt(in.height() - h + 1);
      int left = rng.nextInt(in.width() - w + 1);
      return ImageOps.crop(in, top, left, h, w);
    }
  }

  /** {@code flip_lr} / {@code flip_lr(p)}: left-right flip with probability p (default 0.5). */
  static final class FlipLr implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final float p;

    FlipLr(float p) {
      checkProbability(p);
      this.p = p;
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return rng.nextDouble() < p ? ImageOps.flipLeftRight(in) : in;
    }
  }

  /** {@code grayscale} (always) / {@code grayscale(p)}: RGB mean on all channels. */
  static final class Grayscale implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final float p;

    Grayscale(float p) {
      checkProbability(p);
      this.p = p;
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      boolean apply = p >= 1f || (p > 0f && rng.nextDouble() < p);
      return apply ? ImageOps.grayscale(in) : in;
    }
  }

  /** {@code value_range(a, b)} / {@code value_range(a, b, in_min, in_max)}. */
  static final class ValueRange implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final float outMin;
    private final float outMax;
    private final float inMin;
    private final float inMax;

    ValueRange(float outMin, float outMax, float inMin, float inMax) {
      if (inMin == inMax) {
        throw new IllegalArgumentException("in_min and in_max must differ, both are " + inMin);
      }
      this.outMin = outMin;
      this.outMax = outMax;
      this.inMin = inMin;
      this.inMax = inMax;
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return ImageOps.valueRange(in, outMin, outMax, inMin, inMax);
    }
  }

  /** {@code standardize}: per-image standardisation. */
  static final class Standardize implements ImageOp {
    private static final long serialVersionUID = 1L;

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return ImageOps.standardize(in);
    }
  }

  /** {@code color_distort}: TF-slim inception distort_color, random ordering. */
  static final class ColorDistort implements ImageOp {
    private static final long serialVersionUID = 1L;

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return ColorOps.colorDistort(in, rng);
    }
  }

  /** {@code rotate(k)}: k * 90 degrees counter-clockwise. */
  static final class Rotate implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final int k;

    Rotate(int k) {
      this.k = k;
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return ImageOps.rot90(in, k);
    }
  }

  /** {@code patch_grid(n, p)}: an n×n grid of cells, a random p×p patch in each; out: the mosaic. */
  static final class RandomPatchGrid implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final PatchGrid grid;

    RandomPatchGrid(int cells, int patch) {
      this.grid = new PatchGrid(cells, patch);
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return grid.extract(in, rng);
    }
  }

  /** {@code central_patch_grid(n, p)}: as patch_grid, each patch centred in its cell. */
  static final class CentralPatchGrid implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final PatchGrid grid;

    CentralPatchGrid(int cells, int patch) {
      this.grid = new PatchGrid(cells, patch);
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return grid.extract(in, null);
    }
  }

  /** {@code standardize_patches(n)}: per-tile standardisation of an n×n mosaic. */
  static final class StandardizePatches implements ImageOp {
    private static final long serialVersionUID = 1L;
    private final int cells;

    StandardizePatches(int cells) {
      if (cells < 1) {
        throw new IllegalArgumentException("the grid needs at least 1 cell per side, got " + cells);
      }
      this.cells = cells;
    }

    @Override
    public Image apply(Image in, SplittableRandom rng) {
      return PatchGrid.standardizeTiles(in, cells);
    }
  }
}
