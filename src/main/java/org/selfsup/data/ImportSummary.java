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
  /** Of {@link #skipped}: images over --max_image_pixels (the rest are undecodable). */
  public long skippedTooLarge;
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
    long used = splits.stream().mapToLong(s -> s.images).sum();
    sb.append(String.format("records: %d read, %d used, ", used + skipped, used))
        .append(skipped == 0 ? "none skipped" : skipped + " skipped");
    if (skipped > 0) {
      sb.append(" (").append(skippedTooLarge > 0 ? BadRecordKind.IMAGE_TOO_LARGE + "=" + skippedTooLarge : "")
          .append(skippedTooLarge > 0 && skipped > skippedTooLarge ? ", " : "")
          .append(skipped > skippedTooLarge ? BadRecordKind.UNDECODABLE_IMAGE + "=" + (skipped - skippedTooLarge) : "")
          .append("); e.g. ").append(String.join(", ", skippedExamples));
    }
    sb.append(String.format("%n"));
    return sb.toString();
  }
}
