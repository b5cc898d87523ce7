/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The native forward convolutions and poolings of wasm, called only where
 * tfjs-backend-wasm 4.22 gets them right (wasm_kernels_test shows each
 * case against cpu):
 *
 *  - 'same' padding with a stride above 1: the native kernels hand
 *    XNNPACK TensorFlow's SAME flag, and with a stride larger than a side
 *    of the filter (a [1, 3] filter at stride 2, 2x2 at stride 3) the
 *    output came out wrong (zeros for a [1, 3] filter at stride 2 on 8x8
 *    images). The padding TensorFlow.js computes for 'same' is passed
 *    explicitly instead, which XNNPACK gets right.
 *  - A numeric `pad` with a window or strides that differ between height
 *    and width: tfjs-core sizes the output by the height's window and
 *    stride on both axes (on every backend), and the native kernels wrote
 *    the true output past that buffer, breaking the wasm memory. Such a
 *    pad is passed as the explicit padding it means, which sizes the
 *    output right (average pooling refuses it: see pooling()).
 *  - An empty input or output (a 'valid' window larger than the input):
 *    the native kernels wrote outside their output, breaking the wasm
 *    memory, or returned what was in it. The result is zeros of the
 *    output's shape, as cpu gives.
 */

import {NotImplementedError} from '../errors';
import {biasedAndActivated, explicitPadding, input, NativeArgs, pair, replacing, withTensors, wrapNativeKernels} from './wasm_kernel_util';
import {tf} from './tf';

const CONVOLUTIONS: readonly string[] = [
  tf.Conv2D, tf.FusedConv2D, tf.DepthwiseConv2dNative,
  tf.FusedDepthwiseConv2D,
];
const POOLINGS: readonly string[] = [tf.MaxPool, tf.AvgPool];

/** Kernels wrapped by this module. */
export const WASM_WINDOW_KERNELS: readonly string[] =
    [...CONVOLUTIONS, ...POOLINGS, tf.AvgPoolGrad];

/** The kernel functions of this module, to keep wrapping idempotent. */
const OURS = new WeakSet<tf.KernelFunc>();

declare interface WindowAttrs {
  strides: number|[number, number];
  pad: tf.Conv2DAttrs['pad'];
  dimRoundingMode?: 'floor'|'round'|'ceil';
  dilations?: number|[number, number];
  filterSize?: number|[number, number];
  dataFormat?: 'NHWC'|'NCHW';
}

const isEmpty = (shape: readonly number[]) => shape.some((n) => n === 0);

/** A convolution's geometry, as the native kernel computes it. */
function convolutionInfo(
    kernelName: string, x: tf.TensorInfo, filter: tf.TensorInfo,
    attrs: WindowAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode,
      kernelName === tf.DepthwiseConv2dNative ||
          kernelName === tf.FusedDepthwiseConv2D,
      tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC'));
}

function convolution(native: tf.KernelFunc, args: NativeArgs, name: string):
    tf.TensorInfo {
  const filter = input(args, 'filter', name);
  args = explicitPadding(args, filter.shape.slice(0, 2));
  const x = input(args, 'x', name);
  const attrs = args.attrs as unknown as WindowAttrs;
  const info = convolutionInfo(name, x, filter, attrs);
  if (isEmpty(info.outShape)) return tf.zeros(info.outShape);
  if (isEmpty(x.shape) || isEmpty(filter.shape)) {
    // No input channels: a sum of nothing, then the fused bias and
    // activation.
    const fused = args.attrs as unknown as
        {activation?: string, leakyreluAlpha?: number};
    const extras = ['bias', 'preluActivationWeights'].filter(
        (n) => args.inputs[n] !== undefined);
    return withTensors(extras.map((n) => args.inputs[n]!), (tensors) => {
      const named = (n: string) => tensors[extras.indexOf(n)];
      return biasedAndActivated(
          tf.zeros(info.outShape), named('bias'),
          fused.activation ?? 'linear', fused.leakyreluAlpha,
          named('preluActivationWeights'), name);
    });
  }
  const {top, bottom, left, right} = info.padInfo;
  if (attrs.pad !== 'same' ||
      (info.strideHeight === 1 && info.strideWidth === 1)) {
    return native(args) as tf.TensorInfo;
  }
  return native({
    ...args,
    attrs: {
      ...args.attrs,
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dimRoundingMode: undefined,
    },
  } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

function pooling(native: tf.KernelFunc, args: NativeArgs, name: string):
    tf.TensorInfo {
  const attrs = args.attrs as unknown as WindowAttrs;
  const given = args;
  args = explicitPadding(args, pair(attrs.filterSize));
  if (args !== given && name !== tf.MaxPool) {
    // Averages over explicit padding are not cpu's either (the native
    // kernel divides by other counts at the edges): refused, not wrong.
    throw new NotImplementedError(
        `tf.avgPool on the wasm backend: a numeric pad (${attrs.pad}) with ` +
        'a window or strides that differ between height and width ' +
        `(window [${pair(attrs.filterSize)}], strides [${
            pair(attrs.strides)}]) is sized wrongly by TensorFlow.js; ` +
        "use pad 'same' or 'valid', or --backend=cpu");
  }
  if (name === tf.AvgPoolGrad) {
    const dy = input(args, 'dy', name);
    const x = input(args, 'input', name);
    return isEmpty(dy.shape) || isEmpty(x.shape) ?
        tf.zeros(x.shape) :
        native(args) as tf.TensorInfo;
  }
  const x = input(args, 'x', name);
  const {pad, dimRoundingMode} = args.attrs as unknown as WindowAttrs;
  const info = tf.backend_util.computePool2DInfo(
      x.shape as [number, number, number, number], attrs.filterSize!,
      attrs.strides, 1, pad, dimRoundingMode);
  return isEmpty(x.shape) || isEmpty(info.outShape) ?
      tf.zeros(info.outShape) :
      native(args) as tf.TensorInfo;
}

/**
 * Wraps the native forward convolutions and poolings of wasm (see the
 * module comment). Call after the wasm backend has registered its kernels.
 *
 * @returns the names of the kernels wrapped by this call.
 */
export function registerWasmWindowKernels(): string[] {
  return wrapNativeKernels(
      WASM_WINDOW_KERNELS, OURS,
      (native) => replacing(
          native, (call: tf.KernelFunc, args: NativeArgs) =>
              CONVOLUTIONS.includes(native.kernelName) ?
              convolution(call, args, native.kernelName) :
              pooling(call, args, native.kernelName)));
}
