/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Pooling blocks of block.py: average and max pooling with 'same' padding
 * and stride equal to the pool size. A plate narrower than the pool passes
 * through unchanged.
 */

import {tf} from '../backend/tf';

import {Block, BlockBuildArgs, ProblemTypeName, registerBlock} from './block';
import {apply, channelDim, featureShape, InitArgs, intArg, lastOf, LayerNamer} from './block_utils';

const IMAGE_PROBLEMS: readonly ProblemTypeName[] = ['CNN'];

/** Whether the plate is at least `size` wide (block.py checks the width). */
function fits(x: tf.SymbolicTensor, size: number, block: string): boolean {
  channelDim(x, block);
  return featureShape(x, block)[1] >= size;
}

/** Average pooling: reduces the size of the image. */
@registerBlock({
  lookupName: 'AVERAGE_POOL_2X2',
  initArgs: {kernelSize: 2},
  enumId: 8,
})
@registerBlock({
  lookupName: 'AVERAGE_POOL_4X4',
  initArgs: {kernelSize: 4},
  enumId: 9,
})
export class AveragePoolBlock implements Block {
  static readonly supportedProblemTypes = IMAGE_PROBLEMS;
  readonly isInputOrderImportant = true;
  private readonly kernelSize: number;

  constructor(args: InitArgs) {
    this.kernelSize = intArg(args, 'kernelSize', 2, 'AveragePoolBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    if (!fits(x, this.kernelSize, args.namePrefix)) return inputs;
    const namer = new LayerNamer(args.namePrefix);
    const pooled = apply(
        tf.layers.averagePooling2d({
          poolSize: this.kernelSize,
          padding: 'same',
          name: namer.name('avgpool2d'),
        }),
        x);
    return [...inputs, pooled];
  }
}

/** Max pooling. */
@registerBlock({
  lookupName: 'MAX_POOLING_2X2',
  initArgs: {poolSize: 2},
  enumId: 152,
})
@registerBlock({
  lookupName: 'MAX_POOLING_3X3',
  initArgs: {poolSize: 3},
  enumId: 17,
})
@registerBlock({
  lookupName: 'MAX_POOLING_5X5',
  initArgs: {poolSize: 5},
  enumId: 18,
})
export class MaxPoolingBlock implements Block {
  static readonly supportedProblemTypes = IMAGE_PROBLEMS;
  readonly isInputOrderImportant = true;
  private readonly poolSize: number;

  constructor(args: InitArgs) {
    this.poolSize = intArg(args, 'poolSize', 2, 'MaxPoolingBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    if (!fits(x, this.poolSize, args.namePrefix)) return inputs;
    const namer = new LayerNamer(args.namePrefix);
    const pooled = apply(
        tf.layers.maxPooling2d({
          poolSize: this.poolSize,
          padding: 'same',
          name: namer.name('max2d'),
        }),
        x);
    return [...inputs, pooled];
  }
}
