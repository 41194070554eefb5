package org.selfsup.data;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetLayoutTest {
  private static final Configuration CONF = new Configuration();

  @TempDir
  static Path imagenet;

  @BeforeAll
  static void imagenetLayout() throws IOException {
    for (int i = 0; i < 1024; i++) {
      Files.createFile(imagenet.resolve(TFRecordSink.shardName("train", i, 1024)));
    }
    for (int i = 0; i < 128; i++) {
      Files.createFile(imagenet.resolve(TFRecordSink.shardName("validation", i, 128)));
    }
    Files.createFile(imagenet.resolve(".train-00000-of-01024.inprogress-3")); // must be ignored
  }

  private static List<String> names(List<String> paths) {
    List<String> out = new ArrayList<>();
    for (String p : paths) {
      out.add(new org.apache.hadoop.fs.Path(p).getName());
    }
    return out;
  }

  @Test
  void imagenetSplits() {
    DatasetLayout l = DatasetLayout.forName("imagenet");
    String dir = imagenet.toString();
    List<String> train = l.files(CONF, dir, "train");
    List<String> val = l.files(CONF, dir, "val");
    List<String> trainval = l.files(CONF, dir, "trainval");
    List<String> test = l.files(CONF, dir, "test");
    assertEquals(984, train.size());
    assertEquals(40, val.size());
    assertEquals(1024, trainval.size());
    assertEquals(128, test.size());
    List<String> expectedVal = new ArrayList<>();
    for (int i = 984; i < 1024; i++) {
      expectedVal.add(TFRecordSink.shardName("train", i, 1024));
    }
    assertEquals(expectedVal, names(val));
    assertEquals("train-00000-of-01024", names(train).get(0));
    assertEquals("train-00983-of-01024", names(train).get(983));
    assertEquals("validation-00000-of-00128", names(test).get(0));
    assertTrue(train.get(0).startsWith("file:"), train.get(0));
    List<String> joined = new ArrayList<>(train);
    joined.addAll(val);
    assertEquals(trainval, joined);
  }

  @Test
  void twentyFourShardsGiveOneValShard(@TempDir Path dir) throws IOException {
    for (int i = 0; i < 24; i++) {
      Files.createFile(dir.resolve(TFRecordSink.shardName("train", i, 24)));
    }
    Files.createFile(dir.resolve("test-00000-of-00001"));
    DatasetLayout l = DatasetLayout.forName("generic");
    assertEquals(23, l.files(CONF, dir.toString(), "train").size());
    assertEquals(List.of("train-00023-of-00024"), names(l.files(CONF, dir.toString(), "val")));
    assertEquals(List.of("test-00000-of-00001"), names(l.files(CONF, dir.toString(), "test")));
  }

  @Test
  void valRule() {
    assertEquals(0, DatasetLayout.valShardCount(1));
    assertEquals(1, DatasetLayout.valShardCount(2));
    assertEquals(1, DatasetLayout.valShardCount(24));
    assertEquals(5, DatasetLayout.valShardCount(128));
    assertEquals(40, DatasetLayout.valShardCount(1024));
  }

  @Test
  void singleTrainShardHasNoVal(@TempDir Path dir) throws IOException {
    Files.createFile(dir.resolve("train-00000-of-00001"));
    DatasetLayout l = DatasetLayout.forName("fashion_mnist");
    assertEquals(1, l.files(CONF, dir.toString(), "train").size());
    assertEquals(1, l.files(CONF, dir.toString(), "trainval").size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> l.files(CONF, dir.toString(), "val"));
    assertTrue(e.getMessage().contains("only 1 train shard"), e.getMessage());
    IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
        () -> l.files(CONF, dir.toString(), "test"));
    assertTrue(t.getMessage().contains(dir.toString()) && t.getMessage().contains("validation-* or test-*"),
        t.getMessage());
  }

  @Test
  void missingTrainShardsNameDirAndPattern(@TempDir Path dir) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DatasetLayout.forName("imagenet").files(CONF, dir.toString(), "train"));
    assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("train-*-of-01024"),
        e.getMessage());
  }

  @Test
  void unknownSplitAndDataset() {
    IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
        () -> DatasetLayout.forName("imagenet").files(CONF, imagenet.toString(), "validation"));
    assertEquals("unknown split 'validation'; valid splits: train, val, trainval, test", s.getMessage());
    IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
        () -> DatasetLayout.forName("cifar10"));
    assertEquals("unknown dataset 'cifar10'; known datasets: imagenet, places205, fashion_mnist, generic",
        d.getMessage());
  }

  @Test
  void classesAndOffsets() {
    assertEquals(1000, DatasetLayout.forName("imagenet").numClasses());
    assertEquals(205, DatasetLayout.forName("places205").numClasses());
    assertEquals(10, DatasetLayout.forName("fashion_mnist").numClasses());
    assertEquals(-1, DatasetLayout.forName("generic").numClasses());
    for (String n : DatasetLayout.knownNames()) {
      assertEquals(1, DatasetLayout.forName(n).labelOffset());
      assertEquals(1, DatasetLayout.forName(n).readOptions().labelOffset());
    }
  }
}
