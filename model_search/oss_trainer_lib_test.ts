/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {UsageError} from './errors';
import {architectureText, checkImportedTrialsPresent} from './oss_trainer_lib';
import type {SearchOptions} from './oss_trainer_lib';
import type {TrialPlan} from './trial_planner';

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
    // Trained no step: its hparams said to be unused.
    assert.match(
        architectureText(3, {
          architecture: [], hparams: {learning_rate: 0.1},
          towers: [tower('t1', 1), tower('t2', 2)] as never,
          mode: 'AVERAGE_ENSEMBLE', kind: 'ensemble',
        }, {num_parameters: 10}, 0),
        /\nhparams \(unused: the trial trained no step\):\n  learning_rate = 0\.1\n$/);
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

describe('checkImportedTrialsPresent', () => {
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imported_'));
  fs.mkdirSync(path.join(modelDir, '1'));
  const options = {modelDir} as unknown as SearchOptions;
  const plan = (extra: Partial<TrialPlan>): TrialPlan =>
      ({architecture: ['FIXED_CHANNEL_CONVOLUTION_16'], hparams: {}, ...extra});
  const tower = (trialId: number) => ({
    name: `t${trialId}`, architecture: [], hparams: {},
    source: {trialId, tower: 'search'}, frozen: true,
  });

  it('passes plans whose imported trials are there', () => {
    checkImportedTrialsPresent(options, 3, plan({}));
    checkImportedTrialsPresent(options, 3, plan({
      towers: [tower(1)] as unknown as TrialPlan['towers'],
      warmStart: [{trialId: 1, weight: 1}],
      teacherTrialId: 1,
    }));
  });

  for (const [what, extra] of [
           ['towers', {towers: [tower(2)]}],
           ['a warm start', {warmStart: [{trialId: 2, weight: 1}]}],
           ['a teacher', {teacherTrialId: 2}],
         ] as Array<[string, Partial<TrialPlan>]>) {
    it(`refuses ${what} of a trial whose directory is elsewhere`, () => {
      assert.throws(
          () => checkImportedTrialsPresent(options, 3, plan(extra)),
          (e: Error) => e instanceof UsageError &&
              e.message === `trial 3 imports trial 2, but --model_dir=${
                  modelDir} has no directory 2: the study's workers write ` +
                  'into different model directories (give them all the ' +
                  'same --model_dir), or the directory was removed');
    });
  }
});
