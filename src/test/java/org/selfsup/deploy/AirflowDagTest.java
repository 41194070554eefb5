package org.selfsup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/airflow/selfsup_dag.py without Airflow (not installable here): it compiles with python3,
 * and run against stand-ins for the five Airflow classes it imports (they record their keyword
 * arguments and the >> edges) it builds four DAGs whose tasks are the steps of selfsup_steps.py, in
 * order, with the conf's properties, the jar and the main class. What this cannot check: that the
 * real operators accept these keyword arguments, and the templating at run time.
 */
class AirflowDagTest {
  /** The stand-ins: airflow.DAG and the operators, recording what the DAG file gives them. */
  static final String STUBS = String.join("\n",
      "import json, sys, types",
      "DAGS, EDGES = {}, []",
      "class DAG:",
      "    current = None",
      "    def __init__(self, dag_id, **kw): self.dag_id, self.tasks = dag_id, []; DAGS[dag_id] = self",
      "    def __enter__(self): DAG.current = self; return self",
      "    def __exit__(self, *a): DAG.current = None",
      "class Operator:",
      "    def __init__(self, task_id, **kw):",
      "        self.task_id, self.kw = task_id, kw",
      "        DAG.current.tasks.append(self)",
      "    def __rshift__(self, other): EDGES.append((DAG.current.dag_id, self.task_id, other.task_id)); return other",
      "def module(name, **attrs):",
      "    m = types.ModuleType(name); m.__dict__.update(attrs); sys.modules[name] = m",
      "module('airflow', DAG=DAG)",
      "for name, cls in [('airflow.providers.amazon.aws.operators.emr', 'EmrAddStepsOperator'),",
      "                  ('airflow.providers.amazon.aws.sensors.emr', 'EmrStepSensor'),",
      "                  ('airflow.providers.apache.spark.operators.spark_submit', 'SparkSubmitOperator'),",
      "                  ('airflow.providers.google.cloud.operators.dataproc', 'DataprocSubmitJobOperator'),",
      "                  ('airflow.providers.google.cloud.operators.dataproc', 'DataprocCreateBatchOperator')]:",
      "    m = sys.modules.get(name) or types.ModuleType(name); sys.modules[name] = m",
      "    setattr(m, cls, type(cls, (Operator,), {}))",
      "import runpy",
      "runpy.run_path(sys.argv[1])",
      "print(json.dumps({'dags': {d: [{'type': type(t).__name__, 'task_id': t.task_id, 'kw': t.kw} for t in dag.tasks]",
      "                            for d, dag in DAGS.items()}, 'edges': EDGES}))",
      "");

  static String python3() {
    String p = AirflowStepsIT.python3();
    assumeTrue(p != null, "python3 not found (/usr/bin/python3): the DAG file was not checked");
    return p;
  }

  static String run(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(DeployScripts.ROOT.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + out);
    return out;
  }

  @Test
  void theDagAndTheStepsModuleCompile(@TempDir Path tmp) throws Exception {
    String python = python3();
    for (String file : new String[] {"selfsup_dag.py", "selfsup_steps.py"}) {
      run(Map.of("PYTHONPYCACHEPREFIX", tmp.toString()), python, "-m", "py_compile", "deploy/airflow/" + file);
    }
  }

  @Test
  void theDagsRunTheStepsInOrderOnEachPlatform(@TempDir Path tmp) throws Exception {
    String python = python3();
    Path stubs = tmp.resolve("dag_with_stubs.py");
    Files.writeString(stubs, STUBS);
    Map<String, String> env = new java.util.HashMap<>(Map.of("PYTHONPATH", DeployScripts.ROOT.resolve("deploy/airflow").toString(),
        "PYTHONDONTWRITEBYTECODE", "1",
        "SELFSUP_CONF", DeployScripts.ROOT.resolve("conf/spark-defaults.conf").toString()));
    env.putAll(Map.of(
        "SELFSUP_DATASET_DIR", "gs://bk/data", "SELFSUP_RUN_DIR", "gs://bk/runs/r",
        "SELFSUP_IMPORT_SOURCE", "fashion_mnist", "SELFSUP_SOURCE_DIR", "gs://bk/raw",
        "SELFSUP_PRETRAIN_FLAGS", "--epochs 1 --preprocess 'decode|flip_lr'",
        "SELFSUP_JAR", "gs://bk/j.jar", "SELFSUP_EMR_JAR", "s3://bk/j.jar", "SELFSUP_DATAPROC_CLUSTER", "c1"));
    JsonNode built = EmrScriptTest.JSON.readTree(run(env, python, stubs.toString(),
        DeployScripts.ROOT.resolve("deploy/airflow/selfsup_dag.py").toString()));
    // the reference: the steps module's own command lines for the same parameters
    List<List<String>> steps = new ArrayList<>();
    for (String line : run(Map.of(), python, "deploy/airflow/selfsup_steps.py", "--dataset_dir", "gs://bk/data",
        "--run_dir", "gs://bk/runs/r", "--import_source", "fashion_mnist", "--source_dir", "gs://bk/raw",
        "--pretrain_flags", "--epochs 1 --preprocess 'decode|flip_lr'", "print").strip().split("\n")) {
      steps.add(List.of(line.split("\t")));
    }
    assertEquals(6, steps.size());
    assertTrue(steps.get(1).contains("decode|flip_lr"), steps.get(1).toString());
    Map<String, String> conf = DeployScripts.sparkDefaults();

    JsonNode dataproc = built.get("dags").get("selfsup_loop_dataproc");
    JsonNode batches = built.get("dags").get("selfsup_loop_dataproc_serverless");
    JsonNode spark = built.get("dags").get("selfsup_loop_spark_submit");
    JsonNode emr = built.get("dags").get("selfsup_loop_emr");
    assertEquals(4, built.get("dags").size());
    for (int i = 0; i < steps.size(); i++) {
      String name = steps.get(i).get(0);
      List<String> args = steps.get(i).subList(1, steps.get(i).size());

      JsonNode job = dataproc.get(i).get("kw").get("job");
      assertEquals(name, dataproc.get(i).get("task_id").asText());
      assertEquals("c1", job.get("placement").get("cluster_name").asText());
      assertEquals(DeployScripts.MAIN_CLASS, job.get("spark_job").get("main_class").asText());
      assertEquals(List.of("gs://bk/j.jar"), EmrScriptTest.stringList(job.get("spark_job").get("jar_file_uris")));
      assertEquals(args, EmrScriptTest.stringList(job.get("spark_job").get("args")));
      assertEquals(conf, EmrScriptTest.stringMap(job.get("spark_job").get("properties")));

      JsonNode batch = batches.get(i).get("kw").get("batch");
      assertEquals("1.2", batch.get("runtime_config").get("version").asText());
      assertEquals(conf, EmrScriptTest.stringMap(batch.get("runtime_config").get("properties")));
      assertEquals(args, EmrScriptTest.stringList(batch.get("spark_batch").get("args")));

      JsonNode submit = spark.get(i).get("kw");
      assertEquals(DeployScripts.MAIN_CLASS, submit.get("java_class").asText());
      assertEquals(args, EmrScriptTest.stringList(submit.get("application_args")));
      assertEquals(conf, EmrScriptTest.stringMap(submit.get("conf")));

      JsonNode add = emr.get(2 * i);
      JsonNode sensor = emr.get(2 * i + 1);
      assertEquals("EmrAddStepsOperator", add.get("type").asText());
      assertEquals("EmrStepSensor", sensor.get("type").asText());
      assertTrue(sensor.get("kw").get("step_id").asText().contains("task_ids='" + name + "'"), sensor.toString());
      JsonNode hadoopStep = add.get("kw").get("steps").get(0).get("HadoopJarStep");
      assertEquals("command-runner.jar", hadoopStep.get("Jar").asText());
      assertEquals(args, EmrScriptTest.checkSparkSubmit(EmrScriptTest.stringList(hadoopStep.get("Args")), "s3://bk/j.jar"));
    }
    // every DAG a chain: each task after the one before it
    for (String dag : new String[] {"selfsup_loop_dataproc", "selfsup_loop_dataproc_serverless",
        "selfsup_loop_spark_submit", "selfsup_loop_emr"}) {
      JsonNode tasks = built.get("dags").get(dag);
      List<String> expected = new ArrayList<>();
      for (int i = 1; i < tasks.size(); i++) {
        expected.add(tasks.get(i - 1).get("task_id").asText() + ">>" + tasks.get(i).get("task_id").asText());
      }
      List<String> edges = new ArrayList<>();
      for (JsonNode e : built.get("edges")) {
        if (e.get(0).asText().equals(dag)) {
          edges.add(e.get(1).asText() + ">>" + e.get(2).asText());
        }
      }
      assertEquals(expected, edges, dag);
    }
  }
}
