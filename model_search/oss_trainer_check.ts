/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What model_search_oss_test checks after the trainer ran: every trial
 * COMPLETED in the store with loss and accuracy, its evaluation file with
 * finite metrics, and an exported model that loads; and which blocks of
 * the spec the trials trained.
 */

import * as fs from 'fs';
import * as path from 'path';

import {loadModel} from './backend/file_io';
import {createStore} from './metadata/create_store';
import {DEFAULT_SQLITE_FILENAME} from './metadata/flags';
import type {Trial} from './metadata/trial';
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
 * Checks the study in `modelDir` (SQLite store at its default place): at
 * least one trial, every trial COMPLETED (a trial that failed, a user's
 * block that does not build, say, fails the test), each with its metrics,
 * its evaluation file and a model that loads.
 *
 * @param listedBlocks the spec's blocks_to_use, when known: the ones no
 *     trial trained are named in the returned text (a test's few trials
 *     draw few of them).
 * @returns a description of the checked trials, a line or two.
 */
export async function checkStudyOutput(
    modelDir: string, listedBlocks: readonly string[] = []): Promise<string> {
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
    const others = trials.filter((t) => t.state !== 'COMPLETED');
    if (others.length > 0) {
      throw new CheckFailure(
          `${others.length} of ${trials.length} trials did not complete: ${
              others.slice(0, 3)
                  .map((t) => `trial ${t.id} ${t.state}${
                           t.failureReason ? ` (${t.failureReason})` : ''}`)
                  .join('; ')}${others.length > 3 ? '; ...' : ''}`);
    }
    const lines: string[] = [];
    for (const trial of completed) {
      lines.push(await checkTrial(modelDir, trial));
    }
    const trained = new Set(completed.flatMap((t) => [
      ...t.architecture,
      ...((t.extra?.['towers'] as Array<{architecture?: string[]}>|
           undefined) ?? [])
          .flatMap((tower) => tower.architecture ?? []),
    ]));
    const untrained = listedBlocks.filter((b) => !trained.has(b));
    lines.push(`blocks trained: ${[...trained].sort().join(', ') || 'none'}`);
    if (untrained.length > 0) {
      lines.push(`blocks of the spec no trial trained: ${
          untrained.join(', ')} (give the test --experiment_max_num_trials ` +
          'in extra_args, or a spec of one block, to train them)');
    }
    return lines.join('\n');
  } finally {
    await store.close();
  }
}

/** Checks one COMPLETED trial; returns a line saying what held. */
async function checkTrial(modelDir: string, trial: Trial): Promise<string> {
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
}
