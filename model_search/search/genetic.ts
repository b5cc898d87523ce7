/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * ADAPTIVE_COORDINATE_DESCENT_GENETIC: coordinate descent with genetic
 * operators (random children, crossover of two beam members, per-block
 * mutation).
 *
 * Porting note: the original's cnn_genetic_config.pbtxt names this search
 * type and the fields mutate_probability, crossover_probability and
 * random_architecture_probability, but its published code has no such
 * algorithm. This is our design from those field descriptions.
 */

import type {Trial} from '../metadata/trial';
import type {Random} from '../random';
import {chance, getAllowedDepth, increaseDepth, isFlatten, mutateReplace, orderFixer, randomArchitecture, randomBlock, rankedByObjective, withoutFlatten} from './common';
import type {SearchAlgorithm, SearchContext, Suggestion} from './search_algorithm';
import {SearchSpec, validateSearchSpec} from './search_spec';

/**
 * One-point crossover aligned at the input: the first `cut` blocks of
 * `first` then the blocks of `second` from position `cut` on, with `cut`
 * uniform in [1, min(length) - 1] (1 when a parent has one block). The
 * child is as deep as `second`. Flatten blocks are left out.
 */
export function crossover(
    first: readonly string[], second: readonly string[],
    rng: Random): string[] {
  const a = withoutFlatten(first);
  const b = withoutFlatten(second);
  const shorter = Math.min(a.length, b.length);
  const cut = shorter >= 2 ? 1 + rng.int(shorter - 1) : 1;
  return [...a.slice(0, cut), ...b.slice(cut)];
}

/**
 * Each trial, in order of precedence:
 * - with probability `random_architecture_probability`, a random
 *   architecture of a depth uniform between minimum_depth and the depth
 *   currently allowed;
 * - else with probability `crossover_probability` (and two beam members
 *   at least), the crossover of two distinct members of the beam;
 * - else the coordinate descent step from a beam member: one block deeper
 *   with probability `increase_complexity_probability` when the depth
 *   allows, one block replaced otherwise.
 * Then every block is replaced by a random one with probability
 * `mutate_probability`. The beam is the `beam_size` best trials, as in
 * coordinate descent; the depth never exceeds maximum_depth.
 */
export class GeneticCoordinateDescent implements SearchAlgorithm {
  constructor(private readonly spec: SearchSpec) {
    validateSearchSpec(spec);
  }

  suggest(completed: Trial[], rng: Random, context: SearchContext):
      Suggestion {
    const spec = this.spec;
    const fixOrder = orderFixer(spec);
    const ranked = rankedByObjective(completed, context);
    const beam = ranked.slice(0, spec.beamSize);
    if (beam.length === 0) {
      return {
        architecture: fixOrder(randomArchitecture(
            spec.blocksToUse, spec.minimumDepth, rng)),
      };
    }
    const allowedDepth = getAllowedDepth(
        ranked.length, spec.increaseComplexityMinimumTrials,
        spec.maximumDepth);

    let child: string[];
    let parentTrialId: number|undefined;
    if (chance(spec.randomArchitectureProbability, rng,
               'random_architecture_probability')) {
      // Room the order fixer takes (a flatten block for CNNs).
      const overhead = fixOrder([]).length;
      const deepest =
          Math.max(spec.minimumDepth, allowedDepth - overhead);
      const depth = spec.minimumDepth +
          rng.int(deepest - spec.minimumDepth + 1);
      child = randomArchitecture(spec.blocksToUse, depth, rng);
    } else if (
        beam.length >= 2 &&
        chance(spec.crossoverProbability, rng, 'crossover_probability')) {
      const i = rng.int(beam.length);
      const j = (i + 1 + rng.int(beam.length - 1)) % beam.length;
      child = crossover(beam[i].architecture, beam[j].architecture, rng);
      parentTrialId = beam[i].id;
    } else {
      const parent = rng.choice(beam);
      parentTrialId = parent.id;
      const explore = chance(spec.increaseComplexityProbability, rng);
      const newBlock = randomBlock(spec.blocksToUse, rng);
      child = parent.architecture.length < allowedDepth && explore ?
          increaseDepth(parent.architecture, newBlock, spec) :
          mutateReplace(parent.architecture, newBlock, rng);
    }

    if (spec.mutateProbability > 0) {
      child = child.map(
          (block) => !isFlatten(block) &&
                  chance(spec.mutateProbability, rng, 'mutate_probability') ?
              randomBlock(spec.blocksToUse, rng) :
              block);
    }
    return {architecture: fixOrder(child), parentTrialId};
  }
}
