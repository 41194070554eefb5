package org.selfsup.metrics;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/**
 * Linear-probe test top-1 per endpoint across runs as grouped bars: one group per endpoint (in
 * the order the runs first name them), one bar per run (a run without that endpoint has no bar).
 */
public final class ProbeComparisonChart {
  public static final int WIDTH = 1000;
  public static final int HEIGHT = 560;

  private final Map<String, Map<String, Double>> runs = new LinkedHashMap<>();

  /** Adds a run: endpoint → test top-1 as a fraction in [0, 1]. */
  public ProbeComparisonChart run(String name, Map<String, Double> testTop1) {
    runs.put(name, new LinkedHashMap<>(testTop1));
    return this;
  }

  /** The runs, in the order added. */
  public List<String> runs() {
    return new ArrayList<>(runs.keySet());
  }

  /** Every endpoint of any run, in the order of first appearance. */
  public List<String> endpoints() {
    LinkedHashSet<String> all = new LinkedHashSet<>();
    runs.values().forEach(m -> all.addAll(m.keySet()));
    return new ArrayList<>(all);
  }

  /** One run's bars in percent, aligned with {@link #endpoints()}: null where it lacks the endpoint. */
  public List<Double> percent(String run) {
    Map<String, Double> values = runs.getOrDefault(run, Collections.emptyMap());
    List<Double> out = new ArrayList<>();
    for (String e : endpoints()) {
      Double v = values.get(e);
      out.add(v == null ? null : 100 * v);
    }
    return out;
  }

  public byte[] png() throws IOException {
    if (runs.isEmpty()) {
      throw new IllegalStateException("no run to plot");
    }
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
        .title("linear probe: test top-1 per endpoint").xAxisTitle("endpoint").yAxisTitle("test top-1 (%)").build();
    CategoryStyler style = chart.getStyler();
    style.setLabelsVisible(true);
    style.setDecimalPattern("0.0");
    style.setYAxisMin(0.0);
    style.setYAxisMax(100.0);
    style.setLegendPosition(Styler.LegendPosition.OutsideE);
    style.setChartBackgroundColor(java.awt.Color.WHITE);
    List<String> endpoints = endpoints();
    for (String run : runs.keySet()) {
      chart.addSeries(run, endpoints, percent(run));
    }
    return Charts.png(List.of(chart), 1, 1);
  }

  /** Draws the chart to {@code path} (any Hadoop path), replacing it. */
  public void write(Configuration conf, String path) throws IOException {
    Charts.write(conf, path, png());
  }
}
