/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What a trial directory is called and holds. Kept apart from the code
 * that writes trial directories (trial_directory.ts, trial_writer.ts) so
 * that readers of a study (the report, `cli`, the trainer's checks) tell
 * trial directories apart the same way without depending on the trainer.
 */

import * as fs from 'fs';
import * as path from 'path';

/** Names of the files of a trial directory. */
export const TRIAL_FILES = {
  architecture: 'architecture.json',
  architectureText: 'architecture.txt',
  hparams: 'hparams.json',
  evaluation: 'evaluation.json',
  inputSchema: 'input_schema.json',
  model: 'model',
  /** The towers of the trial (generators/base_tower_generator.ts). */
  towers: 'towers.json',
  /**
   * Written into a completed trial's directory whose files a later trial
   * could not read (damaged): why. Searches of the study leave the trial
   * out while the file is there (unusableTrials).
   */
  unusable: 'unusable.txt',
} as const;

/** Whether `name` is one a trial directory takes: a trial id, 1 or more. */
export function isTrialDirectoryName(name: string): boolean {
  return /^[1-9][0-9]*$/.test(name);
}

/**
 * The names of the directories in `modelDir` that are trial directories:
 * named by a trial id and holding at least one of a trial's files (a
 * damaged one still counts; a temporary `.tmp-*` one or any other folder
 * does not). None where `modelDir` cannot be read.
 */
export function trialDirectoriesIn(modelDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(modelDir);
  } catch {
    return [];
  }
  return names.filter(
      (name) => isTrialDirectoryName(name) &&
          holdsTrialFiles(path.join(modelDir, name)));
}

/**
 * Whether `dir` holds any of the files a trial directory is written with
 * (one damaged, with some of them lost, still does).
 */
export function holdsTrialFiles(dir: string): boolean {
  return [TRIAL_FILES.architecture, TRIAL_FILES.evaluation, TRIAL_FILES.model]
      .some((file) => fs.existsSync(path.join(dir, file)));
}
