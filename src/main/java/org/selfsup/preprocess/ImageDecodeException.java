package org.selfsup.preprocess;

/**
 * Thrown when encoded bytes cannot be decoded into an image. The message states only the reason
 * (callers add the file or record name).
 */
public class ImageDecodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ImageDecodeException(String message) {
    super(message);
  }

  public ImageDecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
