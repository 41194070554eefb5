package org.selfsup.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.junit.jupiter.api.Test;

class CoreShareTest {
  private static SparkConf conf(String master, String... keyValues) {
    SparkConf c = new SparkConf(false).set("spark.master", master);
    for (int i = 0; i < keyValues.length; i += 2) {
      c.set(keyValues[i], keyValues[i + 1]);
    }
    return c;
  }

  @Test
  void taskSlotsFollowTheMasterAndTheExecutorCores() {
    int processors = Runtime.getRuntime().availableProcessors();
    assertEquals(1, CoreShare.taskSlots(conf("local")));
    assertEquals(3, CoreShare.taskSlots(conf("local[3]")));
    assertEquals(4, CoreShare.taskSlots(conf("local[4, 2]"))); // local[N,maxFailures]
    assertEquals(processors, CoreShare.taskSlots(conf("local[*]")));
    assertEquals(3, CoreShare.taskSlots(conf("local-cluster[2, 3, 1024]"))); // 3 cores per worker
    assertEquals(2, CoreShare.taskSlots(conf("local[4]", "spark.task.cpus", "2")));
    assertEquals(4, CoreShare.taskSlots(conf("yarn", "spark.executor.cores", "4")));
    assertEquals(1, CoreShare.taskSlots(conf("yarn"))); // YARN's default executor cores
    assertEquals(processors, CoreShare.taskSlots(conf("spark://host:7077"))); // standalone: the worker's cores
    assertEquals(1, CoreShare.taskSlots(conf("spark://host:7077", "spark.executor.cores", "1", "spark.task.cpus", "2")));
  }

  @Test
  void eachSlotGetsItsShareOfTheThreadsAndAtLeastOne() {
    int all = Nd4jSetup.ompThreads();
    assertEquals(all, CoreShare.threadsPerTask(1));
    assertEquals(Math.max(1, all / 2), CoreShare.threadsPerTask(2));
    assertEquals(1, CoreShare.threadsPerTask(all + 1));
  }

  @Test
  void theShareIsSetOnTheCallingThreadOnly() throws Exception {
    // OpenMP keeps the count per thread: a task's share leaves the other threads alone
    Nd4jSetup.configure();
    SparkEnv env = SparkEnv.get(); // this JVM's (another test class's local[2] session) or none
    int expected = env == null ? Nd4jSetup.ompThreads() : CoreShare.threadsPerTask(CoreShare.taskSlots(env.conf()));
    int mine = Nd4jSetup.currentOmpThreads();
    int[] seen = new int[2];
    Thread t = new Thread(() -> {
      Nd4jSetup.setOmpThreads(expected + 1);
      seen[0] = Nd4jSetup.currentOmpThreads();
      CoreShare.applyToThisTask();
      seen[1] = Nd4jSetup.currentOmpThreads();
    });
    t.start();
    t.join();
    assertEquals(expected + 1, seen[0]);
    assertEquals(expected, seen[1]);
    assertEquals(mine, Nd4jSetup.currentOmpThreads());
  }
}
