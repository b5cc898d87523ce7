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

import * as path from 'node:path';

import {localPid, processExists} from './local_workers';
import {LEASE_LOST_PREFIX} from './metadata/store';
import type {MetadataStore} from './metadata/store';
import type {Trial} from './metadata/trial';
import {readEvaluationMetrics} from './trial_directory';

function lost(trial: Trial, exists: (pid: number) => boolean): boolean {
  if (trial.state === 'FAILED') {
    return (trial.failureReason ?? '').startsWith(LEASE_LOST_PREFIX);
  }
  if (trial.state !== 'RUNNING') return false;
  const pid = localPid(trial.workerId);
  return pid !== undefined && pid !== process.pid && !exists(pid);
}

/**
 * Completes the lost trials of `trials` whose directory under `modelDir`
 * is whole, with the metrics of its evaluation.json.
 *
 * @returns the ids of the trials completed.
 */
export async function completeWrittenTrials(
    store: MetadataStore, studyId: number, modelDir: string, trials: Trial[],
    exists: (pid: number) => boolean = processExists): Promise<number[]> {
  const completed: number[] = [];
  for (const trial of trials) {
    if (trial.directory === undefined || !lost(trial, exists)) continue;
    const metrics =
        readEvaluationMetrics(path.join(modelDir, trial.directory));
    if (metrics === undefined) continue;
    await store.completeTrial(studyId, trial.id, metrics, trial.directory);
    completed.push(trial.id);
  }
  return completed;
}
