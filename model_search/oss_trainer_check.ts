/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What model_search_oss_test checks after the trainer ran: every trial
 * COMPLETED in the store with loss and accuracy, its evaluation file with
 * finite metrics, and an exported model that loads and scores each
 * example alike alone and among others; and which blocks of the spec the
 * trials trained.
 */

import * as fs from 'fs';
import * as path from 'path';

import {loadModel} from './backend/file_io';
import {tf} from './backend/tf';
import type {Batch} from './data/data';
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
    modelDir: string, listedBlocks: readonly string[] = [],
    sample?: Batch): Promise<string> {
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
      lines.push(await checkTrial(modelDir, trial, sample));
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

/**
 * Checks one COMPLETED trial; returns a line saying what held. With
 * `sample` (a batch of evaluation data), its model must score the first
 * examples alone as it scores them in the batch.
 */
async function checkTrial(
    modelDir: string, trial: Trial, sample?: Batch): Promise<string> {
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
  let alone = '';
  try {
    if (sample !== undefined) alone = checkExamplesAlone(model, trial, sample);
  } finally {
    model.dispose();
  }
  return `trial ${trial.id} COMPLETED: loss=${evaluation.loss} accuracy=${
      evaluation.accuracy}, model with ${layers} layers loads${alone}`;
}

/** Examples scored alone against the batch (checkExamplesAlone). */
const EXAMPLES_ALONE = 4;

/**
 * The largest difference of a probability, alone against in a batch, that
 * is rounding: kernels may sum in another order for another batch size.
 */
const ALONE_TOLERANCE = 1e-3;

/**
 * Throws unless `model` gives each of the first examples of `sample` the
 * same probabilities alone as in the batch: a block that mixes examples
 * (a layer reshaping across the batch and back) trains and evaluates
 * without an error, and its model then answers for an example by what
 * else is in its batch.
 */
function checkExamplesAlone(
    model: tf.LayersModel, trial: Trial, sample: Batch): string {
  const rows = sample.features.shape[0];
  const count = Math.min(rows, EXAMPLES_ALONE);
  if (rows < 2) return '';
  const inputsOf = (from: number, size: number) => {
    const features = tf.slice(sample.features, from, size);
    if (model.inputs.length < 2 || sample.lengths === undefined) {
      return [features];
    }
    return [features, tf.slice(sample.lengths, from, size)];
  };
  const probabilities = (from: number, size: number): unknown[] => {
    const probs = tf.tidy(() => tf.softmax(
        model.predict(inputsOf(from, size)) as tf.Tensor));
    try {
      return probs.arraySync() as unknown[];
    } finally {
      probs.dispose();
    }
  };
  const together = probabilities(0, rows);
  for (let i = 0; i < count; i++) {
    const alone = (probabilities(i, 1)[0] as number[]|number[][]).flat();
    const inBatch = (together[i] as number[]|number[][]).flat();
    const most = Math.max(...alone.map((p, k) => Math.abs(p - inBatch[k])));
    if (!(most <= ALONE_TOLERANCE)) {
      throw new CheckFailure(
          `trial ${trial.id} (blocks ${trial.architecture.join(', ') ||
              'of its towers'}): its model scores evaluation example ${
              i + 1} otherwise alone than in a batch of ${rows} (a ` +
          `probability differs by ${most.toPrecision(3)}): a block mixes ` +
          'the examples of a batch (a layer that reshapes across the ' +
          'batch dimension and back, say); a block may combine the values ' +
          'of one example only');
    }
  }
  return `, scores ${count} examples alone as in a batch`;
}
