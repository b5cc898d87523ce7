/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The small linear algebra the model-based searches need: ridge regression
 * (LINEAR_MODEL) and the Lasso by coordinate descent (harmonica), both with
 * an unpenalized intercept, as scikit-learn's Ridge and Lasso fit them.
 * Design matrices are arrays of rows; rows have equal lengths.
 */

import {ValueError} from '../errors';

/** A fitted linear model y ~ intercept + coef . x. */
export declare interface LinearFit {
  coef: Float64Array;
  intercept: number;
}

/** intercept + coef . x */
export function predict(fit: LinearFit, x: ArrayLike<number>): number {
  let sum = fit.intercept;
  for (let j = 0; j < fit.coef.length; j++) sum += fit.coef[j] * x[j];
  return sum;
}

function checkShapes(x: ArrayLike<number>[], y: ArrayLike<number>): number {
  if (x.length === 0) throw new ValueError('regression on no rows');
  if (x.length !== y.length) {
    throw new ValueError(`regression with ${x.length} rows but ${
        y.length} targets`);
  }
  const p = x[0].length;
  for (const row of x) {
    if (row.length !== p) {
      throw new ValueError(`regression rows of lengths ${p} and ${
          row.length}; every row needs the same length`);
    }
  }
  return p;
}

/** Column means of `x` and the mean of `y`. */
function means(x: ArrayLike<number>[], y: ArrayLike<number>, p: number):
    {xMean: Float64Array, yMean: number} {
  const n = x.length;
  const xMean = new Float64Array(p);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    const row = x[i];
    for (let j = 0; j < p; j++) xMean[j] += row[j];
    yMean += y[i];
  }
  for (let j = 0; j < p; j++) xMean[j] /= n;
  return {xMean, yMean: yMean / n};
}

/**
 * Cholesky factor L (lower, row-major n x n) of a symmetric positive
 * definite `a` (row-major, not modified).
 * @throws ValueError when `a` is not positive definite.
 */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) {
          throw new ValueError(
              `matrix not positive definite (pivot ${sum} at ${i})`);
        }
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}

/** Solves (L L^T) z = b for z, given the Cholesky factor L. */
export function choleskySolve(
    l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const z = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let sum = z[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * z[k];
    z[i] = sum / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * z[k];
    z[i] = sum / l[i * n + i];
  }
  return z;
}

/**
 * Ridge regression: minimizes |y - Xw - b|^2 + alpha |w|^2 over w and the
 * unpenalized intercept b. Solves the primal normal equations when there
 * are no more features than rows, the dual (kernel) form otherwise.
 * @param alpha > 0.
 */
export function ridgeRegression(
    x: ArrayLike<number>[], y: ArrayLike<number>, alpha: number): LinearFit {
  if (!(alpha > 0)) {
    throw new ValueError(
        `ridge penalty is ${alpha}; use a value > 0 ` +
        '(phoenix_spec.linear_model.ridge_penalty)');
  }
  const p = checkShapes(x, y);
  const n = x.length;
  const {xMean, yMean} = means(x, y, p);
  const xc = x.map((row) => {
    const out = new Float64Array(p);
    for (let j = 0; j < p; j++) out[j] = row[j] - xMean[j];
    return out;
  });
  const yc = Float64Array.from(y, (v) => v - yMean);
  const coef = new Float64Array(p);
  if (p <= n) {
    const gram = new Float64Array(p * p);
    const rhs = new Float64Array(p);
    for (let i = 0; i < n; i++) {
      const row = xc[i];
      for (let j = 0; j < p; j++) {
        if (row[j] === 0) continue;
        rhs[j] += row[j] * yc[i];
        for (let k = 0; k <= j; k++) gram[j * p + k] += row[j] * row[k];
      }
    }
    for (let j = 0; j < p; j++) {
      for (let k = 0; k < j; k++) gram[k * p + j] = gram[j * p + k];
      gram[j * p + j] += alpha;
    }
    coef.set(choleskySolve(cholesky(gram, p), p, rhs));
  } else {
    const kernel = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k <= i; k++) {
        let dot = 0;
        for (let j = 0; j < p; j++) dot += xc[i][j] * xc[k][j];
        kernel[i * n + k] = dot;
        kernel[k * n + i] = dot;
      }
      kernel[i * n + i] += alpha;
    }
    const dual = choleskySolve(cholesky(kernel, n), n, yc);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) coef[j] += dual[i] * xc[i][j];
    }
  }
  let intercept = yMean;
  for (let j = 0; j < p; j++) intercept -= coef[j] * xMean[j];
  return {coef, intercept};
}

/** Options of `lasso`. */
export declare interface LassoArgs {
  /** Sweeps over all coordinates at most. Default 1000. */
  maxIterations?: number;
  /**
   * Stops once no coefficient moved by more than tolerance times the
   * largest coefficient in a sweep. Default 1e-4.
   */
  tolerance?: number;
}

/**
 * The Lasso: minimizes |y - Xw - b|^2 / (2 n) + alpha |w|_1 over w and the
 * unpenalized intercept b, by cyclic coordinate descent on centered data
 * (scikit-learn's objective and method).
 * @param alpha >= 0; 0 is least squares, and converges slowly.
 */
export function lasso(
    x: ArrayLike<number>[], y: ArrayLike<number>, alpha: number,
    args: LassoArgs = {}): LinearFit {
  if (!(alpha >= 0)) throw new ValueError(`lasso alpha is ${alpha}; use >= 0`);
  const maxIterations = args.maxIterations ?? 1000;
  const tolerance = args.tolerance ?? 1e-4;
  const p = checkShapes(x, y);
  const n = x.length;
  const {xMean, yMean} = means(x, y, p);
  // Column-major centered copy: each update reads one column.
  const columns: Float64Array[] = [];
  const squaredNorms = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const column = new Float64Array(n);
    let norm = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i][j] - xMean[j];
      column[i] = v;
      norm += v * v;
    }
    columns.push(column);
    squaredNorms[j] = norm;
  }
  const residual = Float64Array.from(y, (v) => v - yMean);
  const coef = new Float64Array(p);
  const threshold = alpha * n;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let maxChange = 0;
    let maxCoef = 0;
    for (let j = 0; j < p; j++) {
      const norm = squaredNorms[j];
      if (norm < 1e-12) continue;
      const column = columns[j];
      const old = coef[j];
      let rho = 0;
      for (let i = 0; i < n; i++) rho += column[i] * residual[i];
      rho += norm * old;
      const updated =
          Math.sign(rho) * Math.max(Math.abs(rho) - threshold, 0) / norm;
      if (updated !== old) {
        const delta = updated - old;
        for (let i = 0; i < n; i++) residual[i] -= column[i] * delta;
        coef[j] = updated;
        maxChange = Math.max(maxChange, Math.abs(delta));
      }
      maxCoef = Math.max(maxCoef, Math.abs(updated));
    }
    if (maxChange <= tolerance * Math.max(maxCoef, 1e-12)) break;
  }
  let intercept = yMean;
  for (let j = 0; j < p; j++) intercept -= coef[j] * xMean[j];
  return {coef, intercept};
}

/**
 * All index sets of size 1..degree of `numVariables` variables, by size,
 * then lexicographically (scikit-learn's PolynomialFeatures order with
 * interaction_only, without the bias term).
 */
export function interactionIndexSets(
    numVariables: number, degree: number): number[][] {
  const sets: number[][] = [];
  const current: number[] = [];
  const extend = (size: number, start: number) => {
    if (current.length === size) {
      sets.push([...current]);
      return;
    }
    for (let v = start; v < numVariables; v++) {
      current.push(v);
      extend(size, v + 1);
      current.pop();
    }
  };
  for (let size = 1; size <= Math.min(degree, numVariables); size++) {
    extend(size, 0);
  }
  return sets;
}
