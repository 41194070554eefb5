package org.selfsup.preprocess;

/**
 * Thrown before any pixel is decoded when an image's header declares more pixels than the
 * limit: decoding it could exhaust the JVM's memory (a small PNG can declare 20000x20000).
 */
public class ImageTooLargeException extends ImageDecodeException {
  private static final long serialVersionUID = 1L;

  private final int width;
  private final int height;
  private final long maxPixels;

  public ImageTooLargeException(String format, int width, int height, long maxPixels) {
    super(String.format(java.util.Locale.ROOT, "%s of %dx%d = %d pixels exceeds --max_image_pixels=%d",
        format, width, height, (long) width * height, maxPixels));
    this.width = width;
    this.height = height;
    this.maxPixels = maxPixels;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public long maxPixels() {
    return maxPixels;
  }
}
