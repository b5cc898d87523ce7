/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Synthetic trials and a stand-in CNN order fixer for the search tests. */

import type {Trial} from '../metadata/trial';
import {FLATTEN_TYPES} from './common';
import type {SearchContext} from './search_algorithm';

/** The objective the tests use: accuracy, maximized. */
export const CONTEXT: SearchContext = {
  trialId: 1,
  metric: 'accuracy',
  goal: 'maximize',
};

/** The context of trial `trialId`. */
export function contextFor(trialId: number): SearchContext {
  return {...CONTEXT, trialId};
}

/** A COMPLETED trial scoring `accuracy`. */
export function completedTrial(
    id: number, architecture: string[], accuracy: number): Trial {
  return {
    id,
    state: 'COMPLETED',
    architecture: [...architecture],
    hparams: {},
    metrics: {accuracy},
  };
}

/** Plate blocks of the stand-in catalogue: everything but dense blocks. */
export function isPlateBlock(block: string): boolean {
  return !block.includes('FULLY_CONNECTED') && !FLATTEN_TYPES.includes(block);
}

/**
 * The CNN order rule of architecture_utils.fix_architecture_order over
 * the stand-in catalogue: plate blocks, the first flatten block (or
 * PLATE_REDUCTION_FLATTEN), then the dense blocks.
 */
export function fakeCnnOrder(architecture: string[]): string[] {
  const flatten = architecture.find((b) => FLATTEN_TYPES.includes(b)) ??
      'PLATE_REDUCTION_FLATTEN';
  const rest = architecture.filter((b) => !FLATTEN_TYPES.includes(b));
  return [
    ...rest.filter(isPlateBlock),
    flatten,
    ...rest.filter((b) => !isPlateBlock(b)),
  ];
}

/** Whether `after` is `before` with one block changed (or unchanged). */
export function isMutationOrEqual(
    before: readonly string[], after: readonly string[]): boolean {
  if (before.length !== after.length) return false;
  return before.filter((b, i) => b !== after[i]).length <= 1;
}

/** Whether `after` is `before` with one block inserted somewhere. */
export function isOneBlockExtension(
    before: readonly string[], after: readonly string[]): boolean {
  if (after.length !== before.length + 1) return false;
  for (let skip = 0; skip < after.length; skip++) {
    const rest = after.filter((_, i) => i !== skip);
    if (rest.every((b, i) => b === before[i])) return true;
  }
  return false;
}
