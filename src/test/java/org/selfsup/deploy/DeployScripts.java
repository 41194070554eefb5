package org.selfsup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;

/** Runs the scripts of deploy/ and reads what they print; the references the tests compare against. */
final class DeployScripts {
  static final Path ROOT = Paths.get("").toAbsolutePath();
  static final String MAIN_CLASS = "org.selfsup.cli.Main";

  private DeployScripts() {}

  static final class Run {
    final int code;
    final String out;
    final String err;

    Run(int code, String out, String err) {
      this.code = code;
      this.out = out;
      this.err = err;
    }

    /** Each printed command as its words, read back as a shell would. */
    List<List<String>> commands() {
      List<List<String>> commands = new ArrayList<>();
      for (String line : out.strip().split("\n")) {
        if (!line.isBlank()) {
          commands.add(ShellWords.split(line));
        }
      }
      return commands;
    }

    Run ok() {
      assertEquals(0, code, "stdout:\n" + out + "\nstderr:\n" + err);
      return this;
    }
  }

  /** Runs deploy/SCRIPT with the arguments (no network: the tests pass --dry-run). */
  static Run run(String script, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("deploy").resolve(script).toString()));
    command.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(command).directory(ROOT.toFile()).start();
    p.getOutputStream().close();
    byte[][] streams = new byte[2][];
    Thread err = new Thread(() -> streams[1] = readAll(p.getErrorStream()));
    err.start();
    streams[0] = readAll(p.getInputStream());
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("deploy/" + script + " did not end within 60 s");
    }
    err.join();
    return new Run(p.exitValue(), new String(streams[0], StandardCharsets.UTF_8), new String(streams[1], StandardCharsets.UTF_8));
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** conf/spark-defaults.conf as Spark reads it (java.util.Properties). */
  static Map<String, String> sparkDefaults() throws IOException {
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(ROOT.resolve("conf/spark-defaults.conf"), StandardCharsets.UTF_8)) {
      props.load(r);
    }
    Map<String, String> map = new LinkedHashMap<>();
    props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k)));
    return map;
  }

  /** The project's version, from pom.xml. */
  static String version() throws Exception {
    return XPathFactory.newInstance().newXPath().evaluate("/project/version",
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile()));
  }

  static String jarName() throws Exception {
    return "selfsup-spark-" + version() + "-spark.jar";
  }

  /** The words after "--" (the job's arguments), or after the option list. */
  static List<String> afterDoubleDash(List<String> command) {
    int i = command.indexOf("--");
    return i < 0 ? List.of() : command.subList(i + 1, command.size());
  }

  /** The value of a --name=VALUE or --name VALUE option before "--". */
  static String option(List<String> command, String name) {
    int end = command.contains("--") ? command.indexOf("--") : command.size();
    for (int i = 0; i < end; i++) {
      String w = command.get(i);
      if (w.startsWith(name + "=")) {
        return w.substring(name.length() + 1);
      }
      if (w.equals(name) && i + 1 < end) {
        return command.get(i + 1);
      }
    }
    throw new AssertionError("no " + name + " in " + command);
  }
}
