package org.selfsup.preprocess;

import org.selfsup.runtime.UserError;

/**
 * A preprocessing op that cannot apply to an image of the size (or channels) it was given, such
 * as a crop larger than the image: a mistake in the configuration, not in the data, so it is
 * never skipped as a bad record. {@link Preprocessing} adds the spec, the op and the image size;
 * the record reader adds the file and record.
 */
public class SpecNotApplicableException extends UserError {
  private static final long serialVersionUID = 1L;

  public SpecNotApplicableException(String message) {
    super(message);
  }

  public SpecNotApplicableException(String message, Throwable cause) {
    super(message, cause);
  }
}
