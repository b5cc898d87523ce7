/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Feeds the live progress line from the trainer's observer hooks: trials
 * done come from the study (other workers' included), steps per second and
 * time left from what this process trained since it started.
 */

import {rankTrials} from '../metadata/trial';
import type {Objective, Trial} from '../metadata/trial';

import type {TrialFile, TrialObserverLike, TrialRecordLike} from './observer_types';
import {ProgressLine} from './progress_line';
import type {ProgressState} from './progress_line';

export declare interface ProgressObserverArgs {
  /** The study ends when this many trials are COMPLETED. */
  total: number;
  /** Training steps of each trial. */
  trainSteps: number;
  /** Where the line is drawn; default: a ProgressLine on stderr. */
  line?: ProgressLine;
  /** Seconds since an arbitrary origin; default: Date.now() / 1000. */
  clock?: () => number;
}

/** A TrialObserver drawing the progress line. */
export class ProgressObserver implements TrialObserverLike {
  readonly line: ProgressLine;
  private readonly clock: () => number;
  private readonly start: number;
  /** Steps of the trials this process finished training. */
  private stepsBefore = 0;
  private trialsTrained = 0;
  /**
   * The trial in training, its last step and the steps it trains (fewer
   * than --phoenix_train_steps for a shallow tower of a spec with
   * use_parameter_scaled_training), if any.
   */
  private current: {trialId: number, step: number, steps: number,
                    since: number}|undefined;
  private state: ProgressState;

  constructor(private readonly args: ProgressObserverArgs) {
    this.line = args.line ?? new ProgressLine();
    this.clock = args.clock ?? (() => Date.now() / 1000);
    this.start = this.clock();
    this.state = {done: 0, total: args.total};
  }

  onTrainProgress(trialId: number, step: number, steps?: number): void {
    if (this.current?.trialId !== trialId) {
      this.current = {trialId, step: 0, steps: steps ?? this.args.trainSteps,
                      since: this.clock()};
    }
    this.current.step = step;
    this.draw();
  }

  /**
   * Adds no file: counts the trial, which finished training, and the
   * steps it trained (none for an ensemble of frozen towers).
   */
  trialFiles(record: TrialRecordLike): TrialFile[] {
    if (this.current?.trialId === record.trialId) {
      this.stepsBefore += this.current.step;
      this.current = undefined;
    }
    this.trialsTrained++;
    return [];
  }

  onStudyUpdate(_modelDir: string, trials: Trial[], objective: Objective):
      void {
    // A trial that failed never reached trialFiles.
    if (this.current !== undefined && trials.some(
            (t) => t.id === this.current!.trialId && t.state !== 'RUNNING')) {
      this.current = undefined;
    }
    const best = rankTrials(trials, objective).find(
        (t) => Number.isFinite(t.metrics?.[objective.metric]));
    this.state = {
      done: trials.filter((t) => t.state === 'COMPLETED').length,
      total: this.args.total,
      best: best && {metric: objective.metric,
                     value: best.metrics![objective.metric],
                     trialId: best.id},
    };
    this.draw();
  }

  /** The state drawn last (also kept when the stream is no terminal). */
  get progress(): ProgressState {
    return this.state;
  }

  /** Removes the line, at the end of the search. */
  finish(): void {
    this.line.clear();
  }

  private draw(): void {
    // The budget is reached: the line goes, so that the summary that
    // follows is not cut by redraws.
    if (this.state.done >= this.args.total) {
      this.line.clear();
      return;
    }
    const now = this.clock();
    const elapsed = now - this.start;
    const steps = this.stepsBefore + (this.current?.step ?? 0);
    const remaining = Math.max(0, this.args.total - this.state.done);
    let eta: number|undefined;
    if (this.trialsTrained > 0) {
      // Whole trials (evaluation and saving included) measure best.
      const perTrial = (elapsed - this.currentSeconds(now)) /
          this.trialsTrained;
      // The trial in training counts as one left until it ends, however
      // long it runs over the average.
      eta = Math.max(remaining * perTrial - this.currentSeconds(now),
                     (remaining - 1) * perTrial);
    } else if (steps > 0 && elapsed > 0) {
      // Until a trial ends, the trials left are taken to train as many
      // steps as the first does (the search's first towers are its
      // shallowest: a guess on the long side, corrected once it ends).
      const stepsEach = this.current?.steps ?? this.args.trainSteps;
      eta = (remaining * stepsEach - steps) / (steps / elapsed);
    }
    this.state = {
      ...this.state,
      stepsPerSecond: elapsed > 0 && steps > 0 ? steps / elapsed : undefined,
      etaSeconds: eta === undefined ? undefined : Math.max(0, eta),
    };
    this.line.update(this.state);
  }

  private currentSeconds(now: number): number {
    return this.current === undefined ? 0 : now - this.current.since;
  }
}
