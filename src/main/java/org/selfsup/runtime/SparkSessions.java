package org.selfsup.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a SparkSession is made. Under spark-submit the master and the properties
 * file come from spark-submit; in a plain {@code java} run (jobs/lib/launcher.sh without a
 * Spark installation) the launcher names conf/spark-defaults.conf in {@value #DEFAULTS_ENV},
 * loaded here without overriding anything already set, and the master defaults to
 * {@code local[*]}.
 */
public final class SparkSessions {
  public static final String DEFAULTS_ENV = "SELFSUP_SPARK_DEFAULTS";
  private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);
  private static final AtomicInteger REQUESTS = new AtomicInteger();

  private SparkSessions() {}

  public static SparkSession getOrCreate(String appName) {
    REQUESTS.incrementAndGet();
    SparkConf conf = sparkConf();
    conf.setIfMissing("spark.app.name", appName);
    Nd4jSetup.configure();
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    LOG.info("Spark {} master={} app={}", spark.version(), spark.sparkContext().master(),
        spark.sparkContext().appName());
    return spark;
  }

  /**
   * How many times this JVM asked for a SparkSession: the flag checks run before it, and tests
   * use this to prove that a bad flag never got that far.
   */
  public static int requests() {
    return REQUESTS.get();
  }

  /** The Spark configuration a session of this run gets: spark.* system properties, then the defaults file. */
  static SparkConf sparkConf() {
    SparkConf conf = new SparkConf(); // picks up spark.* system properties (spark-submit sets them)
    String defaults = System.getenv(DEFAULTS_ENV);
    if (defaults != null && !defaults.isEmpty()) {
      loadDefaults(conf, Paths.get(defaults));
    }
    conf.setIfMissing("spark.master", "local[*]");
    // pretrain builds the next chunk's minibatches in a pool of its own while the current chunk trains
    conf.setIfMissing("spark.scheduler.mode", "FAIR");
    conf.setIfMissing("spark.hadoop.hadoop.tmp.dir",
        Paths.get(System.getProperty("java.io.tmpdir"), "selfsup-hadoop").toString());
    return conf;
  }

  /**
   * The Hadoop configuration the session would have (its spark.hadoop.* properties), without
   * starting Spark: for the files the flag checks read (e.g. jigsaw's --permutations_path).
   */
  public static Configuration hadoopConfiguration() {
    // Spark's own recipe (spark.hadoop.*, AWS_* environment variables, ...), as a session's would be
    return SparkHadoopUtil.get().newConfiguration(sparkConf());
  }

  /** Loads a spark-defaults.conf file ("key value" lines) without overriding what is set. */
  static void loadDefaults(SparkConf conf, Path file) {
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(reader);
    } catch (IOException e) {
      throw new UserError("cannot read Spark defaults " + file + " (from $" + DEFAULTS_ENV + "): " + e.getMessage());
    }
    for (Map.Entry<Object, Object> e : props.entrySet()) {
      String key = e.getKey().toString().trim();
      if (key.startsWith("spark.")) {
        conf.setIfMissing(key, e.getValue().toString().trim());
      }
    }
  }
}
