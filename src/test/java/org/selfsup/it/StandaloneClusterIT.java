package org.selfsup.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.selfsup.eval.ProbeReport;

/**
 * End to end on a real Spark standalone cluster: one master and two workers (1 core, 3 GB each)
 * on 127.0.0.1, started from the project's Maven jars, and the application submitted as on a
 * cluster: {@code SparkSubmit --deploy-mode client target/selfsup-spark-*-spark.jar ...}. So the
 * executors see only Spark's own jars plus the shaded application jar, and every closure, RDD
 * element and broadcast really crosses JVMs: serialisation and classpath mistakes that
 * {@code local[*]} hides fail here.
 *
 * <p>The workers' {@code SPARK_HOME/jars} holds exactly what a Spark distribution would: the
 * closure of the project's provided dependencies (Spark, Scala, Hadoop, S3A and their
 * dependencies), read from the verbose dependency tree that the build writes in
 * {@code pre-integration-test}. DL4J, ND4J, TensorFlow, picocli must come from the application
 * jar. Logs: {@code target/it-logs/} (cluster daemons and drivers) and
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

  private static Path root;
  private static Path itDir;
  private static Path logs;
  private static Path sparkHome;
  private static Path appJar;
  private static Path sample;
  private static Path runDir;
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
    runDir = itDir.resolve("run");

    masterPort = freePort();
    masterUiPort = freePort();
    daemons.add(start(List.of("org.apache.spark.deploy.master.Master", "--host", HOST, "--port",
        Integer.toString(masterPort), "--webui-port", Integer.toString(masterUiPort)), "-Xmx512m", "master"));
    for (int w = 1; w <= WORKERS; w++) {
      Path workDir = itDir.resolve("work-" + w);
      Files.createDirectories(workDir);
      daemons.add(start(List.of("org.apache.spark.deploy.worker.Worker", "--host", HOST, "--port", "0",
          "--webui-port", "0", "--cores", "1", "--memory", "3g", "--work-dir", workDir.toString(), masterUrl()),
          "-Xmx512m", "worker-" + w));
    }
    awaitAliveWorkers(Duration.ofSeconds(120));
  }

  @AfterAll
  static void stopCluster() throws IOException {
    stopAll();
    if (summary.length() > 0 && logs != null) {
      Files.writeString(logs.resolve("summary.txt"), summary.toString());
      System.out.print(summary);
    }
  }

  @Test
  @Order(1)
  void pretrainOnTheCluster() throws Exception {
    Run run = submit("pretrain", List.of("pretrain", "--dataset_dir", sample.toString(), "--workdir", runDir.toString(),
        "--task", "rotation", "--architecture", "resnet50v2", "--filters_factor", "1", "--small_input",
        "--input_size", "32", "--blocks_per_stage", "1,1", "--batch_size", "16", "--epochs", "0.34",
        "--chunks_per_epoch", "3", "--num_workers", "2"), Duration.ofSeconds(300), true);

    Path checkpoints = runDir.resolve("checkpoints");
    List<Path> saved;
    try (Stream<Path> s = Files.list(checkpoints)) {
      saved = s.filter(p -> p.getFileName().toString().startsWith("step-")).collect(Collectors.toList());
    }
    assertFalse(saved.isEmpty(), "no checkpoint folder in " + checkpoints);
    for (Path dir : saved) {
      assertTrue(Files.size(dir.resolve("model.zip")) > 0, "empty " + dir.resolve("model.zip"));
      assertTrue(Files.exists(dir.resolve("state.json")), "no " + dir.resolve("state.json"));
    }

    List<String> metrics = Files.readAllLines(runDir.resolve("metrics.csv"));
    // the header, the untrained network's step-0 row (no training loss yet), then one row per chunk
    assertTrue(metrics.size() >= 3, "metrics.csv has no chunk line: " + metrics);
    int lossColumn = Arrays.asList(metrics.get(0).split(",")).indexOf("loss");
    assertTrue(lossColumn >= 0, "no loss column in " + metrics.get(0));
    for (String line : metrics.subList(2, metrics.size())) {
      double loss = Double.parseDouble(line.split(",")[lossColumn]);
      assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss + " in " + line);
    }

    // parameter averaging trained on both executors: the tasks of DL4J's training stages
    Set<String> trainingExecutors = executorsOfStages(run.driverLog,
        Pattern.compile("ResultStage (\\d+) \\([^\\n]*treeAggregate at ParameterAveragingTrainingMaster"));
    summary.append(String.format("pretrain: DL4J training (treeAggregate) tasks ran on executors %s%n",
        trainingExecutors));
    assertEquals(WORKERS, trainingExecutors.size(), "training tasks ran on executors " + trainingExecutors);
    assertTrue(run.driverLog.contains("oneDNN on"), "the driver did not log 'oneDNN on'; see " + run.log);
  }

  @Test
  @Order(2)
  void evaluateRawPixelsOnTheCluster() throws Exception {
    Path workdir = itDir.resolve("eval-raw");
    submit("evaluate-raw", List.of("evaluate", "--dataset_dir", sample.toString(), "--workdir", workdir.toString(),
        "--raw_pixels", "--limit", "train=150", "--limit", "val=100", "--limit", "test=200",
        "--reg_params", "1e-3", "--max_iter", "20"), Duration.ofSeconds(240), false);
    checkReport(workdir.resolve("eval-raw_pixels.json"), "pixels");
  }

  @Test
  @Order(3)
  void evaluateTheCheckpointOnTheCluster() throws Exception {
    assertTrue(Files.isDirectory(runDir.resolve("checkpoints")), "pretraining left no checkpoints");
    Path workdir = itDir.resolve("eval-checkpoint");
    submit("evaluate-checkpoint", List.of("evaluate", "--dataset_dir", sample.toString(),
        "--workdir", workdir.toString(), "--checkpoint", runDir.toString(), "--limit", "train=150",
        "--limit", "val=100", "--limit", "test=200", "--reg_params", "1e-3", "--max_iter", "20"),
        Duration.ofSeconds(240), true);
    checkReport(workdir.resolve("eval-checkpoint.json"), "pre_logits");
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

  /** spark-submit in client mode, as jobs/lib/launcher.sh does with a Spark installation. */
  private static Run submit(String name, List<String> appArgs, Duration timeout, boolean usesNd4j)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit",
        "--master", masterUrl(), "--deploy-mode", "client", "--class", "org.selfsup.cli.Main",
        "--properties-file", root.resolve("conf/spark-defaults.conf").toString(),
        "--conf", "spark.executor.memory=2g",
        "--conf", "spark.executor.memoryOverhead=1g",
        "--conf", "spark.executor.cores=1",
        "--conf", "spark.executor.extraJavaOptions=" + JVM_LIMITS,
        "--conf", "spark.driver.extraJavaOptions=" + JVM_LIMITS,
        "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
        "--conf", "spark.driver.host=" + HOST,
        "--conf", "spark.driver.bindAddress=" + HOST,
        "--conf", "spark.ui.enabled=false",
        appJar.toString()));
    args.addAll(appArgs);
    // In client mode this JVM is the driver: spark-submit's launcher would add the driver's memory
    // and extraJavaOptions to its command line, so they are given here the same way.
    submit = start(args, "-Xmx2g " + JVM_LIMITS, name);
    Path log = logs.resolve(name + ".log");
    boolean done = submit.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
    if (!done) {
      stop(submit);
      fail(name + " did not finish in " + timeout.toSeconds() + " s; see " + log);
    }
    int exit = submit.exitValue();
    String driverLog = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, exit, name + " exited with " + exit + "; see " + log + "\n" + tail(driverLog, 40));
    Matcher m = Pattern.compile("Connected to Spark cluster with app ID (app-[\\w-]+)").matcher(driverLog);
    assertTrue(m.find(), "no application id in " + log);
    Run run = new Run(log, driverLog, m.group(1));
    checkExecutors(name, run, usesNd4j);
    return run;
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

  private static void checkReport(Path json, String endpoint) throws IOException {
    assertTrue(Files.exists(json), "no report " + json);
    ProbeReport report = ProbeReport.fromJson(Files.readString(json, StandardCharsets.UTF_8));
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
        json.getFileName(), endpoint, e.dims, e.valTop1, e.testTop1, e.testTop5));
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

  private static void awaitAliveWorkers(Duration timeout) throws Exception {
    URL url = new URL("http://" + HOST + ":" + masterUiPort + "/json/");
    Pattern alive = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      for (Process p : daemons) {
        if (!p.isAlive()) {
          fail("a cluster daemon exited with " + p.exitValue() + "; see " + logs);
        }
      }
      try {
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(2000);
        try (InputStream in = c.getInputStream()) {
          last = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
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
        + "; see " + logs);
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

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    }
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
