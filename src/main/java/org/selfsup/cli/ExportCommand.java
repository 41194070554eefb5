package org.selfsup.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.selfsup.eval.ExportConfig;
import org.selfsup.runtime.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true,
    description = "A checkpoint as a self-contained model bundle (the network for inference, the evaluation spec, "
        + "the endpoints with their shapes, provenance, SHA-256 manifest), for evaluate --module and embed.")
final class ExportCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", required = true,
      description = "A pretraining workdir (its newest intact checkpoint) or one checkpoint folder.")
  String checkpoint;

  @Option(names = "--out", required = true, description = "The bundle folder to write (any Hadoop path).")
  String out;

  @Option(names = "--overwrite", description = "Replace an earlier bundle in --out.")
  boolean overwrite;

  @Option(names = "--preprocess", description = "The bundle's evaluation spec (default: the task's at the trained input size).")
  String preprocess;

  @Option(names = "--endpoints", split = ",",
      description = "The bundle's default endpoints (default: pre_logits,block3,block4, those the network has).")
  List<String> endpoints;

  @Override
  public Integer call() throws Exception {
    config().validate().run(SparkSessions.hadoopConfiguration(), System.out);
    return 0;
  }

  ExportConfig config() {
    ExportConfig c = new ExportConfig();
    c.checkpoint = checkpoint;
    c.out = out;
    c.overwrite = overwrite;
    c.preprocess = preprocess;
    c.endpoints = endpoints;
    return c;
  }
}
