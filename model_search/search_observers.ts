/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The observers every search gets from the binary and SingleTrainer: the
 * TensorBoard event file of each trial (in the trial's own directory, so
 * that TensorBoard names its run by the trial id), the study summary at the
 * model directory's root, the replay spec of the best trial beside it, and
 * the live progress line on a terminal.
 */

import type {TrialObserver} from './oss_trainer_lib';
import type {PhoenixSpec} from './proto/phoenix_spec';
import {ReplaySpecObserver} from './replay';
import {ProgressLine, ProgressObserver, StudySummaryObserver, TensorBoardObserver} from './report';
import type {ProgressStream} from './report';

export declare interface StandardObserversArgs {
  /** The study's spec: the replay spec of the best trial starts from it. */
  spec: PhoenixSpec;
  /** --experiment_max_num_trials. */
  maxTrials: number;
  /** --phoenix_train_steps: the step the evaluation is recorded at. */
  trainSteps: number;
  /** Where the progress line goes; default process.stderr. */
  progressStream?: ProgressStream;
}

export declare interface StandardObservers {
  observers: TrialObserver[];
  /**
   * The progress line's observer: wrap the log with `progress.line.wrap`
   * and call `progress.finish()` when the search ends.
   */
  progress: ProgressObserver;
}

export function standardObservers(args: StandardObserversArgs):
    StandardObservers {
  const progress = new ProgressObserver({
    total: args.maxTrials,
    trainSteps: args.trainSteps,
    line: new ProgressLine(args.progressStream ?? process.stderr),
  });
  return {
    observers: [
      new TensorBoardObserver(),
      new StudySummaryObserver(),
      new ReplaySpecObserver(args.spec),
      progress,
    ],
    progress,
  };
}
