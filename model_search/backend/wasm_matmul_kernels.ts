/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * BatchMatMul and _FusedMatMul on wasm with their operands transposed
 * first, explicitly, whenever transposeA or transposeB is set; and
 * _FusedMatMul of batched matrices with a bias made right (see
 * batchedFusedMatMul).
 *
 * tfjs-backend-wasm multiplies plain operands with XNNPACK but takes a far
 * slower path for transposed ones (measured: transposeA 10 to 16 times
 * slower than the plain product, transposeB about 6 times), and the
 * gradient of every dense layer asks for exactly those: dW = x^T dy and
 * dx = dy W^T. A transpose costs one pass over an operand, so transposing
 * and then taking the fast path wins at every size we measured
 * (bench/steps prints the effect on whole training steps).
 */

import {tf} from './tf';
import {ValueError} from '../errors';
import {input, KernelArgs, withTensors, wrapNativeKernels} from './wasm_kernel_util';

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
 * _FusedMatMul of a batch of more than one matrix, as a plain product
 * followed by the bias and the activation: the native kernel adds the
 * bias wrongly past the first matrix of a batch (tfjs-backend-wasm 4.22:
 * row r of matrix k > 0 gets bias values of other columns), which
 * wasm_kernels_test shows against cpu.
 */
function batchedFusedMatMul(args: KernelArgs): tf.Tensor {
  const attrs = args.attrs as unknown as FusedAttrs;
  const names = ['a', 'b', 'bias', 'preluActivationWeights'];
  const present = names.filter((n) => args.inputs[n] !== undefined);
  return withTensors(present.map((n) => args.inputs[n]!), (tensors) => {
    const t: Record<string, tf.Tensor> = {};
    present.forEach((n, i) => t[n] = tensors[i]);
    let out = tf.matMul(t['a'], t['b'], attrs.transposeA, attrs.transposeB);
    if (t['bias'] !== undefined) out = tf.add(out, t['bias']);
    switch (attrs.activation) {
      case 'linear':
        return out;
      case 'relu':
        return tf.relu(out);
      case 'relu6':
        return tf.relu6(out);
      case 'elu':
        return tf.elu(out);
      case 'sigmoid':
        return tf.sigmoid(out);
      case 'leakyrelu':
        return tf.leakyRelu(out, attrs.leakyreluAlpha ?? 0.2);
      case 'prelu':
        return tf.prelu(out, t['preluActivationWeights']);
      default:
        throw new ValueError(`_FusedMatMul on wasm: unknown activation "${
            attrs.activation}"`);
    }
  });
}

/**
 * `native` called on operands transposed beforehand, with the transpose
 * flags cleared; the transposed copies are released after the call.
 */
function transposingFirst(nativeConfig: tf.KernelConfig): tf.KernelConfig {
  const native = nativeConfig.kernelFunc;
  const transpose = tf.getKernel(tf.Transpose, 'wasm')!.kernelFunc;
  const kernelFunc = (args: KernelArgs & {backend: tf.KernelBackend}):
      tf.TensorInfo => {
    const attrs = args.attrs as unknown as MatMulAttrs;
    const a = input(args, 'a', nativeConfig.kernelName);
    const b = input(args, 'b', nativeConfig.kernelName);
    const batch = Math.max(a.shape[0], b.shape[0]);
    if (nativeConfig.kernelName === tf._FusedMatMul && batch > 1 &&
        (args.inputs['bias'] !== undefined ||
         args.inputs['preluActivationWeights'] !== undefined)) {
      return batchedFusedMatMul(args);
    }
    if (!attrs.transposeA && !attrs.transposeB) {
      return native(args) as tf.TensorInfo;
    }
    const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
      const perm = x.shape.map((_, i) => i);
      const last = perm.length - 1;
      [perm[last - 1], perm[last]] = [perm[last], perm[last - 1]];
      return transpose({inputs: {x}, backend: args.backend,
                        attrs: {perm}}) as tf.TensorInfo;
    };
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
