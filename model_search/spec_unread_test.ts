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
});
