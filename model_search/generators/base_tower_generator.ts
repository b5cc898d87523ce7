/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What the tower generators share (base_tower_generator.py): their names,
 * the record of a tower that a trial keeps, and the generator interface.
 *
 * A generator decides which towers a trial has; it builds nothing. The
 * trainer turns its TowerRecords into layers (phoenix.ts), restoring the
 * weights of towers that name a source trial. Each trial keeps its towers
 * in the store (`trial.extra.towers`) and in its directory (towers.json),
 * which is how later trials find the towers they import.
 */

import type {HparamValue, Trial} from '../metadata/trial';
import type {Random} from '../random';
import type {TrialMode} from './trial_utils';

export const SEARCH_GENERATOR = 'search_generator';
export const PRIOR_GENERATOR = 'prior_generator';
export const REPLAY_GENERATOR = 'replay_generator';

/** Every generator, in the order the trainer consults them. */
export const ALL_GENERATORS =
    [PRIOR_GENERATOR, REPLAY_GENERATOR, SEARCH_GENERATOR] as const;

export type GeneratorName = typeof ALL_GENERATORS[number];

/** The name of the i-th tower a generator makes: `<generator>_<i>`. */
export function towerName(generator: GeneratorName, index: number): string {
  return `${generator}_${index}`;
}

/** Where the weights of a restored tower come from. */
export declare interface TowerSource {
  /** The trial whose exported model holds the weights. */
  trialId: number;
  /** The tower's name in that trial. */
  tower: string;
}

/** One tower of a trial, as the trial records it. */
export declare interface TowerRecord {
  /** Unique within the trial: `<generator>_<i>`, e.g. search_generator_0. */
  name: string;
  /** Block lookup names, input side first. */
  architecture: string[];
  /**
   * The hyperparameters the tower was built with: its blocks read their
   * own (`<BLOCK>_<name>`), and `dropout_rate` sets its dropout.
   */
  hparams: Record<string, HparamValue>;
  /**
   * Set when the tower starts from the trained weights of another trial's
   * tower; unset when it starts from its initializers.
   */
  source?: TowerSource;
  /** Whether its weights were held fixed during the trial. */
  frozen: boolean;
}

/** Whether a tower was made by `generator`. */
export function isTowerOf(tower: TowerRecord, generator: GeneratorName):
    boolean {
  return tower.name.startsWith(`${generator}_`);
}

/**
 * The towers a trial recorded. Trials from before towers were recorded
 * (no `extra.towers`) had one search tower: their architecture.
 */
export function towersOfTrial(trial: Trial): TowerRecord[] {
  const recorded = trial.extra?.['towers'];
  if (Array.isArray(recorded)) return recorded as TowerRecord[];
  if (trial.architecture.length === 0) return [];
  return [{
    name: towerName(SEARCH_GENERATOR, 0),
    architecture: [...trial.architecture],
    hparams: {...trial.hparams},
    frozen: false,
  }];
}

/** The tower a trial trained as its search candidate, if it had one. */
export function searchTowerOf(trial: Trial): TowerRecord|undefined {
  return towersOfTrial(trial).find((t) => isTowerOf(t, SEARCH_GENERATOR));
}

/** What a generator is told about the trial being planned. */
export declare interface GenerateArgs {
  trialId: number;
  mode: TrialMode;
  /** The hyperparameters the tuner chose for the trial. */
  hparams: Record<string, HparamValue>;
  /** The COMPLETED trials this generator may use (the controller's pick). */
  trials: Trial[];
  /**
   * The members of the study's ensemble trials, COMPLETED or RUNNING, each
   * in id order: an ensemble drawn at random need not be evaluated twice.
   */
  ensembledBefore?: number[][];
  rng: Random;
  /**
   * A distillation trial's teacher, as a generator before this one (the
   * prior generator) named it.
   */
  teacherTrialId?: number;
}

/** What a generator decided. */
export declare interface GeneratorResult {
  /** Its towers, named `<generator>_<i>`; empty when it adds none. */
  towers: TowerRecord[];
  /** Trials whose towers it imported, in tower order. */
  members: number[];
  /** The trial a search suggestion derives from. */
  parentTrialId?: number;
  /** Hyperparameters that replace the tuner's (user suggestion, replay). */
  hparams?: Record<string, HparamValue>;
  /** Distillation: the trial whose exported model is the teacher. */
  teacherTrialId?: number;
}

export declare interface TowerGenerator {
  readonly name: GeneratorName;
  generate(args: GenerateArgs): GeneratorResult;
}

/**
 * A trial cannot be planned from the trials there are (an ensemble with
 * nothing completed to ensemble, a replay trial without its predecessor).
 * The trainer records the trial FAILED with this message.
 */
export class PlanningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanningError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
