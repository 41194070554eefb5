package org.selfsup.runtime;

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

  /** The first UserError in {@code t}'s cause chain, or null. */
  public static UserError findIn(Throwable t) {
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      if (c instanceof UserError) {
        return (UserError) c;
      }
    }
    return null;
  }
}
