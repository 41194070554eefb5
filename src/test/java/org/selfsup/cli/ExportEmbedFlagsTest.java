package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.eval.ExportConfig;
import org.selfsup.eval.RunFixtures;
import org.selfsup.runtime.SparkSessions;
import scala.Option;

/**
 * export, embed and evaluate --module: every bad flag or file is refused with exit 2 and one line
 * naming it, before a SparkSession exists.
 */
class ExportEmbedFlagsTest {
  static final String SAMPLE = CommandLineTest.SAMPLE;
  @TempDir static Path tmp;
  static String run;
  static String bundle;
  static String damaged;

  @BeforeAll
  static void runAndBundles() throws Exception {
    run = RunFixtures.run(tmp.resolve("run"), RunFixtures.quickstartConfig("rotation", 28), 5, 3, 28, 28).toString();
    for (String name : new String[] {"bundle", "damaged"}) {
      ExportConfig c = new ExportConfig();
      c.checkpoint = run;
      c.out = tmp.resolve(name).toString();
      c.validate().run(SparkSessions.hadoopConfiguration(), new PrintStream(new ByteArrayOutputStream()));
    }
    bundle = tmp.resolve("bundle").toString();
    damaged = tmp.resolve("damaged").toString();
    try (RandomAccessFile f = new RandomAccessFile(tmp.resolve("damaged/network.zip").toFile(), "rw")) {
      f.setLength(f.length() - 1);
    }
  }

  private static void assertRefusedBeforeSpark(String expected, String... args) {
    Option<SparkSession> active = SparkSession.getActiveSession();
    Option<SparkSession> dflt = SparkSession.getDefaultSession();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Main.run(args);
      assertTrue(SparkSession.getDefaultSession().isEmpty(), "a SparkSession was created for " + String.join(" ", args));
    } finally {
      System.setErr(oldErr);
      if (dflt.isDefined()) {
        SparkSession.setDefaultSession(dflt.get());
      }
      if (active.isDefined()) {
        SparkSession.setActiveSession(active.get());
      }
    }
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, e);
    assertEquals(1, e.strip().lines().count(), e);
    assertTrue(e.startsWith("error: ") && e.contains(expected), "expected '" + expected + "' in: " + e);
    assertTrue(!e.contains("\tat "), e);
  }

  @Test
  void exportFlags() throws Exception {
    String nothing = Files.createDirectories(tmp.resolve("nothing")).toString();
    assertRefusedBeforeSpark("no checkpoint in " + nothing, "export", "--checkpoint", nothing, "--out",
        tmp.resolve("x").toString());
    assertRefusedBeforeSpark("--out " + bundle + " exists and is not empty; add --overwrite", "export",
        "--checkpoint", run, "--out", bundle);
    assertRefusedBeforeSpark("holds no bundle.json", "export", "--checkpoint", run, "--out", run, "--overwrite");
    assertRefusedBeforeSpark("--endpoints: unknown endpoint 'block9'", "export", "--checkpoint", run, "--out",
        tmp.resolve("y").toString(), "--endpoints", "pre_logits,block9");
    assertRefusedBeforeSpark("Missing required option: '--out=<out>'", "export", "--checkpoint", run);
  }

  @Test
  void evaluateModuleFlags() {
    String w = tmp.resolve("e").toString();
    assertRefusedBeforeSpark("model bundle " + damaged + " is damaged (network.zip is ", "evaluate", "--dataset_dir",
        SAMPLE, "--workdir", w, "--module", damaged);
    assertRefusedBeforeSpark("no model bundle in " + run, "evaluate", "--dataset_dir", SAMPLE, "--workdir", w,
        "--module", run);
    assertRefusedBeforeSpark("are mutually exclusive", "evaluate", "--dataset_dir", SAMPLE, "--workdir", w,
        "--module", bundle, "--checkpoint", run);
    assertRefusedBeforeSpark("are mutually exclusive", "evaluate", "--dataset_dir", SAMPLE, "--workdir", w,
        "--module", bundle, "--raw_pixels");
    assertRefusedBeforeSpark("--random_init needs --checkpoint", "evaluate", "--dataset_dir", SAMPLE, "--workdir", w,
        "--module", bundle, "--random_init");
    assertRefusedBeforeSpark("unknown endpoint 'block9' for the model bundle", "evaluate", "--dataset_dir", SAMPLE,
        "--workdir", w, "--module", bundle, "--endpoints", "block9");
  }

  @Test
  void embedFlags() throws Exception {
    String out = tmp.resolve("emb").toString();
    String images = Files.createDirectories(tmp.resolve("no_images/a")).getParent().toString();
    Files.writeString(tmp.resolve("no_images/a/readme.txt"), "no pictures here");
    assertRefusedBeforeSpark("give one of --dataset_dir (with --split) and --images", "embed", "--module", bundle,
        "--out", out);
    assertRefusedBeforeSpark("give one of --dataset_dir (with --split) and --images", "embed", "--module", bundle,
        "--out", out, "--dataset_dir", SAMPLE, "--split", "test", "--images", images);
    assertRefusedBeforeSpark("--dataset_dir needs --split", "embed", "--module", bundle, "--out", out,
        "--dataset_dir", SAMPLE);
    assertRefusedBeforeSpark("--split: unknown split 'tset'", "embed", "--module", bundle, "--out", out,
        "--dataset_dir", SAMPLE, "--split", "tset");
    assertRefusedBeforeSpark("--split goes with --dataset_dir", "embed", "--module", bundle, "--out", out,
        "--images", images, "--split", "test");
    assertRefusedBeforeSpark("--images " + tmp.resolve("missing") + " does not exist", "embed", "--module", bundle,
        "--out", out, "--images", tmp.resolve("missing").toString());
    assertRefusedBeforeSpark("--images " + images + " holds no .jpg/.jpeg/.png files", "embed", "--module", bundle,
        "--out", out, "--images", images);
    assertRefusedBeforeSpark("--format must be parquet, csv or npy, not 'arrow'", "embed", "--module", bundle,
        "--out", out, "--dataset_dir", SAMPLE, "--split", "test", "--format", "arrow");
    assertRefusedBeforeSpark("unknown endpoint 'block9' for the model bundle " + bundle, "embed", "--module", bundle,
        "--out", out, "--dataset_dir", SAMPLE, "--split", "test", "--endpoint", "block9");
    assertRefusedBeforeSpark("--batch_size must be positive, got 0", "embed", "--module", bundle,
        "--out", out, "--dataset_dir", SAMPLE, "--split", "test", "--batch_size", "0");
    assertRefusedBeforeSpark("is damaged", "embed", "--module", damaged, "--out", out, "--dataset_dir", SAMPLE,
        "--split", "test");
    assertRefusedBeforeSpark("--out " + run + " exists and is not empty", "embed", "--module", bundle, "--out", run,
        "--dataset_dir", SAMPLE, "--split", "test");
    assertRefusedBeforeSpark("holds no embed.json", "embed", "--module", bundle, "--out", run, "--overwrite",
        "--dataset_dir", SAMPLE, "--split", "test");
    assertRefusedBeforeSpark("no test shards for dataset fashion_mnist in " + tmp.resolve("no_data"), "embed", "--module", bundle, "--out", out, "--dataset_dir",
        tmp.resolve("no_data").toString(), "--split", "test");
  }
}
