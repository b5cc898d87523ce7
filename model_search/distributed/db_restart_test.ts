/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Three copies of the CSV search binary run one study against a database
 * server that is shut down in the middle of the study and started again a
 * few seconds later. The workers retry with backoff and carry on: the
 * study ends with exactly the requested COMPLETED trials, ids unique, no
 * trial FAILED, lost or reported twice.
 *
 * The server is one of the test's own (private_servers.ts), so stopping it
 * disturbs no other test.
 */

import * as assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import {createStore} from '../metadata/create_store';
import type {SqlStore} from '../metadata/sql_store';

import {PrivateServer, removeOrphanedServers, startPrivateMariadb, startPrivatePostgres} from './private_servers';
import {SearchWorker, describeExit, sleep, studySummary, tinyStudyArgs} from './search_workers';
import {checkLogs, checkStudy, describeTrials} from './study_checks';
import {waitForTrials} from './study_watch';
import {SKIP_SERVERS} from './test_databases';

const WORKERS = 3;
const MAX_TRIALS = 8;
const WORKER_TIMEOUT_MS = 150_000;
/** Longer than a tiny trial, so every worker finds the server gone. */
const DOWN_MS = 3000;

/** What a worker logs when the store retries or reopens a connection. */
const RETRIED = /^metadata: .*(hit .* retrying|idle connection lost)/m;

const SERVERS: Array<{title: string, start: () => Promise<PrivateServer>}> = [
  {title: 'PostgreSQL', start: startPrivatePostgres},
  {title: 'MariaDB', start: startPrivateMariadb},
];

for (const {title, start} of SERVERS) {
  describe(`csv_data_binary workers while ${title} restarts`, function() {
    let dir = '';
    let server: PrivateServer|undefined;
    let store: SqlStore|undefined;
    const workers: SearchWorker[] = [];

    before(async function() {
      if (SKIP_SERVERS) this.skip();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-restart-'));
      server = await start();
      store = await createStore({url: server.url, logger: () => undefined});
    });

    after(async () => {
      for (const w of workers) w.signal('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
      await store?.close();
      await server?.destroy();
      if (dir !== '') fs.rmSync(dir, {recursive: true, force: true});
    });

    it('completes the study with nothing lost or duplicated', async () => {
      const modelDir = path.join(dir, 'model');
      const experimentName = `restart of ${title}`;
      const args = tinyStudyArgs({
        modelDir,
        experimentName,
        maxTrials: MAX_TRIALS,
        metadataDb: server!.url,
      });
      for (let i = 0; i < WORKERS; i++) {
        workers.push(SearchWorker.start(
            `w${i}`, [...args, `--tuner_id=w${i}`],
            {timeoutMs: WORKER_TIMEOUT_MS}));
      }

      const {trials: before} = await waitForTrials(
          store!, experimentName, '2 COMPLETED trials',
          (trials) => trials.filter((t) => t.state === 'COMPLETED').length >= 2,
          60_000);
      await server!.stop();
      await sleep(DOWN_MS);
      await server!.start();
      const exits = await Promise.all(workers.map((w) => w.exited));

      const problems: string[] = [];
      const completedBefore =
          before.filter((t) => t.state === 'COMPLETED').length;
      if (completedBefore >= MAX_TRIALS) {
        problems.push(`the study was over before the restart: ${
            describeTrials(before)}`);
      }
      workers.forEach((w, i) => {
        const exit = exits[i];
        if (exit.code !== 0) problems.push(describeExit(w, exit));
        const summary = studySummary(exit.log, experimentName);
        if (summary?.completed !== MAX_TRIALS || summary.failed !== 0) {
          problems.push(`worker ${w.name} printed no summary of ${
              MAX_TRIALS} completed, 0 failed: ${JSON.stringify(summary)}`);
        }
      });
      if (!workers.some((w) => RETRIED.test(w.log))) {
        problems.push('no worker logged a retry: none saw the server go');
      }
      const trials = await store!.listTrials(
          (await store!.listStudies()).find(
              (s) => s.experimentName === experimentName)!.studyId);
      problems.push(...checkStudy(modelDir, trials, {completed: MAX_TRIALS}));
      problems.push(...checkLogs(
          new Map(workers.map((w) => [w.name, w.log])), trials));
      assert.deepEqual(problems, [], `server log ends:\n${server!.logTail()}`);
      assert.deepEqual(trials.map((t) => t.id),
                       Array.from({length: MAX_TRIALS}, (_, i) => i + 1));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({host: '127.0.0.1', port});
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync('true');
  assert.ok(child.pid !== undefined && child.pid > 0);
  return child.pid;
}

for (const {title, start} of SERVERS) {
  describe(`a private ${title} server whose test was killed`, function() {
    let server: PrivateServer|undefined;

    before(function() {
      if (SKIP_SERVERS) this.skip();
    });

    after(async () => {
      await server?.destroy();
    });

    it('is stopped and removed by the next start', async () => {
      server = await start();
      const probe = await createStore({url: server.url,
                                       logger: () => undefined});
      await probe.close();
      // As if the process that started it had been killed.
      fs.writeFileSync(path.join(server.dir, 'owner.pid'), `${deadPid()}\n`);

      const removed = await removeOrphanedServers();

      assert.ok(removed.includes(server.dir), removed.join(', '));
      assert.equal(fs.existsSync(server.dir), false);
      assert.equal(await listens(server.port), false,
                   `port ${server.port} still answers`);
    });

    it('leaves the servers of live tests alone', async () => {
      const live = await start();
      try {
        assert.equal((await removeOrphanedServers()).includes(live.dir), false);
        assert.ok(fs.existsSync(live.dir));
      } finally {
        await live.destroy();
      }
    });
  });
}
