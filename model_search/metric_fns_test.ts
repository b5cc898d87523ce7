/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */


import * as assert from 'node:assert/strict';

import {argmaxRows, aucPr, aucRoc, evaluationMetrics} from './metric_fns';

describe('metric_fns', () => {
  it('gives AUC ROC 1 for a perfect ranking and 0.5 for ties', () => {
    assert.equal(aucRoc([false, false, true, true], [0.1, 0.2, 0.8, 0.9]), 1);
    assert.equal(aucRoc([false, true], [0.5, 0.5]), 0.5);
    assert.equal(aucRoc([true, false, true, false], [0.9, 0.8, 0.3, 0.1]),
                 0.75);
  });

  it('is NaN when only one class is present', () => {
    assert.ok(Number.isNaN(aucRoc([true, true], [0.1, 0.2])));
    assert.ok(Number.isNaN(aucPr([false, false], [0.1, 0.2])));
  });

  it('is NaN, at once, when a score is NaN; infinite scores rank', () => {
    for (const positive of [[true, false, true], [false, true, false]]) {
      assert.ok(Number.isNaN(aucPr(positive, [0.9, 0.2, NaN])));
      assert.ok(Number.isNaN(aucRoc(positive, [NaN, 0.2, 0.7])));
    }
    assert.equal(aucPr([true, false, true], [Infinity, -Infinity, 0.5]), 1);
    assert.equal(aucRoc([true, false, true], [Infinity, -Infinity, 0.5]), 1);
  });

  it('computes average precision', () => {
    // Ranked: + (p=1, r=.5), - , + (p=2/3, r=1): AP = .5*1 + .5*2/3.
    const ap = aucPr([true, false, true], [0.9, 0.8, 0.7]);
    assert.ok(Math.abs(ap - (0.5 + 1 / 3)) < 1e-12);
  });

  it('is exactly 1 for a perfect ranking of many examples', () => {
    const n = 114;
    const positive = Array.from({length: n}, (_, i) => i % 3 !== 0);
    const scores = positive.map((p, i) => (p ? 2 : 1) + i / 1000);

    assert.equal(aucPr(positive, scores), 1);
    assert.equal(aucRoc(positive, scores), 1);
  });

  it('averages one-vs-rest over classes and reports accuracy', () => {
    const labels = [0, 1, 2, 2];
    const probs = [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7],
                   [0.6, 0.3, 0.1]];
    const m = evaluationMetrics(labels, probs, 3);
    assert.equal(m['accuracy'], 0.75);
    assert.ok(m['auc_roc'] > 0.8 && m['auc_roc'] <= 1);
    // Class 0: tp 1 fp 1; class 1: tp 1; class 2: tp 1 fn 1.
    assert.ok(Math.abs(m['precision'] - (0.5 + 1 + 1) / 3) < 1e-12);
    assert.ok(Math.abs(m['recall'] - (1 + 1 + 0.5) / 3) < 1e-12);
  });

  it('reads a flat float32 matrix as it reads rows', () => {
    // Scores on a grid of 0.25 so that ties occur across examples.
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 60; i++) {
      const a = ((i * 7) % 5) * 0.25;
      const b = ((i * 3) % 4) * 0.25;
      const sum = a + b + 0.5;
      rows.push([a / sum, b / sum, 0.5 / sum]);
      labels.push((i * 11) % 3);
    }
    const values = new Float32Array(rows.flat());

    const fromRows = evaluationMetrics(labels, rows.map(
        (r) => r.map((v) => Math.fround(v))), 3);
    const fromMatrix = evaluationMetrics(
        Int32Array.from(labels), {values, classes: 3}, 3);

    assert.deepEqual(fromMatrix, fromRows);
    assert.deepEqual(Array.from(argmaxRows({values, classes: 3})),
                     rows.map((r) => r.indexOf(Math.max(...r))));
  });

  it('ranks typed arrays as plain ones', () => {
    const positive = [true, false, true, true, false, false, true];
    const scores = [0.3, 0.3, 0.9, 0.1, 0.5, 0.1, 0.5];
    const typed = Uint8Array.from(positive, (p) => (p ? 1 : 0));

    assert.equal(aucRoc(typed, Float32Array.from(scores)),
                 aucRoc(positive, scores));
    assert.equal(aucPr(typed, Float32Array.from(scores)),
                 aucPr(positive, scores));
    // Of the 12 positive-negative pairs 6 rank right and 3 tie: 7.5 / 12.
    assert.equal(aucRoc(typed, Float32Array.from(scores)), 0.625);
  });

  it('agrees with counting pairs and thresholds one by one, ties included',
     () => {
       // Random sets with scores on coarse grids (many ties), checked
       // against the definitions computed the slow way.
       let seed = 12345;
       const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) /
           2 ** 31;
       for (let trial = 0; trial < 300; trial++) {
         const n = 1 + Math.floor(next() * 30);
         const grid = 1 + Math.floor(next() * 5);
         const scores = Array.from(
             {length: n}, () => Math.floor(next() * grid) / grid);
         const positive = Array.from({length: n}, () => next() < 0.5);

         const roc = aucRoc(positive, scores);
         const pr = aucPr(positive, scores);

         const pairs = slowAucRoc(positive, scores);
         const thresholds = slowAveragePrecision(positive, scores);
         const where = `${positive} / ${scores}`;
         assert.equal(Number.isNaN(roc), Number.isNaN(pairs), where);
         assert.equal(Number.isNaN(pr), Number.isNaN(thresholds), where);
         if (!Number.isNaN(pairs)) {
           assert.ok(Math.abs(roc - pairs) < 1e-12, where);
         }
         if (!Number.isNaN(thresholds)) {
           assert.ok(Math.abs(pr - thresholds) < 1e-12, where);
         }
       }
     });
});

/** Positive-negative pairs ranked right, ties half, over all pairs. */
function slowAucRoc(positive: boolean[], scores: number[]): number {
  let credit = 0;
  let pairs = 0;
  positive.forEach((p, i) => positive.forEach((q, j) => {
    if (!p || q) return;
    pairs++;
    credit += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
  }));
  return pairs === 0 ? NaN : credit / pairs;
}

/** Precision at each distinct score times the positives it adds. */
function slowAveragePrecision(positive: boolean[], scores: number[]): number {
  const nPos = positive.filter((p) => p).length;
  if (nPos === 0) return NaN;
  let area = 0;
  for (const t of new Set(scores)) {
    const above = scores.map((s, i) => [s >= t, positive[i]]);
    const tp = above.filter(([a, p]) => a && p).length;
    const fp = above.filter(([a, p]) => a && !p).length;
    const gained = scores.filter((s, i) => s === t && positive[i]).length;
    area += gained * tp / (tp + fp);
  }
  return area / nPos;
}
