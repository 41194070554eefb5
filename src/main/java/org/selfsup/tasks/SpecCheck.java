package org.selfsup.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.runtime.UserError;

/**
 * A training spec checked before Spark starts: it parses, starts with decode, applies to an image
 * of the dataset (else to a synthetic one), and gives the task the network inputs its own spec
 * gives at the run's input size (a crop larger than the image or than the resize before it, or a
 * spec for another size, fails here and not on the first record of a running job).
 */
public final class SpecCheck {
  private SpecCheck() {}

  /** {@link #check(String, String, Task, int, byte[], String)} on a synthetic image. */
  public static void check(String flag, String spec, Task task, int inputSize) {
    check(flag, spec, task, inputSize, null, null);
  }

  /**
   * Throws a UserError naming {@code flag} unless {@code spec} works for {@code task} at
   * {@code inputSize} on {@code sample} (an encoded image of the dataset, described by
   * {@code sampleName}); with no sample, on a synthetic image larger than the input size.
   */
  public static void check(String flag, String spec, Task task, int inputSize, byte[] sample, String sampleName) {
    Preprocessing parsed;
    try {
      parsed = Preprocessing.parse(spec);
    } catch (IllegalArgumentException e) {
      throw new UserError(flag + ": " + e.getMessage(), e);
    }
    UserError.require(parsed.startsWithDecode(), flag + " must start with decode: '" + spec + "'");
    String reference = task.trainSpec(inputSize);
    if (reference.equals(spec)) {
      return;
    }
    byte[] probe = sample;
    String probeName = sampleName;
    if (probe == null) {
      // larger than the input size, so that crops of it work as they would on a real image
      int side = Math.max(256, 2 * inputSize);
      probe = ImageCodec.encodePng(synthetic(side)); // through decode, which may change the channels
      probeName = "a synthetic " + side + "x" + side + " image";
    }
    Image[] views = views(task, parsed, probe, flag + " '" + spec + "' cannot apply to " + probeName);
    Image[] expected = views(task, Preprocessing.parse(reference), probe, "the task's own spec '" + reference + "'");
    UserError.require(views.length == expected.length && sameShape(views[0], expected[0]),
        flag + " '" + spec + "' gives " + task.name() + " network inputs of " + shape(views[0])
            + (views.length == expected.length ? "" : " (" + views.length + " per example)")
            + ", but --input_size " + inputSize + " needs " + shape(expected[0])
            + (views.length == expected.length ? "" : " (" + expected.length + " per example)")
            + ", as the task's own spec gives: '" + reference + "'");
  }

  private static Image[] views(Task task, Preprocessing spec, byte[] probe, String what) {
    try {
      List<Image> copies = new ArrayList<>();
      for (int c = 0; c < task.copiesPerImage(); c++) {
        copies.add(spec.apply(probe, c));
      }
      return task.examples(copies, 0, 0, new SplittableRandom(0)).get(0).views();
    } catch (RuntimeException e) {
      throw new UserError(what + ": " + e.getMessage(), e);
    }
  }

  /** Smooth gradients in 0..255: no op sees a degenerate (constant) image. */
  private static Image synthetic(int side) {
    float[] data = new float[side * side * 3];
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        int i = (y * side + x) * 3;
        data[i] = 255f * x / side;
        data[i + 1] = 255f * y / side;
        data[i + 2] = 255f * (x + y) / (2 * side);
      }
    }
    return new Image(side, side, 3, data);
  }

  private static boolean sameShape(Image a, Image b) {
    return a.height() == b.height() && a.width() == b.width() && a.channels() == b.channels();
  }

  private static String shape(Image i) {
    return i.height() + "x" + i.width() + "x" + i.channels();
  }
}
