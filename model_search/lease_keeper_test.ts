/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {tf} from './backend/tf';
import type {Batch} from './data/data';
import {LeaseKeeper, heartbeatIntervalMs} from './lease_keeper';
import {eventLoopYielder, softmaxCrossEntropy, trainModel} from './train_loop';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Holds the thread for `ms`, as a training step does. */
function spin(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Busy on purpose.
  }
}

/** A store whose heartbeats are recorded, and fail while `down` is set. */
class FakeStore {
  calls: Array<{studyId: number, trialId: number, workerId: string}> = [];
  concurrent = 0;
  maxConcurrent = 0;
  down = false;
  delayMs = 0;

  async heartbeat(studyId: number, trialId: number, workerId: string):
      Promise<void> {
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      this.calls.push({studyId, trialId, workerId});
      await sleep(this.delayMs);
      if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    } finally {
      this.concurrent--;
    }
  }
}

describe('heartbeatIntervalMs', () => {
  const rows = [
    {name: 'the default lease', lease: 600, ms: 60_000},
    {name: 'a long lease (capped at a minute)', lease: 3600, ms: 60_000},
    {name: 'a short lease', lease: 5, ms: 1000},
    {name: 'the shortest lease the flag takes', lease: 1, ms: 200},
    {name: 'a lease below it (floor)', lease: 0.2, ms: 100},
  ];
  for (const {name, lease, ms} of rows) {
    it(`beats every ${ms} ms for ${name}`, () => {
      assert.equal(heartbeatIntervalMs(lease), ms);
    });
  }
});

describe('LeaseKeeper', () => {
  it('beats every fifth of the lease until stopped', async () => {
    const store = new FakeStore();
    const lines: string[] = [];

    const keeper = new LeaseKeeper({
      store, studyId: 3, trialId: 7, workerId: 'w', leaseSeconds: 0.5,
      log: (l) => lines.push(l),
    });
    await sleep(550);
    await keeper.stop();
    const beats = store.calls.length;
    await sleep(250);

    assert.ok(beats >= 3 && beats <= 5, `${beats} heartbeats in 550 ms`);
    assert.equal(store.calls.length, beats, 'a heartbeat after stop()');
    assert.deepEqual(store.calls[0], {studyId: 3, trialId: 7, workerId: 'w'});
    assert.equal(keeper.beats, beats);
    assert.deepEqual(lines, []);
  });

  it('sends one heartbeat at a time to a slow store', async () => {
    const store = new FakeStore();
    store.delayMs = 350;

    const keeper = new LeaseKeeper({
      store, studyId: 1, trialId: 1, workerId: 'w', leaseSeconds: 0.5,
      log: () => undefined,
    });
    await sleep(1000);
    await keeper.stop();

    assert.equal(store.maxConcurrent, 1);
    assert.ok(store.calls.length >= 2, `${store.calls.length} heartbeats`);
  });

  it('stop() waits for the heartbeat in flight', async () => {
    const store = new FakeStore();
    store.delayMs = 300;
    const keeper = new LeaseKeeper({
      store, studyId: 1, trialId: 1, workerId: 'w', leaseSeconds: 0.5,
      log: () => undefined,
    });
    await sleep(150);  // The first heartbeat left at 100 ms.

    await keeper.stop();

    assert.equal(store.concurrent, 0);
    assert.equal(keeper.beats, 1);
  });

  it('logs a failing streak once and keeps beating', async () => {
    const store = new FakeStore();
    store.down = true;
    const lines: string[] = [];
    const keeper = new LeaseKeeper({
      store, studyId: 1, trialId: 9, workerId: 'w', leaseSeconds: 0.5,
      log: (l) => lines.push(l),
    });

    await sleep(450);
    store.down = false;
    await sleep(300);
    await keeper.stop();

    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0], new RegExp(
        '^trial 9: heartbeat failed \\(connect ECONNREFUSED ' +
        '127\\.0\\.0\\.1:5432\\); .* after 0\\.5 s without one$'));
    assert.equal(lines[1], 'trial 9: heartbeats get through again');
    assert.ok(keeper.beats >= 1);
  });
});

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
