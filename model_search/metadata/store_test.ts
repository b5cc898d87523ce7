/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * One suite run against the three stores: SQLite on a temporary file,
 * PostgreSQL at 127.0.0.1:5432 (user postgres) and MariaDB at
 * 127.0.0.1:3306 (user root), each in a database created for this run and
 * dropped after it. A server that does not answer fails its tests, unless
 * MS_SKIP_DB_SERVERS=1.
 */

import Database from 'better-sqlite3';
import * as assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as mysql from 'mysql2/promise';
import {Client} from 'pg';

import {UsageError} from '../errors';
import {createStore, StoreOptions} from './create_store';
import {StoreError} from './retry';
import {SqlStore} from './sql_store';
import type {Trial} from './trial';

type Row = Record<string, unknown>;

const SKIP_SERVERS = process.env['MS_SKIP_DB_SERVERS'] === '1';
const RUN_ID = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const SPEC = 'search_type: ADAPTIVE_COORDINATE_DESCENT\n' +
    'minimal_depth: 2\nmaximal_depth: 5\n';

/** One database server (or file) the suite runs against. */
interface Backend {
  title: string;
  /** Checks the server answers and creates the run's first database. */
  setUp(): Promise<void>;
  /** Drops every database this run created. */
  tearDown(): Promise<void>;
  /** A new, empty database for this run; returns its URL. */
  freshDatabase(): Promise<string>;
  /** Runs one statement outside any store (setting up old schemas). */
  exec(url: string, sql: string, params?: unknown[]): Promise<Row[]>;
  /** Closes the server side of every store connection to `url`. */
  dropConnections?(url: string): Promise<number>;
  /**
   * Locks the trials table of `url` from a session of its own, as a user
   * at a database prompt could; resolves to what unlocks it.
   */
  lockTrials?(url: string): Promise<() => Promise<void>>;
}

function serverMissing(what: string, err: unknown): Error {
  const code = (err as {code?: string}).code ?? (err as Error).message;
  return new Error(`${what} did not answer (${code}); CI starts it, or set ` +
                   'MS_SKIP_DB_SERVERS=1 to skip the tests that need it');
}

class SqliteBackend implements Backend {
  readonly title = 'SqliteStore';
  private dir = '';
  private count = 0;

  async setUp(): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-metadata-'));
  }

  async tearDown(): Promise<void> {
    fs.rmSync(this.dir, {recursive: true, force: true});
  }

  async freshDatabase(): Promise<string> {
    return `sqlite:${path.join(this.dir, `db${++this.count}.db`)}`;
  }

  async exec(url: string, sql: string, params: unknown[] = []):
      Promise<Row[]> {
    const db = new Database(url.slice('sqlite:'.length));
    try {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all(...params) as Row[];
      statement.run(...params);
      return [];
    } finally {
      db.close();
    }
  }
}

class PostgresBackend implements Backend {
  readonly title = 'PostgresStore';
  private readonly databases: string[] = [];
  private admin?: Client;

  async setUp(): Promise<void> {
    const admin = new Client({
      host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test',
      connectionTimeoutMillis: 3000,
    });
    try {
      await admin.connect();
    } catch (err) {
      throw serverMissing(
          'PostgreSQL at 127.0.0.1:5432 (user postgres, database test)', err);
    }
    admin.on('error', () => undefined);
    this.admin = admin;
  }

  async tearDown(): Promise<void> {
    if (this.admin === undefined) return;
    for (const name of this.databases) {
      await this.admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
    await this.admin.end();
  }

  async freshDatabase(): Promise<string> {
    const name = `ms_test_${RUN_ID}_${this.databases.length + 1}`;
    await this.admin!.query(`CREATE DATABASE ${name}`);
    this.databases.push(name);
    return `postgres://postgres@127.0.0.1:5432/${name}`;
  }

  async exec(url: string, sql: string, params: unknown[] = []):
      Promise<Row[]> {
    const client = new Client({connectionString: url});
    await client.connect();
    try {
      let n = 0;
      return (await client.query(sql.replace(/\?/g, () => `$${++n}`), params))
          .rows;
    } finally {
      await client.end();
    }
  }

  async lockTrials(url: string): Promise<() => Promise<void>> {
    const client = new Client({connectionString: url});
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE trials IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await client.query('COMMIT');
      await client.end();
    };
  }

  /** Runs `sql` on the server's test database, as its superuser. */
  async adminQuery(sql: string): Promise<void> {
    await this.admin!.query(sql);
  }

  async dropConnections(url: string): Promise<number> {
    const result = await this.admin!.query(
        'SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity ' +
            'WHERE datname = $1 AND pid <> pg_backend_pid()',
        [new URL(url).pathname.slice(1)]);
    return result.rowCount ?? 0;
  }
}

class MysqlBackend implements Backend {
  readonly title = 'MysqlStore';
  private readonly databases: string[] = [];
  private admin?: mysql.Connection;

  async setUp(): Promise<void> {
    try {
      this.admin = await mysql.createConnection(
          {host: '127.0.0.1', port: 3306, user: 'root', connectTimeout: 3000});
    } catch (err) {
      throw serverMissing('MariaDB at 127.0.0.1:3306 (user root)', err);
    }
  }

  async tearDown(): Promise<void> {
    if (this.admin === undefined) return;
    for (const name of this.databases) {
      await this.admin.query(`DROP DATABASE IF EXISTS ${name}`);
    }
    await this.admin.end();
  }

  async freshDatabase(): Promise<string> {
    const name = `ms_test_${RUN_ID}_${this.databases.length + 1}`;
    await this.admin!.query(`CREATE DATABASE ${name}`);
    this.databases.push(name);
    return `mysql://root@127.0.0.1:3306/${name}`;
  }

  async exec(url: string, sql: string, params: unknown[] = []):
      Promise<Row[]> {
    const conn = await mysql.createConnection(url);
    try {
      const [rows] = await conn.query(sql, params);
      return Array.isArray(rows) ? rows as Row[] : [];
    } finally {
      await conn.end();
    }
  }

  async lockTrials(url: string): Promise<() => Promise<void>> {
    const conn = await mysql.createConnection(url);
    await conn.query('LOCK TABLES trials WRITE');
    return async () => {
      await conn.query('UNLOCK TABLES');
      await conn.end();
    };
  }

  async dropConnections(url: string): Promise<number> {
    const [rows] = await this.admin!.query(
        'SELECT ID AS id FROM information_schema.PROCESSLIST ' +
            'WHERE DB = ? AND ID <> CONNECTION_ID()',
        [new URL(url).pathname.slice(1)]);
    for (const row of rows as Row[]) {
      await this.admin!.query('KILL CONNECTION ?', [Number(row['id'])])
          .catch(() => undefined);
    }
    return (rows as Row[]).length;
  }
}

/** A clock the test moves by hand. */
class FakeClock {
  now = Date.UTC(2026, 0, 1);
  readonly read = () => this.now;
  advance(seconds: number): void {
    this.now += seconds * 1000;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An error as a dropped connection raises it. */
function connectionReset(): Error {
  return Object.assign(new Error('read ECONNRESET (simulated)'),
                       {code: 'ECONNRESET'});
}

function assertLogged(lines: string[], pattern: RegExp): void {
  assert.ok(lines.some((line) => pattern.test(line)),
            `no log line matches ${pattern}:\n${lines.join('\n')}`);
}

async function expectReject(promise: Promise<unknown>, pattern: RegExp):
    Promise<Error> {
  try {
    await promise;
  } catch (err) {
    assert.match((err as Error).message, pattern);
    return err as Error;
  }
  assert.fail(`expected a rejection matching ${pattern}`);
}

const BACKENDS: Backend[] =
    [new SqliteBackend(), new PostgresBackend(), new MysqlBackend()];

for (const backend of BACKENDS) {
  describe(backend.title, function() {
    this.timeout(30_000);
    let url = '';
    let store: SqlStore;
    let lines: string[] = [];
    const opened: SqlStore[] = [];
    let studyCount = 0;

    /** A store on `at` (the run's database unless given); closed after. */
    async function open(options: Partial<StoreOptions> = {}, at = url):
        Promise<SqlStore> {
      const s = await createStore({
        url: at,
        logger: (line) => lines.push(line),
        retry: {maxElapsedMs: 10_000, initialDelayMs: 10},
        poolSize: 2,
        ...options,
      });
      opened.push(s);
      return s;
    }

    async function newStudy(s: SqlStore = store): Promise<number> {
      const key = {experimentName: `study ${++studyCount}`,
                   experimentOwner: 'tester'};
      return (await s.openStudy(key, SPEC)).studyId;
    }

    async function started(
        s: SqlStore, studyId: number, max: number, worker = 'w0',
        lease = 60): Promise<Trial> {
      const result = await s.startTrial(studyId, max, worker, lease);
      assert.equal(result.status, 'started', JSON.stringify(result));
      return (result as {trial: Trial}).trial;
    }

    before(async function() {
      try {
        await backend.setUp();
      } catch (err) {
        if (SKIP_SERVERS) this.skip();
        throw err;
      }
      url = await backend.freshDatabase();
      store = await open();
    });

    beforeEach(() => {
      lines = [];
    });

    after(async () => {
      for (const s of opened) await s.close();
      await backend.tearDown();
    });

    it('says the tables are gone when the database lost them', async function() {
      // SQLite's file gone is a case of its own (SQLITE_FILE_GONE).
      if (backend instanceof SqliteBackend) this.skip();
      const at = await backend.freshDatabase();
      const s = await open({retry: {maxElapsedMs: 200, initialDelayMs: 10}},
                           at);
      const studyId = await newStudy(s);
      // As a DROP DATABASE and CREATE DATABASE under a running search.
      for (const table of ['trials', 'studies']) {
        await backend.exec(at, `DROP TABLE ${table}`);
      }

      await expectReject(
          s.startTrial(studyId, 5, 'w0', 60),
          /startTrial failed: .*\(the database lost the tables this search made: dropped, recreated or restored from a copy while it ran\? The study's bookkeeping there is gone\)$/);
    });

    it('creates a study, then joins it', async () => {
      const key = {experimentName: 'join', experimentOwner: 'me'};

      const first = await store.openStudy(key, SPEC);
      const second = await store.openStudy(key, SPEC);

      assert.equal(first.created, true);
      assert.deepEqual(second, {studyId: first.studyId, created: false});
    });

    it('refuses to join with another spec, naming the line', async () => {
      const key = {experimentName: 'mismatch', experimentOwner: 'me'};
      await store.openStudy(key, SPEC);

      const changed = SPEC.replace('minimal_depth: 2', 'minimal_depth: 3');

      await expectReject(
          store.openStudy(key, changed),
          new RegExp('study "mismatch" of owner "me" .* another spec .*: ' +
                     'the given text has "minimal_depth: 3" where the ' +
                     'stored one has line 2 "minimal_depth: 2"'));
    });

    it('joins with a spec printed otherwise, read as the caller reads it',
       async () => {
         // As another version stored it: a line of a field at its default.
         const key = {experimentName: 'versions', experimentOwner: 'me'};
         const older = `${SPEC}\nnew_field: 0`;
         await store.openStudy(key, older);
         const withoutDefault = (text: string) =>
             text.replace(/\nnew_field: 0$/, '');

         const joined = await store.openStudy(
             key, SPEC, undefined, withoutDefault);

         assert.equal(joined.created, false);
         // Read so, the texts still differ: named as they compare.
         await expectReject(
             store.openStudy(
                 key, SPEC.replace('minimal_depth: 2', 'minimal_depth: 3'),
                 undefined, withoutDefault),
             /the given text has "minimal_depth: 3" where the stored one has line 2 "minimal_depth: 2" \(1 line added, 1 lacking in all\)/);
         // A reader that cannot read the stored text: compared as it is.
         await expectReject(
             store.openStudy(key, SPEC, undefined, () => {
               throw new Error('unreadable');
             }),
             /another spec/);
       });

    it('keeps the objective of a study and refuses another', async () => {
      const key = {experimentName: 'objective', experimentOwner: 'me'};
      const accuracy = {metric: 'accuracy', goal: 'maximize'} as const;
      const first = await store.openStudy(key, SPEC, accuracy);

      assert.deepEqual(await store.openStudy(key, SPEC, accuracy),
                       {studyId: first.studyId, created: false});
      // A reader that gives none joins too.
      assert.deepEqual(await store.openStudy(key, SPEC),
                       {studyId: first.studyId, created: false});
      await expectReject(
          store.openStudy(key, SPEC, {metric: 'loss', goal: 'minimize'}),
          new RegExp('^study "objective" of owner "me" in .* ranks its ' +
                     'trials by --optimization_metric=accuracy ' +
                     '--optimization_goal=maximize, not loss \\(minimize\\); ' +
                     'run with those flags, or start a new study: a new ' +
                     '--experiment_name with a --model_dir of its own$'));
      await expectReject(
          store.openStudy(key, SPEC, {metric: 'accuracy', goal: 'minimize'}),
          /ranks its trials by --optimization_metric=accuracy/);
      const listed = (await store.listStudies()).find(
          (s) => s.studyId === first.studyId);
      assert.deepEqual(listed?.objective, accuracy);
    });

    it('gives a study opened without an objective the next one given',
       async () => {
         const key = {experimentName: 'no objective', experimentOwner: 'me'};
         const {studyId} = await store.openStudy(key, SPEC);
         const listed = async () => (await store.listStudies()).find(
             (s) => s.studyId === studyId);
         assert.equal((await listed())?.objective, undefined);

         await store.openStudy(key, SPEC, {metric: 'auc_pr', goal: 'maximize'});

         assert.deepEqual((await listed())?.objective,
                          {metric: 'auc_pr', goal: 'maximize'});
         await expectReject(
             store.openStudy(key, SPEC, {metric: 'loss', goal: 'minimize'}),
             /ranks its trials by --optimization_metric=auc_pr/);
       });

    it('keeps quotes and semicolons in names and data unchanged', async () => {
      const key = {
        experimentName: 'it\'s "x"; DROP TABLE trials; --',
        experimentOwner: 'o\'wner \\ ☃ 🚀',
      };
      const spec = 'a: "it\'s"; --\n\\n\r\n\ttab';
      const {studyId} = await store.openStudy(key, spec);
      const trial = await started(store, studyId, 5, 'worker "1"; --');

      await store.planTrial(studyId, trial.id, {
        architecture: ['FULLY_CONNECTED\'; --'],
        hparams: {'q"uote': 'v\'al;ue', n: 1.5, b: true},
        kind: 'search',
        extra: {nested: {list: [1, 'two"', null]}},
      });
      const rows = await backend.exec(
          url,
          'SELECT experiment_name, experiment_owner, spec_text ' +
              'FROM studies WHERE id = ?',
          [studyId]);

      assert.deepEqual(rows.map((r) => ({...r})), [{
        experiment_name: key.experimentName,
        experiment_owner: key.experimentOwner,
        spec_text: spec,
      }]);
      assert.deepEqual((await store.openStudy(key, spec)).studyId, studyId);
      const listed = (await store.listStudies()).find(
          (study) => study.studyId === studyId);
      assert.equal(listed?.experimentName, key.experimentName);
      assert.equal(listed?.experimentOwner, key.experimentOwner);
      const [stored] = await store.listTrials(studyId);
      assert.deepEqual(stored.architecture, ['FULLY_CONNECTED\'; --']);
      assert.deepEqual(stored.hparams, {'q"uote': 'v\'al;ue', n: 1.5, b: true});
      assert.deepEqual(stored.extra, {nested: {list: [1, 'two"', null]}});
      assert.equal(stored.workerId, 'worker "1"; --');
    });

    it('tells names apart by case and trailing spaces', async () => {
      const ids = new Set<number>();
      for (const name of ['Case', 'case', 'case ']) {
        const {studyId, created} = await store.openStudy(
            {experimentName: name, experimentOwner: ''}, SPEC);
        assert.equal(created, true, JSON.stringify(name));
        ids.add(studyId);
      }

      assert.equal(ids.size, 3);
    });

    it('counts only COMPLETED trials towards the budget', async () => {
      const studyId = await newStudy();
      const ids = [];
      for (let i = 0; i < 3; i++) {
        ids.push((await started(store, studyId, 3)).id);
      }

      const full = await store.startTrial(studyId, 3, 'w0', 60);
      await store.completeTrial(studyId, 1, {accuracy: 0.5}, 'trial_1');
      const stillFull = await store.startTrial(studyId, 3, 'w0', 60);
      await store.failTrial(studyId, 2, 'diverged');
      const fourth = await started(store, studyId, 3);
      await store.completeTrial(studyId, 3, {accuracy: 0.6}, 'trial_3');
      await store.completeTrial(studyId, 4, {accuracy: 0.7}, 'trial_4');
      const done = await store.startTrial(studyId, 3, 'w0', 60);

      assert.deepEqual(ids, [1, 2, 3]);
      assert.deepEqual(full, {status: 'wait', running: 3});
      assert.deepEqual(stillFull, {status: 'wait', running: 2});
      assert.equal(fourth.id, 4);
      assert.deepEqual(done, {status: 'done', completed: 3});
      const states = (await store.listTrials(studyId)).map((t) => t.state);
      assert.deepEqual(states,
                       ['COMPLETED', 'FAILED', 'COMPLETED', 'COMPLETED']);
    });

    it('gives 8 concurrent clients one study and unique sequential ids', async () => {
      const clients = await Promise.all(
          Array.from({length: 8}, () => open({poolSize: 1})));
      const key = {experimentName: 'crowd', experimentOwner: 'me'};
      const joins =
          await Promise.all(clients.map((c) => c.openStudy(key, SPEC)));
      const studyId = joins[0].studyId;
      const max = 32;

      const burst = await Promise.all(clients.map(
          (c, i) => c.startTrial(studyId, max, `burst${i}`, 60)));
      const burstIds = burst.map((r) => (r as {trial: Trial}).trial.id);
      assert.deepEqual(joins.filter((j) => j.created).length, 1);
      assert.ok(joins.every((j) => j.studyId === studyId));
      await Promise.all(burstIds.map(
          (id, i) => clients[i].completeTrial(studyId, id, {i}, 'd')));
      const perClient = await Promise.all(clients.map(async (c, i) => {
        const mine: number[] = [];
        for (;;) {
          const result = await c.startTrial(studyId, max, `client${i}`, 60);
          if (result.status === 'done') return mine;
          if (result.status === 'wait') {
            await sleep(2);
            continue;
          }
          mine.push(result.trial.id);
          await c.completeTrial(studyId, result.trial.id, {i}, 'd');
        }
      }));

      assert.deepEqual([...burstIds].sort((a, b) => a - b),
                       [1, 2, 3, 4, 5, 6, 7, 8]);
      const all = perClient.flat().sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({length: max - 8}, (_, i) => i + 9));
      const trials = await store.listTrials(studyId);
      assert.deepEqual(trials.map((t) => [t.id, t.state]),
                       all.concat(burstIds).sort((a, b) => a - b)
                           .map((id) => [id, 'COMPLETED']));
    });

    it('marks an expired lease FAILED and continues with a new id',
       async () => {
         const clock = new FakeClock();
         const timed = await open({clock: clock.read});
         const studyId = await newStudy(timed);
         await started(timed, studyId, 2, 'lost', 10);

         clock.advance(11);
         const next = await started(timed, studyId, 2, 'other', 10);

         assert.equal(next.id, 2);
         const [lost] = await timed.listTrials(studyId);
         assert.equal(lost.state, 'FAILED');
         assert.equal(lost.failureReason, 'worker lost: no heartbeat for 11 s');
         assertLogged(lines, new RegExp(
             'trial 1 of study \\d+ \\(worker "lost"\\) marked FAILED: ' +
             'worker lost: no heartbeat for 11 s'));
         // Trial 1 FAILED does not count: a third trial is still due.
         await timed.completeTrial(studyId, 2, {accuracy: 1}, 'd2');
         assert.equal((await started(timed, studyId, 2, 'other', 10)).id, 3);
       });

    it('extends a lease on heartbeat', async () => {
      const clock = new FakeClock();
      const timed = await open({clock: clock.read});
      const studyId = await newStudy(timed);
      const trial = await started(timed, studyId, 5, 'w', 10);
      const leaseOf = async (id: number) =>
          (await timed.listTrials(studyId)).find((t) => t.id === id)!
              .leaseExpiresAt;
      const at = (seconds: number) =>
          new Date(clock.read() + seconds * 1000).toISOString();
      assert.equal(trial.leaseExpiresAt, at(10));
      assert.equal(await leaseOf(trial.id), at(10));

      clock.advance(8);
      assert.equal(await timed.heartbeat(studyId, trial.id, 'w'), 'kept');
      // Seen by the other workers: it lives on.
      assert.equal(await leaseOf(trial.id), at(10));
      clock.advance(8);
      await started(timed, studyId, 5, 'x', 10);
      const afterHeartbeat = (await timed.listTrials(studyId))[0].state;
      clock.advance(3);
      await started(timed, studyId, 5, 'x', 10);
      const [expired] = await timed.listTrials(studyId);

      assert.equal(afterHeartbeat, 'RUNNING');
      assert.equal(expired.state, 'FAILED');
      assert.equal(expired.leaseExpiresAt, undefined, 'no lease once ended');
      assert.equal(expired.failureReason,
                   'worker lost: no heartbeat for 11 s');
    });

    it('accepts a late completion of a trial lost to its lease', async () => {
      const clock = new FakeClock();
      const timed = await open({clock: clock.read});
      const studyId = await newStudy(timed);
      await started(timed, studyId, 1, 'slow', 5);
      clock.advance(6);
      await started(timed, studyId, 1, 'fast', 5);

      assert.equal(await timed.heartbeat(studyId, 1, 'slow'), 'lost');
      await timed.completeTrial(studyId, 1, {accuracy: 0.9}, 'trial_1');

      const [late] = await timed.listTrials(studyId);
      assert.equal(late.state, 'COMPLETED');
      assert.equal(late.failureReason, undefined);
      assert.deepEqual(late.metrics, {accuracy: 0.9});
      assertLogged(lines, /heartbeat for trial 1 .* after its lease expired/);
      assertLogged(lines, /trial 1 .* completed after its lease expired/);
      assert.deepEqual(await timed.startTrial(studyId, 1, 'fast', 5),
                       {status: 'done', completed: 1});
    });

    it('completes a trial at the time it is told, after the fact',
       async () => {
         const clock = new FakeClock();
         const timed = await open({clock: clock.read});
         const studyId = await newStudy(timed);
         await started(timed, studyId, 2, 'w', 5);
         await started(timed, studyId, 2, 'w', 5);
         const finished = clock.read() + 2000;
         clock.advance(600);
         await timed.completeTrial(studyId, 1, {accuracy: 0.5}, '1', finished);
         await timed.completeTrial(studyId, 2, {accuracy: 0.5}, '2');
         await assert.rejects(
             timed.completeTrial(studyId, 2, {}, '2', 1.5),
             /finishing time of trial 2 must be ms since the epoch, got 1.5/);

         const [told, now] = await timed.listTrials(studyId);
         assert.equal(told.finishedAt, new Date(finished).toISOString());
         assert.equal(now.finishedAt, new Date(clock.read()).toISOString());
       });

    it('refuses changes to finished trials; repeats are no-ops', async () => {
      const studyId = await newStudy();
      await started(store, studyId, 5, 'w');
      assert.equal(
          await store.completeTrial(studyId, 1, {accuracy: 0.5}, 'd'), true);

      assert.equal(
          await store.completeTrial(studyId, 1, {accuracy: 0.5}, 'd'), false,
          'a repeat');
      await expectReject(store.completeTrial(studyId, 1, {accuracy: 0.6}, 'd'),
                         /cannot complete trial 1 of study \d+: it is COMPLE/);
      await expectReject(store.failTrial(studyId, 1, 'oops'),
                         /cannot fail trial 1 .* COMPLETED/);
      // Completed by a worker that took it for lost: its own stops beating.
      assert.equal(await store.heartbeat(studyId, 1, 'w'), 'lost');
      await expectReject(store.heartbeat(studyId, 1, 'intruder'),
                         /worker "intruder" for trial 1 .* worker "w" started/);
      await expectReject(store.planTrial(studyId, 7, {architecture: [],
                                                      hparams: {}}),
                         /no trial 7 in study \d+/);
      await expectReject(store.listTrials(987654),
                         /no study with id 987654/);
      await expectReject(store.startTrial(studyId, 0, 'w', 60),
                         /maxTrials .* must be a positive integer, got 0/);
    });

    it('keeps plans and metrics, non-finite values included', async () => {
      const studyId = await newStudy();
      const trial = await started(store, studyId, 5, 'w');

      await store.planTrial(studyId, trial.id, {
        architecture: ['FIXED_CHANNEL_CONVOLUTION_16', 'FULLY_CONNECTED'],
        hparams: {learning_rate: 0.01, optimizer: 'adam', dropout: false},
        kind: 'ensemble',
        extra: {members: [3, 4]},
        directory: 'planned',
      });
      await store.completeTrial(
          studyId, trial.id,
          {accuracy: 0.25, loss: NaN, up: Infinity, down: -Infinity}, 'dir/1');
      await store.failTrial(studyId, (await started(store, studyId, 5)).id,
                            'out of memory');

      const trials = await store.listTrials(studyId);
      const {startedAt, finishedAt, ...rest} = trials[0];
      assert.deepEqual(rest, {
        id: 1,
        state: 'COMPLETED',
        architecture: ['FIXED_CHANNEL_CONVOLUTION_16', 'FULLY_CONNECTED'],
        hparams: {learning_rate: 0.01, optimizer: 'adam', dropout: false},
        kind: 'ensemble',
        extra: {members: [3, 4]},
        directory: 'dir/1',
        metrics: {accuracy: 0.25, loss: NaN, up: Infinity, down: -Infinity},
        workerId: 'w',
      });
      assert.ok(Date.parse(finishedAt!) >= Date.parse(startedAt!));
      assert.equal(trials[1].state, 'FAILED');
      assert.equal(trials[1].failureReason, 'out of memory');
    });

    it('lists a study read bit by bit as a fresh store reads it whole',
       async () => {
         // One worker's store keeps the trials that can no longer change
         // between reads; every step of two workers, lost leases and late
         // completions included, must read as a new store reads it.
         const clock = new FakeClock();
         const a = await open({clock: clock.read});
         const b = await open({clock: clock.read});
         const studyId = await newStudy(a);
         const compare = async (step: string) => {
           const fresh = await open({clock: clock.read});
           const whole = await fresh.listTrials(studyId);
           assert.deepEqual(await a.listTrials(studyId), whole, step);
           assert.deepEqual(await b.listTrials(studyId), whole, step);
         };
         await compare('empty');
         await started(a, studyId, 4, 'a', 10);                 // 1
         await compare('1 running');
         await a.planTrial(studyId, 1, {architecture: ['X'], hparams: {}});
         await started(b, studyId, 4, 'b', 100);                // 2
         await b.completeTrial(studyId, 2, {accuracy: 0.5}, 'trial_2');
         await compare('2 completed above a running 1');
         clock.advance(11);
         await started(b, studyId, 4, 'b', 100);                // 3, 1 lost
         await compare('1 lost');
         await b.failTrial(studyId, 3, 'out of memory');
         await started(b, studyId, 4, 'b', 100);                // 4
         await b.completeTrial(studyId, 4, {accuracy: 0.6}, 'trial_4');
         await compare('3 failed, 4 completed, 1 still lost');
         await a.planTrial(studyId, 1, {architecture: ['Y'], hparams: {}});
         await compare('1 planned again after its lease was lost');
         await a.completeTrial(studyId, 1, {accuracy: 0.7}, 'trial_1');
         await compare('1 completed late');
         await started(b, studyId, 4, 'b', 10);                 // 5
         clock.advance(11);
         await started(a, studyId, 4, 'a', 10);                 // 6, 5 lost
         await compare('5 lost');
         await b.failTrial(studyId, 5, 'gave up');
         await a.completeTrial(studyId, 6, {accuracy: 0.1}, 'trial_6');
         await compare('5 failed late, 6 completed');

         // Settled trials are handed out again, not read again; frozen, so
         // that no caller changes what the next read returns.
         const [first] = await a.listTrials(studyId);
         assert.equal((await a.listTrials(studyId))[0], first);
         assert.throws(() => {
           (first.metrics as Record<string, number>)['accuracy'] = 1;
         }, TypeError);
       });

    it('returns the same trial when the connection drops after COMMIT',
       async () => {
         let drops = 0;
         const flaky = await open({
           hooks: {
             afterCommit: (operation) => {
               if (operation === 'startTrial' && drops++ === 0) {
                 throw connectionReset();
               }
             },
           },
         });
         const studyId = await newStudy(flaky);

         const trial = await started(flaky, studyId, 5, 'w');

         assert.equal(trial.id, 1);
         assert.equal(drops, 2);
         assert.equal((await flaky.listTrials(studyId)).length, 1);
         assertLogged(lines,
                      /startTrial hit ECONNRESET \(attempt 1\); retrying/);
       });

    it('retries a transaction whose connection dropped before COMMIT',
       async () => {
         let drops = 0;
         const dbUrl = await backend.freshDatabase();
         const flaky = await open({
           hooks: {
             beforeCommit: async (operation) => {
               if (operation !== 'startTrial' || drops++ > 0) return;
               if (backend.dropConnections === undefined) {
                 throw Object.assign(new Error('database is locked'),
                                     {code: 'SQLITE_BUSY'});
               }
               assert.ok(await backend.dropConnections(dbUrl) > 0);
             },
           },
         }, dbUrl);
         const studyId = await newStudy(flaky);

         const trial = await started(flaky, studyId, 5, 'w');

         assert.equal(trial.id, 1);
         assert.equal(drops, 2);
         const trials = await flaky.listTrials(studyId);
         assert.deepEqual(trials.map((t) => [t.id, t.state]),
                          [[1, 'RUNNING']]);
         assertLogged(lines, /startTrial hit .* \(attempt 1\)/);
       });

    if (backend.dropConnections !== undefined) {
      it('reconnects after the server closed its connections', async () => {
        const dbUrl = await backend.freshDatabase();
        const s = await open({}, dbUrl);
        const studyId = await newStudy(s);
        await started(s, studyId, 5);

        assert.ok(await backend.dropConnections!(dbUrl) > 0);
        const next = await started(s, studyId, 5);

        assert.equal(next.id, 2);
        assert.equal((await s.listTrials(studyId)).length, 2);
      });
    }

    if (backend.lockTrials !== undefined) {
      /**
       * A store of `options` on a new database with one trial started,
       * whose trials table another connection then locks.
       */
      const lockedStore = async (options: Parameters<typeof open>[0]) => {
        const dbUrl = await backend.freshDatabase();
        const s = await open(options, dbUrl);
        const studyId = await newStudy(s);
        await started(s, studyId, 5);
        const unlock = await backend.lockTrials!(dbUrl);
        return {s, studyId, unlock};
      };

      it('retries a call the server holds past the query timeout', async () => {
        const {s, studyId, unlock} = await lockedStore({queryTimeoutMs: 300});
        const unlocked = new Promise<void>((resolve, reject) => setTimeout(
            () => unlock().then(resolve, reject), 1500));

        const next = await started(s, studyId, 5);
        await unlocked;

        assert.equal(next.id, 2);
        assertLogged(lines, /startTrial hit no answer from the server in time \(a lock held elsewhere, or the network\) \(attempt 1\)/);
      });

      it('waits out a statement\'s timeout once, not again to roll back',
         async () => {
           const {s, studyId, unlock} = await lockedStore(
               {queryTimeoutMs: 1500, retry: {maxElapsedMs: 0}});
           try {
             const start = Date.now();
             await assert.rejects(s.startTrial(studyId, 5, 'w', 60),
                                  /failed after 1 attempt/);
             // A ROLLBACK behind the held statement would wait 1.5 s more.
             assert.ok(Date.now() - start < 2800, `${Date.now() - start} ms`);
           } finally {
             await unlock();
           }
           assert.equal((await started(s, studyId, 5)).id, 2);
         });

      it('gives up within its budget on a lock that stays', async () => {
        const {s, studyId, unlock} = await lockedStore(
            {queryTimeoutMs: 300,
             retry: {maxElapsedMs: 1500, initialDelayMs: 10}});
        try {
          const start = Date.now();
          await assert.rejects(s.startTrial(studyId, 5, 'w', 60),
                               (e: Error) => e instanceof StoreError);
          // The budget, a statement's timeout and a wait past it: not the
          // lock's time.
          assert.ok(Date.now() - start < 6000, `${Date.now() - start} ms`);
        } finally {
          await unlock();
        }
        // The store works again once the lock is gone.
        assert.equal((await started(s, studyId, 5)).id, 2);
      });
    }

    it('creates the schema once when workers open it together', async () => {
      const dbUrl = await backend.freshDatabase();

      const stores = await Promise.all(
          Array.from({length: 4}, () => open({poolSize: 1}, dbUrl)));

      for (const s of stores) {
        assert.deepEqual(await s.schemaVersions(), [1, 2, 3]);
      }
      const again = await open({}, dbUrl);
      assert.deepEqual(await again.schemaVersions(), [1, 2, 3]);
    });

    it('migrates a version 1 database to the latest', async () => {
      const dbUrl = await backend.freshDatabase();
      const old = await open({targetSchemaVersion: 1}, dbUrl);
      const key = {experimentName: 'old', experimentOwner: 'me'};
      const {studyId} = await old.openStudy(key, SPEC);
      assert.deepEqual(await old.schemaVersions(), [1]);
      await old.close();
      await backend.exec(
          dbUrl,
          'INSERT INTO trials (study_id, trial_id, state, architecture, ' +
              'hparams, metrics, started_at) ' +
              'VALUES (?, 1, \'COMPLETED\', \'["A"]\', \'{}\', ?, 0)',
          [studyId, '{"accuracy":0.5}']);

      const upgraded = await open({}, dbUrl);

      assert.deepEqual(await upgraded.schemaVersions(), [1, 2, 3]);
      assert.deepEqual(await upgraded.openStudy(key, SPEC),
                       {studyId, created: false});
      const next = await started(upgraded, studyId, 5);
      assert.equal(next.id, 2);
      const trials = await upgraded.listTrials(studyId);
      assert.deepEqual(trials[0].metrics, {accuracy: 0.5});
      assert.deepEqual(trials[0].architecture, ['A']);
    });

    it('read-only, refuses a database without its tables and creates none',
       async () => {
         const dbUrl = await backend.freshDatabase();
         if (backend instanceof SqliteBackend) {
           const file = dbUrl.slice('sqlite:'.length);
           await expectReject(open({readOnly: true}, dbUrl),
                              /: no such file$/);
           assert.equal(fs.existsSync(file), false, 'the file was created');
           fs.writeFileSync(file, '');  // an empty SQLite database
         }

         await expectReject(
             open({readOnly: true}, dbUrl),
             /holds no model_search tables: no search has used this database/);
         // Still nothing there: the next read-only open says the same.
         await expectReject(open({readOnly: true}, dbUrl),
                            /holds no model_search tables/);
         await expectReject(backend.exec(dbUrl, 'SELECT 1 FROM studies'),
                            /./);
       });

    it('read-only, reads a database a search made', async () => {
      const studyId = await newStudy();
      await started(store, studyId, 5);

      const reader = await open({readOnly: true});

      assert.deepEqual((await reader.listTrials(studyId)).map((t) => t.id),
                       [1]);
      assert.ok((await reader.listStudies!()).some(
          (study) => study.studyId === studyId));
    });

    for (const version of [1, 2]) {
      it(`read-only, reads a version ${version} database as it is`,
         async () => {
           const dbUrl = await backend.freshDatabase();
           const old = await open({targetSchemaVersion: version}, dbUrl);
           const key = {experimentName: 'archived', experimentOwner: 'me'};
           const {studyId} = await old.openStudy(key, SPEC);
           await old.close();
           await backend.exec(
               dbUrl,
               'INSERT INTO trials (study_id, trial_id, state, ' +
                   'architecture, hparams, metrics, started_at) ' +
                   'VALUES (?, 1, \'COMPLETED\', \'["A"]\', \'{}\', ?, 0)',
               [studyId, '{"accuracy":0.5}']);

           const reader = await open({readOnly: true}, dbUrl);

           const [study] = (await reader.listStudies()).filter(
               (s) => s.studyId === studyId);
           assert.equal(study.experimentName, 'archived');
           // Kept since version 3 only.
           assert.equal(study.objective, undefined);
           assert.deepEqual(
               (await reader.listTrials(studyId)).map(
                   (t) => [t.id, t.metrics]),
               [[1, {accuracy: 0.5}]]);
           // Nothing migrated.
           const rows = await backend.exec(
               dbUrl, 'SELECT MAX(version) AS v FROM schema_version');
           assert.equal(Number(rows[0]['v']), version);
         });
    }

    it('refuses a database with a newer schema', async () => {
      const dbUrl = await backend.freshDatabase();
      await (await open({}, dbUrl)).close();
      await backend.exec(
          dbUrl,
          'INSERT INTO schema_version (version, description, applied_at) ' +
              'VALUES (99, \'future\', 0)');

      await expectReject(
          open({}, dbUrl),
          /database schema version 99 is newer than this program's 3/);
    });

    if (backend instanceof SqliteBackend) {
      it('hands out unique ids to several processes on one file', async () => {
        const dbUrl = await backend.freshDatabase();
        const filename = dbUrl.slice('sqlite:'.length);
        const max = 40;
        const code = `
          const {SqliteStore} = require(process.env.MS_STORE_MODULE);
          (async () => {
            const store = await SqliteStore.open({
              filename: process.env.MS_DB, logger: () => {},
              retry: {maxElapsedMs: 20000}});
            const {studyId} = await store.openStudy(
                {experimentName: 'procs', experimentOwner: 't'}, 'spec');
            const ids = [];
            for (;;) {
              const r = await store.startTrial(
                  studyId, ${max}, 'pid' + process.pid, 60);
              if (r.status === 'done') break;
              if (r.status === 'wait') {
                await new Promise((ok) => setTimeout(ok, 2));
                continue;
              }
              ids.push(r.trial.id);
              await store.completeTrial(studyId, r.trial.id, {a: 1}, 'd');
            }
            await store.close();
            process.stdout.write(JSON.stringify(ids));
          })().catch((e) => { console.error(e.stack); process.exit(1); });`;
        const env = {
          ...process.env,
          MS_STORE_MODULE: path.join(__dirname, 'sqlite_store'),
          MS_DB: filename,
        };

        const outputs = await Promise.all(Array.from(
            {length: 4},
            () => new Promise<number[]>((resolve, reject) => {
              execFile(process.execPath, ['-e', code], {env},
                       (err, stdout, stderr) => err ?
                           reject(new Error(`${err.message}\n${stderr}`)) :
                           resolve(JSON.parse(stdout) as number[]));
            })));

        const all = outputs.flat().sort((a, b) => a - b);
        assert.deepEqual(all, Array.from({length: max}, (_, i) => i + 1));
        const check = await open({}, dbUrl);
        const {studyId} = await check.openStudy(
            {experimentName: 'procs', experimentOwner: 't'}, 'spec');
        const trials = await check.listTrials(studyId);
        assert.equal(trials.filter((t) => t.state === 'COMPLETED').length, max);
        assert.deepEqual(await check.schemaVersions(), [1, 2, 3]);
      });

      it('waits out SQLITE_BUSY from another connection', async () => {
        const dbUrl = await backend.freshDatabase();
        const s = await open({busyTimeoutMs: 20}, dbUrl);
        const studyId = await newStudy(s);
        const blocker = new Database(dbUrl.slice('sqlite:'.length));
        blocker.exec('BEGIN IMMEDIATE');
        setTimeout(() => {
          blocker.exec('COMMIT');
          blocker.close();
        }, 150);

        const trial = await started(s, studyId, 5);

        assert.equal(trial.id, 1);
        assertLogged(lines, /startTrial hit SQLITE_BUSY/);
      });
    }

    if (backend instanceof PostgresBackend) {
      it('says to check the user and password when the server refuses them',
         async () => {
           const err = await expectReject(
               open({}, `postgres://no_such_role_${RUN_ID}@127.0.0.1:5432/test`),
               /role "no_such_role_.*" does not exist; check the user in the URL and the password/);
           assert.ok(err instanceof UsageError, String(err));
         });

      it('says a user who may not make tables in the database needs the ' +
             'rights', async () => {
        // The schema public's CREATE belongs to the database's owner
        // alone.
        const role = `ms_reader_${RUN_ID}`;
        const database = `ms_notowned_${RUN_ID}`;
        const admin = new Client({host: '127.0.0.1', port: 5432,
                                  user: 'postgres', database: 'test'});
        await admin.connect();
        try {
          await admin.query(`CREATE ROLE ${role} LOGIN`);
          await admin.query(`CREATE DATABASE ${database}`);
          // As PostgreSQL 15 has it by default, older servers too.
          const inside = new Client({host: '127.0.0.1', port: 5432,
                                     user: 'postgres', database});
          await inside.connect();
          await inside.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
          await inside.end();
          const err = await expectReject(
              open({retry: {maxElapsedMs: 0}},
                   `postgres://${role}@127.0.0.1:5432/${database}`),
              /permission denied/);
          assert.ok(err instanceof UsageError, String(err));
          assert.match(
              err.message,
              new RegExp(`: the user may not create or change the tables of ` +
                  `database "${database}"; give it the rights \\(the ` +
                  `database's owner has them: ALTER DATABASE ${database} ` +
                  'OWNER TO <user>\\), or give a user who has them$'));
        } finally {
          await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
          await admin.query(`DROP ROLE IF EXISTS ${role}`);
          await admin.end();
        }
      });

      it('says so when the server at the URL\'s port is MySQL', async () => {
        const started = Date.now();
        const err = await expectReject(
            open({}, 'postgres://postgres@127.0.0.1:3306/test'),
            /^postgres:\/\/postgres@127\.0\.0\.1:3306\/test: the server at 127\.0\.0\.1:3306 is MySQL or MariaDB \(port 3306 by default\), not PostgreSQL; give a mysql:\/\/ URL, or the port of the PostgreSQL server$/);
        assert.ok(err instanceof UsageError, String(err));
        assert.ok(Date.now() - started < 5000, 'not retried');
      });

      it('waits for a database closed to connections for a while',
         async () => {
           const dbUrl = await backend.freshDatabase();
           const name = new URL(dbUrl).pathname.slice(1);
           const s = await open({}, dbUrl);
           const studyId = await newStudy(s);
           await started(s, studyId, 5);
           // As during maintenance: no new connection, the open ones ended.
           await backend.adminQuery(
               `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
           await backend.dropConnections(dbUrl);
           const reopened = new Promise<void>((resolve) => setTimeout(() => {
             backend.adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
                 .then(() => resolve(), () => resolve());
           }, 1500));

           const next = await started(s, studyId, 5);
           await reopened;

           assert.equal(next.id, 2);
           // Attempt 1 may meet a pooled connection the server has ended
           // and the pool not yet noticed (57P01); the next ones the
           // closed database.
           assertLogged(lines, /startTrial hit 55000: the database is not accepting connections \(attempt [12]\)/);
         });

      it('keeps the password out of errors and logs', async () => {
        const secret = 'S3cr3t-p@ss';
        const badUrl = `postgres://postgres:${
            encodeURIComponent(secret)}@127.0.0.1:5432/ms_no_such_db_${RUN_ID}`;

        const err = await expectReject(
            open({}, badUrl),
            new RegExp('^--metadata_db=postgres://postgres:\\*\\*\\*@' +
                       '127\\.0\\.0\\.1:5432/ms_no_such_db_\\w+: the server ' +
                       'has no database "ms_no_such_db_\\w+" \\(3D000\\)'));

        for (const text of [err.message, err.stack ?? '', ...lines]) {
          assert.ok(!text.includes('S3cr3t'), text);
        }
        // A database to create is the user's to fix (exit 2), said so.
        assert.ok(err instanceof UsageError, String(err));
        assert.match(err.message, new RegExp(
            `; create it first \\(CREATE DATABASE ms_no_such_db_${RUN_ID}; ` +
            `as createdb ms_no_such_db_${RUN_ID} does\\), or name an ` +
            'existing database$'));
        // A name with capitals is quoted: unquoted, PostgreSQL would
        // make it in lower case.
        const capitals = await expectReject(
            open({}, `postgres://postgres@127.0.0.1:5432/Ms_No_${RUN_ID}`),
            /has no database/);
        assert.match(capitals.message, new RegExp(
            `; create it first \\(CREATE DATABASE "Ms_No_${RUN_ID}"; as ` +
            `createdb Ms_No_${RUN_ID} does\\)`));
        // A reader is told to name the right one, not to create it.
        const reading = await expectReject(
            open({readOnly: true}, badUrl), /has no database/);
        assert.ok(reading instanceof UsageError, String(reading));
        assert.match(reading.message,
                     /has no database "\w+" \(3D000\); name the database the search wrote to$/);
      });
    }

    if (backend instanceof MysqlBackend) {
      it('finishes a migration a worker was stopped in the middle of',
         async () => {
           // MySQL commits each CREATE and ALTER at once: a worker stopped
           // between them leaves a migration half applied, unrecorded.
           const halfway = async (undo: string[]) => {
             const dbUrl = await backend.freshDatabase();
             await (await open({}, dbUrl)).close();
             for (const statement of undo) await backend.exec(dbUrl, statement);
             return dbUrl;
           };
           const halves = [
             // Version 2 stopped after its column, and after its first index.
             ['DROP INDEX trials_start_token ON trials',
              'DROP INDEX trials_state ON trials',
              'DELETE FROM schema_version WHERE version >= 2'],
             ['DROP INDEX trials_state ON trials',
              'DELETE FROM schema_version WHERE version >= 2'],
             // Version 1 stopped after its first table.
             ['DROP TABLE trials', 'DELETE FROM schema_version'],
           ];
           for (const undo of halves) {
             const dbUrl = await halfway(undo);

             const s = await open({}, dbUrl);

             assert.deepEqual(await s.schemaVersions(), [1, 2, 3],
                              undo.join('; '));
             const studyId = await newStudy(s);
             assert.equal((await started(s, studyId, 5)).id, 1);
             await s.close();
           }
         });

      it('says so when the server at the URL\'s port is PostgreSQL',
         async () => {
           const started = Date.now();
           const err = await expectReject(
               open({connectTimeoutMs: 1000},
                    'mysql://root@127.0.0.1:5432/test'),
               /^mysql:\/\/root@127\.0\.0\.1:5432\/test: the server at 127\.0\.0\.1:5432 is PostgreSQL \(port 5432 by default\), not MySQL or MariaDB; give a postgres:\/\/ URL, or the port of the MySQL server$/);
           assert.ok(err instanceof UsageError, String(err));
           // One connect timeout and the probe, not the retry budget.
           assert.ok(Date.now() - started < 6000, 'not retried');
         });

      it('says so without waiting out a long connect timeout', async () => {
        // A connect timeout longer than the test's own: mysql2 alone
        // would wait all of it for a greeting PostgreSQL never sends.
        const err = await expectReject(
            open({connectTimeoutMs: 600_000},
                 'mysql://root@127.0.0.1:5432/test'),
            /the server at 127\.0\.0\.1:5432 is PostgreSQL \(port 5432 by default\), not MySQL or MariaDB/);
        assert.ok(err instanceof UsageError, String(err));
      }).timeout(20_000);

      it('keeps the password out of errors and logs', async () => {
        const secret = 'S3cr3t-p@ss';
        const badUrl = `mysql://root:${encodeURIComponent(secret)}` +
            `@127.0.0.1:3306/${new URL(url).pathname.slice(1)}`;

        const err = await expectReject(
            open({}, badUrl),
            /mysql:\/\/root:\*\*\*@127\.0\.0\.1:3306\/ms_test.*Access denied/);

        for (const text of [err.message, err.stack ?? '', ...lines]) {
          assert.ok(!text.includes('S3cr3t'), text);
        }
        // Refused credentials are the user's to fix (exit 2), said so.
        assert.ok(err instanceof UsageError, String(err));
        assert.match(err.message, /; check the user in the URL and the password \(in the URL, or better in \$MODEL_SEARCH_DB_PASSWORD\)$/);
        // Given by the original's flags, the message names those.
        const byFlags = await expectReject(
            createStore({
              mlmdSocket: '127.0.0.1:3306', mlmdUser: 'root',
              mlmdPassword: secret,
              mlmdDatabase: new URL(url).pathname.slice(1),
              connectTimeoutMs: 2000, retry: {maxElapsedMs: 0},
            }),
            /Access denied/);
        assert.match(byFlags.message, /; check --mlmd_user and the password \(--mlmd_password, or better \$MODEL_SEARCH_DB_PASSWORD\)$/);
      });

      it('says to check the user when one given no password is refused',
         async () => {
           const err = await expectReject(
               open({}, `mysql://no_such_user_${RUN_ID}@127.0.0.1:3306/` +
                            new URL(url).pathname.slice(1)),
               /Access denied/);
           assert.ok(err instanceof UsageError, String(err));
           assert.match(err.message, /; check the user in the URL and the password/);
         });

      it('says a user who logged in may not use the database named',
         async () => {
           // MySQL refuses a database the user has no grant on, and one
           // that does not exist, alike: neither is a wrong password.
           const user = `ms_grantless_${RUN_ID}`;
           const admin = await mysql.createConnection(
               {host: '127.0.0.1', port: 3306, user: 'root'});
           try {
             await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw'`);
             const err = await expectReject(
                 open({retry: {maxElapsedMs: 0}},
                      `mysql://${user}:pw@127.0.0.1:3306/` +
                          new URL(url).pathname.slice(1)),
                 /ER_DBACCESS_DENIED_ERROR|Access denied/);
             assert.ok(err instanceof UsageError, String(err));
             assert.match(
                 err.message,
                 new RegExp(`: the user logged in, but may not use a database "${
                     new URL(url).pathname.slice(1)}", or there is none of ` +
                     'that name; check the database name in the URL, or ' +
                     'grant the user on it$'));
           } finally {
             await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
             await admin.end();
           }
         });

      it('says a user who may only read the database needs the rights',
         async () => {
           const user = `ms_reader_${RUN_ID}`;
           const database = new URL(url).pathname.slice(1);
           const admin = await mysql.createConnection(
               {host: '127.0.0.1', port: 3306, user: 'root'});
           try {
             await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw'`);
             await admin.query(`GRANT SELECT ON ${database}.* TO '${user}'@'%'`);
             // A database no study has made its tables in yet.
             const fresh = `${database}_ro`;
             await admin.query(`CREATE DATABASE ${fresh}`);
             await admin.query(`GRANT SELECT ON ${fresh}.* TO '${user}'@'%'`);
             try {
               const err = await expectReject(
                   open({retry: {maxElapsedMs: 0}},
                        `mysql://${user}:pw@127.0.0.1:3306/${fresh}`),
                   /denied/);
               assert.ok(err instanceof UsageError, String(err));
               assert.match(
                   err.message,
                   new RegExp(`: the user may not create or change the ` +
                       `tables of database "${fresh}"; give it the rights ` +
                       `\\(GRANT ALL PRIVILEGES ON ${fresh}\\.\\* TO ` +
                       '<user>\\), or give a user who has them$'));
             } finally {
               await admin.query(`DROP DATABASE IF EXISTS ${fresh}`);
             }
           } finally {
             await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
             await admin.end();
           }
         });

      it('says to create a database that does not exist', async () => {
        const err = await expectReject(
            open({}, `mysql://root@127.0.0.1:3306/ms_no_such_db_${RUN_ID}`),
            /^--metadata_db=mysql:\/\/root@127\.0\.0\.1:3306\/ms_no_such_db_\w+: the server has no database "ms_no_such_db_\w+" \(ER_BAD_DB_ERROR\)/);
        assert.ok(err instanceof UsageError, String(err));
        assert.match(err.message, /; create it first \(CREATE DATABASE ms_no_such_db_\w+; as mysqladmin create \w+ does\), or name an existing database$/);
        // A name that is no plain word, quoted as SQL and a shell take it.
        const spaced = await expectReject(
            open({}, `mysql://root@127.0.0.1:3306/ms%20no%20such%20${RUN_ID}`),
            /has no database/);
        assert.match(spaced.message, /; create it first \(CREATE DATABASE `ms no such \w+`; as mysqladmin create 'ms no such \w+' does\)/);
      });
    }
  });
}
