package org.selfsup.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The log file of one run. The console shows this project's progress and one line per error;
 * everything else (Spark's task failures, stack traces) goes to this file only
 * (src/main/resources/log4j2.properties reads its path from the system property {@value #PROPERTY}).
 *
 * <p>Default: {@code $SELFSUP_LOG_DIR/selfsup-<yyyyMMdd-HHmmss>-<pid>.log}, {@code $SELFSUP_LOG_DIR}
 * defaulting to {@code ./logs}; {@code -Dselfsup.log.file=PATH} names the file itself.
 */
public final class RunLog {
  public static final String PROPERTY = "selfsup.log.file";
  public static final String DIR_ENV = "SELFSUP_LOG_DIR";
  /** The logger whose events go to the log file only (stack traces of failures). */
  public static final String FILE_ONLY_LOGGER = "selfsup.file";

  private RunLog() {}

  /** Chooses this run's log file unless one is set; call before anything logs. */
  public static void choose() {
    if (System.getProperty(PROPERTY) == null) {
      String dir = System.getenv(DIR_ENV);
      String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      Path file = Paths.get(dir == null || dir.isEmpty() ? "logs" : dir,
          "selfsup-" + stamp + "-" + ProcessHandle.current().pid() + ".log");
      System.setProperty(PROPERTY, file.toAbsolutePath().toString());
    }
  }

  /** This run's log file, or null when logging was set up without one. */
  public static Path file() {
    String p = System.getProperty(PROPERTY);
    return p == null ? null : Paths.get(p).toAbsolutePath();
  }

  /** " (log: PATH)" when the log file exists, so that an error line can point at the details; else "". */
  public static String pointer() {
    Path f = file();
    return f != null && Files.exists(f) ? " (log: " + f + ")" : "";
  }
}
