package org.selfsup.train;

import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * DL4J's parameter averaging master, telling the trainer's {@link WorkspaceRelease} hook which
 * averaging round of a fit runs: the executors keep their workspaces from one round to the next and
 * free them after the fit's last round. Freed after every round, each round's first minibatches
 * allocated and zeroed them again and each round ended in a full collection: a round of 10
 * minibatches took 3.2–3.5 s where its steps alone take about 1.8 s, 1.9–2.0 s now
 * (docs/results.md, 2026-12-04).
 */
final class RoundAwareAveragingMaster extends ParameterAveragingTrainingMaster {
  private static final long serialVersionUID = 1L;
  private final WorkspaceRelease release;

  RoundAwareAveragingMaster(Builder builder, WorkspaceRelease release) {
    super(builder);
    this.release = release;
    addHook(release);
  }

  @Override
  protected void doIteration(SparkComputationGraph graph, JavaRDD<MultiDataSet> split, int splitNum, int numSplits) {
    // DL4J numbers the rounds from 1; the hook travels to the executors with the round's worker,
    // which DL4J creates inside this call.
    release.releaseAfterThisRound(splitNum >= numSplits);
    super.doIteration(graph, split, splitNum, numSplits);
  }
}
