/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {SettledTrials} from './settled_trials';
import type {Trial, TrialState} from './trial';

function trial(id: number, state: TrialState, failureReason?: string): Trial {
  return {
    id, state, architecture: [], hparams: {},
    ...(failureReason === undefined ? {} : {failureReason}),
  };
}

describe('SettledTrials', () => {
  it('reads everything first, then from the first running trial', () => {
    const cache = new SettledTrials();
    const asked = cache.toRead(7);
    assert.deepEqual(asked, {fromId: 1, ids: []});

    const all = cache.merge(7, asked, [
      trial(1, 'COMPLETED'), trial(2, 'FAILED', 'out of memory'),
      trial(3, 'RUNNING'), trial(4, 'COMPLETED'),
    ]);

    assert.deepEqual(all.map((t) => t.id), [1, 2, 3, 4]);
    assert.deepEqual(cache.toRead(7), {fromId: 3, ids: []});
    assert.deepEqual(cache.toRead(8), {fromId: 1, ids: []});
  });

  it('reads a lease-lost trial below the first running one by id', () => {
    const cache = new SettledTrials();
    cache.merge(1, cache.toRead(1), [
      trial(1, 'FAILED', 'worker lost: no heartbeat for 700 s'),
      trial(2, 'COMPLETED'),
    ]);
    const asked = cache.toRead(1);
    assert.deepEqual(asked, {fromId: 3, ids: [1]});

    const all = cache.merge(1, asked, [trial(1, 'COMPLETED'),
                                       trial(3, 'RUNNING')]);

    assert.deepEqual(all.map((t) => [t.id, t.state]),
                     [[1, 'COMPLETED'], [2, 'COMPLETED'], [3, 'RUNNING']]);
    assert.deepEqual(cache.toRead(1), {fromId: 3, ids: []});
  });

  it('moves past a study whose trials all settled', () => {
    const cache = new SettledTrials();
    cache.merge(1, cache.toRead(1), [trial(1, 'COMPLETED'),
                                     trial(2, 'COMPLETED')]);
    assert.deepEqual(cache.toRead(1), {fromId: 3, ids: []});
    const all = cache.merge(1, cache.toRead(1), []);
    assert.deepEqual(all.map((t) => t.id), [1, 2]);
  });

  it('takes an older read finishing after a newer one without losing rows',
     () => {
       const cache = new SettledTrials();
       const older = cache.toRead(1);
       cache.merge(1, older, [trial(1, 'COMPLETED'), trial(2, 'COMPLETED')]);
       // The older read, started before, saw trial 2 still running.
       const all = cache.merge(
           1, older, [trial(1, 'COMPLETED'), trial(2, 'RUNNING')]);

       assert.deepEqual(all.map((t) => [t.id, t.state]),
                        [[1, 'COMPLETED'], [2, 'RUNNING']]);
       assert.deepEqual(cache.toRead(1), {fromId: 2, ids: []});
     });
});
