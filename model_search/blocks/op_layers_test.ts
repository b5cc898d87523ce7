/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {tf} from '../backend/tf';

import {LastValidStep, MaskPadding, MatchWidth, sequenceMask} from './op_layers';

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

describe('MaskPadding', () => {
  before(useWasm);

  /** [batch 2, time 3, features 2]: entry (b, t) holds [10 b + t + 1, 5]. */
  const sequence = () => tf.tensor3d([0, 1].map(
      (b) => [0, 1, 2].map((t) => [10 * b + t + 1, 5])));

  it('zeros the steps at and after each length', () => {
    for (const lengths of [tf.tensor1d([2, 3], 'int32'),
                           tf.tensor2d([[2], [3]], [2, 1], 'int32')]) {
      const out = new MaskPadding().apply([sequence(), lengths]) as tf.Tensor;

      assert.deepEqual(out.arraySync(),
                       [[[1, 5], [2, 5], [0, 0]], [[11, 5], [12, 5], [13, 5]]]);
    }
  });

  it('passes a sequence without lengths through', () => {
    const out = new MaskPadding().apply(sequence()) as tf.Tensor;

    assert.deepEqual(out.arraySync(), sequence().arraySync());
  });

  it('is saved and loaded with the model', async () => {
    const x = tf.input({shape: [3, 2]});
    const lengths = tf.input({shape: [1], dtype: 'int32'});
    const masked = new MaskPadding({name: 'masked'}).apply([x, lengths]) as
        tf.SymbolicTensor;
    const model = tf.model({inputs: [x, lengths], outputs: masked});
    let saved: tf.io.ModelArtifacts|undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return {modelArtifactsInfo: {dateSaved: new Date(),
                                   modelTopologyType: 'JSON'}};
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const lengthsValue = tf.tensor2d([[1], [2]], [2, 1], 'int32');

    assert.deepEqual(
        (loaded.predict([sequence(), lengthsValue]) as tf.Tensor).arraySync(),
        [[[1, 5], [0, 0], [0, 0]], [[11, 5], [12, 5], [0, 0]]]);
    model.dispose();
    loaded.dispose();
  });
});

describe('sequenceMask', () => {
  before(useWasm);

  it('is 1 before each length and 0 after', () => {
    const mask = sequenceMask(tf.tensor1d([2, 0], 'int32'), 3);

    assert.deepEqual(mask.arraySync(), [[[1], [1], [0]], [[0], [0], [0]]]);
  });
});
