/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Test helpers: a small study of made-up trials, written into a real
 * SQLite store (and trial directories) the way a search would. Tests only.
 */

import * as fs from 'fs';
import * as path from 'path';

import {createStore} from '../metadata/create_store';
import type {Objective} from '../metadata/trial';

/** One made-up trial: its plan and how it ended. */
export declare interface FakeTrial {
  architecture: string[];
  hparams?: Record<string, number|string|boolean>;
  /** Metrics for a COMPLETED trial. */
  metrics?: Record<string, number>;
  /** A reason for a FAILED trial. */
  failure?: string;
  /** Left RUNNING. */
  running?: boolean;
  /** Milliseconds the trial takes on the store's clock. */
  ms?: number;
}

export const LOSS: Objective = {metric: 'loss', goal: 'minimize'};

/** Six trials: four completed (best: trial 3), one failed, one running. */
export const SAMPLE: FakeTrial[] = [
  {architecture: ['FULLY_CONNECTED'], metrics: {loss: 0.5, accuracy: 0.8,
   num_parameters: 310}, hparams: {learning_rate: 0.01, optimizer: 'adam'},
   ms: 1500},
  {architecture: ['FULLY_CONNECTED', 'FULLY_CONNECTED_PYRAMID'],
   metrics: {loss: 0.7, accuracy: 0.75, num_parameters: 900},
   hparams: {learning_rate: 0.1, optimizer: 'sgd'}, ms: 2500},
  {architecture: ['FULLY_CONNECTED_RESIDUAL_CONCAT', 'FULLY_CONNECTED',
                  'FULLY_CONNECTED'],
   metrics: {loss: 0.2, accuracy: 0.95, num_parameters: 2000},
   hparams: {learning_rate: 0.003, optimizer: 'rmsprop'}, ms: 3000},
  {architecture: ['FULLY_CONNECTED_PYRAMID'], failure: 'loss became NaN',
   hparams: {learning_rate: 1.5, optimizer: 'sgd'}, ms: 400},
  {architecture: ['FULLY_CONNECTED', 'FULLY_CONNECTED_RESIDUAL_CONCAT'],
   metrics: {loss: 0.3, accuracy: 0.9, num_parameters: 1500},
   hparams: {learning_rate: 0.005, optimizer: 'adam'}, ms: 2000},
  {architecture: ['FULLY_CONNECTED'], running: true,
   hparams: {learning_rate: 0.02, optimizer: 'adam'}},
];

/**
 * Writes `trials` as study `name` into `<modelDir>/model_search.db` (or
 * the database `url`), creating a directory per COMPLETED trial.
 * @returns the database URL.
 */
export async function writeStudy(
    modelDir: string, trials: FakeTrial[],
    options: {name?: string, owner?: string, url?: string,
              objective?: Objective} = {}):
    Promise<string> {
  fs.mkdirSync(modelDir, {recursive: true});
  const url = options.url ?? `sqlite:${path.join(modelDir, 'model_search.db')}`;
  let now = Date.parse('2026-01-02T03:04:05.000Z');
  const store = await createStore({url, clock: () => now});
  try {
    const {studyId} = await store.openStudy(
        {experimentName: options.name ?? 'test_study',
         experimentOwner: options.owner ?? 'tester'},
        'problem_type: DNN', options.objective);
    for (const fake of trials) {
      const answer = await store.startTrial(studyId, 1000, 'worker', 600);
      if (answer.status !== 'started') throw new Error('store said ' +
                                                       answer.status);
      const id = answer.trial.id;
      await store.planTrial(studyId, id, {
        architecture: fake.architecture,
        hparams: fake.hparams ?? {},
        kind: 'search',
        directory: String(id),
      });
      now += fake.ms ?? 1000;
      if (fake.running) continue;
      if (fake.failure !== undefined) {
        await store.failTrial(studyId, id, fake.failure);
      } else {
        fs.mkdirSync(path.join(modelDir, String(id)), {recursive: true});
        await store.completeTrial(studyId, id, fake.metrics ?? {}, String(id));
      }
    }
  } finally {
    await store.close();
  }
  return url;
}
