package org.selfsup.deploy;

import java.util.ArrayList;
import java.util.List;

/** Splits a command line into words as a POSIX shell does for single quotes, backslashes and blanks. */
final class ShellWords {
  private ShellWords() {}

  static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == ' ' || c == '\t') {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
        continue;
      }
      if (word == null) {
        word = new StringBuilder();
      }
      if (c == '\'') {
        int close = line.indexOf('\'', i + 1);
        if (close < 0) {
          throw new IllegalArgumentException("unclosed quote in: " + line);
        }
        word.append(line, i + 1, close);
        i = close;
      } else if (c == '\\' && i + 1 < line.length()) {
        word.append(line.charAt(++i));
      } else if ("\"$`;&|<>(){}*?".indexOf(c) >= 0) {
        throw new IllegalArgumentException("unquoted shell character '" + c + "' in: " + line);
      } else {
        word.append(c);
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }
}
