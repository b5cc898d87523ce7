/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {selectBackend} from './select_backend';
import {storageView, updateInPlace} from './tensor_storage';
import {tf} from './tf';

/** A variable made from `values`, which are released: it owns them. */
function ownedVariable(values: tf.Tensor): tf.Variable {
  const variable = tf.variable(values);
  values.dispose();
  return variable;
}

for (const backend of ['cpu', 'wasm']) {
  describe(`tensor storage on ${backend}`, () => {
    before(async () => {
      await selectBackend(backend as 'cpu'|'wasm', () => {});
    });

    it('reads a tensor\'s values without a copy', () => {
      const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
      const view = storageView(x);
      assert.ok(view !== undefined);
      assert.deepEqual(Array.from(view), [1, 2, 3, 4, 5, 6]);
      x.dispose();
    });

    it('updates an owned tensor in place', () => {
      const v = ownedVariable(tf.tensor1d([1, 2, 3]));
      assert.ok(updateInPlace(v, (values) => values[1] = 20));
      assert.deepEqual(Array.from(v.dataSync()), [1, 20, 3]);
      assert.equal(tf.sum(v).dataSync()[0], 24);
      v.dispose();
    });

    it('refuses where storage is shared, and leaves the sharer alone', () => {
      const x = tf.tensor1d([1, 2, 3, 4]);
      const reshaped = x.reshape([2, 2]);
      assert.ok(!updateInPlace(x, (values) => values.fill(0)));
      assert.ok(!updateInPlace(reshaped, (values) => values.fill(0)));
      assert.deepEqual(Array.from(reshaped.dataSync()), [1, 2, 3, 4]);
      reshaped.dispose();
      assert.ok(updateInPlace(x, () => {}));

      const initial = tf.tensor1d([5, 6]);
      const v = tf.variable(initial);
      assert.ok(!updateInPlace(v, (values) => values.fill(0)));
      assert.deepEqual(Array.from(initial.dataSync()), [5, 6]);
      initial.dispose();
      assert.ok(updateInPlace(v, () => {}));
      tf.dispose([x, v]);
    });

    it('lends nothing for other dtypes or disposed tensors', () => {
      const ints = tf.tensor1d([1, 2], 'int32');
      assert.equal(storageView(ints), undefined);
      assert.ok(!updateInPlace(ints, () => {}));
      const gone = tf.tensor1d([1]);
      gone.dispose();
      assert.equal(storageView(gone), undefined);
      ints.dispose();
    });

    // The wasm backend keeps XNNPACK operators with packed weights per
    // weight tensor: an update must reach the next convolution and matmul.
    it('is seen by convolutions and matmuls that ran before it', () => {
      const x = tf.ones([1, 4, 4, 2]);
      const filter = ownedVariable(tf.ones([3, 3, 2, 3]));
      const a = tf.ones([2, 5]);
      const weights = ownedVariable(tf.ones([5, 4]));
      const bias = tf.zeros([4]);
      const run = () => tf.tidy(() => [
        tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same')
            .sum().dataSync()[0],
        tf.fused.conv2d({x: x as tf.Tensor4D, filter: filter as tf.Tensor4D,
                         strides: 1, pad: 'same', bias: tf.zeros([3]),
                         activation: 'relu'})
            .sum().dataSync()[0],
        tf.matMul(a as tf.Tensor2D, weights as tf.Tensor2D).sum().dataSync()[0],
        tf.fused.matMul({a: a as tf.Tensor2D, b: weights as tf.Tensor2D,
                         bias, activation: 'relu'})
            .sum().dataSync()[0],
      ]);
      const before = run();
      assert.ok(updateInPlace(filter, (values) => values.fill(2)));
      assert.ok(updateInPlace(weights, (values) => values.fill(3)));
      assert.deepEqual(run(), [2 * before[0], 2 * before[1],
                               3 * before[2], 3 * before[3]]);
      tf.dispose([x, filter, a, weights, bias]);
    });

    it('follows the wasm memory when it grows', () => {
      const v = ownedVariable(tf.tensor1d([7, 8]));
      // 64 MiB more than anything alive: the wasm memory must grow.
      const big = tf.zeros([16 << 20]);
      assert.ok(updateInPlace(v, (values) => values[0] = 70));
      assert.deepEqual(Array.from(v.dataSync()), [70, 8]);
      tf.dispose([v, big]);
    });
  });
}
