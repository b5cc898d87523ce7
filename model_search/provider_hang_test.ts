/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A data provider that never answers, in the binary (a child process):
 * a prepare() that never settles exits 1 saying so (node alone would exit
 * 0 having done nothing), and Ctrl-C stops a search waiting for a batch.
 */

import * as assert from 'node:assert/strict';
import {ChildProcess, spawn, spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {storedTrials} from './study_testing';

/** The binary's main with a provider that hangs where $HANG says. */
const SCRIPT = `
const {registerProvider} = require('./model_search/data/data');
const {tf} = require('./model_search/backend/tf');
const hang = process.env.HANG;
const never = () => new Promise(() => {});
class HangingProvider {
  async prepare() {
    if (process.env.KEEP_ALIVE) setInterval(() => {}, 1000);
    if (hang === 'prepare') await never();
    // A read that blocks one of Node's threads: a FIFO nobody writes.
    if (hang === 'fifo') await require('fs').promises.readFile(process.env.FIFO);
  }
  getInputFn(hparams, mode) {
    return async function*() {
      for (let n = 0;; n++) {
        if (hang.startsWith('train') && mode === 'train' && n === 3) {
          process.stderr.write('hanging\\n');
          // As a socket that stays open would keep the process alive.
          if (hang === 'train') setInterval(() => {}, 1000);
          await never();
        }
        yield {features: tf.ones([2, 3]),
               labels: tf.tensor1d([0, 1], 'int32')};
        if (mode === 'eval') return;
      }
    };
  }
  inputSchema() { return {kind: 'hang_test', shape: [3]}; }
  numberOfClasses() { return 2; }
}
registerProvider({lookupName: 'hang_test', initArgs: {}})(HangingProvider);
const trainer = require('./model_search/oss_trainer');
trainer.runMain(() => trainer.main(process.argv.slice(1)));
`;

describe('a data provider that never answers', function() {
  this.timeout(120000);
  let dir: string;
  let child: ChildProcess|undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provider_hang_'));
  });
  afterEach(() => {
    // A search that did not stop must not outlive the test.
    if (child?.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, {recursive: true, force: true});
  });

  const args = () => [
    '-e', SCRIPT, '--', '--phoenix_dataset=hang_test',
    `--model_dir=${path.join(dir, 'run')}`, '--phoenix_train_steps=1000000',
    '--experiment_max_num_trials=1', '--backend=cpu',
  ];

  it('in prepare(): exit 1 saying what never answered', () => {
    const child = spawnSync(process.execPath, args(), {
      encoding: 'utf8', timeout: 60000, env: {...process.env, HANG: 'prepare'},
    });

    assert.equal(child.status, 1, child.stderr);
    assert.equal(
        child.stderr.trim().split('\n').pop(),
        'error: data provider hang_test: prepare() never answered: it ' +
            'returned a promise that never settles, and nothing else was ' +
            'left to run; make it resolve or reject (on a stream\'s "end" ' +
            'and "error" events, say)');
    assert.equal(fs.existsSync(path.join(dir, 'run')), false);
  });

  it('for a training batch, in a trial: exit 1 saying so', async () => {
    const child = spawnSync(process.execPath, args(), {
      encoding: 'utf8', timeout: 60000,
      env: {...process.env, HANG: 'train_quietly'},
    });

    assert.equal(child.status, 1, child.stderr);
    assert.match(child.stderr.trim().split('\n').pop()!,
                 /^error: data provider hang_test: training batches never answered: it returned a promise that never settles/);
    // Unwound as on any provider error: nothing half-written is left.
    const modelDir = path.join(dir, 'run');
    assert.deepEqual(
        fs.readdirSync(modelDir).filter((f) => f.startsWith('.')), []);
    const trials = await storedTrials(modelDir);
    assert.deepEqual(trials.map((t) => t.state), ['FAILED']);
    assert.match(trials[0].failureReason!, /training batches never answered/);
  });

  /**
   * Starts the binary with `env`, sends it `signal` 1.5 s later; resolves
   * to how it ended (the signal's name, or the exit code) and what it said.
   */
  async function signalled(env: Record<string, string>,
                           signal: NodeJS.Signals):
      Promise<{ended: string, stderr: string}> {
    child = spawn(process.execPath, args(), {
      stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, ...env},
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<string>((resolve) => {
      child!.on('exit', (code, signal) => resolve(signal ?? String(code)));
    });
    await new Promise((r) => setTimeout(r, 1500));
    child.kill(signal);
    return {ended: await exited, stderr};
  }

  it('in prepare(): Ctrl-C stops the binary with a line saying so',
     async () => {
       // A provider whose open handle keeps it waiting.
       const {ended, stderr} =
           await signalled({HANG: 'prepare', KEEP_ALIVE: '1'}, 'SIGINT');

       // Ended by the signal, as a shell reports it: exit 130.
       assert.equal(ended, 'SIGINT', stderr);
       assert.match(stderr, /^SIGINT: stopped before the search started$/m);
       assert.equal(fs.existsSync(path.join(dir, 'run')), false);
     });

  it('in a read that blocks a thread: SIGTERM ends the binary', async () => {
    const fifo = path.join(dir, 'pipe.png');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);

    const {ended, stderr} =
        await signalled({HANG: 'fifo', FIFO: fifo}, 'SIGTERM');

    assert.equal(ended, 'SIGTERM', stderr);
    assert.match(stderr, /^SIGTERM: stopped before the search started$/m);
  });

  it('for a training batch: Ctrl-C stops the search cleanly', async () => {
    child = spawn(process.execPath, args(), {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {...process.env, HANG: 'train'},
    });
    let stderr = '';
    const exited = new Promise<number|null>((resolve) => {
      child!.on('exit', (code) => resolve(code));
    });
    await new Promise<void>((resolve, reject) => {
      child!.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/^hanging$/m.test(stderr)) resolve();
      });
      child!.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });

    const start = Date.now();
    child.kill('SIGINT');
    const code = await exited;

    assert.equal(code, 130, stderr);
    assert.ok(Date.now() - start < 10000, `took ${Date.now() - start} ms`);
    assert.match(stderr, /^SIGINT: search stopped; trial 1 marked FAILED; run the same command to resume$/m);
  });
});
