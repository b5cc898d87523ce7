/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Convolutional blocks of block.py: fixed-channel, plain (NxN, 1xN, Nx1),
 * channel-doubling, downsampling, dilated, resnet, dual resnet and the
 * general (inception-like) block. All take NHWC images [batch, h, w, c],
 * use 'same' padding and end in a ReLU.
 */

import {tf} from '../backend/tf';

import {Block, BlockBuildArgs, ProblemTypeName, registerBlock} from './block';
import {addAll, apply, batchNorm, boolArg, channelDim, InitArgs, intArg, lastOf, LayerNamer, pairArg, relu} from './block_utils';
import {DilatedConv2D} from './dilated_conv2d';
import {glorotNormal} from './initializers';

const IMAGE_PROBLEMS: readonly ProblemTypeName[] = ['CNN'];

/** A 'same'-padded Conv2D layer applied to x. */
function conv2d(
    x: tf.SymbolicTensor, namer: LayerNamer, filters: number,
    kernelSize: [number, number],
    strides: [number, number] = [1, 1]): tf.SymbolicTensor {
  return apply(
      tf.layers.conv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        kernelInitializer: glorotNormal(),
        name: namer.name('conv2d'),
      }),
      x);
}

/** Conv, optional batch norm, ReLU: the body of most blocks here. */
function convBnRelu(
    x: tf.SymbolicTensor, namer: LayerNamer, filters: number,
    kernelSize: [number, number], strides: [number, number],
    applyBatchNorm: boolean): tf.SymbolicTensor {
  let net = conv2d(x, namer, filters, kernelSize, strides);
  if (applyBatchNorm) net = batchNorm(net, namer);
  return relu(net, namer);
}

/** The first convolution of a tower: sets the number of channels. */
@registerBlock({
  lookupName: 'FIXED_CHANNEL_CONVOLUTION_16',
  initArgs: {numFilters: 16},
  enumId: 1,
})
@registerBlock({
  lookupName: 'FIXED_CHANNEL_CONVOLUTION_32',
  initArgs: {numFilters: 32},
  enumId: 2,
})
@registerBlock({
  lookupName: 'FIXED_CHANNEL_CONVOLUTION_64',
  initArgs: {numFilters: 64},
  enumId: 3,
})
@registerBlock({
  lookupName: 'FIXED_CHANNEL_CONVOLUTION_120',
  initArgs: {numFilters: 120},
  enumId: 33,
})
@registerBlock({
  lookupName: 'FIXED_CHANNEL_STRIDE_96_2',
  initArgs: {numFilters: 96, applyBatchNorm: false, stride: [2, 2]},
  enumId: 68,
})
@registerBlock({
  lookupName: 'FIXED_CHANNEL_CONVOLUTION_96',
  initArgs: {numFilters: 96, applyBatchNorm: false},
  enumId: 72,
})
export class FixedChannelConvolutionBlock implements Block {
  static readonly supportedProblemTypes = IMAGE_PROBLEMS;
  readonly isInputOrderImportant = true;
  private readonly numFilters: number;
  private readonly kernelSize: [number, number];
  private readonly applyBatchNorm: boolean;
  private readonly stride: [number, number];

  constructor(args: InitArgs) {
    const name = 'FixedChannelConvolutionBlock';
    this.numFilters = intArg(args, 'numFilters', 64, name);
    this.kernelSize = pairArg(args, 'kernelSize', 3, name);
    this.applyBatchNorm = boolArg(args, 'applyBatchNorm', false, name);
    this.stride = pairArg(args, 'stride', 1, name);
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    channelDim(x, args.namePrefix);
    const namer = new LayerNamer(args.namePrefix);
    return [
      ...inputs,
      convBnRelu(
          x, namer, this.numFilters, this.kernelSize, this.stride,
          this.applyBatchNorm),
    ];
  }
}

/** A convolution keeping the number of channels. */
@registerBlock({
  lookupName: 'CONVOLUTION_3X3',
  initArgs: {kernelSize: 3},
  enumId: 4,
})
@registerBlock({
  lookupName: 'CONVOLUTION_4X4',
  initArgs: {kernelSize: 4},
  enumId: 147,
})
@registerBlock({
  lookupName: 'CONVOLUTION_5X5',
  initArgs: {kernelSize: 5},
  enumId: 5,
})
@registerBlock({
  lookupName: 'CONVOLUTION_1X3',
  initArgs: {kernelSize: [1, 3]},
  enumId: 26,
})
@registerBlock({
  lookupName: 'CONVOLUTION_1X5',
  initArgs: {kernelSize: [1, 5]},
  enumId: 27,
})
@registerBlock({
  lookupName: 'CONVOLUTION_1X7',
  initArgs: {kernelSize: [1, 7]},
  enumId: 28,
})
@registerBlock({
  lookupName: 'CONVOLUTION_3X1',
  initArgs: {kernelSize: [3, 1]},
  enumId: 29,
})
@registerBlock({
  lookupName: 'CONVOLUTION_5X1',
  initArgs: {kernelSize: [5, 1]},
  enumId: 30,
})
@registerBlock({
  lookupName: 'CONVOLUTION_7X1',
  initArgs: {kernelSize: [7, 1]},
  enumId: 31,
})
export class ConvolutionBlock implements Block {
  static readonly supportedProblemTypes = IMAGE_PROBLEMS;
  readonly isInputOrderImportant = true;
  private readonly kernelSize: [number, number];
  private readonly applyBatchNorm: boolean;

  constructor(args: InitArgs) {
    this.kernelSize = pairArg(args, 'kernelSize', 3, 'ConvolutionBlock');
    this.applyBatchNorm =
        boolArg(args, 'applyBatchNorm', false, 'ConvolutionBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    const channels = channelDim(x, args.namePrefix);
    const namer = new LayerNamer(args.namePrefix);
    return [
      ...inputs,
      convBnRelu(
          x, namer, channels, this.kernelSize, [1, 1], this.applyBatchNorm),
    ];
  }
}

/** A convolution doubling the number of channels. */
@registerBlock({
  lookupName: 'INCREASE_CHANNELS_3X3',
  initArgs: {kernelSize: 3},
  enumId: 12,
})
@registerBlock({
  lookupName: 'INCREASE_CHANNELS_4X4',
  initArgs: {kernelSize: 4},
  enumId: 150,
})
@registerBlock({
  lookupName: 'INCREASE_CHANNELS_5X5',
  initArgs: {kernelSize: 5},
  enumId: 13,
})
export class IncreaseChannelsBlock implements Block {
  static readonly supportedProblemTypes = IMAGE_PROBLEMS;
  readonly isInputOrderImportant = true;
  private readonly kernelSize: [number, number];
  private readonly applyBatchNorm: boolean;

  constructor(args: InitArgs) {
    this.kernelSize = pairArg(args, 'kernelSize', 3, 'IncreaseChannelsBlock');
    this.applyBatchNorm =
        boolArg(args, 'applyBatchNorm', false, 'IncreaseChannelsBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    const channels = channelDim(x, args.namePrefix);
    const namer = new LayerNamer(args.namePrefix);
    return [
      ...inputs,
      convBnRelu(
          x, namer, channels * 2, this.kernelSize, [1, 1],
          this.applyBatchNorm),
    ];
  }
}

/** A strided convolution: halves the plate, doubles the channels. */
@registerBlock({
  lookupName: 'DOWNSAMPLE_CONVOLUTION_3X3',
  initArgs: {kernelSize: 3},
  enumId: 6,
})
@registerBlock({
  lookupName: 'DOWNSAMPLE_CONVOLUTION_4X4',
  initArgs: {kernelSize: 4},
  enumId: 148,
})
@registerBlock({
  lookupName: 'DOWNSAMPLE_CONVOLUTION_5X5',
  initArgs: {kernelSize: 5},
  enumId: 7,
})
export class DownsampleConvolutionBlock implements Block {
  static readonly supportedProblemTypes = IMAGE_PROBLEMS;
  readonly isInputOrderImportant = true;
  private readonly kernelSize: [number, number];
  private readonly strides: [number, number];
  private readonly applyBatchNorm: boolean;

  constructor(args: InitArgs) {
    const name = 'DownsampleConvolutionBlock';
    this.kernelSize = pairArg(args, 'kernelSize', 3, name);
    this.strides = pairArg(args, 'strides', 2, name);
    this.applyBatchNorm = boolArg(args, 'applyBatchNorm', false, name);
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    const channels = channelDim(x, args.namePrefix);
    const namer = new LayerNamer(args.namePrefix);
    return [
      ...inputs,
      convBnRelu(
          x, namer, channels * 2, this.kernelSize, this.strides,
          this.applyBatchNorm),
    ];
  }
}

/** Two convolutions with a skip connection around them. */
@registerBlock({
  lookupName: 'RESNET_3X3',
  initArgs: {kernelSize: 3},
  enumId: 10,
})
@registerBlock({
  lookupName: 'RESNET_4X4',
  initArgs: {kernelSize: 4},
  enumId: 149,
})
@registerBlock({
  lookupName: 'RESNET_5X5',
  initArgs: {kernelSize: 5},
  enumId: 11,
})
export class ResnetBlock implements Block {
  static readonly supportedProblemTypes = IMAGE_PROBLEMS;
  readonly isInputOrderImportant = true;
  private readonly kernelSize: [number, number];
  private readonly applyBatchNorm: boolean;

  constructor(args: InitArgs) {
    this.kernelSize = pairArg(args, 'kernelSize', 3, 'ResnetBlock');
    this.applyBatchNorm = boolArg(args, 'applyBatchNorm', false, 'ResnetBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    const channels = channelDim(x, args.namePrefix);
    const namer = new LayerNamer(args.namePrefix);
    let net = convBnRelu(
        x, namer, channels, this.kernelSize, [1, 1], this.applyBatchNorm);
    net = conv2d(net, namer, channels, this.kernelSize);
    net = addAll([net, x], namer);
    if (this.applyBatchNorm) net = batchNorm(net, namer);
    return [...inputs, relu(net, namer)];
  }
}

/** Two parallel two-convolution branches, halved and added to the input. */
@registerBlock({lookupName: 'DUAL_RESNET', initArgs: {}, enumId: 35})
export class DualResnetBlock implements Block {
  static readonly supportedProblemTypes = IMAGE_PROBLEMS;
  readonly isInputOrderImportant = true;
  private readonly kernelSize: [number, number];

  constructor(args: InitArgs) {
    this.kernelSize = pairArg(args, 'kernelSize', 3, 'DualResnetBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    const channels = channelDim(x, args.namePrefix);
    const namer = new LayerNamer(args.namePrefix);
    const branch = () => conv2d(
        relu(conv2d(x, namer, channels, this.kernelSize), namer), namer,
        channels, this.kernelSize);
    const first = branch();
    const second = branch();
    // x + first / 2 + second / 2.
    const halves = apply(
        tf.layers.average({name: namer.name('average')}), [first, second]);
    return [...inputs, relu(addAll([x, halves], namer), namer)];
  }
}

/** A convolution with dilated kernels, for wider context per pixel. */
@registerBlock({
  lookupName: 'DILATED_CONVOLUTION_2',
  initArgs: {dilationRate: 2},
  enumId: 19,
})
@registerBlock({
  lookupName: 'DILATED_CONVOLUTION_4',
  initArgs: {dilationRate: 4},
  enumId: 20,
})
export class DilatedConvolutionBlock implements Block {
  static readonly supportedProblemTypes = IMAGE_PROBLEMS;
  readonly isInputOrderImportant = true;
  private readonly kernelSize: [number, number];
  private readonly dilationRate: [number, number];
  private readonly applyBatchNorm: boolean;

  constructor(args: InitArgs) {
    const name = 'DilatedConvolutionBlock';
    this.kernelSize = pairArg(args, 'kernelSize', 3, name);
    this.dilationRate = pairArg(args, 'dilationRate', 2, name);
    this.applyBatchNorm = boolArg(args, 'applyBatchNorm', false, name);
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    const channels = channelDim(x, args.namePrefix);
    const namer = new LayerNamer(args.namePrefix);
    let net = apply(
        new DilatedConv2D({
          filters: channels,
          kernelSize: this.kernelSize,
          dilationRate: this.dilationRate,
          name: namer.name('conv2d'),
        }),
        x);
    if (this.applyBatchNorm) net = batchNorm(net, namer);
    return [...inputs, relu(net, namer)];
  }
}

/**
 * An inception-like block: a 1x1 reduction to a fifth of the channels,
 * then two double convolutions, an average-pool branch and a max-pool
 * branch, concatenated with the reduction. Inputs with fewer than 6
 * channels pass through unchanged, as in the original.
 */
@registerBlock({lookupName: 'GENERAL_BLOCK', initArgs: {}, enumId: 32})
export class GeneralBlock implements Block {
  static readonly supportedProblemTypes = IMAGE_PROBLEMS;
  readonly isInputOrderImportant = true;
  private readonly kernelSize: number;
  private readonly applyBatchNorm: boolean;

  constructor(args: InitArgs) {
    this.kernelSize = intArg(args, 'kernelSize', 3, 'GeneralBlock');
    this.applyBatchNorm =
        boolArg(args, 'applyBatchNorm', false, 'GeneralBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const x = lastOf(inputs, args.namePrefix);
    const channels = channelDim(x, args.namePrefix);
    if (channels < 6) return inputs;
    const namer = new LayerNamer(args.namePrefix);
    const width = Math.floor(channels / 5);
    const k: [number, number] = [this.kernelSize, this.kernelSize];
    const reduced = conv2d(x, namer, width, [1, 1]);
    let activated = relu(reduced, namer);
    if (this.applyBatchNorm) activated = batchNorm(activated, namer);
    const doubleConv = () => conv2d(
        relu(conv2d(activated, namer, width, k), namer), namer, width, k);
    const first = doubleConv();
    const second = doubleConv();
    const averaged = conv2d(
        apply(
            tf.layers.averagePooling2d({
              poolSize: k,
              strides: 1,
              padding: 'same',
              name: namer.name('avgpool2d'),
            }),
            activated),
        namer, width, k);
    const maxed = conv2d(
        apply(
            tf.layers.maxPooling2d({
              poolSize: k,
              strides: 1,
              padding: 'same',
              name: namer.name('max2d'),
            }),
            activated),
        namer, width, k);
    const joined = apply(
        tf.layers.concatenate({axis: 3, name: namer.name('concat')}),
        [first, second, averaged, maxed, reduced]);
    return [...inputs, relu(joined, namer)];
  }
}
