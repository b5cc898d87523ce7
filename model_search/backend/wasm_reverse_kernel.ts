/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Reverse for the wasm backend as copies of contiguous runs in its memory.
 *
 * The native kernel decodes and re-encodes the index of every element. The
 * convolution gradients (wasm_conv_kernels.ts) reverse filters in space at
 * every step, where each position holds a run of channels: a training
 * profile of the test cnn search spent 0.9 s of 4.1 s of training there.
 * Here, the axes after the last reversed one are copied as one run
 * (copyWithin: a memmove), one run per position of the axes before.
 */

import {ValueError} from '../errors';
import {tf} from './tf';

/** The parts of the wasm backend used here. */
declare interface WasmBackend {
  wasm: {HEAPU8: Uint8Array};
  dataIdMap: {get(dataId: object): {memoryOffset: number}|undefined};
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** Runs shorter than this many bytes are moved element by element. */
const SHORTEST_RUN_BYTES = 64;

function bytesPerElement(dtype: tf.DataType): number {
  return dtype === 'bool' ? 1 : 4;
}

/**
 * `x` (numbers or booleans) reversed along `axes` into a new tensor of the
 * same shape, in the wasm backend's memory.
 */
export function reverseInWasmMemory(
    backend: WasmBackend, x: tf.TensorInfo, axes: number[]): tf.TensorInfo {
  const shape = x.shape;
  const out = backend.makeOutput([...shape], x.dtype);
  const heap = backend.wasm.HEAPU8;
  const from = backend.dataIdMap.get(x.dataId)!.memoryOffset;
  const to = backend.dataIdMap.get(out.dataId)!.memoryOffset;
  const size = shape.reduce((a, b) => a * b, 1);
  const width = bytesPerElement(x.dtype);
  if (size === 0) return out;
  const reversed = shape.map((_, axis) => axes.includes(axis));
  const last = axes.length === 0 ? -1 : Math.max(...axes);
  if (last < 0) {
    heap.copyWithin(to, from, from + size * width);
    return out;
  }
  // One run per index of axes 0..last; each run is the rest, contiguous.
  const runElements = shape.slice(last + 1).reduce((a, b) => a * b, 1);
  const runBytes = runElements * width;
  const outer = shape.slice(0, last + 1);
  const stride = new Array<number>(outer.length);
  for (let axis = outer.length - 1, s = 1; axis >= 0; axis--) {
    stride[axis] = s;
    s *= outer[axis];
  }
  const index = new Array<number>(outer.length).fill(0);
  const runs = size / runElements;
  // Not `length >> 2`: a heap of 2 GiB or more would turn it negative.
  const elements = width === 4 ?
      new Int32Array(heap.buffer, heap.byteOffset,
                     Math.floor(heap.length / 4)) :
      heap;
  for (let run = 0; run < runs; run++) {
    let source = 0;
    for (let axis = 0; axis < outer.length; axis++) {
      source += (reversed[axis] ? outer[axis] - 1 - index[axis] : index[axis]) *
          stride[axis];
    }
    if (runBytes >= SHORTEST_RUN_BYTES) {
      heap.copyWithin(to + run * runBytes, from + source * runBytes,
                      from + (source + 1) * runBytes);
    } else {
      // Offsets are multiples of the element width (wasm's malloc aligns).
      const toElement = (to + run * runBytes) / width;
      const fromElement = (from + source * runBytes) / width;
      for (let i = 0; i < runElements; i++) {
        elements[toElement + i] = elements[fromElement + i];
      }
    }
    for (let axis = outer.length - 1; axis >= 0; axis--) {
      if (++index[axis] < outer[axis]) break;
      index[axis] = 0;
    }
  }
  return out;
}

/**
 * The Reverse kernel on wasm, for the dtypes the wasm backend keeps in its
 * memory (tf.reverse itself refuses strings).
 */
export const REVERSE_KERNEL: tf.KernelConfig = {
  kernelName: tf.Reverse,
  backendName: 'wasm',
  kernelFunc: ((args: {inputs: tf.NamedTensorInfoMap,
                       attrs?: tf.NamedAttrMap,
                       backend: {}}): tf.TensorInfo => {
    const x = args.inputs['x']!;
    if (x.dtype === 'string' || x.dtype === 'complex64') {
      throw new ValueError(
          `Reverse on wasm: dtype ${x.dtype} is not supported`);
    }
    const dims = (args.attrs as unknown as tf.ReverseAttrs).dims;
    const axes = tf.util.parseAxisParam(dims, x.shape);
    return reverseInWasmMemory(
        args.backend as unknown as WasmBackend, x, axes);
  }) as unknown as tf.KernelFunc,
};
