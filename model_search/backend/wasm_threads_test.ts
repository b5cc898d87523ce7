/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import {strict as assert} from 'node:assert';
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';

import {selectBackend} from './select_backend';
import {tf} from './tf';
import {restartWasmBackend} from './wasm_restart';
import {wasmThreadCount} from './wasm_threads';

const workerThreads = require('node:worker_threads') as {Worker: unknown};
const os = require('node:os') as {cpus: unknown};

/**
 * A convolution net's loss and gradients, large enough that XNNPACK splits
 * its convolutions and matrix products over the pool's threads.
 */
function gradients(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([8, 16, 16, 8], 0, 1, 'float32', 1);
    const filter = tf.randomNormal([3, 3, 8, 32], 0, 0.2, 'float32', 2);
    const dense = tf.randomNormal([8 * 8 * 32, 10], 0, 0.05, 'float32', 3);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const loss = (...args: tf.Tensor[]) => {
      const [input, f, w] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor2D];
      const conv = tf.relu(tf.conv2d(input, f, 1, 'same'));
      const pooled = tf.maxPool(conv, 2, 2, 'valid');
      const logits = tf.matMul(tf.reshape(pooled, [8, 8 * 8 * 32]), w);
      return tf.losses.softmaxCrossEntropy(labels, logits);
    };
    const {value, grads} = tf.valueAndGrads(loss)([x, filter, dense]);
    return [value, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

function assertClose(actual: Float32Array[], expected: Float32Array[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.equal(actual[i].length, expected[i].length);
    let scale = 0;
    for (const v of expected[i]) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < expected[i].length; j++) {
      assert.ok(Math.abs(actual[i][j] - expected[i][j]) <= 1e-4 * scale + 1e-6,
                `tensor ${i} value ${j}: ${actual[i][j]} against ${
                    expected[i][j]}`);
    }
  }
}

describe('wasm backend with threads', () => {
  const cpuWorker = workerThreads.Worker;
  const cpus = os.cpus;
  let expected: Float32Array[];
  const lines: string[] = [];

  before(async () => {
    await tf.setBackend('cpu');
    expected = gradients();
    await selectBackend('wasm', (line) => lines.push(line), {wasmThreads: 2});
  });

  it('starts a pool of the threads asked, and says so', () => {
    assert.equal(wasmThreadCount(), 2);
    assert.match(lines.join('\n'), /backend: wasm with simd, 2 threads/);
  });

  it('puts back what it replaced while starting', () => {
    assert.equal(workerThreads.Worker, cpuWorker);
    assert.equal(os.cpus, cpus);
  });

  it('computes what the cpu backend computes', () => {
    assertClose(gradients(), expected);
  });

  it('keeps its threads over a restart and stops the old ones', async () => {
    const pool = (tf.backend() as unknown as {
                   wasm: {PThread: {runningWorkers: Array<{
                     once(event: 'exit', listener: () => void): void,
                   }>}},
                 }).wasm.PThread;
    assert.equal(pool.runningWorkers.length, 1);
    const exited = pool.runningWorkers.map(
        (thread) => new Promise<void>((resolve) => thread.once('exit', resolve)));
    assert.ok(await restartWasmBackend());
    await Promise.all(exited);
    assert.equal(wasmThreadCount(), 2);
    assertClose(gradients(), expected);
  });

  it('lets a process end without stopping the threads', function() {
    this.timeout(60_000);
    // A script of its own: mocha would end this one with process.exit.
    const script = `
      const {selectBackend} = require(${
        JSON.stringify(path.join(__dirname, 'select_backend'))});
      const {tf} = require(${JSON.stringify(path.join(__dirname, 'tf'))});
      selectBackend('wasm', console.log, {wasmThreads: 2}).then(() => {
        const x = tf.ones([4, 16, 16, 8]);
        const y = tf.conv2d(x, tf.ones([3, 3, 8, 16]), 1, 'same');
        console.log('sum', y.sum().dataSync()[0]);
      });`;
    const child = spawnSync(process.execPath, ['-e', script],
                            {encoding: 'utf8', timeout: 45_000});
    assert.equal(child.signal, null, `did not end by itself: ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /2 threads/);
    // Each output sums the ones its 3x3 window covers, times 8 channels:
    // along one axis of 16, windows cover 2 + 14 * 3 + 2 = 46 positions.
    assert.match(child.stdout, new RegExp(`sum ${46 * 46 * 8 * 16 * 4}\n`));
  });

  it('refuses a thread count the pool cannot take, naming the flag', async () => {
    for (const threads of [0, 9, 1.5]) {
      await assert.rejects(
          selectBackend('wasm', () => {}, {wasmThreads: threads}),
          new RegExp(`--wasm_threads=${threads}: give a whole number from 1 to 8`));
    }
  });
});
