package org.selfsup.preprocess;

import java.io.IOException;
import org.selfsup.runtime.UserError;
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
  private transient String[] opTexts; // how each op of ops reads in the spec, for messages

  private Preprocessing(String spec) {
    this.spec = spec;
    build();
  }

  /** Parses a spec; throws {@link UserError} with a one-line reason. */
  public static Preprocessing parse(String spec) {
    return new Preprocessing(spec);
  }

  private void build() {
    List<SpecParser.ParsedOp> parsed = SpecParser.parse(spec);
    List<ImageOp> list = new ArrayList<>(parsed.size());
    List<String> texts = new ArrayList<>(parsed.size());
    int channels = 0;
    for (int i = 0; i < parsed.size(); i++) {
      ImageOp op = OpRegistry.create(parsed.get(i), spec);
      if (op instanceof Ops.Decode) {
        if (i != 0) {
          throw new UserError("op 'decode' must come first in spec '" + spec + "'");
        }
        channels = ((Ops.Decode) op).channels;
      } else {
        list.add(op);
        SpecParser.ParsedOp p = parsed.get(i);
        texts.add(p.rawArgs == null ? p.name : p.name + "(" + p.rawArgs + ")");
      }
    }
    this.decodeChannels = channels;
    this.ops = list.toArray(new ImageOp[0]);
    this.opTexts = texts.toArray(new String[0]);
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

  /**
   * Decodes (refusing images over {@link ImageCodec#DEFAULT_MAX_PIXELS}) and applies the ops; the
   * spec must start with decode.
   */
  public Image apply(byte[] encoded, long seed) {
    return apply(encoded, seed, ImageCodec.DEFAULT_MAX_PIXELS);
  }

  /**
   * Decodes and applies the ops; the spec must start with decode.
   *
   * @param maxPixels the largest width x height decoded; a larger image is refused from its header
   * @throws ImageTooLargeException     when the header declares more than {@code maxPixels} pixels
   * @throws ImageDecodeException       when the bytes are not a decodable image
   * @throws SpecNotApplicableException when an op cannot apply to the decoded image's size
   */
  public Image apply(byte[] encoded, long seed, long maxPixels) {
    if (decodeChannels == 0) {
      throw new IllegalStateException("spec '" + spec + "' does not start with decode; use"
          + " apply(Image, seed) for decoded images");
    }
    return run(ImageCodec.decode(encoded, decodeChannels, maxPixels), seed);
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
    for (int i = 0; i < ops.length; i++) {
      try {
        out = ops[i].apply(out, rng);
      } catch (SpecNotApplicableException e) {
        throw new SpecNotApplicableException(String.format("op '%s' of spec '%s' cannot apply to the %dx%dx%d image"
            + " it gets (decoded %dx%dx%d): %s", opTexts[i], spec, out.height(), out.width(), out.channels(),
            img.height(), img.width(), img.channels(), e.getMessage()), e);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "Preprocessing(" + spec + ")";
  }
}
