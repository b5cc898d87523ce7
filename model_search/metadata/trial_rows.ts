/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Converts trials to and from table rows. The JSON columns hold plain JSON,
 * except that non-finite metric values (a diverged loss) are kept as the
 * strings "NaN", "Infinity" and "-Infinity", which JSON cannot hold.
 */

import {StoreError} from './retry';
import type {HparamValue, Trial, TrialState} from './trial';

export type Row = Record<string, unknown>;

/** The trial columns every query selects, in this order. */
export const TRIAL_COLUMNS = 'trial_id, state, architecture, hparams, ' +
    'metrics, directory, failure_reason, kind, extra, worker_id, ' +
    'started_at, finished_at, lease_expires_at';

const NON_FINITE = new Map<string, number>(
    [['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]]);

export function encodeMetrics(metrics: Record<string, number>): string {
  return JSON.stringify(
      metrics,
      (_key, value) => typeof value === 'number' && !Number.isFinite(value) ?
          String(value) :
          value);
}

/** Metrics as parsed from their column, non-finite strings restored. */
export function decodeMetrics(raw: Record<string, unknown>):
    Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(raw)) {
    out[name] = typeof value === 'string' && NON_FINITE.has(value) ?
        NON_FINITE.get(value)! :
        Number(value);
  }
  return out;
}

/** A BIGINT or COUNT as a number (PostgreSQL returns them as strings). */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

function optionalText(value: unknown): string|undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : String(value);
}

function iso(value: unknown): string|undefined {
  return value === null || value === undefined ?
      undefined :
      new Date(toNumber(value)).toISOString();
}

function parseJson<T>(text: unknown, column: string, trialId: number): T {
  try {
    return JSON.parse(String(text)) as T;
  } catch (err) {
    throw new StoreError(
        `trial ${trialId}: column ${column} holds invalid JSON (${
            (err as Error).message}); the row was not written by this ` +
        'store or was edited by hand');
  }
}

const STATES: readonly string[] = ['RUNNING', 'COMPLETED', 'FAILED'];

function trialState(value: unknown, trialId: number): TrialState {
  const state = String(value);
  if (STATES.includes(state)) return state as TrialState;
  throw new StoreError(
      `trial ${trialId}: column state holds ${JSON.stringify(state)}, not ` +
      `one of ${STATES.join(', ')}; the row was not written by this store ` +
      'or was edited by hand');
}

/** A row selected with TRIAL_COLUMNS as a Trial (absent values left out). */
export function rowToTrial(row: Row): Trial {
  const id = toNumber(row['trial_id']);
  const trial: Trial = {
    id,
    state: trialState(row['state'], id),
    architecture: parseJson<string[]>(row['architecture'], 'architecture', id),
    hparams:
        parseJson<Record<string, HparamValue>>(row['hparams'], 'hparams', id),
  };
  const metrics = optionalText(row['metrics']);
  if (metrics !== undefined) {
    trial.metrics = decodeMetrics(
        parseJson<Record<string, unknown>>(metrics, 'metrics', id));
  }
  const directory = optionalText(row['directory']);
  if (directory !== undefined) trial.directory = directory;
  const reason = optionalText(row['failure_reason']);
  if (reason !== undefined) trial.failureReason = reason;
  const kind = optionalText(row['kind']);
  if (kind !== undefined) trial.kind = kind;
  const extra = optionalText(row['extra']);
  if (extra !== undefined) {
    trial.extra = parseJson<Record<string, unknown>>(extra, 'extra', id);
  }
  const workerId = optionalText(row['worker_id']);
  if (workerId !== undefined) trial.workerId = workerId;
  const startedAt = iso(row['started_at']);
  if (startedAt !== undefined) trial.startedAt = startedAt;
  const finishedAt = iso(row['finished_at']);
  if (finishedAt !== undefined) trial.finishedAt = finishedAt;
  const leaseExpiresAt = iso(row['lease_expires_at']);
  if (leaseExpiresAt !== undefined) trial.leaseExpiresAt = leaseExpiresAt;
  return trial;
}
