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
 * runs TensorFlow.js' dilated conv2d forward and gives it a gradient of
 * its own, made of two more forward convolutions (dilatedConv2dSame).
 * It computed the convolution as TensorFlow does atrous convolution
 * before: space-to-batch by the rate, an undilated convolution and
 * batch-to-space back, which have gradients; on the wasm backend the
 * rearrangements took most of the time (32 images of 32x32x96, rate 4:
 * 1546 ms forward and 3544 ms with the gradients, against 269 and 981
 * ms so, on a busy machine; a search's dilated-convolution trials took
 * four times as long as plain ones of the same size).
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

type Padding = tf.backend_util.ExplicitPadding;

/**
 * conv2d(x, kernel, strides 1, 'same', dilations `rate`), with a
 * gradient. For a kernel of k taps along an axis, the dilated kernel
 * spans (k - 1) * rate + 1 pixels; 'same' pads (k - 1) * rate of them,
 * the smaller half before, as TensorFlow does. The gradients are
 * convolutions too:
 *  - of the input: the output gradient convolved, dilated alike, with the
 *    kernel flipped in space and its channel axes swapped, padded the
 *    other way round (the larger half before);
 *  - of the kernel: the padded input with batch and channels swapped,
 *    convolved with the output gradient as the filter at a stride of the
 *    rate, which gives the k taps.
 */
export function dilatedConv2dSame(
    x: tf.Tensor4D, kernel: tf.Tensor4D,
    rate: [number, number]): tf.Tensor4D {
  if (rate[0] === 1 && rate[1] === 1) {
    return tf.conv2d(x, kernel, 1, 'same');
  }
  const before = [0, 1].map(
      (axis) => Math.floor((kernel.shape[axis] - 1) * rate[axis] / 2));
  const after = [0, 1].map(
      (axis) => (kernel.shape[axis] - 1) * rate[axis] - before[axis]);
  const forward: Padding =
      [[0, 0], [before[0], after[0]], [before[1], after[1]], [0, 0]];
  const backward: Padding =
      [[0, 0], [after[0], before[0]], [after[1], before[1]], [0, 0]];
  const convolve = tf.customGrad(
      (...args: Array<tf.Tensor|tf.GradSaveFunc>) => {
        const [input, filter, save] =
            args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
        save([input, filter]);
        return {
          value: tf.conv2d(input, filter, 1, forward, 'NHWC', rate),
          gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
            const [xs, k] = saved as [tf.Tensor4D, tf.Tensor4D];
            const flipped = tf.transpose(tf.reverse(k, [0, 1]), [0, 1, 3, 2]);
            const dx = tf.conv2d(dy, flipped as tf.Tensor4D, 1, backward,
                                 'NHWC', rate);
            const padded = tf.pad(xs, forward);
            const dk = tf.transpose(
                tf.conv2d(tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D,
                          tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, rate,
                          'valid'),
                [1, 2, 0, 3]);
            return [dx, dk];
          },
        };
      });
  return convolve(x, kernel) as tf.Tensor4D;
}
