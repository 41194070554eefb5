package org.selfsup.train;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.selfsup.data.BadRecordException;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.TFRecordSource;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.TaskPictures;

/**
 * The task's network inputs for the first images of a file, one PNG per image, drawn as
 * {@code inspect --task} draws them ({@link TaskPictures}), for TensorBoard's step 0. Read on the
 * driver, a second look at records the training reads: bad ones are skipped, not counted again.
 */
final class InputPictures {
  private InputPictures() {}

  static List<byte[]> first(SparkSession spark, String file, int images, Task task, String spec, long seed,
      ReadOptions readOptions) {
    Preprocessing preprocessing = Preprocessing.parse(spec);
    List<byte[]> out = new ArrayList<>();
    for (Row row : TFRecordSource.read(spark, List.of(file), readOptions.rereading()).limit(images).collectAsList()) {
      try {
        out.add(ImageCodec.toViewablePng(TaskPictures.render(
            ExampleBatcher.examplesOf(task, preprocessing, row, seed, 0, readOptions.maxImagePixels()))));
      } catch (BadRecordException skipped) {
        // a bad record shows no picture; the training pass decides whether it fails the run
      }
    }
    return out;
  }
}
