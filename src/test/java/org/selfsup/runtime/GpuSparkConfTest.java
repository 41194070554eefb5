package org.selfsup.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * The GPU executors' Spark settings (conf/spark-defaults-gpu.conf), the GPU discovery script
 * (conf/gpu/getGpusResources.sh) read by Spark's own parser, and the backend of the default build.
 */
class GpuSparkConfTest {
  private static final Path CPU = Paths.get("conf", "spark-defaults.conf");
  private static final Path GPU = Paths.get("conf", "spark-defaults-gpu.conf");
  private static final Path SCRIPT = Paths.get("conf", "gpu", "getGpusResources.sh");

  @TempDir
  Path tmp;

  private static SparkConf load(Path file) {
    SparkConf conf = new SparkConf(false);
    SparkSessions.loadDefaults(conf, file);
    return conf;
  }

  @Test
  void theGpuConfIsTheDefaultsPlusOneGpuPerExecutor() {
    SparkConf cpu = load(CPU);
    SparkConf gpu = load(GPU);
    for (Tuple2<String, String> kv : cpu.getAll()) {
      assertEquals(kv._2(), gpu.get(kv._1(), null), kv._1() + " differs from " + CPU);
    }
    assertEquals("1", gpu.get("spark.executor.resource.gpu.amount"));
    assertEquals("1", gpu.get("spark.task.resource.gpu.amount"));
    assertTrue(gpu.get("spark.executor.resource.gpu.discoveryScript").startsWith("/"),
        "the script is run on the workers before any file is fetched: an absolute path");
    assertEquals(cpu.getAll().length + 3, gpu.getAll().length, "only the three GPU settings are added");
  }

  private String discover(String smiOutput, String cudaVisibleDevices) throws IOException, InterruptedException {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path smi = bin.resolve("nvidia-smi");
    Files.write(smi, ("#!/bin/sh\nprintf '" + smiOutput + "'\n").getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString()).redirectErrorStream(false);
    Map<String, String> env = pb.environment();
    env.put("PATH", bin + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.remove("CUDA_VISIBLE_DEVICES");
    if (cudaVisibleDevices != null) {
      env.put("CUDA_VISIBLE_DEVICES", cudaVisibleDevices);
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor(), "exit status; stdout " + out);
    return out;
  }

  @Test
  void theDiscoveryScriptPrintsWhatSparkParses() throws Exception {
    // nvidia-smi --query-gpu=index --format=csv,noheader prints one index a line
    ResourceInformation all = ResourceInformation.parseJson(discover("0\\n1\\n3\\n", null));
    assertEquals("gpu", all.name());
    assertArrayEquals(new String[] {"0", "1", "3"}, all.addresses());
    ResourceInformation visible = ResourceInformation.parseJson(discover("0\\n1\\n3\\n", "3,0"));
    assertArrayEquals(new String[] {"0", "3"}, visible.addresses());
    ResourceInformation none = ResourceInformation.parseJson(discover("", null));
    assertArrayEquals(new String[0], none.addresses());
  }

  @Test
  void theDefaultBuildRunsNd4jOnTheCpuBackend() {
    // mvn -Pgpu swaps in org.nd4j.linalg.jcublas.JCublasBackend ("CUDA"); the default build must not
    assertEquals("CPU", Nd4jSetup.backend());
    assertEquals("org.nd4j.linalg.cpu.nativecpu.CpuBackend", Nd4jSetup.backendClass());
    String line = Nd4jSetup.describe();
    assertTrue(line.startsWith("ND4J backend CPU (org.nd4j.linalg.cpu.nativecpu.CpuBackend)"), line);
    assertNotEquals(-1, line.indexOf("oneDNN"), line);
  }
}
