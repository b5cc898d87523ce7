/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What a finished study must look like, in the store and on disk, however
 * its workers died: checks that return the problems they find as text
 * lines (empty when all is well), so a failing test says everything wrong
 * at once.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import {LEASE_LOST_PREFIX} from '../metadata/sql_store';
import type {Trial} from '../metadata/trial';

import {trialsLogged} from './search_workers';

export declare interface StudyExpectations {
  /** Exactly this many trials are COMPLETED. */
  completed: number;
  /**
   * Ids of trials whose worker was lost: FAILED as lost, or COMPLETED from
   * their directory when it was in place (lost_trials.ts).
   */
  lost?: number[];
  /**
   * Pids whose leftovers are allowed (killed ones): `.tmp-<id>-<pid>@*`,
   * a trial directory being written, and `.tmp-next-<pid>@*`, the one made
   * ahead for its next trial (trial_writer.ts; the tag after the pid names
   * the host).
   */
  killedPids?: number[];
}

/**
 * Checks the trials of a finished study against its model directory:
 * - exactly `completed` COMPLETED trials, no RUNNING one, ids unique;
 * - every FAILED trial is one of `lost`, with the lost-worker reason (a
 *   lost trial may be COMPLETED instead, from its directory);
 * - every COMPLETED trial has its own directory with evaluation.json
 *   (a numeric loss), architecture.json naming the trial, and
 *   model/model.json;
 * - every other directory is a `.tmp-*` leftover of a killed worker, or
 *   the complete directory of a lost trial (killed after the rename).
 */
export function checkStudy(
    modelDir: string, trials: Trial[], expected: StudyExpectations): string[] {
  const problems: string[] = [];
  const ids = trials.map((t) => t.id);
  if (new Set(ids).size !== ids.length) {
    problems.push(`trial ids repeat: ${ids.join(',')}`);
  }
  const completed = trials.filter((t) => t.state === 'COMPLETED');
  if (completed.length !== expected.completed) {
    problems.push(`${completed.length} trials COMPLETED, expected ${
        expected.completed}: ${describeTrials(trials)}`);
  }
  for (const t of trials.filter((t) => t.state === 'RUNNING')) {
    problems.push(`trial ${t.id} is still RUNNING (worker ${t.workerId})`);
  }
  const lost = new Set(expected.lost ?? []);
  for (const t of trials.filter((t) => t.state === 'FAILED')) {
    if (!lost.has(t.id)) {
      problems.push(`trial ${t.id} FAILED unexpectedly: ${t.failureReason}`);
    } else if (!(t.failureReason ?? '').startsWith(LEASE_LOST_PREFIX)) {
      problems.push(`lost trial ${t.id} FAILED with "${
          t.failureReason}", not the lost-worker reason`);
    }
  }
  for (const id of lost) {
    const t = trials.find((t) => t.id === id);
    if (t?.state !== 'FAILED' && t?.state !== 'COMPLETED') {
      problems.push(`the killed worker's trial ${id} is ${
          t?.state ?? 'missing'}, expected FAILED (worker lost) or ` +
          'COMPLETED from its directory');
    }
  }

  const directories = new Map<string, Trial>();
  for (const t of completed) {
    const dir = t.directory ?? '';
    if (dir === '') {
      problems.push(`COMPLETED trial ${t.id} records no directory`);
      continue;
    }
    if (directories.has(dir)) {
      problems.push(`trials ${directories.get(dir)!.id} and ${
          t.id} share the directory ${dir}`);
    }
    directories.set(dir, t);
    problems.push(...checkTrialDirectory(path.join(modelDir, dir), t.id));
  }

  const killed = new Set(expected.killedPids ?? []);
  for (const entry of fs.readdirSync(modelDir, {withFileTypes: true})) {
    if (!entry.isDirectory() || directories.has(entry.name)) continue;
    const full = path.join(modelDir, entry.name);
    const leftover =
        /^\.tmp-(?:\d+|next)-(\d+)(?:@.+)?-\d+$/.exec(entry.name);
    if (leftover !== null) {
      if (!killed.has(Number(leftover[1]))) {
        problems.push(`${entry.name}: temporary directory of pid ${
            leftover[1]}, which was not killed (it should have removed it)`);
      }
      continue;
    }
    const trial = trials.find((t) => String(t.id) === entry.name);
    if (trial !== undefined && lost.has(trial.id)) {
      // Killed between the rename and completeTrial: complete on disk.
      problems.push(...checkTrialDirectory(full, trial.id));
      continue;
    }
    problems.push(`${entry.name}: a directory no COMPLETED trial records ` +
                  `(trial state: ${trial?.state ?? 'no such trial'})`);
  }
  return problems;
}

/** Problems of one trial directory that should be complete. */
export function checkTrialDirectory(dir: string, trialId: number): string[] {
  const problems: string[] = [];
  const read = (file: string): Record<string, unknown>|undefined => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    } catch (err) {
      problems.push(`trial ${trialId}: ${file}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const evaluation = read('evaluation.json');
  if (evaluation !== undefined && typeof evaluation['loss'] !== 'number') {
    problems.push(`trial ${trialId}: evaluation.json has no numeric loss`);
  }
  const architecture = read('architecture.json');
  if (architecture !== undefined && architecture['trial_id'] !== trialId) {
    problems.push(`trial ${trialId}: architecture.json names trial ${
        String(architecture['trial_id'])}`);
  }
  const model = read(path.join('model', 'model.json'));
  if (model !== undefined && model['modelTopology'] === undefined) {
    problems.push(`trial ${trialId}: model/model.json has no modelTopology`);
  }
  return problems;
}

/**
 * Problems of the workers' logs: a trial reported by two workers, or a
 * COMPLETED trial no worker reported. `logs` maps worker name to log.
 */
export function checkLogs(logs: Map<string, string>, trials: Trial[]):
    string[] {
  const problems: string[] = [];
  const reporter = new Map<number, string>();
  for (const [name, log] of logs) {
    for (const id of trialsLogged(log)) {
      const other = reporter.get(id);
      if (other !== undefined) {
        problems.push(`trial ${id} reported by both ${other} and ${name}`);
      }
      reporter.set(id, name);
    }
  }
  for (const t of trials.filter((t) => t.state === 'COMPLETED')) {
    if (!reporter.has(t.id)) {
      problems.push(`COMPLETED trial ${t.id} appears in no worker's log`);
    }
  }
  return problems;
}

/** One line per trial: `id:STATE@worker`. */
export function describeTrials(trials: Trial[]): string {
  return trials.map((t) => `${t.id}:${t.state}@${t.workerId}`).join(' ');
}
