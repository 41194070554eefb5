package org.selfsup.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.selfsup.S3TestServer;
import org.selfsup.eval.ProbeReport;
import org.selfsup.train.Checkpoint;

/**
 * End to end on a real Spark standalone cluster: one master and two workers (2 cores, 4 GB each)
 * on 127.0.0.1, started from the project's Maven jars, and the application submitted as on a
 * cluster: {@code SparkSubmit --deploy-mode cluster|client target/selfsup-spark-*-spark.jar ...}.
 * So the executors see only Spark's own jars plus the shaded application jar, and every closure,
 * RDD element and broadcast really crosses JVMs: serialisation and classpath mistakes that
 * {@code local[*]} hides fail here.
 *
 * <p>Pretraining and the evaluation of its checkpoint run in <b>cluster</b> deploy mode (the
 * driver on a worker, as EMR steps run) with the dataset, the workdir, checkpoints, metrics,
 * features and reports all on {@code s3a://}, served by an in-process S3 server (s3proxy in this
 * JVM, {@link S3TestServer}) that the driver and executors reach through {@code spark.hadoop.fs.s3a.*}
 * settings; the test reads the results back from the server. The raw-pixel evaluation runs in
 * client mode on the local disk. In cluster mode spark-submit exits 0 whatever the driver's
 * outcome (Spark's standalone Client), so each run's driver state is read from the master.
 * Damaged checkpoints on S3 and the resume from the one before are tested in
 * {@code train.S3aCheckpointTest} (local[2]).
 *
 * <p>The workers' {@code SPARK_HOME/jars} holds exactly what a Spark distribution would: the
 * closure of the project's provided dependencies (Spark, Scala, Hadoop, S3A and their
 * dependencies), read from the verbose dependency tree that the build writes in
 * {@code pre-integration-test}. DL4J, ND4J, TensorFlow, picocli must come from the application
 * jar. Logs: {@code target/it-logs/} (cluster daemons, spark-submit, client-mode drivers),
 * {@code target/it/work-N/DRIVER/stderr} (cluster-mode drivers) and
 * {@code target/it/work-N/APP/EXECUTOR/stderr} (executors).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
  private static final String HOST = "127.0.0.1";
  private static final int WORKERS = 2;
  /** Project jars that must reach the executors through the application jar only. */
  private static final List<String> APPLICATION_GROUPS = List.of(
      "org.deeplearning4j", "org.nd4j", "org.datavec", "org.bytedeco", "org.tensorflow", "info.picocli");
  private static final String HELPERS_FLAG = "-Dorg.eclipse.deeplearning4j.helpers.disable=false";
  /** Small off-heap limits: this is a 1000-image sample on a shared 2-core machine. */
  private static final String JVM_LIMITS = HELPERS_FLAG
      + " -Dorg.bytedeco.javacpp.maxbytes=1G -Dorg.bytedeco.javacpp.maxphysicalbytes=4G";
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");
  private static final String BUCKET = "selfsup-cluster-it";
  private static final String S3 = "s3a://" + BUCKET;
  /** Where the jobs in cluster mode read and write. */
  private static final String S3_DATA = S3 + "/fashion_mnist";
  private static final String S3_RUN = S3 + "/runs/rotation";
  private static final String S3_EVAL = S3 + "/evals/checkpoint";

  private enum DeployMode { CLIENT, CLUSTER }

  private static Path root;
  private static Path itDir;
  private static Path logs;
  private static Path sparkHome;
  private static Path appJar;
  private static Path sample;
  private static S3TestServer s3;
  private static final Configuration S3_CONF = new Configuration();
  private static String javaBin;
  private static List<String> opens;
  private static int masterPort;
  private static int masterUiPort;
  private static final List<Process> daemons = new ArrayList<>();
  private static Process submit;
  private static final StringBuilder summary = new StringBuilder();

  @BeforeAll
  static void startCluster() throws Exception {
    Runtime.getRuntime().addShutdownHook(new Thread(StandaloneClusterIT::stopAll));
    root = Paths.get("").toAbsolutePath();
    Path target = root.resolve("target");
    appJar = findAppJar(target);
    sample = root.resolve("src/test/resources/fashion_mnist_sample");
    assertTrue(Files.isDirectory(sample), "no test sample at " + sample);
    javaBin = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    opens = javaOpens();

    itDir = target.resolve("it");
    logs = target.resolve("it-logs");
    deleteTree(itDir);
    deleteTree(logs);
    Files.createDirectories(logs);
    sparkHome = itDir.resolve("spark-home");
    Files.createDirectories(sparkHome.resolve("conf"));
    linkProvidedJars(target.resolve("it-classpath"), sparkHome.resolve("jars"));

    s3 = S3TestServer.start(BUCKET);
    s3.configure(S3_CONF, BUCKET);
    org.apache.hadoop.fs.Path data = new org.apache.hadoop.fs.Path(S3_DATA);
    data.getFileSystem(S3_CONF).copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(sample.toUri()), data);

    // port 0: the master binds free ports itself and logs them, so no other process can take them
    // between a probe and the bind (a CI run once waited 120 s on a UI port that was not the master's)
    daemons.add(start(List.of("org.apache.spark.deploy.master.Master", "--host", HOST, "--port", "0",
        "--webui-port", "0"), "-Xmx512m", "master"));
    masterPort = awaitLoggedPort("master", "sparkMaster", Duration.ofSeconds(120));
    masterUiPort = awaitLoggedPort("master", "MasterUI", Duration.ofSeconds(60));
    for (int w = 1; w <= WORKERS; w++) {
      Path workDir = itDir.resolve("work-" + w);
      Files.createDirectories(workDir);
      daemons.add(start(List.of("org.apache.spark.deploy.worker.Worker", "--host", HOST, "--port", "0",
          "--webui-port", "0", "--cores", "2", "--memory", "4g", "--work-dir", workDir.toString(), masterUrl()),
          "-Xmx512m", "worker-" + w));
    }
    awaitAliveWorkers(Duration.ofSeconds(120));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    stopAll();
    if (s3 != null) {
      try {
        new org.apache.hadoop.fs.Path(S3 + "/").getFileSystem(S3_CONF).close();
      } finally {
        s3.close();
      }
    }
    if (summary.length() > 0 && logs != null) {
      Files.writeString(logs.resolve("summary.txt"), summary.toString());
      System.out.print(summary);
    }
  }

  @Test
  @Order(1)
  void pretrainInClusterModeOnS3() throws Exception {
    Run run = submit("pretrain", DeployMode.CLUSTER, List.of("pretrain", "--dataset_dir", S3_DATA, "--workdir", S3_RUN,
        "--task", "rotation", "--architecture", "resnet50v2", "--filters_factor", "1", "--small_input",
        "--input_size", "32", "--blocks_per_stage", "1,1", "--batch_size", "16", "--epochs", "0.34",
        "--chunks_per_epoch", "3", "--num_workers", "2"), Duration.ofSeconds(420), true);

    // on the server: every checkpoint folder holds its three objects, and the newest is intact
    TreeMap<String, List<String>> folders = new TreeMap<>();
    for (String key : s3Files("runs/rotation/checkpoints/")) {
      String[] parts = key.substring("runs/rotation/checkpoints/".length()).split("/");
      assertEquals(2, parts.length, "unexpected object " + key);
      folders.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(parts[1]);
    }
    assertFalse(folders.isEmpty(), "no checkpoint under " + S3_RUN);
    for (Map.Entry<String, List<String>> f : folders.entrySet()) {
      assertTrue(f.getKey().startsWith("step-"), f.getKey());
      assertEquals(List.of("manifest.json", "model.zip", "state.json"), f.getValue(), f.getKey());
    }
    Checkpoint newest = Checkpoint.latest(S3_CONF, S3_RUN);
    assertNotNull(newest, "no intact checkpoint in " + S3_RUN);
    assertEquals(folders.lastKey(), newest.dir.getName(), "the newest is intact");
    assertTrue(newest.state.imagesSeen > 0, "images seen " + newest.state.imagesSeen);

    List<String> metrics = readS3(S3_RUN + "/metrics.csv").lines().collect(Collectors.toList());
    // the header, the untrained network's step-0 row (no training loss yet), then one row per chunk
    assertTrue(metrics.size() >= 3, "metrics.csv has no chunk line: " + metrics);
    int lossColumn = Arrays.asList(metrics.get(0).split(",")).indexOf("loss");
    assertTrue(lossColumn >= 0, "no loss column in " + metrics.get(0));
    for (String line : metrics.subList(2, metrics.size())) {
      double loss = Double.parseDouble(line.split(",")[lossColumn]);
      assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss + " in " + line);
    }
    assertFalse(s3Files("runs/rotation/tensorboard/").isEmpty(), "no TensorBoard events under " + S3_RUN);
    summary.append(String.format("pretrain: on the server: %s, newest %s, metrics.csv %d rows%n",
        folders.keySet(), newest.dir.getName(), metrics.size() - 1));

    // parameter averaging trained on both executors: the tasks of the chunks' barrier stages
    assertTrue(run.driverLog.contains("parameter averaging: in one barrier stage per chunk"),
        "the driver did not train in barrier stages; see " + run.log);
    Set<String> trainingExecutors = executorsOfStages(run.driverLog,
        Pattern.compile("ResultStage (\\d+) \\([^\\n]*collect at BarrierAveraging"));
    summary.append(String.format("pretrain: training (barrier stage) tasks ran on executors %s%n",
        trainingExecutors));
    assertEquals(WORKERS, trainingExecutors.size(), "training tasks ran on executors " + trainingExecutors);
    assertTrue(run.driverLog.contains("oneDNN on"), "the driver did not log 'oneDNN on'; see " + run.log);
  }

  @Test
  @Order(2)
  void evaluateRawPixelsInClientModeOnTheLocalDisk() throws Exception {
    Path workdir = itDir.resolve("eval-raw");
    submit("evaluate-raw", DeployMode.CLIENT, List.of("evaluate", "--dataset_dir", sample.toString(),
        "--workdir", workdir.toString(), "--raw_pixels", "--limit", "train=150", "--limit", "val=100",
        "--limit", "test=200", "--reg_params", "1e-3", "--max_iter", "20"), Duration.ofSeconds(240), false);
    Path json = workdir.resolve("eval-raw_pixels.json");
    assertTrue(Files.exists(json), "no report " + json);
    checkReport(json.getFileName().toString(), Files.readString(json, StandardCharsets.UTF_8), "pixels");
  }

  @Test
  @Order(3)
  void evaluateTheCheckpointInClusterModeOnS3() throws Exception {
    assertNotNull(Checkpoint.latest(S3_CONF, S3_RUN), "pretraining left no checkpoint in " + S3_RUN);
    submit("evaluate-checkpoint", DeployMode.CLUSTER, List.of("evaluate", "--dataset_dir", S3_DATA,
        "--workdir", S3_EVAL, "--checkpoint", S3_RUN, "--limit", "train=150",
        "--limit", "val=100", "--limit", "test=200", "--reg_params", "1e-3", "--max_iter", "20"),
        Duration.ofSeconds(240), true);
    checkReport("eval-checkpoint.json", readS3(S3_EVAL + "/eval-checkpoint.json"), "pre_logits");
    // the features, as Parquet on the server: the rows of each split (counted from the files' footers)
    Map<String, Long> rows = new TreeMap<>();
    for (String split : List.of("train", "val", "test")) {
      rows.put(split, parquetRows(S3_EVAL + "/features-checkpoint/features/" + split));
    }
    assertEquals(Map.of("train", 150L, "val", 100L, "test", 200L), rows, "feature rows per split");
    assertFalse(s3Files("evals/checkpoint/tensorboard/").isEmpty(), "no TensorBoard events under " + S3_EVAL);
    summary.append(String.format("evaluate-checkpoint: Parquet feature rows on the server %s%n", rows));
  }

  /**
   * What the cluster-mode checks rest on: a driver that exits non-zero (here at once, on a flag it
   * refuses before Spark starts) ends FAILED at the master, while spark-submit still exits 0.
   */
  @Test
  @Order(4)
  void aFailingDriverInClusterModeIsSeenAsFailed() throws Exception {
    ClusterRun run = submitToCluster("evaluate-refused", List.of("evaluate", "--dataset_dir", S3_DATA,
        "--workdir", S3 + "/evals/refused", "--raw_pixels", "--max_iter", "0"), Duration.ofSeconds(120));
    assertEquals(0, run.submitExit, "spark-submit's exit in cluster mode, whatever the driver's; see " + run.submitLog);
    assertEquals("FAILED", run.state, "driver " + run.driverId + "; see " + run.driverDir);
    assertTrue(run.driverLog.lines().anyMatch(l -> l.startsWith("error: --max_iter must be positive")),
        "no one-line error in " + run.driverDir + "/stderr:\n" + tail(run.driverLog, 20));
    summary.append(String.format("evaluate-refused: driver %s %s: %s%n", run.driverId, run.state,
        run.driverLog.lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("")));
  }

  // ---- submission and its checks

  private static final class Run {
    final Path log;
    final String driverLog;
    final String appId;

    Run(Path log, String driverLog, String appId) {
      this.log = log;
      this.driverLog = driverLog;
      this.appId = appId;
    }
  }

  /** A cluster-mode submission: spark-submit's exit, and the driver's id, state, folder and log. */
  private static final class ClusterRun {
    final Path submitLog;
    final int submitExit;
    final String driverId;
    final String state;
    final Path driverDir;
    final String driverLog;

    ClusterRun(Path submitLog, int submitExit, String driverId, String state, Path driverDir, String driverLog) {
      this.submitLog = submitLog;
      this.submitExit = submitExit;
      this.driverId = driverId;
      this.state = state;
      this.driverDir = driverDir;
      this.driverLog = driverLog;
    }
  }

  /**
   * Submits the command and checks that it succeeded and used both workers' executors. Client mode:
   * as jobs/lib/launcher.sh does with a Spark installation, this JVM being the driver. Cluster mode:
   * the master starts the driver on a worker; the driver must end FINISHED.
   */
  private static Run submit(String name, DeployMode mode, List<String> appArgs, Duration timeout, boolean usesNd4j)
      throws Exception {
    Run run;
    if (mode == DeployMode.CLUSTER) {
      ClusterRun c = submitToCluster(name, appArgs, timeout);
      assertEquals(0, c.submitExit, name + ": spark-submit exited with " + c.submitExit + "; see " + c.submitLog);
      assertEquals("FINISHED", c.state, name + ": driver " + c.driverId + " ended " + c.state + "; see "
          + c.driverDir + "\n" + tail(c.driverLog, 40));
      run = new Run(c.driverDir.resolve("stderr"), c.driverLog, appId(c.driverLog, c.driverDir));
      summary.append(String.format("%s: cluster mode, driver %s on %s: %s%n", name, c.driverId,
          root.relativize(c.driverDir.getParent()), c.state));
    } else {
      List<String> args = sparkSubmit(DeployMode.CLIENT, appArgs);
      // In client mode this JVM is the driver: spark-submit's launcher would add the driver's memory
      // and extraJavaOptions to its command line, so they are given here the same way.
      submit = start(args, "-Xmx2g " + JVM_LIMITS, name);
      Path log = logs.resolve(name + ".log");
      int exit = await(name, submit, timeout, log);
      String driverLog = Files.readString(log, StandardCharsets.UTF_8);
      assertEquals(0, exit, name + " exited with " + exit + "; see " + log + "\n" + tail(driverLog, 40));
      run = new Run(log, driverLog, appId(driverLog, log));
    }
    checkExecutors(name, run, usesNd4j);
    return run;
  }

  /**
   * spark-submit --deploy-mode cluster, waiting for the driver to end. Its exit says only whether
   * the driver could be submitted and followed (Spark's standalone Client exits 0 when the driver
   * ends, FINISHED or FAILED), so the driver's final state is read from the master.
   */
  private static ClusterRun submitToCluster(String name, List<String> appArgs, Duration timeout) throws Exception {
    Set<Path> driversBefore = driverDirs();
    submit = start(sparkSubmit(DeployMode.CLUSTER, appArgs), "-Xmx512m", name);
    Path log = logs.resolve(name + ".log");
    int exit = await(name, submit, timeout, log);
    Set<Path> driverDirs = driverDirs();
    driverDirs.removeAll(driversBefore);
    assertEquals(1, driverDirs.size(), name + ": new driver folders on the workers " + driverDirs + "; see " + log
        + "\n" + tail(Files.readString(log, StandardCharsets.UTF_8), 20));
    Path driverDir = driverDirs.iterator().next();
    String driverId = driverDir.getFileName().toString();
    String driverLog = Files.readString(driverDir.resolve("stderr"), StandardCharsets.UTF_8);
    return new ClusterRun(log, exit, driverId, driverState(driverId), driverDir, driverLog);
  }

  private static List<String> sparkSubmit(DeployMode mode, List<String> appArgs) {
    List<String> args = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit",
        "--master", masterUrl(), "--deploy-mode", mode.name().toLowerCase(java.util.Locale.ROOT),
        "--class", "org.selfsup.cli.Main",
        "--properties-file", root.resolve("conf/spark-defaults.conf").toString(),
        "--conf", "spark.executor.memory=2g",
        "--conf", "spark.executor.memoryOverhead=1g",
        "--conf", "spark.executor.cores=1",
        // one executor per worker (the master spreads them), next to a cluster-mode driver's core
        "--conf", "spark.cores.max=" + WORKERS,
        "--conf", "spark.executor.extraJavaOptions=" + JVM_LIMITS,
        "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
        "--conf", "spark.driver.host=" + HOST,
        "--conf", "spark.driver.bindAddress=" + HOST,
        "--conf", "spark.ui.enabled=false"));
    if (mode == DeployMode.CLUSTER) {
      args.addAll(List.of("--conf", "spark.driver.memory=2g", "--conf", "spark.driver.cores=1",
          "--conf", "spark.standalone.submit.waitAppCompletion=true",
          // A worker starts the driver's JVM without the Java 17 --add-opens flags that spark-submit's
          // launcher gives a client-mode driver (SparkContext adds them for the executors only).
          "--conf", "spark.driver.extraJavaOptions=" + JVM_LIMITS + " " + String.join(" ", opens)));
    } else {
      args.addAll(List.of("--conf", "spark.driver.extraJavaOptions=" + JVM_LIMITS));
    }
    // the in-process S3 server, for the driver (before and with Spark) and the executors
    s3.s3aSettings(BUCKET).forEach((k, v) -> args.addAll(List.of("--conf", "spark.hadoop." + k + "=" + v)));
    args.add(appJar.toString());
    args.addAll(appArgs);
    return args;
  }

  private static int await(String name, Process p, Duration timeout, Path log) throws Exception {
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      stop(p);
      fail(name + " did not finish in " + timeout.toSeconds() + " s; see " + log);
    }
    return p.exitValue();
  }

  private static String appId(String driverLog, Path log) {
    Matcher m = Pattern.compile("Connected to Spark cluster with app ID (app-[\\w-]+)").matcher(driverLog);
    assertTrue(m.find(), "no application id in " + log);
    return m.group(1);
  }

  /** The drivers' folders on all workers (work-N/driver-ID). */
  private static Set<Path> driverDirs() throws IOException {
    Set<Path> out = new TreeSet<>();
    for (int w = 1; w <= WORKERS; w++) {
      try (Stream<Path> s = Files.list(itDir.resolve("work-" + w))) {
        s.filter(d -> d.getFileName().toString().startsWith("driver-")).forEach(out::add);
      }
    }
    return out;
  }

  /** The driver's state as the master reports it (its JSON page: active and completed drivers). */
  private static String driverState(String driverId) throws Exception {
    JsonNode master = new ObjectMapper().readTree(masterJson());
    for (String list : List.of("completeddrivers", "activedrivers")) {
      for (JsonNode d : master.path(list)) {
        if (driverId.equals(d.path("id").asText())) {
          return d.path("state").asText();
        }
      }
    }
    return fail("the master does not know driver " + driverId + ": " + master);
  }

  /**
   * Each worker ran an executor for the application, each executor ran tasks and got the oneDNN
   * flag, and every executor that logged the ND4J set-up line (Nd4jSetup: one line per JVM, from
   * the first task that builds minibatches or a broadcast network) says oneDNN is on. When the
   * command uses ND4J on the executors at all (not the raw-pixel probe), at least one logged it.
   * An executor that only ran DL4J's training tasks, on minibatches another executor built, never
   * calls Nd4jSetup and so logs no such line; it still got the flag on its command line.
   */
  private static void checkExecutors(String name, Run run, boolean usesNd4j) throws IOException {
    int withOneDnnLine = 0;
    for (int w = 1; w <= WORKERS; w++) {
      Path appDir = itDir.resolve("work-" + w).resolve(run.appId);
      assertTrue(Files.isDirectory(appDir), "worker " + w + " ran no executor for " + run.appId);
      List<Path> stderrs;
      try (Stream<Path> s = Files.list(appDir)) {
        stderrs = s.map(d -> d.resolve("stderr")).filter(Files::exists).sorted().collect(Collectors.toList());
      }
      assertFalse(stderrs.isEmpty(), "no executor log under " + appDir);
      int tasks = 0;
      List<String> nd4jLines = new ArrayList<>();
      for (Path stderr : stderrs) {
        String text = Files.readString(stderr, StandardCharsets.UTF_8);
        String command = text.lines().filter(l -> l.startsWith("Spark Executor Command:")).findFirst().orElse("");
        assertTrue(command.contains(HELPERS_FLAG), stderr + ": executor started without " + HELPERS_FLAG);
        tasks += (int) text.lines().filter(l -> l.contains("Executor: Running task")).count();
        text.lines().filter(l -> l.contains("Nd4jSetup: ND4J backend"))
            .forEach(l -> nd4jLines.add(l.substring(l.indexOf("ND4J backend"))));
      }
      summary.append(String.format("%s: worker %d (%s): %d tasks, ND4J line: %s%n", name, w,
          root.relativize(stderrs.get(0)), tasks, nd4jLines.isEmpty() ? "(not logged)" : nd4jLines));
      assertTrue(tasks > 0, "the executor of worker " + w + " ran no task; see " + stderrs);
      for (String line : nd4jLines) {
        assertTrue(line.contains("oneDNN on"), "worker " + w + "'s executor: " + line);
      }
      withOneDnnLine += nd4jLines.isEmpty() ? 0 : 1;
    }
    if (usesNd4j) {
      assertTrue(withOneDnnLine > 0, name + ": no executor logged the ND4J set-up line");
    }
  }

  /** The executors ("0", "1", ...) that started tasks of the stages whose submission line matches. */
  private static Set<String> executorsOfStages(String driverLog, Pattern stageLine) {
    Set<String> stages = new TreeSet<>();
    Matcher m = stageLine.matcher(driverLog);
    while (m.find()) {
      stages.add(m.group(1));
    }
    assertFalse(stages.isEmpty(), "no stage matches " + stageLine);
    Set<String> executors = new TreeSet<>();
    Matcher t = Pattern.compile("Starting task \\S+ in stage (\\d+)\\.\\d+ \\(TID \\d+\\) \\([^,]+, executor (\\w+),")
        .matcher(driverLog);
    while (t.find()) {
      if (stages.contains(t.group(1))) {
        executors.add(t.group(2));
      }
    }
    return executors;
  }

  private static void checkReport(String name, String json, String endpoint) {
    ProbeReport report = ProbeReport.fromJson(json);
    assertEquals(150, report.trainRows()); // 50 from each of the 3 train shards
    assertEquals(100, report.valRows());
    assertEquals(200, report.testRows());
    ProbeReport.Entry e = report.endpoint(endpoint);
    assertTrue(e.dims > 0, "dims " + e.dims);
    assertEquals(1e-3, e.bestRegParam, 1e-12);
    // 10 classes: chance is 0.1; even a briefly trained network or raw pixels do far better
    assertTrue(e.testTop1 > 0.2 && e.testTop1 <= 1, endpoint + " test top-1 " + e.testTop1);
    assertTrue(e.testTop5 >= e.testTop1 && e.testTop5 <= 1, endpoint + " test top-5 " + e.testTop5);
    summary.append(String.format("%s: %s dims %d, val top-1 %.3f, test top-1 %.3f, top-5 %.3f%n",
        name, endpoint, e.dims, e.valTop1, e.testTop1, e.testTop5));
  }

  // ---- what is on the S3 server

  /** The objects under {@code prefix} in the bucket, listed by the server (S3A's folder markers left out). */
  private static List<String> s3Files(String prefix) {
    return s3.objects(BUCKET, prefix).stream().filter(n -> !n.endsWith("/")).collect(Collectors.toList());
  }

  private static String readS3(String path) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    try (InputStream in = p.getFileSystem(S3_CONF).open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The rows of the Parquet files in a folder, from their footers, read through S3A. */
  private static long parquetRows(String dir) throws IOException {
    org.apache.hadoop.fs.Path d = new org.apache.hadoop.fs.Path(dir);
    FileSystem fs = d.getFileSystem(S3_CONF);
    long rows = 0;
    int files = 0;
    for (FileStatus f : fs.listStatus(d)) {
      if (f.getPath().getName().endsWith(".parquet")) {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromStatus(f, S3_CONF))) {
          rows += r.getRecordCount();
        }
        files++;
      }
    }
    assertTrue(files > 0, "no Parquet file in " + dir);
    return rows;
  }

  // ---- the cluster

  private static String masterUrl() {
    return "spark://" + HOST + ":" + masterPort;
  }

  /** A JVM on SPARK_HOME/jars (Spark's classpath), logging to target/it-logs/NAME.log. */
  private static Process start(List<String> mainAndArgs, String jvmOptions, String name) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBin);
    cmd.addAll(opens);
    cmd.addAll(Arrays.asList(jvmOptions.trim().split("\\s+")));
    cmd.add("-cp");
    cmd.add(sparkHome.resolve("jars") + "/*");
    cmd.addAll(mainAndArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(itDir.toFile()).redirectErrorStream(true)
        .redirectOutput(logs.resolve(name + ".log").toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("HADOOP_") || k.startsWith("YARN_")
        || k.equals("SELFSUP_SPARK_DEFAULTS"));
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", HOST);
    env.put("OMP_NUM_THREADS", "1");
    return pb.start();
  }

  /** The master's state as its web UI serves it in JSON. */
  private static String masterJson() throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL("http://" + HOST + ":" + masterUiPort + "/json/").openConnection();
    c.setConnectTimeout(2000);
    c.setReadTimeout(5000);
    try (InputStream in = c.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The port of Spark's log line "Successfully started service 'SERVICE' on port N." in NAME.log. */
  private static int awaitLoggedPort(String name, String service, Duration timeout) throws Exception {
    Pattern started = Pattern.compile("Successfully started service '" + Pattern.quote(service) + "' on port (\\d+)");
    Path log = logs.resolve(name + ".log");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      failIfADaemonExited();
      Matcher m = started.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(250);
    }
    fail("the " + name + " did not start its '" + service + "' service in " + timeout.toSeconds() + " s; "
        + name + ".log ends:\n" + tail(Files.exists(log) ? Files.readString(log) : "", 30));
    throw new AssertionError("unreachable");
  }

  private static void failIfADaemonExited() throws IOException {
    for (Process p : daemons) {
      if (!p.isAlive()) {
        fail("a cluster daemon exited with " + p.exitValue() + "; see " + logs + "\n" + daemonLogTails());
      }
    }
  }

  private static String daemonLogTails() throws IOException {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> files = Files.list(logs)) {
      for (Path f : files.filter(f -> f.getFileName().toString().matches("(master|worker-\\d+)\\.log"))
          .sorted().collect(Collectors.toList())) {
        out.append("--- ").append(f.getFileName()).append(" ends:\n").append(tail(Files.readString(f), 15)).append('\n');
      }
    }
    return out.toString();
  }

  private static void awaitAliveWorkers(Duration timeout) throws Exception {
    Pattern alive = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      failIfADaemonExited();
      try {
        last = masterJson();
        Matcher m = alive.matcher(last);
        if (m.find() && Integer.parseInt(m.group(1)) == WORKERS) {
          return;
        }
      } catch (IOException notYet) {
        // the master's UI is not up yet
      }
      Thread.sleep(1000);
    }
    fail("the master did not report " + WORKERS + " alive workers in " + timeout.toSeconds() + " s: " + last
        + "; see " + logs + "\n" + daemonLogTails());
  }

  private static synchronized void stopAll() {
    if (submit != null) {
      stop(submit);
    }
    for (int i = daemons.size() - 1; i >= 0; i--) {
      stop(daemons.get(i));
    }
    daemons.clear();
  }

  /**
   * SIGTERM first (a worker's shutdown hook stops its executors), then SIGKILL for the process and
   * whatever it started that is still alive.
   */
  private static void stop(Process p) {
    List<ProcessHandle> family = new ArrayList<>();
    p.descendants().forEach(family::add);
    family.add(p.toHandle());
    p.destroy();
    try {
      p.waitFor(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle h : family) {
      if (h.isAlive()) {
        h.destroyForcibly();
      }
    }
    for (ProcessHandle h : family) {
      try {
        h.onExit().get(15, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // already gone, or not ours to wait for
      }
    }
  }

  // ---- SPARK_HOME/jars: the provided dependencies and their closure

  /**
   * Links into {@code jars} every jar of the subtrees of the top-level provided dependencies of
   * the verbose dependency tree (including entries Maven omitted as duplicates or conflicts, and
   * those it resolved as compile because the project also needs them, like scala-library), at the
   * version resolved for the build.
   */
  private static void linkProvidedJars(Path classpathInfo, Path jars) throws IOException {
    Path treeFile = classpathInfo.resolve("dependency-tree.txt");
    Path listFile = classpathInfo.resolve("dependency-list.txt");
    assertTrue(Files.exists(treeFile) && Files.exists(listFile),
        "no " + classpathInfo + "/dependency-{tree,list}.txt: run through mvn verify (pre-integration-test writes them)");
    Map<String, Path> resolved = new TreeMap<>();
    for (String raw : Files.readAllLines(listFile)) {
      String line = ANSI.matcher(raw).replaceAll("").trim().split("\\s+")[0];
      String[] p = line.split(":");
      if (p.length == 6 || p.length == 7) { // group:artifact:type[:classifier]:version:scope:path
        resolved.put(key(p, true), Paths.get(p[p.length - 1]));
      }
    }
    Set<String> closure = new LinkedHashSet<>();
    boolean inProvided = false;
    Pattern node = Pattern.compile("^([| +\\\\-]+)\\(?([^\\s()]+)");
    for (String raw : Files.readAllLines(treeFile)) {
      Matcher m = node.matcher(ANSI.matcher(raw).replaceAll(""));
      if (!m.find()) {
        continue; // the project itself
      }
      String[] p = m.group(2).split(":");
      if (m.group(1).length() == 3) {
        inProvided = p[p.length - 1].equals("provided");
      }
      if (inProvided) {
        closure.add(key(p, false));
      }
    }
    assertTrue(closure.stream().anyMatch(k -> k.startsWith("org.apache.spark:spark-core_")),
        "no spark-core among the provided dependencies of " + treeFile);
    Files.createDirectories(jars);
    List<String> leaked = new ArrayList<>();
    for (String k : closure) {
      Path jar = resolved.get(k);
      assertNotNull(jar, k + " (from " + treeFile + ") is not in " + listFile);
      if (APPLICATION_GROUPS.stream().anyMatch(g -> k.startsWith(g + ":"))) {
        leaked.add(k);
      }
      Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
    }
    assertTrue(leaked.isEmpty(), "project dependencies in Spark's classpath would hide shading mistakes: " + leaked);
    summary.append(String.format("SPARK_HOME/jars: %d jars (provided closure)%n", closure.size()));
  }

  /** group:artifact:classifier from group:artifact:type[:classifier]:version:scope[:path]. */
  private static String key(String[] p, boolean withPath) {
    boolean classifier = p.length == (withPath ? 7 : 6);
    return p[0] + ":" + p[1] + ":" + (classifier ? p[3] : "");
  }

  // ---- helpers

  private static Path findAppJar(Path target) throws IOException {
    try (Stream<Path> s = Files.list(target)) {
      return s.filter(p -> p.getFileName().toString().matches("selfsup-spark-.*-spark\\.jar")).findFirst()
          .orElseThrow(() -> new AssertionError("no " + target + "/selfsup-spark-*-spark.jar: run mvn verify"));
    }
  }

  /** The Java 17 flags this JVM was started with (the pom's java17.opens, through failsafe's argLine). */
  private static List<String> javaOpens() {
    List<String> out = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.equals("-Djdk.reflect.useDirectMethodHandle=false")) {
        out.add(a);
      }
    }
    assertTrue(out.stream().anyMatch(a -> a.contains("java.base/sun.nio.ch")),
        "this JVM has no --add-opens flags (failsafe's argLine): " + out);
    return out;
  }

  private static String tail(String text, int lines) {
    List<String> all = text.lines().collect(Collectors.toList());
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    }
  }
}
