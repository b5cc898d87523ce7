/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {saveModel} from '../backend/file_io';
import {tf} from '../backend/tf';
import type {Trial} from '../metadata/trial';
import {buildModel} from '../phoenix';
import {parsePhoenixSpec} from '../proto/text_format';
import {warmStart, warmStartSources} from './transfer_learning';

function spec(text: string) {
  return parsePhoenixSpec(
      `problem_type: DNN\ntransfer_learning_spec { ${text} }\n`)
      .transferLearningSpec;
}

function trial(id: number, loss: number, architecture = ['A']): Trial {
  return {id, state: 'COMPLETED', architecture, hparams: {},
          metrics: {loss}};
}

const TRIALS = [trial(1, 1), trial(2, 0.5), trial(3, 2)];

function shares(text: string, trials: Trial[], trialId: number):
    Array<[number, number]> {
  return warmStartSources(spec(text), trials, trialId)
      .map((s) => [s.trialId, Number(s.weight.toFixed(6))]);
}

describe('warmStartSources', () => {
  const rows: Array<[string, string, Trial[], Array<[number, number]>]> = [
    ['uniform: equal shares', 'transfer_learning_type: ' +
     'UNIFORM_AVERAGE_TRANSFER_LEARNING', TRIALS,
     [[1, 0.333333], [2, 0.333333], [3, 0.333333]]],
    ['uniform: older trials discounted', 'transfer_learning_type: ' +
     'UNIFORM_AVERAGE_TRANSFER_LEARNING previous_trials_discount_factor: 0.5',
     TRIALS, [[1, 0.142857], [2, 0.285714], [3, 0.571429]]],
    ['uniform: the latest max_completed_trials', 'transfer_learning_type: ' +
     'UNIFORM_AVERAGE_TRANSFER_LEARNING max_completed_trials: 2', TRIALS,
     [[2, 0.5], [3, 0.5]]],
    ['loss-weighted: lower loss weighs more', 'transfer_learning_type: ' +
     'LOSS_WEIGHTED_AVERAGE_TRANSFER_LEARNING', TRIALS,
     [[1, 0.285714], [2, 0.571429], [3, 0.142857]]],
    ['loss-weighted: the lowest-loss max_completed_trials',
     'transfer_learning_type: LOSS_WEIGHTED_AVERAGE_TRANSFER_LEARNING ' +
         'max_completed_trials: 2',
     TRIALS, [[1, 0.333333], [2, 0.666667]]],
    ['snapshot: the previous trial alone', 'transfer_learning_type: ' +
     'SNAPSHOT_TRANSFER_LEARNING', TRIALS, [[3, 1]]],
    ['snapshot: nothing when the previous trial failed',
     'transfer_learning_type: SNAPSHOT_TRANSFER_LEARNING',
     [trial(1, 1), trial(2, 0.5), {...trial(3, 2), state: 'FAILED'}], []],
    ['no transfer', 'transfer_learning_type: NO_TRANSFER_LEARNING', TRIALS,
     []],
    ['an ensemble without a tower of its own gives nothing',
     'transfer_learning_type: UNIFORM_AVERAGE_TRANSFER_LEARNING',
     [trial(1, 1), trial(2, 0.5), trial(3, 2, [])],
     [[1, 0.5], [2, 0.5]]],
  ];
  for (const [name, text, trials, want] of rows) {
    it(name, () => {
      assert.deepEqual(shares(text, trials, 4), want);
    });
  }

  it('keeps the shares of trials far apart, where d^(n-k) underflows', () => {
    // 0.001^(2000 - 1) is 0 as a float: the shares are still computed.
    assert.deepEqual(
        shares('transfer_learning_type: UNIFORM_AVERAGE_TRANSFER_LEARNING ' +
                   'previous_trials_discount_factor: 0.001',
               [trial(1, 1), trial(1998, 1), trial(1999, 1)], 2000),
        [[1, 0], [1998, 0.000999], [1999, 0.999001]]);
  });

  it('gives nothing without a transfer_learning_spec', () => {
    assert.deepEqual(warmStartSources(undefined, TRIALS, 4), []);
  });
});

describe('warmStart', function() {
  this.timeout(60000);
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(
        process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'transfer_learning_'));
  });
  after(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  function model(trialId: number, architecture: string[]): tf.LayersModel {
    return buildModel({
      schema: {kind: 'csv', shape: [3]},
      numClasses: 2,
      problemType: 'DNN',
      architecture,
      hparams: {},
      applyDropoutsBetweenBlocks: false,
      namePrefix: `trial_${trialId}`,
    });
  }

  function weightsUnder(m: tf.LayersModel, prefix: string): number[][] {
    return m.layers.filter((l) => l.name.startsWith(prefix))
        .flatMap((l) => l.getWeights().map((w) => Array.from(w.dataSync())));
  }

  it('mixes the weights of matching blocks, keeps the others', async () => {
    const BLOCK = 'FIXED_OUTPUT_FULLY_CONNECTED_128';
    const sources = [model(1, [BLOCK]), model(2, [BLOCK])];
    for (const [i, m] of sources.entries()) {
      await saveModel(m, path.join(dir, String(i + 1), 'model'));
    }
    const target = model(3, [BLOCK, 'FIXED_OUTPUT_FULLY_CONNECTED_256']);
    const second = weightsUnder(target, 'trial_3/tower_0/2_');
    const logits = weightsUnder(target, 'trial_3/logits');

    const {set, given} = await warmStart(
        target, 3, [{trialId: 1, weight: 0.25}, {trialId: 2, weight: 0.75}],
        dir);

    const a = weightsUnder(sources[0], `trial_1/tower_0/1_${BLOCK}`);
    const b = weightsUnder(sources[1], `trial_2/tower_0/1_${BLOCK}`);
    const got = weightsUnder(target, `trial_3/tower_0/1_${BLOCK}`);
    assert.ok(a.length > 0);
    assert.equal(set, a.length, 'only the first block matches');
    assert.deepEqual(given, [a.length, a.length]);
    got.forEach((values, i) => values.forEach((v, j) => {
      const want = 0.25 * a[i][j] + 0.75 * b[i][j];
      assert.ok(Math.abs(v - want) < 1e-5, `weight ${i}[${j}]: ${v} ${want}`);
    }));
    assert.deepEqual(weightsUnder(target, 'trial_3/tower_0/2_'), second,
                     'a block no source has keeps its initializer');
    assert.deepEqual(weightsUnder(target, 'trial_3/logits'), logits,
                     'logits of another input width keep theirs');
    for (const m of [...sources, target]) m.dispose();
  });

  it('says which sources gave nothing, and leaves them out', async () => {
    const BLOCK = 'FIXED_OUTPUT_FULLY_CONNECTED_128';
    const sources = [model(4, ['FIXED_OUTPUT_FULLY_CONNECTED_256']),
                     model(5, [BLOCK])];
    for (const [i, m] of sources.entries()) {
      await saveModel(m, path.join(dir, String(i + 4), 'model'));
    }
    const target = model(6, [BLOCK]);

    const {set, given} = await warmStart(
        target, 6, [{trialId: 4, weight: 0.5}, {trialId: 5, weight: 0.5}],
        dir);

    const from5 = weightsUnder(sources[1], `trial_5/tower_0/1_${BLOCK}`);
    assert.ok(from5.length > 0);
    // The 256-unit source has no layer of these shapes (its logits take
    // 256 inputs): trial 5's alone, renormalised to all of it, gives the
    // block and the logits (kernel and bias).
    assert.deepEqual(given, [0, from5.length + 2]);
    assert.equal(set, from5.length + 2);
    weightsUnder(target, `trial_6/tower_0/1_${BLOCK}`).forEach(
        (values, i) => values.forEach(
            (v, j) => assert.ok(Math.abs(v - from5[i][j]) < 1e-6)));
    for (const m of [...sources, target]) m.dispose();
  });
});
