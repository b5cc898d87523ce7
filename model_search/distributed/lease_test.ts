/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A live worker keeps its trial however long it trains: the binary trains
 * one long trial while the test asks the store for a trial every 200 ms,
 * as an idle worker would. Each of those asks marks FAILED any RUNNING
 * trial whose lease ran out, so the trial survives only if its heartbeats
 * get through during training. Once it has stayed RUNNING for several
 * leases, that is shown, and the worker is stopped (the trial would train
 * for minutes).
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {createStore} from '../metadata/create_store';
import type {SqlStore} from '../metadata/sql_store';

import {SearchWorker, describeExit, sleep, tinyStudyArgs} from './search_workers';
import {describeTrials} from './study_checks';
import {waitForTrials} from './study_watch';
import {TestDatabase, createTestDatabase} from './test_databases';

/** Short, yet long enough for heartbeats on a loaded 2-core machine. */
const LEASE_SECONDS = 2;
/** How long the trial stays RUNNING, probed, before the test ends. */
const OUTLIVE_LEASES = 3;
/** Minutes of training, far more than the test waits for. */
const TRAIN_STEPS = 200_000;
const WORKER_TIMEOUT_MS = 120_000;

describe('csv_data_binary with a trial longer than its lease', () => {
  let dir = '';
  let db: TestDatabase|undefined;
  let store: SqlStore|undefined;
  let worker: SearchWorker|undefined;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-lease-'));
    fs.mkdirSync(path.join(dir, 'model'));
    db = await createTestDatabase(
        'sqlite', path.join(dir, 'model', 'model_search.db'));
    store = await createStore({url: db.url, logger: () => undefined});
  });

  after(async () => {
    worker?.signal('SIGKILL');
    await worker?.exited;
    await store?.close();
    if (dir !== '') fs.rmSync(dir, {recursive: true, force: true});
  });

  it('keeps the trial through heartbeats while training', async () => {
    const modelDir = path.join(dir, 'model');
    const experimentName = 'long trial';
    worker = SearchWorker.start('long', tinyStudyArgs({
      modelDir,
      experimentName,
      maxTrials: 1,
      trainSteps: TRAIN_STEPS,
      leaseSeconds: LEASE_SECONDS,
    }), {timeoutMs: WORKER_TIMEOUT_MS});

    const {studyId, trials: [trial]} = await waitForTrials(
        store!, experimentName, 'the RUNNING trial',
        (trials) => trials.some((t) => t.state === 'RUNNING'), 60_000);
    const startedAt = Date.parse(trial.startedAt!);
    const outlive = OUTLIVE_LEASES * LEASE_SECONDS * 1000;
    const problems: string[] = [];
    while (Date.now() - startedAt < outlive) {
      // maxTrials 1 with the trial RUNNING: the answer is 'wait', after
      // expiring the trial if its lease ran out.
      const answer =
          await store!.startTrial(studyId, 1, 'idle worker', 600);
      const now = (await store!.listTrials(studyId))[0];
      if (answer.status !== 'wait' || now.state !== 'RUNNING') {
        problems.push(`after ${Date.now() - startedAt} ms: ${
            answer.status}, ${describeTrials([now])} ${
            now.failureReason ?? ''}`);
        break;
      }
      await sleep(200);
    }
    const [row] = await db!.all(
        'SELECT heartbeat_at, started_at FROM trials WHERE trial_id = ?',
        [trial.id]);
    worker.signal('SIGKILL');
    const exit = await worker.exited;

    assert.deepEqual(problems, [], describeExit(worker, exit));
    assert.equal(exit.signal, 'SIGKILL', describeExit(worker, exit));
    // The last heartbeat came within one lease of the end of the watch.
    const beatFor = Number(row['heartbeat_at']) - Number(row['started_at']);
    assert.ok(beatFor >= outlive - LEASE_SECONDS * 1000,
              `last heartbeat ${beatFor} ms after the start`);
  });
});
