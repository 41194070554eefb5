package org.selfsup.cli;

import java.io.FileNotFoundException;
import org.selfsup.data.BadRecordException;
import org.selfsup.preprocess.ImageDecodeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code selfsup SUBCOMMAND [FLAGS]}, for spark-submit and local runs alike. */
@Command(name = "selfsup", mixinStandardHelpOptions = true, version = "selfsup-spark 0.1.0",
    description = "Revisiting self-supervised visual representation learning, on Spark and DL4J.",
    subcommands = {ImportCommand.class, InspectCommand.class, PretrainCommand.class, EvaluateCommand.class, CompareCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (0 ok, 1 failure, 2 user mistake). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      String userMistake = userMistake(ex);
      if (userMistake != null) {
        commandLine.getErr().println("error: " + userMistake);
        return 2;
      }
      throw ex;
    });
    return cli.execute(args);
  }

  /** The one-line message for a mistake in the user's input, or null for a real failure. */
  static String userMistake(Throwable ex) {
    BadRecordException bad = BadRecordException.findIn(ex);
    if (bad != null) {
      return bad.getMessage();
    }
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException || t instanceof ImageDecodeException
          || t instanceof FileNotFoundException) {
        return t.getMessage();
      }
    }
    return null;
  }
}
