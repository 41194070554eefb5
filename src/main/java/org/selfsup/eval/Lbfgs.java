package org.selfsup.eval;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Limited-memory BFGS (Nocedal and Wright, algorithm 7.4/7.5) with a backtracking Armijo line
 * search, for smooth convex objectives such as the probe's L2-regularised softmax loss.
 *
 * <p>Written here because the library that MLlib itself uses (breeze's {@code LBFGS}) cannot be
 * driven from Java: its {@code DiffFunction} trait declares {@code apply} returning both
 * {@code double} and {@code Object}, which no Java class can implement (docs/design.md). The
 * convergence test mirrors breeze's as MLlib sets it up: stop after {@code maxIter} iterations, or
 * when the objective improved by less than {@code tol} (relative) over the last 10 iterations, or
 * when the gradient vanishes.
 */
public final class Lbfgs {
  /** An objective: its value at x, with its gradient written into {@code grad}. */
  @FunctionalInterface
  public interface Objective {
    double evaluate(double[] x, double[] grad);
  }

  /** Where the minimisation stopped. */
  public static final class Result {
    public final double[] x;
    public final double value;
    public final int iterations;
    /** Objective evaluations (passes over the data), line-search trials included. */
    public final int evaluations;

    Result(double[] x, double value, int iterations, int evaluations) {
      this.x = x;
      this.value = value;
      this.iterations = iterations;
      this.evaluations = evaluations;
    }
  }

  private static final int IMPROVEMENT_WINDOW = 10;
  private static final double ARMIJO = 1e-4;
  private static final int MAX_LINE_SEARCH = 30;

  private final int memory;
  private final int maxIter;
  private final double tol;

  public Lbfgs(int memory, int maxIter, double tol) {
    if (memory <= 0 || maxIter <= 0 || !(tol >= 0)) {
      throw new IllegalArgumentException("memory and maxIter must be positive, tol >= 0");
    }
    this.memory = memory;
    this.maxIter = maxIter;
    this.tol = tol;
  }

  public Result minimize(Objective f, double[] start) {
    int n = start.length;
    double[] x = start.clone();
    double[] g = new double[n];
    double fx = f.evaluate(x, g);
    int evaluations = 1;
    Deque<double[]> sHist = new ArrayDeque<>();
    Deque<double[]> yHist = new ArrayDeque<>();
    Deque<Double> rhoHist = new ArrayDeque<>();
    double[] history = new double[IMPROVEMENT_WINDOW + 1];
    history[0] = fx;
    int iter = 0;
    double[] xNew = new double[n];
    double[] gNew = new double[n];
    while (iter < maxIter && norm(g) > 1e-12 * Math.max(1, norm(x))) {
      double[] d = direction(g, sHist, yHist, rhoHist);
      double slope = dot(g, d);
      if (!(slope < 0)) { // not a descent direction (rounding): restart from steepest descent
        sHist.clear();
        yHist.clear();
        rhoHist.clear();
        d = scaled(g, -1);
        slope = dot(g, d);
      }
      double step = sHist.isEmpty() ? Math.min(1, 1 / norm(g)) : 1;
      double fNew = Double.NaN;
      boolean accepted = false;
      for (int trial = 0; trial < MAX_LINE_SEARCH; trial++) {
        for (int i = 0; i < n; i++) {
          xNew[i] = x[i] + step * d[i];
        }
        fNew = f.evaluate(xNew, gNew);
        evaluations++;
        if (fNew <= fx + ARMIJO * step * slope) {
          accepted = true;
          break;
        }
        step *= Double.isFinite(fNew) ? 0.5 : 0.1;
      }
      if (!accepted) {
        break; // no decrease along d at any tried step: as good as it gets in floating point
      }
      double[] s = new double[n];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        s[i] = xNew[i] - x[i];
        y[i] = gNew[i] - g[i];
      }
      double sy = dot(s, y);
      if (sy > 1e-10 * dot(y, y)) {
        if (sHist.size() == memory) {
          sHist.removeFirst();
          yHist.removeFirst();
          rhoHist.removeFirst();
        }
        sHist.addLast(s);
        yHist.addLast(y);
        rhoHist.addLast(1 / sy);
      }
      System.arraycopy(xNew, 0, x, 0, n);
      System.arraycopy(gNew, 0, g, 0, n);
      fx = fNew;
      iter++;
      if (converged(history, iter, fx)) {
        break;
      }
    }
    return new Result(x, fx, iter, evaluations);
  }

  private boolean converged(double[] history, int iter, double fx) {
    double before = history[Math.max(0, iter - IMPROVEMENT_WINDOW) % history.length];
    history[iter % history.length] = fx;
    int window = Math.min(iter, IMPROVEMENT_WINDOW);
    return (before - fx) / Math.max(Math.abs(fx), 1e-300) <= tol * window / IMPROVEMENT_WINDOW;
  }

  /** -H g by the two-loop recursion, H0 scaled by s'y / y'y of the newest pair. */
  private static double[] direction(double[] g, Deque<double[]> sHist, Deque<double[]> yHist, Deque<Double> rhoHist) {
    double[] q = g.clone();
    int m = sHist.size();
    double[][] s = sHist.toArray(new double[0][]);
    double[][] y = yHist.toArray(new double[0][]);
    Double[] rho = rhoHist.toArray(new Double[0]);
    double[] alpha = new double[m];
    for (int k = m - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(s[k], q);
      axpy(-alpha[k], y[k], q);
    }
    if (m > 0) {
      double gamma = 1 / (rho[m - 1] * dot(y[m - 1], y[m - 1]));
      for (int i = 0; i < q.length; i++) {
        q[i] *= gamma;
      }
    }
    for (int k = 0; k < m; k++) {
      double beta = rho[k] * dot(y[k], q);
      axpy(alpha[k] - beta, s[k], q);
    }
    for (int i = 0; i < q.length; i++) {
      q[i] = -q[i];
    }
    return q;
  }

  private static double[] scaled(double[] v, double a) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = a * v[i];
    }
    return out;
  }

  private static void axpy(double a, double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      y[i] += a * x[i];
    }
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static double norm(double[] a) {
    return Math.sqrt(dot(a, a));
  }
}
