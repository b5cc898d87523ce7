/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A single-machine search (SQLite in model_dir) SIGKILLed in the middle of
 * a trial and started again with the same command resumes: it says what it
 * reloaded, marks the interrupted trial FAILED as lost, keeps the finished
 * trials as they were and runs on to the budget.
 *
 * The restarted process has another pid, hence another worker id, so the
 * dead run's trial is freed only when its lease runs out: both runs get a
 * short --metadata_lease_seconds for that.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {createStore} from '../metadata/create_store';
import type {SqlStore} from '../metadata/sql_store';

import {SearchWorker, describeExit, studySummary, tinyStudyArgs, trialsLogged} from './search_workers';
import {checkStudy} from './study_checks';
import {killDuringTrial} from './study_watch';
import {SHORT_LEASE_SECONDS, TestDatabase, createTestDatabase} from './test_databases';

const MAX_TRIALS = 6;
const WORKER_TIMEOUT_MS = 120_000;

describe('csv_data_binary restarted on a single-machine SQLite study', () => {
  let dir = '';
  let db: TestDatabase|undefined;
  let store: SqlStore|undefined;
  const workers: SearchWorker[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-resume-'));
    fs.mkdirSync(path.join(dir, 'model'));
    db = await createTestDatabase(
        'sqlite', path.join(dir, 'model', 'model_search.db'));
    store = await createStore({url: db.url, logger: () => undefined});
  });

  after(async () => {
    for (const w of workers) w.signal('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await store?.close();
    if (dir !== '') fs.rmSync(dir, {recursive: true, force: true});
  });

  it('reloads its trials, fails the interrupted one and finishes the budget',
     async () => {
       const modelDir = path.join(dir, 'model');
       const experimentName = 'resumed study';
       const args = tinyStudyArgs({
         modelDir,
         experimentName,
         maxTrials: MAX_TRIALS,
         leaseSeconds: SHORT_LEASE_SECONDS,
       });

       const first = SearchWorker.start('first', args,
                                        {timeoutMs: WORKER_TIMEOUT_MS});
       workers.push(first);
       const killed =
           await killDuringTrial(store!, experimentName, [first], 2, 60_000);
       const finished = (await store!.listTrials(killed.studyId))
                            .filter((t) => t.state === 'COMPLETED');
       const before = new Map(finished.map(
           (t) => [t.id, fs.readFileSync(
                             path.join(modelDir, t.directory!,
                                       'evaluation.json'),
                             'utf8')]));
       const lastId = Math.max(killed.trialId, ...finished.map((t) => t.id));

       const second = SearchWorker.start('second', args,
                                         {timeoutMs: WORKER_TIMEOUT_MS});
       workers.push(second);
       const exit = await second.exited;

       assert.equal(exit.code, 0, describeExit(second, exit));
       const log = exit.log;
       const reloaded = `resuming study "${experimentName}": reloaded ${
           finished.length + 1} trials (${finished.length} completed, 0 ` +
           'failed, 1 running)';
       assert.ok(log.includes(reloaded), `no "${reloaded}" in:\n${log}`);
       // Its process is gone and ran on this machine: taken back at once,
       // not after the lease.
       const lost = `trial ${killed.trialId} of a search that stopped on ` +
           'this machine marked FAILED; new trials take their place';
       assert.ok(log.includes(lost), `no "${lost}" in:\n${log}`);
       assert.deepEqual(studySummary(log, experimentName),
                        {completed: MAX_TRIALS, failed: 1});
       const ran = trialsLogged(log);
       assert.equal(ran.length, MAX_TRIALS - finished.length);
       assert.ok(ran.every((id) => id > lastId),
                 `the restart re-ran old trial ids: ${ran.join(',')}`);

       const trials = await store!.listTrials(killed.studyId);
       assert.deepEqual(checkStudy(modelDir, trials, {
         completed: MAX_TRIALS,
         lost: [killed.trialId],
         killedPids: [first.pid],
       }), []);
       for (const [id, text] of before) {
         assert.equal(
             fs.readFileSync(path.join(modelDir, String(id), 'evaluation.json'),
                             'utf8'),
             text, `trial ${id}'s directory changed after the restart`);
       }
     });
});
