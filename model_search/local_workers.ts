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

import * as os from 'node:os';

import {LEASE_LOST_PREFIX} from './metadata/store';
import type {MetadataStore} from './metadata/store';
import type {Trial} from './metadata/trial';

/** Whether process `pid` of this machine still exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The worker id of this process: `<hostname>:<pid>`, after `<name>@` when
 * given a name (--tuner_id).
 */
export function localWorkerId(name = ''): string {
  const local = `${os.hostname()}:${process.pid}`;
  return name === '' ? local : `${name}@${local}`;
}

/**
 * The pid of a worker id of this host as localWorkerId makes them
 * (`<hostname>:<pid>` or `<name>@<hostname>:<pid>`), or undefined for any
 * other id.
 */
export function localPid(workerId: string|undefined,
                         hostname = os.hostname()): number|undefined {
  if (workerId === undefined) return undefined;
  const local = workerId.slice(workerId.lastIndexOf('@') + 1);
  if (!local.startsWith(`${hostname}:`)) return undefined;
  const text = local.slice(hostname.length + 1);
  const pid = Number(text);
  return /^[1-9][0-9]*$/.test(text) && Number.isSafeInteger(pid) ? pid :
                                                                undefined;
}

/**
 * Whether the worker of a RUNNING trial is alive, as far as this machine
 * can tell: a process of this machine that exists, or a worker elsewhere
 * whose heartbeats keep its lease (not run out at `now`).
 */
export function workerAlive(
    trial: Trial, now = Date.now(), hostname = os.hostname(),
    exists: (pid: number) => boolean = processExists): boolean {
  const pid = localPid(trial.workerId, hostname);
  if (pid !== undefined) return exists(pid);
  return trial.leaseExpiresAt !== undefined &&
      Date.parse(trial.leaseExpiresAt) > now;
}

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
