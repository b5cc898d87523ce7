/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A live worker keeps its trial however long it trains: the binary runs
 * one trial several times longer than its --metadata_lease_seconds while
 * the test asks the store for a trial every 100 ms, as an idle worker
 * would. Each of those asks marks FAILED any RUNNING trial whose lease ran
 * out, so the trial survives only if its heartbeats get through during
 * training.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {createStore} from '../metadata/create_store';
import type {SqlStore} from '../metadata/sql_store';

import {SearchWorker, describeExit, sleep, studySummary, tinyStudyArgs} from './search_workers';
import {checkStudy, describeTrials} from './study_checks';
import {waitForTrials} from './study_watch';
import {TestDatabase, createTestDatabase} from './test_databases';

const LEASE_SECONDS = 1;
/** How long the trial must stay RUNNING for the test to mean anything. */
const OUTLIVE_LEASES = 3;
/**
 * 4 to 10 s of training with seed 2's architecture on a 2-core machine
 * (1 to 2.5 ms a step), above the 3 s the test needs.
 */
const TRAIN_STEPS = 4000;
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
    worker = SearchWorker.start('long', [
      ...tinyStudyArgs({
        modelDir,
        experimentName,
        maxTrials: 1,
        trainSteps: TRAIN_STEPS,
        leaseSeconds: LEASE_SECONDS,
      }),
      '--phoenix_tf_random_seed=2',
    ], {timeoutMs: WORKER_TIMEOUT_MS});

    const {studyId, trials: [trial]} = await waitForTrials(
        store!, experimentName, 'the RUNNING trial',
        (trials) => trials.some((t) => t.state === 'RUNNING'), 60_000);
    const startedAt = Date.parse(trial.startedAt!);
    let runningFor = 0;
    const probes: string[] = [];
    for (;;) {
      // maxTrials 1 with the trial RUNNING: the answer is 'wait' (then
      // 'done'), after expiring the trial if its lease ran out.
      const answer =
          await store!.startTrial(studyId, 1, 'idle worker', 600);
      const now = (await store!.listTrials(studyId))[0];
      if (answer.status === 'started' || now.state === 'FAILED') {
        probes.push(`${answer.status}: ${describeTrials([now])} ${
            now.failureReason ?? ''}`);
        break;
      }
      if (now.state !== 'RUNNING') break;
      runningFor = Date.now() - startedAt;
      await sleep(100);
    }
    const exit = await worker.exited;

    assert.deepEqual(probes, [], 'the trial was taken for lost');
    assert.equal(exit.code, 0, describeExit(worker, exit));
    assert.deepEqual(studySummary(exit.log, experimentName),
                     {completed: 1, failed: 0});
    assert.deepEqual(
        checkStudy(modelDir, await store!.listTrials(studyId),
                   {completed: 1}),
        []);
    assert.ok(runningFor > OUTLIVE_LEASES * LEASE_SECONDS * 1000,
              `the trial ran for only ${runningFor} ms, not ${
                  OUTLIVE_LEASES} leases of ${LEASE_SECONDS} s: raise ` +
                  'TRAIN_STEPS so that the test means something');
  });
});
