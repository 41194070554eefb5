package org.selfsup.tasks;

import java.io.Serializable;
import org.selfsup.preprocess.Image;

/**
 * One network example made by a task from one image: one view (rotation, supervised) or
 * several views that a shared trunk sees in turn (patch tasks), and the pretext label.
 */
public final class TaskExample implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Image[] views;
  private final int label;

  public TaskExample(int label, Image... views) {
    if (views.length == 0) {
      throw new IllegalArgumentException("an example needs at least one view");
    }
    this.views = views;
    this.label = label;
  }

  public Image[] views() {
    return views;
  }

  public int label() {
    return label;
  }
}
