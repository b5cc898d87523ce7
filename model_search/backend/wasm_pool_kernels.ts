/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Max-pooling kernels that replace wrong ones of the wasm backend.
 *
 * In tfjs-backend-wasm 4.22, MaxPoolGrad, MaxPool3D and MaxPool3DGrad act
 * as if each window's maximum started at the smallest positive float
 * rather than at -Infinity: a window holding only negative values pools to
 * 1.2e-38 (MaxPool3D) and passes no gradient back (both grads). Pooling
 * right after a convolution or a batch normalisation meets such windows
 * all the time.
 *
 * The replacements copy the K values under every window into a last axis
 * of length K with a convolution whose filters are one-hot, take the max
 * or the argMax over that axis, and send the output gradient back through
 * the adjoint of the copy (the input gradient of the same convolution),
 * which adds where windows overlap. Windows that tile the input (stride
 * equal to the window, as the pooling blocks') are copied by a transpose
 * instead.
 *
 * TODO: MaxPoolWithArgmax of wasm has the same defect; no layer or
 * gradient uses it, so it is not replaced.
 */

import {tf} from './tf';
import {explicitPadding, input, KernelArgs, padOrCrop, pair, perAxis, wasmKernel, withTensors} from './wasm_kernel_util';

/** Where pooling windows lie on the spatial axes of [batch, ..., channels]. */
interface Windows {
  inSize: number[];
  outSize: number[];
  filter: number[];
  strides: number[];
  /** Padding before each spatial axis. */
  before: number[];
}

function windows2d(info: tf.backend_util.Conv2DInfo): Windows {
  return {
    inSize: [info.inHeight, info.inWidth],
    outSize: [info.outHeight, info.outWidth],
    filter: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    before: [info.padInfo.top, info.padInfo.left],
  };
}

function windows3d(info: tf.backend_util.Conv3DInfo): Windows {
  return {
    inSize: [info.inDepth, info.inHeight, info.inWidth],
    outSize: [info.outDepth, info.outHeight, info.outWidth],
    filter: [info.filterDepth, info.filterHeight, info.filterWidth],
    strides: [info.strideDepth, info.strideHeight, info.strideWidth],
    before: [info.padInfo.front, info.padInfo.top, info.padInfo.left],
  };
}

/**
 * The padding value of windows that cross the edge: never a window's
 * maximum unless the window holds only -Infinity (the copies below move
 * values; they do not multiply them).
 */
const LOWEST = -Infinity;

/**
 * Padding (positive) or cropping (negative) after each spatial axis that
 * makes the windows cover the input exactly.
 */
function trailing(w: Windows): number[] {
  return w.inSize.map(
      (size, i) => (w.outSize[i] - 1) * w.strides[i] + w.filter[i] -
          w.before[i] - size);
}

/**
 * Copies the K values under each window into a last axis, and back.
 *
 * `copy` takes one strided slice of the padded input per window position
 * and stacks them (exact for every value: a convolution with one-hot
 * filters, as before, turned a window's Infinity into NaN, 0 * Infinity
 * being NaN). `add`, its adjoint, is the input gradient of a convolution
 * with one-hot filters (XNNPACK runs it), which sums what overlapping
 * windows send to the same position.
 */
interface WindowCopier {
  /** [batch, ...spatial, channels] -> [batch, ...outSize, channels, K]. */
  copy(padded: tf.Tensor): tf.Tensor;
  /** [batch, ...outSize, channels, K] -> [batch, ...spatial, channels]. */
  add(values: tf.Tensor, paddedShape: number[]): tf.Tensor;
}

/**
 * [batch, ...outSize, channels, K]: the value under tap k (row-major over
 * the window) of each window of `padded`, one strided slice per tap.
 */
function sliceCopy(padded: tf.Tensor, w: Windows): tf.Tensor {
  const d = w.filter.length;
  const taps: tf.Tensor[] = [];
  const k = w.filter.reduce((a, b) => a * b, 1);
  for (let t = 0; t < k; t++) {
    // Tap t's offset on each spatial axis, row-major.
    const offset = new Array<number>(d);
    for (let i = d - 1, rest = t; i >= 0; i--) {
      offset[i] = rest % w.filter[i];
      rest = Math.floor(rest / w.filter[i]);
    }
    taps.push(tf.stridedSlice(
        padded, [0, ...offset, 0],
        [padded.shape[0],
         ...offset.map((o, i) => o + (w.outSize[i] - 1) * w.strides[i] + 1),
         padded.shape[d + 1]],
        [1, ...w.strides, 1]));
  }
  // Stacked in front (whole blocks), then moved last by one transpose: a
  // stack on the last axis copies element by element.
  const order = Array.from({length: d + 3}, (_, i) => i + 1);
  order[d + 2] = 0;
  return tf.transpose(tf.stack(taps), order);
}

/** [...filter, 1, K]: filter tap k holds a 1 in output channel k. */
function oneHotFilter(filter: number[]): tf.Tensor {
  const k = filter.reduce((a, b) => a * b, 1);
  return tf.reshape(tf.eye(k), [...filter, 1, k]);
}

/** 2-D: a depthwise convolution with channel multiplier K. */
function copier2d(w: Windows, channels: number): WindowCopier {
  const k = w.filter[0] * w.filter[1];
  const filter = tf.tile(oneHotFilter(w.filter), [1, 1, channels, 1]);
  const attrs = {strides: w.strides, pad: 'valid', dilations: [1, 1]};
  return {
    copy: padded => sliceCopy(padded, w),
    add: (values, paddedShape) => tf.engine().runKernel(
        tf.DepthwiseConv2dNativeBackpropInput,
        {dy: tf.reshape(values, [...values.shape.slice(0, 3), -1]), filter},
        {...attrs, inputShape: paddedShape}) as tf.Tensor,
  };
}

/** 3-D: a convolution of every channel as its own volume (no depthwise). */
function copier3d(w: Windows, channels: number): WindowCopier {
  const k = w.filter.reduce((a, b) => a * b, 1);
  const filter = oneHotFilter(w.filter) as tf.Tensor5D;
  return {
    copy: padded => sliceCopy(padded, w),
    add: (values, paddedShape) => {
      const [batch, ...spatial] = paddedShape.slice(0, 4);
      const perVolume = tf.reshape(
          tf.transpose(values, [0, 4, 1, 2, 3, 5]),
          [batch * channels, ...w.outSize, k]);
      const summed = tf.engine().runKernel(
          tf.Conv3DBackpropInputV2, {dy: perVolume, filter}, {
            strides: w.strides,
            pad: 'valid',
            inputShape: [batch * channels, ...spatial, 1],
          }) as tf.Tensor;
      return tf.transpose(
          tf.reshape(summed, [batch, channels, ...spatial]),
          [0, 2, 3, 4, 1]);
    },
  };
}

/**
 * Windows that tile the input (each stride equal to the window's side,
 * as every pooling block's): each position lies in one window at most,
 * so the copy is a reshape and a transpose, and its adjoint the inverse
 * transpose. For the 3x3 pooling of 32 [16, 16, 64] images the gradient
 * took 30 ms through the convolutions of copier2d, 3 ms so.
 */
function tilingCopier(w: Windows, channels: number): WindowCopier {
  const d = w.filter.length;
  const k = w.filter.reduce((a, b) => a * b, 1);
  const spatial = Array.from({length: d}, (_, i) => i);
  // Axes of [batch, out_0, filter_0, out_1, filter_1, ..., channels].
  const toWindows = [0, ...spatial.map((i) => 1 + 2 * i), 1 + 2 * d,
                     ...spatial.map((i) => 2 + 2 * i)];
  const fromWindows = toWindows.map((_, j) => toWindows.indexOf(j));
  const split = (batch: number) => [
    batch, ...spatial.flatMap((i) => [w.outSize[i], w.filter[i]]), channels,
  ];
  return {
    copy: padded => tf.reshape(
        tf.transpose(tf.reshape(padded, split(padded.shape[0])), toWindows),
        [padded.shape[0], ...w.outSize, channels, k]),
    add: (values, paddedShape) => tf.reshape(
        tf.transpose(
            tf.reshape(values,
                       [values.shape[0], ...w.outSize, channels, ...w.filter]),
            fromWindows),
        paddedShape),
  };
}

function copierFor(w: Windows, channels: number): WindowCopier {
  if (w.strides.every((s, i) => s === w.filter[i])) {
    return tilingCopier(w, channels);
  }
  return w.filter.length === 2 ? copier2d(w, channels) :
                                 copier3d(w, channels);
}

/** The max of each window. */
function maxOverWindows(x: tf.Tensor, w: Windows): tf.Tensor {
  const channels = x.shape[x.rank - 1];
  // A window larger than the input: no window at all.
  if (w.outSize.some((n) => n <= 0) || x.size === 0) {
    return tf.zeros([x.shape[0], ...w.outSize.map((n) => Math.max(n, 0)),
                     channels]);
  }
  const padded = padOrCrop(x, w.before, trailing(w), true, LOWEST)!.x;
  return tf.max(copierFor(w, x.shape[x.rank - 1]).copy(padded), -1);
}

/**
 * The gradient of a max over windows: each entry of `dy` goes to the first
 * (or last) position holding its window's maximum, in row-major order;
 * overlapping windows add up.
 *
 * Porting note: the cpu backend breaks ties towards the first position in
 * 2-D and the last in 3-D; `ties` lets both kernels agree with it.
 */
function routeToMax(
    x: tf.Tensor, dy: tf.Tensor, w: Windows, ties: 'first'|'last'):
    tf.Tensor {
  // No window (one larger than the input): no gradient to route.
  if (dy.size === 0 || x.size === 0) return tf.zeros(x.shape);
  const after = trailing(w);
  const padded = padOrCrop(x, w.before, after, true, LOWEST)!.x;
  const copier = copierFor(w, x.shape[x.rank - 1]);
  const values = copier.copy(padded);
  const k = values.shape[values.rank - 1];
  const chosen = ties === 'first' ?
      tf.argMax(values, -1) :
      tf.sub(tf.scalar(k - 1, 'int32'), tf.argMax(tf.reverse(values, -1), -1));
  // A window of one element routes all of its gradient there (oneHot
  // refuses a depth of 1).
  const routed = k === 1 ?
      tf.expandDims(dy, -1) :
      tf.mul(tf.oneHot(chosen, k), tf.expandDims(dy, -1));
  const summed = copier.add(routed, padded.shape);
  return padOrCrop(
      summed, w.before.map(n => -n), after.map(n => -n), true)!.x;
}

function maxPoolGrad(args: KernelArgs): tf.Tensor {
  const dy = input(args, 'dy', tf.MaxPoolGrad);
  const x = input(args, 'input', tf.MaxPoolGrad);
  const given = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const attrs = explicitPadding(args, pair(given.filterSize)).attrs as
      unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
      x.shape as [number, number, number, number], attrs.filterSize,
      attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  return withTensors(
      [x, dy], ([images, gradient]) =>
                   routeToMax(images, gradient, windows2d(info), 'first'));
}

function pool3dInfo(
    shape: number[], filterSize: number|number[], strides: number|number[],
    pad: tf.MaxPool3DAttrs['pad'],
    dimRoundingMode: tf.MaxPool3DAttrs['dimRoundingMode']):
    tf.backend_util.Conv3DInfo {
  return tf.backend_util.computePool3DInfo(
      shape as [number, number, number, number, number],
      perAxis(filterSize, 3) as [number, number, number],
      perAxis(strides, 3) as [number, number, number], 1, pad,
      dimRoundingMode);
}

function maxPool3d(args: KernelArgs): tf.Tensor {
  const x = input(args, 'x', tf.MaxPool3D);
  const attrs = args.attrs as unknown as tf.MaxPool3DAttrs;
  const channelsFirst = attrs.dataFormat === 'NCDHW';
  return withTensors([x], ([volumes]) => {
    const ndhwc =
        channelsFirst ? tf.transpose(volumes, [0, 2, 3, 4, 1]) : volumes;
    const info = pool3dInfo(
        ndhwc.shape, attrs.filterSize, attrs.strides, attrs.pad,
        attrs.dimRoundingMode);
    const pooled = maxOverWindows(ndhwc, windows3d(info));
    return channelsFirst ? tf.transpose(pooled, [0, 4, 1, 2, 3]) : pooled;
  });
}

function maxPool3dGrad(args: KernelArgs): tf.Tensor {
  const dy = input(args, 'dy', tf.MaxPool3DGrad);
  const x = input(args, 'input', tf.MaxPool3DGrad);
  const attrs = args.attrs as unknown as tf.MaxPool3DGradAttrs;
  const info = pool3dInfo(
      x.shape, attrs.filterSize, attrs.strides, attrs.pad,
      attrs.dimRoundingMode);
  return withTensors(
      [x, dy], ([volumes, gradient]) =>
                   routeToMax(volumes, gradient, windows3d(info), 'last'));
}

/** The kernels of this module, for wasm_kernels.ts to register. */
export const POOL_KERNELS: readonly tf.KernelConfig[] = [
  wasmKernel(tf.MaxPoolGrad, maxPoolGrad),
  wasmKernel(tf.MaxPool3D, maxPool3d),
  wasmKernel(tf.MaxPool3DGrad, maxPool3dGrad),
];
