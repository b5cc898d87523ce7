/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The shapes of the trainer's observer hook (TrialRecord and TrialObserver
 * in oss_trainer_lib.ts), declared here so that this package does not
 * depend on the trainer: the trainer may then use this package (the
 * progress line) without a cycle. TypeScript compares them structurally:
 * search_observers.ts hands this package's observers to the trainer as
 * TrialObservers, so the build fails when the two drift apart.
 */

import type {HparamValue, Objective, Trial} from '../metadata/trial';

/** What the trainer tells observers about a finished trial. */
export declare interface TrialRecordLike {
  trialId: number;
  architecture: string[];
  hparams: Record<string, HparamValue>;
  /** Evaluation metrics plus num_parameters and train_loss. */
  metrics: Record<string, number>;
  /** Training losses read back during training, as [step, loss]. */
  trainLosses: Array<[number, number]>;
  problemType: string;
}

/** A file for a trial directory: its name there and its contents. */
export declare interface TrialFile {
  name: string;
  data: string|Uint8Array;
}

/** The trainer's observer hook, as this package implements it. */
export declare interface TrialObserverLike {
  onTrainProgress?(trialId: number, step: number, steps: number): void;
  trialFiles?(record: TrialRecordLike): TrialFile[];
  writeTrialFiles?(tmpDir: string, record: TrialRecordLike):
      Promise<void>|void;
  onStudyUpdate?(modelDir: string, trials: Trial[], objective: Objective):
      Promise<void>|void;
  onStudyEnd?(modelDir: string, trials: Trial[], objective: Objective):
      Promise<void>|void;
}
