/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import type {Trial} from '../metadata/trial';
import {Random} from '../random';
import {ConstrainedDescent, isReductionBlock} from './constrained_descent';
import {makeSearchSpec, SearchSpecOverrides} from './search_spec';
import {completedTrial, contextFor, fakeCnnOrder} from './test_utils';

const CELL_BLOCKS = ['CONVOLUTION_3X3', 'CONVOLUTION_5X5', 'RESNET_3X3'];
const REDUCTION = 'DOWNSAMPLE_CONVOLUTION_3X3';

function spec(overrides: SearchSpecOverrides) {
  return makeSearchSpec({
    searchType: 'CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT',
    problemType: 'CNN',
    fixOrder: fakeCnnOrder,
    minimumDepth: 2,
    maximumDepth: 12,
    blocksToUse: CELL_BLOCKS,
    numBlocksInCell: 3,
    reductionBlockType: REDUCTION,
    increaseComplexityProbability: 0.8,
    ...overrides,
  });
}

/** The architecture without its flatten block (the last, for cells). */
function plate(architecture: string[]): string[] {
  return architecture.filter((b) => b !== 'PLATE_REDUCTION_FLATTEN');
}

/** Runs `n` trials scoring deeper architectures better. */
function simulate(search: ConstrainedDescent, n: number, seed: number):
    Trial[] {
  const rng = new Random(seed);
  const trials: Trial[] = [];
  for (let id = 1; id <= n; id++) {
    const {architecture} = search.suggest(trials, rng, contextFor(id));
    trials.push(completedTrial(
        id, architecture, architecture.length + 0.1 * rng.uniform()));
  }
  return trials;
}

describe('ConstrainedDescent', () => {
  it('places a reduction block after every num_blocks_in_cell blocks', () => {
    const trials = simulate(new ConstrainedDescent(spec({})), 60, 2);
    let longest = 0;
    for (const trial of trials) {
      const blocks = plate(trial.architecture);
      longest = Math.max(longest, blocks.length);
      blocks.forEach((block, i) => {
        const reductionSlot = (i + 1) % 4 === 0;
        assert.equal(block === REDUCTION, reductionSlot,
                     `trial ${trial.id}: ${blocks}`);
        if (!reductionSlot) assert.ok(CELL_BLOCKS.includes(block));
      });
      assert.ok(trial.architecture.length <= 12 + 1);
    }
    assert.ok(longest >= 8, `never grew past ${longest} blocks`);
  });

  it('repeats one searched cell with replicate_cell', () => {
    const search = new ConstrainedDescent(
        spec({replicateCell: true, minimumDepth: 3}));
    const trials = simulate(search, 20, 5);
    for (const trial of trials) {
      const blocks = plate(trial.architecture);
      // maximum_depth 12: 12 - 12 // 3 = 8 cell blocks, two cells of 3.
      assert.equal(blocks.length, 8, `${blocks}`);
      const cell = blocks.slice(0, 3);
      assert.deepEqual(blocks, [...cell, REDUCTION, ...cell, REDUCTION]);
    }
  });

  it('rejects reduction blocks in blocks_to_use', () => {
    assert.throws(
        () => new ConstrainedDescent(
            spec({blocksToUse: [...CELL_BLOCKS, 'AVERAGE_POOL_2X2']})),
        /blocks_to_use lists AVERAGE_POOL_2X2; remove them/);
  });

  it('takes a reduction_block_type of any name for the reduction it is',
     () => {
       // A DNN search whose reduction is a dense block: cells of the
       // parents are their blocks between those, never the reduction.
       const dense = ['FULLY_CONNECTED_PYRAMID', 'FIXED_OUTPUT_FULLY_CONNECTED_256'];
       const search = new ConstrainedDescent(spec({
         problemType: 'DNN', fixOrder: undefined, blocksToUse: dense,
         numBlocksInCell: 2,
         reductionBlockType: 'FIXED_OUTPUT_FULLY_CONNECTED_128',
       }));
       for (const trial of simulate(search, 40, 5)) {
         trial.architecture.forEach((block, i) => {
           assert.equal(block === 'FIXED_OUTPUT_FULLY_CONNECTED_128',
                        (i + 1) % 3 === 0, `trial ${trial.id}: ${
                            trial.architecture}`);
         });
       }
       assert.throws(
           () => new ConstrainedDescent(spec({
             problemType: 'DNN', fixOrder: undefined,
             blocksToUse: [...dense, 'FIXED_OUTPUT_FULLY_CONNECTED_128'],
             reductionBlockType: 'FIXED_OUTPUT_FULLY_CONNECTED_128',
           })),
           /blocks_to_use lists FIXED_OUTPUT_FULLY_CONNECTED_128; remove them/);
     });

  it('recognizes reduction blocks by name', () => {
    for (const block of ['MAX_POOLING_3X3', 'DOWNSAMPLE_CONVOLUTION_5X5',
                         'CIFAR_NASA_REDUCTION']) {
      assert.ok(isReductionBlock(block), block);
    }
    assert.ok(!isReductionBlock('CONVOLUTION_3X3'));
  });
});
