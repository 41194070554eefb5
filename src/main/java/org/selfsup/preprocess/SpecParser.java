package org.selfsup.preprocess;

import org.selfsup.runtime.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Splits a spec string into op names and numeric arguments (no op semantics here). */
final class SpecParser {
  private SpecParser() {}

  private static final Pattern OP =
      Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(?:\\((.*)\\))?", Pattern.DOTALL);
  private static final Pattern NUMBER =
      Pattern.compile("[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?");

  /** Bad arguments; the registry turns this into a message naming the op and the spec. */
  static final class BadArgs extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadArgs(String detail) {
      super(detail, null, false, false);
    }
  }

  /** The numeric arguments of one op. */
  static final class Args {
    private final double[] values;

    Args(double[] values) {
      this.values = values;
    }

    int count() {
      return values.length;
    }

    void requireCount(int min, int max) {
      if (values.length < min || values.length > max) {
        throw new BadArgs(null);
      }
    }

    /** Argument {@code i} as an int, after checking that there are {@code min..max} arguments. */
    int intAt(int i, int min, int max) {
      requireCount(min, max);
      double v = values[i];
      if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
        throw new BadArgs("argument " + (i + 1) + " is not an integer: " + v);
      }
      return (int) v;
    }

    int oneInt() {
      return intAt(0, 1, 1);
    }

    float floatAt(int i) {
      if (i >= values.length) {
        throw new BadArgs(null);
      }
      return (float) values[i];
    }

    float oneFloat() {
      requireCount(1, 1);
      return floatAt(0);
    }
  }

  /** One op: its name, the text inside the parentheses (null if none) and the numbers (null if
   * some argument is not a number). */
  static final class ParsedOp {
    final String name;
    final String rawArgs;
    final Args args;

    ParsedOp(String name, String rawArgs, Args args) {
      this.name = name;
      this.rawArgs = rawArgs;
      this.args = args;
    }
  }

  static List<ParsedOp> parse(String spec) {
    if (spec == null || spec.trim().isEmpty()) {
      throw new UserError("empty preprocessing spec; expected ops separated by '|',"
          + " e.g. 'decode|resize(224)|value_range(-1,1)'");
    }
    String[] parts = spec.split("\\|", -1);
    List<ParsedOp> ops = new ArrayList<>(parts.length);
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].trim().isEmpty()) {
        throw new UserError("empty op at position " + (i + 1) + " in spec '" + spec
            + "'");
      }
      ops.add(parseOp(parts[i], spec));
    }
    return ops;
  }

  static ParsedOp parseOp(String text, String spec) {
    String t = text.trim();
    Matcher m = OP.matcher(t);
    if (!m.matches()) {
      throw new UserError("malformed op '" + t + "' in spec '" + spec
          + "'; expected name or name(arg, ...)");
    }
    String name = m.group(1);
    String raw = m.group(2);
    if (raw == null) {
      return new ParsedOp(name, null, new Args(new double[0]));
    }
    String inner = raw.trim();
    if (inner.isEmpty()) {
      return new ParsedOp(name, raw, new Args(new double[0]));
    }
    String[] items = inner.split(",", -1);
    double[] values = new double[items.length];
    for (int i = 0; i < items.length; i++) {
      String s = items[i].trim();
      if (!NUMBER.matcher(s).matches()) {
        return new ParsedOp(name, raw, null);
      }
      values[i] = Double.parseDouble(s);
    }
    return new ParsedOp(name, raw, new Args(values));
  }
}
