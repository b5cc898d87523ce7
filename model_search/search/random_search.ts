/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** NONADAPTIVE_RANDOM_SEARCH: independent uniform architectures. */

import type {Trial} from '../metadata/trial';
import type {Random} from '../random';
import {orderFixer, randomArchitecture} from './common';
import type {SearchAlgorithm, SearchContext, Suggestion} from './search_algorithm';
import {SearchSpec, validateSearchSpec} from './search_spec';

/**
 * Every trial gets `minimum_depth` blocks drawn uniformly and independently
 * from `blocks_to_use`, whatever the earlier trials scored.
 *
 * Porting note: the original maps this search type to Identity, which
 * takes the `initial_architecture_<i>` hyperparameters sampled by the
 * tuner; with a random tuner that is the same distribution. Here the
 * search draws the blocks itself, so that it stays random whichever tuner
 * picks the other hyperparameters (use Identity for the original wiring).
 */
export class RandomSearch implements SearchAlgorithm {
  constructor(private readonly spec: SearchSpec) {
    validateSearchSpec(spec);
  }

  suggest(_completed: Trial[], rng: Random, _context: SearchContext):
      Suggestion {
    const spec = this.spec;
    return {
      architecture: orderFixer(spec)(
          randomArchitecture(spec.blocksToUse, spec.minimumDepth, rng)),
    };
  }
}
