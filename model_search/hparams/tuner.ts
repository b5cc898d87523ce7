/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Hyperparameter tuners, chosen by --hypertuning_method: `random` samples
 * the space uniformly; `bayesian` fits a Gaussian process to the completed
 * trials and maximizes expected improvement. Both are pure functions of
 * (space, completed trials, objective, random source).
 */

import {didYouMean, UsageError} from '../errors';
import type {Random} from '../random';
import {expectedImprovement, GaussianProcess} from './gaussian_process';
import {HparamSpace, HparamValue, inSpace, NumericHparam, sampleParam, sampleRandom, validateSpace} from './hyperparameters';

/** What a tuner reads of a trial (metadata/trial.ts Trial fits it). */
export declare interface TunerTrial {
  state?: string;
  hparams: Record<string, HparamValue>;
  metrics?: Record<string, number>;
}

/** The metric to optimize and its direction. */
export declare interface TunerObjective {
  metric: string;
  goal: 'maximize'|'minimize';
}

export declare interface Tuner {
  /** The --hypertuning_method value. */
  readonly name: string;
  /**
   * The hyperparameters of the next trial.
   * @param completed trials of the study, any order; those not COMPLETED,
   *     lacking the metric or outside the space are ignored.
   */
  suggest(
      space: HparamSpace, completed: readonly TunerTrial[],
      objective: TunerObjective, rng: Random): Record<string, HparamValue>;
}

/** Uniform, independent sampling of every dimension. */
export class RandomTuner implements Tuner {
  readonly name = 'random';

  suggest(
      space: HparamSpace, _completed: readonly TunerTrial[],
      _objective: TunerObjective, rng: Random): Record<string, HparamValue> {
    return sampleRandom(validateSpace(space), rng);
  }
}

/** Maps a point of the space into the unit cube (one-hot for choices). */
export class SpaceEncoder {
  readonly width: number;

  constructor(readonly space: HparamSpace) {
    this.width = space.params.reduce(
        (sum, p) => sum + (p.kind === 'categorical' ? p.values.length : 1), 0);
  }

  encode(values: Record<string, HparamValue>): Float64Array {
    const out = new Float64Array(this.width);
    let at = 0;
    for (const param of this.space.params) {
      const value = values[param.name];
      if (param.kind === 'categorical') {
        // 1/sqrt(2): two different choices lie 1 apart, like a full range.
        out[at + param.values.indexOf(value)] = Math.SQRT1_2;
        at += param.values.length;
      } else if (param.kind === 'boolean') {
        out[at++] = value === true ? 1 : 0;
      } else {
        out[at++] = unitOf(param, value as number);
      }
    }
    return out;
  }
}

/** Position of `value` in [min, max] on the param's scale, in [0, 1]. */
function unitOf(param: NumericHparam, value: number): number {
  const log = param.scale === 'log';
  const low = log ? Math.log(param.min) : param.min;
  const high = log ? Math.log(param.max) : param.max;
  if (high === low) return 0;
  return ((log ? Math.log(value) : value) - low) / (high - low);
}

/** The value at unit position `u` (clipped to [0, 1]) of a numeric param. */
function valueAt(param: NumericHparam, u: number): number {
  const clipped = Math.min(1, Math.max(0, u));
  let value = param.scale === 'log' ?
      Math.exp(
          Math.log(param.min) +
          clipped * (Math.log(param.max) - Math.log(param.min))) :
      param.min + clipped * (param.max - param.min);
  if (param.type === 'int') {
    value = Math.min(
        Math.floor(param.max), Math.max(Math.ceil(param.min),
                                        Math.round(value)));
  } else {
    value = Math.min(param.max, Math.max(param.min, value));
  }
  return value;
}

/** Options of the Bayesian tuner. */
export declare interface BayesianTunerArgs {
  /** Usable completed trials before the GP is used; random until then. */
  minTrials?: number;
  /** Uniform random candidates scored per suggestion. */
  numCandidates?: number;
  /** Perturbed copies of the best trials scored per suggestion. */
  numLocalCandidates?: number;
  /** Exploration margin of expected improvement, in target std units. */
  xi?: number;
  /** At most this many trials (the best ones) are fitted. */
  maxObservations?: number;
}

/**
 * Bayesian optimization: a Gaussian process (Matern 5/2 over numeric
 * dimensions scaled to [0, 1], log scales in log space, one-hot choices)
 * fitted to the completed trials' objective; the next point maximizes
 * expected improvement over uniform random candidates and perturbations
 * of the best trials. Random until `minTrials` trials are usable.
 */
export class BayesianTuner implements Tuner {
  readonly name = 'bayesian';
  private readonly args: Required<BayesianTunerArgs>;

  constructor(args: BayesianTunerArgs = {}) {
    this.args = {
      minTrials: args.minTrials ?? 5,
      numCandidates: args.numCandidates ?? 1000,
      numLocalCandidates: args.numLocalCandidates ?? 250,
      xi: args.xi ?? 0.01,
      maxObservations: args.maxObservations ?? 250,
    };
  }

  suggest(
      space: HparamSpace, completed: readonly TunerTrial[],
      objective: TunerObjective, rng: Random): Record<string, HparamValue> {
    validateSpace(space);
    const sign = objective.goal === 'maximize' ? 1 : -1;
    const observed = completed
        .filter((trial) => {
          const value = trial.metrics?.[objective.metric];
          return (trial.state === undefined || trial.state === 'COMPLETED') &&
              typeof value === 'number' && Number.isFinite(value) &&
              space.params.every((p) => inSpace(p, trial.hparams[p.name]));
        })
        .map((trial) => ({
          hparams: trial.hparams,
          target: sign * trial.metrics![objective.metric],
        }))
        .sort((a, b) => b.target - a.target)
        .slice(0, this.args.maxObservations);
    if (observed.length < this.args.minTrials || space.params.length === 0) {
      return sampleRandom(space, rng);
    }

    const encoder = new SpaceEncoder(space);
    const targets = observed.map((o) => o.target);
    const gp = GaussianProcess.fit(
        observed.map((o) => encoder.encode(o.hparams)), targets);
    const best = targets[0];
    const mean = targets.reduce((a, b) => a + b, 0) / targets.length;
    const spread = Math.sqrt(
        targets.reduce((a, b) => a + (b - mean) ** 2, 0) / targets.length);
    const xi = this.args.xi * (spread > 0 ? spread : 1);

    let choice = sampleRandom(space, rng);
    let choiceScore = -Infinity;
    const consider = (candidate: Record<string, HparamValue>) => {
      const {mean, std} = gp.predict(encoder.encode(candidate));
      const score = expectedImprovement(mean, std, best, xi);
      if (score > choiceScore) {
        choice = candidate;
        choiceScore = score;
      }
    };
    for (let i = 0; i < this.args.numCandidates; i++) {
      consider(sampleRandom(space, rng));
    }
    const parents = observed.slice(0, 5);
    for (let i = 0; i < this.args.numLocalCandidates; i++) {
      consider(perturb(space, parents[i % parents.length].hparams, rng));
    }
    return choice;
  }
}

/**
 * A neighbour of `values`: numeric dimensions moved by a normal step of
 * 0.1 of their (scaled) range, choices and booleans redrawn with
 * probability 0.2.
 */
function perturb(
    space: HparamSpace, values: Record<string, HparamValue>,
    rng: Random): Record<string, HparamValue> {
  const out: Record<string, HparamValue> = {};
  for (const param of space.params) {
    const value = values[param.name];
    if (param.kind === 'numeric') {
      out[param.name] =
          valueAt(param, unitOf(param, value as number) + 0.1 * rng.normal());
    } else {
      out[param.name] = rng.uniform() < 0.2 ? sampleParam(param, rng) : value;
    }
  }
  return out;
}

/** The --hypertuning_method values. */
export const HYPERTUNING_METHODS: readonly string[] = ['random', 'bayesian'];

/**
 * The tuner for a --hypertuning_method value.
 * @throws UsageError for an unknown method, listing the valid ones.
 */
export function createTuner(method: string, args: BayesianTunerArgs = {}):
    Tuner {
  switch (method) {
    case 'random':
      return new RandomTuner();
    case 'bayesian':
      return new BayesianTuner(args);
    default:
      throw new UsageError(
          `--hypertuning_method=${method} is not a tuner` +
          `${didYouMean(method, HYPERTUNING_METHODS)}; use one of: ${
              HYPERTUNING_METHODS.join(', ')}`);
  }
}
