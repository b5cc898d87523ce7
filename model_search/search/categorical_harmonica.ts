/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * HARMONICA_SEARCH: Harmonica (https://arxiv.org/abs/1706.00764) over
 * fixed-depth architectures with one categorical variable per position.
 * The loss is fitted by the Lasso as a sparse combination of Fourier
 * characters of the block choices (products over up to `degree` positions
 * of one character per position); the positions of the largest terms are
 * the relevant ones. Candidates are every assignment of the relevant
 * positions when there are fewer than `numRandomSamples` of them, plus
 * `numRandomSamples` random architectures; the one with the lowest
 * predicted loss is proposed.
 *
 * Porting note: the original fits the real and imaginary parts of the
 * complex characters exp(2 pi i t k / K) as separate rows (target 0 for the
 * imaginary rows) and ranks candidates by the squared magnitude of the
 * prediction without intercept, which favours losses near the intercept.
 * Here the characters are used in their real form (cosines and sines of
 * the same frequencies, K - 1 per position: an orthogonal basis with the
 * constant) and candidates are ranked by the predicted loss itself. The
 * original repeats the (deterministic) fit `num_of_restarts` times; it is
 * fitted once here. Positions that are not relevant take the blocks of the
 * best trial in the enumeration, where the original used the first block.
 */

import type {Trial} from '../metadata/trial';
import type {Random} from '../random';
import {initialArchitecture, isFlatten, lossOf, orderFixer, rankedByObjective} from './common';
import {evaluatePolynomial, HarmonicaOptions, harmonicaOptions, largestMagnitudes, SparsePolynomial} from './harmonica';
import {interactionIndexSets, lasso} from './linalg';
import type {SearchAlgorithm, SearchContext, Suggestion} from './search_algorithm';
import {SearchSpec, validateSearchSpec} from './search_spec';

/** The original's constructor defaults of the categorical variant. */
export const CATEGORICAL_HARMONICA_DEFAULTS: Readonly<HarmonicaOptions> = {
  alpha: 0.05,
  degree: 2,
  nMono: 10,
  minForRegression: 3,
  numRandomSamples: 10000,
};

/**
 * The K - 1 non-constant real characters of Z_K at category k: cos(2 pi t
 * k / K) for t = 1..floor(K/2), then sin(2 pi t k / K) for t < K/2.
 */
export function realCharacters(k: number, numCategories: number): number[] {
  const out: number[] = [];
  const angle = 2 * Math.PI * k / numCategories;
  for (let t = 1; t <= Math.floor(numCategories / 2); t++) {
    out.push(Math.cos(t * angle));
  }
  for (let t = 1; t < numCategories / 2; t++) out.push(Math.sin(t * angle));
  return out;
}

/** One term of the basis: the characters it multiplies, by variable. */
declare interface Monomial {
  /** Indices into the encoded vector (position * (K - 1) + character). */
  variables: number[];
  /** The positions involved. */
  positions: number[];
}

export class CategoricalHarmonica implements SearchAlgorithm {
  readonly options: HarmonicaOptions;
  private readonly blockIndex: Map<string, number>;
  private readonly characterTable: number[][];
  private basis?: Monomial[];

  constructor(private readonly spec: SearchSpec) {
    validateSearchSpec(spec);
    this.options = harmonicaOptions(spec, CATEGORICAL_HARMONICA_DEFAULTS);
    const numBlocks = spec.blocksToUse.length;
    this.blockIndex = new Map(spec.blocksToUse.map((b, i) => [b, i]));
    this.characterTable = spec.blocksToUse.map(
        (_, k) => realCharacters(k, numBlocks));
  }

  private get perPosition(): number {
    return this.spec.blocksToUse.length - 1;
  }

  /**
   * The block indices of an architecture (flatten blocks aside), or
   * undefined unless it has exactly minimum_depth blocks of blocks_to_use.
   */
  choices(architecture: readonly string[]): number[]|undefined {
    const out: number[] = [];
    for (const block of architecture) {
      if (isFlatten(block)) continue;
      const index = this.blockIndex.get(block);
      if (index === undefined) return undefined;
      out.push(index);
    }
    return out.length === this.spec.minimumDepth ? out : undefined;
  }

  /** The characters of every position, concatenated. */
  encode(choices: readonly number[]): Float64Array {
    const x = new Float64Array(choices.length * this.perPosition);
    choices.forEach((k, position) => {
      x.set(this.characterTable[k], position * this.perPosition);
    });
    return x;
  }

  /** Products of one character for each of 1..degree distinct positions. */
  private monomials(): Monomial[] {
    if (this.basis !== undefined) return this.basis;
    const basis: Monomial[] = [];
    const width = this.perPosition;
    const subsets =
        interactionIndexSets(this.spec.minimumDepth, this.options.degree);
    for (const positions of subsets) {
      const pick = new Array<number>(positions.length).fill(0);
      for (;;) {
        basis.push({
          positions,
          variables: positions.map((p, i) => p * width + pick[i]),
        });
        let i = positions.length - 1;
        while (i >= 0 && pick[i] === width - 1) pick[i--] = 0;
        if (i < 0) break;
        pick[i]++;
      }
    }
    this.basis = basis;
    return basis;
  }

  private expand(x: ArrayLike<number>): Float64Array {
    const basis = this.monomials();
    const out = new Float64Array(basis.length);
    basis.forEach((monomial, m) => {
      let product = 1;
      for (const v of monomial.variables) product *= x[v];
      out[m] = product;
    });
    return out;
  }

  /**
   * Fits the losses; returns the fitted polynomial (every non-zero term)
   * and the positions of its `nMono` largest terms.
   */
  fit(choices: number[][], losses: number[]):
      {polynomial: SparsePolynomial, relevantPositions: number[]} {
    if (this.perPosition === 0) {
      // A single block: nothing to learn.
      return {
        polynomial: {intercept: 0, terms: []},
        relevantPositions: [],
      };
    }
    const features = choices.map((c) => this.expand(this.encode(c)));
    const fitted = lasso(features, losses, this.options.alpha);
    const basis = this.monomials();
    const terms: SparsePolynomial['terms'] = [];
    fitted.coef.forEach((coef, m) => {
      if (coef !== 0) terms.push({variables: basis[m].variables, coef});
    });
    const relevant = new Set<number>();
    for (const m of largestMagnitudes(fitted.coef, this.options.nMono)) {
      for (const p of basis[m].positions) relevant.add(p);
    }
    return {
      polynomial: {intercept: fitted.intercept, terms},
      relevantPositions: [...relevant].sort((a, b) => a - b),
    };
  }

  suggest(completed: Trial[], rng: Random, context: SearchContext):
      Suggestion {
    const data: number[][] = [];
    const losses: number[] = [];
    for (const trial of rankedByObjective(completed, context)) {
      const choices = this.choices(trial.architecture);
      if (choices === undefined) continue;
      data.push(choices);
      losses.push(lossOf(trial, context));
    }
    if (losses.length < this.options.minForRegression) {
      return {architecture: initialArchitecture(this.spec, context, rng)};
    }
    const {polynomial, relevantPositions} = this.fit(data, losses);
    // data[0] is the best trial: rankedByObjective orders best first.
    const candidates = this.candidates(relevantPositions, data[0], rng);
    const fixOrder = orderFixer(this.spec);
    let best: string[] = [];
    let bestLoss = Infinity;
    for (const candidate of candidates) {
      const architecture =
          fixOrder(candidate.map((k) => this.spec.blocksToUse[k]));
      const choices = this.choices(architecture) ?? candidate;
      const loss = evaluatePolynomial(polynomial, this.encode(choices));
      if (loss < bestLoss) {
        best = architecture;
        bestLoss = loss;
      }
    }
    return {architecture: best};
  }

  /** Block-index vectors to score. */
  private candidates(relevant: number[], base: number[], rng: Random):
      number[][] {
    const numBlocks = this.spec.blocksToUse.length;
    const samples = this.options.numRandomSamples;
    const out: number[][] = [];
    if (relevant.length > 0 && numBlocks ** relevant.length < samples) {
      const pick = new Array<number>(relevant.length).fill(0);
      for (;;) {
        const candidate = [...base];
        relevant.forEach((p, i) => candidate[p] = pick[i]);
        out.push(candidate);
        let i = relevant.length - 1;
        while (i >= 0 && pick[i] === numBlocks - 1) pick[i--] = 0;
        if (i < 0) break;
        pick[i]++;
      }
    }
    for (let s = 0; s < samples; s++) {
      const depth = this.spec.minimumDepth;
      out.push(Array.from({length: depth}, () => rng.int(numBlocks)));
    }
    return out;
  }
}
