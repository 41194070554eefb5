package org.selfsup.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.ImageOps;
import org.selfsup.preprocess.Preprocessing;

class RotationTaskTest {
  private static Image photo() throws Exception {
    try (InputStream in = RotationTaskTest.class.getResourceAsStream("/photos/fruits.jpg")) {
      return Preprocessing.parse("decode|resize(48, 64)").apply(in.readAllBytes(), 0);
    }
  }

  @Test
  void fourViewsLabelledByQuarterTurnsAndEachTurnsBackToTheOriginal() throws Exception {
    Image image = photo();
    List<TaskExample> examples = new RotationTask().examples(image, 7, new SplittableRandom(1));
    assertEquals(4, examples.size());
    for (int k = 0; k < 4; k++) {
      TaskExample ex = examples.get(k);
      assertEquals(k, ex.label(), "label = number of quarter turns, not the dataset label");
      assertEquals(1, ex.views().length);
      Image back = ImageOps.rot90(ex.views()[0], (4 - k) % 4);
      assertArrayEquals(image.data(), back.data(), 0f, "rotated by " + k + " and back");
      if (k % 2 == 1) {
        assertEquals(image.width(), ex.views()[0].height());
      }
    }
    assertFalse(Arrays.equals(examples.get(0).views()[0].data(), examples.get(2).views()[0].data()));
  }

  @Test
  void aSingleCopyTaskTakesTheListOfOneCopyAndRefusesMore() throws Exception {
    Image image = photo();
    List<TaskExample> viaList = new RotationTask().examples(List.of(image), 7, 0, new SplittableRandom(1));
    assertEquals(4, viaList.size());
    assertArrayEquals(ImageOps.rot90(image, 1).data(), viaList.get(1).views()[0].data(), 0f);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RotationTask().examples(List.of(image, image), 7, 0, new SplittableRandom(1)));
    assertEquals("rotation expects one copy of each image, got 2", e.getMessage());
  }

  @Test
  void supervisedKeepsTheDatasetLabelAndNeedsAClassCount() throws Exception {
    Image image = photo();
    List<TaskExample> examples = new SupervisedTask().examples(image, 7, new SplittableRandom(1));
    assertEquals(1, examples.size());
    assertEquals(7, examples.get(0).label());
    assertEquals(10, new SupervisedTask().numOutputs(10));
    assertThrows(IllegalArgumentException.class, () -> new SupervisedTask().numOutputs(-1));
  }

  @Test
  void theRegistryNamesTheValidTasks() {
    assertEquals("rotation", Tasks.forName("rotation").name());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tasks.forName("jigsw"));
    assertTrue(e.getMessage().contains("'jigsw'") && e.getMessage().contains("rotation, supervised"), e.getMessage());
    assertEquals(e.getMessage(), assertThrows(IllegalArgumentException.class, () -> Tasks.checkName("jigsw")).getMessage());
    for (String name : Tasks.names()) {
      Tasks.checkName(name);
    }
  }

  @Test
  void rotationTrainSpecIsTheMethodSpecsAtTheGivenSize() {
    Preprocessing spec = Preprocessing.parse(new RotationTask().trainSpec(32));
    assertEquals("decode|inception_crop(32)|flip_lr|color_distort|value_range(-1,1)", spec.spec());
    byte[] png = ImageCodec.encodePng(new Image(28, 28, 1, new float[28 * 28]));
    Image out = spec.apply(png, 3);
    assertEquals(32, out.height());
    assertEquals(3, out.channels());
  }
}
