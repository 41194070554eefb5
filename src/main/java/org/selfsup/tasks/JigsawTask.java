package org.selfsup.tasks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.selfsup.preprocess.Image;
import org.selfsup.runtime.CloudCredentials;
import org.selfsup.runtime.UserError;

/**
 * Jigsaw: the 9 patches shuffled by one permutation of a fixed set (100 in the paper); label =
 * the permutation's index. Position j of an example holds patch {@code permutation[j]}. Each
 * image gives {@code permutationsPerImage} examples, with distinct permutations drawn at random
 * per image and step (the original drew one subset per batch).
 */
public final class JigsawTask extends PatchTask {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "jigsaw";

  private final JigsawPermutations permutations;
  private final int perImage;
  private final String permutationsSource;
  private final String permutationsPath;

  public JigsawTask(TaskOptions options, JigsawPermutations permutations) {
    super(options);
    if (options.permutationsPerImage < 1 || options.permutationsPerImage > permutations.size()) {
      throw new UserError("--permutations_per_image must be in 1.." + permutations.size()
          + " (the size of the permutation set), got " + options.permutationsPerImage);
    }
    this.permutations = permutations;
    this.perImage = options.permutationsPerImage;
    this.permutationsPath = options.permutationsPath;
    this.permutationsSource = options.permutationsPath != null
        ? "file " + options.permutationsPath
        : "generated (count " + options.numPermutations + ", seed " + options.permutationSeed + ")";
  }

  /** The task with the permutation set the options name: read through {@code hadoop} from --permutations_path, or generated. */
  public static JigsawTask create(TaskOptions options, Configuration hadoop) {
    return new JigsawTask(options, permutations(options, hadoop));
  }

  private static JigsawPermutations permutations(TaskOptions options, Configuration hadoop) {
    int patches = PatchGeometry.CELLS * PatchGeometry.CELLS;
    if (options.permutationsPath == null) {
      return JigsawPermutations.generate(options.numPermutations, patches, options.permutationSeed);
    }
    try {
      return JigsawPermutations.read(hadoop, options.permutationsPath)
          .requireLength(patches, options.permutationsPath);
    } catch (IOException e) {
      UserError refused = CloudCredentials.userErrorIn(e);
      if (refused != null) {
        throw refused;
      }
      throw new UncheckedIOException("cannot read permutations file " + options.permutationsPath, e);
    }
  }

  public JigsawPermutations permutations() {
    return permutations;
  }

  /** Where the permutation set comes from: its file, or the count and seed it was generated from. */
  public String permutationsSource() {
    return permutationsSource;
  }

  /** For the log: source, count, minimum and mean Hamming distance, and the set's SHA-256. */
  public String describePermutations() {
    return permutationsSource + ": " + permutations + ", SHA-256 " + permutations.sha256();
  }

  @Override
  public String describeForLog() {
    return "permutations: " + describePermutations();
  }

  @Override
  public String checksum() {
    return permutations.sha256();
  }

  /** A changed permutation set is a UserError naming its file (or "generated") and both checksums. */
  @Override
  public void requireChecksum(String trained, String trainedBy) {
    String sha = checksum();
    if (trained != null && !sha.equals(trained)) {
      throw new UserError("permutations " + (permutationsPath != null ? "file " + permutationsPath : "(generated)")
          + " have changed since " + trainedBy + " was trained: SHA-256 now " + sha + ", at training " + trained
          + "; restore the file or use another --workdir");
    }
  }

  @Override
  public void recordResolvedOptions(TaskOptions options) {
    options.numPermutations = permutations.size();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  int viewsPerExample() {
    return PatchGeometry.CELLS * PatchGeometry.CELLS;
  }

  @Override
  public int examplesPerImage() {
    return perImage;
  }

  @Override
  public int numOutputs(int datasetClasses) {
    return permutations.size();
  }

  /** The patches in the order of permutation {@code index}. */
  public List<Image> arrange(List<Image> patches, int index) {
    int[] perm = permutations.get(index);
    List<Image> out = new ArrayList<>(perm.length);
    for (int p : perm) {
      out.add(patches.get(p));
    }
    return out;
  }

  @Override
  List<TaskExample> examples(List<Image> patches, SplittableRandom rng) {
    // a partial Fisher-Yates shuffle: perImage distinct indices
    int n = permutations.size();
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    List<TaskExample> out = new ArrayList<>(perImage);
    for (int i = 0; i < perImage; i++) {
      int j = i + rng.nextInt(n - i);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      out.add(new TaskExample(idx[i], arrange(patches, idx[i]).toArray(new Image[0])));
    }
    return out;
  }
}
