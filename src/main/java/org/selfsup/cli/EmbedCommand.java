package org.selfsup.cli;

import java.util.concurrent.Callable;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.eval.EmbedConfig;
import org.selfsup.eval.EmbedJob;
import org.selfsup.runtime.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "embed", mixinStandardHelpOptions = true,
    description = "Embeddings of a model bundle's endpoint for a dataset split or an image folder, on Spark: "
        + "file, record, label, vector as Parquet, CSV or NumPy.")
final class EmbedCommand implements Callable<Integer> {
  private static final EmbedConfig DEFAULTS = new EmbedConfig();

  @Option(names = "--module", required = true, description = "A model bundle (export's output).")
  String module;

  @Option(names = "--dataset", description = "Dataset layout of --dataset_dir (default: ${DEFAULT-VALUE}).")
  String dataset = DEFAULTS.dataset;

  @Option(names = "--dataset_dir", description = "Folder of TFRecord shards; with --split.")
  String datasetDir;

  @Option(names = "--split", description = "Split of --dataset_dir: train, val, trainval or test.")
  String split;

  @Option(names = "--images", description = "A folder of .jpg/.jpeg/.png files, at any depth (first-level sub-folders are classes).")
  String images;

  @Option(names = "--label_offset", description = "Subtracted from image/class/label (default: the dataset's).")
  Integer labelOffset;

  @Option(names = "--endpoint", description = "The endpoint to embed (default: the bundle's first default endpoint).")
  String endpoint;

  @Option(names = "--out", required = true, description = "Output folder (any Hadoop path).")
  String out;

  @Option(names = "--format", description = "parquet (default), csv or npy (csv and npy are written by the driver).")
  String format = DEFAULTS.format;

  @Option(names = "--overwrite", description = "Replace an earlier embedding in --out.")
  boolean overwrite;

  @Option(names = "--batch_size", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize = DEFAULTS.batchSize;

  @Option(names = "--on_bad_record", converter = BadRecordPolicyConverter.class,
      description = "fail (default): stop at the first bad record or image; skip: leave it out and count it.")
  BadRecordPolicy onBadRecord = DEFAULTS.onBadRecord;

  @Option(names = "--max_image_pixels", description = "Largest width x height decoded (default: ${DEFAULT-VALUE}).")
  long maxImagePixels = DEFAULTS.maxImagePixels;

  @Override
  public Integer call() throws Exception {
    EmbedJob job = config().validate();
    job.run(SparkSessions.getOrCreate("selfsup embed"), System.out);
    return 0;
  }

  EmbedConfig config() {
    EmbedConfig c = new EmbedConfig();
    c.module = module;
    c.dataset = dataset;
    c.datasetDir = datasetDir;
    c.split = split;
    c.images = images;
    c.labelOffset = labelOffset;
    c.endpoint = endpoint;
    c.out = out;
    c.format = format;
    c.overwrite = overwrite;
    c.batchSize = batchSize;
    c.onBadRecord = onBadRecord;
    c.maxImagePixels = maxImagePixels;
    return c;
  }
}
