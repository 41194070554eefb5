package org.selfsup.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.Preprocessing;

/**
 * Throughput of decode + augmentation on image files (plain main, no JMH).
 *
 * <pre>
 * PreprocessBenchmark [--spec SPEC] [--threads N] [--seconds S] [--warmup S] FOLDER|FILE...
 * </pre>
 *
 * Loads the encoded files into memory, warms up, then runs the spec (and separately
 * {@code decode} alone) over the images round-robin on N threads for S seconds and prints one
 * line per measurement.
 */
public final class PreprocessBenchmark {
  static final String DEFAULT_SPEC =
      "decode|inception_crop(224)|flip_lr|color_distort|value_range(-1,1)";

  private PreprocessBenchmark() {}

  public static void main(String[] args) throws Exception {
    String spec = DEFAULT_SPEC;
    int threads = 1;
    double seconds = 10;
    double warmup = 3;
    List<String> inputs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--spec":
          spec = args[++i];
          break;
        case "--threads":
          threads = Integer.parseInt(args[++i]);
          break;
        case "--seconds":
          seconds = Double.parseDouble(args[++i]);
          break;
        case "--warmup":
          warmup = Double.parseDouble(args[++i]);
          break;
        case "-h":
        case "--help":
          System.out.println("usage: PreprocessBenchmark [--spec SPEC] [--threads N]"
              + " [--seconds S] [--warmup S] FOLDER|FILE...\n  default spec: " + DEFAULT_SPEC);
          return;
        default:
          inputs.add(args[i]);
      }
    }
    if (inputs.isEmpty() || threads < 1 || seconds <= 0) {
      System.err.println("usage: PreprocessBenchmark [--spec SPEC] [--threads N] [--seconds S]"
          + " [--warmup S] FOLDER|FILE...");
      System.exit(2);
    }
    List<byte[]> images = load(inputs);
    long bytes = images.stream().mapToLong(b -> b.length).sum();
    System.out.printf(Locale.ROOT, "files=%d bytes=%d cores=%d java=%s%n", images.size(), bytes,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

    Preprocessing full = Preprocessing.parse(spec);
    Preprocessing decodeOnly = Preprocessing.parse("decode");
    if (!full.startsWithDecode()) {
      throw new IllegalArgumentException("spec must start with decode: " + spec);
    }
    run(full, images, threads, warmup); // warm-up, not reported
    report(full, images, threads, seconds);
    run(decodeOnly, images, threads, Math.min(warmup, 1));
    report(decodeOnly, images, threads, seconds);
  }

  private static List<byte[]> load(List<String> inputs) throws IOException {
    List<Path> files = new ArrayList<>();
    for (String in : inputs) {
      Path p = Paths.get(in);
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          files.addAll(s.filter(f -> {
            String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
            return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
          }).sorted().collect(Collectors.toList()));
        }
      } else {
        files.add(p);
      }
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no .jpg/.jpeg/.png files in " + inputs);
    }
    List<byte[]> out = new ArrayList<>();
    for (Path f : files) {
      out.add(Files.readAllBytes(f));
    }
    return out;
  }

  private static void report(Preprocessing pp, List<byte[]> images, int threads, double seconds)
      throws InterruptedException {
    long start = System.nanoTime();
    long n = run(pp, images, threads, seconds);
    double elapsed = (System.nanoTime() - start) / 1e9;
    double rate = n / elapsed;
    System.out.printf(Locale.ROOT,
        "spec=%s threads=%d images=%d seconds=%.1f images/s=%.1f images/s/core=%.1f%n",
        pp.spec(), threads, n, elapsed, rate, rate / threads);
  }

  /** Runs for {@code seconds} on {@code threads} threads; returns the number of images done. */
  private static long run(Preprocessing pp, List<byte[]> images, int threads, double seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    AtomicLong total = new AtomicLong();
    AtomicLong sink = new AtomicLong(); // keeps results observable
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      final int id = t;
      Thread w = new Thread(() -> {
        long count = 0;
        int i = id;
        while (System.nanoTime() < deadline) {
          Image out = pp.apply(images.get(i % images.size()), ((long) id << 40) + count);
          sink.addAndGet(out.height() + Float.floatToRawIntBits(out.data()[0]));
          count++;
          i++;
        }
        total.addAndGet(count);
      }, "bench-" + t);
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    if (sink.get() == 42) {
      System.out.print("");
    }
    return total.get();
  }
}
