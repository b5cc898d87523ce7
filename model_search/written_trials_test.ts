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

import {DEFAULT_DNN, resolveWorkspacePath} from './constants';
import {CsvDataProvider} from './data/csv_data';
import {createStore} from './metadata/create_store';
import type {StoreOptions} from './metadata/create_store';
import {runSearch} from './oss_trainer_lib';
import {loadSpecFile, printPhoenixSpec} from './proto/text_format';
import {storedTrials} from './study_testing';
import {evaluationFileContent, metricsFromEvaluationFile} from './trial_directory';

const RANDOM_CSV = 'model_search/data/testdata/csv_random_data.csv';

/** A two-trial search of the random CSV in `dir`; returns its log. */
async function search(dir: string, storeOptions: Partial<StoreOptions> = {}):
    Promise<string[]> {
  const provider = new CsvDataProvider({
    filename: RANDOM_CSV, recordDefaults: ['0', '0', '0', '0'],
    logitsDimension: 2, log: () => {},
  });
  await provider.prepare();
  const spec = loadSpecFile(resolveWorkspacePath(DEFAULT_DNN));
  const store = await createStore({
    url: `sqlite:${path.join(dir, 'model_search.db')}`, ...storeOptions,
  });
  const log: string[] = [];
  try {
    await runSearch({
      spec, specText: printPhoenixSpec(spec), provider, store,
      modelDir: dir, experimentName: 'written', experimentOwner: 'test',
      maxTrials: 2, trainSteps: 3, evalSteps: 1, batchSize: 4,
      objective: {metric: 'loss', goal: 'minimize'},
      hypertuningMethod: 'random', seed: 9, log: (line) => log.push(line),
    });
    return log;
  } finally {
    await store.close();
  }
}

describe('trials written whole but never recorded', function() {
  this.timeout(60000);

  it('reads the metrics back from evaluation.json as they were', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'written_'));
    const metrics = {loss: 0.25, accuracy: 1, train_loss: NaN, auc: 1e-7};
    const file = path.join(dir, 'evaluation.json');
    fs.writeFileSync(file, JSON.stringify(evaluationFileContent(metrics, {
      train_steps: 3, eval_examples: 4, train_seconds: 0.5,
      eval_seconds: 0.1, seconds: 0.7,
    })));

    const back = metricsFromEvaluationFile(file);

    assert.deepEqual(Object.keys(back), Object.keys(metrics));
    assert.deepEqual(back, metrics);
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('are recorded COMPLETED by the next search of the study', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'written_'));
    // The database refuses the second completion (as if it went down).
    let completions = 0;
    const failing = search(dir, {
      hooks: {
        beforeCommit: (operation) => {
          if (operation === 'completeTrial' && ++completions === 2) {
            throw new Error('database went away (test)');
          }
        },
      },
    });
    await assert.rejects(failing, /database went away \(test\)/);
    const before = await storedTrials(dir);
    assert.deepEqual(before.map((t) => [t.id, t.state]),
                     [[1, 'COMPLETED'], [2, 'FAILED']]);
    assert.match(before[1].failureReason!,
                 /^worker lost: its completion was not recorded/);
    assert.ok(fs.existsSync(path.join(dir, '2', 'evaluation.json')));

    const log = await search(dir);

    assert.ok(log.includes('trial 2 of a worker that stopped after writing ' +
                           'the trial directory recorded COMPLETED from it'),
              log.join('\n'));
    const after = await storedTrials(dir);
    // The budget of 2 is met by the recorded trial: no third one.
    assert.deepEqual(after.map((t) => [t.id, t.state]),
                     [[1, 'COMPLETED'], [2, 'COMPLETED']]);
    assert.deepEqual(
        after[1].metrics,
        metricsFromEvaluationFile(path.join(dir, '2', 'evaluation.json')));
    assert.ok(Number.isFinite(after[1].metrics!['loss']));
    fs.rmSync(dir, {recursive: true, force: true});
  });
});
