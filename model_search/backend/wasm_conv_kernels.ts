/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Convolution gradients for the wasm backend, each rewritten as one
 * forward convolution, which wasm runs through XNNPACK.
 *
 * For a forward convolution with stride s, dilation d and leading padding
 * p, on a [batch, ...spatial, channels] input:
 *  - filter gradient: the input with batch and channels swapped, convolved
 *    with the output gradient used as the filter; the forward stride
 *    becomes the dilation and the forward dilation the stride;
 *  - input gradient: the output gradient with s - 1 zeros after each
 *    entry, convolved (depthwise for a depthwise convolution) with the
 *    filter flipped in space, dilated by d, with its channel axes swapped.
 * The padding of the rewritten convolution follows from the forward one;
 * where it comes out negative the tensor is cropped instead.
 */

import {tf} from './tf';
import {input, KernelArgs, padOrCrop, spreadByStrides, wasmKernel, withTensors} from './wasm_kernel_util';

type Conv2DInfo = tf.backend_util.Conv2DInfo;
type ExplicitPadding = tf.backend_util.ExplicitPadding;

function conv2dInfo(
    xShape: number[], filterShape: number[], strides: number|number[],
    dilations: number|number[], pad: tf.Conv2DAttrs['pad'],
    dimRoundingMode: tf.Conv2DAttrs['dimRoundingMode'], depthwise: boolean,
    dataFormat: 'channelsFirst'|'channelsLast' = 'channelsLast'): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      strides as [number, number], dilations as [number, number], pad,
      dimRoundingMode, depthwise, dataFormat);
}

/** Spatial axes 1 and 2 of `x` fitted for a convolution with padding. */
function fit2d(
    x: tf.Tensor, top: number, bottom: number, left: number,
    right: number): {x: tf.Tensor4D, pad: ExplicitPadding}|null {
  const fitted = padOrCrop(x, [top, left], [bottom, right], false);
  return fitted && {
    x: fitted.x as tf.Tensor4D,
    pad: fitted.pad as ExplicitPadding,
  };
}

/** The stride-1 NHWC convolution of an input fit2d fitted, on wasm. */
function convolveFitted(
    fitted: {x: tf.Tensor4D, pad: ExplicitPadding}, filter: tf.Tensor,
    dilations: [number, number] = [1, 1]): tf.Tensor4D {
  return tf.engine().runKernel(tf.Conv2D, {x: fitted.x, filter}, {
    strides: [1, 1],
    pad: fitted.pad,
    dataFormat: 'NHWC',
    dilations,
  }) as tf.Tensor4D;
}

/**
 * dW[i, j, c, k] = sum over n, y, x of
 *   input[n, y * s + i - top, x * s + j - left, c] * dy[n, y, x, k].
 */
function conv2dBackpropFilter(args: KernelArgs): tf.Tensor {
  const x = input(args, 'x', tf.Conv2DBackpropFilter);
  const dy = input(args, 'dy', tf.Conv2DBackpropFilter);
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = conv2dInfo(
      x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad,
      attrs.dimRoundingMode, false, dataFormat);
  const channelsFirst = info.dataFormat === 'channelsFirst';
  if (info.strideHeight === 1 && info.strideWidth === 1) {
    return filterGradientOfUnitStride(x, dy, info);
  }
  return withTensors([x, dy], ([images, gradient]) => {
    // [in channels, H, W, batch] and [out H, out W, batch, out channels].
    const swapped = tf.transpose(
        images, channelsFirst ? [1, 2, 3, 0] : [3, 1, 2, 0]);
    const filter = tf.transpose(
        gradient, channelsFirst ? [2, 3, 0, 1] : [1, 2, 0, 3]);
    const rows = info.filterHeight + (info.outHeight - 1) * info.strideHeight;
    const cols = info.filterWidth + (info.outWidth - 1) * info.strideWidth;
    const {top, left} = info.padInfo;
    const fitted = fit2d(
        swapped, top, rows - info.inHeight - top, left,
        cols - info.inWidth - left);
    if (fitted === null) {
      return tf.zeros(info.filterShape);
    }
    const grad = convolveFitted(
        fitted, filter, [info.strideHeight, info.strideWidth]);
    return tf.transpose(grad, [1, 2, 0, 3]);
  });
}

/**
 * The filter gradient of a stride-1 convolution, as the convolution of
 * the output gradient (batch and channels swapped: [out channels, out H,
 * out W, batch]) with the input as the filter ([H, W, batch, in channels]),
 * flipped in space after. The same products as conv2dBackpropFilter's
 * general form, but XNNPACK runs this arrangement about a fifth faster
 * (15 vs 19 ms for 32x16x16x32 -> 64 channels, 3x3).
 *
 * Where those 15 ms go, and what was measured instead (same layer, one
 * core): the convolution takes 13 ms, of which about 1.3 ms is XNNPACK
 * packing the input as the filter anew each step (11 ms with a filter
 * kept), against 9 ms for the forward convolution of the same products;
 * transposing the output gradient takes the other 1.8 ms. Slower were:
 * the batch split in groups of 16, 8 or 4 images, one convolution each,
 * summed (18.6, 21.6, 27 ms: fewer channels a convolution run worse
 * than the smaller packed filter gains), and nine matrix products, one
 * per filter offset, of shifted slices of the input (23 ms).
 *
 * 1-D: dW[i] = sum over y of dy[y] * x[y + i - top]; the convolution
 * out[p] = sum over q of image[p + q - padTop] * filter[q] with image = dy
 * and filter = x gives dW[i] = out[kh - 1 - i] for
 * padTop = kh - 1 - top and padBottom = inH - outH + top.
 */
function filterGradientOfUnitStride(
    x: tf.TensorInfo, dy: tf.TensorInfo, info: Conv2DInfo): tf.Tensor {
  const channelsFirst = info.dataFormat === 'channelsFirst';
  return withTensors([x, dy], ([images, gradient]) => {
    const image = tf.transpose(
        gradient, channelsFirst ? [1, 2, 3, 0] : [3, 1, 2, 0]);
    const filter = tf.transpose(
        images, channelsFirst ? [2, 3, 0, 1] : [1, 2, 0, 3]);
    const {top, left} = info.padInfo;
    const fitted = fit2d(
        image, info.filterHeight - 1 - top,
        info.inHeight - info.outHeight + top, info.filterWidth - 1 - left,
        info.inWidth - info.outWidth + left);
    if (fitted === null) {
      return tf.zeros(info.filterShape);
    }
    const grad = convolveFitted(fitted, filter);
    // [out channels, kh, kw, in channels], offsets reversed.
    return tf.transpose(tf.reverse(grad, [1, 2]), [1, 2, 3, 0]);
  });
}

/**
 * The input gradient of a strided convolution, phase by phase.
 *
 * With t = h + top and p = t mod s, output row h of dx only meets the
 * taps i = p, p + s, p + 2s, ... of the filter, and dy's row t div s - a
 * for tap p + s a. So each phase (p_h, p_w) of dx is a stride-1 "full"
 * convolution of dy itself with that phase's taps, flipped; the phases
 * are then interleaved. The products are those of the forward
 * convolution, where convolving dy spread out with zeros (below) does
 * s_h * s_w times as many: 37 against 13 ms for the stride-2 downsampling
 * of 32 [32, 32, 32] images to 64 channels.
 */
function inputGradientByPhases(
    dy: tf.Tensor, weights: tf.Tensor, info: Conv2DInfo): tf.Tensor {
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [kh, kw] = [info.filterHeight, info.filterWidth];
  const {top, left} = info.padInfo;
  const batch = dy.shape[0];
  const channels = info.inChannels;
  // Rows t = q * sh + p, q < qh, cover t in [top, top + inHeight).
  const qh = Math.ceil((top + info.inHeight) / sh);
  const qw = Math.ceil((left + info.inWidth) / sw);
  const phases: tf.Tensor[] = [];
  for (let ph = 0; ph < sh; ph++) {
    for (let pw = 0; pw < sw; pw++) {
      const taps = [Math.ceil((kh - ph) / sh), Math.ceil((kw - pw) / sw)];
      if (taps[0] <= 0 || taps[1] <= 0) {
        phases.push(tf.zeros([batch, qh, qw, channels]));
        continue;
      }
      // Taps ph, ph + sh, ... and pw, pw + sw, ...: [a, b, c, k].
      const sub = tf.stridedSlice(
          weights, [ph, pw, 0, 0], [kh, kw, channels, info.outChannels],
          [sh, sw, 1, 1]);
      // Flipped, channels swapped: [a', b', k, c].
      const flipped = tf.transpose(tf.reverse(sub, [0, 1]), [0, 1, 3, 2]);
      // Z[q] = sum over a of dy[q - a] * sub[a], q from 0: dy padded
      // by taps - 1 in front, to qh rows (cropped or padded after).
      const fitted = fit2d(
          dy, taps[0] - 1, qh - dy.shape[1]!, taps[1] - 1,
          qw - dy.shape[2]!);
      phases.push(
          fitted === null ? tf.zeros([batch, qh, qw, channels]) :
                            convolveFitted(fitted, flipped));
    }
  }
  // [sh, sw, batch, qh, qw, c] -> [batch, qh, sh, qw, sw, c]: row t.
  const interleaved = tf.reshape(
      tf.transpose(tf.reshape(tf.stack(phases),
                              [sh, sw, batch, qh, qw, channels]),
                   [2, 3, 0, 4, 1, 5]),
      [batch, qh * sh, qw * sw, channels]);
  return tf.slice(interleaved, [0, top, left, 0],
                  [batch, info.inHeight, info.inWidth, channels]);
}

/**
 * dx[n, h, w, c] = sum over i, j, k of
 *   z[n, h + top - i, w + left - j, k] * filter[i, j, c, k]
 * where z is dy spread out by the forward stride (at stride 1; strided
 * convolutions go by phases, inputGradientByPhases).
 */
function conv2dBackpropInput(args: KernelArgs): tf.Tensor {
  const dy = input(args, 'dy', tf.Conv2DBackpropInput);
  const filter = input(args, 'filter', tf.Conv2DBackpropInput);
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = conv2dInfo(
      attrs.inputShape, filter.shape, attrs.strides, 1, attrs.pad,
      attrs.dimRoundingMode, false, dataFormat);
  const channelsFirst = info.dataFormat === 'channelsFirst';
  return withTensors([dy, filter], ([gradient, weights]) => {
    const nhwc =
        channelsFirst ? tf.transpose(gradient, [0, 2, 3, 1]) : gradient;
    if (info.strideHeight > 1 || info.strideWidth > 1) {
      const dx = inputGradientByPhases(nhwc, weights, info);
      return channelsFirst ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
    }
    const spread =
        spreadByStrides(nhwc, [info.strideHeight, info.strideWidth]);
    const flipped = tf.transpose(tf.reverse(weights, [0, 1]), [0, 1, 3, 2]);
    const top = info.filterHeight - 1 - info.padInfo.top;
    const left = info.filterWidth - 1 - info.padInfo.left;
    const fitted = fit2d(
        spread, top,
        info.inHeight + info.filterHeight - 1 - spread.shape[1]! - top, left,
        info.inWidth + info.filterWidth - 1 - spread.shape[2]! - left);
    if (fitted === null) {
      return tf.zeros(attrs.inputShape);
    }
    const dx = convolveFitted(fitted, flipped);
    return channelsFirst ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

/**
 * dW[i, j, c, m] = sum over n, y, x of
 *   input[n, y * s + i * d - top, x * s + j * d - left, c]
 *   * dy[n, y, x, c * M + m].
 *
 * The input is seen as one image of batch * channels channels and dy as
 * the filter [out H, out W, batch * channels, M]; the batch is summed after.
 */
function depthwiseConv2dNativeBackpropFilter(args: KernelArgs): tf.Tensor {
  const name = tf.DepthwiseConv2dNativeBackpropFilter;
  const x = input(args, 'x', name);
  const dy = input(args, 'dy', name);
  const attrs =
      args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = conv2dInfo(
      x.shape, attrs.filterShape, attrs.strides, attrs.dilations ?? 1,
      attrs.pad, attrs.dimRoundingMode, true);
  const [batch, , , channels] = x.shape;
  const multiplier = info.outChannels / info.inChannels;
  return withTensors([x, dy], ([images, gradient]) => {
    const stacked = tf.reshape(
        tf.transpose(images, [1, 2, 0, 3]),
        [1, info.inHeight, info.inWidth, batch * channels]);
    const filter = tf.reshape(
        tf.transpose(gradient, [1, 2, 0, 3]),
        [info.outHeight, info.outWidth, batch * channels, multiplier]);
    const rows = (info.filterHeight - 1) * info.dilationHeight +
        (info.outHeight - 1) * info.strideHeight + 1;
    const cols = (info.filterWidth - 1) * info.dilationWidth +
        (info.outWidth - 1) * info.strideWidth + 1;
    const {top, left} = info.padInfo;
    const fitted = fit2d(
        stacked, top, rows - info.inHeight - top, left,
        cols - info.inWidth - left);
    if (fitted === null) {
      return tf.zeros(info.filterShape);
    }
    const perImage = tf.engine().runKernel(
        tf.DepthwiseConv2dNative, {x: fitted.x, filter}, {
          strides: [info.dilationHeight, info.dilationWidth],
          pad: fitted.pad,
          dilations: [info.strideHeight, info.strideWidth],
        }) as tf.Tensor4D;
    return tf.sum(
        tf.reshape(
            perImage,
            [info.filterHeight, info.filterWidth, batch, channels,
             multiplier]),
        2);
  });
}

/**
 * dx[n, h, w, c] = sum over i, j, m of
 *   z[n, h + top - i * d, w + left - j * d, c * M + m] * filter[i, j, c, m]
 * where z is dy spread out by the forward stride; then a sum over m.
 */
function depthwiseConv2dNativeBackpropInput(args: KernelArgs): tf.Tensor {
  const name = tf.DepthwiseConv2dNativeBackpropInput;
  const dy = input(args, 'dy', name);
  const filter = input(args, 'filter', name);
  const attrs =
      args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = conv2dInfo(
      attrs.inputShape, filter.shape, attrs.strides, attrs.dilations ?? 1,
      attrs.pad, attrs.dimRoundingMode, true);
  const multiplier = info.outChannels / info.inChannels;
  return withTensors([dy, filter], ([gradient, weights]) => {
    const spread =
        spreadByStrides(gradient, [info.strideHeight, info.strideWidth]);
    const flipped = tf.reshape(
        tf.reverse(weights, [0, 1]),
        [info.filterHeight, info.filterWidth, info.outChannels, 1]);
    const reachHeight = (info.filterHeight - 1) * info.dilationHeight;
    const reachWidth = (info.filterWidth - 1) * info.dilationWidth;
    const top = reachHeight - info.padInfo.top;
    const left = reachWidth - info.padInfo.left;
    const fitted = fit2d(
        spread, top, info.inHeight + reachHeight - spread.shape[1]! - top,
        left, info.inWidth + reachWidth - spread.shape[2]! - left);
    if (fitted === null) {
      return tf.zeros(info.inShape);
    }
    const perChannel = tf.engine().runKernel(
        tf.DepthwiseConv2dNative, {x: fitted.x, filter: flipped}, {
          strides: [1, 1],
          pad: fitted.pad,
          dilations: [info.dilationHeight, info.dilationWidth],
        }) as tf.Tensor4D;
    if (multiplier === 1) {
      return perChannel;
    }
    return tf.sum(
        tf.reshape(perChannel, [...info.inShape, multiplier]), 4);
  });
}

function conv3dInfo(
    xShape: number[], filterShape: number[],
    strides: number|number[], pad: 'valid'|'same'):
    tf.backend_util.Conv3DInfo {
  return tf.backend_util.computeConv3DInfo(
      xShape as [number, number, number, number, number],
      filterShape as [number, number, number, number, number],
      strides as [number, number, number], 1, pad);
}

/** The 3-D counterpart of conv2dBackpropFilter (NDHWC, no dilation). */
function conv3dBackpropFilter(args: KernelArgs): tf.Tensor {
  const x = input(args, 'x', tf.Conv3DBackpropFilterV2);
  const dy = input(args, 'dy', tf.Conv3DBackpropFilterV2);
  const attrs = args.attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
  const info = conv3dInfo(x.shape, attrs.filterShape, attrs.strides,
                          attrs.pad);
  return withTensors([x, dy], ([volumes, gradient]) => {
    const swapped = tf.transpose(volumes, [4, 1, 2, 3, 0]);
    const filter = tf.transpose(gradient, [1, 2, 3, 0, 4]) as tf.Tensor5D;
    const geometry = [
      [info.filterDepth, info.outDepth, info.strideDepth, info.inDepth,
       info.padInfo.front],
      [info.filterHeight, info.outHeight, info.strideHeight, info.inHeight,
       info.padInfo.top],
      [info.filterWidth, info.outWidth, info.strideWidth, info.inWidth,
       info.padInfo.left],
    ];
    const before = geometry.map(([, , , , pad]) => pad);
    const after = geometry.map(
        ([f, out, s, size, pad]) => f + (out - 1) * s - size - pad);
    const fitted = padOrCrop(swapped, before, after, true);
    if (fitted === null) {
      return tf.zeros(info.filterShape);
    }
    const grad = tf.conv3d(
        fitted.x as tf.Tensor5D, filter, 1, 'valid', 'NDHWC',
        [info.strideDepth, info.strideHeight, info.strideWidth]);
    return tf.transpose(grad, [1, 2, 3, 0, 4]);
  });
}

/** The 3-D counterpart of conv2dBackpropInput (NDHWC, no dilation). */
function conv3dBackpropInput(args: KernelArgs): tf.Tensor {
  const dy = input(args, 'dy', tf.Conv3DBackpropInputV2);
  const filter = input(args, 'filter', tf.Conv3DBackpropInputV2);
  const attrs = args.attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
  const info = conv3dInfo(attrs.inputShape, filter.shape, attrs.strides,
                          attrs.pad);
  return withTensors([dy, filter], ([gradient, weights]) => {
    const spread = spreadByStrides(
        gradient, [info.strideDepth, info.strideHeight, info.strideWidth]);
    const flipped = tf.transpose(
        tf.reverse(weights, [0, 1, 2]), [0, 1, 2, 4, 3]) as tf.Tensor5D;
    const geometry = [
      [info.filterDepth, info.inDepth, info.padInfo.front],
      [info.filterHeight, info.inHeight, info.padInfo.top],
      [info.filterWidth, info.inWidth, info.padInfo.left],
    ];
    const before = geometry.map(([f, , pad]) => f - 1 - pad);
    const after = geometry.map(
        ([f, size], i) => size + f - 1 - spread.shape[i + 1] - before[i]);
    const fitted = padOrCrop(spread, before, after, true);
    if (fitted === null) {
      return tf.zeros(attrs.inputShape);
    }
    return tf.conv3d(fitted.x as tf.Tensor5D, flipped, 1, 'valid');
  });
}

/** The kernels of this module, for wasm_kernels.ts to register. */
export const CONV_KERNELS: readonly tf.KernelConfig[] = [
  wasmKernel(tf.Conv2DBackpropFilter, conv2dBackpropFilter),
  wasmKernel(tf.Conv2DBackpropInput, conv2dBackpropInput),
  wasmKernel(
      tf.DepthwiseConv2dNativeBackpropFilter,
      depthwiseConv2dNativeBackpropFilter),
  wasmKernel(
      tf.DepthwiseConv2dNativeBackpropInput,
      depthwiseConv2dNativeBackpropInput),
  wasmKernel(tf.Conv3DBackpropFilterV2, conv3dBackpropFilter),
  wasmKernel(tf.Conv3DBackpropInputV2, conv3dBackpropInput),
];
