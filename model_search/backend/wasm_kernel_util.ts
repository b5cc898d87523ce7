/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Helpers for kernels written as compositions of other kernels: reading
 * kernel inputs, running ops without leaking, padding and cropping the
 * spatial axes, spreading a tensor out by a stride.
 */

import {ValueError} from '../errors';
import {tf} from './tf';
import {noteReplacedNative} from './wasm_restart';

/** What TensorFlow.js passes to a kernel function. */
export declare interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
}

/** The input `name` of a kernel call; throws if the caller left it out. */
export function input(
    args: KernelArgs, name: string, kernel: string): tf.TensorInfo {
  const info = args.inputs[name];
  if (info === undefined) {
    throw new ValueError(
        `${kernel} on wasm: input "${name}" is missing; pass it in the ` +
        `inputs of runKernel`);
  }
  return info;
}

/**
 * Runs `body` on tensors made from `infos` inside tf.tidy, so every
 * intermediate is disposed and only the returned tensor survives.
 *
 * Inputs arrive as tensors when an op calls the kernel; bare TensorInfos
 * are wrapped for the call and the wrappers released afterwards.
 */
export function withTensors(
    infos: tf.TensorInfo[], body: (tensors: tf.Tensor[]) => tf.Tensor):
    tf.Tensor {
  const tensors = infos.map(
      info => info instanceof tf.Tensor ?
          info :
          tf.engine().makeTensorFromTensorInfo(info));
  try {
    return tf.tidy(() => body(tensors));
  } finally {
    tensors.forEach((tensor, i) => {
      if (tensor !== infos[i]) {
        tensor.dispose();
      }
    });
  }
}

/**
 * Adds (positive) or removes (negative) entries before and after each
 * spatial axis of a [batch, ...spatial, channels] tensor: `before[i]` and
 * `after[i]` apply to axis i + 1.
 *
 * Cropping is done here; padding is either done here (`padHere`) or
 * returned for a convolution to apply as explicit padding.
 *
 * @returns null when a crop leaves an axis empty, which means whatever
 *     reads the result would read only padding.
 */
export function padOrCrop(
    x: tf.Tensor, before: number[], after: number[], padHere: boolean,
    padValue = 0): {x: tf.Tensor, pad: Array<[number, number]>}|null {
  const spatial = x.shape.slice(1, -1);
  const begin = [0];
  const size = [-1];
  for (let i = 0; i < spatial.length; i++) {
    const kept = spatial[i] - Math.max(0, -before[i]) - Math.max(0, -after[i]);
    if (kept <= 0) {
      return null;
    }
    begin.push(Math.max(0, -before[i]));
    size.push(kept);
  }
  begin.push(0);
  size.push(-1);
  const cropped = before.some(n => n < 0) || after.some(n => n < 0) ?
      tf.slice(x, begin, size) :
      x;
  const pad: Array<[number, number]> = [
    [0, 0],
    ...spatial.map(
        (_, i) => [Math.max(0, before[i]), Math.max(0, after[i])] as
            [number, number]),
    [0, 0],
  ];
  if (!padHere) {
    return {x: cropped, pad};
  }
  const padded = pad.some(([a, b]) => a > 0 || b > 0) ?
      tf.pad(cropped, pad, padValue) :
      cropped;
  return {x: padded, pad: pad.map(() => [0, 0])};
}

/**
 * Puts `strides[i] - 1` zeros after each entry of spatial axis i + 1 of a
 * [batch, ...spatial, channels] tensor: the adjoint of a strided read.
 */
export function spreadByStrides(x: tf.Tensor, strides: number[]): tf.Tensor {
  let spread = x;
  strides.forEach((stride, i) => {
    if (stride === 1) {
      return;
    }
    const shape = spread.shape;
    const axis = i + 1;
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const gaps = tf.pad(
        tf.reshape(spread, [outer, shape[axis], 1, inner]),
        [[0, 0], [0, 0], [0, stride - 1], [0, 0]]);
    const grown = shape.slice();
    grown[axis] *= stride;
    spread = tf.reshape(gaps, grown);
  });
  return spread;
}

/** A single number or one per spatial axis, as a list of `rank` numbers. */
export function perAxis(value: number|number[], rank: number): number[] {
  return typeof value === 'number' ? new Array(rank).fill(value) : value;
}

/** A kernel registration for the wasm backend. */
export function wasmKernel(
    kernelName: string,
    kernelFunc: (args: KernelArgs) => tf.Tensor): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}

/**
 * Replaces each native wasm kernel of `names` by `wrap(native)`, once: a
 * kernel already wrapped (its function in `ours`) is left alone. The
 * native configs are kept for restarts (wasm_restart.ts).
 *
 * @returns the names of the kernels wrapped by this call.
 */
export function wrapNativeKernels(
    names: readonly string[], ours: WeakSet<tf.KernelFunc>,
    wrap: (native: tf.KernelConfig) => tf.KernelConfig): string[] {
  const wrapped: string[] = [];
  for (const name of names) {
    const native = tf.getKernel(name, 'wasm');
    if (native === undefined || ours.has(native.kernelFunc)) continue;
    noteReplacedNative(native);
    tf.unregisterKernel(name, 'wasm');
    const config = wrap(native);
    ours.add(config.kernelFunc);
    tf.registerKernel(config);
    wrapped.push(name);
  }
  return wrapped;
}

/**
 * `out` plus `bias` (when given), through a fused kernel's activation:
 * what _FusedMatMul and FusedConv2D compute after their product.
 */
export function biasedAndActivated(
    out: tf.Tensor, bias: tf.Tensor|undefined, activation: string,
    leakyreluAlpha: number|undefined, preluWeights: tf.Tensor|undefined,
    kernelName: string): tf.Tensor {
  const biased = bias === undefined ? out : tf.add(out, bias);
  switch (activation) {
    case 'linear':
      return biased;
    case 'relu':
      return tf.relu(biased);
    case 'relu6':
      return tf.relu6(biased);
    case 'elu':
      return tf.elu(biased);
    case 'sigmoid':
      return tf.sigmoid(biased);
    case 'leakyrelu':
      return tf.leakyRelu(biased, leakyreluAlpha ?? 0.2);
    case 'prelu':
      return tf.prelu(biased, preluWeights!);
    default:
      throw new ValueError(
          `${kernelName} on wasm: unknown activation "${activation}"`);
  }
}

/** The backend and inputs a wrapped native kernel is called with. */
export type NativeArgs<B extends tf.KernelBackend = tf.KernelBackend> =
    KernelArgs & {backend: B};

/**
 * `nativeConfig` with its kernel function replaced by `body`, which gets
 * the native function to call where the native kernel is right (its setup
 * still binds what that function calls).
 */
export function replacing<B extends tf.KernelBackend>(
    nativeConfig: tf.KernelConfig,
    body: (native: tf.KernelFunc, args: NativeArgs<B>) => tf.TensorInfo):
    tf.KernelConfig {
  const native = nativeConfig.kernelFunc;
  const kernelFunc = (args: NativeArgs<B>) => body(native, args);
  return {...nativeConfig, kernelFunc: kernelFunc as unknown as tf.KernelFunc};
}

/** A height and width given as one number or two. */
export const pair = (v: number|number[]|undefined): number[] =>
    Array.isArray(v) ? v : [v ?? 1, v ?? 1];

/**
 * `args` of a 2-D window kernel (convolution, pooling, or their
 * gradients) with a numeric pad made explicit where tfjs-core would size
 * the output wrongly: with a window or strides (or dilations) that differ
 * between the two spatial axes it sizes both by the height's (on every
 * backend), and wasm's native kernels then write the true output past
 * that buffer. The explicit padding a number means sizes it right.
 */
export function explicitPadding<A extends KernelArgs>(
    args: A, window: number[]): A {
  const attrs = args.attrs as unknown as {
    pad: unknown, strides?: number|number[], dilations?: number|number[],
  };
  if (typeof attrs.pad !== 'number') return args;
  const [sh, sw] = pair(attrs.strides);
  const [dh, dw] = pair(attrs.dilations);
  if (window[0] === window[1] && sh === sw && dh === dw) return args;
  const p = attrs.pad;
  return {
    ...args,
    attrs: {...args.attrs, pad: [[0, 0], [p, p], [p, p], [0, 0]],
            dimRoundingMode: undefined},
  };
}
