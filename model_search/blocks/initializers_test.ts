/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {tf} from '../backend/tf';

import {FastVarianceScaling, Orthogonal, UnitForgetBias, glorotNormal, glorotUniform, orthonormalColumns, withoutRandomDraws} from './initializers';

require('@tensorflow/tfjs-backend-wasm');

/** max |Q^T Q - I| for a matrix with orthonormal columns. */
function columnError(q: tf.Tensor2D): number {
  return tf.tidy(() => {
    const gram = tf.matMul(tf.transpose(q), q);
    return tf.max(tf.abs(tf.sub(gram, tf.eye(gram.shape[0])))).dataSync()[0];
  });
}

describe('Orthogonal', () => {
  before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  const rows = [
    {name: 'square', shape: [64, 64]},
    {name: 'tall (float32 Gram)', shape: [300, 40]},
    {name: 'nearly square (float64 Gram)', shape: [90, 60]},
    {name: 'wide, as an LSTM recurrent kernel', shape: [32, 128]},
    {name: 'a vector', shape: [1, 5]},
    {name: 'rank 3', shape: [3, 4, 20]},
  ];
  for (const {name, shape} of rows) {
    it(`gives orthonormal rows or columns: ${name}`, () => {
      const value = new Orthogonal().apply(shape);
      const cols = shape[shape.length - 1];
      const flat = value.reshape([-1, cols]) as tf.Tensor2D;
      const tall = flat.shape[0] >= cols ? flat : tf.transpose(flat);

      assert.deepEqual(value.shape, shape);
      assert.ok(columnError(tall) < 1e-5, `error ${columnError(tall)}`);
      tf.dispose([value, flat, tall]);
    });
  }

  it('scales by the gain', () => {
    const value = new Orthogonal({gain: 2}).apply([16, 16]) as tf.Tensor2D;
    const half = tf.div(value, 2) as tf.Tensor2D;

    assert.ok(columnError(half) < 1e-5);
    tf.dispose([value, half]);
  });

  it('repeats a seeded draw and varies an unseeded one', () => {
    const a = new Orthogonal({seed: 3}).apply([8, 8]).dataSync();
    const b = new Orthogonal({seed: 3}).apply([8, 8]).dataSync();
    const c = new Orthogonal().apply([8, 8]).dataSync();
    const d = new Orthogonal().apply([8, 8]).dataSync();

    assert.deepEqual(a, b);
    assert.notDeepEqual(c, d);
  });

  it('is the QR factor with a positive diagonal of R', () => {
    // Q^T A = R must be upper triangular with a positive diagonal.
    const a = tf.randomNormal([12, 5], 0, 1, 'float32', 11) as tf.Tensor2D;
    const q = orthonormalColumns(a);
    const r = tf.matMul(tf.transpose(q), a).arraySync() as number[][];

    for (let i = 0; i < 5; i++) {
      assert.ok(r[i][i] > 0, `R[${i}][${i}] = ${r[i][i]}`);
      for (let j = 0; j < i; j++) {
        assert.ok(Math.abs(r[i][j]) < 1e-4, `R[${i}][${j}] = ${r[i][j]}`);
      }
    }
    tf.dispose([a, q]);
  });

  it('round-trips through its config', () => {
    const config = new Orthogonal({gain: 1.5, seed: 2}).getConfig();
    const copy = new Orthogonal(config);

    assert.deepEqual(config, {gain: 1.5, seed: 2});
    assert.equal(copy.gain, 1.5);
  });

  const bad = [
    {name: 'rank 1', shape: [4], error: /has rank 1; it needs rank >= 2/},
    {name: 'unknown dims', shape: [null, 4], error: /must be fully known/},
  ];
  for (const {name, shape, error} of bad) {
    it(`rejects a shape of ${name}`, () => {
      assert.throws(
          () => new Orthogonal().apply(shape as unknown as number[]), error);
    });
  }
});

describe('UnitForgetBias', () => {
  it('puts ones on the forget gate only', () => {
    const bias = new UnitForgetBias().apply([8]);

    assert.deepEqual(Array.from(bias.dataSync()), [0, 0, 1, 1, 0, 0, 0, 0]);
    bias.dispose();
  });

  it('refuses a shape that is not 4 * units', () => {
    assert.throws(() => new UnitForgetBias().apply([6]),
                  /shape \[6\] must be one dimension of 4 \* units/);
  });

  it('leaves no tensor behind in an LSTM built and disposed', () => {
    const before = tf.memory().numTensors;
    const input = tf.input({shape: [5, 3]});
    const lstm = tf.layers.lstm({units: 4, returnSequences: true,
                                 biasInitializer: new UnitForgetBias()});
    const model = tf.model({
      inputs: input, outputs: lstm.apply(input) as tf.SymbolicTensor});
    const bias = model.getWeights()[2];

    assert.deepEqual(Array.from(bias.dataSync()),
                     [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('FastVarianceScaling', () => {
  before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  /** Standard deviation and largest magnitude of a tensor's values. */
  function spread(t: tf.Tensor): {std: number, maxAbs: number} {
    const values = t.dataSync();
    t.dispose();
    let sum = 0;
    let squares = 0;
    let maxAbs = 0;
    for (const v of values) {
      sum += v;
      squares += v * v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    const mean = sum / values.length;
    return {std: Math.sqrt(squares / values.length - mean * mean), maxAbs};
  }

  // Differential: the same draw as TensorFlow.js' own VarianceScaling, for
  // dense and convolution kernels and each mode and distribution.
  const shapes = [[300, 200], [3, 3, 32, 64], [5, 40, 30], [4000]];
  const modes = ['fanIn', 'fanOut', 'fanAvg'] as const;
  const distributions = ['normal', 'uniform'] as const;
  for (const shape of shapes) {
    for (const mode of modes) {
      for (const distribution of distributions) {
        it(`draws as TensorFlow.js: [${shape}] ${mode} ${distribution}`, () => {
          const args = {scale: 2, mode, distribution};
          const ours = spread(new FastVarianceScaling(args).apply(shape));
          const theirs =
              spread(tf.initializers.varianceScaling(args).apply(shape));
          const ratio = ours.std / theirs.std;
          assert.ok(Math.abs(ratio - 1) < 0.05,
                    `std ${ours.std} vs ${theirs.std}`);
          // Both cut at the same bound: two deviations, or the limit.
          const bound = distribution === 'normal' ?
              2 * theirs.std / 0.8796 : Math.sqrt(3) * theirs.std;
          assert.ok(ours.maxAbs <= bound * 1.05, `${ours.maxAbs} > ${bound}`);
          assert.ok(ours.maxAbs >= bound * 0.9, `${ours.maxAbs} << ${bound}`);
        });
      }
    }
  }

  it('saves the config of TensorFlow.js\' glorot initializers', () => {
    const config = (init?: FastVarianceScaling, uniform = false) =>
        JSON.stringify(tf.layers.dense({
          units: 3,
          kernelInitializer: init ?? (uniform ? 'glorotUniform' : undefined),
        }).getConfig()['kernelInitializer']);
    assert.equal(config(glorotNormal()), config());
    assert.equal(config(glorotUniform()), config(undefined, true));
  });

  it('repeats a seeded draw, and an unseeded one under a seeded Math.random',
     () => {
       const draw = (init: FastVarianceScaling) =>
           Array.from(init.apply([20, 10]).dataSync());
       assert.deepEqual(draw(glorotNormal(5)), draw(glorotNormal(5)));
       assert.notDeepEqual(draw(glorotNormal(5)), draw(glorotNormal(6)));
       const original = Math.random;
       try {
         let state = 0;
         const seeded = () => (state = (state * 9301 + 49297) % 233280) /
             233280;
         Math.random = seeded;
         const first = draw(glorotUniform());
         state = 0;
         assert.deepEqual(draw(glorotUniform()), first);
       } finally {
         Math.random = original;
       }
     });

  it('hands other dtypes to TensorFlow.js', () => {
    const t = glorotNormal().apply([10, 10], 'int32');
    assert.equal(t.dtype, 'int32');
    t.dispose();
  });
});

describe('withoutRandomDraws', () => {
  const initializers = () => [
    glorotNormal().apply([3, 3, 4, 5]),
    glorotUniform().apply([6, 7]),
    new Orthogonal().apply([8, 8]),
  ];

  it('fills zeros inside and draws again after, even after a throw', () => {
    const inside = withoutRandomDraws(initializers);
    assert.throws(() => withoutRandomDraws(() => {
      throw new Error('build failed');
    }), /build failed/);
    const after = initializers();

    for (const t of inside) {
      assert.ok(t.dataSync().every((v) => v === 0));
    }
    for (const t of after) {
      assert.ok(t.dataSync().some((v) => v !== 0));
    }
    tf.dispose([...inside, ...after]);
  });

  it('saves the same initializer config', () => {
    const layer = () => tf.layers.dense(
        {units: 3, kernelInitializer: glorotNormal(), inputShape: [2]});
    const plain = layer();
    const zeroed = layer();
    plain.apply(tf.input({shape: [2]}));
    withoutRandomDraws(() => zeroed.apply(tf.input({shape: [2]})));

    assert.deepEqual(zeroed.getConfig()['kernelInitializer'],
                     plain.getConfig()['kernelInitializer']);
    plain.dispose();
    zeroed.dispose();
  });
});
