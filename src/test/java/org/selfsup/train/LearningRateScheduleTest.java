package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
  @Test
  void rotationRecipeOfTheMethodSpec() {
    // rotation: batch 64, base 0.1 -> 0.025; warm-up 5 epochs; x0.1 at 15 and 25
    LearningRateSchedule s = new LearningRateSchedule(0.1, 64, 5, new double[] {25, 15}, 0.1);
    assertEquals(0.025, s.peak(), 1e-12);
    assertEquals(0.0, s.at(0), 1e-12);
    assertEquals(0.0125, s.at(2.5), 1e-12);
    assertEquals(0.025, s.at(5), 1e-12);
    assertEquals(0.025, s.at(14.999), 1e-12);
    assertEquals(0.0025, s.at(15), 1e-12);
    assertEquals(0.00025, s.at(25), 1e-12);
    assertEquals(0.00025, s.at(34.9), 1e-12);
  }

  @Test
  void withoutWarmupItStartsAtThePeak() {
    LearningRateSchedule s = new LearningRateSchedule(0.2, 512, 0, new double[] {30, 50}, 0.1);
    assertEquals(0.4, s.at(0), 1e-12);
    assertEquals(0.04, s.at(30), 1e-12);
  }

  @Test
  void nonsenseIsRefused() {
    assertTrue(assertThrows(org.selfsup.runtime.UserError.class,
        () -> new LearningRateSchedule(0, 64, 5, new double[0], 0.1)).getMessage().startsWith("--base_lr must be > 0"));
    assertTrue(assertThrows(org.selfsup.runtime.UserError.class,
        () -> new LearningRateSchedule(0.1, 0, 5, new double[0], 0.1)).getMessage().startsWith("--batch_size must be > 0"));
  }

  @Test
  void averagedWorkersMakeOneStepOfTheirImagesTogether() {
    TrainConfig cfg = new TrainConfig();
    cfg.baseLr = 1.6;
    cfg.batchSize = 16;
    cfg.warmupEpochs = 0;
    cfg.decayEpochs = new double[0];
    assertEquals(0.1, TrainingPlan.schedule(cfg, 1).peak(), 1e-12); // 1.6 x 16 / 256
    assertEquals(0.2, TrainingPlan.schedule(cfg, 2).peak(), 1e-12); // 1.6 x (2 x 16) / 256
    assertEquals(0.8, TrainingPlan.schedule(cfg, 8).peak(), 1e-12);
  }
}
