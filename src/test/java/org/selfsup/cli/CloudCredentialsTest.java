package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.selfsup.S3TestServer;
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
    S3TestServer.s3aSettings(name, port, accessKey, secretKey).forEach((k, v) -> properties.put("spark.hadoop." + k, v));
    String b = "spark.hadoop.fs.s3a.bucket." + name + ".";
    properties.put(b + "attempts.maximum", "1");
    properties.put(b + "retry.limit", "1");
    properties.put(b + "connection.establish.timeout", "2000");
    properties.put(b + "connection.timeout", "5000");
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
    try (S3TestServer s3 = S3TestServer.startWithKeys("right-key", "right-secret", "selfsup-wrong-credentials")) {
      bucket("selfsup-wrong-credentials", s3.port(), "right-key", "wrong-secret");
      CommandLineTest.Run r = CommandLineTest.runWithoutSpark("compare", "--workdir", "s3a://selfsup-wrong-credentials/evals");
      assertRefused(r, "s3a://selfsup-wrong-credentials/evals", "access denied (credentials refused)");
    }
  }
}
