package org.selfsup.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Event files written by {@link EventLog}, read back by {@link EventFiles} (hand-parsed framing, the generated Event). */
class EventLogTest {
  private static final Configuration CONF = new Configuration();

  static byte[] png(int width, int height, int rgb) throws Exception {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        img.setRGB(x, y, x < width / 2 ? rgb : 0xffffff);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  private static Map<String, Double> values(Object... tagValue) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < tagValue.length; i += 2) {
      m.put((String) tagValue[i], (Double) tagValue[i + 1]);
    }
    return m;
  }

  /** (tag, step) of every summary value, in reading order. */
  static List<String> tagSteps(List<EventFiles.Event> events) {
    List<String> out = new ArrayList<>();
    for (EventFiles.Event e : events) {
      e.values.forEach(v -> out.add(v.tag + "@" + e.step));
    }
    return out;
  }

  @Test
  void scalarsAndImagesReadBackWithTheirTagsStepsAndValues(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("run");
    EventLog log = EventLog.open(CONF, dir.toString(), s -> true);
    byte[] red = png(12, 7, 0xff0000);
    byte[] blue = png(6, 5, 0x0000ff);
    log.images("inputs", 0, List.of(red, blue));
    log.scalars(0, values("pretext/loss", 1.5, "pretext/accuracy", Double.NaN));
    log.flush();
    log.scalars(8, values("train/loss", 1.25, "train/lr", 0.0125));
    log.flush();

    List<Path> files = EventFiles.files(dir);
    assertEquals(1, files.size(), "one file, written again at each flush");
    assertTrue(files.get(0).getFileName().toString().matches("events\\.out\\.tfevents\\.\\d{10}\\.[A-Za-z0-9._-]+"),
        files.get(0).toString());
    List<EventFiles.Event> events = EventFiles.read(files.get(0));
    assertEquals(4, events.size());
    assertEquals("brain.Event:2", events.get(0).fileVersion);
    assertTrue(events.get(0).values.isEmpty());
    long now = System.currentTimeMillis() / 1000;
    assertTrue(Math.abs(events.get(1).wallTime - now) < 60, "wall time " + events.get(1).wallTime);

    EventFiles.Event images = events.get(1);
    assertEquals(0, images.step);
    assertEquals(List.of("inputs/image/0", "inputs/image/1"),
        images.values.stream().map(v -> v.tag).collect(Collectors.toList()));
    EventFiles.Value first = images.value("inputs/image/0");
    assertArrayEquals(red, first.png);
    assertEquals(12, first.width);
    assertEquals(7, first.height);
    assertEquals(3, first.colorspace, "RGB");
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(images.value("inputs/image/1").png));
    assertEquals(6, decoded.getWidth());
    assertEquals(0x0000ff, decoded.getRGB(0, 0) & 0xffffff);

    assertEquals(0, events.get(2).step);
    assertEquals(1, events.get(2).values.size(), "NaN is left out");
    assertEquals(1.5f, events.get(2).value("pretext/loss").simpleValue);
    assertEquals(8, events.get(3).step);
    assertEquals(1.25f, events.get(3).value("train/loss").simpleValue);
    assertEquals(0.0125f, events.get(3).value("train/lr").simpleValue);
  }

  @Test
  void reopeningKeepsTheStepsAskedForAndANewFileContinuesWithoutDuplicates(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("run");
    EventLog killed = EventLog.open(CONF, dir.toString(), s -> s <= -1);
    for (long step = 0; step <= 40; step += 8) {
      killed.scalars(step, values("loss", 10.0 - step / 8.0));
      killed.flush();
    }
    // resumed from the checkpoint of step 16: 24, 32 and 40 are trained again
    EventLog resumed = EventLog.open(CONF, dir.toString(), s -> s <= 16);
    resumed.sessionStart(17);
    for (long step = 24; step <= 48; step += 8) {
      resumed.scalars(step, values("loss", 100.0 + step));
      resumed.flush();
    }
    List<Path> files = EventFiles.files(dir);
    assertEquals(2, files.size());
    List<EventFiles.Event> old = EventFiles.read(files.get(0));
    assertEquals(List.of("loss@0", "loss@8", "loss@16"), tagSteps(old), "the killed run's file, cut after step 16");
    List<EventFiles.Event> fresh = EventFiles.read(files.get(1));
    assertEquals("brain.Event:2", fresh.get(0).fileVersion);
    assertEquals(17, fresh.get(1).step);
    assertEquals(1, (int) fresh.get(1).sessionStatus, "SessionLog START");
    List<EventFiles.Event> all = EventFiles.readDir(dir);
    List<String> seen = tagSteps(all);
    assertEquals(List.of("loss@0", "loss@8", "loss@16", "loss@24", "loss@32", "loss@40", "loss@48"), seen);
    assertEquals(8f, all.stream().filter(e -> e.step == 16 && !e.values.isEmpty()).findFirst().get()
        .value("loss").simpleValue);
    assertEquals(124f, all.stream().filter(e -> e.step == 24).findFirst().get().value("loss").simpleValue,
        "step 24 is the resumed run's");

    // a fresh start (keep nothing) empties the folder
    EventLog.open(CONF, dir.toString(), s -> false);
    assertEquals(List.of(), EventFiles.files(dir));
  }

  @Test
  void aFilePastTheRollSizeIsClosedAndTheNextEventsStartANewFile(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("run");
    EventLog log = EventLog.open(CONF, dir.toString(), s -> true, 200);
    for (long step = 1; step <= 12; step++) {
      log.scalars(step, values("a/long/tag/name/for/size", (double) step, "another/tag", step * 2.0));
      log.flush();
    }
    List<Path> files = EventFiles.files(dir);
    assertTrue(files.size() >= 3, files.toString());
    Set<Long> steps = new HashSet<>();
    for (Path f : files) {
      List<EventFiles.Event> events = EventFiles.read(f);
      assertEquals("brain.Event:2", events.get(0).fileVersion, f.toString());
      assertTrue(Files.size(f) < 200 + 120, f + " is " + Files.size(f) + " bytes");
      events.stream().skip(1).forEach(e -> assertTrue(steps.add(e.step), "step " + e.step + " twice"));
    }
    assertEquals(12, steps.size());
    List<String> names = files.stream().map(p -> p.getFileName().toString()).collect(Collectors.toList());
    assertEquals(names.stream().sorted().collect(Collectors.toList()), names);
  }

  @Test
  void aTornLastRecordIsCutOffWhenTheFolderIsOpenedAgain(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("run");
    EventLog log = EventLog.open(CONF, dir.toString(), s -> true);
    log.scalars(1, values("x", 1.0));
    log.scalars(2, values("x", 2.0));
    log.flush();
    Path f = EventFiles.files(dir).get(0);
    byte[] whole = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(whole, whole.length - 5));
    EventLog.open(CONF, dir.toString(), s -> true);
    List<EventFiles.Event> events = EventFiles.read(f);
    assertEquals(List.of("x@1"), tagSteps(events));
    assertNull(events.get(1).fileVersion);
  }

  @Test
  void pngHeaderGivesWidthHeightAndColorspace() throws Exception {
    assertArrayEquals(new int[] {12, 7, 3}, EventProto.pngHeader(png(12, 7, 0xff0000)));
    BufferedImage grey = new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_GRAY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(grey, "png", out);
    assertArrayEquals(new int[] {3, 4, 1}, EventProto.pngHeader(out.toByteArray()));
  }
}
