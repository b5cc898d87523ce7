/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * LINEAR_MODEL: fits loss ~ one-hot(block at each layer) by ridge
 * regression and proposes the per-layer best blocks, sometimes one block
 * deeper.
 */

import {ValueError} from '../errors';
import type {Trial} from '../metadata/trial';
import type {Random} from '../random';
import {chance, EMPTY_BLOCK, getAllowedDepth, increaseDepth, initialArchitecture, lossOf, mutateReplace, newBlockType, orderFixer, rankedByObjective, sameArchitecture, withoutFlatten} from './common';
import {ridgeRegression} from './linalg';
import type {SearchAlgorithm, SearchContext, Suggestion} from './search_algorithm';
import {SearchSpec, validateSearchSpec} from './search_spec';

/**
 * The `p`-th percentile of `values` taking the next higher element
 * (numpy's interpolation="higher").
 */
export function percentileHigher(values: readonly number[], p: number):
    number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.ceil((p / 100) * (sorted.length - 1));
  return sorted[Math.min(index, sorted.length - 1)];
}

/**
 * Which trials survive outlier removal: losses below both the 90th
 * percentile and ten times the median. Huge losses mean training diverged.
 *
 * Porting note: the original's losses are positive errors. Metrics here may
 * be negative (a maximized accuracy becomes loss -accuracy), so when a loss
 * is not positive the rule is applied to the gap to the best loss instead.
 * When the rule would drop every trial (all losses equal), all are kept.
 */
export function keepAfterOutlierRemoval(losses: readonly number[]):
    boolean[] {
  const lowest = Math.min(...losses);
  const measured = lowest > 0 ? losses : losses.map((l) => l - lowest);
  const decile = percentileHigher(measured, 90);
  const median = percentileHigher(measured, 50);
  const limit = Math.min(decile, 10 * median);
  const keep = measured.map((l) => l < limit);
  return keep.some((k) => k) ? keep : measured.map(() => true);
}

/** The linear-model search. */
export class LinearModel implements SearchAlgorithm {
  /** EMPTY_BLOCK first, then blocks_to_use without repeats. */
  readonly vocabulary: string[];

  constructor(private readonly spec: SearchSpec) {
    validateSearchSpec(spec);
    this.vocabulary = [...new Set([EMPTY_BLOCK, ...spec.blocksToUse])];
    const alignment = spec.linearModel.networkAlignment;
    if (!['NET_ALIGN_UNSPECIFIED', 'NET_ALIGN_HEAD', 'NET_ALIGN_BASE']
             .includes(alignment)) {
      throw new ValueError(
          `phoenix_spec.linear_model.network_alignment is "${alignment}"; ` +
          'use NET_ALIGN_HEAD or NET_ALIGN_BASE');
    }
    // Checked now, not at the first fit, trials_before_fit trials later.
    const {ridgePenalty, trialsBeforeFit} = spec.linearModel;
    if (!(ridgePenalty > 0 && Number.isFinite(ridgePenalty))) {
      throw new ValueError(
          `phoenix_spec.linear_model.ridge_penalty is ${ridgePenalty}; use ` +
          'a value > 0 (the default 0.001 keeps the fit of few trials stable)');
    }
    if (!(Number.isInteger(trialsBeforeFit) && trialsBeforeFit >= 0)) {
      throw new ValueError(
          `phoenix_spec.linear_model.trials_before_fit is ${
              trialsBeforeFit}; use an integer >= 0 (the trials that search ` +
          'at random before the first fit)');
    }
  }

  /** Pads with EMPTY_BLOCK at the end (HEAD) or at the start (BASE). */
  pad(architecture: readonly string[], depth: number): string[] {
    const empties = new Array<string>(depth - architecture.length)
                        .fill(EMPTY_BLOCK);
    return this.spec.linearModel.networkAlignment === 'NET_ALIGN_BASE' ?
        [...empties, ...architecture] :
        [...architecture, ...empties];
  }

  /**
   * Fits the model on padded architectures and returns, per layer, the
   * block of lowest weight (ties broken at random), EMPTY_BLOCKs dropped.
   */
  predictBest(architectures: string[][], losses: number[], rng: Random):
      string[] {
    if (this.spec.linearModel.removeOutliers && losses.length >= 10) {
      const keep = keepAfterOutlierRemoval(losses);
      architectures = architectures.filter((_, i) => keep[i]);
      losses = losses.filter((_, i) => keep[i]);
    }
    const depth = Math.max(...architectures.map((a) => a.length));
    const width = this.vocabulary.length;
    const column = new Map(this.vocabulary.map((b, i) => [b, i]));
    const rows = architectures.map((architecture) => {
      const row = new Float64Array(depth * width);
      this.pad(architecture, depth).forEach((block, layer) => {
        const index = column.get(block);
        if (index === undefined) {
          throw new ValueError(
              `block "${block}" of a completed trial is not in ` +
              'phoenix_spec.blocks_to_use; add it there for LINEAR_MODEL');
        }
        row[layer * width + index] = 1;
      });
      return row;
    });
    const {coef} =
        ridgeRegression(rows, losses, this.spec.linearModel.ridgePenalty);
    const chosen: string[] = [];
    for (let layer = 0; layer < depth; layer++) {
      const weights = coef.subarray(layer * width, (layer + 1) * width);
      const lowest = Math.min(...weights);
      const ties: number[] = [];
      weights.forEach((w, i) => {
        if (w === lowest) ties.push(i);
      });
      chosen.push(this.vocabulary[rng.choice(ties)]);
    }
    return chosen.filter((block) => block !== EMPTY_BLOCK);
  }

  suggest(completed: Trial[], rng: Random, context: SearchContext):
      Suggestion {
    const spec = this.spec;
    const trials = rankedByObjective(completed, context);
    // The flatten blocks are placed by the order fixer, not searched.
    const architectures = trials.map((t) => withoutFlatten(t.architecture));
    const losses = trials.map((t) => lossOf(t, context));
    if (architectures.length < spec.linearModel.trialsBeforeFit ||
        architectures.length === 0) {
      return {architecture: initialArchitecture(spec, context, rng)};
    }

    const newBlock = newBlockType(spec, context, rng);
    let suggestion = this.predictBest(architectures, losses, rng);
    if (suggestion.length === 0) suggestion = [newBlock];

    const allowedDepth = getAllowedDepth(
        architectures.length, spec.increaseComplexityMinimumTrials,
        spec.maximumDepth);
    const explore = chance(spec.increaseComplexityProbability, rng);
    const ordered = orderFixer(spec)(suggestion);
    // Porting note: the original grows when the (flatten-free) size is <=
    // the allowed depth, which can exceed maximum_depth by one; the size
    // with its flatten block must be below the allowed depth here, as in
    // coordinate descent.
    if (ordered.length < allowedDepth && explore) {
      return {architecture: increaseDepth(ordered, newBlock, spec)};
    }
    if (architectures.some((a) => sameArchitecture(a, suggestion))) {
      // Tried already: change one block.
      suggestion = mutateReplace(suggestion, newBlock, rng);
    }
    return {architecture: orderFixer(spec)(suggestion)};
  }
}
