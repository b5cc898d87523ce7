/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * `cli trials`: the trials of a study as an aligned table, read from the
 * study's store while the search runs or after it.
 *
 *   cli trials --model_dir=DIR [--sort=METRIC] [--desc|--asc]
 *              [--experiment_name=NAME] [--metadata_db=URL]
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import {UsageError, didYouMean} from '../errors';
import {FlagSet} from '../flags';
import type {Objective, Trial} from '../metadata/trial';
import {rankTrials} from '../metadata/trial';
import {logEntry} from '../log_line';
import {TRIAL_FILES} from '../trial_files';

import {defineStudyFlags, loadStudy, parseCommandFlags} from './study_source';
import {trialSeconds} from './study_summary';
import {architectureCell, formatMetric, formatSeconds, keyMetrics, metricNames, naturalOrder, shortArchitecture, sortTrials} from './trial_columns';
import type {SortOrder} from './trial_columns';

/** Exit status for success. */
const OK = 0;
/** Exit status for a wrong command line or a study that is not there. */
const BAD_INPUT = 2;

const USAGE = [
  'usage: trials --model_dir=DIR [--sort=METRIC] [--desc|--asc] ' +
      '[--experiment_name=NAME]',
  '  Prints the trials of a search as a table (* marks the best by the',
  '  objective). --sort takes any metric, or id, depth, seconds, state;',
  '  the better values come first unless --asc or --desc says otherwise.',
].join('\n');

export declare interface TableOptions {
  objective: Objective;
  /** Metric columns; default: keyMetrics. */
  metrics?: string[];
  sortKey?: string;
  order?: SortOrder;
  /** Characters of the architecture column; 0 for no limit. */
  architectureWidth?: number;
}

/** The table as lines, header first (trials sorted as the options say). */
export function formatTrialsTable(
    trials: Trial[], options: TableOptions): string[] {
  const sortKey = options.sortKey ?? 'id';
  const order = options.order ?? naturalOrder(sortKey, options.objective);
  const sorted = sortTrials(trials, sortKey, order);
  const metrics = options.metrics ??
      keyMetrics(trials, options.objective, sortKey);
  const best = rankTrials(trials, options.objective).find(
      (t) => Number.isFinite(t.metrics?.[options.objective.metric]));
  const width = options.architectureWidth ?? 60;
  const header = ['', 'id', 'state', 'depth', 'architecture', ...metrics,
                  'seconds'];
  const right = new Set(['id', 'depth', 'seconds', ...metrics]);
  const rows = sorted.map((t) => [
    t.id === best?.id ? '*' : '',
    String(t.id),
    t.state,
    String(t.architecture.length),
    architectureCell(t, width > 0 ? shortArchitecture(t.architecture, width) :
                                    t.architecture.join(' > ')),
    ...metrics.map((m) => formatMetric(m, t.metrics?.[m])),
    formatSeconds(trialSeconds(t)),
  ]);
  const widths = header.map((h, i) =>
      Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) =>
      right.has(header[i]) ? c.padStart(widths[i]) : c.padEnd(widths[i]))
      .join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * Runs `trials`.
 *
 * @param args The arguments after the command name.
 * @param out Receives the table, one line per call.
 * @param err Receives errors and usage.
 * @returns 0 on success, 2 for a wrong command line or missing study.
 */
export async function trialsCommand(
    args: string[], out: (s: string) => void,
    err: (s: string) => void): Promise<number> {
  const flags = new FlagSet();
  defineStudyFlags(flags);
  flags.define('sort', {type: 'string', default: 'id',
    help: 'A metric, or id, depth, seconds, state.'});
  flags.define('desc', {type: 'bool', default: false,
    help: 'Largest first.'});
  flags.define('asc', {type: 'bool', default: false,
    help: 'Smallest first.'});
  flags.define('metrics', {type: 'list', default: [],
    help: 'Metric columns, comma separated; default: the objective and ' +
          'loss, accuracy, auc_roc, auc_pr.'});
  flags.define('full', {type: 'bool', default: false,
    help: 'Show whole architectures, and why each FAILED trial failed.'});
  try {
    if (parseCommandFlags(flags, args, USAGE, out)) return OK;
    if (flags.get<boolean>('desc') && flags.get<boolean>('asc')) {
      throw new UsageError('give --desc or --asc, not both');
    }
    const loaded = await loadStudy(flags);
    const sortKey = flags.get<string>('sort');
    const order: SortOrder|undefined = flags.get<boolean>('desc') ? 'desc' :
        flags.get<boolean>('asc') ? 'asc' : undefined;
    const chosen = flags.get<string[]>('metrics');
    const {study, trials, objective} = loaded;
    const header = [
      `study "${study.experimentName}" (owner ${study.experimentOwner}) ` +
          `in ${loaded.database}`,
      `objective: ${objective.metric} (${objective.goal}, ${
          loaded.objectiveSource}); * marks the best`,
    ];
    if (trials.length === 0) {
      [...header, 'no trials yet'].forEach((l) => out(logEntry(l)));
      return OK;
    }
    // Every flag is checked before anything is printed, so that a bad one
    // leaves standard output empty.
    const known = metricNames(trials);
    for (const m of chosen) {
      if (!known.includes(m)) {
        throw new UsageError(`--metrics: no trial has ${m}${
            didYouMean(m, known)}; metrics: ${known.join(', ')}`);
      }
    }
    const lines = [...header, ...formatTrialsTable(trials, {
      objective,
      sortKey,
      order,
      metrics: chosen.length > 0 ? chosen : undefined,
      architectureWidth: flags.get<boolean>('full') ? 0 : 60,
    })];
    // Names, paths and failure reasons come from users' flags and code:
    // one with a line break must not write a row of the table's own form.
    lines.forEach((l) => out(logEntry(l)));
    const full = flags.get<boolean>('full');
    out(logEntry(footer(trials, objective, loaded.modelDir, full)));
    if (full) {
      for (const t of trials) {
        if (t.state === 'FAILED' && t.failureReason) {
          out(logEntry(`trial ${t.id} FAILED: ${t.failureReason}`));
        }
      }
    }
    loaded.warnings.forEach((w) => err(logEntry(`trials: ${w}`)));
    return OK;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`trials: ${e.message}`);
      return BAD_INPUT;
    }
    throw e;
  }
}

function footer(trials: Trial[], objective: Objective, modelDir: string,
                full: boolean): string {
  const count = (s: Trial['state']) => trials.filter((t) => t.state === s)
      .length;
  const best = rankTrials(trials, objective).find(
      (t) => Number.isFinite(t.metrics?.[objective.metric]));
  // A directory removed since is said here too: the path would lead
  // nowhere (the search's closing list says so alike).
  const where = best === undefined || !modelDir || !best.directory ? '' :
      ` (${modelDir}/${best.directory}${
          !fs.existsSync(path.join(modelDir, best.directory)) ?
              ': directory removed, no model to predict with' :
          fs.existsSync(path.join(modelDir, best.directory,
                                  TRIAL_FILES.unusable)) ?
              `: files damaged, its ${TRIAL_FILES.unusable} says which` :
              ''})`;
  const bestPart = best === undefined ? 'no completed trial has ' +
      objective.metric : `best ${objective.metric} ${formatMetric(
      objective.metric, best.metrics![objective.metric])} in trial ${
      best.id}${where}`;
  const failed = count('FAILED');
  return `${trials.length} trial${trials.length === 1 ? '' : 's'}: ${
      count('COMPLETED')} completed, ${failed} failed, ${
      count('RUNNING')} running; ${bestPart}${
      failed > 0 && !full ? ' (--full says why they failed)' : ''}`;
}
