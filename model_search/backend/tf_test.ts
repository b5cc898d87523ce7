/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

import {tf} from './tf';

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/**
 * A small model, used once by predict() and disposed, as a trial does;
 * returns a weak reference to its layer.
 */
function useAndDispose(i: number): WeakRef<tf.layers.Layer> {
  const input = tf.input({shape: [4], name: `in_${i}`});
  const layer = tf.layers.dense({units: 2, name: `dense_${i}`});
  const output = layer.apply(input) as tf.SymbolicTensor;
  const model = tf.model({inputs: input, outputs: output});
  tf.tidy(() => model.predict(tf.ones([1, 4])));
  model.dispose();
  return new WeakRef(layer);
}

describe('the shared tf namespace', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('lets disposed models be collected once later ones have run',
     async () => {
    const first = useAndDispose(0);
    for (let i = 1; i <= 20; i++) useAndDispose(i);
    // WeakRefs are cleared only after the job that created them ends.
    await new Promise((resolve) => setImmediate(resolve));
    collect();
    assert.equal(first.deref(), undefined,
                 'tfjs-layers still holds the first model\'s layer (its ' +
                 'graph cache keeps the last 100 graphs by default)');
  });
});
