/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Writes each trial's TensorBoard event file into its directory, so that
 * `tensorboard --logdir=<model_dir>` shows one run per trial (named by the
 * trial id): the training loss at every recorded step (tag `loss`), the
 * evaluation metrics at the final step (`eval/accuracy`, `eval/loss`, ...),
 * the parameter count (`model/num_parameters`) and the architecture as
 * Markdown text (`architecture`).
 */

import {EventFileWriter} from './event_writer';
import type {EventFileWriterArgs} from './event_writer';
import type {TrialFile, TrialObserverLike, TrialRecordLike} from './observer_types';

/** Metrics of a record that are not evaluation results. */
const NOT_EVALUATION = new Set(['num_parameters', 'train_loss']);

export declare type TensorBoardObserverArgs = EventFileWriterArgs;

/** A TrialObserver writing `<trial dir>/events.out.tfevents.*`. */
export class TensorBoardObserver implements TrialObserverLike {
  constructor(private readonly args: TensorBoardObserverArgs = {}) {}

  trialFiles(record: TrialRecordLike): TrialFile[] {
    return [trialEvents(record, this.args)];
  }
}

/** The event file of `record`: its name and contents. */
export function trialEvents(
    record: TrialRecordLike, args: TensorBoardObserverArgs = {}): TrialFile {
  // The evaluation follows the last step trained, which the losses always
  // record (fewer than --phoenix_train_steps for a shallow tower under
  // use_parameter_scaled_training; 0 for an ensemble that trains nothing).
  const finalStep = record.trainLosses.reduce(
      (last, [step]) => Math.max(last, step), 0);
  const writer = new EventFileWriter(undefined, args);
  try {
    for (const [step, loss] of record.trainLosses) {
      writer.addScalar('loss', loss, step);
    }
    const evaluation: Record<string, number> = {};
    for (const [name, value] of Object.entries(record.metrics)) {
      if (!NOT_EVALUATION.has(name)) evaluation[`eval/${name}`] = value;
    }
    if (record.metrics['num_parameters'] !== undefined) {
      evaluation['model/num_parameters'] = record.metrics['num_parameters'];
    }
    writer.addScalars(evaluation, finalStep);
    writer.addText('architecture', architectureMarkdown(record), finalStep);
    return {name: writer.file, data: writer.bytes()};
  } finally {
    writer.close();
  }
}

/** The architecture and hyperparameters of a trial as Markdown. */
export function architectureMarkdown(record: TrialRecordLike): string {
  const lines = [
    `**Trial ${record.trialId}** (${record.problemType}): ${
        record.architecture.length} block${
        record.architecture.length === 1 ? '' : 's'}, input first`,
    '',
  ];
  record.architecture.forEach((block, i) => lines.push(`${i + 1}. \`${block}\``));
  // By code unit, as the summary files order them (localeCompare took
  // 0.1 ms a trial).
  const hparams = Object.entries(record.hparams).sort(
      ([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  if (hparams.length > 0) {
    lines.push('', '| hyperparameter | value |', '|---|---|');
    for (const [name, value] of hparams) lines.push(`| ${name} | ${value} |`);
  }
  return lines.join('\n') + '\n';
}
