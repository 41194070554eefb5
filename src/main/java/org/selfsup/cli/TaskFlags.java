package org.selfsup.cli;

import org.selfsup.tasks.TaskOptions;
import picocli.CommandLine.Option;

/** The task knobs shared by pretrain and inspect --task. */
final class TaskFlags {
  @Option(names = "--embed_dim", defaultValue = "1000",
      description = "Patch tasks: the vector of each patch; exemplar: the embedding (default: ${DEFAULT-VALUE}).")
  int embedDim;

  @Option(names = "--head_hidden", defaultValue = "4096",
      description = "Patch tasks: units of the layer after the concatenated patch vectors (default: ${DEFAULT-VALUE}).")
  int headHidden;

  @Option(names = "--permutations_path",
      description = "Jigsaw: a permutation file in the original's format (e.g. permutations_100_max.bin); default: generated.")
  String permutationsPath;

  @Option(names = "--num_permutations", defaultValue = "100",
      description = "Jigsaw: size of the generated permutation set (default: ${DEFAULT-VALUE}).")
  int numPermutations;

  @Option(names = "--permutations_per_image", defaultValue = "8",
      description = "Jigsaw: random permutations (examples) per image and step (default: ${DEFAULT-VALUE}).")
  int permutationsPerImage;

  @Option(names = "--exemplar_copies", defaultValue = "8",
      description = "Exemplar: augmented copies per image, an even number (default: ${DEFAULT-VALUE}).")
  int exemplarCopies;

  @Option(names = "--triplet_margin", defaultValue = "0.5", description = "Exemplar: triplet loss margin (default: ${DEFAULT-VALUE}).")
  double tripletMargin;

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
