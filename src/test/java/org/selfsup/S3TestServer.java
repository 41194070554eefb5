package org.selfsup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.PageSet;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;

/**
 * An in-process S3 server for tests: s3proxy on 127.0.0.1 (a free port) over an in-memory
 * jclouds "transient" blob store, with AWS v2/v4 authentication against test-only keys. Tests
 * reach it through Hadoop S3A with {@link #s3aSettings} (per bucket, so no other test's S3A sees
 * them) and look at or damage what is stored through {@link #blobStore}, behind S3A's back.
 */
public final class S3TestServer implements AutoCloseable {
  /** Test-only credentials: this server is the only thing that accepts them. */
  public static final String ACCESS_KEY = "test-access-key";
  public static final String SECRET_KEY = "test-secret-key";

  private final BlobStoreContext blobs;
  private final S3Proxy proxy;
  private final int port;

  private S3TestServer(BlobStoreContext blobs, S3Proxy proxy, int port) {
    this.blobs = blobs;
    this.proxy = proxy;
    this.port = port;
  }

  /** A server with the test keys and these (empty) buckets, once it accepts connections. */
  public static S3TestServer start(String... buckets) throws Exception {
    return startWithKeys(ACCESS_KEY, SECRET_KEY, buckets);
  }

  /** A server that accepts these keys only, with these (empty) buckets. */
  public static S3TestServer startWithKeys(String accessKey, String secretKey, String... buckets) throws Exception {
    BlobStoreContext blobs = ContextBuilder.newBuilder("transient").credentials(accessKey, secretKey)
        .build(BlobStoreContext.class);
    S3Proxy proxy = null;
    try {
      for (String bucket : buckets) {
        blobs.getBlobStore().createContainerInLocation(null, bucket);
      }
      // port 0: the OS picks a free port on the loopback address, read back once started
      proxy = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey).build();
      proxy.start();
      return new S3TestServer(blobs, proxy, waitUntilStarted(proxy));
    } catch (Exception | Error e) {
      if (proxy != null) {
        proxy.stop();
      }
      blobs.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /** The jclouds store behind the server: what S3 clients see, read and changed without S3A. */
  public BlobStore blobStore() {
    return blobs.getBlobStore();
  }

  /** The S3A settings (fs.s3a.bucket.BUCKET.*) that point the bucket at this server with the test keys. */
  public Map<String, String> s3aSettings(String bucket) {
    return s3aSettings(bucket, port, ACCESS_KEY, SECRET_KEY);
  }

  /**
   * Per-bucket S3A settings for an endpoint on 127.0.0.1: path-style access, no TLS, only the
   * configuration's keys as credentials (no environment or instance-metadata lookup), few retries.
   * {@code accessKey} null: no keys at all.
   */
  public static Map<String, String> s3aSettings(String bucket, int port, String accessKey, String secretKey) {
    String b = "fs.s3a.bucket." + bucket + ".";
    Map<String, String> s = new LinkedHashMap<>();
    s.put(b + "endpoint", "http://127.0.0.1:" + port);
    s.put(b + "endpoint.region", "us-east-1");
    s.put(b + "path.style.access", "true");
    s.put(b + "connection.ssl.enabled", "false");
    s.put(b + "aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    if (accessKey != null) {
      s.put(b + "access.key", accessKey);
      s.put(b + "secret.key", secretKey);
    }
    s.put(b + "attempts.maximum", "2");
    s.put(b + "retry.limit", "2");
    s.put(b + "connection.establish.timeout", "5000");
    s.put(b + "connection.timeout", "30000");
    return s;
  }

  /** Sets {@link #s3aSettings} on {@code conf}. */
  public void configure(Configuration conf, String bucket) {
    s3aSettings(bucket).forEach(conf::set);
  }

  /** The names of the objects under {@code prefix} in the bucket, all levels, sorted. */
  public List<String> objects(String bucket, String prefix) {
    List<String> names = new ArrayList<>();
    String marker = null;
    do {
      ListContainerOptions opts = ListContainerOptions.Builder.recursive().prefix(prefix);
      if (marker != null) {
        opts.afterMarker(marker);
      }
      PageSet<? extends StorageMetadata> page = blobStore().list(bucket, opts);
      for (StorageMetadata m : page) {
        names.add(m.getName());
      }
      marker = page.getNextMarker();
    } while (marker != null);
    names.sort(null);
    return names;
  }

  @Override
  public void close() throws Exception {
    try {
      proxy.stop();
    } finally {
      blobs.close();
    }
  }

  /** The port s3proxy listens on, once it accepts connections. */
  private static int waitUntilStarted(S3Proxy proxy) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      if ("STARTED".equals(proxy.getState())) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", proxy.getPort()), 1000);
          return proxy.getPort();
        } catch (IOException notYet) {
          // retried
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("s3proxy did not start on 127.0.0.1 (state " + proxy.getState() + ")");
      }
      Thread.sleep(20);
    }
  }
}
