/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Watching a study from outside its workers, through the store they share:
 * waiting until its trials reach some state, and killing a worker while it
 * holds a RUNNING trial.
 */

import type {SqlStore} from '../metadata/sql_store';
import type {Trial} from '../metadata/trial';

import {SearchWorker, STUDY_OWNER, sleep} from './search_workers';
import {describeTrials} from './study_checks';

/** The id of the study, or undefined while no worker has opened it. */
export async function findStudy(store: SqlStore, experimentName: string):
    Promise<number|undefined> {
  const studies = await store.listStudies();
  return studies.find((s) => s.experimentName === experimentName &&
                              s.experimentOwner === STUDY_OWNER)
      ?.studyId;
}

/**
 * Polls the study's trials until `done(trials)` holds; resolves to them.
 * Throws after `timeoutMs`, showing the last trials seen.
 */
export async function waitForTrials(
    store: SqlStore, experimentName: string, what: string,
    done: (trials: Trial[]) => boolean, timeoutMs: number,
    everyMs = 20): Promise<{studyId: number, trials: Trial[]}> {
  const deadline = Date.now() + timeoutMs;
  let last: Trial[] = [];
  while (Date.now() < deadline) {
    const studyId = await findStudy(store, experimentName);
    if (studyId !== undefined) {
      last = await store.listTrials(studyId);
      if (done(last)) return {studyId, trials: last};
    }
    await sleep(everyMs);
  }
  throw new Error(`waited ${timeoutMs / 1000} s for ${what}; trials: ${
      describeTrials(last) || 'none'}`);
}

export declare interface Killed {
  worker: SearchWorker;
  studyId: number;
  /** The RUNNING trial the worker held when it died. */
  trialId: number;
  /** COMPLETED trials of the study at that moment. */
  completedBefore: number;
}

/** Lets statements a stopped worker had already sent reach the database. */
const SETTLE_MS = 150;

/**
 * Once at least `minCompleted` trials are COMPLETED, SIGKILLs one of
 * `workers` while it holds a RUNNING trial. To be sure the trial is still
 * RUNNING when the worker dies, the worker is stopped (SIGSTOP) first and
 * the store read again; if the trial ended meanwhile the worker goes on
 * (SIGCONT) and the watch continues.
 */
export async function killDuringTrial(
    store: SqlStore, experimentName: string, workers: SearchWorker[],
    minCompleted: number, timeoutMs: number): Promise<Killed> {
  const deadline = Date.now() + timeoutMs;
  let last: Trial[] = [];
  while (Date.now() < deadline) {
    const studyId = await findStudy(store, experimentName);
    if (studyId !== undefined) {
      last = await store.listTrials(studyId);
      const completed = last.filter((t) => t.state === 'COMPLETED').length;
      const holders = completed < minCompleted ? [] : workers.filter(
          (w) => w.isRunning && last.some((t) => t.state === 'RUNNING' &&
                                                 t.workerId === w.workerId));
      for (const worker of holders) {
        if (!worker.signal('SIGSTOP')) continue;
        await sleep(SETTLE_MS);
        const now = await store.listTrials(studyId);
        const held = now.find(
            (t) => t.state === 'RUNNING' && t.workerId === worker.workerId);
        if (held !== undefined) {
          worker.signal('SIGKILL');
          await worker.exited;
          return {
            worker,
            studyId,
            trialId: held.id,
            completedBefore:
                now.filter((t) => t.state === 'COMPLETED').length,
          };
        }
        worker.signal('SIGCONT');
      }
    }
    await sleep(20);
  }
  throw new Error(`no worker held a RUNNING trial after ${
      minCompleted} COMPLETED ones within ${timeoutMs / 1000} s; trials: ${
      describeTrials(last) || 'none'}`);
}
