/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import type {Trial} from '../metadata/trial';
import {Random} from '../random';
import {CoordinateDescent} from './coordinate_descent';
import {makeSearchSpec} from './search_spec';
import {completedTrial, contextFor, fakeCnnOrder, isMutationOrEqual, isOneBlockExtension, isPlateBlock} from './test_utils';

const DNN_BLOCKS = [
  'FIXED_OUTPUT_FULLY_CONNECTED_128', 'FIXED_OUTPUT_FULLY_CONNECTED_256',
  'FIXED_OUTPUT_FULLY_CONNECTED_512', 'FULLY_CONNECTED_RESIDUAL_CONCAT',
];
const CNN_BLOCKS = [
  'CONVOLUTION_3X3', 'RESNET_3X3', 'FIXED_CHANNEL_CONVOLUTION_16',
  'FULLY_CONNECTED', 'FIXED_OUTPUT_FULLY_CONNECTED_128',
];

/** Ten completed trials of depth 1..3 with distinct scores. */
function syntheticTrials(rng: Random): Trial[] {
  return Array.from({length: 10}, (_, i) => completedTrial(
      i + 1,
      Array.from({length: 1 + (i % 3)}, () => rng.choice(DNN_BLOCKS)),
      0.5 + 0.04 * ((i * 7) % 10)));
}

describe('CoordinateDescent', () => {
  it('starts with random architectures of minimum_depth', () => {
    const spec = makeSearchSpec({
      searchType: 'ADAPTIVE_COORDINATE_DESCENT',
      problemType: 'DNN',
      minimumDepth: 3,
      blocksToUse: DNN_BLOCKS,
    });
    const search = new CoordinateDescent(spec);
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const suggestion = search.suggest([], new Random(seed), contextFor(1));
      assert.equal(suggestion.architecture.length, 3);
      assert.ok(suggestion.architecture.every((b) => DNN_BLOCKS.includes(b)));
      assert.equal(suggestion.parentTrialId, undefined);
      seen.add(suggestion.architecture.join());
    }
    assert.ok(seen.size > 10, `only ${seen.size} distinct starts`);
  });

  it('mutates or extends one block of a beam member', () => {
    const trials = syntheticTrials(new Random(11));
    const beamSize = 3;
    const spec = makeSearchSpec({
      searchType: 'ADAPTIVE_COORDINATE_DESCENT',
      problemType: 'DNN',
      minimumDepth: 1,
      maximumDepth: 6,
      blocksToUse: DNN_BLOCKS,
      beamSize,
      increaseComplexityProbability: 0.5,
    });
    const beam = [...trials]
                     .sort((a, b) => b.metrics!.accuracy - a.metrics!.accuracy)
                     .slice(0, beamSize);
    const search = new CoordinateDescent(spec);
    let extensions = 0;
    let mutations = 0;
    const parents = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const suggestion =
          search.suggest(trials, new Random(seed), contextFor(11));
      const parent = beam.find((t) => t.id === suggestion.parentTrialId);
      assert.ok(parent, `parent ${suggestion.parentTrialId} not in the beam`);
      parents.add(parent.id);
      const after = suggestion.architecture;
      if (isOneBlockExtension(parent.architecture, after)) {
        extensions++;
      } else {
        assert.ok(isMutationOrEqual(parent.architecture, after),
                  `${after} is neither a mutation nor an extension of ${
                      parent.architecture}`);
        mutations++;
      }
    }
    assert.equal(parents.size, beamSize);
    assert.ok(extensions > 40 && mutations > 40,
              `${extensions} extensions, ${mutations} mutations`);
  });

  it('keeps CNN plate blocks before the flatten block', () => {
    const spec = makeSearchSpec({
      searchType: 'ADAPTIVE_COORDINATE_DESCENT',
      problemType: 'CNN',
      minimumDepth: 2,
      maximumDepth: 8,
      blocksToUse: CNN_BLOCKS,
      fixOrder: fakeCnnOrder,
    });
    const search = new CoordinateDescent(spec);
    const rng = new Random(4);
    const trials: Trial[] = [];
    for (let id = 1; id <= 40; id++) {
      const {architecture} = search.suggest(trials, rng, contextFor(id));
      const flatten = architecture.indexOf('PLATE_REDUCTION_FLATTEN');
      assert.ok(flatten >= 0, `no flatten block in ${architecture}`);
      assert.equal(architecture.lastIndexOf('PLATE_REDUCTION_FLATTEN'),
                   flatten);
      architecture.forEach((block, i) => {
        if (i < flatten) assert.ok(isPlateBlock(block), `${architecture}`);
        if (i > flatten) assert.ok(!isPlateBlock(block), `${architecture}`);
      });
      trials.push(completedTrial(id, architecture, rng.uniform()));
    }
  });

  it('grows deeper when depth pays, never past maximum_depth', () => {
    const maximumDepth = 5;
    const spec = makeSearchSpec({
      searchType: 'ADAPTIVE_COORDINATE_DESCENT',
      problemType: 'DNN',
      minimumDepth: 1,
      maximumDepth,
      blocksToUse: DNN_BLOCKS,
      beamSize: 2,
      increaseComplexityProbability: 0.9,
    });
    const search = new CoordinateDescent(spec);
    const rng = new Random(7);
    const trials: Trial[] = [];
    for (let id = 1; id <= 60; id++) {
      const {architecture} = search.suggest(trials, rng, contextFor(id));
      assert.ok(architecture.length <= maximumDepth,
                `trial ${id}: depth ${architecture.length}`);
      const score = architecture.length + 0.1 * rng.uniform();
      trials.push(completedTrial(id, architecture, score));
    }
    const depths = trials.map((t) => t.architecture.length);
    assert.equal(depths[0], 1);
    assert.equal(Math.max(...depths.slice(-10)), maximumDepth);
    const early = depths.slice(0, 10).reduce((a, b) => a + b) / 10;
    const late = depths.slice(-10).reduce((a, b) => a + b) / 10;
    assert.ok(late > early + 2, `mean depth ${early} early, ${late} late`);
  });

  it('rejects beam_size below 1', () => {
    assert.throws(
        () => new CoordinateDescent(makeSearchSpec({
          blocksToUse: DNN_BLOCKS,
          beamSize: 0,
        })),
        /phoenix_spec.beam_size is 0; use an integer >= 1/);
  });
});
