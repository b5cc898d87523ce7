/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A live progress line for a search on a terminal: trials done of the
 * total, training speed, time left and the best so far, redrawn in place
 * (carriage return, clear line). When the stream is not a terminal it
 * writes nothing: logs and CI output keep the trainer's plain lines only.
 */

import {formatSeconds} from './trial_columns';

/** What ProgressLine writes to: process.stderr or a test double. */
export declare interface ProgressStream {
  isTTY?: boolean;
  /** Terminal width; the line is cut to fit. */
  columns?: number;
  write(text: string): unknown;
}

export declare interface ProgressState {
  /** Trials finished (completed or failed). */
  done: number;
  total: number;
  /** Training steps per second, over the run so far. */
  stepsPerSecond?: number;
  /** Seconds until `total` is reached, if known. */
  etaSeconds?: number;
  /** The best trial so far. */
  best?: {metric: string, value: number, trialId?: number};
}

/** Moves to the start of the line and clears it. */
const CLEAR = '\r\x1b[2K';

export class ProgressLine {
  private shown = false;
  private last: ProgressState|undefined;

  constructor(private readonly stream: ProgressStream = process.stderr) {}

  /** True when the stream is a terminal, i.e. when anything is drawn. */
  get active(): boolean {
    return this.stream.isTTY === true;
  }

  /** Draws `state`, replacing the line drawn before. */
  update(state: ProgressState): void {
    this.last = state;
    if (!this.active) return;
    let text = formatProgress(state);
    const columns = this.stream.columns;
    if (columns !== undefined && columns > 1 && text.length > columns - 1) {
      text = text.slice(0, columns - 1);
    }
    this.stream.write(CLEAR + text);
    this.shown = true;
  }

  /** Removes the line, e.g. before an ordinary log line is written. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write(CLEAR);
    this.shown = false;
  }

  /**
   * A logger that clears the line, writes through `log`, then draws the
   * last state again.
   */
  wrap(log: (line: string) => void): (line: string) => void {
    return (line: string) => {
      const redraw = this.shown;
      this.clear();
      log(line);
      if (redraw && this.last !== undefined) this.update(this.last);
    };
  }
}

/** The text of the line, e.g. `trials 3/10 | 41.2 steps/s | ...`. */
export function formatProgress(state: ProgressState): string {
  const parts = [`trials ${state.done}/${state.total}`];
  if (state.stepsPerSecond !== undefined &&
      Number.isFinite(state.stepsPerSecond)) {
    parts.push(`${state.stepsPerSecond.toFixed(1)} steps/s`);
  }
  if (state.etaSeconds !== undefined && Number.isFinite(state.etaSeconds)) {
    parts.push(`${formatSeconds(Math.max(0, state.etaSeconds))}${
        state.etaSeconds < 60 ? 's' : ''} left`);
  }
  if (state.best !== undefined) {
    const value = Number.isInteger(state.best.value) ?
        String(state.best.value) : state.best.value.toFixed(4);
    parts.push(`best ${state.best.metric}=${value}${
        state.best.trialId !== undefined ? ` @${state.best.trialId}` : ''}`);
  }
  return parts.join(' | ');
}
