/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Copies of the ready CSV search binary run as worker processes: started
 * with a deadline, their log kept, signalled (stopped, killed) by pid. The
 * binary comes from the test's runfiles, as mocha_test's `data` puts it.
 */

import {ChildProcess, spawn} from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {machineName, processStartTicks} from '../metadata/worker_ids';

/** The binary, relative to the runfiles root (a test's working directory). */
export const CSV_BINARY = 'model_search/data/csv_data_binary';

/** 20 rows, 4 numeric columns, the label (2 classes) in column 0. */
export const CSV_RANDOM_DATA =
    'model_search/data/testdata/csv_random_data.csv';

/** The binary's absolute path; throws saying how to get it when absent. */
export function csvBinary(): string {
  const file = path.resolve(CSV_BINARY);
  if (!fs.existsSync(file)) {
    throw new Error(`${file} not found: run these tests with tools/bazel ` +
                    'test //model_search/distributed:<target>, whose data ' +
                    'builds //model_search/data:csv_data_binary');
  }
  return file;
}

export declare interface TinyStudy {
  modelDir: string;
  experimentName: string;
  maxTrials: number;
  /** --phoenix_train_steps; 5 unless a test needs longer trials. */
  trainSteps?: number;
  /** --metadata_db; none means the SQLite file inside model_dir. */
  metadataDb?: string;
  /** --metadata_lease_seconds; none means the binary's default. */
  leaseSeconds?: number;
}

/**
 * The flags of a study of tiny trials on csv_random_data.csv: a few
 * training steps on batches of 4, two evaluation batches.
 */
export function tinyStudyArgs(study: TinyStudy): string[] {
  const args = [
    `--filename=${path.resolve(CSV_RANDOM_DATA)}`,
    '--record_defaults=0,0,0,0',
    '--logits_dimension=2',
    `--model_dir=${study.modelDir}`,
    `--experiment_name=${study.experimentName}`,
    '--experiment_owner=distributed_test',
    `--experiment_max_num_trials=${study.maxTrials}`,
    `--phoenix_train_steps=${study.trainSteps ?? 5}`,
    '--phoenix_eval_steps=2',
    '--phoenix_batch_size=4',
  ];
  if (study.metadataDb !== undefined) {
    args.push(`--metadata_db=${study.metadataDb}`);
  }
  if (study.leaseSeconds !== undefined) {
    args.push(`--metadata_lease_seconds=${study.leaseSeconds}`);
  }
  return args;
}

/** The owner tinyStudyArgs gives every study. */
export const STUDY_OWNER = 'distributed_test';

/** How a worker ended. */
export declare interface WorkerExit {
  code: number|null;
  signal: NodeJS.Signals|null;
  /** True when the deadline passed and the worker was killed for it. */
  timedOut: boolean;
  log: string;
}

export declare interface WorkerOptions {
  /** Killed with SIGKILL (and reported as timed out) after this long. */
  timeoutMs: number;
  /** Added to this process's environment. */
  env?: Record<string, string>;
}

/** One running copy of the binary; stdout and stderr go to one log. */
export class SearchWorker {
  /** Resolves once the process has exited and its output is read. */
  readonly exited: Promise<WorkerExit>;
  private output = '';
  private running = true;

  private constructor(
      readonly name: string, private readonly child: ChildProcess,
      private readonly args: string[], timeoutMs: number) {
    // Read at once, while the process surely exists.
    this.startTicks =
        child.pid === undefined ? undefined : processStartTicks(child.pid);
    child.stdout!.on('data', (chunk: Buffer) => this.output += chunk);
    child.stderr!.on('data', (chunk: Buffer) => this.output += chunk);
    this.exited = new Promise<WorkerExit>((resolve) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      const finish = (code: number|null, signal: NodeJS.Signals|null) => {
        clearTimeout(timer);
        this.running = false;
        resolve({code, signal, timedOut, log: this.output});
      };
      child.on('close', finish);
      child.on('error', (err) => {
        this.output += `\nspawn failed: ${err.message}\n`;
        finish(null, null);
      });
    });
  }

  /** Starts the binary with `args`. */
  static start(name: string, args: string[], options: WorkerOptions):
      SearchWorker {
    const child = spawn(csvBinary(), args, {
      env: {...process.env, ...options.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new SearchWorker(name, child, args, options.timeoutMs);
  }

  /** When the process started (processStartTicks), once read. */
  private startTicks: number|undefined;

  /** The pid: node's own, since the launcher execs it. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /**
   * The id the worker leases trials under, as the trainer makes it
   * (localWorkerId): `<machine>:<pid>+<start>`, after `<tuner_id>@` when
   * given.
   */
  get workerId(): string {
    const flag = this.args.find((a) => a.startsWith('--tuner_id='));
    // Read while the process is there (it is from its start to its exit).
    this.startTicks ??= processStartTicks(this.pid);
    const start = this.startTicks;
    const local = `${machineName()}:${this.pid}${
        start === undefined ? '' : `+${start}`}`;
    return flag !== undefined && flag !== '--tuner_id=' ?
        `${flag.slice('--tuner_id='.length)}@${local}` :
        local;
  }

  get log(): string {
    return this.output;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Sends `signal` unless the worker has exited; says whether it did. */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    return this.child.kill(signal);
  }
}

/** A one-line account of an exit plus the log's tail, for assertions. */
export function describeExit(worker: SearchWorker, exit: WorkerExit): string {
  const how = exit.timedOut ? 'timed out and was killed' :
      exit.signal !== null  ? `died of ${exit.signal}` :
                              `exited with code ${exit.code}`;
  const tail = exit.log.trimEnd().split('\n').slice(-15).join('\n  ');
  return `worker ${worker.name} (pid ${worker.pid}) ${how}; log tail:\n  ${
      tail}`;
}

/** Trial ids a worker's log reports as finished (`trial 7 [6/12] arch=...`). */
export function trialsLogged(log: string): number[] {
  const trained = Array.from(
      log.matchAll(/^trial (\d+) \[\d+\/\d+\] arch=/gm), (m) => Number(m[1]));
  // Trials of a lost worker completed from their directory (lost_trials.ts).
  const recovered = Array.from(
      log.matchAll(/^trials? ([\d, ]+): worker lost after the trial director/gm),
      (m) => m[1].split(', ').map(Number)).flat();
  return [...trained, ...recovered];
}

/**
 * The numbers of the closing summary (`study "x" complete: 12 trials
 * completed, 1 failed, ...`), or undefined when the log has none for
 * `experimentName`.
 */
export function studySummary(log: string, experimentName: string):
    {completed: number, failed: number}|undefined {
  // The trainer quotes the name as it is, without escaping.
  const head = `study "${experimentName}" complete: `;
  for (const line of log.split('\n')) {
    if (!line.startsWith(head)) continue;
    const m = /^(\d+) trials? completed, (\d+) failed/.exec(
        line.slice(head.length));
    if (m !== null) return {completed: Number(m[1]), failed: Number(m[2])};
  }
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
