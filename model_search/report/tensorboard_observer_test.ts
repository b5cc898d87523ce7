/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {child, one, readEventFile} from './event_file_testing';
import type {TextMessage} from './event_file_testing';
import type {TrialFile, TrialRecordLike} from './observer_types';
import {TensorBoardObserver, architectureMarkdown} from './tensorboard_observer';

const RECORD: TrialRecordLike = {
  trialId: 7,
  architecture: ['FULLY_CONNECTED', 'FULLY_CONNECTED_RESIDUAL_CONCAT'],
  hparams: {learning_rate: 0.01, optimizer: 'adam'},
  metrics: {loss: 0.125, accuracy: 0.9375, auc_roc: 0.5, num_parameters: 1234,
            train_loss: 0.25},
  trainLosses: [[25, 0.75], [50, 0.5], [75, 0.375], [100, 0.25]],
  problemType: 'DNN',
};

/** [tag, step, simple_value or text] of every summary value. */
function points(events: TextMessage[]): Array<[string, number, string]> {
  const out: Array<[string, number, string]> = [];
  for (const event of events.slice(1)) {
    // protoc leaves out a proto3 field at its default, so step 0 is absent.
    const step = event['step'] === undefined ? 0 : Number(one(event, 'step'));
    for (const value of child(event, 'summary')['value'] as TextMessage[]) {
      const text = value['tensor'] ?
          one(child(value, 'tensor'), 'string_val') :
          one(value, 'simple_value');
      out.push([one(value, 'tag'), step, text]);
    }
  }
  return out;
}

describe('TensorBoardObserver', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(),
                                   'tensorboard_observer_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });
  /** What the search's writer does with an observer's files. */
  const writeFiles = (files: TrialFile[]) => {
    for (const file of files) {
      fs.writeFileSync(path.join(dir, file.name), file.data);
    }
  };

  it('writes the losses, the evaluation and the architecture', () => {
    writeFiles(new TensorBoardObserver(
                   {hostname: 'host', clock: () => 1700000000})
                   .trialFiles(RECORD));

    const files = fs.readdirSync(dir);
    assert.deepEqual(files, ['events.out.tfevents.1700000000.host']);
    const events = readEventFile(fs.readFileSync(path.join(dir, files[0])));
    assert.equal(one(events[0], 'file_version'), 'brain.Event:2');
    const got = points(events);
    assert.deepEqual(got.filter(([tag]) => tag === 'loss'),
                     [['loss', 25, '0.75'], ['loss', 50, '0.5'],
                      ['loss', 75, '0.375'], ['loss', 100, '0.25']]);
    assert.deepEqual(
        got.filter(([tag]) => tag.startsWith('eval/') ||
                   tag.startsWith('model/')).sort(),
        [['eval/accuracy', 100, '0.9375'], ['eval/auc_roc', 100, '0.5'],
         ['eval/loss', 100, '0.125'], ['model/num_parameters', 100, '1234']]);
    const [text] = got.filter(([tag]) => tag === 'architecture');
    assert.equal(text[1], 100);
    assert.match(text[2], /^\*\*Trial 7\*\* \(DNN\): 2 blocks/);
    assert.match(text[2], /1\. `FULLY_CONNECTED`\n2\. `FULLY_CONNECTED_RESIDUAL_CONCAT`/);
    assert.match(text[2], /\| learning_rate \| 0\.01 \|/);
  });

  it('puts the evaluation at the last step trained, not the budget', () => {
    // A shallow tower of use_parameter_scaled_training trains 100 of the
    // search's steps: its evaluation closes its loss curve.
    writeFiles(new TensorBoardObserver({hostname: 'h'}).trialFiles(RECORD));

    const [file] = fs.readdirSync(dir);
    const got = points(readEventFile(fs.readFileSync(path.join(dir, file))));
    const lastLoss = Math.max(
        ...got.filter(([tag]) => tag === 'loss').map(([, step]) => step));
    assert.equal(lastLoss, 100);
    assert.deepEqual(got.find(([tag]) => tag === 'eval/accuracy'),
                     ['eval/accuracy', 100, '0.9375']);
  });

  it('writes a trial with no recorded loss at step 0', () => {
    writeFiles(new TensorBoardObserver({hostname: 'h'}).trialFiles(
        {...RECORD, trainLosses: []}));

    const [file] = fs.readdirSync(dir);
    const got = points(readEventFile(fs.readFileSync(path.join(dir, file))));
    assert.equal(got.filter(([tag]) => tag === 'loss').length, 0);
    assert.deepEqual(got.find(([tag]) => tag === 'eval/loss'),
                     ['eval/loss', 0, '0.125']);
  });
});

describe('architectureMarkdown', () => {
  it('lists the blocks input first and the hyperparameters', () => {
    assert.equal(architectureMarkdown({...RECORD, architecture: ['A']}),
                 '**Trial 7** (DNN): 1 block, input first\n\n1. `A`\n\n' +
                 '| hyperparameter | value |\n|---|---|\n' +
                 '| learning_rate | 0.01 |\n| optimizer | adam |\n');
  });
});
