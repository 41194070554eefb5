package org.selfsup.cli;

import java.util.Locale;
import org.selfsup.data.BadRecordPolicy;
import picocli.CommandLine.ITypeConverter;

final class BadRecordPolicyConverter implements ITypeConverter<BadRecordPolicy> {
  @Override
  public BadRecordPolicy convert(String value) {
    try {
      return BadRecordPolicy.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--on_bad_record must be fail or skip, not '" + value + "'");
    }
  }
}
