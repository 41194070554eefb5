package org.selfsup.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;

/** Imports a tree of real photos (src/test/resources/photos) laid out as class folders. */
class ImageFolderImporterTest {
  private final SparkSession spark = TestSpark.get();
  private List<Path> photos;

  @BeforeEach
  void findPhotos() throws Exception {
    Path dir = Paths.get(getClass().getResource("/photos").toURI());
    try (Stream<Path> s = Files.list(dir)) {
      photos = s.filter(p -> ImageFolderImporter.isImageName(p.getFileName().toString())).sorted()
          .collect(Collectors.toList());
    }
    assertTrue(photos.size() >= 2, "need at least two test photos in " + dir);
  }

  /** tree/{a,b}/...: photo 0 in class "a", the others in class "b", plus a text file. */
  private Path tree(Path tmp) throws Exception {
    Path root = tmp.resolve("tree");
    Files.createDirectories(root.resolve("a"));
    Files.createDirectories(root.resolve("b"));
    Files.copy(photos.get(0), root.resolve("a").resolve(photos.get(0).getFileName()));
    for (Path p : photos.subList(1, photos.size())) {
      Files.copy(p, root.resolve("b").resolve(p.getFileName()));
    }
    Files.writeString(root.resolve("b").resolve("notes.txt"), "not an image");
    return root;
  }

  private List<Row> readBack(Path out) {
    List<String> files = DatasetLayout.forName("generic").files(
        spark.sparkContext().hadoopConfiguration(), out.toString(), "trainval");
    return TFRecordSource.read(spark, files, ReadOptions.defaults()).orderBy(SlimSchema.FILENAME).collectAsList();
  }

  @Test
  void photosBecomeLosslessPngRecordsWithClassLabels(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    ImportSummary summary = ImageFolderImporter.run(spark, new ImportOptions(tree(tmp).toString(), out.toString(),
        ImageFormat.PNG, Collections.emptyMap(), Collections.emptyMap(), false, BadRecordPolicy.FAIL));
    assertEquals(1, summary.ignoredFiles);
    List<Row> rows = readBack(out);
    assertEquals(photos.size(), rows.size());
    for (Row r : rows) {
      String name = r.getAs(SlimSchema.FILENAME);
      int label = name.startsWith("a/") ? 0 : 1;
      assertEquals(label, r.<Integer>getAs(SlimSchema.LABEL), name);
      assertEquals(label == 0 ? "a" : "b", r.getAs(SlimSchema.TEXT));
      Image original = ImageCodec.decode(Files.readAllBytes(tmp.resolve("tree").resolve(name)));
      Image stored = ImageCodec.decode(r.getAs(SlimSchema.IMAGE));
      assertEquals(original.height(), r.<Integer>getAs(SlimSchema.HEIGHT));
      assertEquals(original.width(), r.<Integer>getAs(SlimSchema.WIDTH));
      assertArrayEquals(original.data(), stored.data(), 0f, "PNG storage must be lossless for " + name);
    }
  }

  @Test
  void jpegFormatCopiesJpegBytesUnchanged(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    Path root = tree(tmp);
    ImageFolderImporter.run(spark, new ImportOptions(root.toString(), out.toString(), ImageFormat.JPEG,
        Collections.emptyMap(), Collections.emptyMap(), false, BadRecordPolicy.FAIL));
    for (Row r : readBack(out)) {
      byte[] source = Files.readAllBytes(root.resolve(r.<String>getAs(SlimSchema.FILENAME)));
      if ((source[0] & 0xff) == 0xff && (source[1] & 0xff) == 0xd8) {
        assertArrayEquals(source, (byte[]) r.getAs(SlimSchema.IMAGE));
      }
      assertEquals("jpeg", r.getAs(SlimSchema.FORMAT));
    }
  }

  @Test
  void anUndecodableImageFailsNamingTheFileOrIsSkippedAndCounted(@TempDir Path tmp) throws Exception {
    Path root = tree(tmp);
    byte[] photo = Files.readAllBytes(photos.get(1));
    byte[] truncated = new byte[photo.length / 3];
    System.arraycopy(photo, 0, truncated, 0, truncated.length);
    Path broken = root.resolve("b").resolve("zz-broken.jpg");
    Files.write(broken, truncated);

    org.selfsup.runtime.UserError e = assertThrows(org.selfsup.runtime.UserError.class, () -> ImageFolderImporter.run(spark,
        new ImportOptions(root.toString(), tmp.resolve("out1").toString(), ImageFormat.PNG,
            Collections.emptyMap(), Collections.emptyMap(), false, BadRecordPolicy.FAIL)));
    assertTrue(e.getMessage().contains("zz-broken.jpg"), e.getMessage());

    ImportSummary summary = ImageFolderImporter.run(spark, new ImportOptions(root.toString(),
        tmp.resolve("out2").toString(), ImageFormat.PNG, Collections.emptyMap(), Collections.emptyMap(), false,
        BadRecordPolicy.SKIP));
    assertEquals(1, summary.skipped);
    assertEquals(0, summary.skippedTooLarge);
    assertTrue(summary.skippedExamples.get(0).endsWith("zz-broken.jpg"));
    String line = summary.describe().lines().reduce((a, b) -> b).orElse("");
    assertTrue(line.startsWith("records: " + (photos.size() + 1) + " read, " + photos.size() + " used, 1 skipped"
        + " (UNDECODABLE_IMAGE=1); e.g. "), line);
    assertEquals(photos.size(), summary.splits.get(0).images);
    assertEquals(photos.size(), readBack(tmp.resolve("out2")).size());
  }

  @Test
  void trainAndTestSubfoldersBecomeSplits(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("split");
    for (String split : new String[] {"train", "test"}) {
      Files.createDirectories(root.resolve(split).resolve("cat"));
      Files.createDirectories(root.resolve(split).resolve("dog"));
    }
    Files.copy(photos.get(0), root.resolve("train/cat/x.jpg"));
    Files.copy(photos.get(1), root.resolve("train/dog/y.jpg"));
    Files.copy(photos.get(1), root.resolve("test/dog/z.jpg"));
    ImportSummary summary = ImageFolderImporter.run(spark, new ImportOptions(root.toString(),
        tmp.resolve("out").toString(), ImageFormat.PNG, Collections.emptyMap(), Map.of("train", 1), false,
        BadRecordPolicy.FAIL));
    List<String> names = new ArrayList<>();
    summary.splits.forEach(s -> names.add(s.name + "=" + s.images));
    assertEquals(List.of("train=2", "test=1"), names);
  }

  @Test
  void aMissingFolderIsNamed(@TempDir Path tmp) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolderImporter.run(spark,
        new ImportOptions(tmp.resolve("nope").toString(), tmp.resolve("out").toString(), ImageFormat.PNG,
            Collections.emptyMap(), Collections.emptyMap(), false, BadRecordPolicy.FAIL)));
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
  }

  @Test
  void aPngBombIsRefusedFromItsHeaderNamedOrSkipped(@TempDir Path tmp) throws Exception {
    Path root = tree(tmp);
    Files.write(root.resolve("b").resolve("bomb.png"), BadDatasets.bombPng(20000, 20000));
    org.selfsup.runtime.UserError e = assertThrows(org.selfsup.runtime.UserError.class, () -> ImageFolderImporter.run(spark,
        new ImportOptions(root.toString(), tmp.resolve("fail").toString(), ImageFormat.PNG, Collections.emptyMap(),
            Collections.emptyMap(), false, BadRecordPolicy.FAIL)));
    assertTrue(e.getMessage().startsWith("cannot import ") && e.getMessage().contains("b/bomb.png: PNG of 20000x20000"
        + " = 400000000 pixels exceeds --max_image_pixels=64000000"), e.getMessage());
    ImportSummary skip = ImageFolderImporter.run(spark, new ImportOptions(root.toString(),
        tmp.resolve("skip").toString(), ImageFormat.PNG, Collections.emptyMap(), Collections.emptyMap(), false,
        BadRecordPolicy.SKIP));
    assertEquals(1, skip.skipped);
    assertEquals(1, skip.skippedTooLarge);
    assertTrue(skip.describe().contains("records: " + (photos.size() + 1) + " read, " + photos.size()
        + " used, 1 skipped (IMAGE_TOO_LARGE=1); e.g. "), skip.describe());
    assertEquals(photos.size(), readBack(tmp.resolve("skip")).size());
  }
}
