package org.selfsup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.cli.Main;
import org.selfsup.data.IdxFixtures;
import org.selfsup.eval.ProbeReport;
import org.selfsup.models.Architectures;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.TrainConfig;

/**
 * The job flags the deploy scripts submit pass the CLI's own checks ({@code selfsup --validate_only},
 * the checks every subcommand runs before Spark starts), so a script cannot pass a flag, or a value,
 * that the CLI refuses. The bucket is mapped onto a local folder laid out as a run would leave it:
 * Fashion-MNIST IDX files to import, the committed sample as the imported shards, a checkpoint in
 * the pretraining workdir, a report in the evaluation workdir.
 */
class DeployedJobFlagsTest {
  static final String TASK = "rotation";
  static final String ARCHITECTURE = "resnet50v2";
  static final String[] LOOP = {"--dataset_dir", "BUCKET/data/fmnist", "--run_dir", "BUCKET/runs/1", "--task", TASK,
      "--architecture", ARCHITECTURE, "--import_source", "fashion_mnist", "--source_dir", "BUCKET/raw",
      "--import_flags", "--shards train=4 --shards test=1",
      "--pretrain_flags", "--filters_factor 1 --small_input --blocks_per_stage 1,1 --input_size 32 --epochs 0.5",
      "--evaluate_flags", "--limit train=100 --reg_params 1e-3 --max_iter 10"};

  static Path bucket(Path tmp) throws Exception {
    Path b = tmp.resolve("bucket");
    IdxFixtures.write(b.resolve("raw"), "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 20, 28, 28, true);
    IdxFixtures.write(b.resolve("raw"), "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10, 28, 28, true);
    Path data = Files.createDirectories(b.resolve("data/fmnist"));
    try (Stream<Path> shards = Files.list(DeployScripts.ROOT.resolve("src/test/resources/fashion_mnist_sample"))) {
      for (Path shard : (Iterable<Path>) shards::iterator) {
        Files.copy(shard, data.resolve(shard.getFileName().toString()));
      }
    }
    // evaluate --checkpoint reads the checkpoint's state.json (never the network): a tiny graph will do
    Checkpoint.State state = new Checkpoint.State();
    state.config = TrainConfig.forTask(TASK);
    state.config.architecture = ARCHITECTURE;
    state.endpoints = new LinkedHashMap<>();
    for (String e : Architectures.get(ARCHITECTURE).evalEndpoints()) {
      state.endpoints.put(e, e);
    }
    ComputationGraph tiny = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs("in").addLayer("out", new OutputLayer.Builder().nIn(2).nOut(2).build(), "in").setOutputs("out").build());
    tiny.init();
    Checkpoint.save(new Configuration(), b.resolve("runs/1/pretrain").toString(), tiny, state);
    new ProbeReport(100, 50, 200, List.of(new ProbeReport.Entry("pixels", 784, 1e-3, 0.8, 0.8, 0.99, 1)))
        .writeJson(new Configuration(), b.resolve("runs/1/eval/eval-raw_pixels.json").toString());
    return b;
  }

  /** The loop's flags with BUCKET as the given URI. */
  static List<String> loopFlags(String bucketUri) {
    List<String> flags = new ArrayList<>();
    for (String f : LOOP) {
      flags.add(f.replace("BUCKET", bucketUri));
    }
    return flags;
  }

  /** selfsup --validate_only ARGS with the bucket URI mapped onto the local folder; checks exit 0 and no Spark. */
  static void assertValid(List<String> job, String bucketUri, Path local) {
    List<String> args = new ArrayList<>(List.of("--validate_only"));
    for (String a : job) {
      args.add(a.startsWith(bucketUri) ? local + a.substring(bucketUri.length()) : a);
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      code = Main.run(args.toArray(new String[0]));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    String printed = o.toString(StandardCharsets.UTF_8) + e.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, args + "\n" + printed);
    assertTrue(printed.contains("flags ok: selfsup " + job.get(0)), printed);
    assertTrue(SparkSession.getDefaultSession().isEmpty(), "a SparkSession was created for " + args);
  }

  /** The job arguments of each command a Dataproc loop prints (jobs, or Serverless batches). */
  static List<List<String>> dataprocJobs(boolean serverless) throws Exception {
    List<String> argv = new ArrayList<>(List.of("--dry-run", "loop", "--region", "r", "--bucket", "gs://bk"));
    argv.addAll(serverless ? List.of("--serverless") : List.of("--cluster", "c1"));
    argv.add("--");
    argv.addAll(loopFlags("gs://bk"));
    List<List<String>> jobs = new ArrayList<>();
    for (List<String> c : DeployScripts.run(DataprocScriptTest.SCRIPT, argv.toArray(new String[0])).ok().commands()) {
      jobs.add(DeployScripts.afterDoubleDash(c));
    }
    return jobs;
  }

  @Test
  void theDataprocJobsAndBatchesPassTheClisChecks(@TempDir Path tmp) throws Exception {
    Path local = bucket(tmp);
    List<List<String>> jobs = dataprocJobs(false);
    assertEquals(jobs, dataprocJobs(true), "batches run the same jobs");
    List<String> subcommands = new ArrayList<>();
    for (List<String> job : jobs) {
      subcommands.add(job.get(0));
      assertValid(job, "gs://bk", local);
    }
    assertEquals(List.of("import", "pretrain", "evaluate", "evaluate", "evaluate", "compare"), subcommands);
  }

  @Test
  void theEmrStepsAndServerlessJobRunsPassTheClisChecks(@TempDir Path tmp) throws Exception {
    Path local = bucket(tmp);
    List<String> argv = new ArrayList<>(List.of("--dry-run", "loop", "--cluster_id", "j-1", "--region", "r",
        "--bucket", "s3://bk", "--"));
    argv.addAll(loopFlags("s3a://bk"));
    List<String> c = DeployScripts.run(EmrScriptTest.SCRIPT, argv.toArray(new String[0])).ok().commands().get(0);
    JsonNode steps = EmrScriptTest.JSON.readTree(DeployScripts.option(c, "--steps"));
    String jar = "s3://bk/selfsup/" + DeployScripts.version() + "/" + DeployScripts.jarName();
    List<List<String>> jobs = new ArrayList<>();
    for (JsonNode step : steps) {
      jobs.add(EmrScriptTest.checkSparkSubmit(EmrScriptTest.stringList(step.get("Args")), jar));
    }
    assertEquals(6, jobs.size());
    for (List<String> job : jobs) {
      assertValid(job, "s3a://bk", local);
    }

    argv = new ArrayList<>(List.of("--dry-run", "serverless-loop", "--application_id", "a", "--role_arn",
        "arn:aws:iam::123456789012:role/r", "--region", "r", "--bucket", "s3://bk", "--"));
    argv.addAll(loopFlags("s3a://bk"));
    List<List<String>> runs = new ArrayList<>();
    for (List<String> run : DeployScripts.run(EmrScriptTest.SCRIPT, argv.toArray(new String[0])).ok().commands()) {
      JsonNode submit = EmrScriptTest.JSON.readTree(DeployScripts.option(run, "--job-driver")).get("sparkSubmit");
      runs.add(EmrScriptTest.stringList(submit.get("entryPointArguments")));
    }
    assertEquals(jobs, runs, "EMR Serverless runs the same jobs as the steps");
  }

  @Test
  void aFlagTheCliLacksFailsTheCheck(@TempDir Path tmp) throws IOException {
    // the same check with one wrong flag: what keeps the test above from passing whatever the scripts print
    PrintStream err = System.err;
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      code = Main.run("--validate_only", "compare", "--workdir", tmp.toString(), "--run_dir", tmp.toString());
    } finally {
      System.setErr(err);
    }
    assertEquals(2, code);
    assertTrue(e.toString(StandardCharsets.UTF_8).contains("Unknown options: '--run_dir'"), e.toString(StandardCharsets.UTF_8));
  }
}
