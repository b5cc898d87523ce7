/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** What runSearch says as it opens a study. */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {DEFAULT_DNN, resolveWorkspacePath} from './constants';
import {CsvDataProvider} from './data/csv_data';
import {createStore} from './metadata/create_store';
import {runSearch} from './oss_trainer_lib';
import type {SearchOptions} from './oss_trainer_lib';
import {loadSpecFile, printPhoenixSpec} from './proto/text_format';
import {machineName} from './metadata/worker_ids';

const RANDOM_CSV = 'model_search/data/testdata/csv_random_data.csv';

/** A one-trial search of the random CSV in `dir`; returns its log. */
async function searchIn(
    dir: string, before: (options: SearchOptions) => Promise<void>,
    extra: Partial<SearchOptions> = {}): Promise<string[]> {
  const provider = new CsvDataProvider({
    filename: RANDOM_CSV, recordDefaults: ['0', '0', '0', '0'],
    logitsDimension: 2, log: () => {},
  });
  await provider.prepare();
  const spec = loadSpecFile(resolveWorkspacePath(DEFAULT_DNN));
  const store = await createStore(
      {url: `sqlite:${path.join(dir, 'model_search.db')}`});
  const log: string[] = [];
  const options: SearchOptions = {
    spec, specText: printPhoenixSpec(spec), provider, store,
    modelDir: dir, experimentName: 'opening', experimentOwner: 'test',
    maxTrials: 1, trainSteps: 3, evalSteps: 1, batchSize: 4,
    objective: {metric: 'loss', goal: 'minimize'},
    hypertuningMethod: 'random', seed: 5,
    log: (line) => log.push(line), ...extra,
  };
  try {
    await before(options);
    await runSearch(options);
    return log;
  } finally {
    await store.close();
  }
}

/**
 * Opens the study as another worker would and records it in the model
 * directory (with `directoryId`, when given); returns the study's id.
 */
async function openRecordedStudy(
    options: SearchOptions, directoryId?: string): Promise<number> {
  const {studyId} = await options.store.openStudy(
      {experimentName: options.experimentName,
       experimentOwner: options.experimentOwner},
      options.specText);
  fs.writeFileSync(
      path.join(options.modelDir, 'study_data.json'), JSON.stringify({
        experimentName: options.experimentName,
        experimentOwner: options.experimentOwner,
        ...(directoryId === undefined ? {} : {directoryId}),
        schema: options.provider.inputSchema(),
      }));
  return studyId;
}

describe('the log of a search opening its study', function() {
  this.timeout(60000);

  it('says it joins a study another worker created with no trial yet',
     async () => {
       const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search_log_'));
       const log = await searchIn(dir, async (options) => {
         await options.store.openStudy(
             {experimentName: options.experimentName,
              experimentOwner: options.experimentOwner},
             options.specText);
       });
       assert.ok(log.includes('joining study "opening" (no trials yet)'),
                 log.join('\n'));
       assert.ok(!log.some((line) => line.startsWith('resuming')),
                 log.join('\n'));
       fs.rmSync(dir, {recursive: true, force: true});
     });

  it('counts the trials other workers completed meanwhile', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search_log_'));
    let otherTrial = 0;
    let completedOther = false;
    const log = await searchIn(dir, async (options) => {
      // The other worker, which started the study, recorded it there.
      const studyId = await openRecordedStudy(options);
      const started = await options.store.startTrial(
          studyId, 2, 'another-worker', 600);
      assert.equal(started.status, 'started');
      otherTrial = (started as {trial: {id: number}}).trial.id;
      // The other worker completes its trial while this one trains.
      options.observers = [{
        onTrainProgress: () => {
          if (completedOther) return;
          completedOther = true;
          void options.store.completeTrial(
              studyId, otherTrial, {loss: 9, accuracy: 0}, 'elsewhere');
        },
      }];
    }, {maxTrials: 2});

    assert.equal(completedOther, true);
    const line = log.find((l) => l.startsWith('trial 2 '));
    assert.ok(line?.startsWith('trial 2 [2/2] '), log.join('\n'));
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('says it joins a study whose other workers completed trials and run ' +
         'one',
     async () => {
       const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search_log_'));
       const log = await searchIn(dir, async (options) => {
         const studyId = await openRecordedStudy(options);
         const first = await options.store.startTrial(
             studyId, 3, 'another-worker', 600);
         fs.mkdirSync(path.join(dir, 'elsewhere'));
         fs.writeFileSync(path.join(dir, 'elsewhere', 'architecture.json'),
                          '{}');
         await options.store.completeTrial(
             studyId, (first as {trial: {id: number}}).trial.id,
             {loss: 9, accuracy: 0}, 'elsewhere');
         // Still running there: this worker joins, it does not resume.
         const second = await options.store.startTrial(
             studyId, 3, 'another-worker', 600);
         // Then done while this worker trains, so that the study ends.
         let done = false;
         options.observers = [{
           onTrainProgress: () => {
             if (done) return;
             done = true;
             void options.store.completeTrial(
                 studyId, (second as {trial: {id: number}}).trial.id,
                 {loss: 9, accuracy: 0}, 'elsewhere');
           },
         }];
       }, {maxTrials: 3});
       assert.ok(log.includes('joining study "opening": 1 trial running in ' +
                              'other workers (1 completed, 0 failed so far)'),
                 log.join('\n'));
       assert.ok(!log.some((line) => line.startsWith('resuming')),
                 log.join('\n'));
       fs.rmSync(dir, {recursive: true, force: true});
     });

  it('says that parameter-scaled training shortens the trials', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search_log_'));
    const spec = loadSpecFile(resolveWorkspacePath(DEFAULT_DNN));
    spec.useParameterScaledTraining = true;
    spec.maximumDepth = 5;
    const log = await searchIn(dir, async () => {}, {
      spec, specText: printPhoenixSpec(spec),
    });
    assert.ok(log.includes(
                  'spec: use_parameter_scaled_training: a tower trains ' +
                  'fewer of the 3 steps the shallower it is (depth: steps ' +
                  '1: 1, 2: 3, 3: 3, 5: 3); evaluation.json says how many ' +
                  'each trial took'),
              log.join('\n'));
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'search_log_'));
    const plain = await searchIn(other, async () => {});
    assert.ok(!plain.some((line) => line.includes('scaled')), plain.join('\n'));
    fs.rmSync(dir, {recursive: true, force: true});
    fs.rmSync(other, {recursive: true, force: true});
  });

  it('says nothing of the sort for a study it creates', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search_log_'));
    const log = await searchIn(dir, async () => {});
    assert.ok(!log.some((line) => /^(joining|resuming) study/.test(line)),
              log.join('\n'));
    fs.rmSync(dir, {recursive: true, force: true});
  });
});

describe('workers started together with different model directories',
         function() {
  this.timeout(60000);

  /**
   * Opens the study as another worker would, with its directory's id
   * `elsewhere`; records this directory as the study's with the id `mine`
   * (as a worker racing the other one would have); starts trial 1 for the
   * other worker, planned (its directory known) at once or `later`, when
   * this worker's trial trains.
   */
  async function racing(dir: string, later: boolean) {
    let planned = false;
    let failure: Error|undefined;
    try {
      await searchIn(dir, async (options) => {
        const studyId = await openRecordedStudy(options, 'mine');
        const started = await options.store.startTrial(
            studyId, 3, `elsewhere@${machineName()}:1`, 600);
        const other = (started as {trial: {id: number}}).trial.id;
        const plan = () => options.store.planTrial(studyId, other, {
          architecture: ['FULLY_CONNECTED'], hparams: {}, kind: 'search',
          extra: {directoryId: 'elsewhere'}, directory: String(other),
        });
        if (!later) {
          await plan();
          planned = true;
        }
        options.observers = [{
          onTrainProgress: () => {
            if (planned) return;
            planned = true;
            void plan();
          },
        }];
      }, {maxTrials: 3});
    } catch (e) {
      failure = e as Error;
    }
    return failure;
  }

  for (const later of [false, true]) {
    it(`refuses the worker whose directory is not the study's (the other ${
           later ? 'plans while it trains' : 'planned first'})`,
       async () => {
         const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search_race_'));

         const failure = await racing(dir, later);

         assert.match(
             failure?.message ?? 'no error',
             /^trial 2: the study's trials go to another model directory \(that of trial 1, by worker elsewhere@[^)]+\), not to --model_dir=.*: its workers were started with different --model_dir values; give every worker of the study the same one, and remove this one$/);
         // Trial 2 is not recorded as this directory's, nor left behind.
         assert.ok(!fs.existsSync(path.join(dir, '2')));
         const store = await createStore(
             {url: `sqlite:${path.join(dir, 'model_search.db')}`});
         try {
           const [study] = await store.listStudies!();
           const trials = await store.listTrials(study.studyId);
           assert.deepEqual(trials.map((t) => [t.id, t.state]),
                            [[1, 'RUNNING'], [2, 'FAILED']]);
         } finally {
           await store.close();
         }
         fs.rmSync(dir, {recursive: true, force: true});
       });
  }
});
