package org.selfsup.data;

/** Why a TFRecord record could not be read. */
public enum BadRecordKind {
  /** The file ends inside a record's header, body or footer; the rest of the file is lost. */
  TRUNCATED(true),
  /** The masked CRC32C of the length header does not match; the framing is lost. */
  LENGTH_CRC(true),
  /** The compressed (gzip) stream itself is corrupt; the rest of the file is lost. */
  CORRUPT_STREAM(true),
  /** The masked CRC32C of the payload does not match; framing intact, only this record lost. */
  DATA_CRC(false),
  /** The payload is not a parseable tf.train.Example. */
  NOT_AN_EXAMPLE(false),
  /** A required key (image/encoded, image/class/label) is absent or empty. */
  MISSING_KEY(false),
  /** A known key holds the wrong list type (e.g. a bytes_list label). */
  WRONG_TYPE(false),
  /** image/encoded holds bytes that are not a decodable JPEG/PNG image (found by preprocessing). */
  UNDECODABLE_IMAGE(false),
  /** The image's header declares more pixels than --max_image_pixels (refused before decoding). */
  IMAGE_TOO_LARGE(false);

  private final boolean losesRestOfFile;

  BadRecordKind(boolean losesRestOfFile) {
    this.losesRestOfFile = losesRestOfFile;
  }

  /** True when the reader cannot find the next record after this failure. */
  public boolean losesRestOfFile() {
    return losesRestOfFile;
  }
}
