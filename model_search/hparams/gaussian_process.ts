/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A small Gaussian-process regressor for the Bayesian tuner: Matern 5/2
 * kernel with one length scale over points in the unit cube (plus one-hot
 * blocks), unit signal variance on standardized targets, and length scale
 * and noise picked from a grid by marginal likelihood.
 *
 * Written here rather than taken from npm: a search fits at most a few
 * hundred trials over about ten hyperparameters, which a dense Cholesky
 * factorization in plain TypeScript handles in milliseconds, and the npm
 * Gaussian-process packages either lack categorical inputs and
 * marginal-likelihood fitting or pull in a numerics stack larger than the
 * rest of the tuner. Plain code also keeps hparams/ free of TensorFlow.js,
 * so the tuner runs in the tests without a backend.
 */

/** Matern 5/2 correlation at distance r for length scale l. */
export function matern52(r: number, lengthScale: number): number {
  const s = Math.sqrt(5) * r / lengthScale;
  return (1 + s + s * s / 3) * Math.exp(-s);
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** Lower Cholesky factor of a row-major n x n matrix, or undefined. */
function choleskyOrUndefined(a: Float64Array, n: number):
    Float64Array|undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}

/** Solves L z = b (forward substitution). */
function forward(l: Float64Array, n: number, b: ArrayLike<number>):
    Float64Array {
  const z = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let sum = z[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * z[k];
    z[i] = sum / l[i * n + i];
  }
  return z;
}

/** Solves L^T z = b (back substitution). */
function backward(l: Float64Array, n: number, b: ArrayLike<number>):
    Float64Array {
  const z = Float64Array.from(b);
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * z[k];
    z[i] = sum / l[i * n + i];
  }
  return z;
}

/** Length scales tried when fitting (the cube has unit sides). */
const LENGTH_SCALES = [0.05, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2, 2];
/** Noise variances tried, relative to the standardized signal. */
const NOISES = [1e-6, 1e-4, 1e-2, 1e-1];

/** A fitted GP: predicts mean and standard deviation of the target. */
export class GaussianProcess {
  private constructor(
      private readonly points: Float64Array[],
      private readonly lengthScale: number,
      private readonly noise: number,
      private readonly factor: Float64Array,
      private readonly weights: Float64Array,
      private readonly yMean: number,
      private readonly yScale: number) {}

  /** The length scale and noise variance the fit chose. */
  get hyperparameters(): {lengthScale: number, noise: number} {
    return {lengthScale: this.lengthScale, noise: this.noise};
  }

  /**
   * Fits targets `y` at `points`; the grid point of highest log marginal
   * likelihood wins.
   */
  static fit(points: Float64Array[], y: readonly number[]): GaussianProcess {
    const n = points.length;
    if (n === 0 || n !== y.length) {
      throw new RangeError(`GP fit on ${n} points and ${y.length} targets`);
    }
    const yMean = y.reduce((a, b) => a + b, 0) / n;
    const variance = y.reduce((a, b) => a + (b - yMean) ** 2, 0) / n;
    const yScale = variance > 0 ? Math.sqrt(variance) : 1;
    const z = y.map((v) => (v - yMean) / yScale);
    const distances = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const d = distance(points[i], points[j]);
        distances[i * n + j] = d;
        distances[j * n + i] = d;
      }
    }
    let best: GaussianProcess|undefined;
    let bestLikelihood = -Infinity;
    for (const lengthScale of LENGTH_SCALES) {
      for (const noise of NOISES) {
        const k = new Float64Array(n * n);
        for (let i = 0; i < n * n; i++) {
          k[i] = matern52(distances[i], lengthScale);
        }
        for (let i = 0; i < n; i++) k[i * n + i] += noise;
        const l = choleskyOrUndefined(k, n);
        if (l === undefined) continue;
        const weights = backward(l, n, forward(l, n, z));
        let likelihood = 0;
        for (let i = 0; i < n; i++) {
          likelihood -= 0.5 * z[i] * weights[i] + Math.log(l[i * n + i]);
        }
        if (likelihood > bestLikelihood) {
          bestLikelihood = likelihood;
          best = new GaussianProcess(
              points, lengthScale, noise, l, weights, yMean, yScale);
        }
      }
    }
    if (best === undefined) {
      throw new RangeError('GP fit: no kernel matrix was positive definite');
    }
    return best;
  }

  /** Posterior mean and standard deviation of the target at `x`. */
  predict(x: ArrayLike<number>): {mean: number, std: number} {
    const n = this.points.length;
    const k = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      k[i] = matern52(distance(x, this.points[i]), this.lengthScale);
    }
    let mean = 0;
    for (let i = 0; i < n; i++) mean += k[i] * this.weights[i];
    const v = forward(this.factor, n, k);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += v[i] * v[i];
    const variance = Math.max(1 + this.noise - explained, 1e-12);
    return {
      mean: this.yMean + this.yScale * mean,
      std: this.yScale * Math.sqrt(variance),
    };
  }
}

/** The standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** Coefficients of the Chebyshev fit of erfc (Numerical Recipes' erfcc). */
const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
  -1.13520398, 1.48851587, -0.82215223, 0.17087277,
];

/** The standard normal distribution function (rel. error < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  let polynomial = 0;
  for (let i = ERFC_COEFFICIENTS.length - 1; i >= 0; i--) {
    polynomial = ERFC_COEFFICIENTS[i] + t * polynomial;
  }
  const erfc = t * Math.exp(-x * x + polynomial);
  return z >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/**
 * Expected improvement over `best` of a maximized target with posterior
 * mean and std, less a margin `xi` that favours exploration.
 */
export function expectedImprovement(
    mean: number, std: number, best: number, xi: number): number {
  if (std <= 0) return Math.max(mean - best - xi, 0);
  const z = (mean - best - xi) / std;
  return (mean - best - xi) * normalCdf(z) + std * normalPdf(z);
}
