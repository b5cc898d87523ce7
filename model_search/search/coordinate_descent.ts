/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** ADAPTIVE_COORDINATE_DESCENT: grow or mutate one of the best trials. */

import type {Trial} from '../metadata/trial';
import type {Random} from '../random';
import {chance, getAllowedDepth, increaseDepth, mutateReplace, orderFixer, randomArchitecture, randomBlock, rankedByObjective} from './common';
import type {SearchAlgorithm, SearchContext, Suggestion} from './search_algorithm';
import {SearchSpec, validateSearchSpec} from './search_spec';

/**
 * Each trial starts from one of the `beam_size` best completed trials,
 * chosen uniformly. If that architecture is shorter than the depth the
 * number of completed trials allows (see `getAllowedDepth`), it grows by
 * one random block with probability `increase_complexity_probability`;
 * otherwise one of its blocks is replaced by a random block. Before any
 * trial completed, the architecture is `minimum_depth` random blocks.
 */
export class CoordinateDescent implements SearchAlgorithm {
  constructor(private readonly spec: SearchSpec) {
    validateSearchSpec(spec);
  }

  suggest(completed: Trial[], rng: Random, context: SearchContext):
      Suggestion {
    const spec = this.spec;
    const ranked = rankedByObjective(completed, context);
    const beam = ranked.slice(0, spec.beamSize);
    if (beam.length === 0) {
      // Random rather than fixed, so that runs differ from the start.
      return {
        architecture: orderFixer(spec)(randomArchitecture(
            spec.blocksToUse, spec.minimumDepth, rng)),
      };
    }

    const parent = rng.choice(beam);
    const allowedDepth = getAllowedDepth(
        ranked.length, spec.increaseComplexityMinimumTrials,
        spec.maximumDepth);
    const explore = chance(spec.increaseComplexityProbability, rng);
    const newBlock = randomBlock(spec.blocksToUse, rng);

    if (parent.architecture.length < allowedDepth && explore) {
      return {
        architecture: increaseDepth(parent.architecture, newBlock, spec),
        parentTrialId: parent.id,
      };
    }
    const mutated = mutateReplace(parent.architecture, newBlock, rng);
    return {architecture: orderFixer(spec)(mutated), parentTrialId: parent.id};
  }
}
