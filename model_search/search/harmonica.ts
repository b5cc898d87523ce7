/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Harmonica (Hazan, Klivans, Yuan: https://arxiv.org/abs/1706.00764) over
 * fixed-depth architectures in its binary form: every (position, block)
 * choice is a +-1 variable, the loss is fitted as a sparse polynomial of
 * parities (products of up to `degree` variables) by the Lasso, and the
 * architecture with the lowest predicted loss among random samples is
 * proposed. HARMONICA_SEARCH uses the categorical variant
 * (categorical_harmonica.ts), as the original does; this one is kept for
 * direct use.
 */

import {ValueError} from '../errors';
import type {Trial} from '../metadata/trial';
import type {Random} from '../random';
import {initialArchitecture, isFlatten, lossOf, orderFixer, rankedByObjective} from './common';
import {interactionIndexSets, lasso} from './linalg';
import type {SearchAlgorithm, SearchContext, Suggestion} from './search_algorithm';
import {SearchSpec, validateSearchSpec} from './search_spec';

/** Resolved settings of a harmonica search. */
export declare interface HarmonicaOptions {
  alpha: number;
  degree: number;
  nMono: number;
  minForRegression: number;
  numRandomSamples: number;
}

/** The original's constructor defaults of the binary variant. */
export const HARMONICA_DEFAULTS: Readonly<HarmonicaOptions> = {
  alpha: 0.05,
  degree: 3,
  nMono: 5,
  minForRegression: 3,
  numRandomSamples: 10000,
};

/** A sparse polynomial: intercept + sum of coef * product of variables. */
export declare interface SparsePolynomial {
  intercept: number;
  terms: Array<{variables: number[], coef: number}>;
}

/** Evaluates a sparse polynomial at `x`. */
export function evaluatePolynomial(
    polynomial: SparsePolynomial, x: ArrayLike<number>): number {
  let sum = polynomial.intercept;
  for (const term of polynomial.terms) {
    let product = term.coef;
    for (const v of term.variables) product *= x[v];
    sum += product;
  }
  return sum;
}

/** Indices of the `count` largest |values| that are not zero. */
export function largestMagnitudes(
    values: ArrayLike<number>, count: number): number[] {
  const order = Array.from({length: values.length}, (_, i) => i)
                    .filter((i) => values[i] !== 0);
  order.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b);
  return order.slice(0, count);
}

/** Resolves harmonica settings and checks them. */
export function harmonicaOptions(
    spec: SearchSpec, defaults: Readonly<HarmonicaOptions>): HarmonicaOptions {
  const options = {...defaults};
  for (const [key, value] of Object.entries(spec.harmonica)) {
    if (value !== undefined) options[key as keyof HarmonicaOptions] = value;
  }
  if (!(options.numRandomSamples > 1)) {
    throw new ValueError(
        `harmonica numRandomSamples is ${options.numRandomSamples}; use > 1`);
  }
  if (!(options.degree >= 1) || !(options.nMono >= 1)) {
    throw new ValueError(
        `harmonica degree ${options.degree} and nMono ${options.nMono} ` +
        'must be >= 1');
  }
  return options;
}

/**
 * The binary Harmonica search. Trials whose architecture (flatten blocks
 * aside) is deeper than `minimum_depth` or uses a block outside
 * `blocks_to_use` are outside its space and ignored; shallower ones leave
 * the missing positions all -1, as in the original.
 */
export class Harmonica implements SearchAlgorithm {
  readonly options: HarmonicaOptions;
  private readonly blockIndex: Map<string, number>;
  private indexSets?: number[][];

  constructor(private readonly spec: SearchSpec) {
    validateSearchSpec(spec);
    this.options = harmonicaOptions(spec, HARMONICA_DEFAULTS);
    this.blockIndex = new Map(spec.blocksToUse.map((b, i) => [b, i]));
  }

  /** Number of +-1 variables: minimum_depth * |blocks_to_use|. */
  get numVariables(): number {
    return this.spec.minimumDepth * this.spec.blocksToUse.length;
  }

  /**
   * The +-1 assignment of an architecture: variable depth * K + b is 1
   * when the block at `depth` is blocks_to_use[b]. Undefined when the
   * architecture is outside the space.
   */
  encode(architecture: readonly string[]): Float64Array|undefined {
    const numBlocks = this.spec.blocksToUse.length;
    const x = new Float64Array(this.numVariables).fill(-1);
    let depth = 0;
    for (const block of architecture) {
      if (isFlatten(block)) continue;
      const index = this.blockIndex.get(block);
      if (index === undefined || depth >= this.spec.minimumDepth) {
        return undefined;
      }
      x[depth * numBlocks + index] = 1;
      depth++;
    }
    return x;
  }

  /** Products of up to `degree` variables, in a fixed order. */
  private monomials(): number[][] {
    this.indexSets ??=
        interactionIndexSets(this.numVariables, this.options.degree);
    return this.indexSets;
  }

  /** The parity features of an assignment. */
  expand(x: ArrayLike<number>): Float64Array {
    const sets = this.monomials();
    const out = new Float64Array(sets.length);
    sets.forEach((variables, m) => {
      let product = 1;
      for (const v of variables) product *= x[v];
      out[m] = product;
    });
    return out;
  }

  /**
   * Fits the losses of the trials as a polynomial and keeps its `nMono`
   * largest monomials.
   */
  fit(assignments: Float64Array[], losses: number[]): SparsePolynomial {
    const features = assignments.map((x) => this.expand(x));
    const fitted = lasso(features, losses, this.options.alpha);
    const sets = this.monomials();
    // Porting note: the original compares signed coefficients with the
    // nMono-th largest magnitude, which keeps every positive coefficient
    // when that one is negative; here exactly the nMono largest are kept.
    const kept = largestMagnitudes(fitted.coef, this.options.nMono);
    return {
      intercept: fitted.intercept,
      terms: kept.map((m) => ({variables: sets[m], coef: fitted.coef[m]})),
    };
  }

  suggest(completed: Trial[], rng: Random, context: SearchContext):
      Suggestion {
    const assignments: Float64Array[] = [];
    const losses: number[] = [];
    for (const trial of rankedByObjective(completed, context)) {
      const x = this.encode(trial.architecture);
      if (x === undefined) continue;
      assignments.push(x);
      losses.push(lossOf(trial, context));
    }
    if (losses.length < this.options.minForRegression) {
      return {architecture: initialArchitecture(this.spec, context, rng)};
    }
    const polynomial = this.fit(assignments, losses);
    return {architecture: this.bestOfRandom(polynomial, rng)};
  }

  /** The random fixed-depth architecture with the lowest predicted loss. */
  bestOfRandom(polynomial: SparsePolynomial, rng: Random): string[] {
    const fixOrder = orderFixer(this.spec);
    let best: string[] = [];
    let bestLoss = Infinity;
    for (let s = 0; s < this.options.numRandomSamples; s++) {
      const architecture = fixOrder(Array.from(
          {length: this.spec.minimumDepth},
          () => rng.choice(this.spec.blocksToUse)));
      const loss =
          evaluatePolynomial(polynomial, this.encode(architecture)!);
      if (loss < bestLoss) {
        best = architecture;
        bestLoss = loss;
      }
    }
    return best;
  }
}
