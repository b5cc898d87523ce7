/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {globalStepIncrement, scaledTrainSteps} from './parameter_scaled_training';

describe('scaledTrainSteps', () => {
  const cases = [
    {name: 'disabled', steps: 1000, size: 2, depth: 10, enabled: false,
     increment: 5, want: 1000},
    {name: 'a fifth of the depth', steps: 1000, size: 2, depth: 10,
     enabled: true, increment: 5, want: 200},
    {name: 'full depth', steps: 1000, size: 10, depth: 10, enabled: true,
     increment: 1, want: 1000},
    {name: 'uneven division', steps: 1000, size: 3, depth: 10,
     enabled: true, increment: 3, want: 334},
    {name: 'fewer steps than depth', steps: 5, size: 2, depth: 10,
     enabled: true, increment: 2, want: 3},
    {name: 'empty tower', steps: 1000, size: 0, depth: 10, enabled: true,
     increment: 1, want: 1000},
  ];
  for (const c of cases) {
    it(`scales for ${c.name}`, () => {
      assert.equal(globalStepIncrement(c.steps, c.size, c.depth),
                   c.increment);
      assert.equal(scaledTrainSteps(c.steps, c.size, c.depth, c.enabled),
                   c.want);
    });
  }

  it('rejects a negative size', () => {
    assert.throws(() => globalStepIncrement(10, -1, 3),
                  /architecture size is -1/);
  });
});
