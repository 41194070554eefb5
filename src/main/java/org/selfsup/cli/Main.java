package org.selfsup.cli;

import java.io.PrintWriter;
import java.util.List;
import org.selfsup.data.BadRecordException;
import org.selfsup.runtime.CloudCredentials;
import org.selfsup.runtime.RunLog;
import org.selfsup.runtime.UserError;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The one entry point: {@code selfsup SUBCOMMAND [FLAGS]}, for spark-submit and local runs alike. */
@Command(name = "selfsup", mixinStandardHelpOptions = true, version = "selfsup-spark 0.1.0",
    description = "Revisiting self-supervised visual representation learning, on Spark and DL4J.",
    subcommands = {ImportCommand.class, InspectCommand.class, PretrainCommand.class, EvaluateCommand.class, CompareCommand.class, ExportCommand.class, EmbedCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  static final int FAILURE = 1;
  static final int USER_ERROR = 2;

  @Option(names = "--validate_only", description = "Run only the subcommand's checks of its flags and of the inputs "
      + "they name (what it checks before Spark starts), print 'flags ok', and exit 0; no Spark.")
  boolean validateOnly;

  public static void main(String[] args) {
    RunLog.choose(); // before anything logs
    System.exit(run(args));
  }

  /**
   * Runs a command line and returns its exit code: 0 ok; 2 a mistake in the user's input (a
   * {@link UserError}, a flag picocli cannot parse), one line on stderr; 1 anything else, one
   * line on stderr and the stack trace in the log file.
   */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setParameterExceptionHandler((ex, cliArgs) -> {
      CommandLine at = ex.getCommandLine();
      at.getErr().println("error: " + oneLine(ex.getMessage()) + " (see: " + at.getCommandSpec().qualifiedName() + " --help)");
      return USER_ERROR;
    });
    cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(ex, commandLine.getErr()));
    cli.setExecutionStrategy(parsed -> cli.<Main>getCommand().validateOnly ? validateOnly(parsed)
        : new CommandLine.RunLast().execute(parsed));
    try {
      return cli.execute(args);
    } catch (Throwable t) { // an Error that picocli let through
      return report(t, cli.getErr());
    }
  }

  private static int validateOnly(CommandLine.ParseResult parsed) {
    Integer help = CommandLine.executeHelpRequest(parsed);
    if (help != null) {
      return help;
    }
    List<CommandLine> commands = parsed.asCommandLineList();
    CommandLine last = commands.get(commands.size() - 1);
    if (!(last.getCommand() instanceof ChecksBeforeSpark)) {
      throw new CommandLine.ParameterException(last, "--validate_only needs one of the subcommands import, inspect, "
          + "pretrain, evaluate, compare");
    }
    try {
      ((ChecksBeforeSpark) last.getCommand()).checkBeforeSpark();
    } catch (Exception e) {
      throw new CommandLine.ExecutionException(last, "checking " + last.getCommandName(), e);
    }
    last.getOut().println("flags ok: " + last.getCommandSpec().qualifiedName());
    last.getOut().flush();
    return 0;
  }

  /** Prints the one line for {@code ex} (and logs its trace to the log file); returns the exit code. */
  static int report(Throwable ex, PrintWriter err) {
    String mistake = userMistake(ex);
    String log = RunLog.pointer();
    if (mistake != null) {
      if (!log.isEmpty()) { // the run got going: keep the whole story with Spark's in the file
        LoggerFactory.getLogger(RunLog.FILE_ONLY_LOGGER).error("error: {}", mistake, ex);
      }
      err.println("error: " + oneLine(mistake) + RunLog.pointer());
      err.flush();
      return USER_ERROR;
    }
    LoggerFactory.getLogger(RunLog.FILE_ONLY_LOGGER).error("internal failure", ex);
    String where = RunLog.pointer();
    err.println("error: internal failure: " + oneLine(ex.toString())
        + (where.isEmpty() ? "" : "; stack trace in the log" + where));
    if (where.isEmpty()) { // no log file to hold it
      ex.printStackTrace(err);
    }
    err.flush();
    return FAILURE;
  }

  /** The one-line message for a mistake in the user's input, or null for a failure of the program. */
  static String userMistake(Throwable ex) {
    BadRecordException bad = BadRecordException.findIn(ex);
    if (bad != null) {
      return bad.getMessage();
    }
    UserError user = UserError.findIn(ex);
    if (user == null) {
      user = CloudCredentials.userErrorIn(ex);
    }
    return user == null ? null : user.getMessage();
  }

  private static String oneLine(String message) {
    return String.valueOf(message).strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
