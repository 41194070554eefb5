package org.selfsup.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.selfsup.data.HadoopFiles;

/** XChart charts as one PNG (a grid, row by row), written to any Hadoop path. */
final class Charts {
  private Charts() {}

  static <T extends Chart<?, ?>> byte[] png(List<T> charts, int rows, int columns) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (charts.size() == 1) {
      BitmapEncoder.saveBitmap(charts.get(0), out, BitmapEncoder.BitmapFormat.PNG);
    } else {
      BitmapEncoder.saveBitmap(charts, rows, columns, out, BitmapEncoder.BitmapFormat.PNG);
    }
    return out.toByteArray();
  }

  static void write(Configuration conf, String path, byte[] bytes) throws IOException {
    Path p = new Path(path);
    try (OutputStream out = HadoopFiles.of(p, conf).create(p, true)) {
      out.write(bytes);
    }
  }
}
