/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * SVDF layers (ops/svdf_cell.py and ops/svdf_conv.py): a dense layer over
 * time whose weight matrix is a sum of `rank` outer products of a feature
 * filter and a time filter over the last `memorySize` steps. See
 * https://research.google.com/pubs/pub43813.html.
 *
 * Each unit u owns `rank` filter pairs, numbered u * rank + r. For an input
 * [batch, time, features], the feature filters give activations a[t, f];
 * the output of unit u at step t is
 *   act(bias[u] + sum_r sum_m a[t - (M - 1) + m, u * rank + r] * w[m, f])
 * with a[t] = 0 before the first step, M the memory size.
 */

import {tf} from '../backend/tf';
import {ValueError} from '../errors';

import {glorotUniform} from './initializers';
import {built, LayerArgs, listShapes, listTensors} from './layer_utils';
import {sequenceMask} from './op_layers';

/** Options shared by the two SVDF layers. */
export declare interface SvdfArgs extends LayerArgs {
  /** Number of output units. */
  units: number;
  /** Number of steps the time filters span, >= 2. */
  memorySize: number;
  /** Filter pairs per unit, >= 1. Default 1. */
  rank?: number;
  /** 'relu' (default) or 'linear'. */
  activation?: 'relu'|'linear';
  /** Whether to add a bias per unit. Default true. */
  useBias?: boolean;
  /**
   * When set, both kernels start uniform in [-range, range]; otherwise
   * Glorot uniform, the default of the original layers.
   */
  kernelInitRange?: number;
}

/** Validated SVDF options. */
interface SvdfOptions {
  units: number;
  memorySize: number;
  rank: number;
  activation: 'relu'|'linear';
  useBias: boolean;
  kernelInitRange?: number;
}

function svdfOptions(args: SvdfArgs, layer: string): SvdfOptions {
  const rank = args.rank ?? 1;
  const checks: Array<[string, number, number]> = [
    ['units', args.units, 1],
    ['memorySize', args.memorySize, 2],
    ['rank', rank, 1],
  ];
  for (const [key, value, min] of checks) {
    if (!Number.isInteger(value) || value < min) {
      throw new ValueError(
          `SVDF layer "${layer}": ${key}=${value} must be an integer ` +
          `>= ${min}`);
    }
  }
  const activation = args.activation ?? 'relu';
  if (activation !== 'relu' && activation !== 'linear') {
    throw new ValueError(
        `SVDF layer "${layer}": activation "${activation}" is not 'relu' or ` +
        "'linear'");
  }
  return {
    units: args.units,
    memorySize: args.memorySize,
    rank,
    activation,
    useBias: args.useBias ?? true,
    kernelInitRange: args.kernelInitRange,
  };
}

function kernelInitializer(options: SvdfOptions) {
  const range = options.kernelInitRange;
  return range === undefined ?
      glorotUniform() :
      tf.initializers.randomUniform({minval: -range, maxval: range});
}

/** The feature size of a [batch, time, features] input shape. */
function featureSize(inputShape: tf.Shape|tf.Shape[], layer: string): number {
  const [sequence] = listShapes(inputShape);
  const features = sequence[2];
  if (sequence.length !== 3 || features === null) {
    throw new ValueError(
        `SVDF layer "${layer}": input must be [batch, time, features] with ` +
        `known features, got [${sequence.map(String).join(', ')}]`);
  }
  return features;
}

/**
 * The SVDF pre-activations [batch, time, units].
 *
 * @param x [batch, time, features]
 * @param featureKernel [features, units * rank]
 * @param timeKernel [memorySize, units * rank]; row memorySize - 1 weighs
 *     the current step.
 */
export function svdfPreActivations(
    x: tf.Tensor3D, featureKernel: tf.Tensor2D, timeKernel: tf.Tensor2D,
    units: number, rank: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, steps, features] = x.shape;
    const filters = units * rank;
    const memory = timeKernel.shape[0];
    const activations = tf.reshape(
        tf.matMul(tf.reshape(x, [-1, features]), featureKernel),
        [batch, steps, filters]);
    // Zeros before the first step stand for the cell's initial state.
    const padded = tf.pad(activations, [[0, 0], [memory - 1, 0], [0, 0]]);
    const terms: tf.Tensor[] = [];
    for (let m = 0; m < memory; m++) {
      const window = tf.slice(padded, [0, m, 0], [batch, steps, filters]);
      const weights = tf.slice(timeKernel, [m, 0], [1, filters]);
      terms.push(tf.mul(window, weights));
    }
    const filtered = terms.length === 1 ? terms[0] : tf.addN(terms);
    return tf.sum(tf.reshape(filtered, [batch, steps, units, rank]), 3);
  });
}

/** Adds the bias and applies the activation. */
function finish(
    pre: tf.Tensor3D, bias: tf.Tensor|undefined,
    activation: 'relu'|'linear'): tf.Tensor3D {
  const biased = bias === undefined ? pre : tf.add(pre, bias);
  return (activation === 'relu' ? tf.relu(biased) : biased) as tf.Tensor3D;
}

function svdfConfig(options: SvdfOptions): tf.serialization.ConfigDict {
  const config: tf.serialization.ConfigDict = {
    units: options.units,
    memorySize: options.memorySize,
    rank: options.rank,
    activation: options.activation,
    useBias: options.useBias,
  };
  if (options.kernelInitRange !== undefined) {
    config['kernelInitRange'] = options.kernelInitRange;
  }
  return config;
}

/**
 * The SVDF as an RNN cell run over a sequence (svdf_cell.SvdfCell under
 * dynamic_rnn). Inputs: [batch, time, features] and optionally lengths
 * [batch]; outputs [batch, time, units], zero at steps >= lengths[i], as
 * dynamic_rnn leaves them.
 *
 * Porting note: the cell keeps the last memorySize - 1 feature activations
 * as its state, so its output is a causal convolution over time; it is
 * computed that way for the whole sequence at once instead of one step at
 * a time. Weights keep the cell's names and shapes: SVDF_weights_feature
 * [features, units * rank], SVDF_weights_time [units * rank, memorySize],
 * SVDF_bias [units].
 */
export class SvdfCell extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'ModelSearchSvdfCell';
  readonly options: SvdfOptions;
  private featureWeights?: tf.LayerVariable;
  private timeWeights?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: SvdfArgs) {
    super(args);
    this.options = svdfOptions(args, this.name);
  }

  override build(inputShape: tf.Shape|tf.Shape[]): void {
    const features = featureSize(inputShape, this.name);
    const {units, rank, memorySize} = this.options;
    const init = kernelInitializer(this.options);
    this.featureWeights = this.addWeight(
        'SVDF_weights_feature', [features, units * rank], 'float32', init);
    this.timeWeights = this.addWeight(
        'SVDF_weights_time', [units * rank, memorySize], 'float32', init);
    if (this.options.useBias) {
      this.bias = this.addWeight(
          'SVDF_bias', [units], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape|tf.Shape[]): tf.Shape {
    const [sequence] = listShapes(inputShape);
    return [sequence[0], sequence[1], this.options.units];
  }

  override call(inputs: tf.Tensor|tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, lengths] = listTensors(inputs) as [tf.Tensor3D, tf.Tensor?];
      const {units, rank, activation} = this.options;
      const timeKernel = tf.transpose(
          built(this.timeWeights, this.name)) as tf.Tensor2D;
      const pre = svdfPreActivations(
          x, built(this.featureWeights, this.name) as tf.Tensor2D,
          timeKernel, units, rank);
      const bias = this.options.useBias ? built(this.bias, this.name) :
                                          undefined;
      const out = finish(pre, bias, activation);
      if (lengths === undefined) return out;
      return tf.mul(out, sequenceMask(lengths, x.shape[1]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), ...svdfConfig(this.options)};
  }
}
tf.serialization.registerClass(SvdfCell);

/**
 * The SVDF as a convolutional layer over whole sequences
 * (svdf_conv.SvdfConvLayer): [batch, time, features] to
 * [batch, time, units]. Weights: feature_kernel [features, units * rank],
 * time_kernel [memorySize, units * rank], bias [units].
 *
 * Porting note: the original computes the time filtering with a depthwise
 * convolution; here it is a sum of shifted slices, which trains on every
 * backend. Its dropout option is never applied by the original (the mask
 * is never created) and its batch norm option is unused by the blocks;
 * both are left out.
 */
export class SvdfConv extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'ModelSearchSvdfConv';
  readonly options: SvdfOptions;
  private featureKernel?: tf.LayerVariable;
  private timeKernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: SvdfArgs) {
    super(args);
    this.options = svdfOptions(args, this.name);
  }

  override build(inputShape: tf.Shape|tf.Shape[]): void {
    const features = featureSize(inputShape, this.name);
    const {units, rank, memorySize} = this.options;
    const init = kernelInitializer(this.options);
    this.featureKernel = this.addWeight(
        'feature_kernel', [features, units * rank], 'float32', init);
    this.timeKernel = this.addWeight(
        'time_kernel', [memorySize, units * rank], 'float32', init);
    if (this.options.useBias) {
      this.bias = this.addWeight(
          'bias', [units], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape|tf.Shape[]): tf.Shape {
    const [sequence] = listShapes(inputShape);
    return [sequence[0], sequence[1], this.options.units];
  }

  override call(inputs: tf.Tensor|tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = listTensors(inputs)[0] as tf.Tensor3D;
      const {units, rank, activation} = this.options;
      const pre = svdfPreActivations(
          x, built(this.featureKernel, this.name) as tf.Tensor2D,
          built(this.timeKernel, this.name) as tf.Tensor2D, units, rank);
      const bias = this.options.useBias ? built(this.bias, this.name) :
                                          undefined;
      return finish(pre, bias, activation);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), ...svdfConfig(this.options)};
  }
}
tf.serialization.registerClass(SvdfConv);
