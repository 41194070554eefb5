package org.selfsup.eval;

import org.selfsup.runtime.UserError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.selfsup.data.SlimSchema;

/**
 * The layout of a feature DataFrame: {@code label} (int, 0-based), {@code file}, {@code record}
 * (where the image came from), then one {@code ml.linalg.Vector} column per feature set.
 */
public final class FeatureColumns {
  /** Preprocessing seed for evaluation; eval specs are deterministic, but a fixed seed keeps any random op repeatable. */
  public static final long EVAL_SEED = 0L;

  private static final Set<String> RESERVED =
      new HashSet<>(Arrays.asList(SlimSchema.LABEL, SlimSchema.FILE, SlimSchema.RECORD));

  private FeatureColumns() {}

  /** label, file, record, then the vector columns in the given order. */
  public static StructType schema(List<String> vectorColumns) {
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField(SlimSchema.LABEL, DataTypes.IntegerType, false));
    fields.add(DataTypes.createStructField(SlimSchema.FILE, DataTypes.StringType, false));
    fields.add(DataTypes.createStructField(SlimSchema.RECORD, DataTypes.LongType, false));
    Set<String> seen = new HashSet<>();
    for (String c : vectorColumns) {
      if (RESERVED.contains(c)) {
        throw new UserError("feature column name '" + c + "' clashes with a reserved column ("
            + String.join(", ", RESERVED) + ")");
      }
      if (!seen.add(c)) {
        throw new UserError("feature column '" + c + "' is requested twice");
      }
      fields.add(DataTypes.createStructField(c, SQLDataTypes.VectorType(), false));
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  static double[] toDoubles(float[] src, int offset, int length) {
    double[] out = new double[length];
    for (int i = 0; i < length; i++) {
      out[i] = src[offset + i];
    }
    return out;
  }
}
