package org.selfsup.runtime;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mistake in what the user gave: a flag, a file, a spec, a record. The one exception type that
 * the command line turns into exit code 2 and a single line (its message, which names the flag,
 * file or record at fault); every other exception is a failure of the program (exit 1, with its
 * stack trace in the log).
 *
 * <p>It extends IllegalArgumentException so that code which validates arguments keeps reading
 * naturally; an IllegalArgumentException that is not a UserError is an internal error.
 */
public class UserError extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** "org.selfsup.some.Class: message" as it appears in a stack trace turned into text. */
  private static final Pattern IN_TEXT = Pattern.compile("(org\\.selfsup\\.[\\w.$]+): ([^\\r\\n]*)");

  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }

  /** Throws a UserError with {@code message} unless {@code ok}. */
  public static void require(boolean ok, String message) {
    if (!ok) {
      throw new UserError(message);
    }
  }

  /**
   * The first UserError in {@code t}'s cause (and suppressed) chain. When the chain was lost on
   * the way from an executor (Spark may keep only the executor's stack trace, as text in a
   * {@code SparkException}'s message), one rebuilt from the first "org.selfsup.X: message" line
   * in a message whose X is a UserError. Null when there is none.
   */
  public static UserError findIn(Throwable t) {
    UserError found = inChain(t, Collections.newSetFromMap(new IdentityHashMap<>()));
    if (found != null) {
      return found;
    }
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      UserError parsed = parse(c.getMessage());
      if (parsed != null) {
        return parsed;
      }
    }
    return null;
  }

  private static UserError inChain(Throwable t, Set<Throwable> seen) {
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      if (c instanceof UserError) {
        return (UserError) c;
      }
      for (Throwable s : c.getSuppressed()) {
        UserError found = inChain(s, seen);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** A UserError with the message of the first UserError (of any subclass) named in {@code text}. */
  static UserError parse(String text) {
    if (text == null) {
      return null;
    }
    Matcher m = IN_TEXT.matcher(text);
    while (m.find()) {
      if (isUserErrorClass(m.group(1))) {
        return new UserError(m.group(2).trim());
      }
    }
    return null;
  }

  private static boolean isUserErrorClass(String name) {
    try {
      return UserError.class.isAssignableFrom(Class.forName(name, false, UserError.class.getClassLoader()));
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
