/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Fully connected blocks of block.py: the input-sized dense layer with its
 * residual variants, the pyramid, fixed-width, low-rank and bottleneck
 * layers, and the identity block. Each flattens an image input first, so
 * that it also serves CNN towers after (or without) a flattening block.
 */

import {tf} from '../backend/tf';
import {ValueError} from '../errors';

import {Block, BlockBuildArgs, PROBLEM_TYPES, ProblemTypeName, registerBlock} from './block';
import {addAll, apply, batchNorm, boolArg, countArg, flattenToVector, InitArgs, intArg, lastDim, lastOf, LayerNamer, relu} from './block_utils';
import {glorotNormal} from './initializers';
import {MatchWidth} from './op_layers';

const VECTOR_PROBLEMS: readonly ProblemTypeName[] = ['CNN', 'DNN'];

/** How FullyConnectedBlock joins its input x and its output f(x). */
export enum ResidualConnectionType {
  /** f(x) alone. */
  NONE = 1,
  /** x cut or zero-padded to the width of f(x), plus f(x). */
  FORCE_MATCH_SHAPES = 2,
  /** [x, f(x)] concatenated on the last axis. */
  CONCAT = 3,
  /** x, projected by a dense layer when the widths differ, plus f(x). */
  PROJECT = 4,
}

function dense(
    x: tf.SymbolicTensor, namer: LayerNamer, units: number, base = 'dense',
    useBias = true): tf.SymbolicTensor {
  return apply(
      tf.layers.dense({
        units,
        useBias,
        kernelInitializer: glorotNormal(),
        name: namer.name(base),
      }),
      x);
}

/** The max output width allowed by an optional parameter budget. */
function cappedWidth(
    maxOutputSize: number, maxNumberOfParameters: number,
    inputWidth: number): number {
  if (!maxNumberOfParameters) return maxOutputSize;
  return Math.min(
      maxOutputSize, Math.floor(maxNumberOfParameters / inputWidth));
}

/**
 * A dense layer with ReLU whose width follows the input: the input width,
 * at least 2 and at most maxOutputSize (and maxNumberOfParameters / input
 * width when that is set), then optional batch norm and a residual join.
 */
@registerBlock({lookupName: 'FULLY_CONNECTED', initArgs: {}, enumId: 14})
@registerBlock({
  lookupName: 'FULLY_CONNECTED_RESIDUAL_FORCE_MATCH_SHAPES',
  initArgs: {
    residualConnectionType: ResidualConnectionType.FORCE_MATCH_SHAPES,
  },
  enumId: 79,
})
@registerBlock({
  lookupName: 'FULLY_CONNECTED_RESIDUAL_FORCE_MATCH_SHAPES_BATCHNORM',
  initArgs: {
    residualConnectionType: ResidualConnectionType.FORCE_MATCH_SHAPES,
    applyBatchNorm: true,
  },
  enumId: 80,
})
@registerBlock({
  lookupName: 'FULLY_CONNECTED_RESIDUAL_CONCAT',
  initArgs: {residualConnectionType: ResidualConnectionType.CONCAT},
  enumId: 81,
})
@registerBlock({
  lookupName: 'FULLY_CONNECTED_RESIDUAL_CONCAT_BATCHNORM',
  initArgs: {
    residualConnectionType: ResidualConnectionType.CONCAT,
    applyBatchNorm: true,
  },
  enumId: 82,
})
@registerBlock({
  lookupName: 'FULLY_CONNECTED_RESIDUAL_PROJECT',
  initArgs: {residualConnectionType: ResidualConnectionType.PROJECT},
  enumId: 83,
})
@registerBlock({
  lookupName: 'FULLY_CONNECTED_RESIDUAL_PROJECT_BATCHNORM',
  initArgs: {
    residualConnectionType: ResidualConnectionType.PROJECT,
    applyBatchNorm: true,
  },
  enumId: 84,
})
export class FullyConnectedBlock implements Block {
  static readonly supportedProblemTypes = VECTOR_PROBLEMS;
  readonly isInputOrderImportant = false;
  private readonly maxOutputSize: number;
  private readonly maxNumberOfParameters: number;
  private readonly applyBatchNorm: boolean;
  private readonly residual: ResidualConnectionType;

  constructor(args: InitArgs) {
    const name = 'FullyConnectedBlock';
    this.maxOutputSize = intArg(args, 'maxOutputSize', 100, name);
    this.maxNumberOfParameters =
        countArg(args, 'maxNumberOfParameters', 0, name);
    this.applyBatchNorm = boolArg(args, 'applyBatchNorm', false, name);
    const residual =
        args['residualConnectionType'] ?? ResidualConnectionType.NONE;
    if (typeof residual !== 'number' || !(residual in ResidualConnectionType)) {
      throw new ValueError(
          `${name}: residualConnectionType=${JSON.stringify(residual)} is ` +
          'not one of NONE, FORCE_MATCH_SHAPES, CONCAT, PROJECT');
    }
    this.residual = residual;
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const namer = new LayerNamer(block);
    const x = flattenToVector(lastOf(inputs, block), namer, block);
    const width = lastDim(x, block);
    const maxOutput =
        cappedWidth(this.maxOutputSize, this.maxNumberOfParameters, width);
    let net = relu(dense(x, namer, Math.max(Math.min(maxOutput, width), 2)),
                   namer);
    if (this.applyBatchNorm) net = batchNorm(net, namer);
    return [...inputs, this.join(x, net, namer, block)];
  }

  private join(
      x: tf.SymbolicTensor, net: tf.SymbolicTensor, namer: LayerNamer,
      block: string): tf.SymbolicTensor {
    const outWidth = lastDim(net, block);
    switch (this.residual) {
      case ResidualConnectionType.NONE:
        return net;
      case ResidualConnectionType.FORCE_MATCH_SHAPES: {
        const matched = lastDim(x, block) === outWidth ?
            x :
            apply(new MatchWidth(
                      {width: outWidth, name: namer.name('match_width')}),
                  x);
        return addAll([matched, net], namer);
      }
      case ResidualConnectionType.CONCAT:
        return apply(
            tf.layers.concatenate({axis: -1, name: namer.name('concat')}),
            [x, net]);
      case ResidualConnectionType.PROJECT: {
        const projected = lastDim(x, block) === outWidth ?
            x :
            dense(x, namer, outWidth);
        return addAll([projected, net], namer);
      }
      default:
        throw new ValueError(
            `${block}: invalid residual connection type ${this.residual}`);
    }
  }
}

/**
 * A dense layer of rank `kernelRank` (two dense layers through a narrow
 * middle, the first without bias) back to the input width, ReLU, and an
 * optional skip connection.
 *
 * Porting note: block.py sizes the output by the unflattened input's
 * second dimension, which is its width only for vector inputs; here it is
 * the flattened width, so that image inputs work with the skip too.
 */
@registerBlock({
  lookupName: 'LOWRANK_1',
  initArgs: {kernelRank: 1},
  enumId: 130,
})
@registerBlock({
  lookupName: 'LOWRANK_2',
  initArgs: {kernelRank: 2},
  enumId: 131,
})
@registerBlock({
  lookupName: 'LOWRANK_3',
  initArgs: {kernelRank: 3},
  enumId: 132,
})
@registerBlock({
  lookupName: 'LOWRANK_1_SKIP',
  initArgs: {kernelRank: 1, skipConnect: true},
  enumId: 133,
})
@registerBlock({
  lookupName: 'LOWRANK_2_SKIP',
  initArgs: {kernelRank: 2, skipConnect: true},
  enumId: 134,
})
@registerBlock({
  lookupName: 'LOWRANK_3_SKIP',
  initArgs: {kernelRank: 3, skipConnect: true},
  enumId: 135,
})
export class LowRankLayerBlock implements Block {
  static readonly supportedProblemTypes = VECTOR_PROBLEMS;
  readonly isInputOrderImportant = false;
  private readonly kernelRank: number;
  private readonly skipConnect: boolean;

  constructor(args: InitArgs) {
    this.kernelRank = intArg(args, 'kernelRank', 1, 'LowRankLayerBlock');
    this.skipConnect = boolArg(args, 'skipConnect', false, 'LowRankLayerBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const namer = new LayerNamer(block);
    const x = flattenToVector(lastOf(inputs, block), namer, block);
    let net = dense(x, namer, this.kernelRank, 'dense_lowrank_left', false);
    net = dense(net, namer, lastDim(x, block), 'dense_lowrank_right');
    net = relu(net, namer);
    if (this.skipConnect) net = addAll([net, x], namer);
    return [...inputs, net];
  }
}

/** A dense layer of a fixed width, with ReLU. */
@registerBlock({
  lookupName: 'FIXED_OUTPUT_FULLY_CONNECTED_64',
  initArgs: {outputSize: 64},
  enumId: 151,
})
@registerBlock({
  lookupName: 'FIXED_OUTPUT_FULLY_CONNECTED_128',
  initArgs: {outputSize: 128},
  enumId: 22,
})
@registerBlock({
  lookupName: 'FIXED_OUTPUT_FULLY_CONNECTED_256',
  initArgs: {outputSize: 256},
  enumId: 23,
})
@registerBlock({
  lookupName: 'FIXED_OUTPUT_FULLY_CONNECTED_512',
  initArgs: {outputSize: 512},
  enumId: 24,
})
@registerBlock({
  lookupName: 'FIXED_OUTPUT_FULLY_CONNECTED_1024',
  initArgs: {outputSize: 1024},
  enumId: 25,
})
export class FixedOutputFullyConnectedBlock implements Block {
  static readonly supportedProblemTypes = VECTOR_PROBLEMS;
  readonly isInputOrderImportant = false;
  private readonly outputSize: number;

  constructor(args: InitArgs) {
    this.outputSize =
        intArg(args, 'outputSize', 100, 'FixedOutputFullyConnectedBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const namer = new LayerNamer(block);
    const x = flattenToVector(lastOf(inputs, block), namer, block);
    return [...inputs, relu(dense(x, namer, this.outputSize), namer)];
  }
}

/**
 * A projection to `projectionSize` and back to the input width, each with
 * ReLU, and an optional skip connection. (Porting note of LowRankLayerBlock
 * on the width applies.)
 */
@registerBlock({
  lookupName: 'BOTTLENECK_32',
  initArgs: {projectionSize: 32},
  enumId: 126,
})
@registerBlock({
  lookupName: 'BOTTLENECK_64',
  initArgs: {projectionSize: 64},
  enumId: 127,
})
@registerBlock({
  lookupName: 'BOTTLENECK_32_SKIP',
  initArgs: {projectionSize: 32, skipConnect: true},
  enumId: 128,
})
@registerBlock({
  lookupName: 'BOTTLENECK_64_SKIP',
  initArgs: {projectionSize: 64, skipConnect: true},
  enumId: 129,
})
export class BottleNeckBlock implements Block {
  static readonly supportedProblemTypes = VECTOR_PROBLEMS;
  readonly isInputOrderImportant = false;
  private readonly projectionSize: number;
  private readonly skipConnect: boolean;

  constructor(args: InitArgs) {
    this.projectionSize = intArg(args, 'projectionSize', 32, 'BottleNeckBlock');
    this.skipConnect = boolArg(args, 'skipConnect', false, 'BottleNeckBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const namer = new LayerNamer(block);
    const x = flattenToVector(lastOf(inputs, block), namer, block);
    let net = relu(dense(x, namer, this.projectionSize, 'lower_dim'), namer);
    net = relu(dense(net, namer, lastDim(x, block), 'expand_dim'), namer);
    if (this.skipConnect) net = addAll([net, x], namer);
    return [...inputs, net];
  }
}

/** Adds nothing: a placeholder for searches that may skip a layer. */
@registerBlock({lookupName: 'IDENTITY', initArgs: {}, enumId: 125})
export class IdentityBlock implements Block {
  static readonly supportedProblemTypes = PROBLEM_TYPES;
  readonly isInputOrderImportant = false;

  constructor(_args: InitArgs) {}

  build(inputs: tf.SymbolicTensor[], _args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    return inputs;
  }
}

/**
 * A dense layer with ReLU half as wide as its input: at least 2, at most
 * maxOutputSize (and maxNumberOfParameters / input width when set).
 */
@registerBlock({
  lookupName: 'FULLY_CONNECTED_PYRAMID',
  initArgs: {},
  enumId: 15,
})
export class FullyConnectedPyramidBlock implements Block {
  static readonly supportedProblemTypes = VECTOR_PROBLEMS;
  readonly isInputOrderImportant = false;
  private readonly maxOutputSize: number;
  private readonly maxNumberOfParameters: number;

  constructor(args: InitArgs) {
    const name = 'FullyConnectedPyramidBlock';
    this.maxOutputSize = intArg(args, 'maxOutputSize', 100, name);
    this.maxNumberOfParameters =
        countArg(args, 'maxNumberOfParameters', 0, name);
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const namer = new LayerNamer(block);
    const x = flattenToVector(lastOf(inputs, block), namer, block);
    const width = lastDim(x, block);
    const maxOutput =
        cappedWidth(this.maxOutputSize, this.maxNumberOfParameters, width);
    const units = Math.min(maxOutput, Math.max(Math.floor(width / 2), 2));
    return [...inputs, relu(dense(x, namer, units), namer)];
  }
}
