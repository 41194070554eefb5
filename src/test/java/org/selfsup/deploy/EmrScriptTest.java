package org.selfsup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * deploy/emr/selfsup-emr.sh in dry-run mode: the conf as the spark-defaults classification, each
 * step a {@code spark-submit --deploy-mode cluster} through command-runner.jar with the conf's
 * properties, the staged jar, the main class and the job's flags; the Serverless job run likewise.
 */
class EmrScriptTest {
  static final String SCRIPT = "emr/selfsup-emr.sh";
  static final ObjectMapper JSON = new ObjectMapper();

  static Map<String, String> stringMap(JsonNode object) {
    Map<String, String> map = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }

  static List<String> stringList(JsonNode array) {
    List<String> list = new ArrayList<>();
    array.forEach(n -> list.add(n.asText()));
    return list;
  }

  /** spark-submit's arguments: checks the fixed part and the --conf pairs, returns what follows them. */
  static List<String> checkSparkSubmit(List<String> args, String jar) throws Exception {
    assertEquals(List.of("spark-submit", "--deploy-mode", "cluster", "--class", DeployScripts.MAIN_CLASS), args.subList(0, 5));
    Map<String, String> conf = new LinkedHashMap<>();
    int i = 5;
    for (; args.get(i).equals("--conf"); i += 2) {
      String pair = args.get(i + 1);
      conf.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
    }
    assertEquals(DeployScripts.sparkDefaults(), conf);
    assertEquals(jar, args.get(i));
    return args.subList(i + 1, args.size());
  }

  @Test
  void theClusterGetsTheConfAsItsSparkDefaultsClassification() throws Exception {
    List<String> c = DeployScripts.run(SCRIPT, "--dry-run", "create-cluster", "--name", "n", "--region", "eu-west-1",
        "--bucket", "s3a://bk", "--workers", "3", "--executors_per_node", "2").ok().commands().get(0);
    assertEquals(List.of("aws", "emr", "create-cluster"), c.subList(0, 3));
    assertTrue(DeployScripts.option(c, "--release-label").startsWith("emr-7."), c.toString());
    JsonNode conf = JSON.readTree(DeployScripts.option(c, "--configurations"));
    assertEquals(1, conf.size());
    assertEquals("spark-defaults", conf.get(0).get("Classification").asText());
    Map<String, String> expected = new LinkedHashMap<>(DeployScripts.sparkDefaults());
    expected.put("spark.dynamicAllocation.enabled", "false");
    expected.put("spark.executor.instances", "6");
    expected.put("spark.executor.memory", "6g");
    assertEquals(expected, stringMap(conf.get(0).get("Properties")));
    JsonNode groups = JSON.readTree(DeployScripts.option(c, "--instance-groups"));
    assertEquals(3, groups.get(1).get("InstanceCount").asInt());
    assertEquals("s3://bk/selfsup/" + DeployScripts.version() + "/logs/", DeployScripts.option(c, "--log-uri"));

    DeployScripts.Run refused = DeployScripts.run(SCRIPT, "--dry-run", "create-cluster", "--name", "n", "--region",
        "eu-west-1", "--bucket", "s3://bk", "--release", "emr-6.15.0");
    assertEquals(2, refused.code);
    assertTrue(refused.err.contains("needs EMR 7"), refused.err);
  }

  @Test
  void aStepIsSparkSubmitInClusterModeWithTheConfTheJarAndTheFlags() throws Exception {
    List<String> job = List.of("evaluate", "--dataset_dir", "s3a://bk/data", "--workdir", "s3://bk/e", "--raw_pixels",
        "--name", "it's \"raw\"");
    List<String> argv = new ArrayList<>(List.of("--dry-run", "submit", "--cluster_id", "j-1", "--region", "eu-west-1",
        "--bucket", "s3://bk", "--"));
    argv.addAll(job);
    List<String> c = DeployScripts.run(SCRIPT, argv.toArray(new String[0])).ok().commands().get(0);
    assertEquals(List.of("aws", "emr", "add-steps"), c.subList(0, 3));
    assertEquals("j-1", DeployScripts.option(c, "--cluster-id"));
    JsonNode steps = JSON.readTree(DeployScripts.option(c, "--steps"));
    assertEquals(1, steps.size());
    JsonNode step = steps.get(0);
    assertEquals("CUSTOM_JAR", step.get("Type").asText());
    assertEquals("command-runner.jar", step.get("Jar").asText());
    assertEquals("CANCEL_AND_WAIT", step.get("ActionOnFailure").asText());
    String jar = "s3://bk/selfsup/" + DeployScripts.version() + "/" + DeployScripts.jarName();
    assertEquals(job, checkSparkSubmit(stringList(step.get("Args")), jar));
  }

  @Test
  void theLoopIsOneAddStepsCallWithTheStepsInOrder() throws Exception {
    List<String> c = DeployScripts.run(SCRIPT, "--dry-run", "loop", "--cluster_id", "j-1", "--region", "eu-west-1",
        "--bucket", "s3://bk", "--", "--dataset_dir", "s3://bk/data", "--run_dir", "s3://bk/runs/1",
        "--import_source", "fashion_mnist", "--source_dir", "s3://bk/raw").ok().commands().get(0);
    JsonNode steps = JSON.readTree(DeployScripts.option(c, "--steps"));
    List<String> names = new ArrayList<>();
    for (JsonNode step : steps) {
      names.add(step.get("Name").asText());
      checkSparkSubmit(stringList(step.get("Args")), "s3://bk/selfsup/" + DeployScripts.version() + "/" + DeployScripts.jarName());
    }
    assertEquals(List.of("selfsup import", "selfsup pretrain", "selfsup evaluate_random_init",
        "selfsup evaluate_pretrained", "selfsup evaluate_raw_pixels", "selfsup compare"), names);
  }

  @Test
  void aServerlessJobRunGetsTheJarTheMainClassTheFlagsAndTheConf() throws Exception {
    List<String> c = DeployScripts.run(SCRIPT, "--dry-run", "serverless-submit", "--application_id", "app1",
        "--role_arn", "arn:aws:iam::123456789012:role/selfsup", "--region", "eu-west-1", "--bucket", "s3://bk", "--",
        "compare", "--workdir", "s3://bk/e").ok().commands().get(0);
    assertEquals(List.of("aws", "emr-serverless", "start-job-run"), c.subList(0, 3));
    assertEquals("app1", DeployScripts.option(c, "--application-id"));
    JsonNode submit = JSON.readTree(DeployScripts.option(c, "--job-driver")).get("sparkSubmit");
    assertEquals("s3://bk/selfsup/" + DeployScripts.version() + "/" + DeployScripts.jarName(), submit.get("entryPoint").asText());
    assertEquals(List.of("compare", "--workdir", "s3://bk/e"), stringList(submit.get("entryPointArguments")));
    assertEquals("--class " + DeployScripts.MAIN_CLASS, submit.get("sparkSubmitParameters").asText());
    JsonNode app = JSON.readTree(DeployScripts.option(c, "--configuration-overrides")).get("applicationConfiguration");
    assertEquals("spark-defaults", app.get(0).get("classification").asText());
    assertEquals(DeployScripts.sparkDefaults(), stringMap(app.get(0).get("properties")));
  }
}
