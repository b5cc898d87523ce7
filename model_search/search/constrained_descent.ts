/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT: coordinate descent over the
 * cells of an architecture, with a reduction block after every cell.
 */

import {ValueError} from '../errors';
import type {Trial} from '../metadata/trial';
import type {Random} from '../random';
import {chance, getAllowedDepth, isFlatten, mutateReplace, orderFixer, randomArchitecture, randomBlock, rankedByObjective} from './common';
import type {SearchAlgorithm, SearchContext, Suggestion} from './search_algorithm';
import {SearchSpec, validateSearchSpec} from './search_spec';

/**
 * Whether a block reduces the spatial size, by its name, as the original
 * tells them (the spec's reduction_block_type is one too, whatever its
 * name).
 */
export function isReductionBlock(block: string): boolean {
  return block.includes('REDUCTION') || block.includes('DOWNSAMPLE') ||
      block.includes('POOL');
}

/**
 * Searches the blocks of the cells only and places `reduction_block_type`
 * after every `num_blocks_in_cell` blocks. With `replicate_cell`, only the
 * first cell is searched (always by mutation) and repeated as often as
 * `maximum_depth` allows; otherwise the cells grow as in coordinate
 * descent, within the allowed depth minus the room the reductions take.
 *
 * Porting note: the original rejects a reduction block when it happens to
 * draw one as the new block; here blocks_to_use is checked up front. Flatten
 * blocks are also taken out before counting cells (the order fixer puts
 * one back), so that they never count as a cell's block.
 */
export class ConstrainedDescent implements SearchAlgorithm {
  constructor(private readonly spec: SearchSpec) {
    validateSearchSpec(spec);
    const reductions = spec.blocksToUse.filter(
        (block) => isReductionBlock(block) || block === spec.reductionBlockType);
    if (reductions.length > 0) {
      throw new ValueError(
          `CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT places reduction blocks ` +
          `itself, but phoenix_spec.blocks_to_use lists ${
              reductions.join(', ')}; remove them (set ` +
          `reduction_block_type to choose the reduction)`);
    }
    if (!Number.isInteger(spec.numBlocksInCell) || spec.numBlocksInCell < 1) {
      throw new ValueError(
          `phoenix_spec.num_blocks_in_cell is ${spec.numBlocksInCell}; ` +
          'use an integer >= 1');
    }
  }

  /** The depth allowed for the cells, leaving room for the reductions. */
  allowedCellDepth(numCompleted: number): number {
    const spec = this.spec;
    const total = spec.replicateCell ?
        spec.maximumDepth :
        getAllowedDepth(
            numCompleted, spec.increaseComplexityMinimumTrials,
            spec.maximumDepth);
    return total - Math.floor(total / spec.numBlocksInCell);
  }

  suggest(completed: Trial[], rng: Random, context: SearchContext):
      Suggestion {
    const spec = this.spec;
    const newBlock = randomBlock(spec.blocksToUse, rng);
    const ranked = rankedByObjective(completed, context);
    const beam = ranked.slice(0, spec.beamSize);

    let start: string[];
    let parentTrialId: number|undefined;
    if (beam.length === 0) {
      start = randomArchitecture(spec.blocksToUse, spec.minimumDepth, rng);
    } else {
      const parent = rng.choice(beam);
      start = parent.architecture;
      parentTrialId = parent.id;
    }

    // The reductions this search placed (reduction_block_type, whatever
    // its name), and any the original would take for one.
    const searched = start.filter(
        (block) => !isFlatten(block) && !isReductionBlock(block) &&
            block !== spec.reductionBlockType);
    let cells: string[];
    let grow: boolean;
    if (spec.replicateCell) {
      cells = searched.slice(0, spec.numBlocksInCell);
      grow = false;
    } else {
      cells = searched;
      grow = chance(spec.increaseComplexityProbability, rng);
    }

    const allowedDepth = this.allowedCellDepth(ranked.length);
    if (cells.length < allowedDepth && grow) {
      cells = [...cells, newBlock];
    } else {
      cells = mutateReplace(cells, newBlock, rng);
    }

    if (spec.replicateCell) {
      // Porting note: at least one copy, where the original could return an
      // empty architecture when maximum_depth < num_blocks_in_cell.
      const copies =
          Math.max(1, Math.floor(allowedDepth / spec.numBlocksInCell));
      const cell = cells;
      cells = [];
      for (let i = 0; i < copies; i++) cells.push(...cell);
    }

    const architecture: string[] = [];
    cells.forEach((block, i) => {
      architecture.push(block);
      if ((i + 1) % spec.numBlocksInCell === 0) {
        architecture.push(spec.reductionBlockType);
      }
    });
    return {architecture: orderFixer(spec)(architecture), parentTrialId};
  }
}
