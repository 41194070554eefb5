package org.selfsup.cli;

import java.util.Locale;
import org.selfsup.eval.LinearProbe;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** --probe_solver: blocked or mllib; picocli names the flag in front of the message. */
final class ProbeSolverConverter implements ITypeConverter<LinearProbe.Solver> {
  @Override
  public LinearProbe.Solver convert(String value) {
    try {
      return LinearProbe.Solver.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("must be blocked or mllib, not '" + value + "'");
    }
  }
}
