package org.selfsup.cli;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.data.FashionMnistImporter;
import org.selfsup.data.ImageFolderImporter;
import org.selfsup.data.ImageFormat;
import org.selfsup.data.ImportOptions;
import org.selfsup.data.ImportSummary;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.runtime.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Turn a dataset into slim TFRecord shards (train-NNNNN-of-NNNNN, test-...).")
final class ImportCommand implements Callable<Integer>, ChecksBeforeSpark {
  @Parameters(index = "0", paramLabel = "SOURCE",
      description = "fashion_mnist (the four IDX files) or image_folder (one sub-folder per class).")
  String source;

  @Option(names = "--source_dir",
      description = "Where the input is (fashion_mnist default: " + FashionMnistImporter.DEBIAN_DIR + ").")
  String sourceDir;

  @Option(names = "--dataset_dir", required = true, description = "Output folder for the TFRecord shards.")
  String datasetDir;

  @Option(names = "--image_format",
      description = "png (lossless, default) or jpeg (JPEG inputs are copied unchanged).")
  String imageFormat = ImageFormat.PNG.slimName();

  @Option(names = "--limit", paramLabel = "SPLIT=N", description = "Take only the first N images of a split, e.g. --limit train=1000 --limit test=500.")
  Map<String, Integer> limits = new LinkedHashMap<>();

  @Option(names = "--shards", paramLabel = "SPLIT=N", description = "Shards per split (default: about 2,500 images each).")
  Map<String, Integer> shards = new LinkedHashMap<>();

  @Option(names = "--overwrite", description = "Replace shards already in --dataset_dir.")
  boolean overwrite;

  @Option(names = "--on_bad_record", converter = BadRecordPolicyConverter.class,
      description = "fail (default) or skip undecodable images (image_folder), counting them.")
  BadRecordPolicy onBadRecord = BadRecordPolicy.FAIL;

  @Option(names = "--max_image_pixels",
      description = "Largest width x height decoded (default: ${DEFAULT-VALUE} = 8000x8000); a larger image, "
          + "found from its header before decoding, is a bad record (IMAGE_TOO_LARGE).")
  long maxImagePixels = ImageCodec.DEFAULT_MAX_PIXELS;

  @Override
  public Integer call() throws Exception {
    ImportOptions options = validated();
    SparkSession spark = SparkSessions.getOrCreate("selfsup import " + source);
    ImportSummary summary = ImportOptions.FASHION_MNIST.equals(source)
        ? FashionMnistImporter.run(spark, options)
        : ImageFolderImporter.run(spark, options);
    System.out.printf("imported %s into %s%n%s", source, datasetDir, summary.describe());
    return 0;
  }

  @Override
  public void checkBeforeSpark() throws IOException {
    validated();
  }

  private ImportOptions validated() throws IOException {
    String from = sourceDir != null || !ImportOptions.FASHION_MNIST.equals(source) ? sourceDir : FashionMnistImporter.DEBIAN_DIR;
    ImportOptions options = new ImportOptions(from, datasetDir, ImageFormat.parse(imageFormat), limits, shards,
        overwrite, onBadRecord, maxImagePixels);
    options.validate(source, SparkSessions.hadoopConfiguration());
    return options;
  }
}
