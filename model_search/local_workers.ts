/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Trials left RUNNING by a worker of this machine that is gone: a search
 * killed (or stopped with Ctrl-C while a trial was being recorded) and
 * started again. Their lease would free them only after
 * --metadata_lease_seconds (ten minutes by default); a worker id of the
 * default form `<hostname>:<pid>` naming this host and a process that no
 * longer exists lets the restarted search mark them FAILED at once.
 *
 * A worker named with --tuner_id keeps the form after its name
 * (`<name>@<hostname>:<pid>`). Workers of other machines, and workers a
 * script named otherwise (SearchOptions.workerId), are left to their
 * lease: only the lease can tell whether they are alive.
 */

import {ValueError} from './errors';
import {LEASE_LOST_PREFIX} from './metadata/store';
import {localPid, localWorkerGone, machineName, processExists} from './metadata/worker_ids';
import type {MetadataStore} from './metadata/store';
import type {Trial} from './metadata/trial';

/** The trials the searches of this process run now: `<study>:<trial>`. */
const runningHere = new Set<string>();

/**
 * Records that this process runs trial `trialId` of study `studyId`, until
 * the function returned is called.
 */
export function markRunningHere(studyId: number, trialId: number):
    () => void {
  const key = `${studyId}:${trialId}`;
  runningHere.add(key);
  return () => runningHere.delete(key);
}

/**
 * Marks FAILED the RUNNING trials of `trials` whose worker is a process of
 * this host that no longer exists. One whose worker id is this process's
 * and that no search of this process runs was left by an earlier process
 * that had this pid (a container restarted in a namespace of the same
 * number): it is marked too, rather than waited for until its lease runs
 * out.
 *
 * @returns the ids of the trials marked.
 */
export async function failTrialsOfDeadLocalWorkers(
    store: MetadataStore, studyId: number, trials: Trial[],
    exists: (pid: number, startTicks?: number) => boolean = processExists):
    Promise<number[]> {
  const marked: number[] = [];
  for (const trial of trials) {
    if (trial.state !== 'RUNNING') continue;
    const pid = localPid(trial.workerId);
    if (pid === undefined) continue;
    const mine = pid === process.pid;
    if (mine ? runningHere.has(`${studyId}:${trial.id}`) :
               !localWorkerGone(trial.workerId, machineName(), exists)) {
      continue;
    }
    try {
      await store.failTrial(
          studyId, trial.id,
          mine ? `${LEASE_LOST_PREFIX} an earlier process ${pid} of this ` +
                     'machine is gone (this one has its pid)' :
                 `${LEASE_LOST_PREFIX} process ${pid} of this machine is gone`);
    } catch (e) {
      // `trials` was read a moment ago: the process may have finished the
      // trial (or another worker taken it) since, and then ended.
      if (!(e instanceof ValueError)) throw e;
      const now = (await store.listTrials(studyId)).find(
          (t) => t.id === trial.id);
      if (now?.state === 'RUNNING') throw e;
      continue;
    }
    marked.push(trial.id);
  }
  return marked;
}
