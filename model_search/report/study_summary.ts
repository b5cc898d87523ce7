/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The study summary: `<model_dir>/study_summary.json` and
 * `study_summary.csv`, rewritten after every trial. One entry per trial
 * (id, state, architecture, hyperparameters, metrics, directory), the
 * best by the objective marked. Each file is written to a temporary
 * sibling and renamed, so a reader never sees half a file, even with
 * several workers updating it.
 */

import * as fs from 'fs';
import * as path from 'path';
import {performance} from 'perf_hooks';

import {rankTrials} from '../metadata/trial';
import {machineName} from '../metadata/worker_ids';
import type {HparamValue, Objective, Trial, TrialState} from '../metadata/trial';

import type {TrialObserverLike} from './observer_types';

export const SUMMARY_JSON = 'study_summary.json';
export const SUMMARY_CSV = 'study_summary.csv';

/** One trial of the summary. */
export declare interface SummaryTrial {
  id: number;
  state: TrialState;
  /** True for the best COMPLETED trial by the objective. */
  best: boolean;
  /** 1 for the best; absent for trials that did not complete. */
  rank?: number;
  depth: number;
  architecture: string[];
  hparams: Record<string, HparamValue>;
  metrics: Record<string, number>;
  /**
   * The trial directory relative to model_dir; null when it is not on disk
   * (failed and running trials).
   */
  directory: string|null;
  /** Wall time from start to finish, when both are known. */
  seconds?: number;
  failureReason?: string;
  /** 'search', 'ensemble', 'distillation', 'replay' (as planned). */
  kind?: string;
  /** An ensemble's: the trials whose towers it imports. */
  members?: number[];
  /** A distilled trial's teacher. */
  teacherTrialId?: number;
  startedAt?: string;
  finishedAt?: string;
}

export declare interface StudySummary {
  objective: Objective;
  /** The model directory, absolute. */
  modelDir: string;
  updatedAt: string;
  bestTrialId: number|null;
  counts: {completed: number, failed: number, running: number};
  /** Every trial, by id. */
  trials: SummaryTrial[];
}

/** The seconds between two ISO times, or undefined. */
export function trialSeconds(trial: Trial): number|undefined {
  if (trial.startedAt === undefined || trial.finishedAt === undefined) {
    return undefined;
  }
  const seconds =
      (Date.parse(trial.finishedAt) - Date.parse(trial.startedAt)) / 1000;
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** The trials an ensemble trial imports towers of, if any. */
function trialMembers(trial: Trial): number[]|undefined {
  const members = trial.extra?.['members'];
  if (!Array.isArray(members) || members.length === 0) return undefined;
  return members.filter((m): m is number => typeof m === 'number');
}

/** Builds the summary of `trials` (any order). */
export function summarizeStudy(
    modelDir: string, trials: Trial[], objective: Objective,
    now: Date = new Date()): StudySummary {
  const ranked = rankTrials(trials, objective).filter(
      (t) => Number.isFinite(t.metrics?.[objective.metric]));
  const rankOf = new Map(ranked.map((t, i) => [t.id, i + 1]));
  const best = ranked[0];
  const absolute = path.resolve(modelDir);
  const rows = [...trials].sort((a, b) => a.id - b.id).map(
      (t): SummaryTrial => {
        const dir = t.directory;
        const onDisk = dir !== undefined && dir !== '' &&
            fs.existsSync(path.join(absolute, dir));
        const row: SummaryTrial = {
          id: t.id,
          state: t.state,
          best: best !== undefined && t.id === best.id,
          rank: rankOf.get(t.id),
          depth: t.architecture.length,
          architecture: t.architecture,
          hparams: t.hparams,
          metrics: t.metrics ?? {},
          directory: onDisk ? dir! : null,
          seconds: trialSeconds(t),
          failureReason: t.failureReason,
          kind: t.kind,
          members: trialMembers(t),
          teacherTrialId: typeof t.extra?.['teacherTrialId'] === 'number' ?
              t.extra['teacherTrialId'] as number :
              undefined,
          startedAt: t.startedAt,
          finishedAt: t.finishedAt,
        };
        for (const key of Object.keys(row) as Array<keyof SummaryTrial>) {
          if (row[key] === undefined) delete row[key];
        }
        return row;
      });
  const count = (state: TrialState) =>
      trials.filter((t) => t.state === state).length;
  return {
    objective,
    modelDir: absolute,
    updatedAt: now.toISOString(),
    bestTrialId: best?.id ?? null,
    counts: {
      completed: count('COMPLETED'),
      failed: count('FAILED'),
      running: count('RUNNING'),
    },
    trials: rows,
  };
}

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The summary as CSV, one row per trial: the fixed columns, then one
 * column per metric (the objective's first) and one `hparams.<name>`
 * column per hyperparameter seen in any trial.
 */
export function studySummaryCsv(summary: StudySummary): string {
  const metricNames = new Set<string>();
  const hparamNames = new Set<string>();
  for (const t of summary.trials) {
    Object.keys(t.metrics).forEach((m) => metricNames.add(m));
    Object.keys(t.hparams).forEach((h) => hparamNames.add(h));
  }
  const metrics = [...metricNames].sort((a, b) =>
      (a === summary.objective.metric ? -1 : 0) -
      (b === summary.objective.metric ? -1 : 0) || a.localeCompare(b));
  const hparams = [...hparamNames].sort();
  const header = ['trial_id', 'state', 'best', 'rank', 'depth', 'architecture',
                  'kind', 'members', 'teacher', ...metrics, ...hparams.map((h) => `hparams.${h}`), 'seconds',
                  'directory', 'failure_reason'];
  const lines = [header.map(csvField).join(',')];
  for (const t of summary.trials) {
    lines.push([
      t.id, t.state, t.best, t.rank, t.depth, t.architecture.join(' '),
      t.kind, t.members?.join(' '), t.teacherTrialId, ...metrics.map((m) => t.metrics[m]),
      ...hparams.map((h) => t.hparams[h]),
      t.seconds, t.directory, t.failureReason,
    ].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** Tells apart the temporaries of writes of one process. */
let temporaries = 0;

/**
 * Writes `text` to `file` through a temporary sibling and a rename, on
 * Node's I/O threads (a search calls it while the next trial trains).
 */
export async function writeFileAtomically(file: string, text: string):
    Promise<void> {
  // A symbolic link is written through, as the shell's > does: the rename
  // would put a file in its place.
  const target = await linkTarget(file);
  // Its writer named as trial_directory.ts's temporaryTag names it: one a
  // killed process of this machine left is removed at the next start.
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${
      process.pid}@${machineName()}-${++temporaries}`);
  try {
    await fs.promises.writeFile(tmp, text);
    await fs.promises.rename(tmp, target);
  } catch (e) {
    await fs.promises.rm(tmp, {force: true});
    // A write that finds the disk full names no file (ENOSPC, write).
    const error = e as NodeJS.ErrnoException;
    if (typeof error.message === 'string' && !error.message.includes(tmp) &&
        !error.message.includes(target)) {
      error.message = `${error.message} (file ${target})`;
    }
    throw e;
  }
}

/**
 * The file `file` names once symbolic links are followed (to a file that
 * need not exist yet); `file` itself when it is no link. At most 40 links,
 * as the kernel follows.
 */
async function linkTarget(file: string): Promise<string> {
  let at = file;
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      link = await fs.promises.readlink(at);
    } catch {
      return at;  // Not a link, or not there: written as it is.
    }
    at = path.resolve(path.dirname(at), link);
  }
  return at;
}

/**
 * Writes study_summary.json and study_summary.csv into `modelDir`.
 * @returns the summary written.
 */
export async function writeStudySummary(
    modelDir: string, trials: Trial[], objective: Objective,
    now: Date = new Date()): Promise<StudySummary> {
  const files = summaryFiles(modelDir, trials, objective, now);
  await writeSummaryFiles(modelDir, files);
  return files.summary;
}

/** A study's summary and the texts of its two files. */
export declare interface SummaryFiles {
  summary: StudySummary;
  json: string;
  csv: string;
}

/** The summary of `trials` and its files' texts, made at once. */
function summaryFiles(
    modelDir: string, trials: Trial[], objective: Objective,
    now: Date = new Date()): SummaryFiles {
  const summary = summarizeStudy(modelDir, trials, objective, now);
  return {summary, json: JSON.stringify(summary, null, 2) + '\n',
          csv: studySummaryCsv(summary)};
}

/** Writes the two summary files, each replaced whole. */
async function writeSummaryFiles(
    modelDir: string, files: SummaryFiles): Promise<void> {
  await Promise.all([
    writeFileAtomically(path.join(modelDir, SUMMARY_JSON), files.json),
    writeFileAtomically(path.join(modelDir, SUMMARY_CSV), files.csv),
  ]);
}

/**
 * Reads `<modelDir>/study_summary.json`; undefined when there is none.
 * Throws when the file exists but is not a summary.
 */
export function readStudySummary(modelDir: string): StudySummary|undefined {
  const file = path.join(modelDir, SUMMARY_JSON);
  if (!fs.existsSync(file)) return undefined;
  let value: StudySummary;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8')) as StudySummary;
  } catch (e) {
    throw new Error(`${file} is not a study summary (${
        (e as Error).message})`);
  }
  if (typeof value?.objective?.metric !== 'string' ||
      !Array.isArray(value.trials)) {
    throw new Error(`${file} is not a study summary (no objective or trials)`);
  }
  return value;
}

declare interface SummaryState {
  modelDir: string;
  trials: Trial[];
  objective: Objective;
}

/**
 * A TrialObserver keeping the study summary files up to date: rewritten
 * after a trial, but at most once every `minIntervalMs` (a timer writes
 * the latest state when trials end faster than that), and at the end.
 * Rewriting both files after each of many short trials cost more than a
 * tenth of their time.
 */
/** The file workers of one model directory take to write the summaries. */
export const SUMMARY_LOCK = '.study_summary.lock';

/** Locks older than this were left by a worker that died holding them. */
const STALE_LOCK_MS = 10_000;

/**
 * The summaries' lock in a model directory: a file made with O_EXCL and
 * holding its taker's `<pid>@<host>`, so that comparing the summary there
 * with a worker's reading and writing it are one step among the workers
 * (two writing at once left the older reading last, measured). A lock of
 * a dead process of this machine, or older than 10 s, is taken over.
 */
class SummaryLock {
  private constructor(private readonly file: string|undefined) {}

  /** Takes the lock, waiting up to `waitMs`; undefined if it could not. */
  static async take(modelDir: string, waitMs: number):
      Promise<SummaryLock|undefined> {
    const file = path.join(modelDir, SUMMARY_LOCK);
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        fs.writeFileSync(file, `${process.pid}@${machineName()}`,
                         {flag: 'wx'});
        return new SummaryLock(file);
      } catch (e) {
        // No lock to be had (a full disk, say): the write goes on without
        // one, and says what fails. A file made before its text failed
        // to fit would stay, an empty lock of nobody's: removed (a
        // taker's holds its name).
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          try {
            if (fs.statSync(file).size === 0) fs.rmSync(file, {force: true});
          } catch {
            // Not made.
          }
          return new SummaryLock(undefined);
        }
      }
      if (SummaryLock.abandoned(file)) {
        fs.rmSync(file, {force: true});
        continue;
      }
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  release(): void {
    if (this.file !== undefined) fs.rmSync(this.file, {force: true});
  }

  private static abandoned(file: string): boolean {
    try {
      const [pid, host] = fs.readFileSync(file, 'utf8').split('@');
      if (host === machineName() && /^\d+$/.test(pid) &&
          Number(pid) !== process.pid) {
        try {
          process.kill(Number(pid), 0);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
        }
      }
      return Date.now() - fs.statSync(file).mtimeMs > STALE_LOCK_MS;
    } catch {
      return false;  // Released meanwhile: the next try takes it.
    }
  }
}

/**
 * Whether the summary in the state's directory has more settled trials
 * (completed or failed) than the state: another worker of the study wrote
 * it from a newer reading of the database (trials only ever settle, so a
 * summary with fewer is older). Writing this one would take the file back
 * in time until the next write.
 * Called under the SummaryLock, so that no worker writes between the
 * reading and the write.
 */
function olderThanWritten(state: SummaryState): boolean {
  let written: StudySummary|undefined;
  try {
    written = readStudySummary(state.modelDir);
  } catch {
    return false;  // None to read, or a broken one: written over.
  }
  if (written?.counts === undefined) return false;
  const settled =
      state.trials.filter((t) => t.state !== 'RUNNING').length;
  return written.counts.completed + written.counts.failed > settled;
}

/**
 * The largest share of a search's time that summary writes made during it
 * may take. A write reads and rewrites every trial of the study (about
 * 0.1 ms a trial here): one a second took 2% of a 300-trial search, and
 * would take a fifth of a 3000-trial one. Writes are spaced further apart
 * as they get slower.
 */
const MAX_WRITE_SHARE = 0.02;

export class StudySummaryObserver implements TrialObserverLike {
  private lastWrite = -Infinity;
  /**
   * How long the last write kept the search's thread, in ms: reading the
   * summary on disk and making the new one. Not its lock's wait, nor the
   * files' writes, which wait on the disk off the thread and, while the
   * search trains, for as long as a step holds the thread: timed with
   * them, one write spaced the next ones by 5-10 s in a search of 9 short
   * trials, and the summary fell four trials behind.
   */
  private lastWriteMs = 0;
  private latest: SummaryState|undefined;
  private timer: NodeJS.Timeout|undefined;
  /** The write under way: writes run one after another, newest last. */
  private writing: Promise<void> = Promise.resolve();
  /** A failed timer write, thrown by the next call. */
  private failure: unknown;

  /** Set by onStudyEnd: the write that must not be skipped. */
  private lastState = false;

  constructor(
      private readonly minIntervalMs = 1000,
      /** How long a write waits for another worker's. */
      private readonly lockWaitMs = 200,
      /** How long the last write waits before it takes the lock anyway. */
      private readonly endWaitMs = 5000,
      /** Writes the files (tests give a slow disk). */
      private readonly writeFiles: (modelDir: string, files: SummaryFiles) =>
          Promise<void> = writeSummaryFiles) {}

  async onStudyUpdate(
      modelDir: string, trials: Trial[], objective: Objective): Promise<void> {
    this.throwFailure();
    this.latest = {modelDir, trials, objective};
    const interval =
        Math.max(this.minIntervalMs, this.lastWriteMs / MAX_WRITE_SHARE);
    const wait = this.lastWrite + interval - Date.now();
    if (wait <= 0) {
      await this.write();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.write().catch((e: unknown) => {
          this.failure = e;
        });
      }, wait);
      // A search that stops calls onStudyEnd; nothing waits for the timer.
      this.timer.unref();
    }
  }

  async onStudyEnd(
      modelDir: string, trials: Trial[], objective: Objective): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.latest = {modelDir, trials, objective};
    this.lastState = true;
    await this.write();
    this.throwFailure();
  }

  /** Writes the latest state, after any write under way. */
  private write(): Promise<void> {
    this.writing = this.writing.catch(() => {}).then(async () => {
      const state = this.latest;
      if (state === undefined) return;
      this.latest = undefined;
      this.lastWrite = Date.now();
      const lock = await SummaryLock.take(
          state.modelDir, this.lastState ? this.endWaitMs : this.lockWaitMs);
      // Another worker writes; so will we, later. Not so at the end: a
      // lock held that long is a stopped worker's, and the summary of
      // this worker's last reading is written anyway (the files are
      // replaced whole, by renaming).
      if (lock === undefined && !this.lastState) return;
      try {
        const start = performance.now();
        if (olderThanWritten(state)) return;
        const files =
            summaryFiles(state.modelDir, state.trials, state.objective);
        this.lastWriteMs = performance.now() - start;
        await this.writeFiles(state.modelDir, files);
      } finally {
        lock?.release();
      }
    });
    return this.writing;
  }

  private throwFailure(): void {
    const failure = this.failure;
    this.failure = undefined;
    if (failure !== undefined) throw failure;
  }
}
