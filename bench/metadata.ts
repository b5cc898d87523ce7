/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Trials handed out per second by each store, with concurrent workers that
 * do nothing but startTrial + completeTrial; then what listTrials of the
 * finished study costs a new store (every row read and parsed) and a store
 * that read it before (settled trials kept, settled_trials.ts). PostgreSQL and MySQL runs use
 * a database created for the run on the local servers and dropped after.
 *
 *   tools/bazel run //bench:metadata -- [--workers=8] [--trials=400]
 *       [--stores=sqlite,sqlite_processes,postgres,mysql]
 */

import {execFile} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as mysql from 'mysql2/promise';
import {Client} from 'pg';

import {ValueError} from '../model_search/errors';
import {FlagSet, parseCommandFlags} from '../model_search/flags';
import {createStore} from '../model_search/metadata/create_store';
import type {SqlStore} from '../model_search/metadata/sql_store';
import {requireAtLeast, requireKnown, runBenchmark} from './bench_main';

const flags = new FlagSet();
flags.define('workers', {type: 'int', default: 8, help: 'Concurrent workers.'});
flags.define('trials', {type: 'int', default: 400, help: 'Budget per store.'});
flags.define('stores', {
  type: 'list',
  default: ['sqlite', 'sqlite_processes', 'postgres', 'mysql'],
  help: 'Which stores to measure.',
});
flags.define('postgres_admin', {
  type: 'string',
  default: 'postgres://postgres@127.0.0.1:5432/postgres',
  help: 'A PostgreSQL database to connect to while creating the bench one.',
});
flags.define('mysql_admin', {
  type: 'string',
  default: 'mysql://root@127.0.0.1:3306',
  help: 'A MySQL server to create the bench database on.',
});
flags.define('child', {type: 'string', default: '', help: 'Internal.'});

const quiet = () => undefined;

/** A database URL for a message: its password masked. */
function withoutPassword(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return text;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One worker: start + complete until the study is done. */
async function work(store: SqlStore, studyId: number, max: number,
                    worker: string): Promise<number[]> {
  const latencies: number[] = [];
  for (;;) {
    const t0 = performance.now();
    const result = await store.startTrial(studyId, max, worker, 600);
    latencies.push(performance.now() - t0);
    if (result.status === 'done') return latencies;
    if (result.status === 'wait') {
      await sleep(1);
      continue;
    }
    await store.completeTrial(studyId, result.trial.id, {accuracy: 0.5}, 'd');
  }
}

interface Figures {
  store: string;
  seconds: number;
  completed: number;
  latencies: number[];
  /** listTrials of the finished study by a new store: every row parsed. */
  wholeListMs?: number;
  /** listTrials by a store that read the study before (settled rows kept). */
  againListMs?: number;
}

/** Median milliseconds of `runs` calls of `fn`. */
async function medianMs(runs: number, fn: () => Promise<unknown>):
    Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return percentile(times, 0.5);
}

async function inProcess(name: string, url: string, workers: number,
                         max: number): Promise<Figures> {
  const stores = await Promise.all(Array.from(
      {length: workers},
      () => createStore({url, logger: quiet, poolSize: 1})));
  try {
    const {studyId} = await stores[0].openStudy(
        {experimentName: `bench ${Date.now()}`, experimentOwner: 'bench'},
        'spec');
    const start = performance.now();
    const latencies = (await Promise.all(stores.map(
        (s, i) => work(s, studyId, max, `worker${i}`)))).flat();
    const seconds = (performance.now() - start) / 1000;
    const trials = await stores[0].listTrials(studyId);
    const completed = trials.filter((t) => t.state === 'COMPLETED').length;
    // What a search paid twice a trial to see its study before settled
    // trials were kept: every row read and parsed (the store is opened
    // outside the timed read).
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const fresh = await createStore({url, logger: quiet, poolSize: 1});
      const t0 = performance.now();
      await fresh.listTrials(studyId);
      times.push(performance.now() - t0);
      await fresh.close();
    }
    const wholeListMs = percentile(times, 0.5);
    const againListMs =
        await medianMs(5, () => stores[0].listTrials(studyId));
    return {store: name, seconds, completed, latencies, wholeListMs,
            againListMs};
  } finally {
    for (const s of stores) await s.close();
  }
}

/**
 * SQLite with one process per worker, the way workers share a file. The
 * clock starts once every child has opened its store (a start barrier), so
 * node's start-up time is not counted.
 */
async function processes(name: string, url: string, workers: number,
                         max: number, dir: string): Promise<Figures> {
  const setup = await createStore({url, logger: quiet});
  const {studyId} = await setup.openStudy(
      {experimentName: `bench ${Date.now()}`, experimentOwner: 'bench'},
      'spec');
  const barrier = fs.mkdtempSync(path.join(dir, 'barrier-'));
  const outputs = Array.from(
      {length: workers},
      (_, i) => new Promise<number[]>((resolve, reject) => {
        const spec = [url, studyId, max, `proc${i}`, barrier].join('|');
        execFile(process.execPath, [__filename, `--child=${spec}`],
                 (err, stdout, stderr) => err ?
                     reject(new Error(`${err.message}\n${stderr}`)) :
                     resolve(JSON.parse(stdout) as number[]));
      }));
  while (fs.readdirSync(barrier).length < workers) await sleep(5);
  const start = performance.now();
  fs.writeFileSync(path.join(barrier, 'go'), '');
  const latencies = (await Promise.all(outputs)).flat();
  const seconds = (performance.now() - start) / 1000;
  const trials = await setup.listTrials(studyId);
  await setup.close();
  return {
    store: name,
    seconds,
    completed: trials.filter((t) => t.state === 'COMPLETED').length,
    latencies,
  };
}

async function child(spec: string): Promise<void> {
  const [url, studyId, max, worker, barrier] = spec.split('|');
  const store = await createStore({url, logger: quiet});
  fs.writeFileSync(path.join(barrier, `ready-${worker}`), '');
  while (!fs.existsSync(path.join(barrier, 'go'))) await sleep(1);
  const latencies = await work(store, Number(studyId), Number(max), worker);
  await store.close();
  process.stdout.write(JSON.stringify(latencies));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const USAGE = 'usage: tools/bazel run //bench:metadata -- [--workers=8] [--trials=400]\n    [--stores=sqlite,sqlite_processes,postgres,mysql]';

async function main(): Promise<void> {
  if (parseCommandFlags(flags, process.argv.slice(2), USAGE,
                        (text) => process.stdout.write(text + '\n'))) {
    return;
  }
  if (flags.get<string>('child') !== '') {
    await child(flags.get<string>('child'));
    return;
  }
  requireAtLeast(flags, {workers: 1, trials: 1});
  const workers = flags.get<number>('workers');
  const max = flags.get<number>('trials');
  const wanted = requireKnown(
      flags, 'stores', ['sqlite', 'sqlite_processes', 'postgres', 'mysql']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-bench-'));
  const dbName = `ms_bench_${process.pid}`;
  const results: Figures[] = [];
  const cleanups: Array<() => Promise<void>> = [
    async () => fs.rmSync(dir, {recursive: true, force: true}),
  ];
  try {
    if (wanted.includes('sqlite')) {
      results.push(await inProcess(
          'sqlite, 1 process', `sqlite:${path.join(dir, 'a.db')}`, workers,
          max));
    }
    if (wanted.includes('sqlite_processes')) {
      results.push(await processes(
          `sqlite, ${workers} processes`, `sqlite:${path.join(dir, 'b.db')}`,
          workers, max, dir));
    }
    if (wanted.includes('postgres')) {
      const admin = new Client({
        connectionString: flags.get<string>('postgres_admin'),
      });
      await admin.connect().catch((e: Error) => {
        throw new ValueError(
            `--postgres_admin=${withoutPassword(flags.get<string>(
                'postgres_admin'))}: ${
                e.message}; name a database of the server that exists ` +
            '(postgres, say) and a user who may create databases');
      });
      await admin.query(`CREATE DATABASE ${dbName}`);
      cleanups.push(async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.end();
      });
      const url = new URL(flags.get<string>('postgres_admin'));
      url.pathname = `/${dbName}`;
      results.push(await inProcess('postgres', url.toString(), workers, max));
    }
    if (wanted.includes('mysql')) {
      const adminUrl = flags.get<string>('mysql_admin');
      const admin = await mysql.createConnection(adminUrl).catch(
          (e: Error) => {
            throw new ValueError(`--mysql_admin=${withoutPassword(adminUrl)}: ${
                e.message}; name a server that answers and a user who may ` +
                'create databases');
          });
      await admin.query(`CREATE DATABASE ${dbName}`);
      cleanups.push(async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
        await admin.end();
      });
      const url = new URL(adminUrl);
      url.pathname = `/${dbName}`;
      results.push(await inProcess('mysql', url.toString(), workers, max));
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
  const rows = [[
    'store', 'workers', 'completed', 'seconds', 'trials/s',
    'startTrial p50 ms', 'p99 ms', 'listTrials new store ms',
    'listTrials again ms',
  ]];
  for (const r of results) {
    rows.push([
      r.store, String(workers), String(r.completed), r.seconds.toFixed(2),
      (r.completed / r.seconds).toFixed(0),
      percentile(r.latencies, 0.5).toFixed(2),
      percentile(r.latencies, 0.99).toFixed(2),
      r.wholeListMs === undefined ? '-' : r.wholeListMs.toFixed(2),
      r.againListMs === undefined ? '-' : r.againListMs.toFixed(2),
    ]);
  }
  const widths =
      rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) {
    process.stdout.write(
        row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) :
                                       cell.padStart(widths[c]))
            .join('  ') +
        '\n');
  }
}

runBenchmark('metadata', main);
