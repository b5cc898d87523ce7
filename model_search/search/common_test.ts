/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {Random} from '../random';
import {chance, getAllowedDepth, increaseDepth, mutateReplace, rankedByObjective} from './common';
import {makeSearchSpec} from './search_spec';
import {completedTrial, CONTEXT, fakeCnnOrder} from './test_utils';

describe('getAllowedDepth', () => {
  const cases = [
    {name: 'no completed trials', completed: 0, thresholds: [], want: 1},
    {name: 'some completed trials', completed: 11, thresholds: [], want: 3},
    {name: 'custom thresholds', completed: 2, thresholds: [0, 1, 10, 20],
     want: 2},
    {name: 'maximum respected', completed: 1000, thresholds: [], want: 5},
  ];
  for (const c of cases) {
    it(`gives the depth for ${c.name}`, () => {
      assert.equal(getAllowedDepth(c.completed, c.thresholds, 5), c.want);
    });
  }

  it('rejects more thresholds than maximum_depth', () => {
    assert.throws(
        () => getAllowedDepth(0, [1, 2, 3], 2),
        /increase_complexity_minimum_trials has 3 thresholds.*maximum_depth/);
  });
});

describe('chance', () => {
  it('rejects probabilities outside [0, 1]', () => {
    assert.throws(
        () => chance(1.5, new Random(1)),
        /increase_complexity_probability is 1.5; use a value in \[0, 1\]/);
  });

  it('is never true at 0 and always true at 1', () => {
    const rng = new Random(3);
    for (let i = 0; i < 100; i++) {
      assert.equal(chance(0, rng), false);
      assert.equal(chance(1, rng), true);
    }
  });
});

describe('mutateReplace', () => {
  it('changes one block and never a flatten block', () => {
    const rng = new Random(5);
    const before = ['CONVOLUTION_3X3', 'FLATTEN', 'FULLY_CONNECTED'];
    for (let i = 0; i < 50; i++) {
      const after = mutateReplace(before, 'NEW', rng);
      assert.equal(after[1], 'FLATTEN');
      assert.equal(after.filter((b, j) => b !== before[j]).length, 1);
    }
  });
});

describe('increaseDepth', () => {
  it('puts a plate block before the flatten block of a CNN', () => {
    const spec = makeSearchSpec({problemType: 'CNN', fixOrder: fakeCnnOrder});
    const before = ['CONVOLUTION_3X3', 'FLATTEN', 'FULLY_CONNECTED'];
    assert.deepEqual(
        increaseDepth(before, 'RESNET_3X3', spec),
        ['CONVOLUTION_3X3', 'RESNET_3X3', 'FLATTEN', 'FULLY_CONNECTED']);
    assert.deepEqual(
        increaseDepth(before, 'FULLY_CONNECTED_PYRAMID', spec),
        [...before, 'FULLY_CONNECTED_PYRAMID']);
  });
});

describe('rankedByObjective', () => {
  it('orders best first and drops trials without the metric', () => {
    const trials = [
      completedTrial(1, ['A'], 0.5),
      completedTrial(2, ['B'], 0.9),
      {...completedTrial(3, ['C'], 0), metrics: {}},
      completedTrial(4, ['D'], NaN),
    ];
    assert.deepEqual(
        rankedByObjective(trials, CONTEXT).map((t) => t.id), [2, 1]);
  });
});
