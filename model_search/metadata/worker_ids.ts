/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Worker ids of processes of this machine (`<machine>:<pid>+<start>`,
 * after `<name>@` for a named one), and whether such a process still
 * exists: what tells a dead local worker from a live one, for the search
 * and for the commands that show a study. `<start>` is the process's start
 * time (Linux), so that a process given the dead worker's pid since (after
 * a reboot, or in a container restarted) is not taken for it.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';

import type {Trial} from './trial';

/** The inode of Linux's first process-id namespace (PROC_PID_INIT_INO). */
const FIRST_PID_NAMESPACE = 4026531836;

let machine: string|undefined;

/**
 * This machine, as the ids of its processes name it: the host name, with
 * `~<namespace>` after it when the process runs in a process-id namespace
 * of its own (a container). Two containers of one host name (Docker's
 * --network=host, say) have pids of their own: a pid of the other is no
 * process here, so each must tell the other's workers by their leases.
 */
export function machineName(): string {
  if (machine === undefined) {
    let namespace: string|undefined;
    try {
      namespace = /^pid:\[(\d+)\]$/.exec(
          fs.readlinkSync('/proc/self/ns/pid'))?.[1];
    } catch {
      // No /proc (macOS): one namespace.
    }
    machine = namespace === undefined ||
            Number(namespace) === FIRST_PID_NAMESPACE ?
        os.hostname() :
        `${os.hostname()}~${namespace}`;
  }
  return machine;
}

/**
 * Whether process `pid` of this machine still exists, and, given the
 * start time its worker id recorded, is that process rather than one
 * given its pid since.
 */
export function processExists(pid: number, startTicks?: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTicks !== undefined) {
    const now = processStartTicks(pid);
    if (now !== undefined && now !== startTicks) return false;
  }
  return !isThreadOfAnother(pid);
}

/**
 * When process `pid` started, in clock ticks after the machine booted
 * (field 22 of /proc/<pid>/stat); undefined where /proc cannot tell.
 */
export function processStartTicks(pid: number): number|undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2, the command name, is in parentheses and may hold spaces and
  // parentheses: the fields from 3 on follow the last ')'.
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  return Number.isSafeInteger(ticks) && ticks >= 0 ? ticks : undefined;
}

/**
 * Whether `pid` is, on Linux, the id of a thread of another process: a
 * signal to it reaches that process, so a dead worker's pid given to a
 * thread since would pass for the worker. False where /proc cannot tell.
 */
function isThreadOfAnother(pid: number): boolean {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return false;
  }
  const tgid = /^Tgid:\s*(\d+)$/m.exec(status);
  return tgid !== null && Number(tgid[1]) !== pid;
}

/**
 * The worker id of this process: `<machine>:<pid>+<start>` (machineName,
 * processStartTicks; `<machine>:<pid>` where the start is unknown), after
 * `<name>@` when given a name (--tuner_id).
 */
export function localWorkerId(name = ''): string {
  const start = processStartTicks(process.pid);
  const local = `${machineName()}:${process.pid}${
      start === undefined ? '' : `+${start}`}`;
  return name === '' ? local : `${name}@${local}`;
}

/**
 * The pid and start time of a worker id of this host as localWorkerId
 * makes them (`<hostname>:<pid>[+<start>]`, after `<name>@` for a named
 * one; ids of earlier versions have no start), or undefined for any other
 * id.
 */
function localProcess(workerId: string|undefined, hostname: string):
    {pid: number, startTicks?: number}|undefined {
  if (workerId === undefined) return undefined;
  const local = workerId.slice(workerId.lastIndexOf('@') + 1);
  if (!local.startsWith(`${hostname}:`)) return undefined;
  const parts = /^([1-9][0-9]*)(?:\+([0-9]+))?$/.exec(
      local.slice(hostname.length + 1));
  if (parts === null) return undefined;
  const pid = Number(parts[1]);
  const startTicks = parts[2] === undefined ? undefined : Number(parts[2]);
  if (!Number.isSafeInteger(pid) ||
      (startTicks !== undefined && !Number.isSafeInteger(startTicks))) {
    return undefined;
  }
  return startTicks === undefined ? {pid} : {pid, startTicks};
}

/**
 * Whether a worker id names an earlier process of this machine that had
 * this process's pid (its recorded start differs): gone, whatever the pid
 * says. Ids without a start cannot tell: false.
 */
export function earlierProcessOfMyPid(
    workerId: string|undefined, hostname = machineName()): boolean {
  const local = localProcess(workerId, hostname);
  return local !== undefined && local.pid === process.pid &&
      local.startTicks !== undefined &&
      local.startTicks !== processStartTicks(process.pid);
}

/** The pid of a worker id of this host (localProcess), or undefined. */
export function localPid(workerId: string|undefined,
                         hostname = machineName()): number|undefined {
  return localProcess(workerId, hostname)?.pid;
}

/**
 * Whether a worker id of this host names a process that is gone (or one
 * given its pid since); false for other ids and live workers.
 */
export function localWorkerGone(
    workerId: string|undefined, hostname = machineName(),
    exists: (pid: number, startTicks?: number) => boolean = processExists):
    boolean {
  const local = localProcess(workerId, hostname);
  return local !== undefined && !exists(local.pid, local.startTicks);
}

/**
 * Whether the worker of a RUNNING trial is alive, as far as this machine
 * can tell: a process of this machine that exists, or a worker elsewhere
 * whose heartbeats keep its lease (not run out at `now`).
 */
export function workerAlive(
    trial: Trial, now = Date.now(), hostname = machineName(),
    exists: (pid: number, startTicks?: number) => boolean = processExists):
    boolean {
  const local = localProcess(trial.workerId, hostname);
  if (local !== undefined) return exists(local.pid, local.startTicks);
  return trial.leaseExpiresAt !== undefined &&
      Date.parse(trial.leaseExpiresAt) > now;
}

/**
 * Whether the worker of a RUNNING trial still heartbeats: alive, and its
 * lease, where the store keeps one, not run out at `now`. A process of
 * this machine that is stopped (SIGSTOP) or hangs is there, but its lease
 * runs out: a trial that waits for its trial waits no more.
 */
export function workerHeartbeating(
    trial: Trial, now = Date.now(), hostname = machineName(),
    exists: (pid: number, startTicks?: number) => boolean = processExists):
    boolean {
  return workerAlive(trial, now, hostname, exists) &&
      (trial.leaseExpiresAt === undefined ||
       Date.parse(trial.leaseExpiresAt) > now);
}
