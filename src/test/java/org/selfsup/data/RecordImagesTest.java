package org.selfsup.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.junit.jupiter.api.Test;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.preprocess.SpecNotApplicableException;
import org.selfsup.runtime.UserError;
import org.tensorflow.example.Example;

/** What is a bad record (the bytes) and what is not (a spec that cannot apply), on real sample records. */
class RecordImagesTest {
  private static final String FILE = "file:/data/train-00003-of-00004";

  private static Row row(byte[] image, long record) {
    String[] names = SlimSchema.schema().fieldNames();
    Object[] values = new Object[names.length];
    values[List.of(names).indexOf(SlimSchema.IMAGE)] = image;
    values[List.of(names).indexOf(SlimSchema.LABEL)] = 3;
    values[List.of(names).indexOf(SlimSchema.FILE)] = FILE;
    values[List.of(names).indexOf(SlimSchema.RECORD)] = record;
    return new GenericRowWithSchema(values, SlimSchema.schema());
  }

  private static byte[] sampleImage() throws Exception {
    byte[] payload = BadDatasets.samplePayloads("test-00000-of-00001", 1).get(0);
    return Example.parseFrom(payload).getFeatures().getFeatureOrThrow("image/encoded").getBytesList().getValue(0)
        .toByteArray();
  }

  @Test
  void aBombIsABadRecordOfItsOwnKindNamingFileAndRecord() {
    Preprocessing spec = Preprocessing.parse("decode");
    BadRecordException e = assertThrows(BadRecordException.class,
        () -> RecordImages.apply(spec, row(BadDatasets.bombPng(20000, 20000), 7), 0L));
    assertEquals(BadRecordKind.IMAGE_TOO_LARGE, e.kind());
    assertEquals(FILE, e.file());
    assertEquals(7, e.record());
    assertEquals("record 7 in " + FILE + " has an image too large to decode (PNG of 20000x20000 = 400000000 pixels"
        + " exceeds --max_image_pixels=64000000)", e.getMessage());
    assertTrue(e instanceof UserError);
    // the message parses back to the same kind, file and record (Spark may keep only the text)
    BadRecordException parsed = BadRecordException.parse(BadRecordException.class.getName() + ": " + e.getMessage());
    assertEquals(BadRecordKind.IMAGE_TOO_LARGE, parsed.kind());
    assertEquals(7, parsed.record());
    assertEquals(FILE, parsed.file());
  }

  @Test
  void theLimitComesFromTheCaller() throws Exception {
    byte[] img = sampleImage();
    Preprocessing spec = Preprocessing.parse("decode(1)");
    assertEquals(28, RecordImages.apply(spec, row(img, 1), 0L, 784).height());
    BadRecordException e = assertThrows(BadRecordException.class, () -> RecordImages.apply(spec, row(img, 1), 0L, 783));
    assertEquals(BadRecordKind.IMAGE_TOO_LARGE, e.kind());
    assertTrue(e.getMessage().contains("28x28 = 784 pixels exceeds --max_image_pixels=783"), e.getMessage());
  }

  @Test
  void anUndecodableImageIsABadRecord() throws Exception {
    byte[] cut = java.util.Arrays.copyOf(sampleImage(), 60);
    BadRecordException e = assertThrows(BadRecordException.class,
        () -> RecordImages.apply(Preprocessing.parse("decode"), row(cut, 12), 0L));
    assertEquals(BadRecordKind.UNDECODABLE_IMAGE, e.kind());
    assertTrue(e.getMessage().startsWith("record 12 in " + FILE + " has an undecodable image (truncated or corrupt PNG"),
        e.getMessage());
  }

  @Test
  void aSpecThatCannotApplyIsAConfigurationErrorNotABadRecord() throws Exception {
    byte[] img = sampleImage();
    Image ok = RecordImages.apply(Preprocessing.parse("decode|central_crop(20)"), row(img, 4), 0L);
    assertEquals(20, ok.height());
    SpecNotApplicableException e = assertThrows(SpecNotApplicableException.class,
        () -> RecordImages.apply(Preprocessing.parse("decode|central_crop(64)"), row(img, 4), 0L));
    assertFalse(BadRecordException.class.isInstance(e));
    assertTrue(e instanceof UserError);
    assertTrue(e.getMessage().startsWith("record 4 in " + FILE + ": op 'central_crop(64)' of spec"
        + " 'decode|central_crop(64)' cannot apply to the 28x28x3 image"), e.getMessage());
  }
}
