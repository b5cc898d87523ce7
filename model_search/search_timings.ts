/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Where a search's time goes, phase by phase: the search loop adds the
 * wall time of each phase of each trial here when its caller passes one
 * (bench/search_overhead prints them). Adding costs a clock read.
 */

import {performance} from 'perf_hooks';

/** The phases of a trial, in the order they run. */
export const SEARCH_PHASES = [
  /** Asking the store for a trial id (and waiting for other workers). */
  'claim',
  /** Reading the completed trials, planning and recording the plan. */
  'plan',
  /** Building the model, restoring towers, warm starts and teachers. */
  'build',
  /** Training steps. */
  'train',
  /** Evaluation batches and metrics. */
  'evaluate',
  /** Reading the model's weights and writing the trial directory. */
  'export',
  /** Marking the trial COMPLETED, the trial line. */
  'record',
  /** Observers of the study (summaries, replay spec). */
  'observe',
  /** Releasing the model's tensors. */
  'dispose',
  /**
   * What ran while training and evaluation yielded to the event loop: the
   * trial's heartbeats, and V8's garbage collection tasks (the larger
   * part, measured: the finishing of collections of training's garbage).
   * The training and evaluation figures exclude it.
   */
  'timers',
] as const;

export type SearchPhase = typeof SEARCH_PHASES[number];

export class SearchTimings {
  private readonly totals = new Map<SearchPhase, number>();

  /** Adds `seconds` to `phase`. */
  add(phase: SearchPhase, seconds: number): void {
    this.totals.set(phase, (this.totals.get(phase) ?? 0) + seconds);
  }

  /** Runs fn and adds its wall time, until it settles, to `phase`. */
  async time<T>(phase: SearchPhase, fn: () => Promise<T>|T): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.add(phase, (performance.now() - start) / 1000);
    }
  }

  /**
   * A clock that runs in `first` until told otherwise: each enter(phase)
   * ends the current phase and starts the next; end() ends the last.
   */
  phases(first: SearchPhase): {enter(phase: SearchPhase): void, end(): void} {
    let current = first;
    let start = performance.now();
    const close = () => {
      const now = performance.now();
      this.add(current, (now - start) / 1000);
      start = now;
    };
    return {
      enter: (phase) => {
        close();
        current = phase;
      },
      end: close,
    };
  }

  /** Seconds spent in `phase` so far. */
  seconds(phase: SearchPhase): number {
    return this.totals.get(phase) ?? 0;
  }
}
