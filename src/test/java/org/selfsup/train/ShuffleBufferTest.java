package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShuffleBufferTest {
  private static List<Integer> drain(int n, int buffer, long seed) {
    List<Integer> input = IntStream.range(0, n).boxed().collect(Collectors.toList());
    List<Integer> out = new ArrayList<>();
    new ShuffleBuffer<>(input.iterator(), buffer, new SplittableRandom(seed)).forEachRemaining(out::add);
    return out;
  }

  @Test
  void everyElementComesOutExactlyOnce() {
    List<Integer> out = drain(1000, 64, 3);
    assertEquals(IntStream.range(0, 1000).boxed().collect(Collectors.toList()),
        out.stream().sorted().collect(Collectors.toList()));
    assertNotEquals(IntStream.range(0, 1000).boxed().collect(Collectors.toList()), out);
  }

  @Test
  void sameSeedSameOrderAndABufferOfOneKeepsTheOrder() {
    assertEquals(drain(500, 100, 7), drain(500, 100, 7));
    assertNotEquals(drain(500, 100, 7), drain(500, 100, 8));
    assertEquals(IntStream.range(0, 50).boxed().collect(Collectors.toList()), drain(50, 1, 1));
  }

  @Test
  void elementsMoveAtMostTheBufferAheadOfTheirPlace() {
    List<Integer> out = drain(2000, 10, 5);
    for (int i = 0; i < out.size(); i++) {
      // element v can only be emitted after v - buffer + 1 elements have been read
      assertEquals(true, out.get(i) <= i + 9, "position " + i + " holds " + out.get(i));
    }
  }
}
