package org.selfsup.preprocess;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A parsed spec such as {@code decode|inception_crop(224)|flip_lr|value_range(-1,1)}.
 *
 * <p>Each call creates one {@code new SplittableRandom(seed)} and passes it through the ops in
 * order, so the same seed gives the same output on any executor. Instances are immutable,
 * thread-safe and serializable (only the spec is serialized; ops are rebuilt on read).
 */
public final class Preprocessing implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String spec;
  private transient int decodeChannels; // 0 when the spec does not start with decode
  private transient ImageOp[] ops; // the ops after decode

  private Preprocessing(String spec) {
    this.spec = spec;
    build();
  }

  /** Parses a spec; throws IllegalArgumentException with a one-line reason. */
  public static Preprocessing parse(String spec) {
    return new Preprocessing(spec);
  }

  private void build() {
    List<SpecParser.ParsedOp> parsed = SpecParser.parse(spec);
    List<ImageOp> list = new ArrayList<>(parsed.size());
    int channels = 0;
    for (int i = 0; i < parsed.size(); i++) {
      ImageOp op = OpRegistry.create(parsed.get(i), spec);
      if (op instanceof Ops.Decode) {
        if (i != 0) {
          throw new IllegalArgumentException("op 'decode' must come first in spec '" + spec + "'");
        }
        channels = ((Ops.Decode) op).channels;
      } else {
        list.add(op);
      }
    }
    this.decodeChannels = channels;
    this.ops = list.toArray(new ImageOp[0]);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    build();
  }

  public String spec() {
    return spec;
  }

  public boolean startsWithDecode() {
    return decodeChannels != 0;
  }

  /** Decodes and applies the ops; the spec must start with decode. */
  public Image apply(byte[] encoded, long seed) {
    if (decodeChannels == 0) {
      throw new IllegalStateException("spec '" + spec + "' does not start with decode; use"
          + " apply(Image, seed) for decoded images");
    }
    return run(ImageCodec.decode(encoded, decodeChannels), seed);
  }

  /** Applies the ops to an already decoded image (a leading decode is skipped). */
  public Image apply(Image decoded, long seed) {
    if (decoded == null) {
      throw new IllegalArgumentException("image is null");
    }
    return run(decoded, seed);
  }

  private Image run(Image img, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Image out = img;
    for (ImageOp op : ops) {
      out = op.apply(out, rng);
    }
    return out;
  }

  @Override
  public String toString() {
    return "Preprocessing(" + spec + ")";
  }
}
