/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A 'same'-padded dilated 2-D convolution that TensorFlow.js can train.
 *
 * Porting note: Keras' Conv2D takes a dilation_rate. TensorFlow.js' conv2d
 * does too, but its gradient refuses dilation rates above 1. This layer
 * computes the same convolution as TensorFlow does for atrous convolution:
 * space-to-batch by the rate, an undilated 'valid' convolution, and
 * batch-to-space back, all of which have gradients.
 */

import {tf} from '../backend/tf';
import {ValueError} from '../errors';

import {glorotUniform} from './initializers';
import {built, LayerArgs, oneShape} from './layer_utils';

/** Options of `DilatedConv2D`. */
export declare interface DilatedConv2DArgs extends LayerArgs {
  /** Number of output channels. */
  filters: number;
  /** Kernel height and width. */
  kernelSize: [number, number];
  /** Dilation along height and width, each >= 1. */
  dilationRate: [number, number];
  /** Whether to add a bias. Default true. */
  useBias?: boolean;
}

/** NHWC in, NHWC out, spatial size kept ('same' padding, stride 1). */
export class DilatedConv2D extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'ModelSearchDilatedConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly dilationRate: [number, number];
  readonly useBias: boolean;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: DilatedConv2DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = [args.kernelSize[0], args.kernelSize[1]];
    this.dilationRate = [args.dilationRate[0], args.dilationRate[1]];
    this.useBias = args.useBias ?? true;
    const sizes = [this.filters, ...this.kernelSize, ...this.dilationRate];
    if (!sizes.every((v) => Number.isInteger(v) && v > 0)) {
      throw new ValueError(
          `DilatedConv2D "${this.name}": filters, kernelSize and ` +
          `dilationRate must be positive integers, got ${sizes.join(', ')}`);
    }
  }

  override build(inputShape: tf.Shape|tf.Shape[]): void {
    const shape = oneShape(inputShape, this.name);
    const channels = shape[3];
    if (shape.length !== 4 || channels === null) {
      throw new ValueError(
          `DilatedConv2D "${this.name}": input must be NHWC with known ` +
          `channels, got [${shape.map(String).join(', ')}]`);
    }
    this.kernel = this.addWeight(
        'kernel', [...this.kernelSize, channels, this.filters], 'float32',
        glorotUniform());
    if (this.useBias) {
      this.bias = this.addWeight(
          'bias', [this.filters], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape|tf.Shape[]): tf.Shape {
    const shape = oneShape(inputShape, this.name);
    return [shape[0], shape[1], shape[2], this.filters];
  }

  override call(inputs: tf.Tensor|tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const kernel = built(this.kernel, this.name) as tf.Tensor4D;
      let y = dilatedConv2dSame(x, kernel, this.dilationRate);
      if (this.useBias) y = tf.add(y, built(this.bias, this.name));
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      dilationRate: [...this.dilationRate],
      useBias: this.useBias,
    };
  }
}
tf.serialization.registerClass(DilatedConv2D);

/**
 * conv2d(x, kernel, strides 1, 'same', dilations) computed with
 * space-to-batch, so that it has a gradient.
 */
export function dilatedConv2dSame(
    x: tf.Tensor4D, kernel: tf.Tensor4D,
    rate: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    if (rate[0] === 1 && rate[1] === 1) {
      return tf.conv2d(x, kernel, 1, 'same');
    }
    const paddings: number[][] = [];
    const crops: number[][] = [];
    for (const axis of [0, 1]) {
      const size = x.shape[axis + 1];
      // The dilated kernel spans (k - 1) * rate + 1 pixels.
      const total = (kernel.shape[axis] - 1) * rate[axis];
      const before = Math.floor(total / 2);
      // Extra rows/columns at the end make the padded size a multiple of
      // the rate; they come back out as crops.
      const extra = (rate[axis] - ((size + total) % rate[axis])) % rate[axis];
      paddings.push([before, total - before + extra]);
      crops.push([0, extra]);
    }
    const batched = tf.spaceToBatchND(x, rate, paddings);
    const convolved = tf.conv2d(batched as tf.Tensor4D, kernel, 1, 'valid');
    return tf.batchToSpaceND(convolved, rate, crops) as tf.Tensor4D;
  });
}
