/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What the terminal table and the HTML page agree on: which metrics to
 * show, which way each sorts, how values and architectures are printed.
 */

import {didYouMean, UsageError} from '../errors';
import type {Objective, Trial} from '../metadata/trial';

import {trialSeconds} from './study_summary';

/** Metrics where a larger value is better (the rest sort ascending). */
const LARGER_IS_BETTER = new Set([
  'accuracy', 'auc_roc', 'auc_pr', 'precision', 'recall', 'f1', 'f1_score',
]);

/** Shown after the objective, when the trials have them. */
const KEY_METRICS = ['loss', 'accuracy', 'auc_roc', 'auc_pr'];

/** Sort keys that are columns rather than metrics. */
export const TRIAL_FIELDS = ['id', 'depth', 'seconds', 'state'] as const;

export type SortOrder = 'asc'|'desc';

/** Every metric name any of the trials has, sorted. */
export function metricNames(trials: Trial[]): string[] {
  const names = new Set<string>();
  for (const t of trials) Object.keys(t.metrics ?? {}).forEach((m) => names.add(m));
  return [...names].sort();
}

/**
 * The metric columns: the objective, the sort metric, then the key
 * metrics, each only when some trial has it.
 */
export function keyMetrics(
    trials: Trial[], objective: Objective, sortKey?: string): string[] {
  const present = new Set(metricNames(trials));
  const wanted = [objective.metric, sortKey ?? '', ...KEY_METRICS];
  return [...new Set(wanted)].filter((m) => present.has(m));
}

/** The order that puts the better trials first for `key`. */
export function naturalOrder(key: string, objective: Objective): SortOrder {
  if (key === objective.metric) {
    return objective.goal === 'maximize' ? 'desc' : 'asc';
  }
  return LARGER_IS_BETTER.has(key) ? 'desc' : 'asc';
}

/** The value a trial sorts by; undefined when it has none. */
export function sortValue(trial: Trial, key: string): number|string|undefined {
  switch (key) {
    case 'id':
      return trial.id;
    case 'depth':
      return trial.architecture.length;
    case 'seconds':
      return trialSeconds(trial);
    case 'state':
      return trial.state;
    default: {
      const v = trial.metrics?.[key];
      return typeof v === 'number' && !Number.isNaN(v) ? v : undefined;
    }
  }
}

/**
 * Trials sorted by `key` in `order`; trials without a value come last
 * (by id). Ties of a metric other than loss go to the lower loss, as the
 * study ranks them (so the best trial heads its equals), then to the
 * lower id; ties of other keys to the lower id. Throws UsageError for a
 * key no trial has.
 */
export function sortTrials(
    trials: Trial[], key: string, order: SortOrder): Trial[] {
  const known = [...TRIAL_FIELDS, ...metricNames(trials)];
  if (!known.includes(key) && trials.length > 0) {
    throw new UsageError(`--sort=${key}: no trial has this metric${
        didYouMean(key, known)}; sortable: ${known.join(', ')}`);
  }
  const sign = order === 'asc' ? 1 : -1;
  const tieOfMetric =
      key !== 'loss' && !(TRIAL_FIELDS as readonly string[]).includes(key);
  return [...trials].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === undefined || vb === undefined) {
      if (va === vb) return a.id - b.id;
      return va === undefined ? 1 : -1;
    }
    if (va === vb) return tieOfMetric ? byLossThenId(a, b) : a.id - b.id;
    return sign * (va < vb ? -1 : 1);
  });
}

/** The trial of lower (finite) evaluation loss first, then of lower id. */
function byLossThenId(a: Trial, b: Trial): number {
  const loss = (t: Trial) => {
    const v = t.metrics?.['loss'];
    return typeof v === 'number' && Number.isFinite(v) ? v : Infinity;
  };
  const [la, lb] = [loss(a), loss(b)];
  return la !== lb ? (la < lb ? -1 : 1) : a.id - b.id;
}

/** A metric value for people: integers as such, others to 4 decimals. */
export function formatMetric(name: string, value: number|undefined): string {
  if (value === undefined) return '';
  if (Number.isNaN(value)) return 'nan';
  if (name === 'num_parameters' || Number.isInteger(value) && value > 100) {
    return String(Math.round(value));
  }
  return value.toFixed(4);
}

/** Seconds as `0.4`, `12.3`, `2m05s`, `1h02m`. */
export function formatSeconds(seconds: number|undefined): string {
  if (seconds === undefined) return '';
  if (seconds < 60) return seconds.toFixed(1);
  const s = Math.round(seconds);
  if (s < 3600) {
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  }
  return `${Math.floor(s / 3600)}h${
      String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The trials whose towers an ensemble trial combines; [] for others. */
export function ensembleMembers(trial: Trial): number[] {
  const members = trial.extra?.['members'];
  return trial.kind === 'ensemble' && Array.isArray(members) ?
      members.filter((m): m is number => Number.isInteger(m)) :
      [];
}

/**
 * The trial a distillation student learned from (`extra.teacherTrialId`),
 * or undefined for any other trial.
 */
export function distillationTeacher(trial: Trial): number|undefined {
  const teacher = trial.extra?.['teacherTrialId'];
  return Number.isInteger(teacher) ? teacher as number : undefined;
}

/**
 * Whether a completed trial trained no step: an ensemble averaging frozen
 * towers, which records no train loss. Its hyperparameters were drawn
 * like any trial's but shaped nothing.
 */
export function trainedNothing(trial: Trial): boolean {
  return trial.state === 'COMPLETED' && trial.kind === 'ensemble' &&
      trial.metrics !== undefined && !('train_loss' in trial.metrics);
}

/**
 * Every block of a trial's model: its recorded towers' (an ensemble's
 * members included), else its own architecture.
 */
export function modelBlocks(trial: Trial): string[] {
  const towers = recordedTowers(trial);
  return towers.length === 0 ? trial.architecture :
                               towers.flatMap((tower) => tower.architecture);
}

/** One tower of an ensemble or distillation trial, as its plan records it. */
export declare interface RecordedTower {
  name: string;
  architecture: string[];
  /** The trial whose weights it started from; unset: trained from scratch. */
  sourceTrialId?: number;
  frozen: boolean;
}

/**
 * The towers a trial's plan recorded (`extra.towers`; ensembles and
 * distillations), or [] for a trial of one tower. Malformed entries are
 * skipped: the record may come from another version.
 */
export function recordedTowers(trial: Trial): RecordedTower[] {
  const towers = trial.extra?.['towers'];
  if (!Array.isArray(towers)) return [];
  const out: RecordedTower[] = [];
  for (const t of towers as Array<Record<string, unknown>>) {
    if (t === null || typeof t !== 'object' || typeof t['name'] !== 'string' ||
        !Array.isArray(t['architecture'])) {
      continue;
    }
    const source = t['source'] as {trialId?: unknown}|undefined;
    out.push({
      name: t['name'],
      architecture: (t['architecture'] as unknown[]).map(String),
      ...(typeof source?.trialId === 'number' ?
              {sourceTrialId: source.trialId} :
              {}),
      frozen: t['frozen'] === true,
    });
  }
  return out;
}

/**
 * A trial's architecture cell: `blocks` (its search tower, as the caller
 * writes it), and for an ensemble the trials it combines, which would
 * otherwise show as no blocks at all, or for a distillation student the
 * trial it learned from.
 */
export function architectureCell(trial: Trial, blocks: string): string {
  const members = ensembleMembers(trial);
  const teacher = distillationTeacher(trial);
  if (teacher !== undefined) {
    return `${blocks || '(no blocks)'} (student of trial ${teacher})`;
  }
  if (members.length === 0) return blocks || '(no blocks)';
  // Member ids, not a count: "ensemble of trials 2,3,4".
  const of = `ensemble of trial${members.length > 1 ? 's' : ''} ${
      members.join(',')}`;
  return trial.architecture.length === 0 ? of : `${blocks} + ${of}`;
}

/**
 * An architecture in one short line: repeated neighbours folded
 * (`FULLY_CONNECTED x3`), cut to `width` characters with `...`.
 */
export function shortArchitecture(blocks: string[], width = 60): string {
  if (blocks.length === 0) return '(no blocks)';
  const parts: string[] = [];
  for (let i = 0; i < blocks.length;) {
    let j = i;
    while (j < blocks.length && blocks[j] === blocks[i]) j++;
    parts.push(j - i > 1 ? `${blocks[i]} x${j - i}` : blocks[i]);
    i = j;
  }
  const text = parts.join(' > ');
  return text.length <= width ? text :
                                text.slice(0, Math.max(1, width - 3)) + '...';
}
