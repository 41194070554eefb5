package org.selfsup.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.selfsup.preprocess.Image;

/**
 * Relative patch location: for each of the 8 neighbours i of the centre patch (4) of the 3×3
 * grid, the pair (patch i, centre patch); label = i's rank among the neighbours, 0..7 for
 * patches 0, 1, 2, 3, 5, 6, 7, 8. All 8 pairs of an image are in the same minibatch.
 */
public final class RelativePatchLocationTask extends PatchTask {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "relative_patch_location";
  static final int CENTRE = 4;

  public RelativePatchLocationTask(TaskOptions options) {
    super(options);
  }

  /** The patch (row-major index in the 3×3 grid) that neighbour label {@code label} stands for. */
  public static int neighbour(int label) {
    if (label < 0 || label > 7) {
      throw new IllegalArgumentException("neighbour labels are 0..7, got " + label);
    }
    return label < CENTRE ? label : label + 1;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  int viewsPerExample() {
    return 2;
  }

  @Override
  public int examplesPerImage() {
    return 8;
  }

  @Override
  public int numOutputs(int datasetClasses) {
    return 8;
  }

  @Override
  List<TaskExample> examples(List<Image> patches, SplittableRandom rng) {
    List<TaskExample> out = new ArrayList<>(8);
    for (int label = 0; label < 8; label++) {
      out.add(new TaskExample(label, patches.get(neighbour(label)), patches.get(CENTRE)));
    }
    return out;
  }
}
