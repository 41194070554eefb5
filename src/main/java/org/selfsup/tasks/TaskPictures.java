package org.selfsup.tasks;

import java.util.ArrayList;
import java.util.List;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.PatchGrid;

/**
 * One picture of what the network sees for one image, for checking augmentation by eye: one row
 * per example, its views left to right (9 views: a 3×3 block, position j = the j-th input, so a
 * jigsaw example shows its shuffled puzzle); examples of one view each (exemplar's copies) sit
 * side by side in a single row. Each view is rescaled to 0..255 on its own; gaps are white.
 */
public final class TaskPictures {
  static final int GAP = 2;

  private TaskPictures() {}

  public static Image render(List<TaskExample> examples) {
    List<Image> rows = new ArrayList<>();
    boolean single = examples.stream().allMatch(e -> e.views().length == 1);
    if (single) {
      List<Image> views = new ArrayList<>();
      examples.forEach(e -> views.add(viewable(e.views()[0])));
      rows.add(concat(views, true));
    } else {
      for (TaskExample e : examples) {
        List<Image> views = new ArrayList<>();
        for (Image v : e.views()) {
          views.add(viewable(v));
        }
        rows.add(views.size() == 9 ? PatchGrid.mosaic(padEach(views), 3) : concat(views, true));
      }
    }
    return concat(rows, false);
  }

  /** "labels 3, 17, ..." in row (or, for single views, column) order. */
  public static String labels(List<TaskExample> examples) {
    StringBuilder sb = new StringBuilder();
    for (TaskExample e : examples) {
      sb.append(sb.length() == 0 ? "" : ",").append(e.label());
    }
    return sb.toString();
  }

  static Image viewable(Image v) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float x : v.data()) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    int c = v.channels() == 1 ? 1 : 3;
    float[] out = new float[v.height() * v.width() * 3];
    float scale = max > min ? 255f / (max - min) : 0f;
    for (int p = 0; p < v.height() * v.width(); p++) {
      for (int ch = 0; ch < 3; ch++) {
        float x = v.data()[p * v.channels() + (c == 1 ? 0 : ch)];
        out[p * 3 + ch] = (x - min) * scale;
      }
    }
    return new Image(v.height(), v.width(), 3, out);
  }

  /** Each tile with a white border of GAP/2 on every side, so the 3×3 block shows its seams. */
  private static List<Image> padEach(List<Image> tiles) {
    List<Image> out = new ArrayList<>(tiles.size());
    int b = GAP / 2;
    for (Image t : tiles) {
      int h = t.height() + 2 * b;
      int w = t.width() + 2 * b;
      float[] d = white(h, w);
      for (int y = 0; y < t.height(); y++) {
        System.arraycopy(t.data(), y * t.width() * 3, d, ((y + b) * w + b) * 3, t.width() * 3);
      }
      out.add(new Image(h, w, 3, d));
    }
    return out;
  }

  private static float[] white(int h, int w) {
    float[] d = new float[h * w * 3];
    java.util.Arrays.fill(d, 255f);
    return d;
  }

  /** Images next to each other (horizontal) or below each other, top/left aligned, GAP apart. */
  private static Image concat(List<Image> parts, boolean horizontal) {
    int h = 0;
    int w = 0;
    for (Image p : parts) {
      h = horizontal ? Math.max(h, p.height()) : h + p.height() + GAP;
      w = horizontal ? w + p.width() + GAP : Math.max(w, p.width());
    }
    if (horizontal) {
      w -= GAP;
    } else {
      h -= GAP;
    }
    float[] d = white(h, w);
    int y0 = 0;
    int x0 = 0;
    for (Image p : parts) {
      for (int y = 0; y < p.height(); y++) {
        System.arraycopy(p.data(), y * p.width() * 3, d, ((y0 + y) * w + x0) * 3, p.width() * 3);
      }
      if (horizontal) {
        x0 += p.width() + GAP;
      } else {
        y0 += p.height() + GAP;
      }
    }
    return new Image(h, w, 3, d);
  }
}
