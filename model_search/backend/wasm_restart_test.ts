/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import {strict as assert} from 'node:assert';
import {setTimeout as sleep} from 'node:timers/promises';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

import {selectBackend} from './select_backend';
import {tf} from './tf';
import {markWasmPeriod, restartWasmBackend, wasmMemoryBytes, wasmMemoryTouchedBytes, wasmMemoryWasted, wasmRestartCount, wasmRestartSeconds, wasmTensorHighWaterBytes} from './wasm_restart';

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/**
 * Values through kernels of every kind the backend has: native ones, the
 * native ones this project replaced (Conv2DBackpropInput, MaxPoolGrad,
 * Reverse, OneHot), the wrapped matrix products and the added gradients.
 */
function exercise(): number[][] {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1);
    const filter = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
    const depthwise = tf.randomNormal([3, 3, 4, 1], 0, 1, 'float32', 3);
    const dense = tf.randomNormal([36, 2], 0, 1, 'float32', 4);
    const labels = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2);
    const loss = (...args: tf.Tensor[]) => {
      const [input, f, d, w] = args as
          [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor2D];
      const conv = tf.relu(tf.conv2d(input, f, 1, 'same'));
      const pooled = tf.maxPool(
          tf.depthwiseConv2d(conv, d, 1, 'same'), 2, 2, 'valid');
      const logits = tf.matMul(tf.reshape(pooled, [2, 36]), w);
      return tf.losses.softmaxCrossEntropy(labels, logits);
    };
    const grads = tf.grads(loss)([x, filter, depthwise, dense]);
    return [
      ...grads, tf.reverse(x, [1, 2]), labels,
    ].map((t) => Array.from(t.dataSync()));
  });
}

describe('restartWasmBackend', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
    // As in a search binary (node --expose-gc): the restart collects.
    (globalThis as {gc?: () => void}).gc = collect;
  });

  after(async () => {
    delete (globalThis as {gc?: () => void}).gc;
    await tf.setBackend('wasm');
  });

  it('starts a small memory and lets the grown one go', async () => {
    // The instance selectBackend started: the one the package's runtime
    // and this project's kernels hold on to unless the restart lets go.
    const fresh = wasmMemoryBytes();
    tf.ones([64 << 20 >> 2]).dispose();
    assert.ok(fresh < 64 << 20 && wasmMemoryBytes() >= 64 << 20,
              `${fresh} -> ${wasmMemoryBytes()} bytes`);
    const old = new WeakRef(
        (tf.backend() as unknown as {wasm: object}).wasm);
    // A WeakRef keeps its target for the rest of the job that made it.
    await sleep(1);

    assert.equal(await restartWasmBackend(), true);

    assert.equal(wasmMemoryBytes(), fresh);
    // Collected by the restart's own collection, none after it.
    assert.equal(old.deref(), undefined,
                 'the old wasm instance is still reachable');
  });

  it('computes the same values after a restart', async () => {
    const before = exercise();
    const [count, seconds] = [wasmRestartCount(), wasmRestartSeconds()];

    assert.equal(await restartWasmBackend(), true);

    assert.equal(wasmRestartCount(), count + 1);
    assert.ok(wasmRestartSeconds() > seconds);
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(exercise(), before);
    assert.equal(tf.memory().numTensors, 0);
  });

  it('instantiates the module compiled at the first start, compiling ' +
     'nothing', async () => {
    const wasm = (globalThis as unknown as {
      WebAssembly: {instantiate: (...args: unknown[]) => Promise<unknown>},
    }).WebAssembly;
    const instantiate = wasm.instantiate;
    const calls: unknown[] = [];
    wasm.instantiate = (...args: unknown[]) => {
      calls.push(args[0]);
      return instantiate.apply(wasm, args);
    };
    const before = exercise();
    const old = (tf.backend() as unknown as {wasm: object}).wasm;
    try {
      assert.equal(await restartWasmBackend(), true);
    } finally {
      wasm.instantiate = instantiate;
    }
    // Neither compiled nor instantiated asynchronously: made at once.
    assert.deepEqual(calls, []);
    assert.notEqual((tf.backend() as unknown as {wasm: object}).wasm, old);
    assert.deepEqual(exercise(), before);
    // The wrapper is gone once the backend has started.
    assert.equal(wasm.instantiate, instantiate);
  });

  it('keeps the process listeners of others, not those of old ' +
     'instances', async () => {
    const mine = () => {};
    process.on('unhandledRejection', mine);
    const count = () => process.listenerCount('uncaughtException') +
        process.listenerCount('unhandledRejection');
    // This instance starts with `mine` there: its disposal removes it.
    await restartWasmBackend();
    const before = count();

    for (let i = 0; i < 3; i++) await restartWasmBackend();

    assert.ok(process.listeners('unhandledRejection').includes(mine));
    assert.equal(count(), before);
    process.removeListener('unhandledRejection', mine);
  });

  it('tells memory touched and no longer needed from memory in use',
     async () => {
       assert.equal(await restartWasmBackend(), true);
       const fresh = wasmMemoryBytes();
       const start = wasmMemoryTouchedBytes();
       const eightMb = 8 << 20;
       markWasmPeriod();
       const big = tf.zeros([eightMb >> 2]);
       const touched = wasmMemoryTouchedBytes();
       assert.ok(touched >= start + eightMb, `${start} -> ${touched}`);
       assert.equal(wasmTensorHighWaterBytes(), touched);
       assert.equal(wasmMemoryBytes(), fresh, 'the memory grew');
       // All of it was needed at once in this period: nothing wasted.
       assert.equal(wasmMemoryWasted(1 << 20), false);
       big.dispose();
       assert.equal(wasmMemoryWasted(1 << 20), false);

       markWasmPeriod();
       const small = tf.zeros([16384]);
       assert.equal(wasmMemoryTouchedBytes(), touched);
       assert.equal(wasmMemoryWasted(1 << 20), true);
       assert.equal(wasmMemoryWasted(touched), false, 'below the limit');
       small.dispose();

       assert.equal(await restartWasmBackend(), true);
       assert.ok(wasmMemoryTouchedBytes() < touched,
                 `${wasmMemoryTouchedBytes()} after the restart`);
     });

  it('refuses while tensors are alive, and on another backend', async () => {
    const kept = tf.ones([4]);
    const backend = tf.backend();

    assert.equal(await restartWasmBackend(), false);

    assert.equal(tf.backend(), backend);
    assert.deepEqual(Array.from(kept.dataSync()), [1, 1, 1, 1]);
    kept.dispose();
    await tf.setBackend('cpu');
    assert.equal(await restartWasmBackend(), false);
    assert.equal(tf.getBackend(), 'cpu');
  });
});
