/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** PhoenixSpec.user_suggestions: architectures trained before searching. */

import {ValueError} from '../errors';
import type {Trial} from '../metadata/trial';
import type {Random} from '../random';
import {orderFixer, withoutFlatten} from './common';
import type {SearchAlgorithm, SearchContext, Suggestion} from './search_algorithm';
import type {SearchSpec} from './search_spec';

/** Searches whose towers all have minimum_depth blocks. */
const FIXED_DEPTH_SEARCHES = ['HARMONICA_SEARCH', 'NONADAPTIVE_RANDOM_SEARCH'];

/**
 * Trial i (1-based) for i <= the number of suggestions trains
 * user_suggestions[i - 1] (order fixed); later trials go to `search`,
 * which sees the suggestions' results as ordinary completed trials.
 */
export class WithUserSuggestions implements SearchAlgorithm {
  private readonly suggestions: string[][];

  constructor(
      private readonly spec: SearchSpec,
      private readonly search: SearchAlgorithm) {
    // Blocks outside blocks_to_use are allowed (the cifar config suggests
    // CIFAR_NASA_REDUCTION); the tower builder checks that they exist.
    this.suggestions = spec.userSuggestions.map((suggestion, i) => {
      if (suggestion.architecture.length === 0) {
        throw new ValueError(
            `phoenix_spec.user_suggestions[${i}] has no architecture; ` +
            'list its blocks or remove it');
      }
      if (suggestion.architecture.some((block) => block.trim() === '')) {
        throw new ValueError(
            `phoenix_spec.user_suggestions[${i}] has an empty block name`);
      }
      const depth = withoutFlatten(suggestion.architecture).length;
      if (FIXED_DEPTH_SEARCHES.includes(spec.searchType) &&
          depth !== spec.minimumDepth) {
        // Their search space is towers of exactly that depth: Harmonica
        // would leave a deeper one out of its fit, and both would train a
        // tower unlike any other of the study.
        throw new ValueError(
            `phoenix_spec.user_suggestions[${i}] has ${depth} block${
                depth === 1 ? '' : 's'} (flatten blocks aside), but ${
                spec.searchType} searches towers of exactly minimum_depth ` +
            `(${spec.minimumDepth}) blocks: give it ${
                spec.minimumDepth}, or change minimum_depth`);
      }
      if (depth > spec.maximumDepth) {
        // The descents grow and change the best towers: from a suggestion
        // deeper than maximum_depth, the whole search would stay deeper.
        throw new ValueError(
            `phoenix_spec.user_suggestions[${i}] has ${depth} blocks ` +
            '(flatten blocks aside), above maximum_depth ' +
            `(${spec.maximumDepth}): give it at most ${
                spec.maximumDepth}, or raise maximum_depth`);
      }
      return [...suggestion.architecture];
    });
  }

  suggest(completed: Trial[], rng: Random, context: SearchContext):
      Suggestion {
    const index = context.trialId - 1;
    if (index >= 0 && index < this.suggestions.length) {
      return {
        architecture: orderFixer(this.spec)(this.suggestions[index]),
        userSuggestionIndex: index,
      };
    }
    return this.search.suggest(completed, rng, context);
  }
}
