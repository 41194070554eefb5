package org.selfsup.data;

import org.apache.spark.sql.Row;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.ImageDecodeException;
import org.selfsup.preprocess.ImageTooLargeException;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.preprocess.SpecNotApplicableException;

/**
 * Runs a preprocessing spec on one dataset row, with a per-record seed (so a run is
 * repeatable however the data is partitioned) and errors that name the file and record.
 *
 * <p>Only what is wrong with the record's bytes is a bad record ({@link BadRecordException},
 * which a consumer may skip): an image that does not decode, or one over the pixel limit. A spec
 * that cannot apply to the image is a configuration error ({@link SpecNotApplicableException},
 * never skipped); any other exception is a bug and passes through untouched.
 */
public final class RecordImages {
  private RecordImages() {}

  /** A seed that depends on the run seed and the record's identity (shard name + index), not its path. */
  public static long seed(long runSeed, String file, long record) {
    String shard = file == null ? "" : file.substring(file.lastIndexOf('/') + 1);
    long h = runSeed * 0x9E3779B97F4A7C15L + shard.hashCode();
    h = h * 0x9E3779B97F4A7C15L + record;
    // SplitMix64 finaliser
    h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
    h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
    return h ^ (h >>> 31);
  }

  /** {@link #apply(Preprocessing, Row, long, long)} with {@link ImageCodec#DEFAULT_MAX_PIXELS}. */
  public static Image apply(Preprocessing spec, Row row, long runSeed) {
    return apply(spec, row, runSeed, ImageCodec.DEFAULT_MAX_PIXELS);
  }

  /**
   * @throws BadRecordException         kind UNDECODABLE_IMAGE or IMAGE_TOO_LARGE (over {@code maxPixels})
   * @throws SpecNotApplicableException when an op of the spec cannot apply to this image
   */
  public static Image apply(Preprocessing spec, Row row, long runSeed, long maxPixels) {
    String file = row.getAs(SlimSchema.FILE);
    long record = row.<Long>getAs(SlimSchema.RECORD);
    try {
      return spec.apply((byte[]) row.getAs(SlimSchema.IMAGE), seed(runSeed, file, record), maxPixels);
    } catch (ImageTooLargeException e) {
      throw BadRecordException.imageTooLarge(file, record, e.getMessage());
    } catch (ImageDecodeException e) {
      throw BadRecordException.undecodableImage(file, record, e.getMessage());
    } catch (SpecNotApplicableException e) {
      throw new SpecNotApplicableException("record " + record + " in " + file + ": " + e.getMessage()
          + " (a configuration error: choose a spec that fits the dataset's images)", e);
    }
  }
}
