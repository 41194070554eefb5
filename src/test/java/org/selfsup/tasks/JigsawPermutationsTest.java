package org.selfsup.tasks;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JigsawPermutationsTest {
  private static final Configuration CONF = new Configuration();

  /** The permutations of 3 in lexicographic order. */
  private static final int[][] LEX3 = {
      {0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

  @Test
  void hundredOfNineAreDistinctWellSpreadAndRepeatable() {
    long start = System.nanoTime();
    JigsawPermutations perms = JigsawPermutations.generate(100, 9, 0);
    double seconds = (System.nanoTime() - start) / 1e9;

    JigsawPermutations random = randomSet(100, 9, 0);
    System.out.printf("generate(100, 9, 0) in %.2f s: %s; 100 random: %s%n", seconds, perms, random);

    assertEquals(100, perms.size());
    assertEquals(9, perms.length());
    Set<String> rows = new HashSet<>();
    for (int i = 0; i < perms.size(); i++) {
      int[] row = perms.get(i);
      int[] sorted = row.clone();
      Arrays.sort(sorted);
      assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, sorted, "row " + i);
      assertTrue(rows.add(Arrays.toString(row)), "row " + i + " repeats");
    }
    // The first 9 picks are pairwise at distance 9, a Latin square, which random rows never are.
    for (int a = 0; a < 9; a++) {
      for (int b = a + 1; b < 9; b++) {
        assertEquals(9, distance(perms.get(a), perms.get(b)), "rows " + a + " and " + b);
      }
    }
    assertTrue(random.minHammingDistance() < 9, random.toString());
    // Every permutation matches a Latin square's 9 rows in exactly 9 places, so all candidates then
    // tie on the mean; the tie-break on the minimum distance keeps rows at least 4 apart (the
    // lowest index alone picks a row one swap, distance 2, from a chosen one).
    assertEquals(4, perms.minHammingDistance(), perms.toString());
    assertTrue(random.minHammingDistance() < perms.minHammingDistance(), random.toString());
    // 39996 over 4950 pairs; a random pair of permutations is 8 apart on average.
    assertEquals(8.08, perms.meanHammingDistance(), 1e-12, perms.toString());
    assertTrue(random.meanHammingDistance() < 8.05, random.toString());

    assertEquals(perms, JigsawPermutations.generate(100, 9, 0));
    assertNotEquals(perms, JigsawPermutations.generate(100, 9, 1));
  }

  /**
   * Two distinct permutations of 3 differ by a 3-cycle (distance 3) when they have the same parity
   * and by a transposition (distance 2) otherwise, so after the first pick the greedy rule must take
   * the other two of its parity in lexicographic order.
   */
  @Test
  void threeOfThreeFollowTheGreedyRuleByHand() {
    int[][][] expectedByFirst = {
        {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}},
        {{0, 2, 1}, {1, 0, 2}, {2, 1, 0}},
        {{1, 0, 2}, {0, 2, 1}, {2, 1, 0}},
        {{1, 2, 0}, {0, 1, 2}, {2, 0, 1}},
        {{2, 0, 1}, {0, 1, 2}, {1, 2, 0}},
        {{2, 1, 0}, {0, 2, 1}, {1, 0, 2}},
    };
    Set<Integer> firsts = new HashSet<>();
    for (long seed = 0; seed < 40; seed++) {
      int first = new SplittableRandom(seed).nextInt(6);
      firsts.add(first);
      JigsawPermutations perms = JigsawPermutations.generate(3, 3, seed);
      for (int r = 0; r < 3; r++) {
        assertArrayEquals(expectedByFirst[first][r], perms.get(r), "seed " + seed + " row " + r);
      }
      assertEquals(3, perms.minHammingDistance());
      assertEquals(3.0, perms.meanHammingDistance());
    }
    assertEquals(6, firsts.size(), "40 seeds should start from every permutation");
  }

  @Test
  void allPermutationsWhenCountIsLengthFactorial() {
    JigsawPermutations perms = JigsawPermutations.generate(6, 3, 7);
    Set<String> rows = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      rows.add(Arrays.toString(perms.get(i)));
    }
    Set<String> all = new HashSet<>();
    for (int[] p : LEX3) {
      all.add(Arrays.toString(p));
    }
    assertEquals(all, rows);
    assertEquals(2, perms.minHammingDistance());
  }

  @Test
  void generateRejectsImpossibleSizes() {
    assertMessage(() -> JigsawPermutations.generate(0, 9, 0), "0", "9");
    assertMessage(() -> JigsawPermutations.generate(7, 3, 0), "7", "3! = 6");
    assertMessage(() -> JigsawPermutations.generate(1, 1, 0), "got 1");
    assertMessage(() -> JigsawPermutations.generate(1, 11, 0), "got 11");
  }

  @Test
  void getReturnsACopy() {
    JigsawPermutations perms = JigsawPermutations.of(new int[] {0, 1, 2}, new int[] {2, 0, 1});
    perms.get(1)[0] = 0;
    assertArrayEquals(new int[] {2, 0, 1}, perms.get(1));
  }

  @Test
  void toStringGivesSizeAndDistances() {
    JigsawPermutations perms = JigsawPermutations.of(
        new int[] {0, 1, 2, 3}, new int[] {1, 0, 2, 3}, new int[] {1, 2, 3, 0});
    // distances 2, 4, 3
    assertEquals("3 permutations of 4 (min Hamming distance 2, mean 3.00)", perms.toString());
  }

  @Test
  void writesTheOriginalBinaryFormat(@TempDir Path tmp) throws Exception {
    JigsawPermutations perms = JigsawPermutations.of(new int[] {0, 1, 2}, new int[] {2, 0, 1});
    String path = tmp.toUri() + "perms.bin";
    perms.write(CONF, path);
    byte[] expected = {
        2, 0, 0, 0, 3, 0, 0, 0,
        1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0,
        3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0};
    assertArrayEquals(expected, Files.readAllBytes(tmp.resolve("perms.bin")));
    assertArrayEquals(expected, perms.toBytes());
  }

  @Test
  void writeThenReadGivesTheSameSet(@TempDir Path tmp) throws Exception {
    JigsawPermutations perms = JigsawPermutations.generate(100, 9, 3);
    String path = tmp.toUri() + "sub/perms_100_max.bin";
    perms.write(CONF, path);
    assertEquals(8 + 4 * 100 * 9, Files.size(tmp.resolve("sub/perms_100_max.bin")));
    JigsawPermutations back = JigsawPermutations.read(CONF, path);
    assertEquals(perms, back);
    for (int i = 0; i < 100; i++) {
      assertArrayEquals(perms.get(i), back.get(i));
    }
    assertEquals(perms, JigsawPermutations.read("bytes", new ByteArrayInputStream(perms.toBytes())));
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    JigsawPermutations perms = JigsawPermutations.generate(10, 4, 5);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(perms);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(perms, in.readObject());
    }
  }

  @Test
  void aMissingFileIsNamed(@TempDir Path tmp) {
    String path = tmp.toUri() + "nope.bin";
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> JigsawPermutations.read(CONF, path));
    assertEquals("permutations file not found: " + path, e.getMessage());
  }

  @Test
  void aTruncatedFileGivesExpectedAndActualBytes(@TempDir Path tmp) throws Exception {
    byte[] full = ints(2, 3, 1, 2, 3, 3, 1, 2);
    String path = file(tmp, Arrays.copyOf(full, full.length - 3));
    assertMessage(() -> JigsawPermutations.read(CONF, path), path, "expected 32 bytes", "actual 29");
    String tiny = file(tmp, new byte[] {2, 0, 0});
    assertMessage(() -> JigsawPermutations.read(CONF, tiny), tiny, "3 bytes", "8-byte header");
  }

  @Test
  void aLongerFileGivesExpectedAndActualBytes(@TempDir Path tmp) throws Exception {
    String path = file(tmp, ints(2, 3, 1, 2, 3, 3, 1, 2, 4));
    assertMessage(() -> JigsawPermutations.read(CONF, path), path, "expected 32 bytes", "actual 36");
  }

  @Test
  void aBadHeaderIsNamed(@TempDir Path tmp) throws Exception {
    String noRows = file(tmp, ints(0, 9));
    assertMessage(() -> JigsawPermutations.read(CONF, noRows), noRows, "0 permutations of 9");
    String oneSlot = file(tmp, ints(1, 1, 1));
    assertMessage(() -> JigsawPermutations.read(CONF, oneSlot), oneSlot, "1 permutations of 1");
    String negative = file(tmp, ints(-1, 9));
    assertMessage(() -> JigsawPermutations.read(CONF, negative), negative, "-1 permutations of 9");
  }

  @Test
  void aRowThatIsNoPermutationIsNamedAndPrinted(@TempDir Path tmp) throws Exception {
    String repeated = file(tmp, ints(3, 3, 1, 2, 3, 2, 3, 1, 1, 1, 2));
    assertMessage(() -> JigsawPermutations.read(CONF, repeated),
        repeated, "row 3 [1, 1, 2]", "not a permutation of 1..3");
    String zeroBased = file(tmp, ints(2, 3, 1, 2, 3, 0, 1, 2));
    assertMessage(() -> JigsawPermutations.read(CONF, zeroBased),
        zeroBased, "row 2 [0, 1, 2]", "not a permutation of 1..3");
    String tooLarge = file(tmp, ints(1, 3, 1, 4, 2));
    assertMessage(() -> JigsawPermutations.read(CONF, tooLarge), tooLarge, "row 1 [1, 4, 2]");
  }

  @Test
  void duplicateRowsAreNamed(@TempDir Path tmp) throws Exception {
    String path = file(tmp, ints(4, 3, 1, 2, 3, 2, 3, 1, 3, 1, 2, 2, 3, 1));
    assertMessage(() -> JigsawPermutations.read(CONF, path), path, "rows 2 and 4", "[2, 3, 1]");
  }

  @Test
  void theWrongLengthIsNamed(@TempDir Path tmp) throws Exception {
    String path = tmp.toUri() + "perms.bin";
    JigsawPermutations.generate(24, 4, 0).write(CONF, path);
    JigsawPermutations perms = JigsawPermutations.read(CONF, path);
    assertEquals(perms, perms.requireLength(4, path));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> perms.requireLength(9, path));
    assertEquals(path + " holds permutations of 4 positions; jigsaw with a 3×3 grid needs 9", e.getMessage());
  }

  @Test
  void ofRejectsBadRows() {
    assertMessage(() -> JigsawPermutations.of(new int[] {0, 1}, new int[] {0, 1, 2}), "row 2");
    assertMessage(() -> JigsawPermutations.of(new int[] {0, 1}, new int[] {1, 1}), "row 2 [1, 1]", "0..1");
    assertMessage(() -> JigsawPermutations.of(new int[] {1, 0}, new int[] {1, 0}), "rows 1 and 2");
  }

  private static int distance(int[] a, int[] b) {
    int d = 0;
    for (int k = 0; k < a.length; k++) {
      d += a[k] != b[k] ? 1 : 0;
    }
    return d;
  }

  private static void assertMessage(Executable call, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    String message = e.getMessage();
    assertTrue(message.indexOf('\n') < 0, "one line: " + message);
    for (String part : parts) {
      assertTrue(message.contains(part), "'" + message + "' should contain '" + part + "'");
    }
  }

  /** Little-endian int32s. */
  private static byte[] ints(int... values) {
    ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      buf.putInt(v);
    }
    return buf.array();
  }

  private static String file(Path dir, byte[] bytes) throws Exception {
    Path f = Files.createTempFile(dir, "bad", ".bin");
    Files.write(f, bytes);
    return f.toUri().toString();
  }

  /** Uniformly random permutations (Fisher-Yates), for comparison with the greedy selection. */
  private static JigsawPermutations randomSet(int count, int length, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[][] rows = new int[count][];
    for (int r = 0; r < count; r++) {
      int[] p = new int[length];
      for (int k = 0; k < length; k++) {
        p[k] = k;
      }
      for (int k = length - 1; k > 0; k--) {
        int j = rng.nextInt(k + 1);
        int t = p[k];
        p[k] = p[j];
        p[j] = t;
      }
      rows[r] = p;
    }
    return JigsawPermutations.of(rows);
  }

  @Test
  void theLogLineNamesTheFileCountDistancesAndChecksum(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("three.bin");
    // distances: row 1-2: 8 (the middle stays), 1-3: 8 (the last stays), 2-3: 9; min 8, mean 25/3
    byte[] bytes = JigsawPermutations.of(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, new int[] {8, 7, 6, 5, 4, 3, 2, 1, 0},
        new int[] {1, 0, 3, 2, 5, 4, 7, 6, 8}).toBytes();
    Files.write(file, bytes);
    TaskOptions options = new TaskOptions();
    options.permutationsPath = file.toString();
    options.permutationsPerImage = 2;
    JigsawTask task = (JigsawTask) Tasks.create(JigsawTask.NAME, options, new Configuration());
    StringBuilder sha = new StringBuilder();
    for (byte b : java.security.MessageDigest.getInstance("SHA-256").digest(bytes)) {
      sha.append(String.format("%02x", b));
    }
    assertEquals("file " + file + ": 3 permutations of 9 (min Hamming distance 8, mean 8.33), SHA-256 " + sha,
        task.describePermutations());

    options.permutationsPath = null;
    options.numPermutations = 3;
    options.permutationSeed = 5;
    JigsawTask generated = (JigsawTask) Tasks.create(JigsawTask.NAME, options, new Configuration());
    assertTrue(generated.describePermutations().startsWith("generated (count 3, seed 5): 3 permutations of 9"),
        generated.describePermutations());
  }
}
