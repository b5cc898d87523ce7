/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Replay: retraining a model the search found, with no search. A finished
 * study leaves `replay_spec.pbtxt` in its model_dir: its own spec plus a
 * `replay` message holding the best trial's architecture and
 * hyperparameters. Running the binary with that file as
 * --phoenix_spec_filename trains exactly that model, one trial per tower.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import {NotImplementedError, ValueError} from './errors';
import type {HparamValue, Objective, Trial} from './metadata/trial';
import type {HParamDef, HParamDef_HParamType} from './proto/hparam';
import type {PhoenixSpec} from './proto/phoenix_spec';
import {printPhoenixSpec} from './proto/text_format';
import type {TrialObserver} from './oss_trainer_lib';
import type {TrialPlan} from './trial_planner';

/** The file a study writes for its best trial. */
export const REPLAY_SPEC_FILENAME = 'replay_spec.pbtxt';

/**
 * Hyperparameters as an HParamDef: integers as int64_value, other numbers
 * as float_value, text as bytes_value. float_value is 32 bits wide in the
 * binary encoding, but replay specs travel as text, which keeps every digit
 * of the number: a replay trains with exactly the searched values.
 */
export function hparamsToProto(hparams: Record<string, HparamValue>):
    HParamDef {
  const out: Record<string, HParamDef_HParamType> = {};
  for (const key of Object.keys(hparams).sort()) {
    const value = hparams[key];
    if (typeof value === 'boolean') {
      out[key] = {boolValue: value};
    } else if (typeof value === 'string') {
      out[key] = {bytesValue: new TextEncoder().encode(value)};
    } else if (Number.isInteger(value)) {
      out[key] = {int64Value: value};
    } else {
      out[key] = {floatValue: value};
    }
  }
  return {hparam: out};
}

/**
 * The scalar hyperparameters of an HParamDef. List values (the original
 * writes `initial_architecture` as one) have no scalar form; they are
 * returned under `lists`.
 */
export function hparamsFromProto(def: HParamDef|undefined): {
  hparams: Record<string, HparamValue>,
  lists: Record<string, Array<number|string|boolean>>,
} {
  const hparams: Record<string, HparamValue> = {};
  const lists: Record<string, Array<number|string|boolean>> = {};
  const decoder = new TextDecoder();
  for (const [key, value] of Object.entries(def?.hparam ?? {})) {
    if (value.boolValue !== undefined) {
      hparams[key] = value.boolValue;
    } else if (value.int64Value !== undefined) {
      hparams[key] = Number(value.int64Value);
    } else if (value.floatValue !== undefined) {
      hparams[key] = value.floatValue;
    } else if (value.bytesValue !== undefined) {
      hparams[key] = decoder.decode(value.bytesValue);
    } else if (value.int64List) {
      lists[key] = (value.int64List.value ?? []).map(Number);
    } else if (value.floatList) {
      lists[key] = [...(value.floatList.value ?? [])];
    } else if (value.bytesList) {
      lists[key] = (value.bytesList.value ?? []).map((b) => decoder.decode(b));
    } else if (value.boolList) {
      lists[key] = [...(value.boolList.value ?? [])];
    }
  }
  return {hparams, lists};
}

/** `spec` with a replay of `trial`'s single tower, and no suggestions. */
export function replaySpecFor(spec: PhoenixSpec, trial: Trial): PhoenixSpec {
  const replayed: PhoenixSpec = {...spec, userSuggestions: []};
  replayed.replay = {
    towers: [{
      architecture: [...trial.architecture],
      hparams: hparamsToProto(trial.hparams),
    }],
  };
  return replayed;
}

/** The trials a replay spec asks for, in order; undefined without replay. */
export function replayPlans(spec: PhoenixSpec): TrialPlan[]|undefined {
  const towers = spec.replay?.towers;
  if (spec.replay === undefined) return undefined;
  if (towers === undefined || towers.length === 0) {
    throw new ValueError(
        'replay: the spec has a replay message with no towers; give one ' +
        '`towers { architecture: ... }` per trial, or remove replay to search');
  }
  if (towers.length > 1) {
    // TODO: replaying an ensemble needs towers of earlier trials restored
    // into one model, which the trainer does not build yet.
    throw new NotImplementedError(
        `replay: the spec replays ${towers.length} towers (an ensemble); ` +
        'only a single tower can be replayed');
  }
  return towers.map((tower, i) => {
    const architecture = tower.architecture ?? [];
    if (architecture.length === 0) {
      throw new ValueError(`replay: tower ${i + 1} has no architecture`);
    }
    const {hparams, lists} = hparamsFromProto(tower.hparams);
    const listNames = Object.keys(lists);
    if (listNames.length > 0) {
      throw new ValueError(
          `replay: tower ${i + 1} has list hyperparameters (${
              listNames.join(', ')}); give each as a single value`);
    }
    return {architecture: [...architecture], hparams};
  });
}

/**
 * Keeps `<model_dir>/replay_spec.pbtxt` up to date with the best completed
 * trial, written to a temporary file and renamed so that a reader never
 * sees half of it.
 */
export class ReplaySpecObserver implements TrialObserver {
  constructor(private readonly spec: PhoenixSpec) {}

  onStudyUpdate(modelDir: string, trials: Trial[], objective: Objective):
      void {
    const best = bestCompleted(trials, objective);
    if (best === undefined) return;
    const text = `# Retrains trial ${best.id} (${objective.metric}=${
        best.metrics?.[objective.metric]}) with no search: pass this file ` +
        'as --phoenix_spec_filename.\n' +
        printPhoenixSpec(replaySpecFor(this.spec, best));
    const file = path.join(modelDir, REPLAY_SPEC_FILENAME);
    const temporary = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
  }
}

function bestCompleted(trials: Trial[], objective: Objective): Trial|undefined {
  let best: Trial|undefined;
  for (const trial of trials) {
    const value = trial.metrics?.[objective.metric];
    if (trial.state !== 'COMPLETED' || typeof value !== 'number' ||
        !Number.isFinite(value) || !isSingleTower(trial)) {
      continue;
    }
    const bestValue = best?.metrics?.[objective.metric] as number|undefined;
    if (bestValue === undefined ||
        (objective.goal === 'maximize' ? value > bestValue :
                                         value < bestValue)) {
      best = trial;
    }
  }
  return best;
}

/**
 * Whether a trial trained one tower of its own and imported none.
 * TODO: replay specs of ensemble trials (every member tower in order, as
 * generators/trial_utils.ts makeReplaySpec writes them); until then the
 * replay spec names the best single-tower trial.
 */
function isSingleTower(trial: Trial): boolean {
  const towers = trial.extra?.['towers'];
  return trial.architecture.length > 0 &&
      (!Array.isArray(towers) || towers.length === 1) &&
      trial.extra?.['teacherTrialId'] === undefined;
}
