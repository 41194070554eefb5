package org.selfsup.models;

import java.util.SplittableRandom;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.models.DnnlConvolutionHelper.Geometry;
import org.selfsup.models.DnnlConvolutionHelper.Plan;

/**
 * Runs the convolution helper's forward and backward passes on a few small geometries and compares
 * them with the definition computed in double. oneDNN 3.3.4's AVX-512 kernels gave wrong results on
 * an AMD EPYC (family 26) VM for some of these (a 1×1 128→512 NHWC forward pass, a strided 3×3
 * backward-data pass on 8 channels) while its AVX2 kernels were right (docs/design.md, workaround
 * 27); the geometries here are those cases. (oneDNN 3.11, which the build now takes, passes there.)
 */
final class DnnlSelfCheck {
  /** Largest error allowed, relative to the largest magnitude of the expected values. */
  static final double TOLERANCE = 1e-3;

  private static final Geometry[] CASES = {
      // NHWC 1×1 128→512 on 4×4 (brgconv_1x1 forward)
      new Geometry(true, 3, 128, 4, 4, 512, 1, 1, 1, 1, 0, 0, 0, 0, 4, 4),
      // 3×3 stride 2, padding 1 on 9×9, 8→8 channels, both layouts (backward data)
      new Geometry(false, 3, 8, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 5, 5),
      new Geometry(true, 3, 8, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 5, 5),
      // the standard root: 7×7 stride 2 from 3 channels, padding 2 top/left and 3 bottom/right
      new Geometry(false, 3, 3, 12, 12, 8, 7, 7, 2, 2, 2, 2, 3, 3, 6, 6)};

  private DnnlSelfCheck() {}

  /** The largest relative error of any output or gradient over the cases, on the kernels this JVM runs. */
  static double worstError(engine eng) {
    return worstError(eng, 0f);
  }

  /**
   * As {@link #worstError(engine)}, with {@code weightShift} added to the weights the reference
   * sees (a test's way to show the comparison catches a wrong result).
   */
  static double worstError(engine eng, float weightShift) {
    double worst = 0;
    stream strm = new stream(eng);
    try {
      SplittableRandom rng = new SplittableRandom(20261203);
      for (Geometry g : CASES) {
        worst = Math.max(worst, error(g, eng, strm, rng, weightShift));
      }
    } finally {
      strm.close();
    }
    return worst;
  }

  private static double error(Geometry g, engine eng, stream strm, SplittableRandom rng, float weightShift) {
    long[] inArray = g.nhwc ? new long[] {g.n, g.ih, g.iw, g.ic} : g.inShape();
    float[] x = uniform(rng, (int) (g.n * g.ic * g.ih * g.iw));
    float[] w = uniform(rng, (int) (g.oc * g.ic * g.kh * g.kw));
    float[] dy = uniform(rng, (int) (g.n * g.oc * g.oh * g.ow));
    INDArray xa = Nd4j.create(x, inArray, 'c');
    INDArray wa = Nd4j.create(w, g.weightShape(), 'c');
    INDArray ya = Nd4j.create(DataType.FLOAT, g.outArrayShape(), 'c');
    INDArray dya = Nd4j.create(dy, g.outArrayShape(), 'c');
    INDArray dxa = Nd4j.create(DataType.FLOAT, inArray, 'c');
    INDArray dwa = Nd4j.create(DataType.FLOAT, g.weightShape(), 'c');
    Plan plan = new Plan(g, false, eng, strm);
    try {
      plan.forward(xa, wa, null, ya);
      plan.backward(xa, wa, dya, dxa, dwa, null);
    } finally {
      plan.close();
    }
    double[] y = new double[dy.length];
    double[] dx = new double[x.length];
    double[] dw = new double[w.length];
    for (long a = 0; a < g.n; a++) {
      for (long o = 0; o < g.oc; o++) {
        for (long i = 0; i < g.oh; i++) {
          for (long j = 0; j < g.ow; j++) {
            int yi = at(g.nhwc, a, o, i, j, g.oc, g.oh, g.ow);
            double sum = 0;
            for (long c = 0; c < g.ic; c++) {
              for (long p = 0; p < g.kh; p++) {
                for (long q = 0; q < g.kw; q++) {
                  long r = i * g.sh - g.pt + p;
                  long t = j * g.sw - g.pl + q;
                  if (r >= 0 && r < g.ih && t >= 0 && t < g.iw) {
                    int xi = at(g.nhwc, a, c, r, t, g.ic, g.ih, g.iw);
                    int wi = (int) (((o * g.ic + c) * g.kh + p) * g.kw + q);
                    double wv = w[wi] + weightShift;
                    sum += x[xi] * wv;
                    dx[xi] += dy[yi] * wv;
                    dw[wi] += dy[yi] * (double) x[xi];
                  }
                }
              }
            }
            y[yi] = sum;
          }
        }
      }
    }
    return Math.max(relativeError(y, ya), Math.max(relativeError(dx, dxa), relativeError(dw, dwa)));
  }

  private static int at(boolean nhwc, long n, long c, long h, long w, long channels, long height, long width) {
    return (int) (nhwc ? ((n * height + h) * width + w) * channels + c : ((n * channels + c) * height + h) * width + w);
  }

  private static float[] uniform(SplittableRandom rng, int length) {
    float[] v = new float[length];
    for (int i = 0; i < length; i++) {
      v[i] = (float) (rng.nextDouble() - 0.5);
    }
    return v;
  }

  private static double relativeError(double[] expected, INDArray actual) {
    float[] got = actual.data().asFloat();
    double scale = 0;
    double err = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      err = Math.max(err, Math.abs(expected[i] - got[i]));
    }
    return Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / Math.max(scale, 1e-6);
  }
}
