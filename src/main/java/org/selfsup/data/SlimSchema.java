package org.selfsup.data;

import com.google.protobuf.ByteString;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.tensorflow.example.BytesList;
import org.tensorflow.example.Example;
import org.tensorflow.example.Feature;
import org.tensorflow.example.Features;
import org.tensorflow.example.Int64List;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The columns of a dataset DataFrame, and the mapping between a row and a TF-slim
 * {@code tf.train.Example} (the format of slim's {@code build_imagenet_data.py}).
 *
 * <p>{@code image} and {@code label} are required; {@code format}, {@code height}, {@code width},
 * {@code text}, {@code filename} are null when absent; {@code file} and {@code record} say where a
 * row came from. Other Example keys (bounding boxes, synset, colorspace, ...) are ignored.
 */
public final class SlimSchema {
  private SlimSchema() {
  }

  // column names
  public static final String IMAGE = "image";
  public static final String LABEL = "label";
  public static final String FORMAT = "format";
  public static final String HEIGHT = "height";
  public static final String WIDTH = "width";
  public static final String TEXT = "text";
  public static final String FILENAME = "filename";
  public static final String FILE = "file";
  public static final String RECORD = "record";

  // Example keys
  public static final String KEY_IMAGE = "image/encoded";
  public static final String KEY_LABEL = "image/class/label";
  public static final String KEY_FORMAT = "image/format";
  public static final String KEY_HEIGHT = "image/height";
  public static final String KEY_WIDTH = "image/width";
  public static final String KEY_TEXT = "image/class/text";
  public static final String KEY_FILENAME = "image/filename";

  private static final StructType SCHEMA = new StructType(new StructField[]{
      DataTypes.createStructField(IMAGE, DataTypes.BinaryType, false),
      DataTypes.createStructField(LABEL, DataTypes.IntegerType, false),
      DataTypes.createStructField(FORMAT, DataTypes.StringType, true),
      DataTypes.createStructField(HEIGHT, DataTypes.IntegerType, true),
      DataTypes.createStructField(WIDTH, DataTypes.IntegerType, true),
      DataTypes.createStructField(TEXT, DataTypes.StringType, true),
      DataTypes.createStructField(FILENAME, DataTypes.StringType, true),
      DataTypes.createStructField(FILE, DataTypes.StringType, false),
      DataTypes.createStructField(RECORD, DataTypes.LongType, false),
  });

  /** image, label, format, height, width, text, filename, file, record (in that order). */
  public static StructType schema() {
    return SCHEMA;
  }

  private static final StructType WRITE_SCHEMA = new StructType(java.util.Arrays.copyOfRange(SCHEMA.fields(), 0, 7));

  /** The columns a writer needs: {@link #schema()} without the provenance columns file and record. */
  public static StructType writeSchema() {
    return WRITE_SCHEMA;
  }

  /** A row of {@link #writeSchema()}; label is 0-based. */
  public static Row writeRow(byte[] image, int label, String format, Integer height, Integer width, String text,
      String filename) {
    return org.apache.spark.sql.RowFactory.create(image, label, format, height, width, text, filename);
  }

  /**
   * One row of {@link #schema()} from an Example.
   *
   * @param labelOffset subtracted from {@code image/class/label} (1 for slim's 1-based ImageNet)
   * @throws BadRecordException kind MISSING_KEY when image/encoded or image/class/label is absent or
   *                            empty, WRONG_TYPE when a known key holds the wrong list type or
   *                            the label / height / width does not fit an int
   */
  public static Row toRow(Example ex, String file, long record, int labelOffset) {
    Map<String, Feature> f = ex.getFeatures().getFeatureMap();
    ByteString image = requiredBytes(f, KEY_IMAGE, file, record);
    long rawLabel = requiredInt64(f, KEY_LABEL, file, record);
    long label = rawLabel - labelOffset;
    if (label < Integer.MIN_VALUE || label > Integer.MAX_VALUE) {
      throw BadRecordException.wrongType(file, record, KEY_LABEL, "int64 value " + rawLabel,
          "a value that fits an int after subtracting the label offset " + labelOffset);
    }
    return RowFactory.create(
        image.toByteArray(),
        (int) label,
        optionalString(f, KEY_FORMAT, file, record),
        optionalInt(f, KEY_HEIGHT, file, record),
        optionalInt(f, KEY_WIDTH, file, record),
        optionalString(f, KEY_TEXT, file, record),
        optionalString(f, KEY_FILENAME, file, record),
        file,
        record);
  }

  /**
   * The Example for a row: {@code label + labelOffset} as image/class/label, image as
   * image/encoded, and format / height / width / text / filename only when the row has that
   * column and it is non-null. Columns are looked up by name, so any row with at least
   * {@code image} and {@code label} works.
   *
   * @throws IllegalArgumentException when the row has no (or a null) image or label
   */
  public static Example toExample(Row row, int labelOffset) {
    StructType s = row.schema();
    if (s == null) {
      throw new IllegalArgumentException("row has no schema; cannot find columns by name");
    }
    byte[] image = (byte[]) get(row, s, IMAGE);
    Object label = get(row, s, LABEL);
    if (image == null) {
      throw new IllegalArgumentException("row has no '" + IMAGE + "' (or it is null): " + describe(row, s));
    }
    if (label == null) {
      throw new IllegalArgumentException("row has no '" + LABEL + "' (or it is null): " + describe(row, s));
    }
    Features.Builder fb = Features.newBuilder();
    fb.putFeature(KEY_IMAGE, bytesFeature(ByteString.copyFrom(image)));
    fb.putFeature(KEY_LABEL, int64Feature(((Number) label).longValue() + labelOffset));
    putString(fb, KEY_FORMAT, get(row, s, FORMAT));
    putInt(fb, KEY_HEIGHT, get(row, s, HEIGHT));
    putInt(fb, KEY_WIDTH, get(row, s, WIDTH));
    putString(fb, KEY_TEXT, get(row, s, TEXT));
    putString(fb, KEY_FILENAME, get(row, s, FILENAME));
    return Example.newBuilder().setFeatures(fb).build();
  }

  // ---------------------------------------------------------------------------------------

  private static Object get(Row row, StructType s, String column) {
    int i = indexOf(s, column);
    return i < 0 || row.isNullAt(i) ? null : row.get(i);
  }

  private static int indexOf(StructType s, String column) {
    String[] names = s.fieldNames();
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(column)) {
        return i;
      }
    }
    return -1;
  }

  private static String describe(Row row, StructType s) {
    Object file = get(row, s, FILE);
    Object record = get(row, s, RECORD);
    return file == null ? "columns " + String.join(",", s.fieldNames())
        : "record " + record + " of " + file;
  }

  private static void putString(Features.Builder fb, String key, Object v) {
    if (v != null) {
      fb.putFeature(key, bytesFeature(ByteString.copyFrom(v.toString(), StandardCharsets.UTF_8)));
    }
  }

  private static void putInt(Features.Builder fb, String key, Object v) {
    if (v != null) {
      fb.putFeature(key, int64Feature(((Number) v).longValue()));
    }
  }

  static Feature bytesFeature(ByteString b) {
    return Feature.newBuilder().setBytesList(BytesList.newBuilder().addValue(b)).build();
  }

  static Feature int64Feature(long v) {
    return Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(v)).build();
  }

  private static String typeOf(Feature f) {
    switch (f.getKindCase()) {
      case BYTES_LIST: return "bytes_list";
      case FLOAT_LIST: return "float_list";
      case INT64_LIST: return "int64_list";
      default: return "none (empty Feature)";
    }
  }

  private static ByteString requiredBytes(Map<String, Feature> m, String key, String file, long record) {
    Feature f = m.get(key);
    if (f == null) {
      throw BadRecordException.missingKey(file, record, key);
    }
    if (f.getKindCase() != Feature.KindCase.BYTES_LIST) {
      if (f.getKindCase() == Feature.KindCase.KIND_NOT_SET) {
        throw BadRecordException.emptyKey(file, record, key);
      }
      throw BadRecordException.wrongType(file, record, key, typeOf(f), "bytes_list");
    }
    if (f.getBytesList().getValueCount() == 0) {
      throw BadRecordException.emptyKey(file, record, key);
    }
    return f.getBytesList().getValue(0);
  }

  private static long requiredInt64(Map<String, Feature> m, String key, String file, long record) {
    Feature f = m.get(key);
    if (f == null) {
      throw BadRecordException.missingKey(file, record, key);
    }
    if (f.getKindCase() != Feature.KindCase.INT64_LIST) {
      if (f.getKindCase() == Feature.KindCase.KIND_NOT_SET) {
        throw BadRecordException.emptyKey(file, record, key);
      }
      throw BadRecordException.wrongType(file, record, key, typeOf(f), "int64_list");
    }
    if (f.getInt64List().getValueCount() == 0) {
      throw BadRecordException.emptyKey(file, record, key);
    }
    return f.getInt64List().getValue(0);
  }

  private static String optionalString(Map<String, Feature> m, String key, String file, long record) {
    Feature f = m.get(key);
    if (f == null || f.getKindCase() == Feature.KindCase.KIND_NOT_SET) {
      return null;
    }
    if (f.getKindCase() != Feature.KindCase.BYTES_LIST) {
      throw BadRecordException.wrongType(file, record, key, typeOf(f), "bytes_list");
    }
    return f.getBytesList().getValueCount() == 0 ? null
        : f.getBytesList().getValue(0).toString(StandardCharsets.UTF_8);
  }

  private static Integer optionalInt(Map<String, Feature> m, String key, String file, long record) {
    Feature f = m.get(key);
    if (f == null || f.getKindCase() == Feature.KindCase.KIND_NOT_SET) {
      return null;
    }
    if (f.getKindCase() != Feature.KindCase.INT64_LIST) {
      throw BadRecordException.wrongType(file, record, key, typeOf(f), "int64_list");
    }
    if (f.getInt64List().getValueCount() == 0) {
      return null;
    }
    long v = f.getInt64List().getValue(0);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw BadRecordException.wrongType(file, record, key, "int64 value " + v, "a value that fits an int");
    }
    return (int) v;
  }
}
