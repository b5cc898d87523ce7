/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What a resumed study must share with its start, besides its spec and
 * objective (which the store compares): its model directory
 * (checkTrialDirectoriesPresent), its data (checkSameData), and for a
 * study from before the store kept objectives, the objective of its
 * summary (checkSummaryObjective).
 *
 * A study resumed on other data would rank models trained on different
 * data against each other, and its trials' exported models would read
 * inputs differently: a resumed study must see the data it started with.
 * The data is known by the input schema each trial saves (columns,
 * encoding, label classes); moments of numeric columns may change, as
 * when rows are added to the file.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import type {FeatureColumn, InputSchema} from './data/data';
import {UsageError, ValueError} from './errors';
import type {Objective, Trial} from './metadata/trial';
import {readStudySummary, SUMMARY_JSON} from './report';
import {TRIAL_FILES} from './trial_directory';

/** The parts of a schema that must match: no moments, no defaults. */
function essentials(schema: InputSchema): unknown {
  return {
    kind: schema.kind,
    shape: schema.shape,
    labelVocabulary: schema.labelVocabulary ?? null,
    columns: (schema.columns ?? []).map((c: FeatureColumn) => ({
      name: c.name, kind: c.kind, vocabulary: c.vocabulary ?? null,
    })),
  };
}

/**
 * Whether two schemas describe the same data: their essentials, and the
 * evaluation split where both say it (schemas saved before it was kept
 * do not).
 */
function sameData(a: InputSchema, b: InputSchema): boolean {
  const splitA = a.extra?.['split'];
  const splitB = b.extra?.['split'];
  return JSON.stringify(essentials(a)) === JSON.stringify(essentials(b)) &&
      (splitA === undefined || splitB === undefined ||
       JSON.stringify(splitA) === JSON.stringify(splitB));
}

/** The study's data, as its first worker gave it, in its model directory. */
export const STUDY_DATA_FILE = 'study_data.json';

/**
 * Records the study's data in `modelDir` when no worker has yet, else
 * throws when `schema` differs from it: workers started together, before
 * any trial completed, must not train one study on different data.
 * Created whole and at most once (a link of a complete file).
 */
export function recordOrCheckStudyData(
    modelDir: string, experimentName: string, schema: InputSchema): void {
  const file = path.join(modelDir, STUDY_DATA_FILE);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({experimentName, schema}, null, 2));
    try {
      fs.linkSync(tmp, file);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      fs.rmSync(tmp, {force: true});
    }
  }
  let recorded: InputSchema;
  try {
    recorded = (JSON.parse(fs.readFileSync(file, 'utf8')) as
                {schema: InputSchema}).schema;
    if (typeof recorded?.kind !== 'string') throw new Error('no schema');
  } catch (e) {
    throw new ValueError(`${file}: not the study's data record (${
        (e as Error).message}); remove it to record the data given now`);
  }
  if (sameData(recorded, schema)) return;
  throw new ValueError(
      `study "${experimentName}" in ${modelDir} is trained on ${
          describe(recorded)} (${file}), but the data given now is ${
          describe(schema)}${splitText(recorded, schema)}; give every ` +
      'worker the same data, or a new --model_dir or --experiment_name for ' +
      'a new study');
}

/** How the evaluation splits differ, when they do. */
function splitText(recorded: InputSchema, given: InputSchema): string {
  const a = recorded.extra?.['split'];
  const b = given.extra?.['split'];
  return a !== undefined && b !== undefined &&
          JSON.stringify(a) !== JSON.stringify(b) ?
      ` (evaluation split ${JSON.stringify(a)} against ${JSON.stringify(b)})` :
      '';
}

function describe(schema: InputSchema): string {
  const classes = schema.labelVocabulary ?? [];
  const columns = (schema.columns ?? []).map((c) => c.name);
  return `${schema.kind} data of shape [${schema.shape.join(', ')}]` +
      (columns.length ? `, columns ${columns.slice(0, 6).join(',')}${
                            columns.length > 6 ? ',...' : ''}` : '') +
      `, classes ${classes.slice(0, 6).join(',')}${
          classes.length > 6 ? ',...' : ''}`;
}

/**
 * Throws when `schema` (the provider's now) differs from the one the
 * first completed trial of the study saved.
 */
export function checkSameData(
    modelDir: string, experimentName: string, trials: Trial[],
    schema: InputSchema): void {
  for (const trial of trials) {
    if (trial.state !== 'COMPLETED' || trial.directory === undefined) continue;
    const file = path.join(modelDir, trial.directory, TRIAL_FILES.inputSchema);
    if (!fs.existsSync(file)) continue;
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as InputSchema;
    if (sameData(saved, schema)) return;
    throw new ValueError(
        `study "${experimentName}" in ${modelDir} was trained on ${
            describe(saved)} (trial ${trial.id}), but the data given now ` +
        `is ${describe(schema)}${splitText(saved, schema)}; give the same ` +
        'data to resume it, or a new --model_dir or --experiment_name for ' +
        'a new study');
  }
}

/**
 * Throws when completed trials of the study have no directory in
 * `modelDir`: the study was started in another model directory (or the
 * directories were removed). Its ensembles, warm starts and teachers read
 * those directories, so the search would fail later, half way.
 */
export function checkTrialDirectoriesPresent(
    modelDir: string, experimentName: string, trials: Trial[]): void {
  const missing = trials.filter(
      (t) => t.state === 'COMPLETED' && t.directory !== undefined &&
          !fs.existsSync(
              path.join(modelDir, t.directory, TRIAL_FILES.architecture)));
  if (missing.length === 0) return;
  const ids = missing.map((t) => t.id);
  const completed = trials.filter((t) => t.state === 'COMPLETED').length;
  throw new UsageError(
      `study "${experimentName}" has ${completed} completed trial${
          completed === 1 ? '' : 's'}, but ` +
      `--model_dir=${modelDir} lacks the directories of ${
          missing.length === completed ? 'all of them' :
                                         `${missing.length} of them`} ` +
      `(trial${ids.length > 1 ? 's' : ''} ${ids.slice(0, 8).join(', ')}${
          ids.length > 8 ? ', ...' : ''}): give the --model_dir the study ` +
      'was started with (its workers share one), or a new ' +
      '--experiment_name for a new study');
}

/**
 * Throws when the study summary in `modelDir` ranks by another objective
 * than `objective`. The database keeps a study's objective since schema
 * version 3 (and refuses another in openStudy); a study made before kept
 * it only in its summary, and would otherwise take the objective of the
 * first run after, without a word. Called before the study is opened, so
 * that a refused run records nothing. A missing or unreadable summary
 * says nothing.
 */
export function checkSummaryObjective(
    modelDir: string, experimentName: string, objective: Objective): void {
  let summary: {objective?: Partial<Objective>}|undefined;
  try {
    summary = readStudySummary(modelDir);
  } catch {
    return;
  }
  const before = summary?.objective;
  if (before?.metric === undefined ||
      (before.metric === objective.metric && before.goal === objective.goal)) {
    return;
  }
  throw new UsageError(
      `study "${experimentName}" in ${modelDir} was searched with ` +
      `--optimization_metric=${before.metric} --optimization_goal=${
          before.goal} (its ${SUMMARY_JSON}), but this run has ` +
      `--optimization_metric=${objective.metric} --optimization_goal=${
          objective.goal}; give the same to resume it, or a new ` +
      '--experiment_name for a new study');
}
