/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** The Block interface and `registerBlock`, as block.py defines them. */

import {tf} from '../backend/tf';
import {globalRegistry, makeRegisterDecorator} from '../registry';

/** The problem types a block can serve (PhoenixSpec.ProblemType names). */
export type ProblemTypeName =
    'CNN'|'DNN'|'RNN_ALL_ACTIVATIONS'|'RNN_LAST_ACTIVATIONS';

/** Every problem type, in PhoenixSpec.ProblemType order. */
export const PROBLEM_TYPES: readonly ProblemTypeName[] =
    ['CNN', 'DNN', 'RNN_ALL_ACTIVATIONS', 'RNN_LAST_ACTIVATIONS'];

/** The sequence problem types, whose inputs are [batch, time, features]. */
export const RNN_PROBLEM_TYPES: readonly ProblemTypeName[] =
    ['RNN_ALL_ACTIVATIONS', 'RNN_LAST_ACTIVATIONS'];

/** What a block receives besides its input tensors. */
export declare interface BlockBuildArgs {
  /** True while building the training graph (dropout, batch norm). */
  isTraining: boolean;
  /**
   * Sequence lengths for RNN problems, when the data has them: int32
   * [batch, 1] (a model input of shape [1]) or [batch].
   */
  lengths?: tf.SymbolicTensor;
  /** The trial's hyperparameters. */
  hparams?: Record<string, number|string|boolean>;
  /**
   * A unique prefix for the names of the layers this block creates,
   * e.g. 'tower_0/block_2'. Layer names must be unique in a model.
   */
  namePrefix: string;
}

/**
 * A building block of a tower. `build` receives every earlier output of the
 * tower (the first being the input layer), appends its own output(s) and
 * returns the whole list: the last entry feeds the next block.
 */
export declare interface Block {
  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs): tf.SymbolicTensor[];
  /**
   * Whether the order of the entries of the input matters (pixels of an
   * image, steps of a sequence) rather than being a set of features.
   */
  readonly isInputOrderImportant: boolean;
  /** Hyperparameters this block tunes, when it is tunable. */
  requiresHparams?(): HparamRange[];
}

/**
 * The static side of a block class: its constructor, called with the
 * registered init args, and the problem types it can serve.
 */
export declare interface BlockClass {
  new(args: Record<string, unknown>): Block;
  /**
   * Problem types in whose towers the block builds: CNN towers see
   * [batch, h, w, c] images (then [batch, n] after a flatten), DNN towers
   * [batch, n], RNN towers [batch, time, features]. block.py has no such
   * field; the lists follow the input ranks each block accepts there.
   */
  readonly supportedProblemTypes: readonly ProblemTypeName[];
}

/** A tunable hyperparameter that a block asks for. */
export declare interface HparamRange {
  name: string;
  values?: Array<number|string|boolean>;
  min?: number;
  max?: number;
  scale?: 'linear'|'log';
  /** Only whole numbers in [min, max] (keras_tuner's `Int`). */
  integer?: boolean;
}

/** All registered blocks, keyed by their UPPER_SNAKE lookup name. */
export const BLOCKS = globalRegistry<Block>('blocks', 'block');

/**
 * Registers a block class under a lookup name, init args and enum id.
 * Stack one per variant, as block.py does:
 *
 * ```ts
 * @registerBlock({lookupName: 'MY_DENSE_64', initArgs: {units: 64},
 *                 enumId: 20001})
 * class MyDense implements Block { ... }
 * ```
 */
// NEXT ID: 153
// NEXT EXPERIMENTAL ID: 10018 (experimental ids start at 10001)
// Ids from 20000 up are left to users' own blocks.
export const registerBlock = makeRegisterDecorator(BLOCKS);
