package org.selfsup.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The {@code -Pgpu} profile resolves and packages on a machine without a GPU: Maven builds a copy
 * of the project with it (tests skipped), and the application jar holds DL4J's CUDA backend with
 * its cuDNN-enabled natives instead of the CPU backend. Nothing runs on a GPU here; the build is
 * what CI can check. The copy is deleted afterwards (the jar is about 650 MB).
 */
class GpuProfileBuildIT {
  private static final long TIMEOUT_MINUTES = 20;

  @Test
  void theGpuProfileResolvesAndPackagesTheCudaBackend() throws Exception {
    Path root = Paths.get("").toAbsolutePath();
    Path copy = root.resolve("target/gpu-profile-build");
    Path log = root.resolve("target/it-logs/gpu-profile-build.log");
    deleteTree(copy);
    Files.createDirectories(log.getParent());
    Files.createDirectories(copy);
    Files.copy(root.resolve("pom.xml"), copy.resolve("pom.xml"));
    copyTree(root.resolve("src/main"), copy.resolve("src/main"));
    try {
      List<String> cmd = new ArrayList<>(List.of(maven(), "-B", "-Pgpu", "-DskipTests", "-Dmdep.skip=true", "package"));
      String repo = System.getProperty("selfsup.maven.repo", "");
      if (!repo.isEmpty()) {
        cmd.add(1, "-Dmaven.repo.local=" + repo);
      }
      Process p = new ProcessBuilder(cmd).directory(copy.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        fail("mvn -Pgpu package did not finish in " + TIMEOUT_MINUTES + " minutes; see " + log);
      }
      assertEquals(0, p.exitValue(), "mvn -Pgpu package failed; see " + log);

      Path jar;
      try (Stream<Path> s = Files.list(copy.resolve("target"))) {
        jar = s.filter(f -> f.getFileName().toString().endsWith("-spark.jar")).findFirst().orElse(null);
      }
      assertNotNull(jar, "no application jar in " + copy.resolve("target"));
      try (ZipFile z = new ZipFile(jar.toFile())) {
        assertNotNull(z.getEntry("org/nd4j/linalg/jcublas/JCublasBackend.class"), "no CUDA backend in " + jar);
        assertTrue(z.getEntry("org/nd4j/linalg/cpu/nativecpu/CpuBackend.class") == null, "the CPU backend is in " + jar);
        // the cuDNN build of ND4J's CUDA natives (the profile's classifier), for Linux
        List<String> natives = z.stream().map(ZipEntry::getName)
            .filter(n -> n.startsWith("org/nd4j/linalg/jcublas/bindings/linux-x86_64-cudnn/") && n.contains("jnind4jcuda"))
            .collect(Collectors.toList());
        assertFalse(natives.isEmpty(), "no cuDNN-enabled ND4J CUDA natives for linux-x86_64 in " + jar);
        assertNotNull(z.getEntry("org/deeplearning4j/spark/impl/paramavg/ParameterAveragingTrainingMaster.class"),
            "dl4j-spark is missing from " + jar);
        assertNotNull(z.getEntry("org/selfsup/cli/Main.class"), "the application's classes are missing from " + jar);
      }
    } finally {
      deleteTree(copy);
    }
  }

  /** The Maven that runs this build (maven.home, passed on by the pom), else mvn on the PATH. */
  private static String maven() {
    String home = System.getProperty("selfsup.maven.home", "");
    if (!home.isEmpty() && Files.isExecutable(Paths.get(home, "bin", "mvn"))) {
      return Paths.get(home, "bin", "mvn").toString();
    }
    return "mvn";
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path f : s.collect(Collectors.toList())) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t);
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    }
  }
}
