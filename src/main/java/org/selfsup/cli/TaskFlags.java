package org.selfsup.cli;

import org.selfsup.tasks.TaskOptions;
import picocli.CommandLine.Option;

/** The task knobs shared by pretrain and inspect --task; the defaults are {@link TaskOptions}'. */
final class TaskFlags {
  private static final TaskOptions DEFAULTS = new TaskOptions();

  @Option(names = "--embed_dim",
      description = "Patch tasks: the vector of each patch; exemplar: the embedding (default: ${DEFAULT-VALUE}).")
  int embedDim = DEFAULTS.embedDim;

  @Option(names = "--head_hidden",
      description = "Patch tasks: units of the layer after the concatenated patch vectors (default: ${DEFAULT-VALUE}).")
  int headHidden = DEFAULTS.headHidden;

  @Option(names = "--permutations_path",
      description = "Jigsaw: a permutation file in the original's format (e.g. permutations_100_max.bin); default: generated.")
  String permutationsPath = DEFAULTS.permutationsPath;

  @Option(names = "--num_permutations",
      description = "Jigsaw: size of the generated permutation set (default: ${DEFAULT-VALUE}).")
  int numPermutations = DEFAULTS.numPermutations;

  @Option(names = "--permutations_per_image",
      description = "Jigsaw: random permutations (examples) per image and step (default: ${DEFAULT-VALUE}).")
  int permutationsPerImage = DEFAULTS.permutationsPerImage;

  @Option(names = "--exemplar_copies",
      description = "Exemplar: augmented copies per image, an even number (default: ${DEFAULT-VALUE}).")
  int exemplarCopies = DEFAULTS.exemplarCopies;

  @Option(names = "--triplet_margin", description = "Exemplar: triplet loss margin, > 0 (default: ${DEFAULT-VALUE}).")
  double tripletMargin = DEFAULTS.tripletMargin;

  /** The options; the generated jigsaw set is drawn with {@code seed}. */
  TaskOptions toOptions(long seed) {
    TaskOptions o = new TaskOptions();
    o.embedDim = embedDim;
    o.headHidden = headHidden;
    o.permutationsPath = permutationsPath;
    o.numPermutations = numPermutations;
    o.permutationSeed = seed;
    o.permutationsPerImage = permutationsPerImage;
    o.exemplarCopies = exemplarCopies;
    o.tripletMargin = tripletMargin;
    return o;
  }
}
