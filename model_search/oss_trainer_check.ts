/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What model_search_oss_test checks after the trainer ran: a COMPLETED
 * trial in the store with loss and accuracy, its evaluation file with
 * finite metrics, and an exported model that loads.
 */

import * as fs from 'fs';
import * as path from 'path';

import {loadModel} from './backend/file_io';
import {createStore} from './metadata/create_store';
import {DEFAULT_SQLITE_FILENAME} from './metadata/flags';
import {TRIAL_FILES} from './trial_directory';

/** A check that did not hold; the message says which and why. */
export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailure';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

const REQUIRED_METRICS = ['loss', 'accuracy'];

/**
 * Checks the study in `modelDir` (SQLite store at its default place).
 * @returns a one-line description of the checked trial.
 */
export async function checkStudyOutput(modelDir: string): Promise<string> {
  const dbFile = path.join(modelDir, DEFAULT_SQLITE_FILENAME);
  if (!fs.existsSync(dbFile)) {
    throw new CheckFailure(`no bookkeeping store at ${dbFile}`);
  }
  const store = await createStore({url: `sqlite:${dbFile}`});
  try {
    const studies = await store.listStudies?.() ?? [];
    if (studies.length === 0) throw new CheckFailure('the store has no study');
    const trials = await store.listTrials(studies[0].studyId);
    const completed = trials.filter((t) => t.state === 'COMPLETED');
    if (completed.length < 1) {
      throw new CheckFailure(`no COMPLETED trial in the store (trials: ${
          JSON.stringify(trials.map((t) => [t.id, t.state, t.failureReason]))})`);
    }
    const trial = completed[0];
    for (const metric of REQUIRED_METRICS) {
      if (typeof trial.metrics?.[metric] !== 'number') {
        throw new CheckFailure(
            `trial ${trial.id} has no ${metric} metric in the store`);
      }
    }
    const trialDir = path.join(modelDir, trial.directory ?? String(trial.id));
    const evalFile = path.join(trialDir, TRIAL_FILES.evaluation);
    if (!fs.existsSync(evalFile)) {
      throw new CheckFailure(`${evalFile} was not written`);
    }
    const evaluation = JSON.parse(fs.readFileSync(evalFile, 'utf8'));
    for (const metric of REQUIRED_METRICS) {
      if (!Number.isFinite(evaluation[metric])) {
        throw new CheckFailure(
            `${evalFile} has no finite ${metric}: ${evaluation[metric]}`);
      }
    }
    const model = await loadModel(path.join(trialDir, TRIAL_FILES.model));
    const layers = model.layers.length;
    model.dispose();
    return `trial ${trial.id} COMPLETED: loss=${evaluation.loss} accuracy=${
        evaluation.accuracy}, model with ${layers} layers loads`;
  } finally {
    await store.close();
  }
}
