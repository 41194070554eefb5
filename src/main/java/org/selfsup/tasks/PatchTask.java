package org.selfsup.tasks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.selfsup.models.PatchModel;
import org.selfsup.models.TrunkConfig;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.PatchGrid;
import org.selfsup.runtime.UserError;

/**
 * What relative patch location and jigsaw share: the patch pipeline ({@link PatchGeometry}; the
 * trunk's {@code input_size} is the crop the 3×3 grid is cut from), the shared-trunk network of
 * {@link PatchModel}, and evaluation on the 9 patches, averaged.
 */
abstract class PatchTask implements SingleCopyTask {
  private static final long serialVersionUID = 1L;

  protected final TaskOptions options;

  PatchTask(TaskOptions options) {
    if (options.embedDim < 1 || options.headHidden < 1) {
      throw new UserError("--embed_dim and --head_hidden must be >= 1, got " + options.embedDim
          + " and " + options.headHidden);
    }
    this.options = options;
  }

  /** Patches per example: 2 (a neighbour and the centre) or 9 (a shuffled puzzle). */
  abstract int viewsPerExample();

  /** Examples from the 9 patches of one image, row-major. */
  abstract List<TaskExample> examples(List<Image> patches, SplittableRandom rng);

  @Override
  public String trainSpec(int size) {
    return new PatchGeometry(size).trainSpec();
  }

  @Override
  public String evalSpec(int size) {
    return new PatchGeometry(size).evalSpec();
  }

  @Override
  public int evalPatchGrid() {
    return PatchGeometry.CELLS;
  }

  @Override
  public List<TaskExample> examples(Image mosaic, int label, SplittableRandom rng) {
    return examples(PatchGrid.tiles(mosaic, PatchGeometry.CELLS), rng);
  }

  @Override
  public long[] exampleShape(TrunkConfig trunk) {
    TrunkConfig patch = patchTrunk(trunk);
    return new long[] {(long) viewsPerExample() * patch.inputChannels, patch.inputHeight, patch.inputWidth};
  }

  TrunkConfig patchTrunk(TrunkConfig trunk) {
    return PatchModel.patchTrunk(trunk, new PatchGeometry(trunk.inputHeight).patch);
  }

  @Override
  public ComputationGraph buildModel(NeuralNetConfiguration.Builder base, TrunkConfig trunk, int datasetClasses) {
    return PatchModel.build(base, patchTrunk(trunk), viewsPerExample(), options.embedDim, options.headHidden,
        numOutputs(datasetClasses));
  }

  @Override
  public LinkedHashMap<String, String> endpoints(TrunkConfig trunk, int datasetClasses) {
    return PatchModel.endpoints(patchTrunk(trunk));
  }

  @Override
  public ComputationGraph representation(ComputationGraph trained, TrunkConfig trunk) {
    return PatchModel.representation(trained, patchTrunk(trunk), options.embedDim);
  }
}
