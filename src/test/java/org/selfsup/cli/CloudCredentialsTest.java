package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.selfsup.runtime.SparkSessions;

/**
 * An s3a:// path the store refuses for want of (valid) credentials is the user's mistake: exit 2,
 * one line naming the path and what to set. Only loopback addresses are contacted: each bucket's
 * endpoint is 127.0.0.1 and its only credential provider reads the Hadoop configuration (no
 * instance-metadata lookup).
 */
class CloudCredentialsTest {
  private final Map<String, String> properties = new LinkedHashMap<>();

  /** Per-bucket S3A settings, as spark.hadoop.* properties (what conf/spark-defaults.conf would hold). */
  private void bucket(String name, int port, String accessKey, String secretKey) {
    String b = "spark.hadoop.fs.s3a.bucket." + name + ".";
    properties.put(b + "endpoint", "http://127.0.0.1:" + port);
    properties.put(b + "endpoint.region", "us-east-1");
    properties.put(b + "path.style.access", "true");
    properties.put(b + "connection.ssl.enabled", "false");
    properties.put(b + "aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    properties.put(b + "attempts.maximum", "1");
    properties.put(b + "retry.limit", "1");
    properties.put(b + "connection.establish.timeout", "2000");
    properties.put(b + "connection.timeout", "5000");
    if (accessKey != null) {
      properties.put(b + "access.key", accessKey);
      properties.put(b + "secret.key", secretKey);
    }
    properties.forEach(System::setProperty);
  }

  @AfterEach
  void clear() {
    properties.keySet().forEach(System::clearProperty);
  }

  private static void assertRefused(CommandLineTest.Run r, String path, String why) {
    assertEquals(2, r.code, r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.startsWith("error: " + why + " for " + path + ": set fs.s3a.access.key and fs.s3a.secret.key"), r.err);
    assertTrue(r.err.contains("AWS_ACCESS_KEY_ID") && r.err.contains("instance profile"), r.err);
    assertFalse(r.err.contains("\tat "), r.err);
  }

  @Test
  void noCredentialsNameThePathAndWhatToSet() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // nothing listens there once closed: no request can succeed
    }
    bucket("selfsup-no-credentials", closedPort, null, null);
    int sessions = SparkSessions.requests();
    CommandLineTest.Run r = CommandLineTest.runWithoutSpark("compare", "--workdir", "s3a://selfsup-no-credentials/evals");
    assertRefused(r, "s3a://selfsup-no-credentials/evals", "no credentials");
    assertEquals(sessions, SparkSessions.requests());
  }

  @Test
  void refusedCredentialsNameThePathAndWhatToSet() throws Exception {
    BlobStoreContext blobs = ContextBuilder.newBuilder("transient").credentials("right-key", "right-secret")
        .build(BlobStoreContext.class);
    blobs.getBlobStore().createContainerInLocation(null, "selfsup-wrong-credentials");
    S3Proxy proxy = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "right-key", "right-secret").build();
    proxy.start();
    try {
      bucket("selfsup-wrong-credentials", waitUntilStarted(proxy), "right-key", "wrong-secret");
      CommandLineTest.Run r = CommandLineTest.runWithoutSpark("compare", "--workdir", "s3a://selfsup-wrong-credentials/evals");
      assertRefused(r, "s3a://selfsup-wrong-credentials/evals", "access denied (credentials refused)");
    } finally {
      proxy.stop();
      blobs.close();
    }
  }

  private static int waitUntilStarted(S3Proxy proxy) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      if ("STARTED".equals(proxy.getState())) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", proxy.getPort()), 1000);
          return proxy.getPort();
        } catch (IOException e) {
          // not yet
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("s3proxy did not start on 127.0.0.1");
  }
}
