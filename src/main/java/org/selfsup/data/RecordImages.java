package org.selfsup.data;

import org.apache.spark.sql.Row;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageDecodeException;
import org.selfsup.preprocess.Preprocessing;

/**
 * Runs a preprocessing spec on one dataset row, with a per-record seed (so a run is
 * repeatable however the data is partitioned) and errors that name the file and record.
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

  public static Image apply(Preprocessing spec, Row row, long runSeed) {
    String file = row.getAs(SlimSchema.FILE);
    long record = row.<Long>getAs(SlimSchema.RECORD);
    try {
      return spec.apply((byte[]) row.getAs(SlimSchema.IMAGE), seed(runSeed, file, record));
    } catch (ImageDecodeException | IllegalArgumentException e) {
      throw BadRecordException.undecodableImage(file, record, e.getMessage());
    }
  }
}
