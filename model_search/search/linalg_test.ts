/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {Random} from '../random';
import {cholesky, choleskySolve, interactionIndexSets, lasso, predict, ridgeRegression} from './linalg';

function close(actual: number, expected: number, tolerance: number) {
  assert.ok(Math.abs(actual - expected) <= tolerance,
            `${actual} is not within ${tolerance} of ${expected}`);
}

/** Rows of `p` standard normal features and y = 3 + x . weights. */
function linearData(n: number, weights: number[], seed: number) {
  const rng = new Random(seed);
  const x = Array.from({length: n},
                       () => weights.map(() => rng.normal()));
  const y = x.map((row) => 3 + row.reduce((s, v, j) => s + v * weights[j], 0));
  return {x, y};
}

describe('cholesky', () => {
  it('solves a positive definite system', () => {
    const a = Float64Array.from([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);
    const l = cholesky(a, 3);
    const z = choleskySolve(l, 3, [1, 2, 3]);
    for (let i = 0; i < 3; i++) {
      const row = a[i * 3] * z[0] + a[i * 3 + 1] * z[1] + a[i * 3 + 2] * z[2];
      close(row, i + 1, 1e-12);
    }
  });

  it('rejects a matrix that is not positive definite', () => {
    assert.throws(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2),
                  /not positive definite/);
  });
});

describe('ridgeRegression', () => {
  it('recovers exact weights with a tiny penalty', () => {
    const {x, y} = linearData(30, [1, -2, 0.5], 1);
    const fit = ridgeRegression(x, y, 1e-9);
    [1, -2, 0.5].forEach((w, j) => close(fit.coef[j], w, 1e-6));
    close(fit.intercept, 3, 1e-6);
  });

  it('solves the normal equations in dual form', () => {
    // 4 rows, 6 features: fitted in dual form, checked against the primal.
    const rng = new Random(2);
    const x = Array.from({length: 4},
                         () => Array.from({length: 6}, () => rng.normal()));
    const y = [1, 0, 2, -1];
    const dual = ridgeRegression(x, y, 0.5);
    const mean = (v: number[]) => v.reduce((a, b) => a + b) / v.length;
    const xMean = x[0].map((_, j) => mean(x.map((r) => r[j])));
    const yMean = mean(y);
    const gram = new Float64Array(36);
    const rhs = new Float64Array(6);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 6; j++) {
        rhs[j] += (x[i][j] - xMean[j]) * (y[i] - yMean);
        for (let k = 0; k < 6; k++) {
          gram[j * 6 + k] += (x[i][j] - xMean[j]) * (x[i][k] - xMean[k]);
        }
      }
    }
    for (let j = 0; j < 6; j++) gram[j * 6 + j] += 0.5;
    const primal = choleskySolve(cholesky(gram, 6), 6, rhs);
    for (let j = 0; j < 6; j++) close(dual.coef[j], primal[j], 1e-9);
  });

  it('shrinks towards zero as the penalty grows', () => {
    const {x, y} = linearData(20, [2, -1], 3);
    const norm = (alpha: number) => {
      const {coef} = ridgeRegression(x, y, alpha);
      return Math.hypot(...coef);
    };
    assert.ok(norm(100) < norm(1) && norm(1) < norm(0.01));
  });
});

describe('lasso', () => {
  it('finds the few true features among many', () => {
    const weights = new Array(40).fill(0);
    weights[3] = 2;
    weights[17] = -1.5;
    const {x, y} = linearData(30, weights, 4);
    const fit = lasso(x, y, 0.05);
    const large =
        [...fit.coef.keys()].filter((j) => Math.abs(fit.coef[j]) > 0.2);
    assert.deepEqual(large, [3, 17]);
    close(fit.coef[3], 2, 0.2);
    close(fit.coef[17], -1.5, 0.2);
    close(predict(fit, x[0]), y[0], 0.3);
  });

  it('is least squares without penalty', () => {
    const {x, y} = linearData(25, [1, 0.5, -1], 5);
    const fit = lasso(x, y, 0, {maxIterations: 10000, tolerance: 1e-12});
    [1, 0.5, -1].forEach((w, j) => close(fit.coef[j], w, 1e-6));
    close(fit.intercept, 3, 1e-6);
  });

  it('gives all zeros when the penalty dominates', () => {
    const {x, y} = linearData(10, [1, 1], 6);
    const fit = lasso(x, y, 100);
    assert.deepEqual(Array.from(fit.coef), [0, 0]);
    close(fit.intercept, y.reduce((a, b) => a + b) / y.length, 1e-12);
  });
});

describe('interactionIndexSets', () => {
  it('lists sets by size, then lexicographically', () => {
    assert.deepEqual(interactionIndexSets(3, 2),
                     [[0], [1], [2], [0, 1], [0, 2], [1, 2]]);
    assert.equal(interactionIndexSets(12, 3).length, 12 + 66 + 220);
  });
});
