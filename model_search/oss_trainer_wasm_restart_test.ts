/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * --wasm_memory_limit_mb end to end. In a process of its own: a restart
 * needs no tensor of other tests alive on the wasm backend.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import './data/csv_data_for_binary';

import {tf} from './backend/tf';
import {wasmMemoryTouchedBytes, wasmRestartCount} from './backend/wasm_restart';
import {main} from './oss_trainer';
import {storedTrials} from './study_testing';

const RANDOM_CSV = 'model_search/data/testdata/csv_random_data.csv';

function search(extra: string[]): {argv: string[], dir: string} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm_restart_search-'));
  return {
    dir,
    argv: [
      `--filename=${RANDOM_CSV}`, '--record_defaults=0,0,0,0',
      '--logits_dimension=2', `--model_dir=${dir}`,
      '--phoenix_train_steps=5', '--phoenix_eval_steps=2',
      '--phoenix_batch_size=4', '--phoenix_tf_random_seed=7',
      '--experiment_max_num_trials=3', '--backend=wasm', ...extra,
    ],
  };
}

async function run(argv: string[]): Promise<{code: number, log: string[]}> {
  const log: string[] = [];
  const code = await main(argv, (line) => {
    log.push(line);
  });
  return {code, log};
}

/** Places an 8 MB tensor on the wasm backend and disposes it. */
function touchEightMb(): void {
  assert.equal(tf.getBackend(), 'wasm');
  tf.zeros([2 << 20]).dispose();
  assert.ok(wasmMemoryTouchedBytes() >= 8 << 20);
}

describe('--wasm_memory_limit_mb', function() {
  this.timeout(120000);

  it('restarts the wasm backend after a trial that leaves more memory ' +
     'used than it needed, and trains the same', async () => {
    const kept = search(['--wasm_memory_limit_mb=0']);
    assert.equal((await run(kept.argv)).code, 0);
    const restartsBefore = wasmRestartCount();

    // 8 MB used before the search, as by a larger model: the first trial
    // needs far less, so the backend restarts after it, and not after the
    // next ones, which need as little.
    touchEightMb();
    const restarted = search(['--wasm_memory_limit_mb=1']);
    const {code, log} = await run(restarted.argv);

    assert.equal(code, 0, log.join('\n'));
    assert.equal(wasmRestartCount() - restartsBefore, 1);
    const [a, b] = [await storedTrials(kept.dir),
                    await storedTrials(restarted.dir)];
    assert.deepEqual(b.map((t) => t.architecture),
                     a.map((t) => t.architecture));
    assert.deepEqual(b.map((t) => t.metrics!['loss']),
                     a.map((t) => t.metrics!['loss']));
    assert.ok(!log.some((line) => line.startsWith('wasm memory')),
              log.join('\n'));
  });

  it('says once why it cannot restart while tensors outlive the trials',
     async () => {
    touchEightMb();
    const cached = tf.ones([1000]);
    const restartsBefore = wasmRestartCount();

    const {code, log} = await run(search(['--wasm_memory_limit_mb=1']).argv);

    assert.equal(code, 0, log.join('\n'));
    assert.equal(wasmRestartCount(), restartsBefore);
    const said = log.filter((line) => line.startsWith('wasm memory'));
    assert.equal(said.length, 1, log.join('\n'));
    assert.match(said[0], /^wasm memory: \d+ MB stay in use \(above the limit of 1 MB\): 1 tensors outlive the trials, so the wasm backend cannot be restarted to give it back$/);
    assert.deepEqual(Array.from(cached.dataSync()).slice(0, 2), [1, 1]);
    cached.dispose();
  });
});
