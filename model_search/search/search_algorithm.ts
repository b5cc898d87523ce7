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
import type {HparamValue, Trial} from '../metadata/trial';

/** What an algorithm proposes for the next trial. */
export declare interface Suggestion {
  /** Block lookup names, input side first. */
  architecture: string[];
  /** The completed trial this one was derived from, when there is one. */
  parentTrialId?: number;
  /**
   * Set when the architecture is the spec's user_suggestions[i] (0-based),
   * so that the caller can apply that suggestion's hparams overrides.
   */
  userSuggestionIndex?: number;
}

export declare interface SearchContext {
  /** The id the store handed out for the trial being planned. */
  trialId: number;
  /** The objective, to rank completed trials. */
  metric: string;
  goal: 'maximize'|'minimize';
  /**
   * The hyperparameters already chosen for this trial, when the tuner ran
   * first. Identity reads `initial_architecture_<i>` from them; the
   * harmonica and linear model searches fall back on them (and on
   * `new_block_type`) when present, on random draws otherwise.
   */
  hparams?: Record<string, HparamValue>;
}

export declare interface SearchAlgorithm {
  /**
   * @param completed COMPLETED trials of the study (all workers'), any order.
   */
  suggest(completed: Trial[], rng: Random, context: SearchContext): Suggestion;
}
