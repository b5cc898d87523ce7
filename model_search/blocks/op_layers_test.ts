/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {tf} from '../backend/tf';

import {LastValidStep, MatchWidth, sequenceMask} from './op_layers';

require('@tensorflow/tfjs-backend-wasm');

async function useWasm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}

describe('MatchWidth', () => {
  before(useWasm);

  const x = [[1, 2, 3], [4, 5, 6]];
  const rows = [
    {name: 'cuts a wider input', width: 2, want: [[1, 2], [4, 5]]},
    {name: 'keeps an input of the width', width: 3, want: x},
    {
      name: 'zero-pads a narrower input',
      width: 5,
      want: [[1, 2, 3, 0, 0], [4, 5, 6, 0, 0]],
    },
  ];
  for (const {name, width, want} of rows) {
    it(name, () => {
      const layer = new MatchWidth({width});
      const out = layer.apply(tf.tensor2d(x)) as tf.Tensor;
      const symbolic = layer.apply(tf.input({shape: [3]})) as
          tf.SymbolicTensor;

      assert.deepEqual(out.arraySync(), want);
      assert.deepEqual(symbolic.shape, [null, width]);
    });
  }

  it('rejects a width of 0', () => {
    assert.throws(
        () => new MatchWidth({width: 0, name: 'm'}),
        /MatchWidth "m": width=0 must be a positive integer/);
  });
});

describe('LastValidStep', () => {
  before(useWasm);

  /** [batch 3, time 3, features 2]: entry (b, t) holds [10 b + t, -t]. */
  const sequence = () => tf.tensor3d([0, 1, 2].map(
      (b) => [0, 1, 2].map((t) => [10 * b + t, -t])));

  it('takes step lengths - 1 of each sequence', () => {
    const lengths = tf.tensor1d([3, 1, 2], 'int32');
    const out = new LastValidStep().apply([sequence(), lengths]) as tf.Tensor;

    assert.deepEqual(out.arraySync(), [[2, -2], [10, 0], [21, -1]]);
  });

  it('clips lengths to [1, time] and takes lengths [batch, 1]', () => {
    const lengths = tf.tensor2d([[0], [7], [2]], [3, 1], 'int32');
    const out = new LastValidStep().apply([sequence(), lengths]) as tf.Tensor;

    assert.deepEqual(out.arraySync(), [[0, 0], [12, -2], [21, -1]]);
  });

  it('takes the final step without lengths', () => {
    const out = new LastValidStep().apply(sequence()) as tf.Tensor;

    assert.deepEqual(out.arraySync(), [[2, -2], [12, -2], [22, -2]]);
  });

  it('passes gradients to the selected steps only', () => {
    const lengths = tf.tensor1d([1, 2, 3], 'int32');
    const layer = new LastValidStep();
    const grad = tf.grad(
        (s: tf.Tensor) => tf.sum(layer.apply([s, lengths]) as tf.Tensor));

    assert.deepEqual(grad(sequence()).arraySync(), [
      [[1, 1], [0, 0], [0, 0]],
      [[0, 0], [1, 1], [0, 0]],
      [[0, 0], [0, 0], [1, 1]],
    ]);
  });
});

describe('sequenceMask', () => {
  before(useWasm);

  it('is 1 before each length and 0 after', () => {
    const mask = sequenceMask(tf.tensor1d([2, 0], 'int32'), 3);

    assert.deepEqual(mask.arraySync(), [[[1], [1], [0]], [[0], [0], [0]]]);
  });
});
