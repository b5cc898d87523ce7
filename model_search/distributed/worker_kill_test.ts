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
import {checkLogs, checkStudy, describeTrials} from './study_checks';
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
         const trials = await store!.listTrials(killed.studyId);
         // Killed after its directory was in place (export done), the
         // trial is completed from it instead (lost_trials.ts); a late
         // completion may then come on top of the budget.
         const recovered = trials.find((t) => t.id === killed.trialId)
                               ?.state === 'COMPLETED';
         const completed =
             trials.filter((t) => t.state === 'COMPLETED').length;
         if (completed !== MAX_TRIALS &&
             !(recovered && completed === MAX_TRIALS + 1)) {
           problems.push(`${completed} trials COMPLETED, expected ${
               MAX_TRIALS}${recovered ? ` or ${MAX_TRIALS + 1}` : ''}`);
         }
         survivors.forEach((w, i) => {
           const exit = exits[i];
           if (exit.code !== 0) problems.push(describeExit(w, exit));
           const summary = studySummary(exit.log, experimentName);
           // The killed worker's trial FAILED, or completed from its
           // directory (perhaps after this survivor's summary).
           if (summary === undefined || summary.completed < MAX_TRIALS ||
               summary.failed > 1) {
             problems.push(`worker ${w.name} printed no summary of ${
                 MAX_TRIALS} completed, at most 1 failed: ${
                 JSON.stringify(summary)}`);
           }
         });
         problems.push(...checkStudy(modelDir, trials, {
           completed,
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
         // The lost trial, and the one that took its place unless it was
         // completed before its lease ran out.
         assert.ok(trials.length <= MAX_TRIALS + 1, describeTrials(trials));
       });
  });
}
