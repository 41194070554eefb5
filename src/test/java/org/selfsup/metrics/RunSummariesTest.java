package org.selfsup.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.cli.Main;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.eval.ProbeReport;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.Trainer;
import org.selfsup.train.TrainerTest;

/**
 * A tiny rotation pretraining on the committed sample, killed after it logged a chunk whose
 * checkpoint it did not write, resumed; then a linear evaluation of it. Its TensorBoard files,
 * read back independently, and its learning curves.
 */
class RunSummariesTest {
  private static SparkSession spark;
  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    spark = TestSpark.get();
  }

  static TrainConfig tiny(double epochs) throws Exception {
    TrainConfig cfg = TrainerTest.tiny(epochs);
    cfg.checkpointEvery = 1;
    return cfg;
  }

  static String sample() throws Exception {
    return Paths.get(RunSummariesTest.class.getResource("/fashion_mnist_sample").toURI()).toString();
  }

  /** metrics.csv's rows after the header, split. */
  private static List<String[]> rows(Path workdir) throws Exception {
    return Files.readAllLines(workdir.resolve("metrics.csv")).stream().skip(1).map(l -> l.split(","))
        .collect(Collectors.toList());
  }

  private static List<Long> steps(List<EventFiles.Event> events, String tag) {
    List<Long> out = new ArrayList<>();
    for (EventFiles.Event e : events) {
      if (e.value(tag) != null) {
        out.add(e.step);
      }
    }
    return out;
  }

  private static float value(List<EventFiles.Event> events, String tag, long step) {
    return events.stream().filter(e -> e.step == step && e.value(tag) != null).findFirst().get().value(tag).simpleValue;
  }

  @Test
  void pretrainLogsEveryChunkOnceAcrossAResumeAndEvaluateLogsItsProbe() throws Exception {
    Path run = tmp.resolve("run");
    new Trainer(spark, tiny(2.0 / 3), run.toString(), BadRecordPolicy.FAIL).run(); // steps 8, 16
    // as if killed after logging step 16, before its checkpoint: the resumed run restores step 8
    try (java.util.stream.Stream<Path> files = Files.walk(run.resolve("checkpoints/step-000000000016"))) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    }
    List<Path> before = EventFiles.files(run.resolve("tensorboard"));
    assertEquals(1, before.size());
    assertEquals(List.of(0L, 8L, 16L), steps(EventFiles.read(before.get(0)), TrainingSummaries.PRETEXT_LOSS));
    new Trainer(spark, tiny(2.0 / 3), run.toString(), BadRecordPolicy.FAIL).run(); // step 16 again

    Path board = run.resolve("tensorboard");
    List<Path> files = EventFiles.files(board);
    assertEquals(2, files.size(), "the first run's file, cut after step 8, and the resumed run's");
    assertEquals(List.of(0L, 8L), steps(EventFiles.read(files.get(0)), TrainingSummaries.PRETEXT_LOSS));
    List<EventFiles.Event> second = EventFiles.read(files.get(1));
    assertEquals("brain.Event:2", second.get(0).fileVersion);
    assertEquals(9, second.get(1).step);
    assertEquals(1, (int) second.get(1).sessionStatus, "SessionLog START after the restored step");

    List<EventFiles.Event> events = EventFiles.readDir(board);
    Set<String> tagSteps = new HashSet<>();
    for (EventFiles.Event e : events) {
      e.values.forEach(v -> assertTrue(tagSteps.add(v.tag + "@" + e.step), v.tag + " twice at step " + e.step));
    }
    assertEquals(List.of(0L, 8L, 16L), steps(events, TrainingSummaries.PRETEXT_LOSS));
    assertEquals(List.of(0L, 8L, 16L), steps(events, TrainingSummaries.PRETEXT_ACCURACY));
    for (String tag : List.of(TrainingSummaries.LOSS, TrainingSummaries.LEARNING_RATE,
        TrainingSummaries.IMAGES_PER_SECOND, TrainingSummaries.EPOCH)) {
      assertEquals(List.of(8L, 16L), steps(events, tag), tag);
    }

    // the values are metrics.csv's (which holds them rounded)
    List<String[]> rows = rows(run);
    assertEquals(3, rows.size());
    for (String[] row : rows) {
      long step = Long.parseLong(row[2]);
      assertEquals(Double.parseDouble(row[8]), value(events, TrainingSummaries.PRETEXT_LOSS, step), 1e-5);
      assertEquals(Double.parseDouble(row[5]), value(events, TrainingSummaries.PRETEXT_ACCURACY, step), 1e-4);
      if (step > 0) {
        assertEquals(Double.parseDouble(row[4]), value(events, TrainingSummaries.LOSS, step), 1e-5);
        assertEquals(Double.parseDouble(row[6]), value(events, TrainingSummaries.LEARNING_RATE, step), 1e-7);
        assertEquals(Double.parseDouble(row[7]), value(events, TrainingSummaries.IMAGES_PER_SECOND, step), 0.01);
        assertEquals(Double.parseDouble(row[1]), value(events, TrainingSummaries.EPOCH, step), 1e-4);
      }
    }
    // warm-up: the lr of a chunk is the schedule's at its middle, epoch 1/6 for the first
    assertEquals(0.0125 * (1.0 / 6) / 0.5, value(events, TrainingSummaries.LEARNING_RATE, 8), 1e-7);

    // step 0: the network inputs of 4 images, as inspect --task draws them: the 4 rotations of a
    // 32x32 input side by side, 2 px apart
    for (int i = 0; i < 4; i++) {
      String tag = TrainingSummaries.INPUTS + "/image/" + i;
      assertEquals(List.of(0L), steps(events, tag));
      EventFiles.Value v = events.stream().filter(e -> e.value(tag) != null).findFirst().get().value(tag);
      assertEquals(4 * 32 + 3 * 2, v.width);
      assertEquals(32, v.height);
      assertEquals(3, v.colorspace);
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(v.png));
      assertEquals(v.width, img.getWidth());
      assertEquals(v.height, img.getHeight());
    }

    // the learning curves, drawn from metrics.csv after the last chunk
    Path curves = run.resolve(TrainingSummaries.LEARNING_CURVES);
    ChartsTest.picture(Files.readAllBytes(curves), 2 * LearningCurves.PANEL_WIDTH, 2 * LearningCurves.PANEL_HEIGHT);
    List<LearningCurves.Panel> panels = LearningCurves.panels(
        new String(Files.readAllBytes(run.resolve("metrics.csv")), StandardCharsets.UTF_8));
    assertArrayEquals(new double[] {8, 16}, ChartsTest.series(panels, "loss", 0).x);

    // evaluate writes its probe's numbers at the checkpoint's step
    Path eval = tmp.resolve("eval");
    int code = Main.run("evaluate", "--dataset_dir", sample(), "--workdir", eval.toString(), "--checkpoint",
        run.toString(), "--limit", "train=60", "--limit", "val=30", "--limit", "test=30", "--reg_params", "0.001,0.01",
        "--max_iter", "5");
    assertEquals(0, code);
    ProbeReport report = ProbeReport.readJson(new org.apache.hadoop.conf.Configuration(),
        eval.resolve("eval-checkpoint.json").toString());
    List<EventFiles.Event> probe = EventFiles.readDir(eval.resolve("tensorboard/eval-checkpoint"));
    assertEquals(2, probe.size(), "the version record and one summary");
    assertEquals(16, probe.get(1).step);
    int fits = report.endpoints().stream().mapToInt(e -> e.fits.size()).sum();
    assertEquals(4 * report.endpoints().size() + 4 * fits, probe.get(1).values.size());
    for (ProbeReport.Entry e : report.endpoints()) {
      for (ProbeReport.Fit f : e.fits) { // every L2 strength of the grid
        String at = "l2=" + ProbeReport.formatReg(f.regParam) + "/";
        assertEquals((float) f.valTop1, value(probe, ProbeSummaries.tag(e.endpoint, at + "val_top1"), 16));
        assertEquals((float) f.testTop5, value(probe, ProbeSummaries.tag(e.endpoint, at + "test_top5"), 16));
      }
      assertNotNull(probe.get(1).value(ProbeSummaries.tag(e.endpoint, "test_top1")), e.endpoint);
      assertEquals((float) e.bestRegParam, value(probe, ProbeSummaries.tag(e.endpoint, "l2"), 16));
      assertEquals((float) e.valTop1, value(probe, ProbeSummaries.tag(e.endpoint, "val_top1"), 16));
      assertEquals((float) e.testTop1, value(probe, ProbeSummaries.tag(e.endpoint, "test_top1"), 16));
      assertEquals((float) e.testTop5, value(probe, ProbeSummaries.tag(e.endpoint, "test_top5"), 16));
    }
  }

  @Test
  void evaluatingAgainReplacesThatStepAndKeepsTheOthers(@TempDir Path dir) throws Exception {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    new ProbeSummaries().endpoint("block3", 1e-3, 0.5, 0.4, 0.9).write(conf, dir.toString(), "checkpoint", 100);
    new ProbeSummaries().endpoint("block3", 1e-3, 0.6, 0.5, 0.95).write(conf, dir.toString(), "checkpoint", 200);
    new ProbeSummaries().endpoint("block3", 1e-2, 0.7, 0.6, 0.97).write(conf, dir.toString(), "checkpoint", 100);
    List<EventFiles.Event> events = EventFiles.readDir(dir.resolve("tensorboard/eval-checkpoint"));
    String top1 = ProbeSummaries.tag("block3", "test_top1");
    assertEquals(List.of(200L, 100L), steps(events, top1), "step 100 once, the newer values");
    assertEquals(0.6f, value(events, top1, 100));
    assertEquals(0.5f, value(events, top1, 200));
    assertEquals(0.01f, value(events, ProbeSummaries.tag("block3", "l2"), 100));
  }
}
