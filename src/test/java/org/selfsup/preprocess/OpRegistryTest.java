package org.selfsup.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OpRegistryTest {

  private static String error(String spec) {
    return assertThrows(IllegalArgumentException.class, () -> Preprocessing.parse(spec))
        .getMessage();
  }

  @Test
  void knowsTheDocumentedOps() {
    List<String> expected = Arrays.asList("central_crop", "central_patch_grid", "color_distort", "decode",
        "flip_lr", "grayscale", "inception_crop", "patch_grid", "random_crop", "resize", "resize_small", "rotate",
        "standardize", "standardize_patches", "value_range");
    assertEquals(expected, List.copyOf(OpRegistry.names()));
  }

  @Test
  void fullRealisticSpecsParse() {
    Preprocessing pp = Preprocessing.parse(
        "decode|inception_crop(224)|flip_lr|color_distort|value_range(-1,1)");
    assertTrue(pp.startsWithDecode());
    assertEquals("decode|inception_crop(224)|flip_lr|color_distort|value_range(-1,1)", pp.spec());
    Preprocessing spaced = Preprocessing.parse(
        " decode(3) | resize_small( 256 ) |central_crop(224,224)| grayscale(0.5) |"
            + " value_range(-1.5, +1.5e0, 0, 255.0) | rotate(-1) | random_crop(200, 100) "
            + "| inception_crop(64, .08, 1) | flip_lr(0.25) | standardize | resize(32, 48)");
    assertTrue(spaced.startsWithDecode());
    Image out = spaced.apply(TestImages.randomImage(new SplittableRandom(1), 300, 260, 3), 7L);
    assertEquals(32, out.height());
    assertEquals(48, out.width());
    assertFalse(Preprocessing.parse("resize(8)|flip_lr").startsWithDecode());
  }

  @Test
  void unknownOpNamesTheOpAndListsKnownOps() {
    String msg = error("decode|fliplr");
    assertTrue(msg.startsWith("unknown preprocessing op 'fliplr' in spec 'decode|fliplr'; known"
        + " ops: central_crop, central_patch_grid, color_distort, decode,"), msg);
    assertTrue(msg.contains("flip_lr") && msg.contains("value_range"), msg);
    assertFalse(msg.contains("\n"));
  }

  @Test
  void badArgumentsNameTheOpAndWhatItExpects() {
    String msg = error("decode|resize(a)");
    assertEquals("op 'resize' expects 1 or 2 integer arguments, got '(a)' in spec"
        + " 'decode|resize(a)'", msg);
    assertTrue(error("resize(1,2,3)").startsWith("op 'resize' expects 1 or 2 integer"));
    assertTrue(error("resize").contains("got no arguments"));
    assertTrue(error("rotate(1.5)").contains("not an integer"));
    assertTrue(error("inception_crop(224, 0.5)").startsWith("op 'inception_crop' expects"));
    assertTrue(error("inception_crop(224, 0.5, 0.2)").contains("min_area <= max_area"));
    assertTrue(error("flip_lr(2)").contains("probability must be in [0, 1]"));
    assertTrue(error("standardize(1)").startsWith("op 'standardize' expects no arguments"));
    assertTrue(error("value_range(1)").startsWith("op 'value_range' expects 2 or 4 numbers"));
    assertTrue(error("value_range(0,1,5,5)").contains("must differ"));
    assertTrue(error("decode(2)").startsWith("op 'decode' expects"));
    assertTrue(error("resize(0)").contains("positive"));
    assertTrue(error("resize(1e400)").startsWith("op 'resize'"));
    assertTrue(error("resize(NaN)").contains("got '(NaN)'"));
    assertTrue(error("resize(3,)").contains("got '(3,)'"));
  }

  @Test
  void emptyAndMalformedSpecs() {
    assertTrue(error("").startsWith("empty preprocessing spec"));
    assertTrue(error("   ").startsWith("empty preprocessing spec"));
    assertThrows(IllegalArgumentException.class, () -> Preprocessing.parse(null));
    assertEquals("empty op at position 2 in spec 'decode||resize(3)'", error("decode||resize(3)"));
    assertTrue(error("decode|").startsWith("empty op at position 2"));
    assertTrue(error("resize(3").startsWith("malformed op 'resize(3'"));
    assertTrue(error("resize 3").startsWith("malformed op"));
    assertEquals("op 'decode' must come first in spec 'resize(3)|decode'",
        error("resize(3)|decode"));
  }

  @Test
  void createSingleOp() {
    Image img = TestImages.of(4, 6, 1, (y, x, c) -> x);
    Image out = OpRegistry.create("central_crop(2)").apply(img, new SplittableRandom(0));
    assertEquals(2, out.height());
    assertEquals(2, out.width());
    assertEquals(2f, out.get(0, 0, 0));
  }
}
