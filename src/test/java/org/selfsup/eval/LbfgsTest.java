package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LbfgsTest {
  @Test
  void illConditionedQuadraticReachesItsClosedFormMinimum() {
    // f(x) = sum_i a_i (x_i - c_i)^2 / 2 with curvatures from 1 to 1000: minimum at c, value 0,
    // within 300 iterations (steepest descent would need thousands)
    int n = 50;
    double[] a = new double[n];
    double[] c = new double[n];
    Random r = new Random(7);
    for (int i = 0; i < n; i++) {
      a[i] = Math.pow(1000, i / (double) (n - 1));
      c[i] = r.nextGaussian();
    }
    Lbfgs.Result res = new Lbfgs(10, 300, 0).minimize((x, g) -> {
      double f = 0;
      for (int i = 0; i < n; i++) {
        double e = x[i] - c[i];
        f += 0.5 * a[i] * e * e;
        g[i] = a[i] * e;
      }
      return f;
    }, new double[n]);
    for (int i = 0; i < n; i++) {
      assertEquals(c[i], res.x[i], 1e-6, "x_" + i);
    }
  }

  @Test
  void rosenbrockValleyEndsAtOneOne() {
    Lbfgs.Result res = new Lbfgs(10, 1000, 0).minimize((x, g) -> {
      double u = 1 - x[0];
      double v = x[1] - x[0] * x[0];
      g[0] = -2 * u - 400 * x[0] * v;
      g[1] = 200 * v;
      return u * u + 100 * v * v;
    }, new double[] {-1.2, 1});
    assertEquals(1, res.x[0], 1e-4);
    assertEquals(1, res.x[1], 1e-4);
    assertTrue(res.value < 1e-8, "value " + res.value);
  }

  @Test
  void stopsAtMaxIterAndCountsEveryEvaluation() {
    int[] calls = {0};
    Lbfgs.Result res = new Lbfgs(5, 3, 0).minimize((x, g) -> {
      calls[0]++;
      g[0] = 2 * (x[0] - 3) + Math.cos(x[0]);
      return (x[0] - 3) * (x[0] - 3) + Math.sin(x[0]);
    }, new double[] {0});
    assertTrue(res.iterations <= 3);
    assertEquals(calls[0], res.evaluations);
  }

  @Test
  void relativeToleranceStopsEarlyOnAFlatObjective() {
    Lbfgs.Result res = new Lbfgs(10, 1000, 1e-6).minimize((x, g) -> {
      double e = x[0] - 1;
      g[0] = 4 * e * e * e;
      return 1 + e * e * e * e; // the value approaches 1 ever more slowly
    }, new double[] {0});
    assertTrue(res.iterations < 1000, "iterations " + res.iterations);
    assertEquals(1, res.x[0], 0.1);
  }
}
