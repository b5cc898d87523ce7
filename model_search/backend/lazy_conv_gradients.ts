/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * tf.fused.conv2d, while gradients are recorded, without the gradient of an
 * input that is data.
 *
 * tfjs-layers runs every Conv2D layer through tf.fused.conv2d. With a
 * linear activation (the blocks of this project apply theirs as layers of
 * their own) that op stays fused while gradients are recorded, and its
 * gradient function then computes the gradients of all its inputs at once.
 * For the first convolution of a tower the input is the data: its gradient,
 * a whole backward convolution, was computed and thrown away at every step
 * (1.4 ms of a 55 ms step of bench/steps' cnn on wasm).
 *
 * So, inside `differentiatingVariablesOnly` (the training loop's
 * tf.variableGrads), when the input is neither a variable nor the output
 * of an op on the tape, the same fused kernel runs inside a custom gradient
 * whose inputs are the filter and the bias alone: the tape then has no
 * gradient of the input to compute. Only there: tf.grad(f)(x) may
 * differentiate a plain tensor x, and nothing on the tape tells it apart
 * from data. (Running conv2d and an add
 * of the bias instead, as tf.fused.conv2d does for other activations,
 * would leave the gradient to the tape too, but the add costs two thirds
 * of what it saves.) Everything else runs as before.
 */

import {tf} from './tf';

type FusedConv2d = typeof tf.fused.conv2d;
type FusedConv2dArgs = Parameters<FusedConv2d>[0];
type CustomGradient = Parameters<typeof tf.customGrad>[0];

/** The op as tfjs-core defined it, kept by the first install. */
let original: FusedConv2d|undefined;

/** What the engine records while gradients are taken. */
declare interface TapeState {
  gradientDepth: number;
  activeTape?: Array<{outputs: tf.Tensor[]}>;
}

/**
 * The engine's gradient depth inside the innermost differentiatingVariables
 * Only call, or -1 outside any.
 */
let variablesOnlyDepth = -1;

/**
 * Runs `f`, the function given to tf.variableGrads, telling the convolutions
 * in it that only variables are differentiated, not plain tensors (see the
 * module comment). A tf.grad nested inside `f` is not affected.
 */
export function differentiatingVariablesOnly<T>(f: () => T): T {
  const outer = variablesOnlyDepth;
  variablesOnlyDepth =
      (tf.engine().state as unknown as TapeState).gradientDepth;
  try {
    return f();
  } finally {
    variablesOnlyDepth = outer;
  }
}

/**
 * Whether nothing differentiates through `x`: it is no variable and no op
 * recorded on the active tape made it.
 */
function isData(x: tf.Tensor, state: TapeState): boolean {
  if (x instanceof tf.Variable || state.activeTape === undefined) {
    return false;
  }
  return !state.activeTape.some(
      (node) => node.outputs.some((out) => out.id === x.id));
}

/**
 * The fused convolution (linear activation) of data `x`, differentiable in
 * the filter and the bias only.
 */
function convolveData(args: FusedConv2dArgs, x: tf.Tensor4D): tf.Tensor4D {
  const attrs = {
    strides: args.strides, pad: args.pad, dataFormat: 'NHWC',
    dilations: args.dilations ?? [1, 1],
    dimRoundingMode: args.dimRoundingMode, activation: 'linear',
  } as unknown as tf.NamedAttrMap;
  const filter = args.filter as tf.Tensor4D;
  const filterGradient = (dy: tf.Tensor, image: tf.Tensor) =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, {x: image, dy}, {
        strides: args.strides, pad: args.pad, dataFormat: 'NHWC',
        dimRoundingMode: args.dimRoundingMode, filterShape: filter.shape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const run = (inputs: tf.NamedTensorMap) =>
      tf.engine().runKernel(tf.FusedConv2D, inputs, attrs) as tf.Tensor4D;
  if (args.bias === undefined || args.bias === null) {
    return tf.customGrad(((w: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x]);
      return {
        value: run({x, filter: w}),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
            [filterGradient(dy, saved[0])],
      };
    }) as unknown as CustomGradient)(filter) as tf.Tensor4D;
  }
  const bias = args.bias as tf.Tensor;
  return tf.customGrad(
      ((w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
        save([x]);
        return {
          value: run({x, filter: w, bias: b}),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
            filterGradient(dy, saved[0]),
            tf.reshape(tf.sum(dy, [0, 1, 2]), b.shape),
          ],
        };
      }) as unknown as CustomGradient)(filter, bias) as tf.Tensor4D;
}

/**
 * Replaces tf.fused.conv2d (the object tfjs-layers calls it from) as the
 * module comment says. Idempotent.
 */
export function installLazyConvGradients(): void {
  if (original !== undefined) return;
  const ops = tf.fused as unknown as {conv2d: FusedConv2d};
  const fused = ops.conv2d;
  original = fused;
  ops.conv2d = ((args: FusedConv2dArgs) => {
    const state = tf.engine().state as unknown as TapeState;
    const x = args.x;
    const dilations = args.dilations ?? 1;
    if (state.gradientDepth > 0 &&
        state.gradientDepth === variablesOnlyDepth &&
        (args.activation ?? 'linear') === 'linear' &&
        x instanceof tf.Tensor && x.rank === 4 &&
        args.filter instanceof tf.Tensor && args.filter.rank === 4 &&
        (args.bias === undefined || args.bias === null ||
         (args.bias instanceof tf.Tensor && args.bias.rank === 1)) &&
        (args.dataFormat ?? 'NHWC') === 'NHWC' &&
        [dilations].flat().every((d) => d === 1) &&
        isData(x, state)) {
      return convolveData(args, x as tf.Tensor4D);
    }
    return fused(args);
  }) as FusedConv2d;
}

/** Puts tfjs-core's own tf.fused.conv2d back (for tests). */
export function uninstallLazyConvGradients(): void {
  if (original === undefined) return;
  (tf.fused as unknown as {conv2d: FusedConv2d}).conv2d = original;
  original = undefined;
}
