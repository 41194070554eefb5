package org.selfsup.tasks;

import java.util.List;
import java.util.SplittableRandom;
import org.selfsup.preprocess.Image;

/** A task whose examples come from one preprocessed copy of each image (all but exemplar). */
public interface SingleCopyTask extends Task {
  /** The examples for one preprocessed image with dataset label {@code label}. */
  List<TaskExample> examples(Image image, int label, SplittableRandom rng);

  @Override
  default List<TaskExample> examples(List<Image> copies, int label, int indexInBatch, SplittableRandom rng) {
    if (copies.size() != 1) {
      throw new IllegalArgumentException(name() + " expects one copy of each image, got " + copies.size());
    }
    return examples(copies.get(0), label, rng);
  }
}
