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

import {LEASE_LOST_PREFIX} from './metadata/store';
import {localPid, processExists} from './metadata/worker_ids';
import type {MetadataStore} from './metadata/store';
import type {Trial} from './metadata/trial';

/**
 * Marks FAILED the RUNNING trials of `trials` whose worker is a process of
 * this host that no longer exists (and is not this one).
 *
 * @returns the ids of the trials marked.
 */
export async function failTrialsOfDeadLocalWorkers(
    store: MetadataStore, studyId: number, trials: Trial[],
    exists: (pid: number) => boolean = processExists): Promise<number[]> {
  const marked: number[] = [];
  for (const trial of trials) {
    if (trial.state !== 'RUNNING') continue;
    const pid = localPid(trial.workerId);
    if (pid === undefined || pid === process.pid || exists(pid)) continue;
    await store.failTrial(
        studyId, trial.id,
        `${LEASE_LOST_PREFIX} process ${pid} of this machine is gone`);
    marked.push(trial.id);
  }
  return marked;
}
