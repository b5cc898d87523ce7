/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Keeps the lease of one RUNNING trial while its worker trains it: a
 * heartbeat every fifth of the lease, so a trial that runs for hours is
 * never taken for the trial of a dead worker. Heartbeats go one at a time
 * (a slow database gets no pile of them) and a failing one is logged once,
 * not thrown: the store retries it, and the lease has four more beats of
 * slack before it runs out.
 *
 * Heartbeats are timers: they only fire when the event loop runs, which is
 * why trainModel yields to it during long training loops.
 */

import {isTableGone} from './metadata/retry';
import type {MetadataStore} from './metadata/store';

/** Milliseconds between heartbeats for a lease of `leaseSeconds`. */
export function heartbeatIntervalMs(leaseSeconds: number): number {
  return Math.min(60_000, Math.max(100, leaseSeconds * 1000 / 5));
}

export declare interface LeaseKeeperArgs {
  store: Pick<MetadataStore, 'heartbeat'>;
  studyId: number;
  trialId: number;
  workerId: string;
  leaseSeconds: number;
  log: (line: string) => void;
  /**
   * Called, once, when a heartbeat finds the database without the
   * search's tables (dropped, recreated or restored: isTableGone): no
   * retry brings them back, so the search had better stop.
   */
  onTablesGone?: (err: Error) => void;
}

export class LeaseKeeper {
  /** Heartbeats the store accepted. */
  beats = 0;
  private timer: NodeJS.Timeout|undefined;
  private inFlight: Promise<void>|undefined;
  private stopped = false;
  private failing = false;

  /** Starts beating; the first heartbeat comes one interval from now. */
  constructor(private readonly args: LeaseKeeperArgs) {
    this.schedule();
  }

  /**
   * Stops the heartbeats and waits for one in flight, so that it cannot
   * reach the store after the trial is completed or failed. Idempotent.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
        () => this.beat(), heartbeatIntervalMs(this.args.leaseSeconds));
    // Heartbeats alone do not keep the process alive: a search whose
    // provider never answers then runs out of work and says so (runMain).
    this.timer.unref();
  }

  private beat(): void {
    const {store, studyId, trialId, workerId, log} = this.args;
    this.inFlight =
        store.heartbeat(studyId, trialId, workerId)
            .then(
                (answer) => {
                  this.beats++;
                  // Marked lost: the store said so (once); more beats
                  // would only say it again.
                  if (answer === 'lost') this.stopped = true;
                  if (this.failing) {
                    log(`trial ${trialId}: heartbeats get through again`);
                  }
                  this.failing = false;
                },
                (err: unknown) => {
                  if (isTableGone((err as {code?: string}).code)) {
                    // Said by the search, which stops with it.
                    this.stopped = true;
                    this.args.onTablesGone?.(err as Error);
                    return;
                  }
                  if (!this.failing) {
                    log(`trial ${trialId}: heartbeat failed (${
                        (err as Error).message ?? String(err)}); trying ` +
                        'again; other workers take the trial for lost ' +
                        `after ${this.args.leaseSeconds} s without one`);
                  }
                  this.failing = true;
                })
            .finally(() => {
              this.inFlight = undefined;
              this.schedule();
            });
  }
}
