package org.selfsup.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.selfsup.S3TestServer;

/**
 * Event files and a plot on an object store, through S3A against an in-process S3 server
 * (s3proxy on 127.0.0.1, in-memory blob store): each flush writes the file whole (no append),
 * and reopening after a resume rewrites the files without the dropped steps.
 */
class S3aSummariesTest {
  private static final String BUCKET = "selfsup-s3a-metrics";
  private static final Configuration CONF = new Configuration();
  private static S3TestServer s3;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = S3TestServer.start(BUCKET);
    s3.configure(CONF, BUCKET);
  }

  @AfterAll
  static void stopS3() throws Exception {
    try {
      new Path("s3a://" + BUCKET + "/").getFileSystem(CONF).close();
    } catch (IOException ignored) {
      // the server goes away next anyway
    }
    if (s3 != null) {
      s3.close();
    }
  }

  private static List<EventFiles.Event> readAll(String dir) throws Exception {
    Path d = new Path(dir);
    FileSystem fs = d.getFileSystem(CONF);
    List<EventFiles.Event> out = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (FileStatus s : fs.listStatus(d)) {
      names.add(s.getPath().getName());
    }
    names.sort(null);
    for (String n : names) {
      try (InputStream in = fs.open(new Path(d, n))) {
        out.addAll(EventFiles.read(n, in.readAllBytes()));
      }
    }
    return out;
  }

  @Test
  void eventsAndLearningCurvesOnS3() throws Exception {
    String workdir = "s3a://" + BUCKET + "/runs/rotation";
    TrainingSummaries first = TrainingSummaries.open(CONF, workdir, -1);
    first.untrained(1.4, 0.25);
    first.chunk(8, 0.5, 1.3, 1.35, 0.35, 0.01, 100, 0.25);
    first.chunk(16, 1.0, 1.2, 1.25, 0.45, 0.01, 110, 0.1);
    TrainingSummaries resumed = TrainingSummaries.open(CONF, workdir, 8);
    resumed.chunk(16, 1.0, 1.1, 1.15, 0.5, 0.01, 120, Double.NaN);

    List<EventFiles.Event> events = readAll(workdir + "/" + TrainingSummaries.TENSORBOARD);
    List<String> seen = EventLogTest.tagSteps(events);
    assertEquals(List.of(TrainingSummaries.PRETEXT_LOSS + "@0", TrainingSummaries.PRETEXT_LOSS + "@8",
        TrainingSummaries.PRETEXT_LOSS + "@16"),
        seen.stream().filter(t -> t.startsWith(TrainingSummaries.PRETEXT_LOSS)).collect(java.util.stream.Collectors.toList()));
    assertEquals(seen.size(), new java.util.HashSet<>(seen).size(), "no tag twice at a step: " + seen);
    assertEquals(1.1f, events.stream().filter(e -> e.step == 16 && e.value(TrainingSummaries.LOSS) != null)
        .findFirst().get().value(TrainingSummaries.LOSS).simpleValue);

    resumed.plot(ChartsTest.HEADER + "t,0.5,8,250,1.3,0.35,0.01,100,1.35,250,0\nt,1.0,16,500,1.1,0.5,0.01,120,1.15,250,0\n");
    Path png = new Path(workdir, TrainingSummaries.LEARNING_CURVES);
    try (InputStream in = png.getFileSystem(CONF).open(png)) {
      ChartsTest.picture(in.readAllBytes(), 2 * LearningCurves.PANEL_WIDTH, 2 * LearningCurves.PANEL_HEIGHT);
    }
    assertTrue(png.getFileSystem(CONF).exists(png));
  }
}
