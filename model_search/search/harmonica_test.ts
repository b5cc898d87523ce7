/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import type {Trial} from '../metadata/trial';
import {Random} from '../random';
import {CategoricalHarmonica, realCharacters} from './categorical_harmonica';
import {Harmonica} from './harmonica';
import {makeSearchSpec, SearchSpecOverrides} from './search_spec';
import {completedTrial, contextFor, fakeCnnOrder} from './test_utils';

const BLOCKS = ['B0', 'B1', 'B2', 'B3'];

function spec(overrides: SearchSpecOverrides = {}) {
  return makeSearchSpec({
    searchType: 'HARMONICA_SEARCH',
    problemType: 'DNN',
    minimumDepth: 3,
    blocksToUse: BLOCKS,
    harmonica: {numRandomSamples: 2000},
    ...overrides,
  });
}

/**
 * A sparse degree-2 function of the block choices (a loss): best with B2
 * first and B1 second (more so together), worse with B3 third.
 */
function plantedLoss(architecture: string[]): number {
  const [first, second, third] = architecture;
  return 10 - 5 * Number(first === 'B2') - 3 * Number(second === 'B1') -
      2 * Number(first === 'B2' && second === 'B1') +
      2 * Number(third === 'B3');
}

/** `n` random trials scored by the planted function (accuracy = -loss). */
function plantedTrials(n: number, seed: number): Trial[] {
  const rng = new Random(seed);
  return Array.from({length: n}, (_, i) => {
    const architecture = [0, 1, 2].map(() => rng.choice(BLOCKS));
    return completedTrial(i + 1, architecture, -plantedLoss(architecture));
  });
}

const VARIANTS = [
  {name: 'Harmonica', create: (s = spec()) => new Harmonica(s)},
  {name: 'CategoricalHarmonica',
   create: (s = spec()) => new CategoricalHarmonica(s)},
];

for (const variant of VARIANTS) {
  describe(variant.name, () => {
    it('recovers the minimizer of a planted sparse function', () => {
      for (const seed of [1, 2, 3]) {
        const trials = plantedTrials(80, seed);
        const {architecture} = variant.create().suggest(
            trials, new Random(seed), contextFor(81));
        assert.equal(architecture[0], 'B2', `seed ${seed}: ${architecture}`);
        assert.equal(architecture[1], 'B1', `seed ${seed}: ${architecture}`);
        assert.notEqual(architecture[2], 'B3', `seed ${seed}: ${architecture}`);
      }
    });

    it('uses the initial_architecture hparams before it has data', () => {
      const hparams = {
        initial_architecture_0: 'B3',
        initial_architecture_1: 'B0',
        initial_architecture_2: 'B1',
      };
      const {architecture} = variant.create().suggest(
          plantedTrials(2, 9), new Random(1), {...contextFor(3), hparams});
      assert.deepEqual(architecture, ['B3', 'B0', 'B1']);
    });

    it('draws minimum_depth random blocks before it has data', () => {
      const {architecture} = variant.create().suggest(
          [], new Random(1), contextFor(1));
      assert.equal(architecture.length, 3);
      assert.ok(architecture.every((b) => BLOCKS.includes(b)));
    });

    it('ignores trials outside its fixed-depth space', () => {
      const trials = [
        ...plantedTrials(2, 4),
        completedTrial(3, ['B0', 'B1', 'B2', 'B3'], 100),
        completedTrial(4, ['B0', 'UNKNOWN_BLOCK', 'B2'], 100),
      ];
      const hparams = {
        initial_architecture_0: 'B1',
        initial_architecture_1: 'B1',
        initial_architecture_2: 'B1',
      };
      // Two usable trials are below min_for_regression (3): no fit.
      const {architecture} = variant.create().suggest(
          trials, new Random(1), {...contextFor(5), hparams});
      assert.deepEqual(architecture, ['B1', 'B1', 'B1']);
    });

    it('keeps the CNN order and skips the flatten block', () => {
      const blocks = ['CONVOLUTION_3X3', 'RESNET_3X3', 'FULLY_CONNECTED'];
      const cnn = spec({
        problemType: 'CNN',
        fixOrder: fakeCnnOrder,
        minimumDepth: 2,
        blocksToUse: blocks,
      });
      const rng = new Random(8);
      const trials = Array.from({length: 12}, (_, i) => {
        const architecture = fakeCnnOrder([rng.choice(blocks),
                                           rng.choice(blocks)]);
        return completedTrial(i + 1, architecture, rng.uniform());
      });
      const {architecture} =
          variant.create(cnn).suggest(trials, rng, contextFor(13));
      assert.deepEqual(architecture, fakeCnnOrder(architecture));
      assert.equal(architecture.length, 3);
    });
  });
}

describe('Harmonica', () => {
  it('encodes blocks as +-1 per (position, block)', () => {
    const harmonica = new Harmonica(spec({minimumDepth: 4}));
    assert.deepEqual(
        Array.from(harmonica.encode(['B1', 'B2', 'B3'])!),
        [-1, 1, -1, -1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1, -1]);
  });
});

describe('realCharacters', () => {
  it('gives K - 1 functions orthogonal to each other and the constant', () => {
    for (const k of [2, 3, 4, 5]) {
      const table = Array.from({length: k}, (_, c) => realCharacters(c, k));
      assert.equal(table[0].length, k - 1);
      for (let a = 0; a < k - 1; a++) {
        const sum = table.reduce((s, row) => s + row[a], 0);
        assert.ok(Math.abs(sum) < 1e-9, `K=${k} character ${a} sums ${sum}`);
        for (let b = a + 1; b < k - 1; b++) {
          const dot = table.reduce((s, row) => s + row[a] * row[b], 0);
          assert.ok(Math.abs(dot) < 1e-9, `K=${k} characters ${a},${b}`);
        }
      }
    }
  });
});
