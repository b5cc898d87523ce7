/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The names and files of trial directories. A trial directory is written
 * atomically (trial_writer.ts): everything goes to a temporary sibling
 * first, which is renamed into place once complete. A worker killed half
 * way leaves only a `.tmp-*` directory, never a trial that looks done.
 */

import * as fs from 'fs';
import * as path from 'path';
import {performance} from 'perf_hooks';

import {SearchError, UsageError} from './errors';
import {STUDY_DATA_FILE} from './metadata/study_of_directory';
import {machineName, processExists} from './metadata/worker_ids';
import {holdsTrialFiles, isTrialDirectoryName, TRIAL_FILES} from './trial_files';
import {whyUnreadable} from './user_paths';


export {TRIAL_FILES} from './trial_files';

/**
 * Marks the trial directory `directory` of `modelDir` as unusable, saying
 * why (best effort: a directory that cannot be written is left alone,
 * and the trial is left out by this search only).
 */
export function markUnusable(
    modelDir: string, directory: string, why: string): void {
  try {
    fs.writeFileSync(
        path.join(modelDir, directory, TRIAL_FILES.unusable),
        `${why}\nThe study's searches leave this trial out of what they ` +
            'plan from (ensembles, warm starts, teachers, the search ' +
            'algorithm). Remove this file once the trial\'s files are ' +
            'repaired.\n');
  } catch {
    // As above.
  }
}

/** The ids of the COMPLETED trials whose directory is marked unusable. */
export function unusableTrials(
    modelDir: string, trials: ReadonlyArray<{
      id: number, state: string, directory?: string,
    }>): number[] {
  return trials
      .filter((t) => t.state === 'COMPLETED' && t.directory !== undefined &&
                  fs.existsSync(path.join(modelDir, t.directory,
                                          TRIAL_FILES.unusable)))
      .map((t) => t.id);
}

/**
 * Throws a UsageError when `modelDir` holds, under a name a trial
 * directory would take (a number), something that is not one: the trial
 * of that id could not be written.
 */
export function refuseForeignTrialNames(modelDir: string, flag: string):
    void {
  if (!fs.existsSync(modelDir)) return;
  for (const name of fs.readdirSync(modelDir)) {
    if (!isTrialDirectoryName(name) ||
        holdsTrialFiles(path.join(modelDir, name))) {
      continue;
    }
    const unreadable = whyUnreadable(path.join(modelDir, name));
    if (unreadable !== undefined) {
      throw new UsageError(
          `${flag}=${modelDir} holds "${name}", which the search cannot ` +
          `read (${unreadable}): change its permissions`);
    }
    throw new UsageError(
        `${flag}=${modelDir} holds "${name}", which is not a trial ` +
        'directory, under a name a trial directory takes (trial ' +
        'directories are named by trial id): move it, or give the search ' +
        'a directory of its own');
  }
}

/**
 * Throws a UsageError when `modelDir` is a trial directory of a study, or
 * lies inside one (its `model` folder): a search there would write its
 * database, summaries and trials among that trial's files, where nothing
 * reads them as a study. Predicting and reporting take a trial directory;
 * searching takes a directory of its own.
 */
export function refuseTrialDirectory(modelDir: string, flag: string): void {
  let below = path.resolve(modelDir);
  for (;;) {
    const above = path.dirname(below);
    if (above === below) return;
    const name = path.basename(below);
    const where = below === path.resolve(modelDir) ? 'is' : 'lies inside';
    if (isTrialDirectoryName(name) && holdsTrialFiles(below)) {
      throw new UsageError(
          `${flag}=${modelDir} ${where} the directory of trial ${name} of ` +
          `the study in ${above}: a search would write its files among the ` +
          'trial\'s; give the search a directory of its own (a trial ' +
          'directory is what predict takes)');
    }
    if (isTrialDirectoryName(name) &&
        fs.existsSync(path.join(above, STUDY_DATA_FILE))) {
      // Not written yet: the study's trial of that id would need it.
      throw new UsageError(
          `${flag}=${modelDir} ${where} ${path.join(above, name)}, the name ` +
          `of trial ${name}'s directory in the study in ${above}: that ` +
          'trial could not be written there; give the search a directory ' +
          'of its own');
    }
    below = above;
  }
}

/** The directory name of a trial: its id, as in the original. */
export function trialDirName(trialId: number): string {
  return String(trialId);
}

/** The text of a trial directory's JSON files: indented, a final newline. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** How a trial ran, written beside its metrics in evaluation.json. */
export declare interface TrialRun {
  train_steps: number;
  eval_examples: number;
  train_seconds: number;
  eval_seconds: number;
  seconds: number;
}

const TRIAL_RUN_KEYS: ReadonlyArray<keyof TrialRun> = [
  'train_steps', 'eval_examples', 'train_seconds', 'eval_seconds', 'seconds',
];

/** evaluation.json: the metrics the store records, then how the trial ran. */
export function evaluationText(
    metrics: Record<string, number>, run: TrialRun): string {
  return jsonText({...metrics, ...run});
}

/**
 * The metrics in a trial directory's evaluation.json, as the store
 * recorded them (or would have); undefined when the file is missing or is
 * not such a file. A non-finite metric (JSON null) reads as NaN.
 */
export function readEvaluationMetrics(trialDir: string):
    Record<string, number>|undefined {
  let value: unknown;
  try {
    value = JSON.parse(
        fs.readFileSync(path.join(trialDir, TRIAL_FILES.evaluation), 'utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return undefined;
  }
  const metrics: Record<string, number> = {};
  for (const [name, metric] of Object.entries(value)) {
    if ((TRIAL_RUN_KEYS as readonly string[]).includes(name)) continue;
    if (metric === null) {
      metrics[name] = NaN;
    } else if (typeof metric === 'number') {
      metrics[name] = metric;
    } else {
      return undefined;
    }
  }
  return metrics;
}

/**
 * What names the writer of a temporary: `<pid>@<host>`, so that one left
 * by a process of this machine that is gone can be told from one another
 * machine's worker (sharing the model directory) still writes.
 */
export function temporaryTag(): string {
  return `${process.pid}@${machineName()}`;
}

/**
 * The error of a search whose model directory was removed under it (or
 * replaced by another, or emptied in part): nothing is written into it
 * any more, the summaries neither.
 */
export class ModelDirectoryGone extends SearchError {}

export function modelDirectoryGone(modelDir: string): ModelDirectoryGone {
  return new ModelDirectoryGone(
      `the model directory ${modelDir} was removed (or replaced) while the ` +
      'search ran, ' +
      'with the trials written into it (and its model_search.db, if the ' +
      'study was kept there): the search stops rather than make it again ' +
      'half empty; restore it and run the same command to resume, or ' +
      'start a new search');
}

/**
 * A temporary of a killed worker: a trial directory
 * (`.tmp-<id>-<tag>-<ms>`, `.tmp-next-<tag>-<n>`) or a file being replaced
 * (`.<name>.tmp-<tag>-<n>`, study_summary.ts); older ones have a pid
 * alone for a tag, and the study record's were `study_data.json.tmp-<pid>`.
 */
const TEMPORARY =
    /^\.tmp-|^\..+\.tmp-\d+(?:@.+)?-\d+$|^study_data\.json\.tmp-\d+$/;
/** The pid and host of a tag in a temporary's name. */
const TAGGED = /-(\d+)@(.+)-\d+$/;

/**
 * Removes the temporaries (trial directories, summary files) left behind
 * by killed workers: at once when their writer was a process of this
 * machine that is gone, else once older than `olderThanMs`.
 */
export function removeStaleTemporaries(
    root: string, olderThanMs: number,
    exists: (pid: number) => boolean = processExists): number {
  if (!fs.existsSync(root)) return 0;
  let removed = 0;
  for (const entry of fs.readdirSync(root)) {
    if (!TEMPORARY.test(entry)) continue;
    const full = path.join(root, entry);
    let modifiedMs: number;
    try {
      modifiedMs = fs.statSync(full).mtimeMs;
    } catch (e) {
      // Another worker renamed or removed it since readdir: not stale.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const tag = TAGGED.exec(entry);
    // This machine's writer is gone; one tagged with this process's pid
    // and last changed before it started was an earlier process's with
    // that pid (a container restarted).
    const gone = tag !== null && tag[2] === machineName() &&
        (Number(tag[1]) === process.pid ? modifiedMs < performance.timeOrigin :
                                          !exists(Number(tag[1])));
    if (gone || Date.now() - modifiedMs > olderThanMs) {
      fs.rmSync(full, {recursive: true, force: true});
      removed++;
    }
  }
  return removed;
}
