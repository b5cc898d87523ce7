/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Trials whose work was done but never recorded: the worker wrote the
 * trial directory (renamed into place only once whole) and then could not
 * tell the store, because the database stayed down past the retries or the
 * process died in between. The store then marks the trial FAILED as lost
 * ('worker lost: ...'), a new trial takes its place, and the directory
 * would stay behind, complete, for a trial listed as failed.
 *
 * A search that opens the study records such a trial COMPLETED from its
 * directory instead, with the metrics of its evaluation.json: the store
 * accepts a late completion of a lost trial, and a worker that is alive
 * after all and completes it too repeats the same completion, a no-op.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import {LEASE_LOST_PREFIX} from './metadata/store';
import type {MetadataStore} from './metadata/store';
import type {Trial} from './metadata/trial';
import {TRIAL_FILES, metricsFromEvaluationFile, trialDirName} from './trial_directory';

/**
 * Records COMPLETED every trial of `trials` that was lost while its
 * directory under `modelDir` is whole (it has evaluation.json and the
 * model). A directory that looks whole but holds an unreadable
 * evaluation.json is left alone, said in `log`.
 *
 * @returns the ids of the trials recorded.
 */
export async function recordWrittenTrials(
    store: MetadataStore, studyId: number, trials: Trial[], modelDir: string,
    log: (line: string) => void): Promise<number[]> {
  const recorded: number[] = [];
  for (const trial of trials) {
    if (trial.state !== 'FAILED' ||
        !(trial.failureReason ?? '').startsWith(LEASE_LOST_PREFIX)) {
      continue;
    }
    const directory = trial.directory ?? trialDirName(trial.id);
    const dir = path.join(modelDir, directory);
    const evaluation = path.join(dir, TRIAL_FILES.evaluation);
    if (!fs.existsSync(evaluation) ||
        !fs.existsSync(path.join(dir, TRIAL_FILES.model, 'model.json'))) {
      continue;
    }
    let metrics: Record<string, number>;
    try {
      metrics = metricsFromEvaluationFile(evaluation);
    } catch (e) {
      log(`trial ${trial.id}: its directory ${dir} looks whole but ${
          (e as Error).message}; left FAILED`);
      continue;
    }
    await store.completeTrial(studyId, trial.id, metrics, directory);
    recorded.push(trial.id);
  }
  return recorded;
}
