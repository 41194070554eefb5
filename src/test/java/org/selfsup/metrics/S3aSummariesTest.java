package org.selfsup.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Event files and a plot on an object store, through S3A against an in-process S3 server
 * (s3proxy on 127.0.0.1, in-memory blob store): each flush writes the file whole (no append),
 * and reopening after a resume rewrites the files without the dropped steps.
 */
class S3aSummariesTest {
  private static final String BUCKET = "selfsup-s3a-metrics";
  private static final String KEY = "test-access-key";
  private static final String SECRET = "test-secret-key";
  private static final Configuration CONF = new Configuration();
  private static BlobStoreContext blobs;
  private static S3Proxy proxy;

  @BeforeAll
  static void startS3() throws Exception {
    blobs = ContextBuilder.newBuilder("transient").credentials(KEY, SECRET).build(BlobStoreContext.class);
    BlobStore store = blobs.getBlobStore();
    store.createContainerInLocation(null, BUCKET);
    proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY, SECRET).build();
    proxy.start();
    long deadline = System.nanoTime() + 30_000_000_000L;
    int port = -1;
    while (port < 0) {
      if ("STARTED".equals(proxy.getState())) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", proxy.getPort()), 1000);
          port = proxy.getPort();
        } catch (IOException notYet) {
          // retried
        }
      }
      if (port < 0 && System.nanoTime() > deadline) {
        throw new IllegalStateException("s3proxy did not start (state " + proxy.getState() + ")");
      }
      Thread.sleep(20);
    }
    String b = "fs.s3a.bucket." + BUCKET + ".";
    CONF.set(b + "endpoint", "http://127.0.0.1:" + port);
    CONF.set(b + "endpoint.region", "us-east-1");
    CONF.set(b + "path.style.access", "true");
    CONF.set(b + "connection.ssl.enabled", "false");
    CONF.set(b + "aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    CONF.set(b + "access.key", KEY);
    CONF.set(b + "secret.key", SECRET);
    CONF.set(b + "attempts.maximum", "2");
    CONF.set(b + "retry.limit", "2");
  }

  @AfterAll
  static void stopS3() throws Exception {
    try {
      new Path("s3a://" + BUCKET + "/").getFileSystem(CONF).close();
    } catch (IOException ignored) {
      // the server goes away next anyway
    }
    if (proxy != null) {
      proxy.stop();
    }
    if (blobs != null) {
      blobs.close();
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
