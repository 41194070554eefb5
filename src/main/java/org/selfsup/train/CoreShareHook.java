package org.selfsup.train;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.selfsup.runtime.CoreShare;

/**
 * Counts each training task in its executor's {@link CoreShare} and sets its thread's OpenMP
 * threads before every minibatch: with several workers on one executor (local[*] with
 * {@code --num_workers} above 1, or executors of several cores), each trains on its share of the
 * cores instead of all of them. A DL4J training hook, so it runs on the executors.
 */
final class CoreShareHook implements TrainingHook {
  private static final long serialVersionUID = 1L;
  /** The share of each training task attempt of this JVM, until the task ends. */
  private static final Map<Long, CoreShare> SHARES = new ConcurrentHashMap<>();

  private static void applyForThisTask() {
    TaskContext task = TaskContext.get();
    if (task == null) {
      return;
    }
    CoreShare share = SHARES.computeIfAbsent(task.taskAttemptId(), id -> {
      CoreShare s = CoreShare.join();
      task.addTaskCompletionListener((TaskCompletionListener) done -> {
        SHARES.remove(id);
        s.close();
      });
      return s;
    });
    share.apply();
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {
    applyForThisTask();
  }

  @Override
  public void postUpdate(DataSet minibatch, Model model) {}

  @Override
  public void preUpdate(MultiDataSet minibatch, Model model) {
    applyForThisTask();
  }

  @Override
  public void postUpdate(MultiDataSet minibatch, Model model) {}
}
