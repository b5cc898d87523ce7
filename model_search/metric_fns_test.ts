/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */


import * as assert from 'node:assert/strict';

import {aucPr, aucRoc, evaluationMetrics} from './metric_fns';

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
});
