/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Identity: the architecture the tuner already chose, as it is. */

import {ValueError} from '../errors';
import type {Trial} from '../metadata/trial';
import type {Random} from '../random';
import {architectureFromHparams, orderFixer} from './common';
import type {SearchAlgorithm, SearchContext, Suggestion} from './search_algorithm';
import {SearchSpec, validateSearchSpec} from './search_spec';

/**
 * Passes on the `initial_architecture_0`, `initial_architecture_1`, ...
 * hyperparameters of the trial (order fixed), so that a hyperparameter
 * tuner searches the architecture too. Needs hparams that include the
 * architecture choices (buildHparamSpace with architectureHparams).
 */
export class Identity implements SearchAlgorithm {
  constructor(private readonly spec: SearchSpec) {
    validateSearchSpec(spec);
  }

  suggest(_completed: Trial[], _rng: Random, context: SearchContext):
      Suggestion {
    const architecture = architectureFromHparams(context.hparams);
    if (architecture === undefined) {
      throw new ValueError(
          `trial ${context.trialId}: the Identity search needs the ` +
          'hparams initial_architecture_0, initial_architecture_1, ...; ' +
          'sample them first (hparam space with architecture hparams)');
    }
    return {architecture: orderFixer(this.spec)(architecture)};
  }
}
