/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Weightless layers wrapping one tensor op that the Python original applies
 * directly to tensors: TensorFlow.js' functional models accept only layers
 * between symbolic tensors.
 */

import {tf} from '../backend/tf';
import {ValueError} from '../errors';

import {LayerArgs, listShapes, listTensors, oneShape} from './layer_utils';

/** Options of `MatchWidth`. */
export declare interface MatchWidthArgs extends LayerArgs {
  /** The width of the output's last axis. */
  width: number;
}

/**
 * Cuts or zero-pads the last axis of [batch, n] to `width`: the
 * FORCE_MATCH_SHAPES residual of the fully connected block.
 */
export class MatchWidth extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'ModelSearchMatchWidth';
  readonly width: number;

  constructor(args: MatchWidthArgs) {
    super(args);
    if (!Number.isInteger(args.width) || args.width <= 0) {
      throw new ValueError(
          `MatchWidth "${this.name}": width=${args.width} must be a ` +
          'positive integer');
    }
    this.width = args.width;
  }

  override computeOutputShape(inputShape: tf.Shape|tf.Shape[]): tf.Shape {
    const shape = oneShape(inputShape, this.name);
    return [...shape.slice(0, -1), this.width];
  }

  override call(inputs: tf.Tensor|tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = listTensors(inputs)[0];
      const last = x.rank - 1;
      const have = x.shape[last];
      if (have === this.width) return tf.clone(x);
      if (have > this.width) {
        const size = x.shape.map((d, i) => i === last ? this.width : d);
        return tf.slice(x, x.shape.map(() => 0), size);
      }
      const paddings = x.shape.map(
          (_, i): [number, number] => [0, i === last ? this.width - have : 0]);
      return tf.pad(x, paddings);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), width: this.width};
  }
}
tf.serialization.registerClass(MatchWidth);

/**
 * The shape of the first input of a layer over sequences, checked to be
 * [batch, time, features]; `layer` names the layer in the error.
 */
function sequenceShape(inputShape: tf.Shape|tf.Shape[], layer: string):
    tf.Shape {
  const [sequence] = listShapes(inputShape);
  if (sequence.length !== 3) {
    throw new ValueError(
        `${layer}: expects [batch, time, features], got [${
            sequence.map(String).join(', ')}]`);
  }
  return sequence;
}

/**
 * Picks from a sequence [batch, time, features] the activations at the last
 * valid step of each example: step lengths[i] - 1 when a second input
 * lengths [batch] (or [batch, 1]) is given, the final step otherwise, as
 * utils.last_activations_in_sequence does. Lengths are clipped to
 * [1, time], so an empty sequence yields its first step.
 *
 * The step is selected with a one-hot mask rather than a gather, so that
 * the gradient needs no UnsortedSegmentSum kernel.
 */
export class LastValidStep extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'ModelSearchLastValidStep';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape|tf.Shape[]): tf.Shape {
    const sequence = sequenceShape(inputShape, `LastValidStep "${this.name}"`);
    return [sequence[0], sequence[2]];
  }

  override call(inputs: tf.Tensor|tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [sequence, lengths] = listTensors(inputs) as [
        tf.Tensor3D, tf.Tensor|undefined
      ];
      const steps = sequence.shape[1];
      if (lengths === undefined) {
        return tf.squeeze(
            tf.slice(sequence, [0, steps - 1, 0], [-1, 1, -1]), [1]);
      }
      const last = tf.cast(
          tf.clipByValue(tf.sub(tf.reshape(lengths, [-1]), 1), 0, steps - 1),
          'int32');
      const mask = tf.oneHot(last as tf.Tensor1D, steps).toFloat();
      return tf.sum(tf.mul(sequence, tf.expandDims(mask, 2)), 1);
    });
  }
}
tf.serialization.registerClass(LastValidStep);

/**
 * Zeros the steps of [batch, time, features] at and after each sequence's
 * length (inputs: the sequence and the lengths, [batch] or [batch, 1]).
 *
 * The blocks that look ahead in time (a 1-D convolution wider than one
 * step, the backward half of a bidirectional LSTM) read the padding after
 * a sequence's length into its valid steps; this makes what they read
 * there zeros, whatever the data's padding holds, as if each sequence
 * ended at its length (a 'same' convolution's own padding is zeros too).
 */
export class MaskPadding extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'ModelSearchMaskPadding';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape|tf.Shape[]): tf.Shape {
    return sequenceShape(inputShape, `MaskPadding "${this.name}"`);
  }

  override call(inputs: tf.Tensor|tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [sequence, lengths] = listTensors(inputs) as [
        tf.Tensor3D, tf.Tensor|undefined
      ];
      if (lengths === undefined) return tf.clone(sequence);
      return tf.mul(sequence, sequenceMask(lengths, sequence.shape[1]));
    });
  }
}
tf.serialization.registerClass(MaskPadding);

/** A [batch, time, 1] float mask: 1 where step < lengths[batch]. */
export function sequenceMask(lengths: tf.Tensor, steps: number): tf.Tensor3D {
  return tf.tidy(() => {
    const valid = tf.less(
        tf.range(0, steps, 1, 'int32').expandDims(0),
        tf.cast(tf.reshape(lengths, [-1, 1]), 'int32'));
    return tf.expandDims(tf.cast(valid, 'float32'), 2) as tf.Tensor3D;
  });
}
