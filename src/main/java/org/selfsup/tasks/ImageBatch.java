package org.selfsup.tasks;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.preprocess.Image;

/** Preprocessed images (height × width × channels) → the NCHW (or NHWC) float tensors DL4J convolutions take. */
public final class ImageBatch {
  private ImageBatch() {}

  /** Writes one image into {@code dst} at {@code offset} in channel-major (CHW) order. */
  public static void copyChw(Image image, float[] dst, int offset) {
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    float[] src = image.data();
    int plane = h * w;
    for (int p = 0; p < plane; p++) {
      int s = p * c;
      for (int ch = 0; ch < c; ch++) {
        dst[offset + ch * plane + p] = src[s + ch];
      }
    }
  }

  /** [N, C, H, W]; every image must have the shape of the first. */
  public static INDArray toNchw(List<Image> images) {
    return batch(images, false);
  }

  /** [N, H, W, C] (the images' own layout); every image must have the shape of the first. */
  public static INDArray toNhwc(List<Image> images) {
    return batch(images, true);
  }

  private static INDArray batch(List<Image> images, boolean channelsLast) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    Image first = images.get(0);
    int size = first.height() * first.width() * first.channels();
    float[] data = new float[images.size() * size];
    for (int i = 0; i < images.size(); i++) {
      Image img = images.get(i);
      if (img.height() != first.height() || img.width() != first.width() || img.channels() != first.channels()) {
        throw new IllegalArgumentException(String.format(
            "batch images differ in shape: %dx%dx%d and %dx%dx%d; the spec must end in a fixed-size op",
            first.height(), first.width(), first.channels(), img.height(), img.width(), img.channels()));
      }
      if (channelsLast) {
        System.arraycopy(img.data(), 0, data, i * size, size);
      } else {
        copyChw(img, data, i * size);
      }
    }
    long[] shape = channelsLast
        ? new long[] {images.size(), first.height(), first.width(), first.channels()}
        : new long[] {images.size(), first.channels(), first.height(), first.width()};
    return Nd4j.create(data, shape, 'c');
  }
}
