package org.selfsup.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;

class FashionMnistImporterTest {
  private final SparkSession spark = TestSpark.get();

  @Test
  void importedPngPixelsLabelsAndNamesMatchTheIdxFiles(@TempDir Path tmp) throws Exception {
    Path src = tmp.resolve("idx");
    IdxFixtures.write(src, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 30, 5, 4, true);
    IdxFixtures.write(src, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 12, 5, 4, false);
    Path out = tmp.resolve("tfrecords");
    ImportSummary summary = FashionMnistImporter.run(spark, new ImportOptions(src.toString(), out.toString(),
        ImageFormat.PNG, Map.of("train", 25), Map.of("train", 3), false, BadRecordPolicy.FAIL));

    assertEquals(25, summary.splits.get(0).images);
    assertEquals(3, summary.splits.get(0).shards.size());
    assertEquals(12, summary.splits.get(1).images);
    assertTrue(Files.exists(out.resolve("train-00002-of-00003")));
    assertTrue(Files.exists(out.resolve("test-00000-of-00001")));

    List<String> trainFiles = DatasetLayout.forName("fashion_mnist").files(
        spark.sparkContext().hadoopConfiguration(), out.toString(), "trainval");
    List<Row> rows = TFRecordSource.read(spark, trainFiles, ReadOptions.defaults())
        .orderBy(SlimSchema.FILENAME).collectAsList();
    assertEquals(25, rows.size());
    for (Row r : rows) {
      String name = r.getAs(SlimSchema.FILENAME); // train/00007.png
      int i = Integer.parseInt(name.substring(6, 11));
      assertEquals(i % 10, r.<Integer>getAs(SlimSchema.LABEL));
      assertEquals(FashionMnistImporter.CLASS_NAMES.get(i % 10), r.getAs(SlimSchema.TEXT));
      assertEquals("png", r.getAs(SlimSchema.FORMAT));
      assertEquals(5, r.<Integer>getAs(SlimSchema.HEIGHT));
      assertEquals(4, r.<Integer>getAs(SlimSchema.WIDTH));
      Image img = ImageCodec.decode(r.getAs(SlimSchema.IMAGE), 1);
      float[] expected = new float[20];
      for (int y = 0; y < 5; y++) {
        for (int x = 0; x < 4; x++) {
          expected[y * 4 + x] = IdxFixtures.pixel(i, y, x, 4);
        }
      }
      assertArrayEquals(expected, img.data(), 0f, "pixels of " + name);
    }
  }

  @Test
  void missingFilesSayWhereTheyWereLookedForAndHowToGetThem(@TempDir Path tmp) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnistImporter.run(spark,
        new ImportOptions(tmp.toString(), tmp.resolve("out").toString(), ImageFormat.PNG,
            Collections.emptyMap(), Collections.emptyMap(), false, BadRecordPolicy.FAIL)));
    assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
    assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
  }

  @Test
  void aFileWithTheWrongMagicIsNamed(@TempDir Path tmp) throws Exception {
    IdxFixtures.write(tmp, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 3, 2, 2, false);
    // swap: a label file where the images should be
    Files.copy(tmp.resolve("train-labels-idx1-ubyte"), tmp.resolve("t10k-images-idx3-ubyte"));
    Files.copy(tmp.resolve("train-labels-idx1-ubyte"), tmp.resolve("t10k-labels-idx1-ubyte"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnistImporter.run(spark,
        new ImportOptions(tmp.toString(), tmp.resolve("out").toString(), ImageFormat.PNG,
            Collections.emptyMap(), Collections.emptyMap(), false, BadRecordPolicy.FAIL)));
    assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte is not an IDX image file"), e.getMessage());
  }
}
