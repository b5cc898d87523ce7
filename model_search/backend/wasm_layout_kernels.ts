/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Identity, Cast and Transpose on wasm without the copies the native
 * kernels make.
 *
 * Identity: the native kernel copies its input into a new buffer, and
 * training calls it for every tensor a gradient keeps (tf.clone in the
 * engine's save functions): in the cnn of bench/steps that is about a
 * dozen copies per step, up to 2 MB each. Here the output shares the
 * input's storage and counts one more reference to it, as the cpu backend
 * does and as Reshape does on wasm. Nothing writes into a tensor's storage
 * afterwards except tensor_storage.updateInPlace, which only does so when
 * the storage has a single reference.
 *
 * Cast to the dtype a tensor already has: shared the same way (the cpu
 * backend does so too). The gradient of every relu casts its float32 step
 * to float32, a copy of the activations each step (0.2 ms for the
 * [32, 16, 16, 64] layer of bench/steps' cnn). Cast to bool, which the
 * native kernel gets wrong (tfjs-backend-wasm 4.22 copies the numbers
 * into bytes: 3 stays 3, -2 becomes 254, 0.5 becomes 0), is a comparison
 * with zero here, as on cpu.
 *
 * Slice: the native kernel read its whole input out of the wasm memory
 * into a new array before copying the slice (2.9 ms to crop 32 [18, 18,
 * 64] activations to [16, 16, 64], as pooling gradients and convolution
 * gradients do); here the slice is copied from the memory itself.
 *
 * StridedSlice with steps other than 1 (or any slice not contiguous):
 * copied here. The native kernel took 85 ns an element (11 ms for each
 * window position of a 3x3 max-pooling gradient of 32 [16, 16, 64]
 * activations), labelled an int32 output float32 (5 read as 7e-45), and
 * read bools as 4-byte numbers.
 *
 * GatherV2 with batch dimensions (batchDims > 0): the native kernel got
 * the values wrong for every dtype; here the batches are folded into the
 * gathered axis (each batch's indices offset past the earlier batches')
 * and one gather without batch dimensions does the work.
 *
 * Transpose: the axes are first simplified (size-1 axes dropped, axes that
 * stay neighbours merged). A permutation that then leaves the order
 * unchanged shares the input's storage. Otherwise the native kernel,
 * given the simplified shape and permutation, writes the output in order
 * and reads the input with the stride of the axis that becomes last. Where
 * that stride is 64 KB or more, the reads of one pass all land in the
 * same few cache sets and evict each other: the filter gradient of a
 * convolution transposes [32, 16, 16, 64] activations to [64, 16, 16, 32]
 * (2.0 ms), a dense layer's gradient a [32, 16384] input (1.5 ms), 32 rows
 * at a stride of 16384 elements each time. Those are copied here in 8x8
 * tiles instead, which keep both reads and writes within a few cache
 * lines (1.1 and 1.0 ms). At smaller strides the native loop was as fast
 * or faster (0.08 vs 0.38 ms for [16384, 10]), so it keeps them, and
 * strings; but not beyond NATIVE_MAX_RANK axes, where it is slow.
 */

import {input, NativeArgs, replacing, withTensors, wrapNativeKernels} from './wasm_kernel_util';
import {tf} from './tf';

/** Kernels wrapped by this module. */
export const WASM_LAYOUT_KERNELS: readonly string[] =
    [tf.Identity, tf.Cast, tf.Transpose, tf.Slice, tf.StridedSlice,
     tf.GatherV2];

/** The kernel functions of this module, to keep wrapping idempotent. */
const OURS = new WeakSet<tf.KernelFunc>();

/** The parts of the wasm backend used here. */
declare interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

/** A transpose with size-1 axes dropped and neighbouring axes merged. */
export declare interface SimplifiedTranspose {
  /** Sizes of the merged input axes, in input order. */
  shape: number[];
  /** Output axis j is merged input axis perm[j]. */
  perm: number[];
}

/**
 * `shape` and `perm` reduced to the fewest axes that describe the same
 * movement of elements. An identity result (perm [0, 1, ...]) means the
 * output has the input's layout.
 */
export function simplifyTranspose(
    shape: readonly number[], perm: readonly number[]): SimplifiedTranspose {
  // Output order of the input axes longer than 1.
  const kept = perm.filter((axis) => shape[axis] !== 1);
  // Runs of consecutive input axes, in output order.
  const runs: number[][] = [];
  for (const axis of kept) {
    const run = runs[runs.length - 1];
    if (run !== undefined && run[run.length - 1] + 1 === axis) {
      run.push(axis);
    } else {
      runs.push([axis]);
    }
  }
  // Number the runs in input order.
  const inputOrder = runs.map((_, i) => i).sort(
      (a, b) => runs[a][0] - runs[b][0]);
  const mergedShape = inputOrder.map(
      (r) => runs[r].reduce((size, axis) => size * shape[axis], 1));
  const mergedPerm = runs.map((_, r) => inputOrder.indexOf(r));
  return {shape: mergedShape, perm: mergedPerm};
}

/** Square tiles of this side keep a tile's reads and writes in cache. */
const TILE = 8;

/**
 * Transposes whose native read stride is at least this many elements (64 KB
 * of float32) are tiled here; see the module comment.
 */
export const TILED_READ_STRIDE = 16384;

/**
 * ... and which read at least this many rows at that stride: fewer fit in
 * the ways of one cache set (0.15 ms natively for [10, 16384], 0.38 here).
 */
export const TILED_MIN_ROWS = 16;

/**
 * dst[dst0 + c * dstRow + r] = src[src0 + r * srcRow + c] for r < rows and
 * c < cols, tile by tile.
 */
function transposeTiles(
    src: tf.TypedArray, dst: tf.TypedArray, rows: number, cols: number,
    src0: number, srcRow: number, dst0: number, dstRow: number): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = r0 + TILE < rows ? r0 + TILE : rows;
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = c0 + TILE < cols ? c0 + TILE : cols;
      for (let r = r0; r < r1; r++) {
        let s = src0 + r * srcRow + c0;
        let d = dst0 + c0 * dstRow + r;
        for (let c = c0; c < c1; c++) {
          dst[d] = src[s];
          s++;
          d += dstRow;
        }
      }
    }
  }
}

/**
 * Writes into `dst` the transpose of `src` described by `t`, whose last
 * input axis must move (t.perm ends with an axis other than the last).
 *
 * Each index of the axes other than the input's last and the output's last
 * selects one matrix, transposed by transposeTiles.
 */
export function transposeMovingLastAxis(
    src: tf.TypedArray, dst: tf.TypedArray, t: SimplifiedTranspose): void {
  const rank = t.shape.length;
  const inStride = new Array<number>(rank);
  for (let axis = rank - 1, s = 1; axis >= 0; axis--) {
    inStride[axis] = s;
    s *= t.shape[axis];
  }
  // Stride in the output of each input axis.
  const outStride = new Array<number>(rank);
  for (let j = rank - 1, s = 1; j >= 0; j--) {
    outStride[t.perm[j]] = s;
    s *= t.shape[t.perm[j]];
  }
  const lastIn = rank - 1;
  const lastOut = t.perm[rank - 1];
  const others = t.shape.map((_, axis) => axis).filter(
      (axis) => axis !== lastIn && axis !== lastOut);
  const index = new Array<number>(others.length).fill(0);
  const matrices = others.reduce((n, axis) => n * t.shape[axis], 1);
  for (let m = 0; m < matrices; m++) {
    let src0 = 0;
    let dst0 = 0;
    for (let k = 0; k < others.length; k++) {
      src0 += index[k] * inStride[others[k]];
      dst0 += index[k] * outStride[others[k]];
    }
    transposeTiles(
        src, dst, t.shape[lastOut], t.shape[lastIn], src0, inStride[lastOut],
        dst0, outStride[lastIn]);
    for (let k = others.length - 1; k >= 0; k--) {
      if (++index[k] < t.shape[others[k]]) break;
      index[k] = 0;
    }
  }
}

/**
 * Writes into `dst` the transpose of `src` described by `t`, whose last
 * input axis stays last (t.perm ends with it): runs of that axis's length
 * are copied whole, in the output's order.
 */
export function transposeKeepingLastAxis(
    src: tf.TypedArray, dst: tf.TypedArray, t: SimplifiedTranspose): void {
  const rank = t.shape.length;
  const run = t.shape[rank - 1];
  const inStride = new Array<number>(rank);
  for (let axis = rank - 1, s = 1; axis >= 0; axis--) {
    inStride[axis] = s;
    s *= t.shape[axis];
  }
  // Output axes but the last, outermost first: their sizes and the
  // input strides they step by.
  const outer = t.perm.slice(0, rank - 1);
  const sizes = outer.map((axis) => t.shape[axis]);
  const steps = outer.map((axis) => inStride[axis]);
  const index = new Array<number>(outer.length).fill(0);
  const runs = dst.length / Math.max(run, 1);
  let from = 0;
  for (let r = 0, to = 0; r < runs; r++, to += run) {
    if (run >= 16) {
      dst.set(src.subarray(from, from + run), to);
    } else {
      for (let i = 0; i < run; i++) dst[to + i] = src[from + i];
    }
    // Next output position: the innermost outer axis moves first.
    for (let k = outer.length - 1; k >= 0; k--) {
      from += steps[k];
      if (++index[k] < sizes[k]) break;
      from -= steps[k] * sizes[k];
      index[k] = 0;
    }
  }
}

/**
 * The native Transpose of tfjs-backend-wasm is fast up to this many axes
 * and takes a path some twenty times slower beyond (measured: 57 ms for a
 * million floats moved as [2, 2, 512, 16, 32] by [2, 0, 3, 1, 4], 2.7 ms
 * as [2, 16384, 32] by [1, 0, 2]). Transposes are simplified first
 * (simplifyTranspose); those still longer are copied here.
 */
export const NATIVE_MAX_RANK = 4;

/**
 * Whether the transpose `t` (simplified, not the identity) is copied here
 * in tiles rather than by the native kernel: it reads at least
 * TILED_MIN_ROWS rows at a stride of at least TILED_READ_STRIDE elements.
 */
export function tiles(t: SimplifiedTranspose): boolean {
  const lastOut = t.perm[t.perm.length - 1];
  const readStride = t.shape.slice(lastOut + 1).reduce((a, b) => a * b, 1);
  return readStride >= TILED_READ_STRIDE && t.shape[lastOut] >= TILED_MIN_ROWS;
}

/** `x`'s storage under a new shape, with one more reference counted. */
function sharing(
    backend: WasmBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  backend.incRef(x.dataId);
  return {dataId: x.dataId, shape, dtype: x.dtype};
}

/** 4-byte elements are copied as integers: every bit pattern survives. */
function elementsOf(array: tf.TypedArray): tf.TypedArray {
  return array instanceof Float32Array ?
      new Int32Array(array.buffer, array.byteOffset, array.length) :
      array;
}

function identity(native: tf.KernelFunc, args: NativeArgs<WasmBackend>):
    tf.TensorInfo {
  const x = input(args, 'x', tf.Identity);
  if (x.dtype === 'string') return native(args) as tf.TensorInfo;
  return sharing(args.backend, x, [...x.shape]);
}

function cast(native: tf.KernelFunc, args: NativeArgs<WasmBackend>):
    tf.TensorInfo {
  const x = input(args, 'x', tf.Cast);
  const dtype = (args.attrs as unknown as tf.CastAttrs).dtype;
  if (x.dtype === 'string' || x.dtype === 'complex64') {
    return native(args) as tf.TensorInfo;
  }
  if (dtype === x.dtype) return sharing(args.backend, x, [...x.shape]);
  if (dtype === 'bool') {
    return withTensors(
        [x], ([t]) => tf.notEqual(t, tf.scalar(0, t.dtype)));
  }
  return native(args) as tf.TensorInfo;
}

function slice(native: tf.KernelFunc, args: NativeArgs<WasmBackend>):
    tf.TensorInfo {
  const x = input(args, 'x', tf.Slice);
  if (x.dtype === 'string' || x.dtype === 'complex64') {
    return native(args) as tf.TensorInfo;
  }
  const {begin, size} = args.attrs as unknown as tf.SliceAttrs;
  const [start, shape] = tf.slice_util.parseSliceParams(x, begin, size);
  const out = args.backend.makeOutput(shape, x.dtype);
  if (shape.some((n) => n === 0)) return out;
  // Views taken after makeOutput, which may grow (and move) the heap.
  const src = elementsOf(args.backend.typedArrayFromHeap(x));
  const dst = elementsOf(args.backend.typedArrayFromHeap(out));
  if (tf.slice_util.isSliceContinous(x.shape, start, shape)) {
    const offset = tf.slice_util.computeFlatOffset(
        start, tf.util.computeStrides(x.shape));
    dst.set(src.subarray(offset, offset + dst.length));
  } else {
    copyStrided(src, dst, x.shape, start, start.map(() => 1), shape);
  }
  return out;
}

function stridedSlice(native: tf.KernelFunc, args: NativeArgs<WasmBackend>):
    tf.TensorInfo {
  const x = input(args, 'x', tf.StridedSlice);
  const a = args.attrs as unknown as tf.StridedSliceAttrs;
  const info = tf.slice_util.sliceInfo(
      x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask,
      a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
  // Those the native kernel takes as a contiguous slice are right and fast.
  if (x.dtype === 'string' || x.dtype === 'complex64' || info.isIdentity ||
      info.sliceDim0 || info.isSimpleSlice) {
    return native(args) as tf.TensorInfo;
  }
  const out = args.backend.makeOutput([...info.finalShape], x.dtype);
  if (info.finalShapeSparse.some((n) => n === 0)) return out;
  // Views taken after makeOutput, which may grow (and move) the heap.
  copyStrided(
      elementsOf(args.backend.typedArrayFromHeap(x)),
      elementsOf(args.backend.typedArrayFromHeap(out)), x.shape, info.begin,
      info.strides, info.finalShapeSparse);
  return out;
}

/**
 * dst[i_0, ..., i_r] = src[begin_0 + i_0 s_0, ..., begin_r + i_r s_r] for
 * every index of `shape` (the output, as many axes as src), in order.
 */
export function copyStrided(
    src: tf.TypedArray, dst: tf.TypedArray, srcShape: readonly number[],
    begin: readonly number[], strides: readonly number[],
    shape: readonly number[]): void {
  const rank = srcShape.length;
  const inStride = new Array<number>(rank);
  for (let axis = rank - 1, s = 1; axis >= 0; axis--) {
    inStride[axis] = s;
    s *= srcShape[axis];
  }
  const last = rank - 1;
  const run = shape[last];
  const step = strides[last] * inStride[last];
  const jumps = strides.map((s, axis) => s * inStride[axis]);
  const index = new Array<number>(rank).fill(0);
  let from = begin.reduce((sum, b, axis) => sum + b * inStride[axis], 0);
  // Runs of consecutive elements go as block copies: element by element,
  // JavaScript reads and writes the wasm memory at some 4 ns an element.
  const blocks = step === 1 && run >= 16;
  for (let to = 0; to < dst.length; to += run) {
    if (blocks) {
      dst.set(src.subarray(from, from + run), to);
    } else {
      for (let i = 0, f = from; i < run; i++, f += step) dst[to + i] = src[f];
    }
    // Next row: the innermost axis but the last moves first.
    for (let k = last - 1; k >= 0; k--) {
      from += jumps[k];
      if (++index[k] < shape[k]) break;
      from -= jumps[k] * shape[k];
      index[k] = 0;
    }
  }
}

function gather(native: tf.KernelFunc, args: NativeArgs<WasmBackend>):
    tf.TensorInfo {
  const x = input(args, 'x', tf.GatherV2);
  const indices = input(args, 'indices', tf.GatherV2);
  const {axis, batchDims} = args.attrs as unknown as tf.GatherV2Attrs;
  if (!batchDims) return native(args) as tf.TensorInfo;
  const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
      x as tf.Tensor, indices as tf.Tensor, parsedAxis, batchDims);
  if (tf.util.sizeFromShape(x.shape) === 0 ||
      tf.util.sizeFromShape(indices.shape) === 0) {
    // Natively: the batch-flattened shape, not the output's.
    return args.backend.makeOutput([...info.outputShape], x.dtype);
  }
  if (info.batchSize === 1) return native(args) as tf.TensorInfo;
  const {batchSize, outerSize, dimSize, sliceSize} = info;
  return withTensors([x, indices], ([values, ids]) => {
    const perBatch = ids.size / batchSize;
    // [outer, batch * dim, slice]: batch b's rows follow batch b - 1's.
    const folded = tf.reshape(
        tf.transpose(
            tf.reshape(values, [batchSize, outerSize, dimSize, sliceSize]),
            [1, 0, 2, 3]),
        [outerSize, batchSize * dimSize, sliceSize]);
    const offsets = tf.mul(
        tf.range(0, batchSize, 1, 'int32').reshape([batchSize, 1]),
        tf.scalar(dimSize, 'int32'));
    const shifted = tf.reshape(
        tf.add(tf.reshape(tf.cast(ids, 'int32'), [batchSize, perBatch]),
               offsets),
        [batchSize * perBatch]);
    const gathered = tf.reshape(
        tf.gather(folded, shifted, 1),
        [outerSize, batchSize, perBatch, sliceSize]);
    return tf.reshape(tf.transpose(gathered, [1, 0, 2, 3]), info.outputShape);
  });
}

function transpose(native: tf.KernelFunc, args: NativeArgs<WasmBackend>):
    tf.TensorInfo {
  const x = input(args, 'x', tf.Transpose);
  const perm = (args.attrs as unknown as tf.TransposeAttrs).perm;
  if (x.dtype === 'string' || x.dtype === 'complex64' ||
      perm.length !== x.shape.length) {
    return native(args) as tf.TensorInfo;
  }
  const outShape = perm.map((axis) => x.shape[axis]);
  // Natively a division by zero in the wasm code (and a leaked output).
  if (x.shape.some((n) => n === 0)) {
    return args.backend.makeOutput(outShape, x.dtype);
  }
  const simple = simplifyTranspose(x.shape, perm);
  if (simple.perm.every((axis, j) => axis === j)) {
    return sharing(args.backend, x, outShape);
  }
  const rank = simple.perm.length;
  if (!tiles(simple) && rank <= NATIVE_MAX_RANK) {
    // The native kernel on the fewest axes: the same storage under the
    // simplified shape; its output's storage under the real one.
    const out = native({
      ...args,
      inputs: {x: {dataId: x.dataId, shape: simple.shape, dtype: x.dtype}},
      attrs: {perm: simple.perm},
    } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    return {...out, shape: outShape};
  }
  const out = args.backend.makeOutput(outShape, x.dtype);
  // Views taken after makeOutput, which may grow (and move) the heap.
  const src = elementsOf(args.backend.typedArrayFromHeap(x));
  const dst = elementsOf(args.backend.typedArrayFromHeap(out));
  if (simple.perm[rank - 1] === rank - 1) {
    transposeKeepingLastAxis(src, dst, simple);
  } else {
    transposeMovingLastAxis(src, dst, simple);
  }
  return out;
}

/**
 * Wraps the native Identity, Cast, Slice, StridedSlice, GatherV2 and
 * Transpose of wasm (see the module comment). Call after the wasm backend has
 * registered its kernels.
 *
 * @returns the names of the kernels wrapped by this call.
 */
export function registerWasmLayoutKernels(): string[] {
  const bodies: Record<string, typeof identity> = {
    [tf.Identity]: identity,
    [tf.Cast]: cast,
    [tf.Slice]: slice,
    [tf.StridedSlice]: stridedSlice,
    [tf.GatherV2]: gather,
    [tf.Transpose]: transpose,
  };
  return wrapNativeKernels(
      WASM_LAYOUT_KERNELS, OURS,
      (native) => replacing(native, bodies[native.kernelName]));
}
