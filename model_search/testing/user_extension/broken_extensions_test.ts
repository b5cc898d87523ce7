/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * model_search_oss_test fails on the mistakes of a user's extension that a
 * search runs through: a provider whose 'eval' input never ends (its test
 * search evaluates 20 batches only, but one with the default
 * --phoenix_eval_steps=0 would evaluate for ever), a provider that ignores
 * the batch size, and a block whose model scores an example by the others
 * of its batch.
 */

import * as assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Runs a manual model_search_oss_test of this package, in a temporary
 * directory of its own (its study goes there).
 */
function runTest(name: string, env: Record<string, string> = {}):
    {status: number|null, out: string} {
  const tmp = fs.mkdtempSync(
      path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(), `${name}_`));
  const run = spawnSync(`model_search/testing/user_extension/${name}`, [],
                        {encoding: 'utf8',
                         env: {...process.env, ...env, TEST_TMPDIR: tmp}});
  return {status: run.status, out: `${run.stdout}${run.stderr}`};
}

describe('model_search_oss_test of a broken extension', function() {
  this.timeout(120000);

  it('fails on an eval input that never ends, saying it must be one pass',
     () => {
       const {status, out} = runTest('endless_eval_test');

       assert.equal(status, 1, out);
       assert.match(out, /model_search_oss_test: FAIL: the data provider's 'eval' input did not end after 10000 batches of 2: it must be one pass over the evaluation data/);
     });

  it('fails on batches of another size than asked', () => {
    const {status, out} = runTest('fixed_batch_test');

    assert.equal(status, 1, out);
    // The search itself only warns.
    assert.match(out, /warning: the data provider's first training batch holds 3 examples, more than the batch size 2/);
    assert.match(out, /model_search_oss_test: FAIL: the data provider's training batches hold 3 examples, not the 2 asked for \(--phoenix_batch_size\)/);
  });

  it('fails on a short eval batch that is not the last of the pass', () => {
    const {status, out} =
        runTest('fixed_batch_test', {FIXED_BATCH_SHORT_EVAL: '1'});

    assert.equal(status, 1, out);
    assert.match(out, /model_search_oss_test: FAIL: the data provider's 'eval' batch 2 holds 1 example, fewer than the 2 asked for \(--phoenix_batch_size\), and batch 3 follows it: only the last batch of the pass may hold fewer/);
  });

  it('fails on a block that mixes the examples of a batch', () => {
    const {status, out} = runTest('batch_mixing_test');

    assert.equal(status, 1, out);
    assert.match(out, /model_search_oss_test: FAIL: trial 1 \(blocks USER_BATCH_MIXING_DENSE\): its model scores evaluation example 1 otherwise alone than in a batch of 2 \(a probability differs by [0-9.e-]+\): a block mixes the examples of a batch/);
  });
});
