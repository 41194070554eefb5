package org.selfsup.tasks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.Serializable;

/** The knobs of the pretext tasks beyond trunk and schedule; defaults are the method spec's. */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class TaskOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Patch tasks: the per-patch vector; exemplar: the embedding the triplet loss sees. */
  public int embedDim = 1000;
  /** Patch tasks: units of the layer between the concatenated patch vectors and the output. */
  public int headHidden = 4096;
  /** Jigsaw: the original's binary permutation file; null: generate {@link #numPermutations} from {@link #permutationSeed}. */
  public String permutationsPath;
  public int numPermutations = 100;
  public long permutationSeed = 0;
  /** Jigsaw: permutations drawn (without repetition) per image and step; each is one example. */
  public int permutationsPerImage = 8;
  /** Exemplar: augmented copies per image, all in the same minibatch. */
  public int exemplarCopies = 8;
  public double tripletMargin = 0.5;

  /** What a checkpoint's network depends on, for the resume check: the part the task's registration names. */
  public String modelIdentity(String task) {
    return Tasks.find(task).map(t -> t.modelIdentity(this)).orElse("");
  }
}
