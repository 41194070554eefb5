package org.selfsup.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.cli.Main;
import org.selfsup.eval.ComparisonTable;
import org.selfsup.eval.ProbeReport;

/** The learning curves and the probe comparison: the numbers that go into each chart, and the PNGs. */
class ChartsTest {
  static final String HEADER = "time,epoch,step,images_seen,loss,pretext_accuracy,learning_rate,images_per_second,"
      + "pretext_loss,records_used,records_skipped\n";

  /** Decodes a PNG, checks its size and that it is a picture: many colours, much of it not white. */
  static BufferedImage picture(byte[] png, int width, int height) throws Exception {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertEquals(width, img.getWidth());
    assertEquals(height, img.getHeight());
    Set<Integer> colours = new HashSet<>();
    long notWhite = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        notWhite += rgb != 0xffffff ? 1 : 0;
      }
    }
    assertTrue(colours.size() > 20, colours.size() + " colours");
    assertTrue(notWhite > 0.01 * width * height, notWhite + " pixels not white");
    return img;
  }

  static LearningCurves.Series series(List<LearningCurves.Panel> panels, String title, int index) {
    return panels.stream().filter(p -> p.title.equals(title)).findFirst().get().series.get(index);
  }

  @Test
  void learningCurvesTakeTheColumnsByNameTheLastRowOfAStepAndSkipWhatIsNoMeasurement() {
    String csv = HEADER
        + "t0,0.0000,0,0,NaN,0.2500,0,0,1.400000,0,0\n"
        + "t1,0.3333,8,250,1.300000,0.3500,0.00416667,120.50,1.350000,250,0\n"
        + "t2,0.6667,16,500,9.000000,0.1000,0.00833333,99.00,9.000000,250,0\n" // a killed run's row ...
        + "t3,0.6667,16,500,1.200000,NaN,0.00833333,130.50,1.250000,250,0\n" // ... written again on resume
        + "t4,1.0000,24,750,1.10000"; // torn
    List<LearningCurves.Panel> panels = LearningCurves.panels(csv);
    assertEquals(List.of("loss", "held-out pretext accuracy", "learning rate", "images/s"),
        panels.stream().map(p -> p.title).collect(Collectors.toList()));

    LearningCurves.Series loss = series(panels, "loss", 0);
    assertEquals("training loss (last minibatch)", loss.name);
    assertArrayEquals(new double[] {8, 16}, loss.x);
    assertArrayEquals(new double[] {1.3, 1.2}, loss.y);
    LearningCurves.Series heldOut = series(panels, "loss", 1);
    assertArrayEquals(new double[] {0, 8, 16}, heldOut.x, "the untrained row counts for held-out numbers");
    assertArrayEquals(new double[] {1.4, 1.35, 1.25}, heldOut.y);
    LearningCurves.Series accuracy = series(panels, "held-out pretext accuracy", 0);
    assertArrayEquals(new double[] {0, 8}, accuracy.x, "NaN at step 16 is no point");
    assertArrayEquals(new double[] {0.25, 0.35}, accuracy.y);
    LearningCurves.Series lr = series(panels, "learning rate", 0);
    assertArrayEquals(new double[] {8, 16}, lr.x, "the untrained row's lr 0 is no measurement");
    assertArrayEquals(new double[] {0.00416667, 0.00833333}, lr.y);
    assertArrayEquals(new double[] {120.5, 130.5}, series(panels, "images/s", 0).y);
  }

  @Test
  void learningCurvesWithoutAColumnLeaveThatLineOut() {
    List<LearningCurves.Panel> panels = LearningCurves.panels("step,images_seen,loss\n8,250,2.0\n16,500,1.0\n");
    assertEquals(1, panels.get(0).series.size());
    assertTrue(panels.get(1).series.isEmpty());
  }

  @Test
  void learningCurvesPngIsFourPanels(@TempDir Path tmp) throws Exception {
    String csv = HEADER
        + "t0,0.0000,0,0,NaN,0.2500,0,0,1.400000,0,0\n"
        + "t1,0.3333,8,250,1.300000,0.3500,0.00416667,120.50,1.350000,250,0\n"
        + "t2,0.6667,16,500,1.200000,0.4500,0.00833333,130.50,1.250000,250,0\n";
    Path out = tmp.resolve("plots/learning_curves.png");
    LearningCurves.write(new Configuration(), csv, out.toString());
    BufferedImage img = picture(Files.readAllBytes(out), 2 * LearningCurves.PANEL_WIDTH, 2 * LearningCurves.PANEL_HEIGHT);
    // the first series is drawn in XChart's first colour (blue) in every panel
    for (int panel = 0; panel < 4; panel++) {
      int x0 = (panel % 2) * LearningCurves.PANEL_WIDTH;
      int y0 = (panel / 2) * LearningCurves.PANEL_HEIGHT;
      boolean blue = false;
      for (int y = y0; y < y0 + LearningCurves.PANEL_HEIGHT && !blue; y++) {
        for (int x = x0; x < x0 + LearningCurves.PANEL_WIDTH && !blue; x++) {
          int rgb = img.getRGB(x, y);
          blue = (rgb & 0xff) > 200 && ((rgb >> 16) & 0xff) < 120;
        }
      }
      assertTrue(blue, "a line in panel " + panel);
    }
    // a metrics.csv with only its header still draws (empty panels)
    picture(LearningCurves.png(LearningCurves.panels(HEADER)), 2 * LearningCurves.PANEL_WIDTH,
        2 * LearningCurves.PANEL_HEIGHT);
  }

  private static void assertBars(List<Double> expected, List<Double> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      if (expected.get(i) == null) {
        assertEquals(null, actual.get(i), "bar " + i);
      } else {
        assertEquals(expected.get(i), actual.get(i), 1e-9, "bar " + i);
      }
    }
  }

  private static void report(Path dir, String name, ProbeReport.Entry... entries) {
    new ProbeReport(100, 50, 200, Arrays.asList(entries)).writeJson(new Configuration(),
        dir.resolve("eval-" + name + ".json").toString());
  }

  @Test
  void compareChartHasTestTop1PerEndpointAndRunAndComparePlotWritesIt(@TempDir Path tmp) throws Exception {
    report(tmp, "rotation", new ProbeReport.Entry("pre_logits", 256, 1e-3, 0.60, 0.55, 0.90, 1),
        new ProbeReport.Entry("block3", 4096, 1e-4, 0.80, 0.785, 0.99, 1));
    report(tmp, "random_init", new ProbeReport.Entry("block3", 4096, 1e-2, 0.70, 0.70, 0.95, 1),
        new ProbeReport.Entry("block4", 2048, 0, 0.40, 0.38, 0.80, 1));
    report(tmp, "raw_pixels", new ProbeReport.Entry("pixels", 784, 1e-3, 0.81, 0.8125, 0.99, 1));
    ProbeComparisonChart chart = ComparisonTable.chart(new Configuration(), tmp.toString());
    assertEquals(List.of("random_init", "raw_pixels", "rotation"), chart.runs(), "the reports in name order");
    assertEquals(List.of("block3", "block4", "pixels", "pre_logits"), chart.endpoints());
    assertBars(Arrays.asList(70.0, 38.0, null, null), chart.percent("random_init"));
    assertBars(Arrays.asList(null, null, 81.25, null), chart.percent("raw_pixels"));
    assertBars(Arrays.asList(78.5, null, null, 55.0), chart.percent("rotation"));

    Path png = tmp.resolve("plots/compare.png");
    int code = Main.run("compare", "--workdir", tmp.toString(), "--plot", png.toString());
    assertEquals(0, code);
    picture(Files.readAllBytes(png), ProbeComparisonChart.WIDTH, ProbeComparisonChart.HEIGHT);

    assertEquals(2, Main.run("compare", "--workdir", tmp.toString(), "--plot", tmp.resolve("c.jpg").toString()),
        "--plot names a PNG");
    assertTrue(Files.notExists(tmp.resolve("c.jpg")));
  }
}
