package org.selfsup.cli;

import org.selfsup.data.BadRecordPolicy;
import org.selfsup.data.DatasetLayout;
import org.selfsup.preprocess.ImageCodec;
import picocli.CommandLine.Option;

/** Flags naming a TFRecord dataset, shared by the subcommands that read one. */
final class DatasetOptions {
  @Option(names = "--dataset",
      description = "Dataset layout: imagenet, places205, fashion_mnist, generic (default: ${DEFAULT-VALUE}).")
  String dataset = DatasetLayout.DEFAULT_NAME;

  @Option(names = "--dataset_dir", required = true,
      description = "Folder of TFRecord shards (file:, hdfs:, s3a:, gs: ...).")
  String datasetDir;

  @Option(names = "--label_offset",
      description = "Subtracted from image/class/label (default: the dataset's, 1 for the slim format).")
  Integer labelOffset;

  @Option(names = "--on_bad_record", converter = BadRecordPolicyConverter.class,
      description = "fail (default): stop at the first corrupt record, naming file and record; "
          + "skip: leave it out, log it, and count it.")
  BadRecordPolicy onBadRecord = BadRecordPolicy.FAIL;

  @Option(names = "--max_image_pixels",
      description = "Largest width x height decoded (default: ${DEFAULT-VALUE} = 8000x8000, about 1 GiB while "
          + "decoding); a larger image, found from its header before decoding, is a bad record (IMAGE_TOO_LARGE).")
  long maxImagePixels = ImageCodec.DEFAULT_MAX_PIXELS;

  /** The --dataset layout (a UserError naming the known ones when there is none of that name). */
  DatasetLayout layout() {
    return DatasetLayout.forName(dataset);
  }

  /** --label_offset, else the layout's. */
  int labelOffset() {
    return labelOffset != null ? labelOffset : layout().labelOffset();
  }
}
