package org.selfsup.cli;

import java.util.Map;
import org.selfsup.tasks.TaskOptions;
import picocli.CommandLine.Option;

/**
 * The task knobs shared by pretrain and inspect --task; the defaults are {@link TaskOptions}'. The
 * help texts ({@link #DESCRIPTIONS}) say what a flag is; {@link RegistryHelp} adds which tasks read it,
 * from their registrations.
 */
final class TaskFlags {
  private static final TaskOptions DEFAULTS = new TaskOptions();

  static final Map<String, String> DESCRIPTIONS = Map.of(
      "--embed_dim", "The vector of each patch, or the embedding the loss sees (default: ${DEFAULT-VALUE}).",
      "--head_hidden", "Units of the layer after the concatenated patch vectors (default: ${DEFAULT-VALUE}).",
      "--permutations_path", "A permutation file in the original's format (e.g. permutations_100_max.bin); "
          + "default: generated.",
      "--num_permutations", "Size of the generated permutation set (default: ${DEFAULT-VALUE}).",
      "--permutations_per_image", "Random permutations (examples) per image and step (default: ${DEFAULT-VALUE}).",
      "--exemplar_copies", "Augmented copies per image, an even number (default: ${DEFAULT-VALUE}).",
      "--triplet_margin", "Triplet loss margin, > 0 (default: ${DEFAULT-VALUE}).");

  @Option(names = "--embed_dim")
  int embedDim = DEFAULTS.embedDim;

  @Option(names = "--head_hidden")
  int headHidden = DEFAULTS.headHidden;

  @Option(names = "--permutations_path")
  String permutationsPath = DEFAULTS.permutationsPath;

  @Option(names = "--num_permutations")
  int numPermutations = DEFAULTS.numPermutations;

  @Option(names = "--permutations_per_image")
  int permutationsPerImage = DEFAULTS.permutationsPerImage;

  @Option(names = "--exemplar_copies")
  int exemplarCopies = DEFAULTS.exemplarCopies;

  @Option(names = "--triplet_margin")
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
