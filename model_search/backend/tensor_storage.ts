/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The float32 values of a tensor where its backend keeps them, without a
 * copy: the wasm backend's linear memory or the cpu backend's array.
 *
 * dataSync() copies (the wasm backend slices its heap), and writing values
 * back means a new tensor, a wasm allocation and an upload. An optimizer
 * that updates every weight at every step does that for each variable:
 * on a small tower it is a tenth of the step and most of the process's
 * allocations. With the storage itself it reads gradients and writes
 * weights where they are.
 */

import {tf} from './tf';

/** The parts of the wasm backend read here (not in its public types). */
declare interface WasmBackendInternals {
  wasm: {
    HEAPU8: Uint8Array,
    tfjs: {
      disposeData(id: number): void,
      registerTensor(id: number, size: number, memoryOffset: number): void,
    },
  };
  dataIdMap: {
    get(dataId: object): {id: number, memoryOffset: number|null}|undefined,
  };
  refCount(dataId: object): number;
}

/** The parts of the cpu backend read here. */
declare interface CpuBackendInternals {
  data: {get(dataId: object): {values?: unknown}|undefined};
  refCount(dataId: object): number;
}

/**
 * A Float32Array over `tensor`'s values as its backend stores them, or
 * undefined when they are not float32 on the wasm or cpu backend.
 *
 * The view is only good until the next TensorFlow.js call: a wasm
 * allocation may grow the memory and detach it. Writing through it
 * changes every tensor that shares the storage (reshape and clone share
 * it) and leaves the wasm backend's cached operators stale: write with
 * updateInPlace.
 */
export function storageView(tensor: tf.Tensor): Float32Array|undefined {
  if (tensor.dtype !== 'float32' || tensor.isDisposed) return undefined;
  const size = tensor.size;
  const name = tf.getBackend();
  if (name === 'wasm') {
    const backend = tf.backend() as unknown as WasmBackendInternals;
    const offset = backend.dataIdMap.get(tensor.dataId)?.memoryOffset;
    if (offset === null || offset === undefined) return undefined;
    const heap = backend.wasm.HEAPU8;
    return new Float32Array(heap.buffer, heap.byteOffset + offset, size);
  }
  if (name === 'cpu') {
    const backend = tf.backend() as unknown as CpuBackendInternals;
    const values = backend.data.get(tensor.dataId)?.values;
    return values instanceof Float32Array && values.length === size ?
        values :
        undefined;
  }
  return undefined;
}

/**
 * Calls `update` with `tensor`'s values as its backend stores them, for it
 * to change them in place, when the tensor is their only owner; returns
 * false without calling it otherwise (another tensor shares the values,
 * or the backend lends none): the caller then writes a new tensor.
 *
 * The wasm backend caches XNNPACK operators with the weights they were
 * made from packed inside, keyed by the tensor; the tensor is registered
 * again after the update so that those operators are made anew, as they
 * would be for a new tensor.
 */
export function updateInPlace(
    tensor: tf.Tensor, update: (values: Float32Array) => void): boolean {
  const backend = tf.backend() as unknown as Partial<WasmBackendInternals>;
  if (typeof backend.refCount !== 'function' ||
      backend.refCount(tensor.dataId) !== 1) {
    return false;
  }
  const values = storageView(tensor);
  if (values === undefined) return false;
  update(values);
  if (tf.getBackend() === 'wasm') {
    const wasm = backend as WasmBackendInternals;
    const entry = wasm.dataIdMap.get(tensor.dataId)!;
    wasm.wasm.tfjs.disposeData(entry.id);
    wasm.wasm.tfjs.registerTensor(entry.id, tensor.size, entry.memoryOffset!);
  }
  return true;
}
