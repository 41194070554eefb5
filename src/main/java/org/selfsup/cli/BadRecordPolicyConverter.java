package org.selfsup.cli;

import java.util.Locale;
import org.selfsup.data.BadRecordPolicy;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** --on_bad_record: fail or skip; picocli names the flag in front of the message. */
final class BadRecordPolicyConverter implements ITypeConverter<BadRecordPolicy> {
  @Override
  public BadRecordPolicy convert(String value) {
    try {
      return BadRecordPolicy.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("must be fail or skip, not '" + value + "'");
    }
  }
}
