package org.selfsup.metrics;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The learning curves of a pretraining run, from its metrics.csv (columns found by their header
 * names): four panels against the step: training loss (last minibatch) with the held-out pretext
 * loss, held-out pretext accuracy, learning rate, images/s. The untrained network's row (no images
 * seen yet) gives only the held-out points; NaN (or infinity) is no point; a step met twice keeps its last row.
 */
public final class LearningCurves {
  public static final int PANEL_WIDTH = 640;
  public static final int PANEL_HEIGHT = 400;

  private LearningCurves() {}

  /** One line of a panel: x (steps) and y, of equal length. */
  public static final class Series {
    public final String name;
    public final double[] x;
    public final double[] y;

    Series(String name, double[] x, double[] y) {
      this.name = name;
      this.x = x;
      this.y = y;
    }
  }

  /** One chart: a title and its lines (those with at least one point). */
  public static final class Panel {
    public final String title;
    public final List<Series> series;

    Panel(String title, List<Series> series) {
      this.title = title;
      this.series = series;
    }
  }

  /** The four panels of a metrics.csv text. */
  public static List<Panel> panels(String csv) {
    String[] lines = csv.split("\n");
    Map<String, Integer> column = new LinkedHashMap<>();
    String[] header = lines.length > 0 ? lines[0].strip().split(",") : new String[0];
    for (int i = 0; i < header.length; i++) {
      column.put(header[i], i);
    }
    Integer stepColumn = column.get("step");
    TreeMap<Long, String[]> rows = new TreeMap<>();
    for (int i = 1; i < lines.length && stepColumn != null; i++) {
      String[] fields = lines[i].strip().split(",", -1);
      if (fields.length != header.length) {
        continue; // a torn line
      }
      try {
        rows.put(Long.parseLong(fields[stepColumn]), fields);
      } catch (NumberFormatException torn) {
        // skipped
      }
    }
    Rows r = new Rows(column, rows);
    return List.of(
        new Panel("loss", nonEmpty(r.series("training loss (last minibatch)", "loss", true),
            r.series("held-out pretext loss", "pretext_loss", false))),
        new Panel("held-out pretext accuracy", nonEmpty(r.series("pretext accuracy", "pretext_accuracy", false))),
        new Panel("learning rate", nonEmpty(r.series("learning rate", "learning_rate", true))),
        new Panel("images/s", nonEmpty(r.series("images/s (chunk)", "images_per_second", true))));
  }

  /** The panels as one PNG, 2 x 2 panels of {@value #PANEL_WIDTH} x {@value #PANEL_HEIGHT} pixels. */
  public static byte[] png(List<Panel> panels) throws IOException {
    List<XYChart> charts = new ArrayList<>();
    for (Panel p : panels) {
      XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(p.title)
          .xAxisTitle("step").build();
      XYStyler style = chart.getStyler();
      style.setLegendPosition(Styler.LegendPosition.InsideNE);
      style.setLegendVisible(p.series.size() > 1);
      style.setMarkerSize(5);
      style.setChartBackgroundColor(java.awt.Color.WHITE);
      if (p.series.isEmpty()) {
        style.setXAxisMin(0.0);
        style.setXAxisMax(1.0);
        style.setYAxisMin(0.0);
        style.setYAxisMax(1.0);
        chart.setTitle(p.title + " (no data)");
      }
      for (Series s : p.series) {
        XYSeries line = chart.addSeries(s.name, s.x, s.y);
        line.setMarker(SeriesMarkers.CIRCLE);
      }
      charts.add(chart);
    }
    return Charts.png(charts, (panels.size() + 1) / 2, 2);
  }

  /** Draws {@code csv} (a metrics.csv text) to {@code path} (any Hadoop path), replacing it. */
  public static void write(Configuration conf, String csv, String path) throws IOException {
    Charts.write(conf, path, png(panels(csv)));
  }

  private static List<Series> nonEmpty(Series... series) {
    List<Series> out = new ArrayList<>();
    for (Series s : series) {
      if (s != null && s.x.length > 0) {
        out.add(s);
      }
    }
    return out;
  }

  /** The rows by step, read by column name. */
  private static final class Rows {
    final Map<String, Integer> column;
    final TreeMap<Long, String[]> byStep;

    Rows(Map<String, Integer> column, TreeMap<Long, String[]> byStep) {
      this.column = column;
      this.byStep = byStep;
    }

    /** @param trainedOnly skip rows without images seen (the untrained network's: no minibatch, no rate) */
    Series series(String name, String col, boolean trainedOnly) {
      Integer c = column.get(col);
      Integer seen = column.get("images_seen");
      if (c == null) {
        return null;
      }
      double[] x = new double[byStep.size()];
      double[] y = new double[byStep.size()];
      int n = 0;
      for (Map.Entry<Long, String[]> e : byStep.entrySet()) {
        double v = parse(e.getValue()[c]);
        if (!Double.isFinite(v) || trainedOnly && (seen == null || parse(e.getValue()[seen]) <= 0)) {
          continue;
        }
        x[n] = e.getKey();
        y[n] = v;
        n++;
      }
      return new Series(name, Arrays.copyOf(x, n), Arrays.copyOf(y, n));
    }

    private static double parse(String s) {
      try {
        return Double.parseDouble(s);
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
  }
}
