/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {applyDefaults, loadSpecFile, parsePhoenixSpec} from './proto/text_format';
import {unreadSpecSettings} from './spec_unread';

describe('unreadSpecSettings', () => {
  it('says nothing of the shipped configs, defaults applied', () => {
    const dir = 'model_search/configs';
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.pbtxt'))) {
      assert.deepEqual(unreadSpecSettings(loadSpecFile(path.join(dir, file))),
                       [], file);
    }
  });

  it('names each setting given that nothing reads', () => {
    const spec = applyDefaults(parsePhoenixSpec(
        'problem_type: DNN\n' +
        'learning_spec { lr_warmup_steps: 5 }\n' +
        'weight_feature_name: "w"\n' +
        'multi_task_spec { label_name: "a" }\n' +
        'temperature: 2\n' +
        'enable_fast_termination: true\n'));

    assert.deepEqual(unreadSpecSettings(spec).map((l) => l.split(' is set')[0]),
                     ['phoenix_spec.learning_spec.lr_warmup_steps',
                      'phoenix_spec.weight_feature_name',
                      'phoenix_spec.multi_task_spec',
                      'phoenix_spec.temperature',
                      'phoenix_spec.enable_fast_termination']);
    assert.equal(unreadSpecSettings(spec)[3],
                 'phoenix_spec.temperature is set, but this trainer does not ' +
                     'read it: exported models give the logits unscaled (a ' +
                     'distillation_spec has a temperature of its own, which ' +
                     'is read)');
    // Set to what the proto gives anyway: nothing to say.
    assert.deepEqual(unreadSpecSettings(applyDefaults(parsePhoenixSpec(
                         'temperature: 1 enable_fast_termination: false'))),
                     []);
  });

  it('names each setting that only another search type reads', () => {
    const lines = (text: string) =>
        unreadSpecSettings(applyDefaults(parsePhoenixSpec(text)));
    const spec = 'problem_type: DNN search_type: ADAPTIVE_COORDINATE_DESCENT ' +
        'linear_model { trials_before_fit: 2 } mutate_probability: 0.5 ' +
        'replicate_cell: true num_blocks_in_cell: 2 beam_size: 3 ' +
        'ensemble_spec { no_train_speedup: 10 }';

    assert.deepEqual(lines(spec), [
      'phoenix_spec.ensemble_spec.no_train_speedup is set, but this ' +
          'trainer does not read it: an ensemble with nothing left to ' +
          'train (an average of frozen towers) runs no training step at all',
      'phoenix_spec.linear_model is set, but search_type ' +
          'ADAPTIVE_COORDINATE_DESCENT does not read it (LINEAR_MODEL does)',
      'phoenix_spec.num_blocks_in_cell is set, but search_type ' +
          'ADAPTIVE_COORDINATE_DESCENT does not read it ' +
          '(CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT does)',
      'phoenix_spec.replicate_cell is set, but search_type ' +
          'ADAPTIVE_COORDINATE_DESCENT does not read it ' +
          '(CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT does)',
      'phoenix_spec.mutate_probability is set, but search_type ' +
          'ADAPTIVE_COORDINATE_DESCENT does not read it ' +
          '(ADAPTIVE_COORDINATE_DESCENT_GENETIC does)',
    ]);
    // beam_size is read by the descents, not by a random search.
    assert.deepEqual(
        lines('problem_type: DNN search_type: NONADAPTIVE_RANDOM_SEARCH ' +
              'beam_size: 3'),
        ['phoenix_spec.beam_size is set, but search_type ' +
         'NONADAPTIVE_RANDOM_SEARCH does not read it ' +
         '(ADAPTIVE_COORDINATE_DESCENT, ' +
         'CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT and ' +
         'ADAPTIVE_COORDINATE_DESCENT_GENETIC do)']);
    // Read by the search type given, or set to the default: nothing said.
    assert.deepEqual(
        lines('problem_type: DNN search_type: ' +
              'ADAPTIVE_COORDINATE_DESCENT_GENETIC mutate_probability: 0.5 ' +
              'num_blocks_in_cell: 4 replicate_cell: false'),
        []);
  });
});
