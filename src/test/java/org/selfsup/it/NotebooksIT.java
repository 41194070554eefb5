package org.selfsup.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Executes both notebooks end to end with {@code jupyter nbconvert --execute} (Debian's Python,
 * installed by {@code notebooks/install_deps.sh} when this runs as root), and checks that every
 * cell ran without an error output, that the pictures are there, and what they were drawn from:
 * the committed bundle names most rotations right, and inspect_run shows the probe report that
 * try_pretrained's {@code evaluate --module} wrote. Executed notebooks: {@code target/notebooks/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NotebooksIT {
  private static final String PACKAGES =
      "python3-nbconvert python3-nbclient python3-ipykernel python3-matplotlib python3-pandas python3-numpy";
  private static final String IMPORTS = "import nbconvert, nbclient, ipykernel, matplotlib, pandas, numpy, PIL";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Path ROOT = Paths.get("").toAbsolutePath();
  private static final Path OUT = ROOT.resolve("target/notebooks");
  private static final Path TRY_WORK = OUT.resolve("try_pretrained-work");
  /** Debian's interpreter (the one python3-* packages install into), unless SELFSUP_NOTEBOOK_PYTHON says otherwise. */
  private static final String PYTHON = System.getenv().getOrDefault("SELFSUP_NOTEBOOK_PYTHON", "/usr/bin/python3");

  @BeforeAll
  static void pythonPackages() throws Exception {
    if (run(List.of(PYTHON, "-c", IMPORTS), Map.of(), OUT.resolve("python-check.log"), 60) == 0) {
      return;
    }
    Path log = OUT.resolve("install_deps.log");
    if (!"root".equals(System.getProperty("user.name"))) {
      fail("the notebooks need Python packages from Debian that " + PYTHON + " cannot import: as root, run "
          + "notebooks/install_deps.sh (apt-get install -y " + PACKAGES + ")");
    }
    int rc = run(List.of("bash", ROOT.resolve("notebooks/install_deps.sh").toString()), Map.of(), log, 900);
    assertEquals(0, rc, "notebooks/install_deps.sh failed (" + PACKAGES + "):\n" + tail(log));
    assertEquals(0, run(List.of(PYTHON, "-c", IMPORTS), Map.of(), OUT.resolve("python-check.log"), 60),
        "after notebooks/install_deps.sh, " + PYTHON + " still cannot import the packages");
  }

  @Test
  @Order(1)
  void tryPretrained() throws Exception {
    JsonNode nb = execute("try_pretrained", Map.of("SELFSUP_NOTEBOOK_WORK", TRY_WORK.toString()));
    // learning curves, rotation grid, neighbours grid, probe chart
    assertTrue(images(nb) >= 4, "image outputs: " + images(nb));

    Matcher rotation = Pattern.compile("rotation accuracy on these (\\d+) inputs: ([0-9.]+)").matcher(text(nb));
    assertTrue(rotation.find(), "no rotation accuracy line");
    assertEquals(48, Integer.parseInt(rotation.group(1)), "12 images in 4 rotations");
    // held-out rotation accuracy of the bundle is 0.959; chance is 0.25
    assertTrue(Double.parseDouble(rotation.group(2)) >= 0.75, rotation.group());

    JsonNode report = JSON.readTree(TRY_WORK.resolve("eval/eval-module.json").toFile());
    List<String> endpoints = new ArrayList<>();
    report.get("endpoints").forEach(e -> endpoints.add(e.get("endpoint").asText()));
    assertEquals(List.of("block2", "pre_logits"), endpoints.stream().sorted().collect(Collectors.toList()));
    for (JsonNode e : report.get("endpoints")) {
      // a trained trunk's features beat chance (0.1) on 10 classes by far, even on the 750-image sample
      assertTrue(e.get("testTop1").asDouble() > 0.4, e.toString());
      assertTrue(text(nb).contains(e.get("endpoint").asText()), "probe table shows " + e.get("endpoint"));
    }
  }

  @Test
  @Order(2)
  void inspectRun() throws Exception {
    // a workdir as a pretraining + evaluation would leave it: curves, inspect dumps, a report
    Path workdir = OUT.resolve("inspect_run-workdir");
    deleteTree(workdir);
    Files.createDirectories(workdir.resolve("look"));
    Files.copy(ROOT.resolve("models/quickstart_rotation/metrics.csv"), workdir.resolve("metrics.csv"));
    Path report = TRY_WORK.resolve("eval/eval-module.json");
    assertTrue(Files.exists(report), "run tryPretrained first: it writes " + report);
    Files.copy(report, workdir.resolve("eval-module.json"));
    List<Path> dumps;
    try (Stream<Path> s = Files.list(TRY_WORK.resolve("test_images"))) {
      dumps = s.sorted().limit(6).collect(Collectors.toList());
    }
    for (Path p : dumps) {
      Files.copy(p, workdir.resolve("look").resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    JsonNode nb = execute("inspect_run", Map.of("SELFSUP_WORKDIR", workdir.toString()));
    assertTrue(images(nb) >= 3, "curves, pictures and the probe chart; image outputs: " + images(nb));
    String text = text(nb);
    assertTrue(text.contains("showing 6 of 6 PNG files"), "the 6 dumped PNGs are shown");
    assertTrue(text.contains("eval-module") && text.contains("pre_logits"), "the report's table");
  }

  /** Runs nbconvert on notebooks/NAME.ipynb; returns the executed notebook, checked for error outputs. */
  private static JsonNode execute(String name, Map<String, String> env) throws Exception {
    Path log = OUT.resolve(name + ".log");
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("SELFSUP_ROOT", ROOT.toString());
    int rc = run(List.of(PYTHON, "-m", "nbconvert", "--to", "notebook", "--execute",
        "--ExecutePreprocessor.timeout=600", "--output-dir", OUT.toString(),
        ROOT.resolve("notebooks/" + name + ".ipynb").toString()), all, log, 900);
    assertEquals(0, rc, "nbconvert --execute " + name + ".ipynb failed:\n" + tail(log));
    JsonNode nb = JSON.readTree(OUT.resolve(name + ".ipynb").toFile());
    for (JsonNode cell : nb.get("cells")) {
      for (JsonNode output : cell.path("outputs")) {
        if ("error".equals(output.path("output_type").asText())) {
          fail(name + ": a cell raised " + output.path("ename").asText() + ": " + output.path("evalue").asText());
        }
      }
    }
    return nb;
  }

  private static long images(JsonNode nb) {
    long n = 0;
    for (JsonNode cell : nb.get("cells")) {
      for (JsonNode output : cell.path("outputs")) {
        n += output.path("data").has("image/png") ? 1 : 0;
      }
    }
    return n;
  }

  /** The text of every stream, plain-text and HTML output, concatenated. */
  private static String text(JsonNode nb) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode cell : nb.get("cells")) {
      for (JsonNode output : cell.path("outputs")) {
        for (JsonNode part : List.of(output.path("text"), output.path("data").path("text/plain"),
            output.path("data").path("text/html"))) {
          if (part.isArray()) {
            part.forEach(line -> sb.append(line.asText()));
          } else if (part.isTextual()) {
            sb.append(part.asText());
          }
          sb.append('\n');
        }
      }
    }
    return sb.toString();
  }

  private static int run(List<String> command, Map<String, String> env, Path log, long timeoutSeconds)
      throws IOException, InterruptedException {
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      Files.writeString(log, e.toString());
      return -1;
    }
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", command) + " ran past " + timeoutSeconds + " s:\n" + tail(log));
    }
    return p.exitValue();
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
          Files.delete(p);
        }
      }
    }
  }
}
