/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
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
import {ValueError} from './errors';
import type {Trial} from './metadata/trial';
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
    if (JSON.stringify(essentials(saved)) ===
        JSON.stringify(essentials(schema))) {
      return;
    }
    throw new ValueError(
        `study "${experimentName}" in ${modelDir} was trained on ${
            describe(saved)} (trial ${trial.id}), but the data given now ` +
        `is ${describe(schema)}; give the same data to resume it, or a new ` +
        '--model_dir or --experiment_name for a new study');
  }
}
