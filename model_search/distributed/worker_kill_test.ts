/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Four copies of the CSV search binary run one study of 12 trials on each
 * store while one of them is SIGKILLed in the middle of a trial. The study
 * must still end with exactly 12 COMPLETED trials, each with a complete
 * directory, and the dead worker's trial FAILED as lost.
 *
 * The workers run with a short lease (--metadata_lease_seconds), so the
 * dead worker's trial runs out of lease within seconds and one of the
 * survivors' own startTrial marks it FAILED; the survivors' heartbeats keep
 * their trials, however long they take. (A survivor told to wait may mark
 * it first, seeing that the process of its worker id, on this machine, is
 * gone: the same FAILED as lost, local_workers.ts.)
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {createStore} from '../metadata/create_store';
import type {SqlStore} from '../metadata/sql_store';

import {SearchWorker, describeExit, studySummary, tinyStudyArgs} from './search_workers';
import {checkLogs, checkStudy} from './study_checks';
import {killDuringTrial} from './study_watch';
import {Dialect, SHORT_LEASE_SECONDS, SKIP_SERVERS, TestDatabase, createTestDatabase} from './test_databases';

const WORKERS = 4;
const MAX_TRIALS = 12;
const WORKER_TIMEOUT_MS = 150_000;

const STORES: Array<{dialect: Dialect, title: string}> = [
  {dialect: 'sqlite', title: 'SQLite (model_dir/model_search.db)'},
  {dialect: 'postgres', title: 'PostgreSQL'},
  {dialect: 'mysql', title: 'MariaDB'},
];

for (const {dialect, title} of STORES) {
  describe(`csv_data_binary workers sharing ${title}`, function() {
    let dir = '';
    let db: TestDatabase|undefined;
    let store: SqlStore|undefined;
    const workers: SearchWorker[] = [];

    before(async function() {
      if (dialect !== 'sqlite' && SKIP_SERVERS) this.skip();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), `ms-kill-${dialect}-`));
      fs.mkdirSync(path.join(dir, 'model'));
      db = await createTestDatabase(
          dialect, path.join(dir, 'model', 'model_search.db'));
      store = await createStore({url: db.url, logger: () => undefined});
    });

    after(async () => {
      for (const w of workers) w.signal('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
      await store?.close();
      await db?.drop();
      if (dir !== '') fs.rmSync(dir, {recursive: true, force: true});
    });

    it('completes the budget when a worker is SIGKILLed mid-trial',
       async () => {
         const modelDir = path.join(dir, 'model');
         const experimentName = `killed worker on ${dialect}`;
         const args = tinyStudyArgs({
           modelDir,
           experimentName,
           maxTrials: MAX_TRIALS,
           // SQLite: the default file in model_dir, which the workers share.
           metadataDb: dialect === 'sqlite' ? undefined : db!.url,
           leaseSeconds: SHORT_LEASE_SECONDS,
         });
         for (let i = 0; i < WORKERS; i++) {
           workers.push(SearchWorker.start(
               `w${i}`, [...args, `--tuner_id=w${i}`],
               {timeoutMs: WORKER_TIMEOUT_MS}));
         }

         const killed =
             await killDuringTrial(store!, experimentName, workers, 2, 60_000);
         const survivors = workers.filter((w) => w !== killed.worker);
         const exits = await Promise.all(survivors.map((w) => w.exited));

         const problems: string[] = [];
         survivors.forEach((w, i) => {
           const exit = exits[i];
           if (exit.code !== 0) problems.push(describeExit(w, exit));
           const summary = studySummary(exit.log, experimentName);
           if (summary?.completed !== MAX_TRIALS || summary.failed !== 1) {
             problems.push(`worker ${w.name} printed no summary of ${
                 MAX_TRIALS} completed, 1 failed: ${JSON.stringify(summary)}`);
           }
         });
         const trials = await store!.listTrials(killed.studyId);
         problems.push(...checkStudy(modelDir, trials, {
           completed: MAX_TRIALS,
           lost: [killed.trialId],
           killedPids: [killed.worker.pid],
         }));
         problems.push(...checkLogs(
             new Map(workers.map((w) => [w.name, w.log])), trials));
         const ran = new Set(trials.filter((t) => t.state === 'COMPLETED')
                                 .map((t) => t.workerId));
         if (ran.size < 2) {
           problems.push(`only ${[...ran].join(',')} completed trials: the ` +
                         'workers did not share the study');
         }
         assert.deepEqual(problems, [],
                          `killed ${killed.worker.name} in trial ${
                              killed.trialId} after ${
                              killed.completedBefore} completed`);
         assert.equal(trials.length, MAX_TRIALS + 1);
       });
  });
}
