package org.selfsup.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PreprocessingTest {
  private static final String TRAIN =
      "decode|inception_crop(224)|flip_lr|color_distort|value_range(-1,1)";

  @Test
  void trainSpecOnRealPhotos() {
    Preprocessing pp = Preprocessing.parse(TRAIN);
    for (String name : TestImages.PHOTOS) {
      byte[] jpeg = TestImages.photo(name);
      for (long seed = 0; seed < 5; seed++) {
        Image out = pp.apply(jpeg, seed);
        assertEquals(224, out.height());
        assertEquals(224, out.width());
        assertEquals(3, out.channels());
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : out.data()) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        assertTrue(min >= -1f && max <= 1f, min + ".." + max);
        assertTrue(max - min > 0.3f, "flat output " + min + ".." + max);
        assertEquals(out, pp.apply(jpeg, seed));
        assertNotEquals(out, pp.apply(jpeg, seed + 1000));
      }
    }
  }

  @Test
  void evalSpecIsDeterministicAndMatchesFunctions() {
    byte[] jpeg = TestImages.photo("fruits.jpg");
    Preprocessing pp = Preprocessing.parse("decode|resize_small(256)|central_crop(224)");
    Image a = pp.apply(jpeg, 1L);
    assertEquals(a, pp.apply(jpeg, 2L));
    Image decoded = ImageCodec.decode(jpeg);
    Image expected = ImageOps.centralCrop(ImageOps.resizeSmall(decoded, 256), 224, 224);
    assertEquals(expected, a);
    // resize_small of 480x512: 256 x rint(512 * 256 / 480 = 273.07) = 273
    assertEquals(273, ImageOps.resizeSmall(decoded, 256).width());
  }

  @Test
  void applyToDecodedImageSkipsDecode() {
    byte[] jpeg = TestImages.photo("butterfly.jpg");
    Preprocessing pp = Preprocessing.parse(TRAIN);
    Image decoded = ImageCodec.decode(jpeg);
    assertEquals(pp.apply(jpeg, 42L), pp.apply(decoded, 42L));
  }

  @Test
  void decodeOneChannel() {
    Preprocessing pp = Preprocessing.parse("decode(1)|resize(20, 30)");
    Image out = pp.apply(TestImages.photo("baboon.jpg"), 0L);
    assertEquals(1, out.channels());
    assertEquals(20, out.height());
    assertEquals(30, out.width());
  }

  @Test
  void bytesNeedADecodeSpec() {
    Preprocessing pp = Preprocessing.parse("flip_lr");
    assertThrows(IllegalStateException.class, () -> pp.apply(new byte[] {1, 2}, 0L));
  }

  @Test
  void undecodableBytesPropagateDecodeException() {
    Preprocessing pp = Preprocessing.parse("decode|resize(8)");
    assertThrows(ImageDecodeException.class, () -> pp.apply(new byte[] {1, 2, 3, 4}, 0L));
  }

  @Test
  void serializationRoundTripKeepsBehaviour() throws Exception {
    Preprocessing pp = Preprocessing.parse(TRAIN);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(pp);
    }
    Preprocessing back;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (Preprocessing) in.readObject();
    }
    assertEquals(TRAIN, back.spec());
    Image img = TestImages.randomImage(new SplittableRandom(3), 40, 50, 3);
    assertEquals(pp.apply(img, 9L), back.apply(img, 9L));
  }

  @Test
  void imageIsSerializable() throws Exception {
    Image img = TestImages.randomImage(new SplittableRandom(4), 3, 5, 3);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(img);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(img, in.readObject());
    }
  }
}
