package org.selfsup;

import org.apache.spark.sql.SparkSession;
import org.selfsup.runtime.SparkSessions;

/** One local[2] SparkSession for every test class in the JVM (Spark start-up costs seconds). */
public final class TestSpark {
  private TestSpark() {}

  public static synchronized SparkSession get() {
    System.setProperty("spark.master", "local[2]");
    System.setProperty("spark.ui.enabled", "false");
    System.setProperty("spark.sql.shuffle.partitions", "4");
    return SparkSessions.getOrCreate("selfsup tests");
  }
}
