/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The interface every architecture-search algorithm implements. An
 * algorithm is a pure function of (spec, completed trials, random source):
 * it imports no TensorFlow.js and no store.
 */

import type {Random} from '../random';
import type {Trial} from '../metadata/trial';

/** What an algorithm proposes for the next trial. */
export declare interface Suggestion {
  /** Block lookup names, input side first. */
  architecture: string[];
  /** The completed trial this one was derived from, when there is one. */
  parentTrialId?: number;
}

export declare interface SearchContext {
  /** The id the store handed out for the trial being planned. */
  trialId: number;
  /** The objective, to rank completed trials. */
  metric: string;
  goal: 'maximize'|'minimize';
}

export declare interface SearchAlgorithm {
  /**
   * @param completed COMPLETED trials of the study (all workers'), any order.
   */
  suggest(completed: Trial[], rng: Random, context: SearchContext): Suggestion;
}
