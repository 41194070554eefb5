package org.selfsup.preprocess;

import org.selfsup.runtime.UserError;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Name to factory for the preprocessing ops of a spec string such as
 * {@code decode|inception_crop(224)|flip_lr|value_range(-1,1)}.
 *
 * <p>Grammar: ops separated by {@code |}; each {@code name} or {@code name(arg, ...)} with numeric
 * arguments (integers or decimals, optionally signed, with an optional exponent); whitespace
 * around names, parentheses, commas and bars is ignored.
 */
public final class OpRegistry {
  private OpRegistry() {}

  /** Builds an op from its parsed arguments; throws IllegalArgumentException on bad ones. */
  interface Factory {
    ImageOp create(SpecParser.Args args);
  }

  private static final class Entry {
    final String expects;
    final Factory factory;

    Entry(String expects, Factory factory) {
      this.expects = expects;
      this.factory = factory;
    }
  }

  private static final Map<String, Entry> OPS = new TreeMap<>();

  static {
    register("decode", "no argument or 1 integer argument (channels: 1 or 3)",
        a -> new Ops.Decode(a.count() == 0 ? 3 : a.oneInt()));
    register("resize", "1 or 2 integer arguments",
        a -> new Ops.Resize(a.intAt(0, 1, 2), a.intAt(a.count() - 1, 1, 2)));
    register("resize_small", "1 integer argument", a -> new Ops.ResizeSmall(a.oneInt()));
    register("central_crop", "1 or 2 integer arguments",
        a -> new Ops.CentralCrop(a.intAt(0, 1, 2), a.intAt(a.count() - 1, 1, 2)));
    register("random_crop", "1 or 2 integer arguments",
        a -> new Ops.RandomCrop(a.intAt(0, 1, 2), a.intAt(a.count() - 1, 1, 2)));
    register("inception_crop", "1 integer argument (size) or 3 (size, min_area, max_area)",
        a -> {
          a.requireCount(1, 3);
          if (a.count() == 2) {
            throw new SpecParser.BadArgs(null);
          }
          return a.count() == 1
              ? new InceptionCrop(a.intAt(0, 1, 3), 0.05f, 1f)
              : new InceptionCrop(a.intAt(0, 1, 3), a.floatAt(1), a.floatAt(2));
        });
    register("flip_lr", "no argument or 1 number (probability)",
        a -> new Ops.FlipLr(a.count() == 0 ? 0.5f : a.oneFloat()));
    register("grayscale", "no argument or 1 number (probability)",
        a -> new Ops.Grayscale(a.count() == 0 ? 1f : a.oneFloat()));
    register("value_range", "2 or 4 numbers (out_min, out_max[, in_min, in_max])",
        a -> {
          a.requireCount(2, 4);
          if (a.count() == 3) {
            throw new SpecParser.BadArgs(null);
          }
          float inMin = a.count() == 4 ? a.floatAt(2) : 0f;
          float inMax = a.count() == 4 ? a.floatAt(3) : 255f;
          return new Ops.ValueRange(a.floatAt(0), a.floatAt(1), inMin, inMax);
        });
    register("standardize", "no arguments", a -> {
      a.requireCount(0, 0);
      return new Ops.Standardize();
    });
    register("color_distort", "no arguments", a -> {
      a.requireCount(0, 0);
      return new Ops.ColorDistort();
    });
    register("patch_grid", "2 integer arguments (cells per side, patch size)",
        a -> new Ops.RandomPatchGrid(a.intAt(0, 2, 2), a.intAt(1, 2, 2)));
    register("central_patch_grid", "2 integer arguments (cells per side, patch size)",
        a -> new Ops.CentralPatchGrid(a.intAt(0, 2, 2), a.intAt(1, 2, 2)));
    register("standardize_patches", "1 integer argument (cells per side)",
        a -> new Ops.StandardizePatches(a.oneInt()));
    register("rotate", "1 integer argument (quarter turns counter-clockwise)",
        a -> new Ops.Rotate(a.oneInt()));
  }

  private static void register(String name, String expects, Factory factory) {
    if (OPS.put(name, new Entry(expects, factory)) != null) {
      throw new IllegalStateException("op registered twice: " + name);
    }
  }

  /** The known op names, sorted. */
  public static Set<String> names() {
    return Collections.unmodifiableSet(OPS.keySet());
  }

  /** Builds one op from its text, e.g. {@code "resize(224)"}. */
  public static ImageOp create(String opText) {
    SpecParser.ParsedOp op = SpecParser.parseOp(opText, opText);
    return create(op, opText);
  }

  static ImageOp create(SpecParser.ParsedOp op, String spec) {
    Entry e = OPS.get(op.name);
    if (e == null) {
      throw new UserError("unknown preprocessing op '" + op.name + "' in spec '"
          + spec + "'; known ops: " + String.join(", ", OPS.keySet()));
    }
    String got = op.rawArgs == null ? "no arguments" : "'(" + op.rawArgs + ")'";
    if (op.args == null) {
      throw new UserError("op '" + op.name + "' expects " + e.expects + ", got "
          + got + " in spec '" + spec + "'");
    }
    try {
      return e.factory.create(op.args);
    } catch (SpecParser.BadArgs | IllegalArgumentException ex) {
      String detail = ex.getMessage() == null ? "" : " (" + ex.getMessage() + ")";
      throw new UserError("op '" + op.name + "' expects " + e.expects + ", got "
          + got + " in spec '" + spec + "'" + detail, ex);
    }
  }
}
