package org.selfsup.eval;

import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.selfsup.bundle.ModelBundle;
import org.selfsup.models.Architectures;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.PatchGrid;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.runtime.SparkSessions;
import org.selfsup.runtime.UserError;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.Tasks;
import org.selfsup.train.Checkpoint;

/**
 * What {@code export} is asked to do. {@link #validate()} resolves the checkpoint as {@code
 * evaluate --checkpoint} does, checks the output folder, the spec and the endpoints, and gives the
 * {@link ExportJob} (which needs no Spark).
 */
public final class ExportConfig {
  /** A pretraining workdir (its newest intact checkpoint) or a checkpoint folder. */
  public String checkpoint;
  /** The bundle folder to write. */
  public String out;
  public boolean overwrite;
  /** Null: the task's evaluation spec at the trained input size. */
  public String preprocess;
  /** The bundle's default endpoints; null: the architecture's evaluation endpoints the network has. */
  public List<String> endpoints;

  /** @throws UserError naming the flag (or file) at fault */
  public ExportJob validate() {
    UserError.require(checkpoint != null && !checkpoint.isEmpty(), "--checkpoint is required");
    UserError.require(out != null && !out.isEmpty(), "--out is required");
    Configuration hadoop = SparkSessions.hadoopConfiguration();
    ModelBundle.checkOutput(hadoop, "--out", out, overwrite, ModelBundle.INFO);
    Checkpoint ckpt = EvaluateConfig.findCheckpoint(hadoop, checkpoint);
    Checkpoint.State state = ckpt.state;
    // the representation never draws jigsaw permutations: the file need not be there
    state.config.taskOptions.permutationsPath = null;
    Task task = Tasks.create(state.config.task, state.config.taskOptions, new Configuration());
    List<String> defaults = Architectures.get(state.config.architecture).evalEndpoints();
    List<String> chosen = endpoints != null ? endpoints
        : EvaluateConfig.defaultEndpoints(defaults, state.endpoints.keySet());
    UserError.require(!chosen.isEmpty(), "the checkpoint " + ckpt.dir + " has none of the default endpoints "
        + defaults + "; choose with --endpoints from: " + String.join(", ", state.endpoints.keySet()));
    for (String e : chosen) {
      UserError.require(state.endpoints.containsKey(e), "--endpoints: unknown endpoint '" + e
          + "' for the checkpoint's " + state.config.architecture + "; valid endpoints: "
          + String.join(", ", new TreeSet<>(state.endpoints.keySet())));
    }
    FeatureColumns.schema(chosen); // reserved or repeated names
    String spec = preprocess != null ? preprocess : task.evalSpec(state.config.inputSize);
    UserError.require(Preprocessing.parse(spec).startsWithDecode(), "--preprocess '" + spec + "' must start with decode");
    int[] input = inputShape(spec, task.evalPatchGrid(), state.config.inputSize);
    return new ExportJob(out, ckpt, task, spec, input, chosen);
  }

  /**
   * [C, H, W] of one network input: what the spec gives for an image of the trained input size
   * (patch models: one tile of the mosaic).
   */
  static int[] inputShape(String spec, int patchGrid, int inputSize) {
    Image image;
    try {
      image = Preprocessing.parse(spec).apply(ImageCodec.encodePng(gradient(inputSize)), FeatureColumns.EVAL_SEED);
    } catch (RuntimeException e) {
      throw new UserError("--preprocess '" + spec + "' cannot apply to an image of the trained input size "
          + inputSize + "x" + inputSize + ": " + e.getMessage(), e);
    }
    Image one = patchGrid > 1 ? PatchGrid.tiles(image, patchGrid).get(0) : image;
    return new int[] {one.channels(), one.height(), one.width()};
  }

  private static Image gradient(int side) {
    float[] data = new float[side * side * 3];
    for (int i = 0; i < data.length; i++) {
      data[i] = 255f * (i % (side * 3)) / (side * 3);
    }
    return new Image(side, side, 3, data);
  }
}
