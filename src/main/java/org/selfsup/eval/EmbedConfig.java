package org.selfsup.eval;

import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.selfsup.bundle.ModelBundle;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.HadoopFiles;
import org.selfsup.data.ImageFolderSource;
import org.selfsup.data.ReadOptions;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.runtime.SparkSessions;
import org.selfsup.runtime.UserError;

/**
 * What {@code embed} is asked to do. {@link #validate()} reads the bundle (checking its
 * manifest), checks every flag and the output folder before Spark starts, and gives the
 * {@link EmbedJob}.
 */
public final class EmbedConfig {
  public static final int DEFAULT_BATCH_SIZE = 64;

  /** How the embeddings are written. */
  public enum Format {
    /** A Spark Parquet folder, written by the executors. */
    PARQUET,
    /** One CSV file (file, record, label, f0 ... fD-1), written by the driver. */
    CSV,
    /** One .npy float32 matrix and a CSV of its rows' file, record, label; written by the driver. */
    NPY;

    public String flagValue() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Format parse(String s) {
      for (Format f : values()) {
        if (f.flagValue().equals(s)) {
          return f;
        }
      }
      throw new UserError("--format must be parquet, csv or npy, not '" + s + "'");
    }
  }

  public String module;
  /** A dataset of TFRecord shards, with {@link #split}; exclusive with {@link #images}. */
  public String dataset = DatasetLayout.DEFAULT_NAME;
  public String datasetDir;
  public String split;
  /** A folder of image files; exclusive with {@link #datasetDir}. */
  public String images;
  /** Null: the dataset's. */
  public Integer labelOffset;
  public BadRecordPolicy onBadRecord = BadRecordPolicy.FAIL;
  public long maxImagePixels = ImageCodec.DEFAULT_MAX_PIXELS;
  /** Null: the bundle's first default endpoint. */
  public String endpoint;
  public String out;
  public String format = Format.PARQUET.flagValue();
  public boolean overwrite;
  public int batchSize = DEFAULT_BATCH_SIZE;

  /** @throws UserError naming the flag (or file) at fault */
  public EmbedJob validate() {
    UserError.require(module != null && !module.isEmpty(), "--module is required");
    UserError.require(out != null && !out.isEmpty(), "--out is required");
    UserError.require((datasetDir != null) != (images != null), "give one of --dataset_dir (with --split) and --images");
    Format f = Format.parse(format);
    UserError.require(onBadRecord != null, "--on_bad_record must be fail or skip");
    ReadOptions.checkMaxImagePixels(maxImagePixels);
    UserError.require(batchSize > 0, "--batch_size must be positive, got " + batchSize);
    DatasetLayout layout = DatasetLayout.forName(dataset);
    Configuration hadoop = SparkSessions.hadoopConfiguration();
    if (datasetDir != null) {
      UserError.require(split != null, "--dataset_dir needs --split (one of " + String.join(", ", DatasetLayout.SPLITS) + ")");
      UserError.require(DatasetLayout.SPLITS.contains(split), "--split: unknown split '" + split + "'; valid: "
          + String.join(", ", DatasetLayout.SPLITS));
      if (HadoopFiles.isLocal(datasetDir)) { // remote folders are listed once Spark has their credentials
        layout.files(hadoop, datasetDir, split);
      }
    } else {
      UserError.require(split == null, "--split goes with --dataset_dir, not --images");
      UserError.require(labelOffset == null, "--label_offset goes with --dataset_dir, not --images");
      if (HadoopFiles.isLocal(images)) {
        ImageFolderSource.list(hadoop, images); // it exists and holds images
      }
    }
    ModelBundle bundle = ModelBundle.read(hadoop, module);
    List<String> chosen = bundle.endpoints(endpoint == null ? null : List.of(endpoint), "--endpoint");
    ModelBundle.checkOutput(hadoop, "--out", out, overwrite, EmbedJob.INFO);
    int offset = labelOffset != null ? labelOffset : layout.labelOffset();
    return new EmbedJob(this, bundle, chosen.get(0), f, layout, offset);
  }
}
