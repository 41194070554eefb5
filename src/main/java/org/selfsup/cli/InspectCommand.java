package org.selfsup.cli;

import java.util.concurrent.Callable;
import org.selfsup.eval.InspectConfig;
import org.selfsup.eval.Inspection;
import org.selfsup.runtime.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "inspect", mixinStandardHelpOptions = true, resourceBundle = "org.selfsup.cli.RegistryHelp",
    description = "Print a TFRecord dataset's schema, records per split, label histogram and image sizes; "
        + "with --preprocess SPEC --dump DIR, write the first images after SPEC as PNG files.")
final class InspectCommand implements Callable<Integer>, ChecksBeforeSpark {
  private static final InspectConfig DEFAULTS = new InspectConfig();

  @Mixin DatasetOptions data = new DatasetOptions();

  @Option(names = "--split", description = "Split for the histogram and the images (default: ${DEFAULT-VALUE}).")
  String split = DEFAULTS.split;

  @Option(names = "--num_images", description = "Images to decode, show and dump (default: ${DEFAULT-VALUE}).")
  int numImages = DEFAULTS.numImages;

  @Option(names = "--preprocess", description = "Preprocessing spec, e.g. 'decode|inception_crop(64)|flip_lr|value_range(-1,1)'.")
  String preprocess;

  @Option(names = "--dump", description = "Folder for PNG files of the images after --preprocess (or just decoded).")
  String dump;

  @Option(names = "--seed", description = "Seed of the random preprocessing ops (default: ${DEFAULT-VALUE}).")
  long seed = DEFAULTS.seed;

  @Option(names = "--task", description = "Show the network inputs of this task instead (default spec: the task's "
      + "training spec at --input_size): one picture per image, one row per example, labels in the file name.")
  String task;

  @Option(names = "--input_size", description = "With --task: as pretrain's --input_size (default: the task's).")
  Integer inputSize;

  @Mixin TaskFlags taskFlags = new TaskFlags();

  @Override
  public Integer call() throws Exception {
    Inspection inspection = config().validate();
    inspection.run(SparkSessions.getOrCreate("selfsup inspect"), System.out);
    return 0;
  }

  @Override
  public void checkBeforeSpark() {
    config().validate();
  }

  InspectConfig config() {
    InspectConfig c = new InspectConfig();
    c.dataset = data.dataset;
    c.datasetDir = data.datasetDir;
    c.labelOffset = data.labelOffset;
    c.onBadRecord = data.onBadRecord;
    c.maxImagePixels = data.maxImagePixels;
    c.split = split;
    c.numImages = numImages;
    c.preprocess = preprocess;
    c.dump = dump;
    c.seed = seed;
    c.task = task;
    c.inputSize = inputSize;
    c.taskOptions = taskFlags.toOptions(seed);
    return c;
  }
}
