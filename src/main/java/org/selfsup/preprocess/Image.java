package org.selfsup.preprocess;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A float image in HWC order (row-major, channel last; RGB for 3 channels).
 *
 * <p>Right after {@link ImageCodec#decode} values are integers in 0..255; ops may change the range.
 * {@link #data()} returns the backing array itself (no copy): ops never modify their input, they
 * allocate a new array, so an {@code Image} is effectively immutable as long as callers do not
 * write into {@code data()}.
 */
public final class Image implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int height;
  private final int width;
  private final int channels;
  private final float[] data;

  public Image(int height, int width, int channels, float[] data) {
    if (height <= 0 || width <= 0 || channels <= 0) {
      throw new IllegalArgumentException(
          "image dimensions must be positive, got " + height + "x" + width + "x" + channels);
    }
    if (data == null) {
      throw new IllegalArgumentException("image data is null");
    }
    long expected = (long) height * width * channels;
    if (data.length != expected) {
      throw new IllegalArgumentException("image data has " + data.length + " values, expected "
          + height + "*" + width + "*" + channels + " = " + expected);
    }
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.data = data;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int channels() {
    return channels;
  }

  /** The backing HWC array (not a copy). */
  public float[] data() {
    return data;
  }

  /** Value at row {@code y}, column {@code x}, channel {@code c}. */
  public float get(int y, int x, int c) {
    if (y < 0 || y >= height || x < 0 || x >= width || c < 0 || c >= channels) {
      throw new IndexOutOfBoundsException("(" + y + ", " + x + ", " + c + ") outside "
          + height + "x" + width + "x" + channels);
    }
    return data[(y * width + x) * channels + c];
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Image)) {
      return false;
    }
    Image other = (Image) o;
    return height == other.height && width == other.width && channels == other.channels
        && Arrays.equals(data, other.data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * height + width) + channels) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Image[" + height + "x" + width + "x" + channels + "]";
  }
}
