/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {LeaseKeeper, heartbeatIntervalMs} from './lease_keeper';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `done` every 10 ms; fails after `timeoutMs`. */
async function waitFor(what: string, done: () => boolean, timeoutMs = 5000):
    Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`waited in vain for ${what}`);
    await sleep(10);
  }
}

/** A store whose heartbeats are recorded, and fail while `down` is set. */
class FakeStore {
  calls: Array<{studyId: number, trialId: number, workerId: string}> = [];
  concurrent = 0;
  maxConcurrent = 0;
  down = false;
  /** The trial was marked lost: heartbeats answer 'lost'. */
  lost = false;
  delayMs = 0;

  async heartbeat(studyId: number, trialId: number, workerId: string):
      Promise<'kept'|'lost'> {
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      this.calls.push({studyId, trialId, workerId});
      await sleep(this.delayMs);
      if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return this.lost ? 'lost' : 'kept';
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

    // Five at most; a keeper beating once a lease would send one.
    assert.ok(beats >= 2 && beats <= 5, `${beats} heartbeats in 550 ms`);
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
    await waitFor('three heartbeats', () => store.calls.length >= 3);
    await keeper.stop();

    assert.equal(store.maxConcurrent, 1);
  });

  it('stop() waits for the heartbeat in flight', async () => {
    const store = new FakeStore();
    store.delayMs = 300;
    const keeper = new LeaseKeeper({
      store, studyId: 1, trialId: 1, workerId: 'w', leaseSeconds: 0.5,
      log: () => undefined,
    });
    await waitFor('the first heartbeat', () => store.calls.length === 1);

    await keeper.stop();

    assert.equal(store.concurrent, 0);
    assert.equal(keeper.beats, 1);
  });

  it('stops beating once the store says the trial was lost', async () => {
    const store = new FakeStore();
    store.lost = true;
    const keeper = new LeaseKeeper({
      store, studyId: 1, trialId: 9, workerId: 'w', leaseSeconds: 0.5,
      log: () => {},
    });

    await waitFor('a heartbeat', () => keeper.beats >= 1);
    await sleep(400);  // Four intervals of 100 ms.
    await keeper.stop();

    assert.equal(store.calls.length, 1);
  });

  it('logs a failing streak once and keeps beating', async () => {
    const store = new FakeStore();
    store.down = true;
    const lines: string[] = [];
    const keeper = new LeaseKeeper({
      store, studyId: 1, trialId: 9, workerId: 'w', leaseSeconds: 0.5,
      log: (l) => lines.push(l),
    });

    await waitFor('three failed heartbeats', () => store.calls.length >= 3);
    store.down = false;
    await waitFor('a heartbeat that gets through', () => keeper.beats >= 1);
    await keeper.stop();

    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0], new RegExp(
        '^trial 9: heartbeat failed \\(connect ECONNREFUSED ' +
        '127\\.0\\.0\\.1:5432\\); .* after 0\\.5 s without one$'));
    assert.equal(lines[1], 'trial 9: heartbeats get through again');
    assert.ok(keeper.beats >= 1);
  });

  it('stops beating and tells the search once the tables are gone',
     async () => {
    const store = new FakeStore();
    const lines: string[] = [];
    const gone: Error[] = [];
    store.heartbeat = async () => {
      store.calls.push({studyId: 1, trialId: 4, workerId: 'w'});
      throw Object.assign(new Error('relation "trials" does not exist'),
                          {code: '42P01'});
    };
    const keeper = new LeaseKeeper({
      store, studyId: 1, trialId: 4, workerId: 'w', leaseSeconds: 0.5,
      log: (l) => lines.push(l), onTablesGone: (e) => gone.push(e),
    });
    await waitFor('the first heartbeat', () => gone.length > 0);
    await sleep(350);
    await keeper.stop();

    assert.equal(store.calls.length, 1, 'no heartbeat after the first');
    assert.equal(gone.length, 1);
    assert.equal(gone[0].message, 'relation "trials" does not exist');
    assert.deepEqual(lines, [], 'the search says it, as it stops');
  });
});
