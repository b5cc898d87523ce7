/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Several threads for the wasm backend in Node (`--wasm_threads`).
 *
 * tfjs-backend-wasm ships a threaded SIMD build, whose XNNPACK kernels
 * (convolutions, matrix products) split their work over a pool of
 * threads, but in Node it never starts it, for three reasons this module
 * deals with while the backend starts:
 *  - its feature check answers "no threads" whenever it runs in Node:
 *    the flag is set by hand (Node has shared memory and wasm atomics);
 *  - it starts each thread from a `blob:` URL of the thread's script, which
 *    Node's worker_threads refuse (ERR_WORKER_PATH), and hands the thread
 *    the main script as a Blob the thread cannot read synchronously: while
 *    it starts, worker_threads' Worker is replaced by one that runs the
 *    same thread script from source (`eval`) and gives the thread the
 *    main script's file in the package (wasm-out/);
 *  - it caps the pool at half the logical cores (it assumes two hardware
 *    threads a core), which on a 2-core machine is one thread: while it
 *    starts, os.cpus() lists at least twice the threads asked for.
 * Both replacements are undone as soon as the backend has started.
 *
 * The build starts a fixed eight threads ahead, whatever the pool's size:
 * those the pool will not take are placeholders that answer as loaded
 * threads (AheadPlaceholder), and are dropped once it exists. The pool's
 * threads are unref'd (a search
 * that ends need not stop them) and stopped when the backend is replaced
 * (wasm_restart.ts), as they hold the old memory.
 */

import * as path from 'node:path';
import type {Worker, WorkerOptions} from 'node:worker_threads';

import {tf} from './tf';

// The modules' own export objects, which the build reads while it starts
// (an `import * as` namespace would be a copy).
const workerThreads =
    require('node:worker_threads') as {Worker: typeof Worker};
const os = require('node:os') as {cpus: () => unknown[]};

/** The most threads the package's pool takes (its build's limit). */
export const MAX_WASM_THREADS = 8;

/** Threads the build starts ahead, whatever the pool's size. */
const STARTED_AHEAD = 8;

/**
 * Stands in for a thread the build starts ahead that the pool will not
 * take: it answers the build's "load" as a loaded thread would, and is
 * stopped with the others once the pool exists. A Node worker costs about
 * 25 MB of RSS while it lives (measured: a search's peak RSS went from
 * 152 to 346 MB with eight of them); the pool of N threads takes N - 1
 * (the calling thread is the Nth), the last ones started.
 */
class AheadPlaceholder {
  private listener: ((data: unknown) => void)|undefined;

  on(event: string, listener: (data: unknown) => void): this {
    if (event === 'message') this.listener = listener;
    return this;
  }

  postMessage(message: {cmd?: unknown}): void {
    if (message?.cmd === 'load') {
      setImmediate(() => this.listener?.({cmd: 'loaded'}));
    }
  }

  ref(): void {}
  unref(): void {}

  terminate(): Promise<number> {
    return Promise.resolve(0);
  }
}

/** What a started threaded module exposes of Emscripten's thread pool. */
declare interface PThreadPool {
  /** Threads started and waiting for a pthread to run. */
  unusedWorkers: Worker[];
  /** Threads running a pthread: the pool's. */
  runningWorkers: Worker[];
}

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** Files of the package's threaded build, beside its dist/ directory. */
function threadedBuildFile(name: string): string {
  return path.join(path.dirname(require.resolve(WASM_PACKAGE)), '..',
                   'wasm-out', name);
}

/**
 * The source a pool thread runs: the package's own thread script, after a
 * listener that points the thread at the main script's file when it is
 * handed a Blob (listeners run in order, on one message object).
 */
function threadSource(): string {
  const {wasmWorkerContents} = require(threadedBuildFile(
      'tfjs-backend-wasm-threaded-simd.worker.js')) as
      {wasmWorkerContents: string};
  const mainScript = threadedBuildFile('tfjs-backend-wasm-threaded-simd.js');
  // Its string literals hold raw newlines (the package escapes them too).
  const contents = wasmWorkerContents.replace(/\n/g, '\\n');
  return `require('worker_threads').parentPort.on('message', (data) => {
  if (data && data.cmd === 'load' && typeof data.urlOrBlob !== 'string') {
    data.urlOrBlob = ${JSON.stringify(mainScript)};
  }
});
${contents}`;
}

/** The pool threads made by the last start, to stop with their backend. */
let poolThreads: Worker[] = [];

/**
 * Runs `start` (which starts the wasm backend) with the threaded build
 * enabled for `threads` threads; with 1, runs it as it is. Every
 * replacement made for the start is undone before returning.
 *
 * @throws Error when the threaded build does not start, or starts with
 *     another number of threads than asked.
 */
export async function withWasmThreads<T>(
    threads: number, start: () => Promise<T>): Promise<T> {
  const wasm = require(WASM_PACKAGE) as {
    setThreadsCount(count: number): void,
    getThreadsCount(): number,
  };
  if (threads <= 1) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return start();
  }
  const source = threadSource();
  const made: Worker[] = [];
  // The pool takes the threads started last (Emscripten's getNewWorker
  // pops them): those before are placeholders.
  let placeholders = Math.max(0, STARTED_AHEAD - (threads - 1));
  const NodeWorker = workerThreads.Worker;
  class PoolThread extends NodeWorker {
    constructor(file: string|URL, options?: WorkerOptions) {
      if (typeof file === 'string' && file.startsWith('blob:')) {
        if (placeholders > 0) {
          placeholders--;
          // A derived constructor may return another object instead.
          return new AheadPlaceholder() as unknown as PoolThread;
        }
        super(source, {...options, eval: true});
        made.push(this);
      } else {
        super(file, options);
      }
    }
  }
  const cpus = os.cpus;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  workerThreads.Worker = PoolThread;
  os.cpus = () => {
    const listed = cpus();
    while (listed.length > 0 && listed.length < 2 * threads) {
      listed.push(listed[0]);
    }
    return listed;
  };
  let result: T;
  try {
    result = await start();
  } finally {
    workerThreads.Worker = NodeWorker;
    os.cpus = cpus;
  }
  if (tf.getBackend() !== 'wasm') {
    // It did not start (TensorFlow.js said why): nothing to keep.
    for (const thread of made) void thread.terminate();
    return result;
  }
  const pool = threadPool();
  if (pool === undefined || wasm.getThreadsCount() !== threads) {
    for (const thread of made) void thread.terminate();
    throw new Error(
        `the wasm backend started ${pool === undefined ? 'without threads' :
            `with ${wasm.getThreadsCount()} thread(s)`}, not ${threads}`);
  }
  if (pool.runningWorkers.some((t) => t instanceof AheadPlaceholder)) {
    // The pool took a placeholder: its runtime changed how it picks them.
    throw new Error('the wasm backend\'s thread pool took a thread that ' +
                    'was not started; run with --wasm_threads=1');
  }
  // Started ahead by the build and not taken by the pool.
  for (const idle of pool.unusedWorkers.splice(0)) void idle.terminate();
  // The runtime keeps a process alive while a thread runs; the pool's
  // threads wait for work until the process ends, and need not hold it.
  for (const thread of pool.runningWorkers) thread.unref();
  poolThreads = made;
  return result;
}

/** The running wasm module's thread pool, if it is the threaded build. */
function threadPool(): PThreadPool|undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const module = (tf.backend() as unknown as {wasm?: {PThread?: PThreadPool}})
                     .wasm;
  return module?.PThread;
}

/**
 * Stops the threads of the backend instance started last: called once it
 * has been removed, as they hold its memory.
 */
export async function stopWasmThreads(): Promise<void> {
  const threads = poolThreads;
  poolThreads = [];
  await Promise.all(threads.map((thread) => thread.terminate()));
}

/** Threads of the running backend's pool (1 without the threaded build). */
export function wasmThreadCount(): number {
  return threadPool() === undefined ? 1 :
      (require(WASM_PACKAGE) as {getThreadsCount(): number}).getThreadsCount();
}
