/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {selectBackend} from './backend/select_backend';
import {updateInPlace} from './backend/tensor_storage';
import {tf} from './backend/tf';
import {FusedOptimizer} from './fused_optimizers';
import type {FusedOptimizerName} from './fused_optimizers';
import {makeOptimizer, setLearningRate} from './phoenix';
import {Random} from './random';
import {trainingOptimizer} from './train_loop';

const SHAPES = [[7, 5], [5], [3, 3, 2, 4]];

function randomValues(rng: Random, shape: number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({length: size}, () => rng.uniformRange(-1, 1));
}

function makeVariables(rng: Random, tag: string): tf.Variable[] {
  return SHAPES.map((shape, i) => tf.variable(
      tf.tensor(randomValues(rng, shape), shape), true, `${tag}_${i}`));
}

/** Largest |a - b| relative to the largest |b|. */
function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  let scale = 1e-12;
  for (let i = 0; i < y.length; i++) {
    worst = Math.max(worst, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return worst / scale;
}

const OPTIMIZERS: FusedOptimizerName[] =
    ['sgd', 'momentum', 'adam', 'adagrad', 'rmsprop'];

for (const backend of ['cpu', 'wasm']) {
  describe(`FusedOptimizer on ${backend}`, () => {
    before(async () => {
      await selectBackend(backend as 'cpu'|'wasm', () => {});
    });

    for (const name of OPTIMIZERS) {
      it(`follows tf.train's ${name} over 12 steps with a rate change`,
         () => {
           const seed = new Random(5);
           const init = SHAPES.map((s) => randomValues(seed, s));
           const reference = SHAPES.map((s, i) => tf.variable(
               tf.tensor(init[i], s), true, `ref_${name}_${backend}_${i}`));
           // Variable 1 shares its storage with its kept initial value
           // (copied and uploaded); the others own theirs (updated in
           // place).
           const kept = tf.tensor(init[1], SHAPES[1]);
           const fused = SHAPES.map((s, i) => {
             const label = `fused_${name}_${backend}_${i}`;
             return i === 1 ?
                 tf.variable(kept, true, label) :
                 tf.tidy(() => tf.variable(tf.tensor(init[i], s), true, label));
           });
           assert.ok(updateInPlace(fused[0], () => {}));
           assert.ok(!updateInPlace(fused[1], () => {}));
           const hparams = {optimizer: name, learning_rate: 0.05};
           const tfjs = makeOptimizer(hparams);
           const ours = new FusedOptimizer(name, 0.05, fused);
           const rng = new Random(9);

           for (let step = 0; step < 12; step++) {
             if (step === 6) {
               setLearningRate(tfjs, 0.02);
               ours.setLearningRate(0.02);
             }
             const grads = SHAPES.map((s) => randomValues(rng, s));
             const refGrads: tf.NamedTensorMap = {};
             const fusedGrads: tf.NamedTensorMap = {};
             SHAPES.forEach((s, i) => {
               refGrads[reference[i].name] = tf.tensor(grads[i], s);
               fusedGrads[fused[i].name] = tf.tensor(grads[i], s);
             });
             tfjs.applyGradients(refGrads);
             ours.applyGradients(fusedGrads);
             tf.dispose([...Object.values(refGrads),
                         ...Object.values(fusedGrads)]);
           }

           SHAPES.forEach((_, i) => {
             const error = relativeError(fused[i], reference[i]);
             assert.ok(error < 1e-5, `variable ${i}: relative error ${error}`);
           });
           assert.deepEqual(kept.dataSync(), init[1],
                            'a tensor sharing a weight\'s storage changed');
           tfjs.dispose();
           ours.dispose();
           tf.dispose([...reference, ...fused, kept]);
         });
    }

    it('leaves no tensor behind', () => {
      const variables = makeVariables(new Random(1), `leak_${backend}`);
      const before = tf.memory().numTensors;
      const ours = new FusedOptimizer('adam', 0.1, variables);

      for (let step = 0; step < 3; step++) {
        const grads: tf.NamedTensorMap = {};
        for (const v of variables) grads[v.name] = tf.onesLike(v);
        ours.applyGradients(grads);
        tf.dispose(Object.values(grads));
      }

      assert.equal(tf.memory().numTensors, before);
      tf.dispose(variables);
    });
  });
}

describe('trainingOptimizer', () => {
  const rows: Array<[string, string]> = [
    ['cpu', 'FusedOptimizer'], ['wasm', 'FusedOptimizer'],
  ];
  for (const [backend, kind] of rows) {
    it(`uses the ${kind} on ${backend}`, async () => {
      await selectBackend(backend as 'cpu'|'wasm', () => {});
      const optimizer = trainingOptimizer({optimizer: 'adam'}, []);

      assert.equal(optimizer.constructor.name, kind);
      optimizer.dispose();
    });
  }

  it('refuses an unknown optimizer on every backend', () => {
    assert.throws(() => trainingOptimizer({optimizer: 'adamw'}, []),
                  /optimizer="adamw" is not one of/);
  });
});
