package org.selfsup.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A streaming shuffle over a bounded buffer, as tf.data's {@code shuffle(buffer)}: fill the
 * buffer, then hand out a random element and refill its place from the input.
 */
final class ShuffleBuffer<T> implements Iterator<T> {
  private final Iterator<T> input;
  private final List<T> buffer;
  private final int capacity;
  private final SplittableRandom rng;

  ShuffleBuffer(Iterator<T> input, int capacity, SplittableRandom rng) {
    this.input = input;
    this.capacity = Math.max(1, capacity);
    this.buffer = new ArrayList<>(Math.min(this.capacity, 1 << 16));
    this.rng = rng;
    fill();
  }

  private void fill() {
    while (buffer.size() < capacity && input.hasNext()) {
      buffer.add(input.next());
    }
  }

  @Override
  public boolean hasNext() {
    return !buffer.isEmpty();
  }

  @Override
  public T next() {
    if (buffer.isEmpty()) {
      throw new NoSuchElementException();
    }
    int i = rng.nextInt(buffer.size());
    T out = buffer.get(i);
    if (input.hasNext()) {
      buffer.set(i, input.next());
    } else {
      int last = buffer.size() - 1;
      buffer.set(i, buffer.get(last));
      buffer.remove(last);
    }
    return out;
  }
}
