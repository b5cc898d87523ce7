/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import type {Trial} from '../metadata/trial';
import {Random} from '../random';
import {keepAfterOutlierRemoval, LinearModel, percentileHigher} from './linear_model';
import {makeSearchSpec, SearchSpecOverrides} from './search_spec';
import {completedTrial, contextFor, fakeCnnOrder, isMutationOrEqual} from './test_utils';

const BLOCKS = ['DENSE_A', 'DENSE_B', 'DENSE_C'];

function spec(overrides: SearchSpecOverrides = {}) {
  return makeSearchSpec({
    searchType: 'LINEAR_MODEL',
    problemType: 'DNN',
    minimumDepth: 2,
    maximumDepth: 6,
    blocksToUse: BLOCKS,
    increaseComplexityProbability: 0,
    ...overrides,
  });
}

/**
 * Random depth-2..3 trials where DENSE_B first and DENSE_C second score
 * best, plus a little noise. No trial has both, so that the best is new.
 */
function scoredTrials(n: number, seed: number): Trial[] {
  const rng = new Random(seed);
  return Array.from({length: n}, (_, i) => {
    let architecture: string[];
    do {
      architecture =
          Array.from({length: 2 + rng.int(2)}, () => rng.choice(BLOCKS));
    } while (architecture[0] === 'DENSE_B' && architecture[1] === 'DENSE_C');
    const accuracy = 0.5 + 0.2 * Number(architecture[0] === 'DENSE_B') +
        0.15 * Number(architecture[1] === 'DENSE_C') + 0.02 * rng.uniform();
    return completedTrial(i + 1, architecture, accuracy);
  });
}

describe('LinearModel', () => {
  it('prefers the blocks whose trials scored better', () => {
    for (const seed of [1, 2, 3]) {
      const {architecture} = new LinearModel(spec()).suggest(
          scoredTrials(30, seed), new Random(seed), contextFor(31));
      assert.equal(architecture[0], 'DENSE_B', `seed ${seed}: ${architecture}`);
      assert.equal(architecture[1], 'DENSE_C', `seed ${seed}: ${architecture}`);
    }
  });

  it('aligns at the base when asked', () => {
    // With base alignment the last layers line up: DENSE_A last is best.
    const rng = new Random(6);
    const trials = Array.from({length: 30}, (_, i) => {
      const architecture =
          Array.from({length: 1 + rng.int(3)}, () => rng.choice(BLOCKS));
      const last = architecture[architecture.length - 1];
      return completedTrial(
          i + 1, architecture, Number(last === 'DENSE_A') + 0.01 * i / 30);
    });
    const base = spec({linearModel: {networkAlignment: 'NET_ALIGN_BASE'}});
    const {architecture} =
        new LinearModel(base).suggest(trials, rng, contextFor(31));
    assert.equal(architecture[architecture.length - 1], 'DENSE_A');
  });

  it('waits for trials_before_fit trials', () => {
    const hparams = {initial_architecture_0: 'DENSE_C',
                     initial_architecture_1: 'DENSE_C'};
    const {architecture} = new LinearModel(spec()).suggest(
        scoredTrials(9, 1), new Random(1), {...contextFor(10), hparams});
    assert.deepEqual(architecture, ['DENSE_C', 'DENSE_C']);
  });

  it('grows the suggestion by new_block_type when exploring', () => {
    const grow = spec({increaseComplexityProbability: 1});
    const hparams = {new_block_type: 'DENSE_A'};
    // 30 trials allow depth 6; the two-block suggestion gains DENSE_A.
    const {architecture} = new LinearModel(grow).suggest(
        scoredTrials(30, 2), new Random(2), {...contextFor(31), hparams});
    assert.deepEqual(architecture.slice(0, 2), ['DENSE_B', 'DENSE_C']);
    assert.equal(architecture[architecture.length - 1], 'DENSE_A');
  });

  it('mutates a suggestion that was already tried', () => {
    const tried = [['DENSE_B', 'DENSE_C'],
                   ...BLOCKS.map((b) => ['DENSE_B', 'DENSE_C', b])];
    let novel = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const trials = scoredTrials(30, seed);
      tried.forEach((architecture, i) => {
        trials.push(completedTrial(31 + i, architecture, 0.86));
      });
      const {architecture} = new LinearModel(spec()).suggest(
          trials, new Random(seed), contextFor(40));
      assert.ok(tried.some((t) => isMutationOrEqual(t, architecture)),
                `seed ${seed}: ${architecture}`);
      if (!tried.some((t) => t.join() === architecture.join())) novel++;
    }
    // The swapped-in block can be the one it replaces.
    assert.ok(novel >= 3, `${novel} of 5 suggestions were new`);
  });

  it('leaves the flatten block to the order fixer', () => {
    const cnn = spec({
      problemType: 'CNN',
      fixOrder: fakeCnnOrder,
      blocksToUse: ['CONVOLUTION_3X3', 'FULLY_CONNECTED'],
    });
    const rng = new Random(4);
    const trials = Array.from({length: 12}, (_, i) => completedTrial(
        i + 1, fakeCnnOrder([rng.choice(cnn.blocksToUse)]), rng.uniform()));
    const {architecture} = new LinearModel(cnn).suggest(trials, rng,
                                                        contextFor(13));
    assert.deepEqual(architecture, fakeCnnOrder(architecture));
    assert.equal(architecture.filter((b) => b.includes('FLATTEN')).length, 1);
  });
});

describe('keepAfterOutlierRemoval', () => {
  const cases = [
    {name: 'drops the worst decile', losses: [1, 1, 1, 1, 1, 1, 1, 1, 1, 5],
     keep: [true, true, true, true, true, true, true, true, true, false]},
    {name: 'drops diverged trials',
     losses: [0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 50, 60],
     keep: [true, true, true, true, true, true, true, true, false, false]},
    {name: 'keeps everything when all are equal',
     losses: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2], keep: new Array(10).fill(true)},
    {name: 'works on gaps for negative losses',
     losses: [-0.9, -0.8, -0.9, -0.8, -0.9, -0.8, -0.9, -0.8, -0.9, 30],
     keep: [true, true, true, true, true, true, true, true, true, false]},
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(keepAfterOutlierRemoval(c.losses), c.keep);
    });
  }

  it('takes the higher element for percentiles', () => {
    assert.equal(percentileHigher([4, 1, 3, 2], 50), 3);
    assert.equal(percentileHigher([4, 1, 3, 2], 90), 4);
  });
});
