/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {architectureText} from './oss_trainer_lib';

describe('architectureText', () => {
  const tower = (name: string, trialId?: number) => ({
    name, architecture: ['FULLY_CONNECTED'],
    ...(trialId === undefined ? {} : {source: {trialId}, frozen: true}),
  });

  it('names how the towers of an ensemble combine', () => {
    const text = architectureText(3, {
      architecture: [], hparams: {learning_rate: 0.1},
      towers: [tower('t1', 1), tower('t2', 2)] as never,
      mode: 'AVERAGE_ENSEMBLE', kind: 'ensemble',
    }, {num_parameters: 10});
    assert.equal(text,
                 'trial 3\ndepth 0\nparameters 10\nblocks:\n' +
                     'towers (AVERAGE_ENSEMBLE):\n' +
                     '  t1 (from trial 1, frozen): FULLY_CONNECTED\n' +
                     '  t2 (from trial 2, frozen): FULLY_CONNECTED\n' +
                     'hparams:\n  learning_rate = 0.1\n');
  });

  it('gives no mode for the tower of a search trial', () => {
    const text = architectureText(1, {
      architecture: ['FULLY_CONNECTED'], hparams: {},
      towers: [tower('search')] as never,
      mode: 'DISTILLATION', kind: 'search',
    }, {num_parameters: 4});
    assert.match(text, /\ntowers:\n  search \(trained from scratch\): /);
    assert.doesNotMatch(text, /DISTILLATION/);
  });
});
