package org.selfsup.runtime;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Splits an executor's OpenMP threads ({@link Nd4jSetup#ompThreads()}) evenly among its task
 * slots. Two Spark tasks on a 2-core executor each running oneDNN on 2 threads put 4 spinning
 * threads on 2 cores, the case of docs/design.md, workaround 23; with a share each they run side
 * by side on a core each. The share depends on the configuration only, never on how many tasks
 * happen to run at a moment: a different thread count changes the order of floating-point sums,
 * and results must repeat.
 */
public final class CoreShare {
  private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,.*\\]");
  private static final Pattern LOCAL = Pattern.compile("local\\[(\\*|\\d+)(?:,\\s*\\d+)?\\]");

  private CoreShare() {}

  /**
   * How many tasks an executor with this configuration runs at once: {@code local[N]} N,
   * {@code local-cluster[W,C,M]} C,
   * {@code local[*]} the processors, {@code local} 1; else {@code spark.executor.cores} (when
   * unset, 1 on YARN and Kubernetes as there, all processors elsewhere as on standalone) over
   * {@code spark.task.cpus}.
   */
  public static int taskSlots(SparkConf conf) {
    String master = conf.get("spark.master", "local[*]").trim().toLowerCase(Locale.ROOT);
    int processors = Runtime.getRuntime().availableProcessors();
    int cores;
    Matcher cluster = LOCAL_CLUSTER.matcher(master);
    if (cluster.matches()) {
      cores = Integer.parseInt(cluster.group(1)); // local-cluster[workers, cores per worker, memory]
    } else if (master.equals("local")) {
      cores = 1;
    } else if (master.startsWith("local")) {
      Matcher m = LOCAL.matcher(master);
      cores = !m.matches() || m.group(1).equals("*") ? processors : Integer.parseInt(m.group(1));
    } else {
      int byDefault = master.startsWith("yarn") || master.startsWith("k8s") ? 1 : processors;
      cores = conf.getInt("spark.executor.cores", byDefault);
    }
    return Math.max(1, cores / Math.max(1, conf.getInt("spark.task.cpus", 1)));
  }

  /** Each of {@code slots} tasks' share of the OpenMP threads: at least 1. */
  public static int threadsPerTask(int slots) {
    return Math.max(1, Nd4jSetup.ompThreads() / Math.max(1, slots));
  }

  /**
   * Sets the calling task thread's OpenMP threads (OpenMP keeps the count per thread) to its
   * share of this executor's until the task ends, when the thread goes back to
   * {@link Nd4jSetup#ompThreads()}: Spark reuses task threads, and a training task landing on a
   * thread left at the share would train on fewer threads, and sum in another order, than on the
   * next thread. Call at the start of a task that runs native ops; outside Spark, all threads.
   */
  public static void applyToThisTask() {
    SparkEnv env = SparkEnv.get();
    Nd4jSetup.setOmpThreads(threadsPerTask(env == null ? 1 : taskSlots(env.conf())));
    TaskContext task = TaskContext.get();
    if (task != null) {
      // Spark runs completion listeners on the task's own thread
      task.addTaskCompletionListener((TaskCompletionListener) done -> Nd4jSetup.resetOmpThreads());
    }
  }
}
