/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The hyperparameter space of a search, declared as data, and uniform
 * sampling from it. `buildHparamSpace` builds the space the original builds
 * from a PhoenixSpec (phoenix.py's keras-tuner space), with the same names.
 */

import {ValueError} from '../errors';
import type {Random} from '../random';

export type HparamValue = number|string|boolean;

/** A number in [min, max]; integers include both ends. */
export declare interface NumericHparam {
  kind: 'numeric';
  name: string;
  min: number;
  max: number;
  /** 'int' values are whole numbers. Default 'float'. */
  type?: 'float'|'int';
  /** 'log' samples uniformly in log space (min > 0). Default 'linear'. */
  scale?: 'linear'|'log';
}

/** One of a list of values. */
export declare interface CategoricalHparam {
  kind: 'categorical';
  name: string;
  values: HparamValue[];
}

export declare interface BooleanHparam {
  kind: 'boolean';
  name: string;
}

export type Hparam = NumericHparam|CategoricalHparam|BooleanHparam;

/** A hyperparameter space: its dimensions, with unique names. */
export declare interface HparamSpace {
  params: Hparam[];
}

/**
 * Checks names are unique and ranges sane; returns the space.
 * @throws ValueError naming the hyperparameter and the fix.
 */
export function validateSpace(space: HparamSpace): HparamSpace {
  const seen = new Set<string>();
  for (const param of space.params) {
    if (seen.has(param.name)) {
      throw new ValueError(
          `hyperparameter "${param.name}" is declared twice; rename one`);
    }
    seen.add(param.name);
    if (param.kind === 'numeric') {
      if (!(Number.isFinite(param.min) && Number.isFinite(param.max) &&
            param.min <= param.max)) {
        throw new ValueError(
            `hyperparameter "${param.name}" has range [${param.min}, ${
                param.max}]; use finite min <= max`);
      }
      if (param.scale === 'log' && !(param.min > 0)) {
        throw new ValueError(
            `hyperparameter "${param.name}" is log-scaled from ${
                param.min}; a log scale needs min > 0`);
      }
      if (param.type === 'int' &&
          Math.ceil(param.min) > Math.floor(param.max)) {
        throw new ValueError(
            `hyperparameter "${param.name}" holds no integer in [${
                param.min}, ${param.max}]`);
      }
    } else if (param.kind === 'categorical' && param.values.length === 0) {
      throw new ValueError(
          `hyperparameter "${param.name}" has no values; list at least one`);
    }
  }
  return space;
}

/** A value of `param` drawn uniformly (log-uniformly for log scales). */
export function sampleParam(param: Hparam, rng: Random): HparamValue {
  switch (param.kind) {
    case 'categorical':
      return rng.choice(param.values);
    case 'boolean':
      return rng.uniform() < 0.5;
    case 'numeric': {
      if (param.type === 'int') {
        const low = Math.ceil(param.min);
        const high = Math.floor(param.max);
        if (param.scale === 'log') {
          const value = rng.logUniform(low, high + 1);
          return Math.min(high, Math.max(low, Math.floor(value)));
        }
        return low + rng.int(high - low + 1);
      }
      return param.scale === 'log' ? rng.logUniform(param.min, param.max) :
                                     rng.uniformRange(param.min, param.max);
    }
  }
}

/** One point of the space, every dimension sampled independently. */
export function sampleRandom(space: HparamSpace, rng: Random):
    Record<string, HparamValue> {
  const out: Record<string, HparamValue> = {};
  for (const param of space.params) out[param.name] = sampleParam(param, rng);
  return out;
}

/** Whether `value` is a valid value of `param`. */
export function inSpace(param: Hparam, value: HparamValue|undefined): boolean {
  switch (param.kind) {
    case 'categorical':
      return param.values.includes(value as HparamValue);
    case 'boolean':
      return typeof value === 'boolean';
    case 'numeric':
      return typeof value === 'number' && value >= param.min &&
          value <= param.max &&
          (param.type !== 'int' || Number.isInteger(value));
  }
}

/**
 * `space` with the params of `other` added under `prefix` + name (the
 * original's Hyperparameters.merge). With `overwrite`, an added param
 * replaces one of the same name; without it the existing one stays.
 */
export function mergeSpaces(
    space: HparamSpace, other: HparamSpace, prefix = '',
    overwrite = true): HparamSpace {
  const params = [...space.params];
  for (const param of other.params) {
    const renamed = {...param, name: prefix + param.name};
    const at = params.findIndex((p) => p.name === renamed.name);
    if (at < 0) {
      params.push(renamed);
    } else if (overwrite) {
      params[at] = renamed;
    }
  }
  return {params};
}

/**
 * A tunable range a block asks for (blocks/block.ts HparamRange): a list
 * of values becomes categorical; bounds become numeric, integer when the
 * range says so, or, when it does not, when both bounds are integers and
 * the scale is linear (the original's blocks only ask for integer ranges).
 */
export declare interface BlockHparamRange {
  name: string;
  values?: HparamValue[];
  min?: number;
  max?: number;
  scale?: 'linear'|'log';
  /** Whole numbers only; unset: when both bounds are whole, on a linear scale. */
  integer?: boolean;
}

export function hparamFromBlockRange(range: BlockHparamRange): Hparam {
  if (range === null || typeof range !== 'object' || Array.isArray(range)) {
    throw new ValueError(
        `a block hyperparameter range is ${
            range === null ? 'null' : Array.isArray(range) ? 'an array' :
                                                             typeof range}; ` +
        'give objects {name, min, max} or {name, values}');
  }
  if (typeof range.name !== 'string' || range.name === '') {
    throw new ValueError(
        'a block hyperparameter has no name; give each range a name the ' +
        'block reads it by');
  }
  const bounded = range.min !== undefined || range.max !== undefined;
  if (range.values !== undefined) {
    if (bounded) {
      throw new ValueError(
          `block hyperparameter "${range.name}" has both values and min ` +
          'or max; give the values, or min and max');
    }
    const values: unknown = range.values;
    if (!Array.isArray(values) ||
        !values.every((v) => ['number', 'string', 'boolean'].includes(
                          typeof v))) {
      throw new ValueError(
          `block hyperparameter "${range.name}": values must be an array ` +
          `of numbers, strings or booleans, got ${JSON.stringify(values)}`);
    }
    return {kind: 'categorical', name: range.name, values: [...values]};
  }
  if (range.scale !== undefined && range.scale !== 'linear' &&
      range.scale !== 'log') {
    throw new ValueError(
        `block hyperparameter "${range.name}": scale ${
            JSON.stringify(range.scale)} is neither "linear" nor "log"`);
  }
  if (range.min === undefined || range.max === undefined) {
    throw new ValueError(
        `block hyperparameter "${range.name}" has neither values nor ` +
        'min and max; give one of them');
  }
  // Said, or read from whole bounds on a linear scale.
  const integer = range.integer ??
      (Number.isInteger(range.min) && Number.isInteger(range.max) &&
       range.scale !== 'log');
  return {
    kind: 'numeric',
    name: range.name,
    min: range.min,
    max: range.max,
    type: integer ? 'int' : 'float',
    scale: range.scale ?? 'linear',
  };
}

/** PhoenixSpec.learning_spec fields; unset ones take the proto defaults. */
export declare interface LearningSpecArgs {
  applyExponentialDecay?: boolean;
  minDecayTimes?: number;
  maxDecayTimes?: number;
  minLearningRateDecayRate?: number;
  maxLearningRateDecayRate?: number;
  applyGradientClipping?: boolean;
  minGradientNormWhenClipping?: number;
  maxGradientNormWhenClipping?: number;
  applyL2Regularization?: boolean;
  minL2Regularization?: number;
  maxL2Regularization?: number;
  minDropout?: number;
  maxDropout?: number;
  minLearningRate?: number;
  maxLearningRate?: number;
}

/** The defaults phoenix_spec.proto declares for LearningSpec. */
export const LEARNING_SPEC_DEFAULTS: Readonly<Required<LearningSpecArgs>> = {
  applyExponentialDecay: false,
  minDecayTimes: 1,
  maxDecayTimes: 5,
  minLearningRateDecayRate: 0.75,
  maxLearningRateDecayRate: 0.95,
  applyGradientClipping: false,
  minGradientNormWhenClipping: 2,
  maxGradientNormWhenClipping: 5,
  applyL2Regularization: false,
  minL2Regularization: 0,
  maxL2Regularization: 0.05,
  minDropout: 0.1,
  maxDropout: 0.6,
  minLearningRate: 1e-6,
  maxLearningRate: 0.01,
};

/** What `buildHparamSpace` reads. */
export declare interface HparamSpaceArgs {
  /** PhoenixSpec.blocks_to_use. */
  blocksToUse: string[];
  /** PhoenixSpec.minimum_depth. */
  minimumDepth: number;
  /** The trial's train steps (--phoenix_train_steps), for decay steps. */
  trainSteps: number;
  /** PhoenixSpec.learning_spec. */
  learningSpec?: LearningSpecArgs;
  /** PhoenixSpec.apply_dropouts_between_blocks. */
  applyDropoutsBetweenBlocks?: boolean;
  /** The hyperparameters the blocks of blocks_to_use ask for. */
  blockHparams?: Hparam[];
  /**
   * Whether to add `new_block_type` and `initial_architecture_<i>` (i <
   * minimum_depth), which the original's space always has. They matter
   * only to searches that read them (Identity; harmonica and the linear
   * model while they lack data): architecture searches here choose blocks
   * themselves, so they are off by default to keep trial records honest.
   */
  architectureHparams?: boolean;
}

/** The learning-rate optimizers the space chooses from. */
export const OPTIMIZERS: readonly string[] =
    ['momentum', 'sgd', 'adagrad', 'adam', 'rmsprop'];

/**
 * The space the original searches: `learning_rate` log-uniform in
 * [1e-6, 0.01] (learning_spec's min_learning_rate and max_learning_rate
 * here) and `optimizer`, always; `exponential_decay_rate` and
 * `exponential_decay_steps` (trainSteps // i for i in [min_decay_times,
 * max_decay_times), duplicates removed) with apply_exponential_decay;
 * integer `gradient_max_norm` with apply_gradient_clipping;
 * `l2_regularization` with apply_l2_regularization; and `dropout_rate`, -1
 * (none) or one of 10 steps from min_dropout towards max_dropout, with
 * apply_dropouts_between_blocks. Block hyperparameters come first.
 *
 * Porting note: decay steps of 0 (i > trainSteps) are left out; the
 * original keeps them although a decay every 0 steps is undefined.
 */
export function buildHparamSpace(args: HparamSpaceArgs): HparamSpace {
  const learning = {...LEARNING_SPEC_DEFAULTS};
  for (const [key, value] of Object.entries(args.learningSpec ?? {})) {
    if (value !== undefined) {
      (learning as Record<string, unknown>)[key] = value;
    }
  }
  const params: Hparam[] = [...(args.blockHparams ?? [])];
  const add = (param: Hparam) => {
    const at = params.findIndex((p) => p.name === param.name);
    if (at >= 0) params.splice(at, 1);
    params.push(param);
  };
  const lowRate = learning.minLearningRate;
  const highRate = learning.maxLearningRate;
  if (!(lowRate > 0 && lowRate <= highRate && Number.isFinite(highRate))) {
    throw new ValueError(
        `phoenix_spec.learning_spec: min_learning_rate ${lowRate} and ` +
        `max_learning_rate ${highRate} must be above 0, the first at most ` +
        'the second (the range is drawn from log-uniformly)');
  }
  add({
    kind: 'numeric',
    name: 'learning_rate',
    min: lowRate,
    max: highRate,
    scale: 'log',
  });
  if (args.architectureHparams) {
    add({kind: 'categorical', name: 'new_block_type',
         values: [...args.blocksToUse]});
  }
  add({kind: 'categorical', name: 'optimizer', values: [...OPTIMIZERS]});
  if (args.architectureHparams) {
    for (let i = 0; i < args.minimumDepth; i++) {
      add({kind: 'categorical', name: `initial_architecture_${i}`,
           values: [...args.blocksToUse]});
    }
  }

  if (learning.applyExponentialDecay) {
    // The learning rate is multiplied by the rate every decay steps: above
    // 1 it would grow without bound (and a replay of such a trial is
    // refused, checkTrainingHparams).
    const low = learning.minLearningRateDecayRate;
    const high = learning.maxLearningRateDecayRate;
    if (!(low > 0 && high <= 1)) {
      throw new ValueError(
          `phoenix_spec.learning_spec: min_learning_rate_decay_rate ${
              low} and max_learning_rate_decay_rate ${high} must lie in ` +
          '(0, 1] (the factor the learning rate is multiplied by every ' +
          'exponential_decay_steps steps; above 1 it grows)');
    }
    add({
      kind: 'numeric',
      name: 'exponential_decay_rate',
      min: learning.minLearningRateDecayRate,
      max: learning.maxLearningRateDecayRate,
    });
    if (!(learning.minDecayTimes >= 1)) {
      throw new ValueError(
          `phoenix_spec.learning_spec.min_decay_times is ${
              learning.minDecayTimes}; use an integer >= 1`);
    }
    const steps: number[] = [];
    for (let i = learning.minDecayTimes; i < learning.maxDecayTimes; i++) {
      const value = Math.floor(args.trainSteps / i);
      if (value > 0 && !steps.includes(value)) steps.push(value);
    }
    if (steps.length === 0) {
      throw new ValueError(
          `phoenix_spec.learning_spec gives no decay steps: min_decay_times ` +
          `${learning.minDecayTimes}, max_decay_times ${
              learning.maxDecayTimes} (exclusive), train steps ${
              args.trainSteps}; make max_decay_times > min_decay_times`);
    }
    add({kind: 'categorical', name: 'exponential_decay_steps', values: steps});
  }

  if (learning.applyGradientClipping) {
    add({
      kind: 'numeric',
      name: 'gradient_max_norm',
      type: 'int',
      min: learning.minGradientNormWhenClipping,
      max: learning.maxGradientNormWhenClipping,
    });
  }

  if (learning.applyL2Regularization) {
    add({
      kind: 'numeric',
      name: 'l2_regularization',
      min: learning.minL2Regularization,
      max: learning.maxL2Regularization,
    });
  }

  if (args.applyDropoutsBetweenBlocks) {
    // A rate is the share of units dropped: the drawn ones, from
    // min_dropout up to nine tenths of the way to max_dropout, lie in
    // [0, 1) (-1, none, is added below).
    if (!(learning.minDropout >= 0 && learning.maxDropout <= 1)) {
      throw new ValueError(
          `phoenix_spec.learning_spec: min_dropout ${
              learning.minDropout} and max_dropout ${
              learning.maxDropout} must lie in [0, 1] (the share of a ` +
          'layer\'s units dropped)');
    }
    if (!(learning.minDropout < learning.maxDropout)) {
      throw new ValueError(
          `phoenix_spec.learning_spec.min_dropout (${
              learning.minDropout}) must be below max_dropout (${
              learning.maxDropout})`);
    }
    const step = (learning.maxDropout - learning.minDropout) / 10;
    const rates: number[] = [-1];
    for (let i = 0; i < 10; i++) {
      // Rounded so that 0.1 + 3 * 0.05 reads 0.25, not 0.25000000000000006.
      rates.push(Number((learning.minDropout + i * step).toPrecision(12)));
    }
    add({kind: 'categorical', name: 'dropout_rate', values: rates});
  }
  return validateSpace({params});
}
