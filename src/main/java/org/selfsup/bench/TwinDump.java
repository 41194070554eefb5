package org.selfsup.bench;

import java.io.File;
import java.io.IOException;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.models.ChannelsLast;
import org.selfsup.models.ReluActivation;
import org.selfsup.models.SumVertex;
import org.selfsup.runtime.Nd4jSetup;

/**
 * Writes what jobs/lib/torch_twin_check.py compares the PyTorch twin with, as .npy files in DIR:
 * the parameters of {@link TrainBenchmark}'s network ({@code before/LAYER__PARAM.npy}, batch norm's
 * gamma, beta and the dense bias drawn at random so that they matter), an input {@code x.npy},
 * the inference and training-mode outputs (of the channels-last copy the trainer runs, where the
 * graph allows it), the score and parameters after one training step
 * ({@code score.npy}, {@code after/}), and which inputs of each ReLU were positive in the training
 * forward pass ({@code relu/NNN_VERTEX.npy}, 1 or 0, in the order the pass runs them: the check
 * makes the float64 twin take DL4J's side where float rounding decides it). Usage:
 * {@code TwinDump ARCH K INPUT_SIZE small|standard BLOCKS(2,2,2) BATCH DIR}.
 */
public final class TwinDump {
  private TwinDump() {}

  public static void main(String[] args) throws IOException {
    int size = Integer.parseInt(args[2]);
    int batch = Integer.parseInt(args[5]);
    File dir = new File(args[6]);
    Nd4jSetup.configure();
    ComputationGraph model = TrainBenchmark.network(TrainBenchmark.trunk(args));
    for (Layer layer : model.getLayers()) {
      for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
        if (p.getKey().equals("gamma")) {
          p.getValue().assign(Nd4j.rand(p.getValue().shape()).addi(0.5));
        } else if (p.getKey().equals("beta") || p.getKey().equals("b")) {
          p.getValue().assign(Nd4j.rand(p.getValue().shape()).subi(0.5));
        }
      }
    }
    INDArray x = Nd4j.rand(new int[] {batch, 3, size, size});
    write(x, dir, "x");
    params(model, new File(dir, "before"));
    // what the trainer runs: the channels-last copy where the graph allows it
    boolean channelsLast = ChannelsLast.supports(model.getConfiguration());
    ComputationGraph run = channelsLast ? ChannelsLast.copyOf(model) : model;
    INDArray input = channelsLast ? ChannelsLast.toNhwc(x) : x;
    write(run.output(false, input)[0], dir, "inference");
    write(run.output(true, input)[0], dir, "train_forward");
    reluMasks(model, run, input, new File(dir, "relu"));
    run.fit(new DataSet(input, TrainBenchmark.labels(batch)));
    write(Nd4j.createFromArray(run.score()), dir, "score");
    if (channelsLast) {
      ChannelsLast.copyState(run, model);
    }
    params(model, new File(dir, "after"));
    System.out.println("TwinDump: " + model.numParams() + " parameters of " + String.join(" ", args));
  }

  /**
   * For each ReLU layer of {@code model} (and each sum with its ReLU), in its topological order, 1 where its input is positive in a
   * training-mode pass of {@code run} (maps as NCHW): where its output is, as {@code run} may have the
   * ReLU fused into the batch norm before it, under the ReLU's name.
   */
  private static void reluMasks(ComputationGraph model, ComputationGraph run, INDArray x, File dir) throws IOException {
    Map<String, INDArray> acts = run.feedForward(x, true);
    int k = 0;
    for (int i : model.topologicalSortOrder()) {
      GraphVertex v = model.getVertices()[i];
      org.deeplearning4j.nn.conf.graph.GraphVertex conf = model.getConfiguration().getVertices().get(v.getVertexName());
      if (v.hasLayer() && v.getLayer().conf().getLayer() instanceof ActivationLayer
          && ((ActivationLayer) v.getLayer().conf().getLayer()).getActivationFn() instanceof ReluActivation
          || conf instanceof SumVertex && ((SumVertex) conf).isRelu()) {
        INDArray out = ChannelsLast.toNchw(acts.get(v.getVertexName()));
        write(out.gt(0).castTo(out.dataType()), dir, String.format(java.util.Locale.ROOT, "%03d_%s", k++, v.getVertexName()));
      }
    }
  }

  private static void params(ComputationGraph model, File dir) throws IOException {
    for (Layer layer : model.getLayers()) {
      for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
        write(p.getValue(), dir, layer.conf().getLayer().getLayerName() + "__" + p.getKey());
      }
    }
  }

  private static void write(INDArray a, File dir, String name) throws IOException {
    if (!dir.isDirectory() && !dir.mkdirs()) {
      throw new IOException("cannot create " + dir);
    }
    Nd4j.writeAsNumpy(a.dup('c'), new File(dir, name + ".npy"));
  }
}
