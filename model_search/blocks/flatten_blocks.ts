/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The flattening blocks of block.py, which turn an image tower into a
 * vector tower: plain flatten, flatten after strided convolutions down to a
 * 1x1 plate, and the mean over the plate.
 */

import {tf} from '../backend/tf';

import {Block, BlockBuildArgs, ProblemTypeName, registerBlock} from './block';
import {apply, channelDim, expectRank, featureShape, flattenToVector, InitArgs, intArg, lastOf, LayerNamer, pairArg, relu} from './block_utils';
import {glorotNormal} from './initializers';

/** The lookup names of the flattening blocks (block_builder.FLATTEN_TYPES). */
export const FLATTEN_BLOCK_NAMES: readonly string[] =
    ['FLATTEN', 'DOWNSAMPLE_FLATTEN', 'PLATE_REDUCTION_FLATTEN'];

/** Flattens the input to [batch, features]; a vector stays as it is. */
@registerBlock({lookupName: 'FLATTEN', initArgs: {}, enumId: 16})
export class FlattenBlock implements Block {
  static readonly supportedProblemTypes: readonly ProblemTypeName[] =
      ['CNN', 'DNN'];
  readonly isInputOrderImportant = false;

  constructor(_args: InitArgs) {}

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    const namer = new LayerNamer(args.namePrefix);
    return [...inputs, flattenToVector(x, namer, args.namePrefix)];
  }
}

/**
 * Strided convolutions (each doubling the channels, up to maxChannels, then
 * a ReLU) until the plate is smaller than the kernel or the channels exceed
 * 300, then a flatten.
 */
@registerBlock({lookupName: 'DOWNSAMPLE_FLATTEN', initArgs: {}, enumId: 21})
export class DownsampleFlattenBlock implements Block {
  static readonly supportedProblemTypes: readonly ProblemTypeName[] = ['CNN'];
  readonly isInputOrderImportant = false;
  private readonly kernelSize: number;
  private readonly strides: [number, number];
  private readonly maxChannels: number;

  constructor(args: InitArgs) {
    const name = 'DownsampleFlattenBlock';
    this.kernelSize = intArg(args, 'kernelSize', 2, name);
    this.strides = pairArg(args, 'strides', 2, name);
    this.maxChannels = intArg(args, 'maxChannels', 1000, name);
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    let net = lastOf(inputs, block);
    const namer = new LayerNamer(block);
    for (;;) {
      const channels = channelDim(net, block);
      const [height, width] = featureShape(net, block);
      if (Math.min(height, width) < this.kernelSize || channels > 300) break;
      net = apply(
          tf.layers.conv2d({
            filters: Math.min(channels * 2, this.maxChannels),
            kernelSize: this.kernelSize,
            strides: this.strides,
            padding: 'same',
            kernelInitializer: glorotNormal(),
            name: namer.name('conv2d'),
          }),
          net);
      net = relu(net, namer);
    }
    return [...inputs, flattenToVector(net, namer, block)];
  }
}

/**
 * The mean over the plate: [batch, h, w, c] to [batch, c]. A vector input
 * passes through unchanged.
 */
@registerBlock({
  lookupName: 'PLATE_REDUCTION_FLATTEN',
  initArgs: {},
  enumId: 34,
})
export class PlateReductionFlatten implements Block {
  static readonly supportedProblemTypes: readonly ProblemTypeName[] =
      ['CNN', 'DNN'];
  readonly isInputOrderImportant = false;

  constructor(_args: InitArgs) {}

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    if (x.rank === 2) return inputs;
    expectRank(x, [4], args.namePrefix, 'an image [batch, h, w, c] or ' +
        'a vector [batch, n]');
    const namer = new LayerNamer(args.namePrefix);
    const mean = apply(
        tf.layers.globalAveragePooling2d({name: namer.name('plate_mean')}), x);
    return [...inputs, mean];
  }
}
