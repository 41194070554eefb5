package org.selfsup.preprocess;

import java.util.SplittableRandom;

/**
 * Inception-style random crop: the box sampler of {@code tf.image.sample_distorted_bounding_box}
 * (whole image as the only box, {@code min_object_covered=0}, as in big_vision's inception_crop),
 * then a bilinear resize to {@code size x size}.
 */
final class InceptionCrop implements ImageOp {
  private static final long serialVersionUID = 1L;
  static final float MIN_ASPECT = 3f / 4f;
  static final float MAX_ASPECT = 4f / 3f;
  static final int MAX_ATTEMPTS = 100;

  private final int size;
  private final float minArea;
  private final float maxArea;

  InceptionCrop(int size, float minArea, float maxArea) {
    if (size <= 0) {
      throw new IllegalArgumentException("inception_crop size must be positive, got " + size);
    }
    if (!(minArea > 0f && minArea <= maxArea && maxArea <= 1f)) {
      throw new IllegalArgumentException("inception_crop needs 0 < min_area <= max_area <= 1, got "
          + minArea + ", " + maxArea);
    }
    this.size = size;
    this.minArea = minArea;
    this.maxArea = maxArea;
  }

  @Override
  public Image apply(Image in, SplittableRandom rng) {
    int[] box = sampleBox(in.height(), in.width(), minArea, maxArea, rng);
    return ImageOps.resize(ImageOps.crop(in, box[0], box[1], box[2], box[3]), size, size);
  }

  /**
   * Returns {@code {top, left, height, width}}; falls back to the whole image when 100 attempts
   * fail. Mirrors TF's GenerateRandomCrop (including its {@code lrintf} rounding and offsets drawn
   * from {@code [0, H - h)}).
   */
  static int[] sampleBox(int imgH, int imgW, float minArea, float maxArea, SplittableRandom rng) {
    float minPixels = minArea * imgW * imgH;
    float maxPixels = maxArea * imgW * imgH;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      float aspect = MIN_ASPECT + (MAX_ASPECT - MIN_ASPECT) * (float) rng.nextDouble();
      int height = lrint((float) Math.sqrt(minPixels / aspect));
      int maxHeight = lrint((float) Math.sqrt(maxPixels / aspect));
      if (lrint(maxHeight * aspect) > imgW) {
        // smallest max_height with round(max_height * aspect) <= width
        final float eps = 0.0000001f;
        maxHeight = (int) ((imgW + 0.5f - eps) / aspect);
        if (lrint(maxHeight * aspect) > imgW) {
          maxHeight -= 1;
        }
      }
      if (maxHeight > imgH) {
        maxHeight = imgH;
      }
      if (height >= maxHeight) {
        height = maxHeight;
      }
      if (height < maxHeight) {
        height += rng.nextInt(maxHeight - height + 1);
      }
      int width = lrint(height * aspect);
      float area = (float) width * height;
      if (area < minPixels) {
        height += 1;
        width = lrint(height * aspect);
        area = (float) width * height;
      }
      if (area < minPixels || area > maxPixels || width > imgW || height > imgH || width <= 0
          || height <= 0) {
        continue;
      }
      int top = height < imgH ? rng.nextInt(imgH - height) : 0;
      int left = width < imgW ? rng.nextInt(imgW - width) : 0;
      return new int[] {top, left, height, width};
    }
    return new int[] {0, 0, imgH, imgW};
  }

  /** C's lrintf: round half to even. */
  private static int lrint(float v) {
    return (int) Math.rint(v);
  }
}
