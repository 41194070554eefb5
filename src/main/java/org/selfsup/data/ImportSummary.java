package org.selfsup.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What an import wrote, split by split, and what it had to leave out. */
public final class ImportSummary {
  /** One split of an import. */
  public static final class Split {
    public final String name;
    public final long images;
    public final List<String> shards;

    public Split(String name, long images, List<String> shards) {
      this.name = name;
      this.images = images;
      this.shards = Collections.unmodifiableList(new ArrayList<>(shards));
    }
  }

  public final List<Split> splits = new ArrayList<>();
  /** Inputs that could not be imported (only under --on_bad_record skip). */
  public long skipped;
  public final List<String> skippedExamples = new ArrayList<>();
  /** Files in the source that are not images by their name (ignored). */
  public long ignoredFiles;

  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Split s : splits) {
      sb.append(String.format("  %-6s %8d images in %d shards (%s ...)%n", s.name, s.images,
          s.shards.size(), s.shards.isEmpty() ? "-" : s.shards.get(0)));
    }
    if (ignoredFiles > 0) {
      sb.append(String.format("  ignored %d files without a .jpg/.jpeg/.png name%n", ignoredFiles));
    }
    if (skipped > 0) {
      sb.append(String.format("  SKIPPED %d undecodable or oversized (--max_image_pixels) images, e.g. %s%n", skipped,
          skippedExamples));
    }
    return sb.toString();
  }
}
