/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * use_parameter_scaled_training: deeper architectures train longer. The
 * original keeps the step budget `trainSteps` but advances the global step
 * by more than one per optimizer step for small towers; these helpers give
 * that increment and the number of optimizer steps it amounts to.
 */

import {ValueError} from '../errors';

/**
 * How far the global step advances per optimizer step: trainSteps over
 * (architectureSize * max(trainSteps / maximumDepth, 1)), at least 1, in
 * integer arithmetic as the original. 1 when the size is 0.
 */
export function globalStepIncrement(
    trainSteps: number, architectureSize: number,
    maximumDepth: number): number {
  for (const [name, value] of [
           ['train steps', trainSteps], ['architecture size', architectureSize],
           ['maximum_depth', maximumDepth]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new ValueError(`${name} is ${value}; use an integer >= 0`);
    }
  }
  if (architectureSize === 0 || maximumDepth === 0) return 1;
  const stepsPerBlock = Math.max(Math.floor(trainSteps / maximumDepth), 1);
  const towerSteps = architectureSize * stepsPerBlock;
  return Math.max(Math.floor(trainSteps / towerSteps), 1);
}

/**
 * The optimizer steps a trial runs: all `trainSteps` unless `enabled`,
 * else the steps needed for the global step to reach `trainSteps` (about
 * trainSteps * architectureSize / maximumDepth).
 */
export function scaledTrainSteps(
    trainSteps: number, architectureSize: number, maximumDepth: number,
    enabled: boolean): number {
  if (!enabled) return trainSteps;
  const increment =
      globalStepIncrement(trainSteps, architectureSize, maximumDepth);
  return Math.ceil(trainSteps / increment);
}
