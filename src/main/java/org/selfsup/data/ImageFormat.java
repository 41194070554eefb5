package org.selfsup.data;

import org.selfsup.runtime.UserError;
import java.util.Locale;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;

/** How imported images are stored in the TFRecords: PNG (lossless, the default) or JPEG. */
public enum ImageFormat {
  PNG,
  JPEG;

  private static final float JPEG_QUALITY = 0.95f;

  public String slimName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public byte[] encode(Image image) {
    return this == PNG ? ImageCodec.encodePng(image) : ImageCodec.encodeJpeg(image, JPEG_QUALITY);
  }

  public static ImageFormat parse(String s) {
    for (ImageFormat f : values()) {
      if (f.slimName().equals(s.toLowerCase(Locale.ROOT)) || ("jpg".equalsIgnoreCase(s) && f == JPEG)) {
        return f;
      }
    }
    throw new UserError("unknown image format '" + s + "'; valid: png, jpeg");
  }
}
