package org.selfsup.cli;

/**
 * A subcommand that checks its flags, and the inputs they name, before Spark starts: what
 * {@code selfsup --validate_only SUBCOMMAND ...} runs instead of the subcommand.
 */
interface ChecksBeforeSpark {
  /** The checks the subcommand runs before Spark starts; a {@code UserError} names the flag or file at fault. */
  void checkBeforeSpark() throws Exception;
}
