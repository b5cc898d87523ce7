/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * BatchMatMul and _FusedMatMul on wasm with their operands transposed
 * first, explicitly, whenever transposeA or transposeB is set; and
 * _FusedMatMul of batched matrices, or with a bias of another shape than
 * [columns], made right (see composedFusedMatMul).
 *
 * Also made right (tfjs-backend-wasm 4.22, each shown against cpu in
 * wasm_kernels_test):
 *  - The native kernels keep the XNNPACK operator made for a right-hand
 *    operand under that operand's storage id, whatever its shape. A
 *    storage met again under another shape (a reshape, or the transpose of
 *    a [n, 1] weight, which moves no element and so shares it) got the old
 *    operator: wrong products, or writes past the output (the gradient of
 *    an LSTM of one unit, or of [5, 1] x [1, 7], broke the wasm memory).
 *    Such an operand is copied to storage of its own for the call.
 *  - An inner dimension of 0 left the output unwritten; it is zeros (then
 *    the bias and the activation). An empty output divided by zero.
 *
 * tfjs-backend-wasm multiplies plain operands with XNNPACK but takes a far
 * slower path for transposed ones (measured: transposeA 10 to 16 times
 * slower than the plain product, transposeB about 6 times), and the
 * gradient of every dense layer asks for exactly those: dW = x^T dy and
 * dx = dy W^T. A transpose costs one pass over an operand, so transposing
 * and then taking the fast path wins at every size we measured
 * (bench/steps prints the effect on whole training steps).
 *
 * Measured and not kept: the weight gradient of a layer of few units on
 * a wide input (dW = x^T dy, x [32, 16384], dy [32, 10], the logits of
 * a convolutional tower) turned around as (dy^T x)^T, which transposes
 * only the small operands. With the same operands multiplied again and
 * again it looked three times faster (1.6 against 4.9 ms), as XNNPACK
 * keeps the packed right-hand operand; with new operands at each call,
 * as in training, x is packed anew every time and the turned product was
 * slower at every size tried (1.3 to 3.4 times, N = 2 to 10, M = 256 to
 * 16384, K = 32 to 128).
 */

import {tf} from './tf';
import {biasedAndActivated, input, KernelArgs, withTensors, wrapNativeKernels} from './wasm_kernel_util';

/** Kernels wrapped by this module. */
export const WASM_MATMUL_KERNELS: readonly string[] =
    [tf.BatchMatMul, tf._FusedMatMul];

declare interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** The kernel functions of this module, to keep wrapping idempotent. */
const OURS = new WeakSet<tf.KernelFunc>();

declare interface FusedAttrs extends MatMulAttrs {
  activation: string;
  leakyreluAlpha?: number;
}

/**
 * _FusedMatMul as a plain product followed by the bias and the
 * activation, for what the native kernel gets wrong: a batch of more than
 * one matrix (row r of matrix k > 0 got bias values of other columns), a
 * bias of another shape than [columns] (a [1] bias was added as if it
 * were [columns] long; one of rank 0 or 2 threw), an inner dimension of 0.
 */
function composedFusedMatMul(args: KernelArgs): tf.Tensor {
  const attrs = args.attrs as unknown as FusedAttrs;
  const names = ['a', 'b', 'bias', 'preluActivationWeights'];
  const present = names.filter((n) => args.inputs[n] !== undefined);
  return withTensors(present.map((n) => args.inputs[n]!), (tensors) => {
    const t: Record<string, tf.Tensor> = {};
    present.forEach((n, i) => t[n] = tensors[i]);
    const out = innerSize(t['a'].shape, attrs.transposeA) === 0 ?
        tf.zeros(productShape(t['a'].shape, t['b'].shape, attrs)) :
        tf.matMul(t['a'], t['b'], attrs.transposeA, attrs.transposeB);
    return biasedAndActivated(
        out, t['bias'], attrs.activation, attrs.leakyreluAlpha,
        t['preluActivationWeights'], '_FusedMatMul');
  });
}

/** The length of the axis a product sums over, from `a`'s shape. */
function innerSize(aShape: readonly number[], transposeA: boolean): number {
  return aShape[aShape.length - (transposeA ? 2 : 1)];
}

/** The shape of a batched product's output (batch axes broadcast). */
function productShape(
    aShape: readonly number[], bShape: readonly number[],
    attrs: MatMulAttrs): number[] {
  const rows = aShape[aShape.length - (attrs.transposeA ? 1 : 2)];
  const cols = bShape[bShape.length - (attrs.transposeB ? 2 : 1)];
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(
      aShape.slice(0, -2), bShape.slice(0, -2));
  return [...batch, rows, cols];
}

/**
 * The shape under which the native kernels last met each right-hand
 * operand's storage (both kernels: which of them keeps operators apart is
 * the native code's business). A WeakMap, so it forgets storage released.
 */
const OPERATOR_SHAPES = new WeakMap<object, string>();

/**
 * Whether `b` (after the transposes are done) would meet a native
 * operator cached for its storage under another shape; notes its shape
 * otherwise.
 */
function metUnderAnotherShape(b: tf.TensorInfo): boolean {
  const shape = b.shape.join(',');
  const before = OPERATOR_SHAPES.get(b.dataId);
  if (before !== undefined && before !== shape) return true;
  OPERATOR_SHAPES.set(b.dataId, shape);
  return false;
}

/** The parts of the wasm backend used here. */
declare interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

/** A copy of `x` in storage of its own. */
function copied(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const out = backend.makeOutput([...x.shape], x.dtype);
  // Views taken after makeOutput, which may grow (and move) the heap.
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x));
  return out;
}

/**
 * For a * b^T (a [.., M, K], b [.., N, K]): whether computing it as
 * (b * a^T)^T moves fewer numbers than transposing b. Each way, the
 * transposed operand is copied once and XNNPACK packs the right-hand
 * one anew (it is a new tensor): 2 N K numbers for b^T, against 2 M K
 * for a^T and M N more for transposing the product back. The gradient of
 * a layer's input through a large weight at a small batch is such a
 * product (dx = dy W^T): an LSTM of 1024 units at a batch of 16
 * transposed and packed its [1024, 4096] recurrent kernel at every time
 * step of every backward pass (86 of 112 ms a time step; 2 ms so).
 */
function swappedMovesLess(
    aShape: readonly number[], bShape: readonly number[]): boolean {
  const m = aShape[aShape.length - 2];
  const k = aShape[aShape.length - 1];
  const n = bShape[bShape.length - 2];
  return 2 * m * k + m * n < 2 * n * k;
}

/** a * b^T as (b * a^T)^T through `native` (see swappedMovesLess). */
function swappedProduct(
    native: tf.KernelFunc, args: KernelArgs & {backend: WasmBackend},
    swapLastTwo: (x: tf.TensorInfo) => tf.TensorInfo): tf.TensorInfo {
  const a = args.inputs['a']!;
  const b = args.inputs['b']!;
  const made: tf.TensorInfo[] = [];
  try {
    let aT = swapLastTwo(a);
    made.push(aT);
    if (metUnderAnotherShape(aT)) {
      aT = copied(args.backend, aT);
      made.push(aT);
    }
    const productT = native({
      ...args, inputs: {a: b, b: aT},
      attrs: {...args.attrs, transposeA: false, transposeB: false},
    } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    made.push(productT);
    return swapLastTwo(productT);
  } finally {
    for (const info of made) args.backend.disposeData(info.dataId);
  }
}

/**
 * `native` called on operands transposed beforehand, with the transpose
 * flags cleared, and on a right-hand operand of its own storage where the
 * native operator cache would mistake it (see the module comment); the
 * copies are released after the call.
 */
function transposingFirst(nativeConfig: tf.KernelConfig): tf.KernelConfig {
  const native = nativeConfig.kernelFunc;
  const transpose = tf.getKernel(tf.Transpose, 'wasm')!.kernelFunc;
  const kernelFunc = (args: KernelArgs & {backend: WasmBackend}):
      tf.TensorInfo => {
    const attrs = args.attrs as unknown as MatMulAttrs;
    const a = input(args, 'a', nativeConfig.kernelName);
    const b = input(args, 'b', nativeConfig.kernelName);
    const batch = Math.max(a.shape[0], b.shape[0]);
    // No products to sum, or no output at all: the native kernels left
    // the first unwritten and divided by zero on the second.
    const empty = innerSize(a.shape, attrs.transposeA) === 0 ||
        productShape(a.shape, b.shape, attrs).some((n) => n === 0);
    if (nativeConfig.kernelName === tf._FusedMatMul) {
      const bias = args.inputs['bias'];
      const columns = b.shape[b.shape.length - (attrs.transposeB ? 2 : 1)];
      const plainBias = bias === undefined ||
          (bias.shape.length === 1 && bias.shape[0] === columns);
      if (empty || !plainBias ||
          (batch > 1 && (bias !== undefined ||
                         args.inputs['preluActivationWeights'] !==
                             undefined))) {
        return composedFusedMatMul(args);
      }
    } else if (empty) {
      return tf.zeros(productShape(a.shape, b.shape, attrs));
    }
    const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
      const perm = x.shape.map((_, i) => i);
      const last = perm.length - 1;
      [perm[last - 1], perm[last]] = [perm[last], perm[last - 1]];
      return transpose({inputs: {x}, backend: args.backend,
                        attrs: {perm}}) as tf.TensorInfo;
    };
    if (nativeConfig.kernelName === tf.BatchMatMul && !attrs.transposeA &&
        attrs.transposeB && a.shape.length === b.shape.length &&
        a.shape.slice(0, -2).join(',') === b.shape.slice(0, -2).join(',') &&
        swappedMovesLess(a.shape, b.shape)) {
      return swappedProduct(native, args, swapLastTwo);
    }
    const made: tf.TensorInfo[] = [];
    const inputs = {...args.inputs};
    if (attrs.transposeA) {
      inputs['a'] = swapLastTwo(a);
      made.push(inputs['a']);
    }
    if (attrs.transposeB) {
      inputs['b'] = swapLastTwo(b);
      made.push(inputs['b']);
    }
    if (metUnderAnotherShape(inputs['b']!)) {
      inputs['b'] = copied(args.backend, inputs['b']!);
      made.push(inputs['b']);
    }
    try {
      return native({
        ...args, inputs,
        attrs: {...args.attrs, transposeA: false, transposeB: false},
      }) as tf.TensorInfo;
    } finally {
      for (const info of made) args.backend.disposeData(info.dataId);
    }
  };
  return {...nativeConfig, kernelFunc: kernelFunc as unknown as tf.KernelFunc};
}

/**
 * Wraps the native matrix products of wasm (see the module comment).
 * Call after the wasm backend has registered its kernels.
 *
 * @returns the names of the kernels wrapped by this call.
 */
export function registerWasmMatMulKernels(): string[] {
  return wrapNativeKernels(WASM_MATMUL_KERNELS, OURS, transposingFirst);
}
