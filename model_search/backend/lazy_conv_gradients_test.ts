/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import {strict as assert} from 'node:assert';

import {differentiatingVariablesOnly, installLazyConvGradients, uninstallLazyConvGradients} from './lazy_conv_gradients';
import {selectBackend} from './select_backend';
import {tf} from './tf';

/** Kernels run by `fn`, by name (nested ones included). */
async function kernelsOf(fn: () => tf.TensorContainer): Promise<string[]> {
  const info = await tf.profile(() => {
    tf.dispose(fn());
  });
  return info.kernels.map((k) => k.name);
}

const images = () => tf.tensor4d(
    Float32Array.from({length: 2 * 5 * 5 * 3}, (_, i) => Math.sin(i)),
    [2, 5, 5, 3]);
const startFilter =
    Float32Array.from({length: 3 * 3 * 3 * 4}, (_, i) => Math.cos(i) / 4);

/**
 * The gradients of a loss through tf.fused.conv2d (linear activation, with
 * a bias) with respect to the filter and the bias only, as tfjs-layers'
 * Conv2D computes it.
 */
function filterAndBiasGradients(): {value: tf.Scalar, grads: tf.Tensor[]} {
  const x = images();
  const filter = tf.variable(tf.tensor4d(startFilter, [3, 3, 3, 4]));
  const bias = tf.variable(tf.tensor1d([0.1, -0.2, 0.3, 0]));
  const {value, grads} = tf.variableGrads(
      () => differentiatingVariablesOnly(
          () => tf.sum(tf.square(tf.fused.conv2d({
            x, filter, bias, strides: 1, pad: 'same', activation: 'linear',
          }))) as tf.Scalar),
      [filter, bias]);
  const result = {value, grads: [grads[filter.name], grads[bias.name]]};
  tf.dispose([x, filter, bias]);
  return result;
}

describe('installLazyConvGradients', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });
  after(() => {
    installLazyConvGradients();
  });

  it('leaves out the gradient of an input nothing differentiates',
     async () => {
       uninstallLazyConvGradients();
       const eager = await kernelsOf(() => {
         const {value, grads} = filterAndBiasGradients();
         return [value, ...grads];
       });
       installLazyConvGradients();
       const lazy = await kernelsOf(() => {
         const {value, grads} = filterAndBiasGradients();
         return [value, ...grads];
       });

       assert.ok(eager.includes(tf.Conv2DBackpropInput), eager.join(' '));
       assert.ok(!lazy.includes(tf.Conv2DBackpropInput), lazy.join(' '));
       assert.ok(lazy.includes(tf.Conv2DBackpropFilter), lazy.join(' '));
     });

  it('gives the value and gradients the fused op gives', () => {
    uninstallLazyConvGradients();
    const fused = filterAndBiasGradients();
    installLazyConvGradients();
    const lazy = filterAndBiasGradients();

    const close = (a: tf.Tensor, b: tf.Tensor) => {
      const [x, y] = [a.dataSync(), b.dataSync()];
      assert.equal(x.length, y.length);
      const scale = Math.max(...Array.from(y, Math.abs), 1e-6);
      x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) <= 1e-5 * scale,
                                    `${v} vs ${y[i]} at ${i}`));
    };
    close(lazy.value, fused.value);
    close(lazy.grads[0], fused.grads[0]);
    close(lazy.grads[1], fused.grads[1]);
    tf.dispose([fused.value, ...fused.grads, lazy.value, ...lazy.grads]);
  });

  it('still differentiates a plain tensor, nested or not', () => {
    installLazyConvGradients();
    const filter = tf.tensor4d(startFilter, [3, 3, 3, 4]);
    const loss = (x: tf.Tensor) => tf.sum(tf.fused.conv2d(
        {x: x as tf.Tensor4D, filter, strides: 1, pad: 'same'}));
    const x = images();
    const plain = tf.grad((t: tf.Tensor) => tf.sum(
        tf.conv2d(t as tf.Tensor4D, filter, 1, 'same')))(x);
    const direct = tf.grad(loss)(x);
    const scale = tf.variable(tf.scalar(2));
    // A tf.grad inside the training loop's scope, as a user's loss might.
    const {grads} = tf.variableGrads(() => differentiatingVariablesOnly(() => {
      const inner = tf.grad(loss)(x);
      return tf.sum(tf.mul(scale, inner)) as tf.Scalar;
    }), [scale]);
    const nested = tf.div(grads[scale.name], 1);
    assert.deepEqual(Array.from(direct.dataSync()), Array.from(plain.dataSync()));
    assert.ok(Math.abs(nested.dataSync()[0] - tf.sum(plain).dataSync()[0]) <
              1e-3 * Math.abs(tf.sum(plain).dataSync()[0]));
    tf.dispose([filter, x, direct, plain, scale, nested, grads[scale.name]]);
  });

  it('runs fused outside a gradient, and for other activations',
     async () => {
       installLazyConvGradients();
       const filter = tf.tensor4d(startFilter, [3, 3, 3, 4]);
       const x = images();
       const outside = await kernelsOf(
           () => tf.fused.conv2d({x, filter, strides: 1, pad: 'same'}));
       assert.ok(outside.includes(tf.FusedConv2D), outside.join(' '));
       const relu = await kernelsOf(() => tf.grad(
           (t: tf.Tensor) => tf.sum(tf.fused.conv2d({
             x: t as tf.Tensor4D, filter, strides: 1, pad: 'same',
             activation: 'relu',
           })))(x));
       // tfjs-core's own unfused path for non-linear activations.
       assert.ok(!relu.includes(tf.FusedConv2D), relu.join(' '));
       tf.dispose([filter, x]);
     });
});
