package org.selfsup.runtime;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** conf/spark-defaults.conf, as the local launcher path loads it. */
class SparkDefaultsTest {
  private static final Path DEFAULTS = Paths.get("conf", "spark-defaults.conf");

  @Test
  void theProjectDefaultsSetKryoWithNd4jAndTheOneDnnFlag() {
    SparkConf conf = new SparkConf(false);
    SparkSessions.loadDefaults(conf, DEFAULTS);
    assertEquals("org.apache.spark.serializer.KryoSerializer", conf.get("spark.serializer"));
    String registrator = conf.get("spark.kryo.registrator");
    assertDoesNotThrow(() -> Class.forName(registrator), registrator + " must be on the classpath");
    for (String key : new String[] {"spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"}) {
      String opts = conf.get(key);
      assertTrue(opts.contains("-D" + Nd4jSetup.HELPERS_DISABLE + "=false"), key + ": " + opts);
      assertTrue(opts.contains("-Dorg.bytedeco.javacpp.maxbytes="), key + ": " + opts);
      // JavaCPP counts the heap in physical bytes: a fixed bound fails any larger spark.*.memory
      assertTrue(!opts.contains("maxphysicalbytes=") || opts.contains("maxphysicalbytes=0 ")
          || opts.endsWith("maxphysicalbytes=0"), key + ": " + opts);
    }
  }

  @Test
  void whatIsAlreadySetWins() {
    SparkConf conf = new SparkConf(false).set("spark.serializer", "org.apache.spark.serializer.JavaSerializer");
    SparkSessions.loadDefaults(conf, DEFAULTS);
    assertEquals("org.apache.spark.serializer.JavaSerializer", conf.get("spark.serializer"));
  }

  @Test
  void aMissingDefaultsFileIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparkSessions.loadDefaults(new SparkConf(false), Paths.get("no/such/spark-defaults.conf")));
    assertTrue(e.getMessage().contains("no/such/spark-defaults.conf"), e.getMessage());
  }
}
