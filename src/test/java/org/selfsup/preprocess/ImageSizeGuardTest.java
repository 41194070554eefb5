package org.selfsup.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.selfsup.data.BadDatasets;
import org.selfsup.runtime.UserError;

/** The pixel limit is checked from the header, before any pixel is decoded; specs that cannot apply are configuration errors. */
class ImageSizeGuardTest {

  @Test
  void aPngBombIsRefusedFromItsHeaderWithoutDecoding() {
    byte[] bomb = BadDatasets.bombPng(20000, 20000);
    assertTrue(bomb.length < 200_000, "the bomb is small: " + bomb.length + " bytes");
    long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    long start = System.nanoTime();
    ImageTooLargeException e = assertThrows(ImageTooLargeException.class, () -> ImageCodec.decode(bomb));
    assertTrue(System.nanoTime() - start < 5_000_000_000L, "refused without decoding 400 M pixels");
    assertEquals(20000, e.width());
    assertEquals(20000, e.height());
    assertEquals(ImageCodec.DEFAULT_MAX_PIXELS, e.maxPixels());
    assertEquals("PNG of 20000x20000 = 400000000 pixels exceeds --max_image_pixels=64000000", e.getMessage());
    long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    assertTrue(after - before < 256L << 20, "no large allocation: " + (after - before) + " bytes");
    // just over the limit is refused, and it is an ImageDecodeException (a bad record), not a UserError
    assertThrows(ImageTooLargeException.class, () -> ImageCodec.decode(bomb, 1, 400_000_000L - 1));
  }

  @Test
  void theLimitIsInclusiveForPngAndJpeg() {
    Image img = TestImages.randomImage(new SplittableRandom(3), 30, 40, 3);
    for (byte[] encoded : new byte[][] {ImageCodec.encodePng(img), ImageCodec.encodeJpeg(img, 0.9f)}) {
      ImageTooLargeException e = assertThrows(ImageTooLargeException.class, () -> ImageCodec.decode(encoded, 3, 1199));
      assertEquals(40, e.width());
      assertEquals(30, e.height());
      Image ok = ImageCodec.decode(encoded, 3, 1200);
      assertEquals(30, ok.height());
      assertEquals(40, ok.width());
    }
    assertThrows(IllegalArgumentException.class, () -> ImageCodec.decode(ImageCodec.encodePng(img), 3, 0));
  }

  @Test
  void anOpThatCannotApplyIsAConfigurationErrorNamingOpSpecAndSize() {
    Image img = TestImages.randomImage(new SplittableRandom(4), 28, 28, 1);
    Preprocessing spec = Preprocessing.parse("decode|resize(32)|central_crop(64)");
    SpecNotApplicableException e = assertThrows(SpecNotApplicableException.class,
        () -> spec.apply(ImageCodec.encodePng(img), 0L));
    assertTrue(e instanceof UserError);
    assertEquals("op 'central_crop(64)' of spec 'decode|resize(32)|central_crop(64)' cannot apply to the 32x32x3"
        + " image it gets (decoded 28x28x3): central_crop(64, 64) needs an image of at least 64x64, got 32x32",
        e.getMessage());
    Preprocessing gray = Preprocessing.parse("decode(1)|color_distort");
    SpecNotApplicableException c = assertThrows(SpecNotApplicableException.class,
        () -> gray.apply(ImageCodec.encodePng(img), 0L));
    assertTrue(c.getMessage().contains("op 'color_distort'") && c.getMessage().contains("28x28x1"), c.getMessage());
  }

  @Test
  void aBadSpecIsAUserError() {
    assertThrows(UserError.class, () -> Preprocessing.parse("decode|fliplr"));
    assertThrows(UserError.class, () -> Preprocessing.parse("resize(3)|decode"));
    assertThrows(UserError.class, () -> Preprocessing.parse("decode||resize(3)"));
    assertThrows(UserError.class, () -> Preprocessing.parse("decode|resize(-3)"));
  }
}
