/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Gives the wasm backend's memory back by starting a fresh instance.
 *
 * The wasm backend keeps every tensor in one WebAssembly.Memory, which
 * grows to the most the process ever held at once and never shrinks: after
 * one large model, a search would keep that memory for the rest of its run.
 * Nothing shrinks a WebAssembly.Memory, but a new instance of the backend
 * has a new one, and V8 frees the old one once nothing reaches it.
 *
 * What else a restart takes care of:
 * - the native kernels this project replaced (wasm_kernels.ts): the engine
 *   sets up registered kernels only, so a replaced kernel's functions, and
 *   any shared with kernels still registered, would stay bound to the old
 *   instance and keep it alive (and, measured, a later convolution
 *   gradient then runs out of memory). Their setup runs again against the
 *   new instance;
 * - the process listeners ('uncaughtException', 'unhandledRejection'):
 *   each instance's Emscripten runtime adds two when it starts, and its
 *   disposal removes every listener that was there by then (its filter of
 *   the ones it added keeps them all), the application's too. The restart
 *   puts back those that were not the old runtime's own (recorded by
 *   `startWasmBackend`);
 * - the compiled code: the backend's loader compiles and instantiates its
 *   binary anew, asynchronously, on each start. In a search that took
 *   12-24 ms to come back, though compiling alone takes 2 ms and making an
 *   instance of the compiled module 1-2 ms: the rest was waiting for its
 *   turn on two busy cores. The module compiled at the first start is kept
 *   and instantiated again at once (`withCompiledModuleKept`): a restart's
 *   start took 14-22 ms, and takes 2.4-3.5 ms so.
 */

import {performance} from 'node:perf_hooks';

import {tf} from './tf';
import {stopWasmThreads, withWasmThreads} from './wasm_threads';

/**
 * The search binaries' --wasm_memory_limit_mb: three quarters of the
 * 16 MB the wasm memory starts with. Measured on the cnn test settings
 * (bench/search_overhead): tensors are placed ever higher as trials of
 * different sizes come and go, from 5 MB of the memory after trial 5 to
 * 15 MB after trial 50 (RSS +16%); with this limit one restart in 50
 * trials brings it back (RSS +4%).
 */
export const DEFAULT_WASM_MEMORY_LIMIT_MB = 12;

/** tfjs-backend-wasm registers its factory with this priority. */
const WASM_PRIORITY = 2;
const RUNTIME_EVENTS = ['uncaughtException', 'unhandledRejection'];

type Listener = (...args: unknown[]) => void;

/** Listeners the running wasm instance's runtime added to `process`. */
let runtimeListeners: Array<[string, Listener]> = [];

/** Native kernels replaced by this project's, as first registered. */
const replacedNatives = new Map<string, tf.KernelConfig>();

/** The parts of the WebAssembly namespace used here (not in lib ES2022). */
declare interface WasmNamespace {
  instantiate(source: unknown, imports?: unknown): Promise<unknown>;
  Instance: new (module: object, imports?: unknown) => object;
}

/**
 * The wasm backend's module as first compiled, and the binary it was
 * compiled from.
 */
let compiled: {binary: Buffer, module: object}|undefined;

/**
 * Runs `start` (a start of the wasm backend) with WebAssembly.instantiate
 * wrapped: the first binary it is given is compiled and kept, and given
 * that binary again (byte for byte: a reinstalled package may bring
 * another), it instantiates the kept module instead of compiling anew.
 * Any other call passes through. The wrapper is removed when `start`
 * settles; nothing else in a search instantiates wasm meanwhile.
 */
async function withCompiledModuleKept<T>(start: () => Promise<T>):
    Promise<T> {
  const wasm = (globalThis as unknown as {WebAssembly: WasmNamespace})
                   .WebAssembly;
  const instantiate = wasm.instantiate;
  wasm.instantiate = async (source: unknown, imports?: unknown) => {
    const binary = source instanceof ArrayBuffer ? Buffer.from(source) :
        ArrayBuffer.isView(source) ?
        Buffer.from(source.buffer, source.byteOffset, source.byteLength) :
        undefined;
    if (binary === undefined) {
      return instantiate.call(wasm, source, imports);
    }
    const kept = compiled;
    if (kept !== undefined && kept.binary.equals(binary)) {
      // At once: awaited, the instance took 13-21 ms to come in a
      // search; made here, 1-2 ms.
      return {module: kept.module,
              instance: new wasm.Instance(kept.module, imports)};
    }
    const result = await instantiate.call(wasm, source, imports) as
        {module: object, instance: object};
    if (kept === undefined) {
      compiled = {binary: Buffer.from(binary), module: result.module};
    }
    return result;
  };
  try {
    return await start();
  } finally {
    wasm.instantiate = instantiate;
  }
}

/** Threads of the wasm backend's pool, as the first start was asked. */
let threadsAsked = 1;

/**
 * Starts the wasm backend (`tf.setBackend('wasm')`) and records the process
 * listeners its runtime adds, so that a restart can remove them.
 *
 * @param threads Threads for its kernels (wasm_threads.ts); a restart
 *     keeps those of the first start.
 * @returns what tf.setBackend returns.
 */
export async function startWasmBackend(threads?: number): Promise<boolean> {
  if (threads !== undefined) threadsAsked = threads;
  const before = new Map(RUNTIME_EVENTS.map(
      (event) => [event, new Set(process.listeners(event as 'exit'))]));
  try {
    const started = await withCompiledModuleKept(
        () => withWasmThreads(threadsAsked, () => tf.setBackend('wasm')));
    if (started) trackTensorAllocations();
    return started;
  } finally {
    for (const event of RUNTIME_EVENTS) {
      for (const listener of process.listeners(event as 'exit')) {
        if (!before.get(event)!.has(listener)) {
          runtimeListeners.push([event, listener as Listener]);
        }
      }
    }
  }
}

/**
 * Records a native wasm kernel before it is unregistered for a replacement,
 * so that a restart can bind it to the new instance.
 */
export function noteReplacedNative(config: tf.KernelConfig): void {
  if (!replacedNatives.has(config.kernelName)) {
    replacedNatives.set(config.kernelName, config);
  }
}

let restarts = 0;
let restartSeconds = 0;

/** The end of the highest tensor buffer the running instance handed out. */
let tensorHighWater = 0;

/** The size of the running instance's memory when it started. */
let startingBytes = 0;

/** Instances whose allocations are tracked (setBackend may start none). */
const trackedModules = new WeakSet<object>();

/** Tensor buffers alive in the running instance: offset -> bytes. */
const liveBuffers = new Map<number, number>();
let liveBytes = 0;

/** The most bytes of tensor buffers alive at once since markWasmPeriod. */
let peakLiveBytes = 0;

/**
 * Wraps the running instance's malloc and free, through which the backend
 * places and releases every tensor, to keep `tensorHighWater`, `liveBytes`
 * and `peakLiveBytes`. The allocator hands out the lowest free block that
 * fits, so the high-water mark tells how much of the memory has been
 * touched: the pages below it are resident for good, those above it never
 * were. (The allocations of the native kernels' operators do not pass
 * here; they are small next to the tensors.)
 */
function trackTensorAllocations(): void {
  type Malloc = (bytes: number) => number;
  type Free = (offset: number) => void;
  const module = (tf.backend() as unknown as {
                   wasm?: {_malloc?: Malloc, _free?: Free,
                           asm?: {malloc?: Malloc, free?: Free}},
                 }).wasm;
  // The exports themselves: Emscripten's _malloc and _free are stubs that
  // replace themselves with the exports on their first call, which would
  // drop a wrapper.
  const malloc = module?.asm?.malloc;
  const free = module?.asm?.free;
  if (module === undefined || malloc === undefined || free === undefined ||
      trackedModules.has(module)) {
    return;
  }
  trackedModules.add(module);
  tensorHighWater = 0;
  startingBytes = wasmMemoryBytes();
  liveBuffers.clear();
  liveBytes = 0;
  peakLiveBytes = 0;
  module._malloc = (bytes: number) => {
    const offset = malloc(bytes);
    const start = offset >>> 0;
    tensorHighWater = Math.max(tensorHighWater, start + bytes);
    liveBuffers.set(start, bytes);
    liveBytes += bytes;
    peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
    return offset;
  };
  module._free = (offset: number) => {
    const start = offset >>> 0;
    liveBytes -= liveBuffers.get(start) ?? 0;
    liveBuffers.delete(start);
    free(offset);
  };
}

/**
 * Starts a new period for `wasmMemoryWasted`: the peak of tensor memory
 * alive at once is counted from now (a search calls it as a trial starts).
 */
export function markWasmPeriod(): void {
  peakLiveBytes = liveBytes;
}

/**
 * How far into its memory the running wasm instance has placed tensors:
 * the highest end of a tensor buffer so far (0 on other backends).
 */
export function wasmTensorHighWaterBytes(): number {
  return tracking() ? tensorHighWater : 0;
}

/** Whether the running backend is a wasm instance whose tensors we track. */
function tracking(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const module = (tf.backend() as unknown as {wasm?: object}).wasm;
  return module !== undefined && trackedModules.has(module);
}

/**
 * Whether the wasm memory holds more than `limitBytes` of touched pages and
 * more than twice what tensors needed at once since markWasmPeriod: then a
 * restart (restartWasmBackend) gives back memory that trials like the last
 * one would not use. Memory that the last period did need is kept, or each
 * trial would pay for a restart and touch the same pages again.
 */
export function wasmMemoryWasted(limitBytes: number): boolean {
  const touched = wasmMemoryTouchedBytes();
  const peak = tracking() ? peakLiveBytes : 0;
  return touched > limitBytes && touched > 2 * peak;
}

/**
 * The part of the running wasm instance's memory that counts towards RSS:
 * all of it once it has grown past its starting size (or when its tensors
 * are not tracked), else the pages below the tensor high-water mark (0 on
 * other backends).
 */
export function wasmMemoryTouchedBytes(): number {
  const size = wasmMemoryBytes();
  // An instance started elsewhere than startWasmBackend: all of it.
  if (!tracking()) return size;
  return size > startingBytes ? size : tensorHighWater;
}

/** How many times restartWasmBackend replaced the backend. */
export function wasmRestartCount(): number {
  return restarts;
}

/** Seconds those restarts took, their collections included. */
export function wasmRestartSeconds(): number {
  return restartSeconds;
}

/** Bytes of the running wasm backend's memory; 0 on other backends. */
export function wasmMemoryBytes(): number {
  if (tf.getBackend() !== 'wasm') return 0;
  const backend = tf.backend() as unknown as {wasm?: {HEAPU8?: Uint8Array}};
  return backend.wasm?.HEAPU8?.length ?? 0;
}

/**
 * Replaces the running wasm backend by a fresh instance with a fresh
 * memory. The old memory goes at the next full garbage collection, run at
 * once when the process was started with --expose-gc.
 *
 * @returns false, doing nothing, when the wasm backend is not the running
 *     one or tensors are alive on it (they live in the old memory).
 */
export async function restartWasmBackend(): Promise<boolean> {
  if (tf.getBackend() !== 'wasm' || tf.backend().numDataIds() > 0) {
    return false;
  }
  const start = performance.now();
  const factory = tf.findBackendFactory('wasm');
  removeOldInstance();
  // Its kernels' threads, if any, hold the old memory.
  await stopWasmThreads();
  tf.registerBackend('wasm', factory, WASM_PRIORITY);
  if (!await startWasmBackend()) {
    throw new Error(
        'the wasm backend did not start again (TensorFlow.js printed the ' +
        'cause above)');
  }
  const backend = tf.backend();
  for (const native of replacedNatives.values()) {
    native.setupFunc?.(backend);
  }
  restarts++;
  // The old memory counts little towards V8's own schedule of full
  // collections; a process started with --expose-gc frees it now. With the
  // search binaries' node flags (trainer.bzl) one collection does, measured
  // with /proc/self/smaps; with V8's concurrent sweeping of array buffers
  // (its default) the memory goes at some later collection.
  (globalThis as {gc?: () => void}).gc?.();
  restartSeconds += (performance.now() - start) / 1000;
  return true;
}

/**
 * Removes the running wasm backend and its runtime's process listeners,
 * and puts back the others' listeners its disposal removed. Apart from
 * restartWasmBackend so that none of the old instance's listeners stays
 * referenced from that function while it collects the old memory
 * (measured: the old memory then stayed until the next collection).
 */
function removeOldInstance(): void {
  const runtime = new Set<unknown>(runtimeListeners.map(([, l]) => l));
  const others = RUNTIME_EVENTS.map((event) => [
    event,
    process.listeners(event as 'exit').filter((l) => !runtime.has(l)),
  ] as const);
  tf.removeBackend('wasm');
  for (const [event, listener] of runtimeListeners) {
    process.removeListener(event, listener);
  }
  runtimeListeners = [];
  for (const [event, listeners] of others) {
    const left = new Set(process.listeners(event as 'exit'));
    for (const listener of listeners) {
      if (!left.has(listener)) process.on(event as 'exit', listener);
    }
  }
}
