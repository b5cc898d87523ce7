/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Pieces the search algorithms share, as the original's common.py. */

import {ValueError} from '../errors';
import {rankTrials} from '../metadata/trial';
import type {HparamValue, Trial} from '../metadata/trial';
import type {Random} from '../random';
import type {SearchContext} from './search_algorithm';
import type {SearchSpec} from './search_spec';

/**
 * Blocks that join the plate part of a CNN to its flat part. They are
 * placed by the order fixer, never searched, mutated or encoded.
 */
export const FLATTEN_TYPES: readonly string[] =
    ['FLATTEN', 'DOWNSAMPLE_FLATTEN', 'PLATE_REDUCTION_FLATTEN'];

/** The block that stands for "no block" (padding in the linear model). */
export const EMPTY_BLOCK = 'EMPTY_BLOCK';

export function isFlatten(block: string): boolean {
  return FLATTEN_TYPES.includes(block);
}

/** The architecture without its flatten blocks. */
export function withoutFlatten(architecture: readonly string[]): string[] {
  return architecture.filter((block) => !isFlatten(block));
}

/**
 * True with probability `probability`: the explore/exploit coin.
 * @throws ValueError when the probability is outside [0, 1].
 */
export function chance(
    probability: number, rng: Random,
    field = 'increase_complexity_probability'): boolean {
  // The slack guards against float noise in values such as 1.0000001.
  if (!(probability >= 0 && probability <= 1.00001)) {
    throw new ValueError(
        `phoenix_spec.${field} is ${probability}; use a value in [0, 1]`);
  }
  return rng.uniform() < probability;
}

/** The default depth thresholds: 5 more trials for each depth. */
function defaultDepthThresholds(maximumDepth: number): number[] {
  return Array.from({length: maximumDepth}, (_, depth) => 5 * depth);
}

/**
 * The depth an architecture may grow to after `numCompleted` trials: the
 * index of the first threshold above `numCompleted`, or `maximumDepth` once
 * the last threshold is reached. With the default thresholds
 * [0, 5, 10, ...] that is depth 1 until 5 trials completed, 2 until 10...
 */
export function getAllowedDepth(
    numCompleted: number, thresholds: readonly number[],
    maximumDepth: number): number {
  const steps =
      thresholds.length > 0 ? thresholds : defaultDepthThresholds(maximumDepth);
  if (steps.length > maximumDepth) {
    throw new ValueError(
        `phoenix_spec.increase_complexity_minimum_trials has ${
            steps.length} thresholds, more than maximum_depth (${
            maximumDepth}); drop thresholds or raise maximum_depth`);
  }
  if (numCompleted >= steps[steps.length - 1]) return maximumDepth;
  const depth = steps.findIndex((threshold) => threshold > numCompleted);
  return depth;
}

/** A block of `blocks` chosen uniformly. */
export function randomBlock(blocks: readonly string[], rng: Random): string {
  return rng.choice(blocks);
}

/** `depth` blocks chosen uniformly and independently. */
export function randomArchitecture(
    blocks: readonly string[], depth: number, rng: Random): string[] {
  return Array.from({length: depth}, () => randomBlock(blocks, rng));
}

/** The order fixer of the spec (identity when none is needed). */
export function orderFixer(spec: SearchSpec):
    (architecture: string[]) => string[] {
  return spec.fixOrder ?? ((architecture) => [...architecture]);
}

/**
 * A copy of `architecture` with one uniformly chosen block, never a
 * flatten block, replaced by `newBlock`. An architecture of flatten blocks
 * only gets `newBlock` added instead.
 */
export function mutateReplace(
    architecture: readonly string[], newBlock: string, rng: Random): string[] {
  const candidates: number[] = [];
  architecture.forEach((block, index) => {
    if (!isFlatten(block)) candidates.push(index);
  });
  if (candidates.length === 0) return [newBlock, ...architecture];
  const output = [...architecture];
  output[rng.choice(candidates)] = newBlock;
  return output;
}

/**
 * `architecture` one block deeper: for CNN problems a plate block goes
 * right before the flatten block and a flat block at the end (what the
 * order fixer does with an appended block); otherwise it is appended.
 * EMPTY_BLOCK adds nothing.
 */
export function increaseDepth(
    architecture: readonly string[], newBlock: string,
    spec: SearchSpec): string[] {
  if (newBlock === EMPTY_BLOCK) return [...architecture];
  return orderFixer(spec)([...architecture, newBlock]);
}

/** The completed trials that carry the objective, best first. */
export function rankedByObjective(
    completed: readonly Trial[], context: SearchContext): Trial[] {
  return rankTrials([...completed], context).filter((trial) => {
    const value = trial.metrics?.[context.metric];
    return typeof value === 'number' && Number.isFinite(value);
  });
}

/**
 * A trial's objective as a loss (lower is better): the metric itself when
 * minimized, its negation when maximized.
 */
export function lossOf(trial: Trial, context: SearchContext): number {
  const value = trial.metrics![context.metric];
  return context.goal === 'maximize' ? -value : value;
}

/**
 * The `initial_architecture_<i>` hparams of the context in order, or
 * undefined when the context has none.
 */
export function architectureFromHparams(
    hparams: Record<string, HparamValue>|undefined): string[]|undefined {
  if (hparams === undefined) return undefined;
  const architecture: string[] = [];
  for (let i = 0; `initial_architecture_${i}` in hparams; i++) {
    architecture.push(String(hparams[`initial_architecture_${i}`]));
  }
  return architecture.length > 0 ? architecture : undefined;
}

/**
 * The architecture to use while a model-based search lacks data: the
 * tuner's `initial_architecture_<i>` hparams when the context has them
 * (as the original), else minimum_depth random blocks. Order fixed.
 */
export function initialArchitecture(
    spec: SearchSpec, context: SearchContext, rng: Random): string[] {
  const fromHparams = architectureFromHparams(context.hparams);
  const architecture = fromHparams ??
      randomArchitecture(spec.blocksToUse, spec.minimumDepth, rng);
  return orderFixer(spec)(architecture);
}

/**
 * The block a model-based search adds or swaps in: the tuner's
 * `new_block_type` hparam when present, else a random block.
 */
export function newBlockType(
    spec: SearchSpec, context: SearchContext, rng: Random): string {
  const value = context.hparams?.['new_block_type'];
  return typeof value === 'string' ? value :
                                     randomBlock(spec.blocksToUse, rng);
}

/** Whether two architectures hold the same blocks in the same order. */
export function sameArchitecture(
    a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((block, i) => block === b[i]);
}
