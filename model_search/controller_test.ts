/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {InProcessController} from './controller';
import {PRIOR_GENERATOR, REPLAY_GENERATOR, SEARCH_GENERATOR} from './generators/base_tower_generator';
import type {GeneratorName, TowerGenerator} from './generators/base_tower_generator';
import {TrialMode} from './generators/trial_utils';
import type {Trial} from './metadata/trial';
import {parsePhoenixSpec} from './proto/text_format';

/** A generator that only has a name: the controller never calls it. */
function named(name: GeneratorName): TowerGenerator {
  return {
    name,
    generate: () => {
      throw new Error(`${name} must not be called by the controller`);
    },
  };
}

function completed(ids: number[]): Trial[] {
  return ids.map((id) => ({
    id,
    state: 'COMPLETED',
    architecture: ['FIXED_OUTPUT_FULLY_CONNECTED_128'],
    hparams: {},
    metrics: {loss: 1 / id},
  }));
}

function controller(text: string): InProcessController {
  return new InProcessController({
    spec: parsePhoenixSpec(`problem_type: DNN\n${text}\n`),
    search: named(SEARCH_GENERATOR),
    prior: named(PRIOR_GENERATOR),
    replay: named(REPLAY_GENERATOR),
  });
}

/** [mode, generators that act: name -> ids of the trials each gets]. */
function decide(text: string, myId: number):
    [string, Record<string, number[]>] {
  const decision = controller(text).getGenerators(
      myId, completed(Array.from({length: myId - 1}, (_, i) => i + 1)));
  const acting: Record<string, number[]> = {};
  for (const [name, picked] of Object.entries(decision.generators)) {
    acting[name] = picked!.trials.map((t) => t.id);
  }
  return [TrialMode[decision.mode], acting];
}

const NONADAPTIVE = 'ensemble_spec { ensemble_search_type: ' +
    'NONADAPTIVE_ENSEMBLE_SEARCH nonadaptive_search { minimal_pool_size: 3 ' +
    'width: 2 num_trials_to_consider: 2 } }';
const ADAPTIVE = 'ensemble_spec { ensemble_search_type: ' +
    'ADAPTIVE_ENSEMBLE_SEARCH adaptive_search { minimal_pool_size: 2 ' +
    'increase_width_every: 2 } }';
const RESIDUAL = ADAPTIVE.replace('ADAPTIVE_ENSEMBLE', 'RESIDUAL_ENSEMBLE');
const INTERMIXED = 'ensemble_spec { ensemble_search_type: ' +
    'INTERMIXED_NONADAPTIVE_ENSEMBLE_SEARCH intermixed_search { ' +
    'try_ensembling_every: 3 width: 2 num_trials_to_consider: 2 } }';
const DISTILL = 'distillation_spec { distillation_type: MSE_LOGITS ' +
    'minimal_pool_size: 2 }';

describe('InProcessController', () => {
  const cases: Array<[string, string, number, string,
                      Record<string, number[]>]> = [
    ['no ensembling: search on every trial', '', 4, 'NO_PRIOR',
     {search_generator: [1, 2, 3]}],
    ['nonadaptive: search while the pool fills', NONADAPTIVE, 3,
     'NO_PRIOR', {search_generator: [1, 2]}],
    ['nonadaptive: priors alone past the pool, from the pool', NONADAPTIVE,
     5, 'ENSEMBLE_SEARCH', {prior_generator: [1, 2, 3]}],
    ['adaptive: search alone before the first width increase', ADAPTIVE, 1,
     'NO_PRIOR', {search_generator: []}],
    ['adaptive: no priors within the pool', ADAPTIVE, 2, 'NO_PRIOR',
     {search_generator: [1]}],
    ['adaptive: priors up to the last increase, search past it', ADAPTIVE,
     5, 'ENSEMBLE_SEARCH',
     {prior_generator: [1, 2, 3, 4], search_generator: []}],
    ['adaptive: search sees the trials since the last increase', ADAPTIVE,
     3, 'ENSEMBLE_SEARCH', {prior_generator: [1, 2], search_generator: []}],
    ['residual: as adaptive', RESIDUAL, 5, 'ENSEMBLE_SEARCH',
     {prior_generator: [1, 2, 3, 4], search_generator: []}],
    ['intermixed: search between ensembles', INTERMIXED, 4,
     'ENSEMBLE_SEARCH', {search_generator: [1, 2]}],
    ['intermixed: every n-th trial ensembles the search trials',
     INTERMIXED, 6, 'ENSEMBLE_SEARCH',
     {prior_generator: [1, 2, 4, 5]}],
    ['intermixed with distillation: the trial after an ensemble distills',
     `${INTERMIXED}\n${DISTILL}`, 4, 'DISTILLATION',
     {search_generator: [1, 2], prior_generator: [1, 2, 3]}],
    ['distillation alone: search before its pool', DISTILL, 2, 'NO_PRIOR',
     {search_generator: [1]}],
    ['distillation alone: student and teacher past its pool', DISTILL, 3,
     'DISTILLATION', {search_generator: [1, 2], prior_generator: [1, 2]}],
    ['user suggestions come first and alone',
     `${NONADAPTIVE}\nuser_suggestions { architecture: ` +
         '"FIXED_OUTPUT_FULLY_CONNECTED_128" }',
     1, 'NO_PRIOR', {search_generator: []}],
    ['replay: an adaptive replay imports from its second trial',
     `${ADAPTIVE}\nreplay { towers { architecture: "A" } ` +
         'towers { architecture: "B" } }',
     2, 'ENSEMBLE_SEARCH', {search_generator: [], replay_generator: [1]}],
    ['replay: a nonadaptive replay ensembles in its last trial only',
     `${NONADAPTIVE}\nreplay { towers { architecture: "A" } ` +
         'towers { architecture: "no_search" } }',
     2, 'ENSEMBLE_SEARCH', {replay_generator: [1]}],
    ['replay: its first trial trains a tower only',
     `${NONADAPTIVE}\nreplay { towers { architecture: "A" } ` +
         'towers { architecture: "no_search" } }',
     1, 'NO_PRIOR', {search_generator: []}],
  ];
  for (const [name, text, myId, mode, acting] of cases) {
    it(`trial ${myId}, ${name}`, () => {
      const [gotMode, gotActing] = decide(text, myId);

      assert.equal(gotMode, mode);
      assert.deepEqual(gotActing, acting);
    });
  }
});
