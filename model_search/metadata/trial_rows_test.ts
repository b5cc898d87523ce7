/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {StoreError} from './retry';
import {rowToTrial} from './trial_rows';

describe('rowToTrial', () => {
  const row = {
    trial_id: 3, state: 'COMPLETED', architecture: '["A"]',
    hparams: '{"learning_rate":0.1}', metrics: '{"loss":0.5}',
  };

  it('reads a row the store wrote', () => {
    const trial = rowToTrial(row);

    assert.equal(trial.id, 3);
    assert.equal(trial.state, 'COMPLETED');
    assert.deepEqual(trial.architecture, ['A']);
    assert.deepEqual(trial.metrics, {loss: 0.5});
  });

  it('names the trial and column of a row edited by hand', () => {
    assert.throws(
        () => rowToTrial({...row, hparams: '{learning_rate: 0.1}'}),
        (e: Error) => e instanceof StoreError &&
            /^trial 3: column hparams holds invalid JSON \(.*\); the row was not written by this store or was edited by hand$/
                .test(e.message));
    assert.throws(
        () => rowToTrial({...row, state: 'BOGUS'}),
        new StoreError(
            'trial 3: column state holds "BOGUS", not one of RUNNING, ' +
            'COMPLETED, FAILED; the row was not written by this store or ' +
            'was edited by hand'));
  });
});
