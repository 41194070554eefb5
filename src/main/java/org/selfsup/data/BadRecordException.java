package org.selfsup.data;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.selfsup.runtime.UserError;

/**
 * A TFRecord record that cannot be read: carries the file, the 0-based record index within
 * that file, the kind of failure and a human-readable reason. Unchecked, serializable, so it
 * travels from a Spark executor to the driver; use {@link #findIn(Throwable)} to dig it out of
 * a {@code SparkException}.
 *
 * <p>Every message contains {@code "record <n> in <file>"}. A bad record is a mistake in the user's
 * input, so this is a {@link UserError}: under {@link BadRecordPolicy#FAIL} it ends the command
 * with its one-line message.
 */
public class BadRecordException extends UserError {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final long record;
  private final BadRecordKind kind;
  private final String key;

  public BadRecordException(BadRecordKind kind, String file, long record, String message, String key,
               Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.file = file;
    this.record = record;
    this.key = key;
  }

  public BadRecordException(BadRecordKind kind, String file, long record, String message) {
    this(kind, file, record, message, null, null);
  }

  /** The shard path, as given to the reader (null only when rebuilt from a message that lacked it). */
  public String file() {
    return file;
  }

  /** 0-based index of the record within its file; -1 when unknown. */
  public long record() {
    return record;
  }

  /** Why the record is bad; null when rebuilt from a message that did not say. */
  public BadRecordKind kind() {
    return kind;
  }

  /** For MISSING_KEY / WRONG_TYPE: the feature key concerned; otherwise null. */
  public String key() {
    return key;
  }

  // ---- messages (one place, so they stay consistent and parseable) ----

  static BadRecordException truncated(String file, long record, long bytesRead, long bytesExpected,
                    boolean inHeader, Throwable cause) {
    String what = inHeader
        ? "file ends after " + bytesRead + " of the " + bytesExpected + " header bytes"
        : "file ends after " + bytesRead + " of " + bytesExpected + " bytes";
    return new BadRecordException(BadRecordKind.TRUNCATED, file, record,
        "truncated record " + record + " in " + file + " (" + what + ")", null, cause);
  }

  static BadRecordException corruptStream(String file, long record, Throwable cause) {
    return new BadRecordException(BadRecordKind.CORRUPT_STREAM, file, record,
        "unreadable compressed stream at record " + record + " in " + file + " ("
            + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")", null, cause);
  }

  static BadRecordException lengthCrc(String file, long record, int stored, int computed) {
    return new BadRecordException(BadRecordKind.LENGTH_CRC, file, record,
        "corrupt length header of record " + record + " in " + file
            + " (length crc32c mismatch: stored " + hex(stored) + ", computed " + hex(computed) + ")");
  }

  static BadRecordException tooLong(String file, long record, long length) {
    return new BadRecordException(BadRecordKind.LENGTH_CRC, file, record,
        "corrupt length header of record " + record + " in " + file
            + " (length " + length + " exceeds the 2 GiB record limit)");
  }

  static BadRecordException dataCrc(String file, long record, int stored, int computed) {
    return new BadRecordException(BadRecordKind.DATA_CRC, file, record,
        "corrupt data in record " + record + " in " + file
            + " (data crc32c mismatch: stored " + hex(stored) + ", computed " + hex(computed) + ")");
  }

  static BadRecordException notAnExample(String file, long record, Throwable cause) {
    return new BadRecordException(BadRecordKind.NOT_AN_EXAMPLE, file, record,
        "record " + record + " in " + file + " is not a tf.train.Example (" + cause.getMessage() + ")",
        null, cause);
  }

  static BadRecordException missingKey(String file, long record, String key) {
    return new BadRecordException(BadRecordKind.MISSING_KEY, file, record,
        "record " + record + " in " + file + " has no '" + key + "'", key, null);
  }

  static BadRecordException emptyKey(String file, long record, String key) {
    return new BadRecordException(BadRecordKind.MISSING_KEY, file, record,
        "record " + record + " in " + file + " has an empty '" + key + "'", key, null);
  }

  static BadRecordException wrongType(String file, long record, String key, String found, String expected) {
    return new BadRecordException(BadRecordKind.WRONG_TYPE, file, record,
        "record " + record + " in " + file + " has '" + key + "' of type " + found
            + ", expected " + expected, key, null);
  }

  public static BadRecordException undecodableImage(String file, long record, String reason) {
    return new BadRecordException(BadRecordKind.UNDECODABLE_IMAGE, file, record,
        "record " + record + " in " + file + " has an undecodable image (" + reason + ")");
  }

  public static BadRecordException imageTooLarge(String file, long record, String reason) {
    return new BadRecordException(BadRecordKind.IMAGE_TOO_LARGE, file, record,
        "record " + record + " in " + file + " has an image too large to decode (" + reason + ")");
  }

  private static String hex(int v) {
    return String.format("0x%08x", v);
  }

  // ---- finding it again on the driver ----

  private static final String PREFIX = BadRecordException.class.getName() + ": ";
  private static final Pattern WHERE = Pattern.compile(
      "record (\\d+) in (.+?)(?: \\(| has | is |$)");

  /**
   * The first {@code BadRecordException} in {@code t}'s cause (and suppressed) chain; if the chain
   * was lost on the way (Spark sometimes keeps only the executor's stack trace as text in the
   * {@code SparkException} message), one rebuilt from the first message that names this class.
   * Returns null when there is none.
   */
  public static BadRecordException findIn(Throwable t) {
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      if (c instanceof BadRecordException) {
        return (BadRecordException) c;
      }
      for (Throwable s : c.getSuppressed()) {
        BadRecordException found = findIn(s);
        if (found != null) {
          return found;
        }
      }
    }
    seen.clear();
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      BadRecordException parsed = parse(c.getMessage());
      if (parsed != null) {
        return parsed;
      }
    }
    return null;
  }

  /** Rebuilds an exception from text containing {@code "org.selfsup.data.BadRecordException: <message>"}. */
  static BadRecordException parse(String text) {
    if (text == null) {
      return null;
    }
    int at = text.indexOf(PREFIX);
    if (at < 0) {
      return null;
    }
    int start = at + PREFIX.length();
    int end = text.indexOf('\n', start);
    String message = (end < 0 ? text.substring(start) : text.substring(start, end)).trim();
    String file = null;
    long record = -1;
    Matcher m = WHERE.matcher(message);
    if (m.find()) {
      record = Long.parseLong(m.group(1));
      file = m.group(2);
    }
    BadRecordKind kind = null;
    if (message.startsWith("truncated record")) {
      kind = BadRecordKind.TRUNCATED;
    } else if (message.startsWith("corrupt length header")) {
      kind = BadRecordKind.LENGTH_CRC;
    } else if (message.startsWith("corrupt data")) {
      kind = BadRecordKind.DATA_CRC;
    } else if (message.startsWith("unreadable compressed stream")) {
      kind = BadRecordKind.CORRUPT_STREAM;
    } else if (message.contains(" is not a tf.train.Example")) {
      kind = BadRecordKind.NOT_AN_EXAMPLE;
    } else if (message.contains(" has no '") || message.contains(" has an empty '")) {
      kind = BadRecordKind.MISSING_KEY;
    } else if (message.contains(" has an undecodable image")) {
      kind = BadRecordKind.UNDECODABLE_IMAGE;
    } else if (message.contains(" has an image too large to decode")) {
      kind = BadRecordKind.IMAGE_TOO_LARGE;
    } else if (message.contains(", expected ")) {
      kind = BadRecordKind.WRONG_TYPE;
    }
    String key = null;
    if (kind == BadRecordKind.MISSING_KEY || kind == BadRecordKind.WRONG_TYPE) {
      Matcher k = Pattern.compile("'([^']+)'").matcher(message);
      if (k.find()) {
        key = k.group(1);
      }
    }
    return new BadRecordException(kind, file, record, message, key, null);
  }
}
