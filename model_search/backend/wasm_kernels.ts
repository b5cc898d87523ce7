/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Kernels that training on the wasm backend of TensorFlow.js 4.22 needs:
 * the ones it lacks, and replacements for ones it gets wrong or slow.
 *
 * Missing (only the cpu and webgl backends have them): Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput
 * (the gradients of conv2d, conv1d, separable and depthwise convolutions)
 * and UnsortedSegmentSum (the gradient of gather, used by embeddings).
 *
 * Replaced, measured against the cpu backend and finite differences:
 *  - MaxPoolGrad, MaxPool3D, MaxPool3DGrad: wrong wherever a window holds
 *    only negative values (see wasm_pool_kernels.ts);
 *  - Conv3DBackpropFilterV2, Conv3DBackpropInputV2: wrong, even for a
 *    1x1x1 filter;
 *  - OneHot: writes int32 bit patterns into a float32 output (1 reads as
 *    1.4e-45); only the dtype 'int32' (the default) was right;
 *  - Reverse: right but slow where runs of elements could be copied
 *    whole, as the convolution gradients below reverse filters (see
 *    wasm_reverse_kernel.ts);
 *  - Identity and Transpose: right but copying where no copy is needed, or
 *    transposing at a stride that thrashes the cache (see
 *    wasm_layout_kernels.ts);
 *  - Cast to bool, and the forward convolutions and poolings in some
 *    geometries ('same' padding at strides above the filter, empty
 *    outputs), and the matrix products whose right-hand operand's storage
 *    was met under another shape: wrong, or writing outside their output
 *    (see wasm_layout_kernels.ts, wasm_window_kernels.ts and
 *    wasm_matmul_kernels.ts); clipping of int32, Prelu with an alpha of
 *    some shapes, Sign near zero, cumulative sums over a negative axis
 *    (wasm_elementwise_kernels.ts); StridedSlice of int32 and bool with
 *    steps, GatherV2 with batch dimensions (wasm_layout_kernels.ts); Sum
 *    and Mean over no elements (wasm_reduce_kernels.ts);
 *  - Conv2DBackpropInput: right but 3 to 8 times slower than the same
 *    gradient run as one forward convolution (60 ms against 7 ms for a
 *    3x3, stride-1, 16-to-32-channel layer on 32 images of 16x16); it is
 *    the input gradient of every convolution after the first layer, and
 *    the forward pass of conv2dTranspose.
 *
 * Each is written as a few kernels wasm runs well (XNNPACK convolutions,
 * an argMax, a ScatterNd); see wasm_conv_kernels.ts and
 * wasm_pool_kernels.ts.
 *
 * Refused (they throw NotImplementedError instead of returning wrong
 * values): MaxPoolWithArgmax, which has the max-pooling defect, and
 * Dilation2DBackpropFilter / Dilation2DBackpropInput, whose tf.dilation2d
 * gradients differ from finite differences by 30%. No layer uses them.
 * TODO: rewrite these three from the window copies of wasm_pool_kernels.ts.
 *
 * Known differences from cpu left as they are (two sweeps of ops and
 * their gradients against cpu found them; no block or training step of
 * this project meets them): NaN through relu6, maximum, minimum and
 * pooling windows (wasm gives a number), pow(1, NaN) = 1, prelu with an
 * infinite alpha at a positive input (NaN); unary float ops (log1p, asin,
 * ...) on int32 tensors, and int32 division or modulo by zero (a wasm
 * trap); max, min, prod, any, all and logSumExp over no elements (what the
 * memory held); element-wise ops on tensors of 7 axes; sin and cos beyond
 * 1e20; resizeNearestNeighbor of int32 returns float32, unsortedSegmentSum
 * of int32 float32; NCHW forward convolutions throw; int32 matMul and
 * einsum have no wasm kernel. A numeric `pad` with a window or strides
 * that differ between height and width is sized wrongly by tfjs-core on
 * every backend: wasm makes it the explicit padding it means (right
 * shapes) for convolutions and max pooling, and refuses it for average
 * pooling (wasm_window_kernels.ts).
 */

import {NotImplementedError, ValueError} from '../errors';
import {tf} from './tf';
import {CONV_KERNELS} from './wasm_conv_kernels';
import {input, KernelArgs, wasmKernel, withTensors} from './wasm_kernel_util';
import {registerWasmElementwiseKernels} from './wasm_elementwise_kernels';
import {registerWasmLayoutKernels} from './wasm_layout_kernels';
import {registerWasmMatMulKernels} from './wasm_matmul_kernels';
import {noteReplacedNative} from './wasm_restart';
import {REVERSE_KERNEL} from './wasm_reverse_kernel';
import {POOL_KERNELS} from './wasm_pool_kernels';
import {registerWasmReduceKernels} from './wasm_reduce_kernels';
import {registerWasmWindowKernels} from './wasm_window_kernels';

/** The kernels that wasm lacks and this module adds. */
export const WASM_TRAINING_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropInput,
  tf.UnsortedSegmentSum,
];

/** Kernels that wasm has but this module replaces (wrong or slow). */
export const WASM_REPLACED_KERNELS: readonly string[] = [
  tf.Conv2DBackpropInput,
  tf.Conv3DBackpropFilterV2,
  tf.Conv3DBackpropInputV2,
  tf.MaxPoolGrad,
  tf.MaxPool3D,
  tf.MaxPool3DGrad,
  tf.OneHot,
  tf.MaxPoolWithArgmax,
  tf.Dilation2DBackpropFilter,
  tf.Dilation2DBackpropInput,
  tf.Reverse,
];

/** The kernel functions of this module, to keep registration idempotent. */
const OURS = new WeakSet<tf.KernelFunc>();

/**
 * Registers the kernels of `WASM_TRAINING_KERNELS` for the 'wasm' backend
 * and replaces those of `WASM_REPLACED_KERNELS`.
 *
 * Idempotent: a missing kernel that is already registered for wasm (by an
 * earlier call, or natively by a later version of the wasm backend) is left
 * alone, and so is a replacement already in place. Call it after loading
 * @tensorflow/tfjs-backend-wasm (selectBackend does): before, only the
 * missing kernels are registered, since loading the package afterwards
 * would register its own versions over the replacements.
 *
 * @returns the names of the kernels registered by this call.
 */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  const configs = [...KERNEL_CONFIGS];
  const nativeOneHot = tf.getKernel(tf.OneHot, 'wasm');
  if (nativeOneHot !== undefined && !OURS.has(nativeOneHot.kernelFunc)) {
    configs.push(oneHotConfig(nativeOneHot));
  }
  for (const config of configs) {
    OURS.add(config.kernelFunc);
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (WASM_REPLACED_KERNELS.includes(config.kernelName)) {
      if (existing === undefined || existing.kernelFunc === config.kernelFunc) {
        continue;
      }
      noteReplacedNative(existing);
      tf.unregisterKernel(config.kernelName, 'wasm');
    } else if (existing !== undefined) {
      continue;
    }
    tf.registerKernel(config);
    added.push(config.kernelName);
  }
  // Layout first: the matrix products call the Transpose registered then.
  return [
    ...added, ...registerWasmLayoutKernels(), ...registerWasmMatMulKernels(),
    ...registerWasmReduceKernels(), ...registerWasmWindowKernels(),
    ...registerWasmElementwiseKernels(),
  ];
}

/**
 * OneHot through the native kernel, which is right for int32 only: other
 * dtypes ask it for 0/1 in int32, then cast and scale to off/on values.
 */
function oneHotConfig(nativeConfig: tf.KernelConfig): tf.KernelConfig {
  const native = nativeConfig.kernelFunc;
  const kernelFunc = (args: KernelArgs & {backend: {}}): tf.TensorInfo => {
    const attrs = args.attrs as unknown as tf.OneHotAttrs;
    if (attrs.dtype === 'int32') {
      return native(args) as tf.TensorInfo;
    }
    const bits = native(
        {...args, attrs: {...attrs, dtype: 'int32', onValue: 1, offValue: 0}});
    const ints = tf.engine().makeTensorFromTensorInfo(bits as tf.TensorInfo);
    try {
      return tf.tidy(() => {
        const flags = tf.cast(ints, attrs.dtype);
        if (attrs.onValue === 1 && attrs.offValue === 0) {
          return flags;
        }
        return tf.add(
            tf.mul(flags, tf.scalar(attrs.onValue - attrs.offValue,
                                    attrs.dtype)),
            tf.scalar(attrs.offValue, attrs.dtype));
      });
    } finally {
      ints.dispose();
    }
  };
  // The native setup binds the wasm function the native kernel calls.
  return {...nativeConfig, kernelFunc: kernelFunc as unknown as tf.KernelFunc};
}

/**
 * out[k, ...] = sum of x[i, ...] over the i whose segmentIds[i] is k.
 *
 * Only one-dimensional segment ids are accepted (what tf.unsortedSegmentSum
 * and the gradient of gather pass); ids outside [0, numSegments) are
 * dropped.
 */
function unsortedSegmentSum(args: KernelArgs): tf.Tensor {
  const x = input(args, 'x', tf.UnsortedSegmentSum);
  const segmentIds = input(args, 'segmentIds', tf.UnsortedSegmentSum);
  const {numSegments} = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new ValueError(
        `UnsortedSegmentSum on wasm: segmentIds of shape ` +
        `[${segmentIds.shape}] must be one-dimensional and as long as the ` +
        `first axis of x (shape [${x.shape}]); flatten both first`);
  }
  const rest = x.shape.slice(1);
  return withTensors([x, segmentIds], ([values, ids]) => {
    if (values.size === 0 || numSegments === 0) {
      return tf.zeros([numSegments, ...rest], values.dtype);
    }
    const inRange = tf.logicalAnd(
        tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
    const rows = tf.where(inRange, ids, tf.scalar(numSegments, 'int32'));
    const withSpare = tf.scatterND(
        tf.expandDims(rows, 1), values, [numSegments + 1, ...rest]);
    return tf.slice(withSpare, 0, numSegments);
  });
}

/** A kernel that throws: the native one returns wrong values. */
function refused(kernelName: string, op: string): tf.KernelConfig {
  return wasmKernel(kernelName, () => {
    throw new NotImplementedError(
        `${op} on the wasm backend: its ${kernelName} kernel returns wrong ` +
        `values in tfjs-backend-wasm ${tf.version_core}; run with ` +
        `--backend=cpu (or tensorflow) to use ${op}`);
  });
}

const KERNEL_CONFIGS: readonly tf.KernelConfig[] = [
  ...CONV_KERNELS,
  ...POOL_KERNELS,
  REVERSE_KERNEL,
  wasmKernel(tf.UnsortedSegmentSum, unsortedSegmentSum),
  refused(tf.MaxPoolWithArgmax, 'tf.maxPoolWithArgmax'),
  refused(tf.Dilation2DBackpropFilter, 'the gradient of tf.dilation2d'),
  refused(tf.Dilation2DBackpropInput, 'the gradient of tf.dilation2d'),
];
