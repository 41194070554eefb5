package org.selfsup.data;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.tensorflow.example.Example;
import org.tensorflow.example.Feature;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlimSchemaTest {

  @Test
  void schemaColumnsInOrder() {
    assertEquals(Arrays.asList("image", "label", "format", "height", "width", "text", "filename", "file", "record"),
        Arrays.asList(SlimSchema.schema().fieldNames()));
    assertEquals(DataTypes.BinaryType, SlimSchema.schema().apply("image").dataType());
    assertEquals(DataTypes.LongType, SlimSchema.schema().apply("record").dataType());
    assertFalse(SlimSchema.schema().apply("label").nullable());
    assertTrue(SlimSchema.schema().apply("text").nullable());
  }

  @Test
  void fullExampleToRowSubtractsOffset() {
    Row r = SlimSchema.toRow(TestData.slimExample(12), "file:/d/train-00000-of-00001", 7, 1);
    assertArrayEquals(TestData.png(12), (byte[]) r.get(0));
    assertEquals(2, r.getInt(1)); // stored 3
    assertEquals("PNG", r.getString(2));
    assertEquals(3, r.getInt(3));
    assertEquals(4, r.getInt(4));
    assertEquals("class 3", r.getString(5));
    assertEquals("img_12.png", r.getString(6));
    assertEquals("file:/d/train-00000-of-00001", r.getString(7));
    assertEquals(7L, r.getLong(8));
    assertEquals(3, SlimSchema.toRow(TestData.slimExample(12), "f", 0, 0).getInt(1));
  }

  @Test
  void optionalKeysAbsentGiveNulls() {
    Example ex = Example.newBuilder().setFeatures(org.tensorflow.example.Features.newBuilder()
        .putFeature("image/encoded", TestData.bytes(new byte[]{1, 2}))
        .putFeature("image/class/label", TestData.int64(1))).build();
    Row r = SlimSchema.toRow(ex, "f", 0, 1);
    assertEquals(0, r.getInt(1));
    for (int i = 2; i <= 6; i++) {
      assertTrue(r.isNullAt(i), "column " + i);
    }
  }

  @Test
  void missingImageNamesKeyFileAndRecord() {
    Example ex = Example.newBuilder().setFeatures(TestData.slimFeatures(0).removeFeature("image/encoded")).build();
    BadRecordException e = assertThrows(BadRecordException.class, () -> SlimSchema.toRow(ex, "file:/x/s", 5, 1));
    assertEquals("record 5 in file:/x/s has no 'image/encoded'", e.getMessage());
    assertEquals(BadRecordKind.MISSING_KEY, e.kind());
    assertEquals("image/encoded", e.key());
    assertEquals(5, e.record());
    assertEquals("file:/x/s", e.file());
  }

  @Test
  void labelOfWrongTypeIsNamed() {
    Example ex = Example.newBuilder().setFeatures(TestData.slimFeatures(0)
        .putFeature("image/class/label", TestData.bytes("3"))).build();
    BadRecordException e = assertThrows(BadRecordException.class, () -> SlimSchema.toRow(ex, "f", 2, 1));
    assertEquals(BadRecordKind.WRONG_TYPE, e.kind());
    assertEquals("record 2 in f has 'image/class/label' of type bytes_list, expected int64_list", e.getMessage());
    Example empty = Example.newBuilder().setFeatures(TestData.slimFeatures(0)
        .putFeature("image/class/label", Feature.newBuilder().setInt64List(
            org.tensorflow.example.Int64List.newBuilder()).build())).build();
    BadRecordException e2 = assertThrows(BadRecordException.class, () -> SlimSchema.toRow(empty, "f", 2, 1));
    assertEquals(BadRecordKind.MISSING_KEY, e2.kind());
    assertTrue(e2.getMessage().contains("empty 'image/class/label'"), e2.getMessage());
  }

  @Test
  void toExampleWritesOffsetLabelAndOnlyNonNullKeys() {
    StructType s = new StructType()
        .add("label", DataTypes.IntegerType)
        .add("image", DataTypes.BinaryType)
        .add("text", DataTypes.StringType)
        .add("height", DataTypes.IntegerType);
    Row row = new GenericRowWithSchema(new Object[]{4, new byte[]{9, 8}, null, 32}, s);
    Example ex = SlimSchema.toExample(row, 1);
    Map<String, Feature> f = ex.getFeatures().getFeatureMap();
    assertEquals(5L, f.get("image/class/label").getInt64List().getValue(0));
    assertArrayEquals(new byte[]{9, 8}, f.get("image/encoded").getBytesList().getValue(0).toByteArray());
    assertEquals(32L, f.get("image/height").getInt64List().getValue(0));
    assertEquals(3, f.size(), f.keySet().toString());
    assertNull(f.get("image/class/text"));
    // and back
    Row back = SlimSchema.toRow(ex, "f", 0, 1);
    assertEquals(4, back.getInt(1));
    assertEquals(32, back.getInt(3));
    assertTrue(back.isNullAt(4));
  }

  @Test
  void toExampleRoundTripsAFullRow() {
    Row r = SlimSchema.toRow(TestData.slimExample(5), "f", 0, 1);
    Row withSchema = new GenericRowWithSchema(toArray(r), SlimSchema.schema());
    Example ex = SlimSchema.toExample(withSchema, 1);
    Row again = SlimSchema.toRow(ex, "f", 0, 1);
    assertEquals(r.getInt(1), again.getInt(1));
    assertArrayEquals((byte[]) r.get(0), (byte[]) again.get(0));
    for (int i = 2; i <= 6; i++) {
      assertEquals(r.get(i), again.get(i));
    }
  }

  @Test
  void toExampleRejectsRowWithoutImageOrLabel() {
    StructType s = new StructType().add("label", DataTypes.IntegerType);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SlimSchema.toExample(new GenericRowWithSchema(new Object[]{1}, s), 1));
    assertTrue(e.getMessage().contains("'image'"), e.getMessage());
    StructType s2 = new StructType().add("image", DataTypes.BinaryType).add("label", DataTypes.IntegerType);
    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
        () -> SlimSchema.toExample(new GenericRowWithSchema(new Object[]{new byte[1], null}, s2), 1));
    assertTrue(e2.getMessage().contains("'label'"), e2.getMessage());
  }

  private static Object[] toArray(Row r) {
    Object[] a = new Object[r.length()];
    for (int i = 0; i < a.length; i++) {
      a[i] = r.get(i);
    }
    return a;
  }
}
