package org.selfsup.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's end of {@link BarrierAveraging}: a TCP server the workers of one chunk's barrier
 * stage connect to, each on a connection of its own. Once every worker of a stage attempt has
 * connected (saying its partition and how many minibatches it holds, and receiving the driver's
 * network, serialised on the first request, if it has none of its own to resume), it tells them
 * how many averaging rounds the chunk takes; then, each round, reads every worker's parameters and updater
 * state in partition order, and sends each the average weighted by the minibatches each trained in
 * the round, with every worker's last loss. A newer stage attempt (Spark re-runs a barrier stage
 * whole when a task fails) replaces an older one.
 */
final class AveragingHub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AveragingHub.class);

  private final ServerSocket server;
  private final int workers;
  private final int frequency;
  /** The driver's network, serialised; called on the hub's thread at the first worker's request. */
  private final Supplier<byte[]> network;
  private byte[] networkBytes;
  private final Thread thread;
  private volatile boolean closed;
  private volatile Throwable failure;
  private volatile Timing timing;
  private volatile Average last;

  private AveragingHub(ServerSocket server, int workers, int frequency, Supplier<byte[]> network) {
    this.server = server;
    this.workers = workers;
    this.frequency = frequency;
    this.network = network;
    this.thread = new Thread(this::serve, "averaging-hub-" + server.getLocalPort());
    this.thread.setDaemon(true);
  }

  /**
   * A hub for {@code workers} workers averaging every {@code frequency} minibatches, listening on a
   * free port, that sends the workers that ask for it the bytes {@code network} returns (once, on
   * the first request): the serialised network they start from.
   */
  static AveragingHub start(int workers, int frequency, Supplier<byte[]> network) {
    try {
      AveragingHub hub = new AveragingHub(new ServerSocket(0), workers, frequency, network);
      hub.thread.start();
      return hub;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the parameter averaging hub's port: " + e.getMessage(), e);
    }
  }

  int port() {
    return server.getLocalPort();
  }

  /**
   * Where the time of the last stage attempt that averaged to the end went, or null before one has:
   * each worker's seconds in training (as it reported them) against the span from the first round to
   * the last average sent. The rest of each worker's span went to sending its parameters, waiting for
   * the slower workers and taking in the average.
   */
  Timing timing() {
    return timing;
  }

  /**
   * The average the hub sent last: that of the final round of the last stage attempt that averaged to
   * the end, which every worker of it continued from and ended with; null before any round. Read it
   * after {@link #close}, which waits for the hub's thread.
   */
  Average lastAverage() {
    return last;
  }

  /** One round's average, as the workers received it. */
  static final class Average {
    final float[] params;
    final float[] state;
    /** Every worker's last loss (NaN: a worker that had trained nothing yet). */
    final double[] scores;

    Average(float[] params, float[] state, double[] scores) {
      this.params = params;
      this.state = state;
      this.scores = scores;
    }
  }

  /** Seconds of a stage attempt's averaging rounds. */
  static final class Timing {
    final int rounds;
    final double span;
    final double[] training;

    Timing(int rounds, double span, double[] training) {
      this.rounds = rounds;
      this.span = span;
      this.training = training;
    }

    /** For example {@code 24 rounds in 16.3 s; training 13.9 s and 12.7 s, the rest exchanging and waiting}. */
    @Override
    public String toString() {
      StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "%d rounds in %.1f s; training", rounds, span));
      for (int j = 0; j < training.length; j++) {
        b.append(j == 0 ? " " : j + 1 == training.length ? " and " : ", ")
            .append(String.format(java.util.Locale.ROOT, "%.1f s", training[j]));
      }
      return b.append(", the rest exchanging and waiting").toString();
    }
  }

  /** Throws what stopped the hub, if anything other than a worker's lost connection did. */
  void rethrow() {
    if (failure != null) {
      throw new IllegalStateException("parameter averaging hub: " + failure.getMessage(), failure);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing the averaging hub: {}", e.getMessage());
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One worker's connection, as the hub sees it. */
  private static final class Peer {
    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;
    final int minibatches;

    Peer(Socket socket, DataInputStream in, DataOutputStream out, int minibatches) {
      this.socket = socket;
      this.in = in;
      this.out = out;
      this.minibatches = minibatches;
    }
  }

  private void serve() {
    TreeMap<Integer, Peer[]> attempts = new TreeMap<>();
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        if (!closed) {
          failure = e;
        }
        break;
      }
      try {
        s.setTcpNoDelay(true);
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
        int attempt = in.readInt();
        int partition = in.readInt();
        int minibatches = in.readInt();
        boolean needsNetwork = in.readBoolean();
        if (partition < 0 || partition >= workers) {
          throw new IllegalStateException("a worker of partition " + partition + " connected; the stage has " + workers);
        }
        if (needsNetwork) {
          if (networkBytes == null) {
            networkBytes = network.get();
          }
          out.writeInt(networkBytes.length);
          out.write(networkBytes);
          out.flush();
        }
        // a newer attempt of the stage: the older one's tasks are gone
        while (!attempts.isEmpty() && attempts.firstKey() < attempt) {
          closeAll(attempts.pollFirstEntry().getValue());
        }
        Peer[] peers = attempts.computeIfAbsent(attempt, a -> new Peer[workers]);
        peers[partition] = new Peer(s, in, out, minibatches);
        if (complete(peers)) {
          attempts.remove(attempt);
          try {
            average(peers);
          } catch (IOException e) {
            LOG.warn("parameter averaging: a worker of stage attempt {} was lost ({}); waiting for the next attempt",
                attempt, e.getMessage());
          } catch (RuntimeException e) {
            failure = e; // recorded before the workers see their connections close
          } finally {
            closeAll(peers);
          }
        }
      } catch (IOException e) {
        LOG.warn("parameter averaging: a worker's connection failed: {}", e.getMessage());
        close(s);
      } catch (RuntimeException e) {
        failure = e;
        close(s);
      }
    }
    for (Peer[] peers : attempts.values()) {
      closeAll(peers);
    }
  }

  private static boolean complete(Peer[] peers) {
    for (Peer p : peers) {
      if (p == null) {
        return false;
      }
    }
    return true;
  }

  /** The rounds of one stage attempt, from first to last. */
  private void average(Peer[] peers) throws IOException {
    int most = 0;
    for (Peer p : peers) {
      most = Math.max(most, p.minibatches);
    }
    int rounds = (most + frequency - 1) / frequency;
    for (Peer p : peers) {
      p.out.writeInt(frequency);
      p.out.writeInt(rounds);
      p.out.flush();
    }
    long started = System.nanoTime();
    double[] training = new double[peers.length];
    WeightedSum params = new WeightedSum("parameters");
    WeightedSum state = new WeightedSum("updater values");
    for (int r = 0; r < rounds; r++) {
      double[] scores = new double[peers.length];
      long total = 0;
      for (int j = 0; j < peers.length; j++) {
        DataInputStream in = peers[j].in;
        int trained = in.readInt();
        scores[j] = in.readDouble();
        training[j] += in.readDouble();
        params.add(in, j, trained);
        state.add(in, j, trained);
        total += trained;
      }
      if (total == 0) {
        throw new IllegalStateException("averaging round " + r + " in which no worker trained");
      }
      params.divide(total);
      state.divide(total);
      if (r + 1 == rounds) {
        last = new Average(params.values(), state.values(), scores); // before any worker can see it, and so end
      }
      for (Peer peer : peers) {
        params.write(peer.out);
        state.write(peer.out);
        peer.out.writeInt(scores.length);
        for (double score : scores) {
          peer.out.writeDouble(score);
        }
        peer.out.flush();
      }
    }
    timing = new Timing(rounds, (System.nanoTime() - started) / 1e9, training);
  }

  /**
   * One vector of every worker (the parameters, or the updater state) summed, weighted, in double
   * precision and in partition order, then averaged. Its buffers are reused from round to round: a
   * round allocates nothing in proportion to the network.
   */
  private static final class WeightedSum {
    private final String what;
    private int length;
    private double[] sum = new double[0];
    private byte[] received = new byte[0];
    private byte[] average = new byte[0];

    WeightedSum(String what) {
      this.what = what;
    }

    /** Reads worker {@code worker}'s vector from {@code in} and adds it with weight {@code weight}. */
    void add(DataInputStream in, int worker, int weight) throws IOException {
      int n = in.readInt();
      if (worker == 0) {
        if (n < 0) {
          throw new IllegalStateException("worker 0 sent " + n + " " + what);
        }
        if (sum.length != n) {
          sum = new double[n];
          received = new byte[4 * n];
          average = new byte[4 * n];
        } else {
          Arrays.fill(sum, 0);
        }
        length = n;
      } else if (n != length) {
        throw new IllegalStateException("worker " + worker + " sent " + n + " " + what + "; worker 0 sent " + length);
      }
      in.readFully(received, 0, 4 * n);
      FloatBuffer x = wire(received, n);
      for (int i = 0; i < n; i++) {
        sum[i] += (double) weight * x.get(i);
      }
    }

    void divide(long total) {
      FloatBuffer out = wire(average, length);
      for (int i = 0; i < length; i++) {
        out.put(i, (float) (sum[i] / total));
      }
    }

    void write(DataOutputStream out) throws IOException {
      out.writeInt(length);
      out.write(average, 0, 4 * length);
    }

    float[] values() {
      float[] v = new float[length];
      wire(average, length).get(v);
      return v;
    }
  }

  /** The first {@code n} floats of {@code bytes}, in the byte order of the exchange. */
  static FloatBuffer wire(byte[] bytes, int n) {
    return ByteBuffer.wrap(bytes, 0, 4 * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
  }

  /**
   * The values of a float array whose elements lie one after another, as a buffer over the array's
   * own memory: a worker's parameters and updater state go to the socket and come back without an
   * array of the network's size made on the way.
   */
  static FloatBuffer floatsOf(INDArray a) {
    if (a.dataType() != DataType.FLOAT || a.elementWiseStride() != 1) {
      throw new IllegalArgumentException("the hub averages contiguous float arrays, not " + a.dataType() + " with "
          + "element stride " + a.elementWiseStride());
    }
    int from = Math.toIntExact(4 * a.offset());
    ByteBuffer memory = a.data().asNio();
    memory.limit(from + Math.toIntExact(4 * a.length())).position(from);
    return memory.slice().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private static void closeAll(Peer[] peers) {
    for (Peer p : peers) {
      if (p != null) {
        close(p.socket);
      }
    }
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      LOG.debug("closing a worker's connection: {}", e.getMessage());
    }
  }

  /** A worker's end: one connection to the hub for one chunk. */
  static final class Link implements Closeable {
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final int frequency;
    private final int rounds;
    private byte[] network;
    private double[] scores = new double[0];
    private byte[] buffer = new byte[0];

    private Link(Socket socket, DataInputStream in, DataOutputStream out, int frequency, int rounds, byte[] network) {
      this.socket = socket;
      this.in = in;
      this.out = out;
      this.frequency = frequency;
      this.rounds = rounds;
      this.network = network;
    }

    /**
     * Connects, says who it is, receives the driver's network if {@code needsNetwork}, and waits until
     * every worker of the stage attempt has connected.
     */
    static Link connect(String host, int port, int attempt, int partition, int minibatches, boolean needsNetwork)
        throws IOException {
      Socket s = new Socket(host, port);
      try {
        s.setTcpNoDelay(true);
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
        out.writeInt(attempt);
        out.writeInt(partition);
        out.writeInt(minibatches);
        out.writeBoolean(needsNetwork);
        out.flush();
        byte[] network = null;
        if (needsNetwork) {
          network = new byte[in.readInt()];
          in.readFully(network);
        }
        int frequency = in.readInt();
        int rounds = in.readInt();
        return new Link(s, in, out, frequency, rounds, network);
      } catch (IOException | RuntimeException e) {
        s.close();
        throw e;
      }
    }

    int frequency() {
      return frequency;
    }

    /**
     * The driver's network, serialised, where it was asked for, handed over once (the link holds
     * no copy of it while the worker trains); null otherwise.
     */
    byte[] takeNetwork() {
      byte[] taken = network;
      network = null;
      return taken;
    }

    int rounds() {
      return rounds;
    }

    /**
     * Sends this worker's round ({@code trained} minibatches in {@code seconds}, the last one's loss,
     * its parameters and updater state: float arrays, null for none) and writes the average into
     * them, in place.
     */
    void average(int trained, double seconds, double lastScore, INDArray params, INDArray state) throws IOException {
      out.writeInt(trained);
      out.writeDouble(lastScore);
      out.writeDouble(seconds);
      send(params);
      send(state);
      out.flush();
      receive(params, "parameters");
      receive(state, "updater values");
      double[] sc = new double[in.readInt()];
      for (int j = 0; j < sc.length; j++) {
        sc[j] = in.readDouble();
      }
      scores = sc;
    }

    private void send(INDArray values) throws IOException {
      int n = length(values);
      out.writeInt(n);
      if (n > 0) {
        Nd4j.getAffinityManager().ensureLocation(values, AffinityManager.Location.HOST);
        wire(reserve(n), n).put(floatsOf(values));
        out.write(buffer, 0, 4 * n);
      }
    }

    private void receive(INDArray values, String what) throws IOException {
      int n = in.readInt();
      if (n != length(values)) {
        throw new IOException("the hub sent " + n + " " + what + " for " + length(values));
      }
      if (n > 0) {
        in.readFully(reserve(n), 0, 4 * n);
        floatsOf(values).put(wire(buffer, n));
        Nd4j.getAffinityManager().tagLocation(values, AffinityManager.Location.HOST);
      }
    }

    /** The link's buffer, grown to hold at least {@code n} floats; reused from round to round. */
    private byte[] reserve(int n) {
      if (buffer.length < 4 * n) {
        buffer = new byte[4 * n];
      }
      return buffer;
    }

    private static int length(INDArray values) {
      return values == null ? 0 : Math.toIntExact(values.length());
    }

    /** Every worker's last loss as of the last average (NaN: a worker that had trained nothing yet). */
    double[] scores() {
      return scores;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
