/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {selectBackend} from '../backend/select_backend';
import {tf} from '../backend/tf';

import {DilatedConv2D, dilatedConv2dSame} from './dilated_conv2d';

/** The kernel with rate - 1 zeros between taps: [kh, kw, ci, co]. */
function spreadKernel(kernel: tf.Tensor4D, rate: [number, number]):
    tf.Tensor4D {
  let k: tf.Tensor = kernel;
  for (const axis of [0, 1]) {
    const r = rate[axis];
    const size = k.shape[axis];
    const widened = tf.pad(
        tf.expandDims(k, axis + 1),
        k.shape.concat([0]).map((_, i) => [0, i === axis + 1 ? r - 1 : 0]) as
            Array<[number, number]>);
    const merged = widened.shape.filter((_, i) => i !== axis + 1);
    merged[axis] = size * r;
    k = tf.slice(
        tf.reshape(widened, merged), 0,
        merged.map((d, i) => i === axis ? (size - 1) * r + 1 : d));
  }
  return k as tf.Tensor4D;
}

describe('DilatedConv2D', () => {
  // The cpu backend, the reference of TensorFlow.js, has every kernel the
  // reference gradients need; block_test trains the layer on wasm.
  before(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  const rows: Array<{
    name: string, input: [number, number], kernel: [number, number],
    rate: [number, number],
  }> = [
    {name: '3x3 rate 2 on 8x8', input: [8, 8], kernel: [3, 3], rate: [2, 2]},
    {name: '3x3 rate 4 on 7x9', input: [7, 9], kernel: [3, 3], rate: [4, 4]},
    {name: '2x2 rate 3 on 5x6', input: [5, 6], kernel: [2, 2], rate: [3, 3]},
    {name: '1x3 rate [1, 2]', input: [4, 6], kernel: [1, 3], rate: [1, 2]},
  ];
  for (const {name, input, kernel, rate} of rows) {
    it(`equals conv2d with dilations and has its gradient: ${name}`, () => {
      const x = tf.randomNormal([2, ...input, 3], 0, 1, 'float32', 1) as
          tf.Tensor4D;
      const k = tf.randomNormal([...kernel, 3, 4], 0, 1, 'float32', 2) as
          tf.Tensor4D;
      const weights = tf.randomNormal([2, ...input, 4], 0, 1, 'float32', 3);

      const ours = dilatedConv2dSame(x, k, rate);
      const reference = tf.conv2d(x, k, 1, 'same', 'NHWC', rate);
      const grad = tf.grads(
          (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(
              dilatedConv2dSame(a as tf.Tensor4D, b as tf.Tensor4D, rate),
              weights)));
      const gradReference = tf.grads(
          (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(
              tf.conv2d(
                  a as tf.Tensor4D, spreadKernel(b as tf.Tensor4D, rate), 1,
                  'same'),
              weights)));
      const [dx, dk] = grad([x, k]);
      const [dxRef, dkRef] = gradReference([x, k]);

      assert.deepEqual(ours.shape, [2, ...input, 4]);
      for (const [a, b, what] of [
             [ours, reference, 'output'], [dx, dxRef, 'input gradient'],
             [dk, dkRef, 'kernel gradient']
           ] as Array<[tf.Tensor, tf.Tensor, string]>) {
        const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
        assert.ok(diff < 1e-3, `${what} differs by ${diff}`);
      }
    });
  }

  it('gives on wasm what conv2d with dilations gives on cpu', async () => {
    try {
      for (const {name, input, kernel, rate} of rows) {
        const run = () => {
          const x = tf.randomNormal([2, ...input, 3], 0, 1, 'float32', 1) as
              tf.Tensor4D;
          const k = tf.randomNormal([...kernel, 3, 4], 0, 1, 'float32', 2) as
              tf.Tensor4D;
          const weights =
              tf.randomNormal([2, ...input, 4], 0, 1, 'float32', 3);
          const [dx, dk] = tf.grads(
              (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(
                  dilatedConv2dSame(a as tf.Tensor4D, b as tf.Tensor4D,
                                    rate),
                  weights)))([x, k]);
          return [dilatedConv2dSame(x, k, rate), dx, dk].map(
              (t) => t.arraySync() as number[]);
        };
        await selectBackend('wasm', () => {});
        const onWasm = run();
        await tf.setBackend('cpu');
        const onCpu = run();
        ['output', 'input gradient', 'kernel gradient'].forEach((what, i) => {
          const diff = Math.max(...tf.abs(tf.sub(onWasm[i], onCpu[i]))
                                    .dataSync());
          assert.ok(diff < 1e-3, `${name}: ${what} differs by ${diff}`);
        });
      }
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('keeps the plate size and serializes its options', () => {
    const layer = new DilatedConv2D(
        {filters: 5, kernelSize: [3, 3], dilationRate: [2, 2], name: 'd'});
    const out = layer.apply(tf.input({shape: [6, 6, 2]})) as tf.SymbolicTensor;
    const copy = new DilatedConv2D(layer.getConfig() as never);

    assert.deepEqual(out.shape, [null, 6, 6, 5]);
    assert.deepEqual(copy.dilationRate, [2, 2]);
    assert.deepEqual(layer.weights.map((w) => w.shape), [[3, 3, 2, 5], [5]]);
  });
});
