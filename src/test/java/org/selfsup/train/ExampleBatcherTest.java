package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.selfsup.preprocess.Image;
import org.selfsup.tasks.TaskExample;

class ExampleBatcherTest {
  private static Image constant(float v) {
    float[] d = new float[2 * 2 * 3];
    java.util.Arrays.fill(d, v);
    return new Image(2, 2, 3, d);
  }

  @Test
  void viewsAreStackedAlongChannelsInTheirOrder() {
    // 2 examples of 3 views; view v of example e is the constant 10e + v
    List<TaskExample> examples = new ArrayList<>();
    for (int e = 0; e < 2; e++) {
      examples.add(new TaskExample(e + 1, constant(10 * e), constant(10 * e + 1), constant(10 * e + 2)));
    }
    DataSet ds = ExampleBatcher.toDataSet(examples, 4);
    assertArrayEquals(new long[] {2, 9, 2, 2}, ds.getFeatures().shape());
    for (int e = 0; e < 2; e++) {
      for (int c = 0; c < 9; c++) {
        assertEquals(10 * e + c / 3, ds.getFeatures().getFloat(e, c, 1, 1), 0f, "example " + e + " channel " + c);
      }
    }
    assertArrayEquals(new float[] {0, 1, 0, 0}, ds.getLabels().getRow(0).toFloatVector(), 0f);
    assertArrayEquals(new float[] {0, 0, 1, 0}, ds.getLabels().getRow(1).toFloatVector(), 0f);
    // the shared trunk's reshape to [examples x views, C, H, W] gives back the views in order
    assertEquals(11f, ds.getFeatures().reshape('c', 6, 3, 2, 2).getFloat(4, 0, 0, 0), 0f);
  }

  @Test
  void channelsLastFeaturesAreTheImagesInTheirOwnLayout() {
    // pixel (y, x) channel c of example e holds 100e + 10c + 2y + x
    List<TaskExample> examples = new ArrayList<>();
    for (int e = 0; e < 2; e++) {
      float[] d = new float[2 * 2 * 3];
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 2; x++) {
          for (int c = 0; c < 3; c++) {
            d[(y * 2 + x) * 3 + c] = 100 * e + 10 * c + 2 * y + x;
          }
        }
      }
      examples.add(new TaskExample(e, new Image(2, 2, 3, d)));
    }
    DataSet nhwc = ExampleBatcher.toDataSet(examples, 4, true);
    DataSet nchw = ExampleBatcher.toDataSet(examples, 4, false);
    assertArrayEquals(new long[] {2, 2, 2, 3}, nhwc.getFeatures().shape());
    assertEquals(111f, nhwc.getFeatures().getFloat(1, 0, 1, 1), 0f); // example 1, y 0, x 1, channel 1
    assertEquals(nchw.getFeatures(), nhwc.getFeatures().permute(0, 3, 1, 2));
    assertEquals(nchw.getLabels(), nhwc.getLabels());
  }

  @Test
  void channelsLastViewsAreStackedAlongTheHeight() {
    // 2 examples of 3 views of 2x2x3; pixel (y, x) channel c of view v of example e holds 100e + 10v + 4c + 2y + x
    List<TaskExample> examples = new ArrayList<>();
    for (int e = 0; e < 2; e++) {
      Image[] views = new Image[3];
      for (int v = 0; v < 3; v++) {
        float[] d = new float[2 * 2 * 3];
        for (int y = 0; y < 2; y++) {
          for (int x = 0; x < 2; x++) {
            for (int c = 0; c < 3; c++) {
              d[(y * 2 + x) * 3 + c] = 100 * e + 10 * v + 4 * c + 2 * y + x;
            }
          }
        }
        views[v] = new Image(2, 2, 3, d);
      }
      examples.add(new TaskExample(e, views));
    }
    DataSet nhwc = ExampleBatcher.toDataSet(examples, 4, true);
    DataSet nchw = ExampleBatcher.toDataSet(examples, 4, false);
    assertArrayEquals(new long[] {2, 6, 2, 3}, nhwc.getFeatures().shape());
    // example 1, view 2 (rows 4-5), y 1, x 0, channel 2: 100 + 20 + 8 + 2 + 0
    assertEquals(130f, nhwc.getFeatures().getFloat(1, 5, 0, 2), 0f);
    // the channels-last patch network's reshape to [examples x views, H, W, C] gives the NCHW one's views, permuted
    assertEquals(nchw.getFeatures().reshape('c', 6, 3, 2, 2),
        nhwc.getFeatures().reshape('c', 6, 2, 2, 3).permute(0, 3, 1, 2));
    assertEquals(nchw.getLabels(), nhwc.getLabels());
    List<TaskExample> uneven = List.of(new TaskExample(0, constant(1)), new TaskExample(1, constant(1), constant(2)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ExampleBatcher.toDataSet(uneven, 4, true));
    assertTrue(e.getMessage().contains("differ in views: 1 and 2"), e.getMessage());
  }
}
