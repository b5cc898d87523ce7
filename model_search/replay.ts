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

import {ValueError} from './errors';
import {isTowerOf, SEARCH_GENERATOR, towersOfTrial} from './generators/base_tower_generator';
import {ensembleSearchTypeName, hasEnsembleSearch, isAdaptiveOrResidual} from './generators/trial_utils';
import {checkedOptimizerName} from './phoenix';
import {rankTrials} from './metadata/trial';
import type {HparamValue, Objective, Trial} from './metadata/trial';
import type {HParamDef, HParamDef_HParamType} from './proto/hparam';
import type {PhoenixSpec} from './proto/phoenix_spec';
import {lineColumnAt, printPhoenixSpec} from './proto/text_format';
import {writeFileAtomically} from './report';
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

/** A hyperparameter's name as a message shows it: quoted if not a word. */
function shownKey(key: string): string {
  return /^\w+$/.test(key) ? key : JSON.stringify(key);
}

/**
 * The hyperparameters a spec gives by hand (a replay tower, a user
 * suggestion), as the trial takes them: one value each. A list, an entry
 * with no value, or text that is not UTF-8 would otherwise be dropped or
 * changed on the way to hparams.json without a word; each is refused,
 * `where` naming the tower or suggestion.
 */
export function givenHparams(def: HParamDef|undefined, where: string):
    Record<string, HparamValue> {
  const utf8 = new TextDecoder('utf-8', {fatal: true});
  for (const [key, value] of Object.entries(def?.hparam ?? {})) {
    if (value.int64List || value.floatList || value.bytesList ||
        value.boolList) {
      throw new ValueError(
          `${where}: hparam ${shownKey(key)} is a list; give a single value ` +
          '(bool_value, int64_value, float_value or bytes_value)');
    }
    if (value.boolValue === undefined && value.int64Value === undefined &&
        value.floatValue === undefined && value.bytesValue === undefined) {
      throw new ValueError(
          `${where}: hparam ${shownKey(key)} has no value; give one, e.g. value { ` +
          'float_value: 0.01 }, or remove the entry');
    }
    if (value.bytesValue !== undefined) {
      try {
        utf8.decode(value.bytesValue);
      } catch {
        throw new ValueError(
            `${where}: hparam ${shownKey(key)} has a bytes_value that is not UTF-8 ` +
            'text; hyperparameters are numbers, booleans or text');
      }
    }
  }
  return hparamsFromProto(def).hparams;
}

/**
 * The architecture of a replay tower that stands for "no new tower in this
 * trial": the last trial of a replayed non-adaptive ensemble only puts the
 * ensemble together. The original writes the same word.
 */
export const NO_SEARCH_ARCHITECTURE = 'no_search';

/** One tower of a replay, as plain data. */
export declare interface ReplayTower {
  architecture: string[];
  hparams: Record<string, HparamValue>;
}

/**
 * The replay towers of `trial`, in the order a replay trains them
 * (write_replay_spec): a single-tower trial is its tower; an ensemble that
 * imported every tower of one trial (adaptive, residual) is that trial's
 * replay towers and then its own new tower; an ensemble of single towers
 * (non-adaptive, intermixed) is those towers and then its own, or
 * `no_search` with the trial's hyperparameters when it trained none.
 *
 * @param trials Every trial of the study, to look members up.
 * @throws ValueError when a member is missing from `trials`.
 */
export function replayTowersOf(
    trial: Trial, trials: readonly Trial[], adaptive: boolean):
    ReplayTower[] {
  const towers = towersOfTrial(trial);
  const own = towers.find((t) => isTowerOf(t, SEARCH_GENERATOR));
  const ownTower: ReplayTower = own ?
      {architecture: [...own.architecture], hparams: {...own.hparams}} :
      {architecture: [NO_SEARCH_ARCHITECTURE], hparams: {...trial.hparams}};
  const imported = towers.filter((t) => !isTowerOf(t, SEARCH_GENERATOR));
  if (imported.length === 0) return own ? [ownTower] : [];
  const member = (id: number): Trial => {
    const found = trials.find((t) => t.id === id);
    if (found === undefined) {
      throw new ValueError(
          `replay of trial ${trial.id}: its member trial ${id} is not in ` +
          'the study');
    }
    return found;
  };
  const sources = [...new Set(imported.map((t) => t.source!.trialId))];
  if (adaptive) {
    if (sources.length !== 1) {
      throw new ValueError(
          `replay of trial ${trial.id}: an adaptive ensemble imports the ` +
          `towers of one trial, this one of trials ${sources.join(', ')}`);
    }
    // Every tower of one trial, grown by one: replay that trial first.
    return [...replayTowersOf(member(sources[0]), trials, true), ownTower];
  }
  const deps = imported.map((t): ReplayTower => {
    const tower = towersOfTrial(member(t.source!.trialId))
                      .find((m) => m.name === t.source!.tower);
    if (tower === undefined) {
      throw new ValueError(
          `replay of trial ${trial.id}: trial ${t.source!.trialId} has no ` +
          `tower ${t.source!.tower}`);
    }
    return {architecture: [...tower.architecture],
            hparams: {...tower.hparams}};
  });
  return [...deps, ownTower];
}

/**
 * `spec` with a replay of `trial` (its towers, see replayTowersOf), and no
 * suggestions.
 */
export function replaySpecFor(
    spec: PhoenixSpec, trial: Trial, trials: readonly Trial[] = [trial]):
    PhoenixSpec {
  const replayed: PhoenixSpec = {...spec, userSuggestions: []};
  replayed.replay = {
    towers: replayTowersOf(trial, trials, isAdaptiveOrResidual(
                                             spec.ensembleSpec))
                .map((t) => ({
      architecture: [...t.architecture],
      hparams: hparamsToProto(t.hparams),
    })),
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
  if (towers.length > 1 && !hasEnsembleSearch(spec.ensembleSpec)) {
    throw new ValueError(
        `replay: the spec replays ${towers.length} towers (an ensemble) ` +
        'but has no ensemble_spec.ensemble_search_type; keep the ' +
        'ensemble_spec of the study that wrote the replay');
  }
  const last = towers[towers.length - 1].architecture ?? [];
  if (towers.length > 1 && !isAdaptiveOrResidual(spec.ensembleSpec) &&
      !(last.length === 1 && last[0] === NO_SEARCH_ARCHITECTURE)) {
    // The last trial of a non-adaptive ensemble trains no tower of its
    // own: a tower given there would be dropped without a word.
    throw new ValueError(
        `replay: a ${ensembleSearchTypeName(spec.ensembleSpec)} replays ` +
        'its towers one trial each, then puts them together in a last ' +
        `tower "${NO_SEARCH_ARCHITECTURE}" that trains none; tower ${
            towers.length} (${last.join(', ') || 'no architecture'}) ` +
        `would be dropped: add a last tower { architecture: "${
            NO_SEARCH_ARCHITECTURE}" } after it`);
  }
  return towers.map((tower, i) => {
    const architecture = tower.architecture ?? [];
    if (architecture.length === 0) {
      throw new ValueError(`replay: tower ${i + 1} has no architecture`);
    }
    if (architecture.includes(NO_SEARCH_ARCHITECTURE) &&
        (i !== towers.length - 1 || towers.length === 1 ||
         architecture.length > 1)) {
      throw new ValueError(
          `replay: tower ${i + 1} is "${NO_SEARCH_ARCHITECTURE}", which ` +
          'only the last tower of an ensemble can be (the trial that puts ' +
          'the ensemble together)');
    }
    const hparams = givenHparams(tower.hparams, `replay: tower ${i + 1}`);
    checkTrainingHparams(hparams, `replay: tower ${i + 1}`);
    return {architecture: [...architecture], hparams};
  });
}

/**
 * line:column in spec text `text` of what replay error `message` names:
 * the hyperparameter's key inside tower N (`replay: tower N: hparam
 * NAME=...`), or tower N itself (`replay: tower N ...`); undefined when
 * the text does not show it (a spec built in code).
 */
export function replayErrorPosition(text: string, message: string):
    string|undefined {
  const named = /^replay: tower (\d+)(?:: hparam (\w+)=)?/.exec(message);
  if (named === null) return undefined;
  const starts = [...text.matchAll(/\btowers\s*\{/g)].map((m) => m.index!);
  const tower = Number(named[1]);
  let at = starts[tower - 1];
  if (at === undefined) return undefined;
  if (named[2] !== undefined) {
    const end = starts[tower] ?? text.length;
    const key = text.slice(at, end).search(
        new RegExp(`["']${named[2]}["']`));
    if (key >= 0) at += key;
  }
  return lineColumnAt(text, at);
}

/**
 * Keeps `<model_dir>/replay_spec.pbtxt` up to date with the best completed
 * trial, written to a temporary file and renamed so that a reader never
 * sees half of it.
 */
export class ReplaySpecObserver implements TrialObserver {
  /** What this observer last wrote, by file: most trials change nothing. */
  private readonly written = new Map<string, string>();
  /**
   * The best trials the text last written to each file was made of: a
   * completed trial never changes, so while they stay the best the text
   * is not made again (printing it took 0.3 ms a trial).
   */
  private readonly madeOf = new Map<string, string>();

  constructor(private readonly spec: PhoenixSpec) {}

  async onStudyUpdate(
      modelDir: string, trials: Trial[], objective: Objective): Promise<void> {
    const best = bestCompleted(trials, objective, isReplayable);
    if (best === undefined) return;
    const bestOfAll = bestCompleted(trials, objective, () => true);
    const file = path.join(modelDir, REPLAY_SPEC_FILENAME);
    const madeOf = [best, bestOfAll].map(
        (t) => `${t?.id}:${t?.metrics?.[objective.metric]}`).join(' ');
    if (this.madeOf.get(file) === madeOf && fs.existsSync(file)) return;
    // A better trial left out is named, so that the first line is not
    // taken for the study's best.
    const passedOver = bestOfAll === undefined || bestOfAll === best ? '' :
        `# The best trial, ${bestOfAll.id} (${objective.metric}=${
            bestOfAll.metrics?.[objective.metric]}), is a distillation ` +
            `student of trial ${bestOfAll.extra?.['teacherTrialId']}, ` +
            'which a replay does not retrain; this is the best other ' +
            'trial.\n';
    const text = `# Retrains trial ${best.id} (${objective.metric}=${
        best.metrics?.[objective.metric]}) with no search: pass this file ` +
        'as --phoenix_spec_filename.\n' + passedOver +
        printPhoenixSpec(replaySpecFor(this.spec, best, trials));
    if (this.written.get(file) !== text || !fs.existsSync(file)) {
      await writeFileAtomically(file, text);
      this.written.set(file, text);
    }
    this.madeOf.set(file, madeOf);
  }
}

function bestCompleted(
    trials: Trial[], objective: Objective,
    eligible: (trial: Trial) => boolean): Trial|undefined {
  // As every list of the study ranks them (ties by loss, then id).
  return rankTrials(trials.filter(eligible), objective).find((trial) => {
    const value = trial.metrics?.[objective.metric];
    return typeof value === 'number' && Number.isFinite(value);
  });
}

/**
 * Whether a replay retrains the trial: every trial but a distillation
 * student, whose teacher a replay does not have.
 * TODO: replaying a student with its teacher's replay first.
 */
function isReplayable(trial: Trial): boolean {
  return trial.extra?.['teacherTrialId'] === undefined &&
      towersOfTrial(trial).length > 0;
}

/**
 * The values the training hyperparameters can take, where a spec gives
 * them by hand (a replay): a search draws them from valid ranges, but a
 * negative learning rate given here would train "fine" to nonsense.
 */
const TRAINING_HPARAM_RANGES: Record<string, {
  valid: (v: number) => boolean, says: string,
}> = {
  learning_rate: {valid: (v) => v > 0, says: 'a number above 0'},
  exponential_decay_rate:
      {valid: (v) => v > 0 && v <= 1, says: 'a number in (0, 1]'},
  dropout_rate:
      {valid: (v) => v < 1, says: 'a number below 1 (0 or less: no dropout)'},
  exponential_decay_steps: {
    valid: (v) => Number.isInteger(v),
    says: 'a whole number of steps (0 or less: no decay)',
  },
  // gradient_max_norm of 0 or less turns clipping off.
};

/** Throws naming `where` and the hparam when one is out of its range. */
export function checkTrainingHparams(
    hparams: Record<string, HparamValue>, where: string): void {
  for (const [name, range] of Object.entries(TRAINING_HPARAM_RANGES)) {
    const value = hparams[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) ||
        !range.valid(value)) {
      // String(): JSON would print an infinity (a float_value of 1e400)
      // as null.
      throw new ValueError(`${where}: hparam ${name}=${
          typeof value === 'number' ? String(value) : JSON.stringify(value)} ` +
          `must be ${range.says}`);
    }
  }
  try {
    checkedOptimizerName(hparams);
  } catch (e) {
    throw new ValueError(`${where}: ${(e as Error).message}`);
  }
}
