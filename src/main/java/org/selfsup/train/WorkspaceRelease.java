package org.selfsup.train;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees a training task's off-heap memory when the task ends: DL4J's workspaces of the task's
 * thread (about 1.2 GB on the benchmark's 256 inputs per step), then a garbage collection for the
 * arrays that only the collector frees (the worker's copy of the network, the chunk's minibatches).
 * With several averaging rounds in a fit, only the last round's tasks free them: the rounds before
 * leave the workspaces to the next round's tasks, which on an executor run on the same threads
 * (Spark hands a task to an idle thread of the executor's pool first), instead of allocating and
 * zeroing them again ({@link RoundAwareAveragingMaster}).
 *
 * <p>DL4J's workspaces belong to a thread, and every chunk trains in a new Spark task on whichever
 * executor thread is free; left alone, each thread that ever trained kept its workspaces until a
 * full collection found the thread gone, which a large, mostly empty heap rarely runs. The
 * benchmark's driver grew by up to 1.4 GB a chunk and was killed at 24 GB (docs/design.md,
 * workarounds). A DL4J training hook, so it runs on the executors, where the memory is.
 */
final class WorkspaceRelease implements TrainingHook {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(WorkspaceRelease.class);
  /** Task attempts of this JVM whose release is registered. */
  private static final Set<Long> REGISTERED = ConcurrentHashMap.newKeySet();

  /** Whether the tasks of the round this hook is sent with free the workspaces (the fit's last round). */
  private boolean releaseAfterRound = true;

  /** Set on the driver before each round's worker is created (and serialised with this hook). */
  void releaseAfterThisRound(boolean release) {
    releaseAfterRound = release;
  }

  private void registerForThisTask() {
    TaskContext task = TaskContext.get();
    if (!releaseAfterRound || task == null || !REGISTERED.add(task.taskAttemptId())) {
      return;
    }
    // Spark calls completion listeners on the task's own thread, whose workspaces these are.
    task.addTaskCompletionListener(done -> {
      REGISTERED.remove(done.taskAttemptId());
      release();
    });
  }

  /** Bytes of DL4J workspaces the calling thread holds. */
  static long heldByCurrentThread() {
    long bytes = 0;
    for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
      bytes += ws.getCurrentSize();
    }
    return bytes;
  }

  /** Destroys the calling thread's workspaces and collects garbage; returns the workspace bytes freed. */
  static long release() {
    long bytes = heldByCurrentThread();
    Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
    System.gc();
    LOG.debug("training task ended: {} MB of workspaces freed", bytes >> 20);
    return bytes;
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {
    registerForThisTask();
  }

  @Override
  public void postUpdate(DataSet minibatch, Model model) {}

  @Override
  public void preUpdate(MultiDataSet minibatch, Model model) {
    registerForThisTask();
  }

  @Override
  public void postUpdate(MultiDataSet minibatch, Model model) {}
}
