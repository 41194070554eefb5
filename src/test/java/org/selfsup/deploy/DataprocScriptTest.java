package org.selfsup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/dataproc/selfsup-dataproc.sh in dry-run mode: the gcloud commands it prints carry the conf's
 * properties (compared with conf/spark-defaults.conf read by java.util.Properties, as Spark reads
 * it), the staged jar, the main class and the job's flags unchanged.
 */
class DataprocScriptTest {
  static final String SCRIPT = "dataproc/selfsup-dataproc.sh";

  /** A --properties value: KEY=VALUE pairs joined by commas, or by D when it starts with ^D^. */
  static Map<String, String> properties(String value, String keyPrefix) {
    String sep = ",";
    if (value.startsWith("^")) {
      int close = value.indexOf('^', 1);
      sep = value.substring(1, close);
      value = value.substring(close + 1);
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (String pair : value.split(Pattern.quote(sep))) {
      int eq = pair.indexOf('=');
      String key = pair.substring(0, eq);
      assertTrue(key.startsWith(keyPrefix), pair);
      map.put(key.substring(keyPrefix.length()), pair.substring(eq + 1));
    }
    return map;
  }

  @Test
  void aJobCarriesTheConfTheJarTheMainClassAndTheFlags() throws Exception {
    List<String> job = List.of("pretrain", "--dataset_dir", "gs://bk/data", "--workdir", "gs://bk/runs/a b",
        "--preprocess", "decode|inception_crop(32)|flip_lr", "--decay_epochs", "15,25");
    List<String> argv = new java.util.ArrayList<>(List.of("--dry-run", "submit", "--cluster", "c1", "--region",
        "europe-west1", "--bucket", "gs://bk/", "--project", "p1", "--"));
    argv.addAll(job);
    List<List<String>> commands = DeployScripts.run(SCRIPT, argv.toArray(new String[0])).ok().commands();
    assertEquals(1, commands.size());
    List<String> c = commands.get(0);
    assertEquals(List.of("gcloud", "dataproc", "jobs", "submit", "spark"), c.subList(0, 5));
    assertEquals("c1", DeployScripts.option(c, "--cluster"));
    assertEquals("europe-west1", DeployScripts.option(c, "--region"));
    assertEquals("p1", DeployScripts.option(c, "--project"));
    assertEquals(DeployScripts.MAIN_CLASS, DeployScripts.option(c, "--class"));
    assertEquals("gs://bk/selfsup/" + DeployScripts.version() + "/" + DeployScripts.jarName(), DeployScripts.option(c, "--jars"));
    assertEquals(DeployScripts.sparkDefaults(), properties(DeployScripts.option(c, "--properties"), ""));
    assertEquals(job, DeployScripts.afterDoubleDash(c));
  }

  @Test
  void aPropertyOverrideWithACommaSwitchesToGcloudsDelimiterSyntax() throws Exception {
    List<String> c = DeployScripts.run(SCRIPT, "--dry-run", "submit", "--cluster", "c1", "--region", "r",
        "--bucket", "gs://bk", "--property", "spark.executor.memoryOverhead=8g", "--property", "spark.extra=a,b",
        "--", "compare", "--workdir", "gs://bk/e").ok().commands().get(0);
    String value = DeployScripts.option(c, "--properties");
    assertTrue(value.startsWith("^#^"), value);
    Map<String, String> expected = new LinkedHashMap<>(DeployScripts.sparkDefaults());
    expected.put("spark.executor.memoryOverhead", "8g");
    expected.put("spark.extra", "a,b");
    assertEquals(expected, properties(value, ""));
  }

  @Test
  void clustersGetTheConfAsSparkPropertiesSizedExecutorsAndTheGpuDriver() throws Exception {
    List<String> cpu = DeployScripts.run(SCRIPT, "--dry-run", "create-cluster", "--cluster", "c1", "--region",
        "us-central1", "--bucket", "gs://bk", "--workers", "3").ok().commands().get(0);
    assertEquals(List.of("gcloud", "dataproc", "clusters", "create", "c1"), cpu.subList(0, 5));
    assertTrue(DeployScripts.option(cpu, "--image-version").startsWith("2.2"), cpu.toString());
    assertEquals("3", DeployScripts.option(cpu, "--num-workers"));
    Map<String, String> expected = new LinkedHashMap<>(DeployScripts.sparkDefaults());
    expected.put("spark.dynamicAllocation.enabled", "false");
    expected.put("spark.executor.instances", "12"); // 3 workers x 4 executors
    expected.put("spark.executor.memory", "6g");
    assertEquals(expected, properties(DeployScripts.option(cpu, "--properties"), "spark:"));
    assertTrue(cpu.stream().noneMatch(w -> w.contains("accelerator") || w.contains("initialization-action")), cpu.toString());

    List<String> gpu = DeployScripts.run(SCRIPT, "--dry-run", "create-cluster", "--cluster", "g1", "--region",
        "us-central1", "--bucket", "gs://bk", "--gpu", "nvidia-tesla-t4:2", "--cuda_version", "12.4").ok().commands().get(0);
    assertEquals("type=nvidia-tesla-t4,count=2", DeployScripts.option(gpu, "--worker-accelerator"));
    assertEquals("gs://goog-dataproc-initialization-actions-us-central1/gpu/install_gpu_driver.sh",
        DeployScripts.option(gpu, "--initialization-actions"));
    assertTrue(DeployScripts.option(gpu, "--metadata").contains("cuda-version=12.4"), gpu.toString());
    Map<String, String> props = properties(DeployScripts.option(gpu, "--properties"), "spark:");
    assertEquals("4", props.get("spark.executor.instances")); // one executor per GPU: 2 workers x 2
    assertEquals("1", props.get("spark.executor.resource.gpu.amount"));
    assertEquals("/usr/lib/spark/scripts/gpu/getGpusResources.sh", props.get("spark.executor.resource.gpu.discoveryScript"));
  }

  @Test
  void stagingCopiesTheBuiltJarAndTheConf() throws Exception {
    List<List<String>> c = DeployScripts.run(SCRIPT, "--dry-run", "stage", "--bucket", "gs://bk").ok().commands();
    String dir = "gs://bk/selfsup/" + DeployScripts.version() + "/";
    assertEquals(List.of("gcloud", "storage", "cp", DeployScripts.ROOT.resolve("target").resolve(DeployScripts.jarName())
        .toString(), dir + DeployScripts.jarName()), c.get(0));
    assertEquals(List.of("gcloud", "storage", "cp", DeployScripts.ROOT.resolve("conf/spark-defaults.conf").toString(),
        dir + "spark-defaults.conf"), c.get(1));
  }

  @Test
  void serverlessBatchesRunOnRuntime12AndRefuseScala213Runtimes() throws Exception {
    List<String> c = DeployScripts.run(SCRIPT, "--dry-run", "batch", "--region", "r", "--bucket", "gs://bk", "--",
        "compare", "--workdir", "gs://bk/e").ok().commands().get(0);
    assertEquals(List.of("gcloud", "dataproc", "batches", "submit", "spark"), c.subList(0, 5));
    assertEquals("1.2", DeployScripts.option(c, "--version"));
    assertEquals(DeployScripts.MAIN_CLASS, DeployScripts.option(c, "--class"));
    assertEquals(DeployScripts.sparkDefaults(), properties(DeployScripts.option(c, "--properties"), ""));
    assertEquals(List.of("compare", "--workdir", "gs://bk/e"), DeployScripts.afterDoubleDash(c));
    for (String runtime : new String[] {"2.2", "2.3", "3.0"}) {
      DeployScripts.Run refused = DeployScripts.run(SCRIPT, "--dry-run", "batch", "--region", "r", "--bucket",
          "gs://bk", "--runtime", runtime, "--", "compare", "--workdir", "gs://bk/e");
      assertEquals(2, refused.code, refused.err);
      assertEquals("", refused.out);
      assertEquals(1, refused.err.strip().lines().count(), refused.err);
      assertTrue(refused.err.contains("runtime " + runtime + " runs Scala 2.13") && refused.err.contains("--runtime 1.2"),
          refused.err);
    }
  }

  @Test
  void theLoopSubmitsTheStepsInOrderAsJobsOrBatches() throws Exception {
    List<String> loop = List.of("--", "--dataset_dir", "gs://bk/data", "--run_dir", "gs://bk/runs/1", "--task",
        "jigsaw", "--architecture", "vgg19_bn");
    for (boolean serverless : new boolean[] {false, true}) {
      List<String> argv = new java.util.ArrayList<>(List.of("--dry-run", "loop", "--region", "r", "--bucket", "gs://bk"));
      argv.addAll(serverless ? List.of("--serverless") : List.of("--cluster", "c1"));
      argv.addAll(loop);
      List<List<String>> c = DeployScripts.run(SCRIPT, argv.toArray(new String[0])).ok().commands();
      assertEquals(5, c.size(), c.toString());
      List<String> subcommands = new java.util.ArrayList<>();
      for (List<String> command : c) {
        assertEquals(serverless ? "batches" : "jobs", command.get(2));
        assertEquals(DeployScripts.sparkDefaults(), properties(DeployScripts.option(command, "--properties"), ""));
        subcommands.add(DeployScripts.afterDoubleDash(command).get(0));
      }
      assertEquals(List.of("pretrain", "evaluate", "evaluate", "evaluate", "compare"), subcommands);
      List<String> pretrain = DeployScripts.afterDoubleDash(c.get(0));
      assertEquals("jigsaw", pretrain.get(pretrain.indexOf("--task") + 1));
      assertEquals("vgg19_bn", pretrain.get(pretrain.indexOf("--architecture") + 1));
      assertEquals("gs://bk/runs/1/pretrain", pretrain.get(pretrain.indexOf("--workdir") + 1));
    }
  }
}
