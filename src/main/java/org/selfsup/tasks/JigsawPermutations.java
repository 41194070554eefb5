package org.selfsup.tasks;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.selfsup.data.HadoopFiles;
import org.selfsup.runtime.UserError;

/**
 * The permutations of the jigsaw task's patch positions (0-based), one class label per row.
 *
 * <p>The file format is the original's {@code permutations_100_max.bin}: little-endian int32
 * count, int32 length, then count × length int32 1-based positions.
 */
public final class JigsawPermutations implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int HEADER_BYTES = 8;
  private static final int MAX_GENERATED_LENGTH = 10;

  private final int count;
  private final int length;
  /** Row-major, 0-based. */
  private final int[] rows;

  private JigsawPermutations(int count, int length, int[] rows) {
    this.count = count;
    this.length = length;
    this.rows = rows;
  }

  /**
   * Greedy maximal-Hamming-distance selection of Noroozi &amp; Favaro (ECCV 2016, "max"): a
   * uniformly random first permutation, then each time the remaining one with the largest mean
   * Hamming distance to those chosen. Ties — after 9 rows of 9 every candidate ties — go to the
   * larger minimum distance to those chosen, then to the lowest lexicographic index; with the index
   * alone, the set of 100 would hold rows one swap apart (minimum distance 2).
   */
  public static JigsawPermutations generate(int count, int length, long seed) {
    if (length < 2 || length > MAX_GENERATED_LENGTH) {
      throw new UserError(
          "permutation length must be between 2 and " + MAX_GENERATED_LENGTH + ", got " + length);
    }
    int total = factorial(length);
    if (count < 1 || count > total) {
      throw new UserError("--num_permutations: cannot choose " + count + " permutations of " + length
          + ": count must be between 1 and " + length + "! = " + total);
    }
    byte[] candidates = allPermutations(length, total);
    // Every candidate is compared with the same chosen set, so the largest sum is the largest mean.
    int[] distanceSums = new int[total];
    byte[] minDistances = new byte[total];
    java.util.Arrays.fill(minDistances, (byte) (length + 1));
    boolean[] taken = new boolean[total];
    int[] out = new int[count * length];
    int next = new SplittableRandom(seed).nextInt(total);
    for (int r = 0; ; r++) {
      taken[next] = true;
      int base = next * length;
      for (int k = 0; k < length; k++) {
        out[r * length + k] = candidates[base + k];
      }
      if (r == count - 1) {
        break;
      }
      int best = -1;
      int bestSum = -1;
      int bestMin = -1;
      for (int c = 0, off = 0; c < total; c++, off += length) {
        int d = 0;
        for (int k = 0; k < length; k++) {
          if (candidates[off + k] != candidates[base + k]) {
            d++;
          }
        }
        int sum = distanceSums[c] + d;
        distanceSums[c] = sum;
        int min = Math.min(minDistances[c], d);
        minDistances[c] = (byte) min;
        if (!taken[c] && (sum > bestSum || (sum == bestSum && min > bestMin))) {
          bestSum = sum;
          bestMin = min;
          best = c;
        }
      }
      next = best;
    }
    return new JigsawPermutations(count, length, out);
  }

  /** A set of the given rows, each a permutation of 0..length-1. */
  public static JigsawPermutations of(int[]... rows) {
    if (rows.length == 0) {
      throw new IllegalArgumentException("a permutation set needs at least one row");
    }
    int length = rows[0].length;
    if (length < 2) {
      throw new IllegalArgumentException("a permutation needs at least 2 positions, row 1 has " + length);
    }
    int[] flat = new int[rows.length * length];
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != length) {
        throw new IllegalArgumentException("row " + (r + 1) + " " + Arrays.toString(rows[r]) + " has "
            + rows[r].length + " positions, row 1 has " + length);
      }
      System.arraycopy(rows[r], 0, flat, r * length, length);
    }
    return validated("rows", rows.length, length, flat, 0);
  }

  /** Reads the binary format through Hadoop's file system, so any Hadoop path works. */
  public static JigsawPermutations read(Configuration conf, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = HadoopFiles.of(p, conf);
    InputStream in;
    try {
      in = fs.open(p);
    } catch (FileNotFoundException e) {
      if (fs.exists(p) && fs.getFileStatus(p).isDirectory()) {
        throw new UserError("permutations file " + path + " is a directory");
      }
      throw new UserError("permutations file not found: " + path);
    }
    try (InputStream closing = in) {
      return read(path, closing);
    }
  }

  /** Reads the binary format; {@code source} names the stream in error messages. */
  public static JigsawPermutations read(String source, InputStream in) throws IOException {
    return fromBytes(source, in.readAllBytes());
  }

  /** Parses the binary format; {@code source} names the bytes in error messages. */
  public static JigsawPermutations fromBytes(String source, byte[] bytes) {
    if (bytes.length < HEADER_BYTES) {
      throw new UserError(source + " is " + bytes.length + " bytes, shorter than the "
          + HEADER_BYTES + "-byte header (int32 count, int32 length)");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int count = buf.getInt();
    int length = buf.getInt();
    if (count < 1 || length < 2) {
      throw new UserError(source + " has a header of " + count + " permutations of "
          + length + " positions; needs a count of at least 1 and a length of at least 2");
    }
    long expected = HEADER_BYTES + 4L * count * length;
    if (bytes.length != expected) {
      throw new UserError(source + " is " + (bytes.length < expected ? "too short" : "too long")
          + " for its header of " + count + " permutations of " + length + ": expected " + expected
          + " bytes, actual " + bytes.length);
    }
    int[] flat = new int[count * length];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = buf.getInt();
    }
    return validated(source, count, length, flat, 1);
  }

  /** Writes the binary format through Hadoop's file system, replacing any file there. */
  public void write(Configuration conf, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = HadoopFiles.of(p, conf);
    try (OutputStream out = fs.create(p, true)) {
      out.write(toBytes());
    }
  }

  /** The binary format. */
  public byte[] toBytes() {
    ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + 4 * rows.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(count).putInt(length);
    for (int v : rows) {
      buf.putInt(v + 1);
    }
    return buf.array();
  }

  /** This set, if its permutations have {@code expected} positions; {@code source} names it in the error. */
  public JigsawPermutations requireLength(int expected, String source) {
    if (length != expected) {
      int side = (int) Math.round(Math.sqrt(expected));
      String need = side * side == expected
          ? "jigsaw with a " + side + "×" + side + " grid needs " + expected
          : "expected " + expected;
      throw new UserError(
          source + " holds permutations of " + length + " positions; " + need);
    }
    return this;
  }

  public int size() {
    return count;
  }

  public int length() {
    return length;
  }

  /** Row {@code i} as 0-based positions (a copy). */
  public int[] get(int i) {
    if (i < 0 || i >= count) {
      throw new IndexOutOfBoundsException("permutation " + i + " of " + count);
    }
    return Arrays.copyOfRange(rows, i * length, (i + 1) * length);
  }

  /** SHA-256 (hex) of the set in the binary file format: the same for a file and the generated set it holds. */
  public String sha256() {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(toBytes());
      StringBuilder sb = new StringBuilder(d.length * 2);
      for (byte b : d) {
        sb.append(String.format(Locale.ROOT, "%02x", b));
      }
      return sb.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The smallest Hamming distance between two distinct rows; 0 for a single row. */
  public int minHammingDistance() {
    int min = count > 1 ? Integer.MAX_VALUE : 0;
    for (int a = 0; a < count; a++) {
      for (int b = a + 1; b < count; b++) {
        min = Math.min(min, distance(a, b));
      }
    }
    return min;
  }

  /** The mean Hamming distance over all unordered pairs of distinct rows; 0 for a single row. */
  public double meanHammingDistance() {
    if (count < 2) {
      return 0;
    }
    long sum = 0;
    for (int a = 0; a < count; a++) {
      for (int b = a + 1; b < count; b++) {
        sum += distance(a, b);
      }
    }
    return sum / (count * (count - 1) / 2.0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JigsawPermutations
        && ((JigsawPermutations) o).length == length
        && Arrays.equals(((JigsawPermutations) o).rows, rows);
  }

  @Override
  public int hashCode() {
    return 31 * length + Arrays.hashCode(rows);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%d permutations of %d (min Hamming distance %d, mean %.2f)",
        count, length, minHammingDistance(), meanHammingDistance());
  }

  private int distance(int a, int b) {
    int d = 0;
    for (int k = 0; k < length; k++) {
      if (rows[a * length + k] != rows[b * length + k]) {
        d++;
      }
    }
    return d;
  }

  /** Checks that every row is a permutation of base..base+length-1 and no row repeats; stores 0-based. */
  private static JigsawPermutations validated(String source, int count, int length, int[] flat, int base) {
    Map<String, Integer> firstRow = new HashMap<>();
    boolean[] seen = new boolean[length];
    for (int r = 0; r < count; r++) {
      int[] row = Arrays.copyOfRange(flat, r * length, (r + 1) * length);
      Arrays.fill(seen, false);
      for (int v : row) {
        int i = v - base;
        if (i < 0 || i >= length || seen[i]) {
          throw new UserError(source + ": row " + (r + 1) + " " + Arrays.toString(row)
              + " is not a permutation of " + base + ".." + (base + length - 1));
        }
        seen[i] = true;
      }
      Integer earlier = firstRow.putIfAbsent(Arrays.toString(row), r + 1);
      if (earlier != null) {
        throw new UserError(source + ": rows " + earlier + " and " + (r + 1)
            + " are the same permutation " + Arrays.toString(row));
      }
    }
    int[] zeroBased = flat.clone();
    for (int i = 0; i < zeroBased.length; i++) {
      zeroBased[i] -= base;
    }
    return new JigsawPermutations(count, length, zeroBased);
  }

  /** All permutations of 0..length-1 in lexicographic order, row-major. */
  private static byte[] allPermutations(int length, int total) {
    byte[] out = new byte[total * length];
    byte[] p = new byte[length];
    for (int k = 0; k < length; k++) {
      p[k] = (byte) k;
    }
    for (int r = 0; r < total; r++) {
      System.arraycopy(p, 0, out, r * length, length);
      int i = length - 2;
      while (i >= 0 && p[i] > p[i + 1]) {
        i--;
      }
      if (i < 0) {
        break;
      }
      int j = length - 1;
      while (p[j] < p[i]) {
        j--;
      }
      byte t = p[i];
      p[i] = p[j];
      p[j] = t;
      for (int a = i + 1, b = length - 1; a < b; a++, b--) {
        t = p[a];
        p[a] = p[b];
        p[b] = t;
      }
    }
    return out;
  }

  private static int factorial(int n) {
    int f = 1;
    for (int k = 2; k <= n; k++) {
      f *= k;
    }
    return f;
  }
}
