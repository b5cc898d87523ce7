/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Trials whose worker was lost after their directory was in place but
 * before their completion reached the store: the database was out of
 * reach for longer than --metadata_retry_seconds, or the worker was killed
 * between the two. The directory is renamed into place only once whole
 * (trial_writer.ts), and its evaluation.json holds the metrics the store
 * would have recorded, so such a trial is completed from it rather than
 * trained again under a new id.
 *
 * Looked at: trials FAILED for a lost lease (a late completion, which the
 * store accepts), and RUNNING trials of a worker of this machine that is
 * gone (local_workers.ts). A lost worker still alive that completes the
 * trial itself afterwards repeats the same completion, a no-op.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import {modelFilesProblem} from './backend/file_io';
import {earlierProcessOfMyPid, localPid, localWorkerGone, machineName, processExists} from './metadata/worker_ids';
import {LEASE_LOST_PREFIX} from './metadata/store';
import type {MetadataStore} from './metadata/store';
import type {Trial} from './metadata/trial';
import {readEvaluationMetrics, TRIAL_FILES} from './trial_directory';

function lost(
    trial: Trial,
    exists: (pid: number, startTicks?: number) => boolean): boolean {
  if (trial.state === 'FAILED') {
    return (trial.failureReason ?? '').startsWith(LEASE_LOST_PREFIX);
  }
  if (trial.state !== 'RUNNING') return false;
  // A worker of this pid is this process, unless it started otherwise.
  return earlierProcessOfMyPid(trial.workerId) ||
      (localPid(trial.workerId) !== process.pid &&
       localWorkerGone(trial.workerId, machineName(), exists));
}

/** The files every written trial directory holds (trial_writer.ts). */
const WHOLE = [
  TRIAL_FILES.architecture, TRIAL_FILES.hparams, TRIAL_FILES.evaluation,
  TRIAL_FILES.inputSchema, path.join(TRIAL_FILES.model, 'model.json'),
  path.join(TRIAL_FILES.model, 'weights.bin'),
];

/** What a lost trial's directory holds. */
export type WrittenTrial =
    {metrics: Record<string, number>, writtenAt: number}|{problem: string}|
    undefined;

/**
 * The metrics of a lost trial's directory when it is whole; a problem
 * when it is there but not whole (changed since it was written); undefined
 * when there is none (the trial was lost before its export).
 */
export function writtenTrial(dir: string): WrittenTrial {
  if (!fs.existsSync(dir)) return undefined;
  const missing = WHOLE.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) return {problem: `no ${missing.join(', ')}`};
  const metrics = readEvaluationMetrics(dir);
  if (metrics === undefined) {
    return {problem: `${TRIAL_FILES.evaluation} is not a trial's metrics`};
  }
  // Its model too, which nothing could load else (a disk that lost the
  // last writes).
  const damaged = modelFilesProblem(path.join(dir, TRIAL_FILES.model));
  if (damaged !== undefined) return {problem: damaged};
  // When its last file was written: the trial finished then, not when it
  // is found.
  const writtenAt = Math.round(
      fs.statSync(path.join(dir, TRIAL_FILES.evaluation)).mtimeMs);
  return {metrics, writtenAt};
}

/**
 * Whether `trial` ends without metrics however the study goes on: FAILED,
 * or RUNNING in a worker of this machine that is gone, and with no whole
 * directory in `modelDir` that a search would complete it from.
 */
export function endsWithoutMetrics(
    trial: Trial, modelDir: string,
    exists: (pid: number, startTicks?: number) => boolean = processExists):
    boolean {
  if (trial.state === 'COMPLETED') return false;
  const wasLost = lost(trial, exists);
  if (trial.state === 'RUNNING' && !wasLost) return false;
  if (!wasLost || trial.directory === undefined) return true;
  const written = writtenTrial(path.join(modelDir, trial.directory));
  return written === undefined || 'problem' in written;
}

/** Trials already said to be not whole, by study and id: said once. */
const said = new Set<string>();

/**
 * Completes the lost trials of `trials` whose directory under `modelDir`
 * is whole, with the metrics of its evaluation.json; a directory that is
 * there but not whole is said once, through `log`, as its RUNNING trial
 * is taken back (local_workers.ts then marks it FAILED).
 *
 * @returns the ids of the trials this call completed.
 */
export async function completeWrittenTrials(
    store: MetadataStore, studyId: number, modelDir: string, trials: Trial[],
    log: (line: string) => void,
    exists: (pid: number, startTicks?: number) => boolean = processExists):
    Promise<number[]> {
  const completed: number[] = [];
  for (const trial of trials) {
    if (trial.directory === undefined || !lost(trial, exists)) continue;
    const dir = path.join(modelDir, trial.directory);
    const written = writtenTrial(dir);
    if (written === undefined) continue;
    if ('problem' in written) {
      // Said as the trial is taken back (RUNNING), not on every later run.
      const key = `${studyId}:${trial.id}`;
      if (trial.state === 'RUNNING' && !said.has(key)) {
        said.add(key);
        log(`trial ${trial.id}: its worker was lost and its directory ${
            dir} is not whole (${written.problem}); not completed from it`);
      }
      continue;
    }
    // Another worker may complete it from the directory at the same
    // time: only the one whose call did it counts (and says so).
    if (await store.completeTrial(studyId, trial.id, written.metrics,
                                  trial.directory, written.writtenAt)) {
      completed.push(trial.id);
    }
  }
  return completed;
}
