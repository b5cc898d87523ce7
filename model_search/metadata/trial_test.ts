/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {rankTrials} from './trial';
import type {Trial} from './trial';

function trial(id: number, metrics: Record<string, number>,
               state: Trial['state'] = 'COMPLETED'): Trial {
  return {id, state, architecture: ['A'], hparams: {}, metrics};
}

describe('rankTrials', () => {
  it('ranks by the objective, then ties by loss, then by id', () => {
    const trials = [
      trial(1, {accuracy: 1, loss: 0.30}),
      trial(2, {accuracy: 0.9, loss: 0.01}),
      trial(3, {accuracy: 1, loss: 0.05}),
      trial(4, {accuracy: 1}),
      trial(5, {accuracy: 1, loss: 0.05}),
      trial(6, {loss: 0.01}),
      trial(7, {accuracy: 1, loss: 0.01}, 'FAILED'),
    ];

    assert.deepEqual(
        rankTrials(trials, {metric: 'accuracy', goal: 'maximize'})
            .map((t) => t.id),
        [3, 5, 1, 4, 2, 6]);
    // Minimizing the loss itself: ties by id.
    assert.deepEqual(
        rankTrials(trials, {metric: 'loss', goal: 'minimize'})
            .map((t) => t.id),
        [2, 6, 3, 5, 1, 4]);
  });
});
