/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {tf} from './backend/tf';
import type {Batch} from './data/data';
import {eventLoopYielder, softmaxCrossEntropy, trainModel} from './train_loop';

/** Holds the thread for `ms`, as a training step does. */
function spin(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Busy on purpose.
  }
}

describe('trainModel', () => {
  it('lets timers (heartbeats) run during a long training loop', async () => {
    const model = tf.sequential({layers: [
      tf.layers.dense({inputShape: [4], units: 8, activation: 'relu'}),
      tf.layers.dense({units: 2}),
    ]});
    async function* batches(): AsyncGenerator<Batch> {
      for (;;) {
        yield {features: tf.randomNormal([4, 4]),
               labels: tf.zeros([4], 'int32')};
      }
    }
    // Each step holds the thread for 5 ms, as a real step of a bigger model.
    const slowLoss = (labels: tf.Tensor, logits: tf.Tensor) => {
      spin(5);
      return softmaxCrossEntropy(labels, logits);
    };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);

    try {
      await trainModel(model, {
        steps: 60,
        hparams: {learning_rate: 0.01, optimizer: 'sgd'},
        batches: batches(),
        lossFn: slowLoss,
        syncEvery: 1000,
      });
    } finally {
      clearInterval(timer);
      model.dispose();
    }

    // 300 ms of steps, a yield every 50 ms: about six ticks (none without).
    assert.ok(ticks >= 3, `${ticks} timer ticks during training`);
  });
});

describe('eventLoopYielder', () => {
  it('yields to timers only once the interval has passed', async () => {
    const yieldNow = eventLoopYielder(30);
    let fired = false;
    setTimeout(() => fired = true, 0);

    spin(5);
    await yieldNow();
    const firedEarly = fired;
    spin(30);
    await yieldNow();

    assert.equal(firedEarly, false);
    assert.equal(fired, true);
  });
});
