package org.selfsup.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.PatchGrid;
import org.selfsup.preprocess.Preprocessing;

class PatchTasksTest {
  /** A mosaic of 9 constant 2x2 tiles: tile t holds the value t, so a view tells which patch it is. */
  private static Image numberedMosaic() {
    List<Image> tiles = new java.util.ArrayList<>();
    for (int t = 0; t < 9; t++) {
      float[] d = new float[2 * 2];
      java.util.Arrays.fill(d, t);
      tiles.add(new Image(2, 2, 1, d));
    }
    return PatchGrid.mosaic(tiles, 3);
  }

  private static int patchOf(Image view) {
    return Math.round(view.data()[0]);
  }

  @Test
  void theMethodSpecSizesAndTheFashionMnistScale() {
    PatchGeometry paper = new PatchGeometry(255);
    assertEquals(292, paper.resize);
    assertEquals(85, paper.cell);
    assertEquals(64, paper.patch);
    assertEquals("decode|resize(292)|grayscale(0.66)|random_crop(255)|patch_grid(3,64)|standardize_patches(3)",
        paper.trainSpec());
    assertEquals("decode|resize_small(224)|central_crop(192)|central_patch_grid(3,64)|standardize_patches(3)",
        paper.evalSpec());
    PatchGeometry small = new PatchGeometry(64);
    assertEquals(73, small.resize);
    assertEquals(21, small.cell);
    assertEquals(16, small.patch);
    assertEquals("decode|resize_small(56)|central_crop(48)|central_patch_grid(3,16)|standardize_patches(3)",
        small.evalSpec());
  }

  @Test
  void relativePatchLocationPairsEachNeighbourWithTheCentre() {
    List<TaskExample> ex = new RelativePatchLocationTask(new TaskOptions())
        .examples(numberedMosaic(), 3, new SplittableRandom(0));
    assertEquals(8, ex.size());
    int[] neighbourOfLabel = {0, 1, 2, 3, 5, 6, 7, 8};
    for (int label = 0; label < 8; label++) {
      assertEquals(label, ex.get(label).label());
      assertEquals(2, ex.get(label).views().length);
      assertEquals(neighbourOfLabel[label], patchOf(ex.get(label).views()[0]), "label " + label);
      assertEquals(4, patchOf(ex.get(label).views()[1]), "second view is the centre");
      assertEquals(neighbourOfLabel[label], RelativePatchLocationTask.neighbour(label));
    }
  }

  @Test
  void everyJigsawLabelMapsToItsOneArrangement() {
    TaskOptions options = new TaskOptions();
    JigsawTask task = new JigsawTask(options, JigsawPermutations.generate(100, 9, 0));
    List<Image> patches = PatchGrid.tiles(numberedMosaic(), 3);
    Set<String> arrangements = new HashSet<>();
    for (int label = 0; label < 100; label++) {
      List<Image> arranged = task.arrange(patches, label);
      int[] order = new int[9];
      for (int j = 0; j < 9; j++) {
        order[j] = patchOf(arranged.get(j));
      }
      assertArrayEquals(task.permutations().get(label), order, "position j holds patch perm[j], label " + label);
      assertTrue(arrangements.add(java.util.Arrays.toString(order)), "label " + label + " repeats an arrangement");
    }
    // 8 examples per image with distinct labels, each showing the arrangement of its label
    List<TaskExample> ex = task.examples(numberedMosaic(), 0, new SplittableRandom(5));
    assertEquals(8, ex.size());
    Set<Integer> labels = new HashSet<>();
    for (TaskExample e : ex) {
      assertTrue(labels.add(e.label()));
      int[] order = new int[9];
      for (int j = 0; j < 9; j++) {
        order[j] = patchOf(e.views()[j]);
      }
      assertArrayEquals(task.permutations().get(e.label()), order);
    }
    List<TaskExample> other = task.examples(numberedMosaic(), 0, new SplittableRandom(6));
    assertNotEquals(labels, other.stream().map(TaskExample::label).collect(java.util.stream.Collectors.toSet()));
  }

  @Test
  void jigsawRefusesASubsetLargerThanTheSet() {
    TaskOptions options = new TaskOptions();
    options.permutationsPerImage = 101;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new JigsawTask(options, JigsawPermutations.generate(100, 9, 0)));
    assertTrue(e.getMessage().contains("--permutations_per_image"), e.getMessage());
  }

  @Test
  void patchTasksCutTheirSpecsMosaicFromARealImage() throws Exception {
    byte[] jpeg;
    try (InputStream in = PatchTasksTest.class.getResourceAsStream("/photos/fruits.jpg")) {
      jpeg = in.readAllBytes();
    }
    RelativePatchLocationTask task = new RelativePatchLocationTask(new TaskOptions());
    Image mosaic = Preprocessing.parse(task.trainSpec(255)).apply(jpeg, 9);
    assertEquals(192, mosaic.height());
    List<TaskExample> ex = task.examples(mosaic, 0, new SplittableRandom(1));
    Image centre = ex.get(0).views()[1];
    assertEquals(64, centre.height());
    double sum = 0;
    for (float v : centre.data()) {
      sum += v;
    }
    assertEquals(0, sum / centre.data().length, 1e-4, "each patch is standardised on its own");
  }

  @Test
  void exemplarChecksItsFlags() {
    TaskOptions odd = new TaskOptions();
    odd.exemplarCopies = 7;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ExemplarTask(odd));
    assertTrue(e.getMessage().contains("--exemplar_copies") && e.getMessage().contains("7"), e.getMessage());
    TaskOptions small = new TaskOptions();
    small.embedDim = 16;
    ExemplarTask task = new ExemplarTask(small);
    e = assertThrows(IllegalArgumentException.class, () -> task.checkBatch(17));
    assertTrue(e.getMessage().contains("--batch_size") && e.getMessage().contains("--embed_dim"), e.getMessage());
  }

  @Test
  void exemplarCopiesShareTheirIndexInTheBatch() {
    ExemplarTask task = new ExemplarTask(new TaskOptions());
    List<Image> copies = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      copies.add(new Image(2, 2, 1, new float[] {i, i, i, i}));
    }
    List<TaskExample> ex = task.examples(copies, 3, 5, new SplittableRandom(0));
    assertEquals(8, ex.size());
    for (int i = 0; i < 8; i++) {
      assertEquals(5, ex.get(i).label(), "label = index of the image in its minibatch, not the dataset label");
      assertEquals(i, Math.round(ex.get(i).views()[0].data()[0]));
    }
  }
}
