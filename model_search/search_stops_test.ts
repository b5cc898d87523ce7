/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * How a search stops early. Ctrl-C (SIGINT) and SIGTERM at each point of a
 * trial: the search stops cleanly, with every trial either COMPLETED with
 * its directory or FAILED without one, the summaries saying the same, and
 * no file half-written (the signals are raised from an observer, at a known
 * point of the trial). And a search whose every trial fails gives up.
 */

import * as assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {selectBackend} from './backend/select_backend';
import {tf} from './backend/tf';
import {DEFAULT_DNN, resolveWorkspacePath} from './constants';
import {CsvDataProvider} from './data/csv_data';
import {SearchError} from './errors';
import {createStore} from './metadata/create_store';
import {completeWrittenTrials, endsWithoutMetrics} from './lost_trials';
import {StoreError} from './metadata/retry';
import {localWorkerId, machineName} from './metadata/worker_ids';
import {MAX_FAILED_IN_A_ROW, runSearch, STOP_SIGNAL_EXIT_CODES} from './oss_trainer_lib';
import type {SearchOptions, SearchResult, TrialObserver} from './oss_trainer_lib';
import {loadSpecFile, parsePhoenixSpec, printPhoenixSpec} from './proto/text_format';
import {standardObservers} from './search_observers';
import type {Trial} from './metadata/trial';
import {storedTrials} from './study_testing';

const TESTDATA = 'model_search/data/testdata';

/** Training data whose loss is NaN: every trial fails. */
class NanLossProvider extends CsvDataProvider {
  getLossFn() {
    return (_labels: tf.Tensor, logits: tf.Tensor) =>
        tf.mul(tf.sum(logits), NaN) as tf.Scalar;
  }
}

/**
 * A search of 3 trials that raises `signal` where `raise` says, on the
 * breast cancer data (through `Provider`).
 */
async function search(raise: (emit: () => void) => TrialObserver,
                      signal: NodeJS.Signals = 'SIGINT',
                      Provider = CsvDataProvider,
                      extra: Partial<SearchOptions> = {},
                      log: string[] = []):
    Promise<{dir: string, result: SearchResult, log: string[]}> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search_stops_'));
  const provider = new Provider({
    filename: `${TESTDATA}/breast_cancer_train.csv`,
    validationFilename: `${TESTDATA}/breast_cancer_validation.csv`,
    log: () => {},
  });
  await provider.prepare();
  const spec = loadSpecFile(resolveWorkspacePath(DEFAULT_DNN));
  const store = await createStore(
      {url: `sqlite:${path.join(dir, 'model_search.db')}`});
  const {observers} = standardObservers({
    spec, maxTrials: 3, trainSteps: 30, progressStream: {write: () => true},
  });
  try {
    const result = await runSearch({
      spec, specText: printPhoenixSpec(spec), provider, store,
      modelDir: dir, experimentName: 'signals', experimentOwner: 'test',
      maxTrials: 3, trainSteps: 30, evalSteps: 2, batchSize: 8,
      objective: {metric: 'loss', goal: 'minimize'},
      hypertuningMethod: 'random', seed: 3, stopOnSignals: true,
      lossEverySteps: 5,
      observers: [...observers, raise(() => process.emit(signal, signal))],
      log: (line) => log.push(line),
      ...extra,
    });
    return {dir, result, log};
  } finally {
    await store.close();
  }
}

/**
 * What a search of the dnn config on the breast cancer data takes: a new
 * model directory, the provider, the spec (its ensemble_spec replaced by
 * `ensembleSpec` when given) and a SQLite store in the directory.
 */
async function searchParts(ensembleSpec?: string) {
  await selectBackend('wasm', () => {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search_stops_'));
  const provider = new CsvDataProvider({
    filename: `${TESTDATA}/breast_cancer_train.csv`, log: () => {},
  });
  await provider.prepare();
  const dnn = fs.readFileSync(resolveWorkspacePath(DEFAULT_DNN), 'utf8');
  const spec = parsePhoenixSpec(ensembleSpec === undefined ? dnn :
      dnn.slice(0, dnn.indexOf('ensemble_spec {')) + ensembleSpec);
  const store = await createStore(
      {url: `sqlite:${path.join(dir, 'model_search.db')}`});
  return {dir, provider, spec, store};
}

/** Every trial's state, and which trial directories exist. */
async function outcome(dir: string) {
  const trials = await storedTrials(dir);
  const summary = JSON.parse(
      fs.readFileSync(path.join(dir, 'study_summary.json'), 'utf8'));
  return {
    states: trials.map((t) => [t.id, t.state, t.failureReason ?? null]),
    summary: summary.trials.map(
        (t: {id: number, state: string}) => [t.id, t.state]),
    directories: fs.readdirSync(dir).filter((f) => /^\d+$/.test(f)).sort(),
    // Temporary files and directories, and SQLite's journal files.
    leftovers: fs.readdirSync(dir).filter(
        (f) => f.startsWith('.') || /-(wal|shm|journal)$/.test(f)),
  };
}

/**
 * `store`, whose first call of `method` runs `first` instead (which may
 * call the store's own); later calls go to the store.
 */
function withFirstCall<S extends object, K extends keyof S>(
    store: S, method: K, first: S[K]): S {
  let called = false;
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key === method && !called) {
        called = true;
        return first;
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('a worker started with the study\'s first', function() {
  this.timeout(120000);

  it('joins the study the other made while it listed the studies',
     async () => {
       const {dir, provider, spec, store} = await searchParts();
       const other = await createStore(
           {url: `sqlite:${path.join(dir, 'model_search.db')}`});
       const options = (s: typeof store, maxTrials: number): SearchOptions => ({
         spec, specText: printPhoenixSpec(spec), provider, store: s,
         modelDir: dir, experimentName: 'together', experimentOwner: 'test',
         maxTrials, trainSteps: 3, evalSteps: 1, batchSize: 8,
         objective: {metric: 'loss', goal: 'minimize'},
         hypertuningMethod: 'random', seed: 3, log: () => {},
       });
       // The database answers this worker's listing of studies as they
       // were; meanwhile the other worker makes the study, writes its
       // study_data.json and completes a trial.
       let raced = false;
       const slow = withFirstCall(store, 'listStudies', async () => {
         const before = await store.listStudies!();
         raced = true;
         await runSearch(options(other, 1));
         return before;
       });
       try {
         const result = await runSearch(options(slow, 2));

         assert.ok(raced);
         assert.equal(result.trained, 1);
         assert.deepEqual((await storedTrials(dir)).map((t) => t.state),
                          ['COMPLETED', 'COMPLETED']);
       } finally {
         await other.close();
         await store.close();
         fs.rmSync(dir, {recursive: true, force: true});
       }
     });
});

describe('a study whose lost trial completes as another is handed out',
         function() {
  this.timeout(120000);

  it('does not train past the budget', async () => {
    const {dir, provider, spec, store} = await searchParts();
    const options = (maxTrials: number): SearchOptions => ({
      spec, specText: printPhoenixSpec(spec), provider, store: racing,
      modelDir: dir, experimentName: 'lost', experimentOwner: 'test',
      maxTrials, trainSteps: 3, evalSteps: 1, batchSize: 8,
      objective: {metric: 'loss', goal: 'minimize'},
      hypertuningMethod: 'random', seed: 3, log: (l) => log.push(l),
    });
    const log: string[] = [];
    // Before this worker's first claim, trial 2 of a worker elsewhere
    // writes its directory and loses its lease unrecorded: the claim takes
    // it for lost (budget 2, one completed: trial 3 is handed out), then
    // its directory completes it.
    const racing = withFirstCall(
        store, 'startTrial',
        async (...args: Parameters<typeof store.startTrial>) => {
          const [studyId] = args;
          const other = await store.startTrial(
              studyId, 2, 'far@elsewhere:1', 0.05);
          assert.equal(other.status, 'started');
          const id = other.status === 'started' ? other.trial.id : 0;
          await store.planTrial(studyId, id, {
            architecture: ['FULLY_CONNECTED'], hparams: {},
            directory: String(id),
          });
          fs.cpSync(path.join(dir, '1'), path.join(dir, String(id)),
                    {recursive: true});
          await new Promise((resolve) => setTimeout(resolve, 100));
          return store.startTrial(...args);
        });
    try {
      await runSearch({...options(1), store});
      const result = await runSearch(options(2));

      assert.equal(result.trained, 0);
      const trials = await storedTrials(dir);
      assert.deepEqual(trials.map((t) => [t.id, t.state]),
                       [[1, 'COMPLETED'], [2, 'COMPLETED'], [3, 'FAILED']]);
      assert.match(trials[2].failureReason!,
                   /^trial 3 not trained: the study has its 2 completed trials/);
      assert.ok(log.some((l) => l.startsWith('trial 3 not trained: ')),
                log.join('\n'));
    } finally {
      await store.close();
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('a search stopped by a signal', function() {
  this.timeout(120000);

  before(async () => {
    await selectBackend('wasm', () => {});
  });

  it('fails the trial that trains, and writes no directory for it',
     async () => {
       let raised = false;
       const {dir, result, log} = await search((emit) => ({
         onTrainProgress: (trialId, step) => {
           if (trialId === 2 && step >= 10 && !raised) {
             raised = true;
             emit();
           }
         },
       }));

       assert.equal(result.stoppedBy, 'SIGINT');
       const after = await outcome(dir);
       assert.deepEqual(after.states, [
         [1, 'COMPLETED', null], [2, 'FAILED', 'interrupted by SIGINT'],
       ]);
       assert.deepEqual(after.summary, [[1, 'COMPLETED'], [2, 'FAILED']]);
       assert.deepEqual(after.directories, ['1']);
       assert.deepEqual(after.leftovers, []);
       assert.equal(log[log.length - 1],
                    'SIGINT: search stopped; trial 2 marked FAILED; run ' +
                    'the same command to resume');
     });

  it('stops on a signal that came while the study was set up', async () => {
    let raised = false;
    const {dir, result, log} = await search((emit) => ({
      // First called with the study's trials before the first is claimed,
      // as the summaries are first written.
      onStudyUpdate: () => {
        if (!raised) {
          raised = true;
          emit();
        }
      },
    }));

    assert.equal(result.stoppedBy, 'SIGINT');
    const after = await outcome(dir);
    assert.deepEqual(after.states, []);
    assert.deepEqual(after.summary, []);
    assert.deepEqual(after.leftovers, []);
    assert.equal(log[log.length - 1],
                 'SIGINT: search stopped; run the same command to resume');
    assert.equal(process.listenerCount('SIGINT'), 0, 'handlers left');
  });

  it('stops alike on SIGHUP (a closed terminal)', async () => {
    let raised = false;
    const {dir, result, log} = await search((emit) => ({
      onTrainProgress: (trialId, step) => {
        if (trialId === 1 && step >= 10 && !raised) {
          raised = true;
          emit();
        }
      },
    }), 'SIGHUP');

    assert.equal(result.stoppedBy, 'SIGHUP');
    assert.equal(STOP_SIGNAL_EXIT_CODES['SIGHUP'], 129);
    const after = await outcome(dir);
    assert.deepEqual(after.states, [[1, 'FAILED', 'interrupted by SIGHUP']]);
    assert.deepEqual(after.directories, []);
    assert.deepEqual(after.leftovers, []);
    assert.equal(log[log.length - 1],
                 'SIGHUP: search stopped; trial 1 marked FAILED; run the ' +
                 'same command to resume');
  });

  it('completes a trial that had finished training, then stops',
     async () => {
       const {dir, result, log} = await search((emit) => ({
         // Called while the trial directory is written.
         writeTrialFiles: (_dir, record) => {
           if (record.trialId === 1) emit();
         },
       }), 'SIGTERM');

       assert.equal(result.stoppedBy, 'SIGTERM');
       const after = await outcome(dir);
       assert.deepEqual(after.states, [[1, 'COMPLETED', null]]);
       assert.deepEqual(after.summary, [[1, 'COMPLETED']]);
       assert.deepEqual(after.directories, ['1']);
       assert.deepEqual(after.leftovers, []);
       assert.ok(log.some((line) => /^trial 1 \[1\/3\] /.test(line)),
                 log.join('\n'));
       assert.equal(log[log.length - 1],
                    'SIGTERM: search stopped; run the same command to resume');
     });

  it('gives up after the failures in a row it was given', async () => {
    const log: string[] = [];
    await assert.rejects(
        search(() => ({}), 'SIGINT', NanLossProvider, {maxFailedInARow: 1},
               log),
        /^SearchError: the trial failed \(training loss became NaN .*\(the trial's blocks: [A-Z_0-9, ]+\)\); stopping the search: .*; a loss that is not a number in trial after trial, with every feature checked finite, comes from the models: a block that makes NaN or infinite values/);
    assert.equal(log.filter((line) => /^trial 1 \[0\/3\] FAILED after \d+\.\ds: /.test(line)).length, 1,
                 log.join('\n'));
  });

  it('warns of other settings only where trials were ranked with them',
     async () => {
       const {dir, provider, spec, store} = await searchParts();
       const nanLoss = Object.assign(Object.create(provider), {
         getLossFn: () => (_labels: tf.Tensor, logits: tf.Tensor) =>
             tf.mul(tf.sum(logits), NaN) as tf.Scalar,
       }) as CsvDataProvider;
       const runs = async (p: CsvDataProvider, batchSize: number,
                           maxTrials: number) => {
         const log: string[] = [];
         await runSearch({
           spec, specText: printPhoenixSpec(spec), provider: p, store,
           modelDir: dir, experimentName: 'settings', experimentOwner: 'test',
           maxTrials, trainSteps: 3, evalSteps: 1, batchSize,
           objective: {metric: 'loss', goal: 'minimize'},
           hypertuningMethod: 'random', seed: 3, maxFailedInARow: 1,
           log: (line) => log.push(line),
         }).catch(() => {});
         return log.filter((line) => line.includes('this worker trains with') ||
                                     line.includes('trial settings change'));
       };
       try {
         // Every trial of the first run fails: nothing was ranked yet.
         assert.deepEqual(await runs(nanLoss, 8, 1), []);
         // A worker of this machine killed in its trial (SIGKILL) leaves
         // it RUNNING: it will not complete either.
         const {studyId} = await store.openStudy(
             {experimentName: 'settings', experimentOwner: 'test'},
             printPhoenixSpec(spec));
         const gonePid = spawnSync(process.execPath, ['-e', '']).pid;
         const killed = await store.startTrial(
             studyId, 10, `${machineName()}:${gonePid}`, 600);
         assert.equal(killed.status, 'started');
         // ... so the study takes this worker's settings, and says so.
         assert.deepEqual(await runs(provider, 4, 1), [
           'warning: the study\'s trial settings change from ' +
               '--phoenix_batch_size=8 to --phoenix_batch_size=4: none of ' +
               'its trials completed, so these are the study\'s from here on',
         ]);
         // Now one COMPLETED trial trained with batches of 4.
         assert.deepEqual(await runs(provider, 8, 2), [
           'warning: this worker trains with --phoenix_batch_size=8, the ' +
               'study\'s first worker with --phoenix_batch_size=4: its ' +
               'trials are ranked with the others\'; give every worker the ' +
               'same ones unless that is meant',
         ]);
       } finally {
         await store.close();
       }
     });

  it('joins a study whose first worker wrote its record as this one looked',
     async () => {
       const {dir, provider, spec, store} = await searchParts();
       const options = {
         spec, specText: printPhoenixSpec(spec), provider,
         modelDir: dir, experimentName: 'together', experimentOwner: 'test',
         trainSteps: 3, evalSteps: 1, batchSize: 8,
         objective: {metric: 'loss', goal: 'minimize'} as const,
         hypertuningMethod: 'random' as const, seed: 3,
       };
       const nanLoss = Object.assign(Object.create(provider), {
         getLossFn: () => (_labels: tf.Tensor, logits: tf.Tensor) =>
             tf.mul(tf.sum(logits), NaN) as tf.Scalar,
       }) as CsvDataProvider;
       try {
         // The first worker's first trial failed: no trial of the study
         // is in the directory yet.
         await runSearch({...options, provider: nanLoss, store, maxTrials: 1,
                          maxFailedInARow: 1, log: () => {}})
             .catch(() => {});
         // Its next trial runs (its process, of this machine, is gone by
         // now: the trial is taken back).
         const {studyId} = await store.openStudy(
             {experimentName: 'together', experimentOwner: 'test'},
             options.specText);
         const gonePid = spawnSync(process.execPath, ['-e', '']).pid;
         assert.equal((await store.startTrial(
                           studyId, 10, `${machineName()}:${gonePid}`, 600))
                          .status,
                      'started');
         // This worker looks for the study's record before the first has
         // written it, and lists the trials after.
         const record = path.join(dir, 'study_data.json');
         const aside = `${record}.aside`;
         fs.renameSync(record, aside);
         const log: string[] = [];
         const racing = withFirstCall(
             store, 'listTrials', async (id: number) => {
               fs.renameSync(aside, record);
               return store.listTrials(id);
             });

         await runSearch({...options, store: racing, maxTrials: 1,
                          log: (line) => log.push(line)});

         assert.deepEqual((await store.listTrials(studyId))
                              .map((t) => [t.id, t.state]),
                          [[1, 'FAILED'], [2, 'FAILED'], [3, 'COMPLETED']],
                          log.join('\n'));
       } finally {
         await store.close();
         fs.rmSync(dir, {recursive: true, force: true});
       }
     });

  it('takes the objective of a study made as it opened it, given none',
     async () => {
       const {dir, provider, spec, store} = await searchParts();
       const specText = printPhoenixSpec(spec);
       const key = {experimentName: 'raced', experimentOwner: 'test'};
       const accuracy = {metric: 'accuracy', goal: 'maximize'} as const;
       // Another worker, given --optimization_metric=accuracy, makes the
       // study after this one looked for it and before it opens it.
       const racing = withFirstCall(
           store, 'openStudy',
           async (...args: Parameters<typeof store.openStudy>) => {
             await store.openStudy(key, specText, accuracy);
             return store.openStudy(...args);
           });
       const log: string[] = [];
       try {
         const result = await runSearch({
           spec, specText, provider, store: racing, modelDir: dir,
           ...key, maxTrials: 1, trainSteps: 3, evalSteps: 1, batchSize: 8,
           objective: {metric: 'loss', goal: 'minimize'},
           objectiveGiven: false,
           hypertuningMethod: 'random', seed: 3,
           log: (line) => log.push(line),
         });

         assert.ok(log.includes('objective: accuracy (maximize), the study\'s'),
                   log.join('\n'));
         assert.equal(result.trials.filter((t) => t.state === 'COMPLETED')
                          .length, 1);
       } finally {
         await store.close();
         fs.rmSync(dir, {recursive: true, force: true});
       }
     });

  it('gives up after trial upon trial failed', async () => {
    await assert.rejects(
        search(() => ({}), 'SIGINT', NanLossProvider),
        new RegExp(`^SearchError: the last ${MAX_FAILED_IN_A_ROW} trials ` +
                   'failed \\(the last: training loss became NaN .*\\); ' +
                   'stopping the search: check ' +
                   'the data and the spec'));
  });
});

describe('a search stopped by a full disk', function() {
  this.timeout(120000);

  it('says what it could not record on its way out', async () => {
    const {dir, provider, spec, store: real} = await searchParts();
    // As a database and model directory on one full disk answer.
    const full = () => Object.assign(
        new Error('ENOSPC: no space left on device, write'),
        {code: 'ENOSPC', syscall: 'write'});
    const store = Object.assign(Object.create(real), {
      failTrial: async () => {
        throw full();
      },
    });
    const log: string[] = [];
    try {
      await assert.rejects(
          runSearch({
            spec, specText: printPhoenixSpec(spec), provider, store,
            modelDir: dir, experimentName: 'full', experimentOwner: 'test',
            maxTrials: 2, trainSteps: 3, evalSteps: 1, batchSize: 8,
            objective: {metric: 'loss', goal: 'minimize'},
            hypertuningMethod: 'random', seed: 3,
            observers: [{
              trialFiles: () => {
                throw full();
              },
              onStudyEnd: () => {
                throw full();
              },
            }],
            log: (line) => log.push(line),
          }),
          /^Error: ENOSPC: no space left on device, write$/);
    } finally {
      await real.close();
      fs.rmSync(dir, {recursive: true, force: true});
    }

    assert.deepEqual(log.slice(-2), [
      'trial 1 could not be marked FAILED (ENOSPC: no space left on ' +
          'device, write): it shows RUNNING until a worker takes it back (a ' +
          'search started again on this machine does so at once)',
      'the study\'s summaries could not be brought up to date (ENOSPC: no ' +
          'space left on device, write): study_summary.json and the others ' +
          'in --model_dir may lag behind the database, until a search of ' +
          'the study runs again',
    ]);
  });
});

describe('a search whose database fails as a trial is recorded', function() {
  this.timeout(120000);

  it('leaves the written trial RUNNING, to be completed from its directory',
     async () => {
       const {dir, provider, spec, store: real} = await searchParts();
       // As a database locked past the retry budget answers.
       const locked = () => new StoreError(
           'sqlite:x: complete trial failed after 10 attempts over 60 s ' +
               '(SQLITE_BUSY)',
           'SQLITE_BUSY');
       let failed = 0;
       const store = Object.assign(Object.create(real), {
         completeTrial: async (...args: Parameters<typeof real.completeTrial>) => {
           if (args[1] === 2) throw locked();
           return real.completeTrial(...args);
         },
         failTrial: async (...args: Parameters<typeof real.failTrial>) => {
           failed++;
           return real.failTrial(...args);
         },
       });
       const log: string[] = [];
       try {
         await assert.rejects(
             runSearch({
               spec, specText: printPhoenixSpec(spec), provider, store,
               modelDir: dir, experimentName: 'locked',
               experimentOwner: 'test', maxTrials: 3, trainSteps: 3,
               evalSteps: 1, batchSize: 8,
               objective: {metric: 'loss', goal: 'minimize'},
               hypertuningMethod: 'random', seed: 3,
               log: (line) => log.push(line),
             }),
             /^StoreError: sqlite:x: complete trial failed/);

         const trials = await real.listTrials(1);
         assert.deepEqual(trials.map((t) => [t.id, t.state]),
                          [[1, 'COMPLETED'], [2, 'RUNNING']]);
         assert.equal(failed, 0, 'no trial was marked FAILED');
         assert.ok(fs.existsSync(path.join(dir, '2', 'evaluation.json')));
         assert.ok(log.includes(
                       'trial 2: its directory is written, but the database ' +
                       'may not have recorded it COMPLETED (sqlite:x: ' +
                       'complete trial failed after 10 attempts over 60 s ' +
                       '(SQLITE_BUSY)); a search of the study started again ' +
                       'completes it from its directory'),
                   log.join('\n'));
         // As the next search does once this worker is gone (here: as if
         // another process of this machine had run it, and was gone).
         assert.equal(trials[1].workerId, localWorkerId());
         const gone = {...trials[1], workerId: `${machineName()}:999999`};
         // Its directory is whole: it will complete, unlike one lost
         // before its export, or a live worker's (which may yet).
         const noExists = () => false;
         assert.equal(endsWithoutMetrics(gone, dir, noExists), false);
         assert.equal(endsWithoutMetrics({...gone, directory: 'none'}, dir,
                                         noExists), true);
         assert.equal(endsWithoutMetrics({...gone, directory: 'none'}, dir,
                                         () => true), false);
         assert.equal(endsWithoutMetrics(trials[0], dir, noExists), false);
         const completed = await completeWrittenTrials(
             real, 1, dir, [trials[0], gone], () => {}, () => false);
         assert.deepEqual(completed, [2]);
         assert.equal((await real.listTrials(1))[1].state, 'COMPLETED');
       } finally {
         await real.close();
         fs.rmSync(dir, {recursive: true, force: true});
       }
     });
});

/**
 * A search of `maxTrials` short trials whose `remove` sees the study
 * after each trial (and may remove files).
 */
function searchRemoving(
    {dir, provider, spec, store}: Awaited<ReturnType<typeof searchParts>>,
    maxTrials: number, log: string[],
    remove: (trials: Trial[]) => void,
    duringTraining: () => void = () => {}): Promise<SearchResult> {
  return runSearch({
    spec, specText: printPhoenixSpec(spec), provider, store,
    modelDir: dir, experimentName: 'removed', experimentOwner: 'test',
    maxTrials, trainSteps: 3, evalSteps: 1, batchSize: 8,
    objective: {metric: 'loss', goal: 'minimize'},
    hypertuningMethod: 'random', seed: 3,
    observers: [{
      onStudyUpdate: (_dir: string, trials: Trial[]) => {
        remove(trials);
      },
      onTrainProgress: duringTraining,
    }],
    log: (line) => log.push(line),
  });
}

describe('a search whose model directory is removed', function() {
  this.timeout(120000);

  const ways: Array<[string, (dir: string) => void]> = [
    ['removed', (dir) => fs.rmSync(dir, {recursive: true, force: true})],
    ['replaced', (dir) => {
      fs.rmSync(dir, {recursive: true, force: true});
      fs.mkdirSync(dir);
    }],
    // As a removal under way takes the files first.
    ['emptied in part', (dir) => {
      for (const file of ['study_data.json', 'model_search.db']) {
        fs.rmSync(path.join(dir, file), {force: true});
      }
    }],
  ];
  it('stops before the commit when it is replaced while a trial trains',
     async () => {
       const parts = await searchParts();
       const {dir, store} = parts;
       let replaced = false;
       try {
         await assert.rejects(
             searchRemoving(parts, 4, [], () => {}, () => {
               if (replaced || !fs.existsSync(path.join(dir, '1'))) return;
               fs.renameSync(dir, `${dir}.old`);
               fs.mkdirSync(dir);
               replaced = true;
             }),
             /the model directory .* was removed \(or replaced\)/);
         // Trial 2 trained into the old directory and was not committed
         // into the new one.
         assert.deepEqual(fs.readdirSync(dir), []);
       } finally {
         await store.close();
         fs.rmSync(dir, {recursive: true, force: true});
         fs.rmSync(`${dir}.old`, {recursive: true, force: true});
       }
     });

  for (const [how, change] of ways) {
    it(`stops saying so when it is ${how}, writing nothing more into it`,
       async () => {
         const parts = await searchParts();
         const {dir, store} = parts;
         const log: string[] = [];
         let before: string[] = [];
         try {
           await assert.rejects(searchRemoving(parts, 4, log, (trials) => {
             if (trials.some((t) => t.state === 'COMPLETED') &&
                 before.length === 0) {
               change(dir);
               before = fs.existsSync(dir) ? fs.readdirSync(dir).sort() :
                                             ['none'];
             }
           }), (e: Error) => {
             assert.ok(e instanceof SearchError, String(e));
             assert.match(e.message, new RegExp(
                 `^the model directory ${dir} was removed ` +
                 '\\(or replaced\\) while the search ran'));
             return true;
           });
           assert.deepEqual(
               fs.existsSync(dir) ? fs.readdirSync(dir).sort() : ['none'],
               before);
         } finally {
           await store.close();
           fs.rmSync(dir, {recursive: true, force: true});
         }
       });
  }
});

/** Trial 3 ensembles trials 1 and 2. */
const POOL_OF_TWO =
    'ensemble_spec { ensemble_search_type: NONADAPTIVE_ENSEMBLE_SEARCH ' +
    'nonadaptive_search { minimal_pool_size: 2 width: 2 ' +
    'num_trials_to_consider: 2 } }\n';

describe('a search whose earlier trial directory is removed', function() {
  this.timeout(120000);

  it('fails the trial that imports it, and goes on without it', async () => {
    // Trial 3 ensembles trials 1 and 2; trial 4 the best of what is left.
    const {dir, provider, spec, store} = await searchParts(POOL_OF_TWO);
    const log: string[] = [];
    try {
      await searchRemoving(
          {dir, provider, spec, store}, 3, log, (trials) => {
            // Once trial 2 is in, trial 1's directory goes.
            if (trials.filter((t) => t.state === 'COMPLETED').length === 2) {
              fs.rmSync(path.join(dir, '1'), {recursive: true, force: true});
            }
          });

      const trials = await store.listTrials(1);
      assert.deepEqual(trials.map((t) => [t.id, t.state]),
                       [[1, 'COMPLETED'], [2, 'COMPLETED'], [3, 'FAILED'],
                        [4, 'COMPLETED']]);
      assert.equal(trials[2].failureReason,
                   `trial 3 imports trial 1, whose directory ${
                       path.join(dir, '1')} was removed`);
      assert.deepEqual(trials[3].extra?.['members'], [2]);
      assert.ok(log.includes(
                    'trial 1 is left out of the trials this search plans ' +
                    'from (ensembles, warm starts, teachers and the search ' +
                    'algorithm): its files cannot be used'),
                log.join('\n'));
    } finally {
      await store.close();
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });

  it('marks a damaged one, which the study\'s next searches leave out',
     async () => {
       const {dir, provider, spec, store} = await searchParts(POOL_OF_TWO);
       const log: string[] = [];
       try {
         await searchRemoving(
             {dir, provider, spec, store}, 3, log, (trials) => {
               // Once trial 2 is in, trial 1's weights are damaged in place.
               const weights = path.join(dir, '1', 'model', 'weights.bin');
               if (trials.filter((t) => t.state === 'COMPLETED').length === 2 &&
                   fs.existsSync(weights) &&
                   !fs.existsSync(path.join(dir, '1', 'unusable.txt'))) {
                 const bytes = fs.readFileSync(weights);
                 bytes[bytes.length - 1] ^= 0xff;
                 fs.writeFileSync(weights, bytes);
               }
             });
         assert.deepEqual(
             (await store.listTrials(1)).map((t) => [t.id, t.state]),
             [[1, 'COMPLETED'], [2, 'COMPLETED'], [3, 'FAILED'],
              [4, 'COMPLETED']]);
         assert.match(fs.readFileSync(path.join(dir, '1', 'unusable.txt'),
                                      'utf8'),
                      /^trial 3 .*not the weights model\.json was saved with/);

         const again: string[] = [];
         await searchRemoving({dir, provider, spec, store}, 4, again, () => {});

         assert.ok(again.includes(
                       'warning: trial 1 of the study is marked unusable ' +
                       '(unusable.txt in its directory says why): this ' +
                       'search plans without it; remove the file once the ' +
                       'files are repaired'),
                   again.join('\n'));
         // Still ranked (its metrics stand), but marked in the closing list.
         assert.ok(again.some((l) => /^  trial 1 .* \(files damaged: its unusable\.txt says which\)$/.test(l)),
                   again.join('\n'));
         assert.deepEqual(
             (await store.listTrials(1)).map((t) => [t.id, t.state]),
             [[1, 'COMPLETED'], [2, 'COMPLETED'], [3, 'FAILED'],
              [4, 'COMPLETED'], [5, 'COMPLETED']]);
       } finally {
         await store.close();
         fs.rmSync(dir, {recursive: true, force: true});
       }
     });
});

describe('a study\'s seed', function() {
  this.timeout(120000);

  /** Runs `maxTrials` trials of a study in `parts`' directory. */
  const searchWith = async (
      parts: Awaited<ReturnType<typeof searchParts>>, maxTrials: number,
      seed: number, seedFromClock: boolean) => {
    const log: string[] = [];
    await runSearch({
      spec: parts.spec, specText: printPhoenixSpec(parts.spec),
      provider: parts.provider, store: parts.store, modelDir: parts.dir,
      experimentName: 'seeded', experimentOwner: 'test', maxTrials,
      trainSteps: 2, evalSteps: 1, batchSize: 4,
      objective: {metric: 'loss', goal: 'minimize'},
      hypertuningMethod: 'random', seed, seedFromClock,
      log: (line) => log.push(line),
    });
    return log;
  };

  it('is the first worker\'s for a worker whose seed was its clock\'s',
     async () => {
       // Trial 1 recorded by a worker of seed 5; then one that drew 9 from
       // its clock as it started, before the record was there.
       const joined = await searchParts();
       const whole = await searchParts();
       try {
         await searchWith(joined, 1, 5, true);
         const log = await searchWith(joined, 3, 9, true);
         await searchWith(whole, 3, 5, true);

         assert.ok(log.includes(
                       'seed 5: the study\'s, recorded by the worker that ' +
                       'started it a moment before this one (not this ' +
                       'worker\'s clock\'s, 9)'),
                   log.join('\n'));
         const planned = async (dir: string) =>
             (await storedTrials(dir)).map((t) => [t.architecture, t.hparams]);
         assert.deepEqual(await planned(joined.dir), await planned(whole.dir));
       } finally {
         await joined.store.close();
         await whole.store.close();
       }
     });

  it('stays the one given with --phoenix_tf_random_seed, warned of',
     async () => {
    const parts = await searchParts();
    try {
      await searchWith(parts, 1, 5, true);
      const log = await searchWith(parts, 2, 9, false);
      assert.ok(!log.some((l) => l.startsWith('seed ')), log.join('\n'));
      assert.ok(log.includes(
                    'warning: the study planned its trials from seed 5 (its ' +
                    'study_data.json); this worker plans from ' +
                    '--phoenix_tf_random_seed=9, so its trials differ from ' +
                    'those one uninterrupted run would have planned; leave ' +
                    'the flag out to plan from the study\'s seed'),
                log.join('\n'));
    } finally {
      await parts.store.close();
    }
  });
});
