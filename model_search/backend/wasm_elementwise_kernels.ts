/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Native element-wise kernels of wasm, called only where tfjs-backend-wasm
 * 4.22 gets them right (wasm_kernels_test shows each case against cpu):
 *
 *  - ClipByValue on int32 compared the integers with the bounds' float
 *    bit patterns (-5 clipped to [-1, 2] gave -1082130432, 7 stayed 7):
 *    the sequence models' LastValidStep clips int32 lengths. On float32,
 *    NaN came out as the lower bound; it stays NaN here, as on cpu, so
 *    that a diverged model is not hidden from the loss's NaN check.
 *  - Prelu read alpha as alpha[i % alpha.size], right only where alpha's
 *    shape is a suffix of x's ([3, 1] alpha on [1, 3, 5] was wrong): other
 *    shapes are broadcast to x's first.
 *  - Sign gave 0 for magnitudes below about 1.2e-7.
 *  - Cumsum and Cumprod over a negative axis broke the wasm memory; the
 *    axis is counted from the front.
 *  - Prelu of an empty tensor divided by zero in the wasm code.
 */

import {input, KernelArgs, withTensors, wrapNativeKernels} from './wasm_kernel_util';
import {tf} from './tf';

/** Kernels wrapped by this module. */
export const WASM_ELEMENTWISE_KERNELS: readonly string[] =
    [tf.ClipByValue, tf.Prelu, tf.Sign, tf.Cumsum, tf.Cumprod];

/** The kernel functions of this module, to keep wrapping idempotent. */
const OURS = new WeakSet<tf.KernelFunc>();

type Native = tf.KernelFunc;

/** The part of the wasm backend used here. */
declare interface WasmOutputs {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}
type Args = KernelArgs & {backend: tf.KernelBackend};

function clipByValue(native: Native, args: Args): tf.TensorInfo {
  const x = input(args, 'x', tf.ClipByValue);
  const {clipValueMin, clipValueMax} =
      args.attrs as unknown as tf.ClipByValueAttrs;
  if (x.dtype === 'int32') {
    // Integers clamped, then truncated toward zero as cpu stores them.
    return withTensors([x], ([t]) => tf.minimum(
        tf.maximum(t, tf.scalar(Math.trunc(clipValueMin), 'int32')),
        tf.scalar(Math.trunc(clipValueMax), 'int32')));
  }
  if (x.dtype !== 'float32') return native(args) as tf.TensorInfo;
  return withTensors([x], ([t]) => {
    const clipped = tf.engine().makeTensorFromTensorInfo(
        native({...args, inputs: {x: t}} as Parameters<Native>[0]) as
        tf.TensorInfo);
    return tf.where(tf.isNaN(t), t, clipped);
  });
}

/** Whether `alpha`, leading 1s dropped, is the trailing part of `x`. */
function suffixOf(alpha: readonly number[], x: readonly number[]): boolean {
  const first = alpha.findIndex((n) => n !== 1);
  const kept = first === -1 ? [] : alpha.slice(first);
  return kept.length <= x.length &&
      kept.every((n, i) => n === x[x.length - kept.length + i]);
}

function prelu(native: Native, args: Args): tf.TensorInfo {
  const x = input(args, 'x', tf.Prelu);
  const alpha = input(args, 'alpha', tf.Prelu);
  if (x.shape.some((n) => n === 0) || alpha.shape.some((n) => n === 0)) {
    // Natively a division by zero in the wasm code.
    return (args.backend as unknown as WasmOutputs).makeOutput(
        tf.broadcast_util.assertAndGetBroadcastShape(x.shape, alpha.shape),
        x.dtype);
  }
  if (suffixOf(alpha.shape, x.shape)) return native(args) as tf.TensorInfo;
  return withTensors([x, alpha], ([t, a]) => tf.prelu(
      t, tf.broadcastTo(a, tf.broadcast_util.assertAndGetBroadcastShape(
                               t.shape, a.shape))));
}

function sign(native: Native, args: Args): tf.TensorInfo {
  const x = input(args, 'x', tf.Sign);
  if (x.dtype !== 'float32') return native(args) as tf.TensorInfo;
  // NaN is neither above nor below zero: 0, as on cpu.
  return withTensors([x], ([t]) => tf.sub(
      tf.cast(tf.greater(t, 0), 'float32'), tf.cast(tf.less(t, 0), 'float32')));
}

function cumulative(native: Native, args: Args, kernel: string):
    tf.TensorInfo {
  const x = input(args, 'x', kernel);
  const attrs = args.attrs as unknown as tf.CumsumAttrs;
  if (attrs.axis >= 0) return native(args) as tf.TensorInfo;
  return native({...args, attrs: {...attrs, axis: attrs.axis + x.shape.length}} as
                Parameters<Native>[0]) as tf.TensorInfo;
}

function wrapped(nativeConfig: tf.KernelConfig): tf.KernelConfig {
  const native = nativeConfig.kernelFunc;
  const name = nativeConfig.kernelName;
  const kernelFunc = (args: Args): tf.TensorInfo => {
    switch (name) {
      case tf.ClipByValue:
        return clipByValue(native, args);
      case tf.Prelu:
        return prelu(native, args);
      case tf.Sign:
        return sign(native, args);
      default:
        return cumulative(native, args, name);
    }
  };
  return {...nativeConfig, kernelFunc: kernelFunc as unknown as tf.KernelFunc};
}

/**
 * Wraps the native element-wise kernels of wasm named above (see the
 * module comment). Call after the wasm backend has registered its kernels.
 *
 * @returns the names of the kernels wrapped by this call.
 */
export function registerWasmElementwiseKernels(): string[] {
  return wrapNativeKernels(WASM_ELEMENTWISE_KERNELS, OURS, wrapped);
}
