/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import type {Trial} from '../metadata/trial';
import {Random} from '../random';
import {FLATTEN_TYPES} from './common';
import {crossover, GeneticCoordinateDescent} from './genetic';
import {makeSearchSpec, SearchSpecOverrides} from './search_spec';
import {completedTrial, contextFor, fakeCnnOrder} from './test_utils';

const BLOCKS = [
  'CONVOLUTION_3X3', 'RESNET_3X3', 'DILATED_CONVOLUTION_2', 'FULLY_CONNECTED',
  'FIXED_OUTPUT_FULLY_CONNECTED_256',
];

function spec(overrides: SearchSpecOverrides = {}) {
  return makeSearchSpec({
    searchType: 'ADAPTIVE_COORDINATE_DESCENT_GENETIC',
    problemType: 'CNN',
    fixOrder: fakeCnnOrder,
    minimumDepth: 2,
    maximumDepth: 7,
    blocksToUse: BLOCKS,
    beamSize: 4,
    increaseComplexityProbability: 0.95,
    mutateProbability: 0.1,
    crossoverProbability: 0.4,
    randomArchitectureProbability: 0.05,
    ...overrides,
  });
}

describe('GeneticCoordinateDescent', () => {
  it('produces valid children over a run', () => {
    const search = new GeneticCoordinateDescent(spec());
    const rng = new Random(12);
    const trials: Trial[] = [];
    for (let id = 1; id <= 80; id++) {
      const {architecture, parentTrialId} =
          search.suggest(trials, rng, contextFor(id));
      assert.ok(architecture.length >= 2 && architecture.length <= 7,
                `trial ${id}: ${architecture}`);
      assert.deepEqual(architecture, fakeCnnOrder(architecture));
      assert.equal(
          architecture.filter((b) => FLATTEN_TYPES.includes(b)).length, 1);
      assert.ok(architecture.every(
          (b) => BLOCKS.includes(b) || FLATTEN_TYPES.includes(b)));
      if (parentTrialId !== undefined) {
        assert.ok(trials.some((t) => t.id === parentTrialId));
      }
      trials.push(completedTrial(
          id, architecture, architecture.length + rng.uniform()));
    }
  });

  it('mixes two beam members when crossover always fires', () => {
    const search = new GeneticCoordinateDescent(spec({
      problemType: 'DNN',
      fixOrder: undefined,
      mutateProbability: 0,
      crossoverProbability: 1,
      randomArchitectureProbability: 0,
    }));
    const trials = [
      completedTrial(1, ['CONVOLUTION_3X3', 'CONVOLUTION_3X3',
                         'CONVOLUTION_3X3'], 0.9),
      completedTrial(2, ['RESNET_3X3', 'RESNET_3X3', 'RESNET_3X3',
                         'RESNET_3X3'], 0.8),
    ];
    const cuts = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const {architecture, parentTrialId} =
          search.suggest(trials, new Random(seed), contextFor(3));
      const [first, second] = parentTrialId === 1 ?
          [trials[0].architecture, trials[1].architecture] :
          [trials[1].architecture, trials[0].architecture];
      const cut = architecture.findIndex((b, i) => b !== first[i]);
      assert.ok(cut >= 1, `${architecture}`);
      assert.deepEqual(architecture,
                       [...first.slice(0, cut), ...second.slice(cut)]);
      cuts.add(cut);
    }
    assert.deepEqual([...cuts].sort(), [1, 2]);
  });

  it('draws a random child within the allowed depth', () => {
    const search = new GeneticCoordinateDescent(spec({
      randomArchitectureProbability: 1,
      mutateProbability: 0,
    }));
    // 12 completed trials allow depth 3 (thresholds 0, 5, 10, 15...).
    const trials = Array.from({length: 12}, (_, i) => completedTrial(
        i + 1, fakeCnnOrder(['CONVOLUTION_3X3', 'RESNET_3X3']), i / 12));
    const depths = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const {architecture, parentTrialId} =
          search.suggest(trials, new Random(seed), contextFor(13));
      assert.equal(parentTrialId, undefined);
      depths.add(architecture.length);
    }
    // Two blocks plus the flatten block: at most the allowed 3.
    assert.deepEqual([...depths], [3]);
  });
});

describe('crossover', () => {
  it('keeps the second parent\'s depth and drops flatten blocks', () => {
    const child = crossover(
        ['A', 'FLATTEN', 'B'], ['C', 'D', 'FLATTEN', 'E'], new Random(1));
    assert.equal(child.length, 3);
    assert.equal(child[0], 'A');
    assert.ok(!child.includes('FLATTEN'));
  });
});
