/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Picks the TensorFlow.js backend a process trains on (`--backend`).
 *
 * In order of preference: `tensorflow-gpu` (@tensorflow/tfjs-node-gpu,
 * libtensorflow with CUDA), `tensorflow` (@tensorflow/tfjs-node,
 * libtensorflow on the CPU), `wasm` (@tensorflow/tfjs-backend-wasm plus the
 * training kernels of wasm_kernels.ts) and `cpu` (plain JavaScript, always
 * there, far too slow for convolutions). The two tfjs-node packages are
 * optional dependencies that download libtensorflow while installing, so
 * they are usually absent; `auto` records why each one was skipped.
 *
 * Threads: the wasm backend runs its kernels on one thread unless asked
 * for more (`wasmThreads`), which starts the package's threaded SIMD build
 * in Node (wasm_threads.ts says how).
 */

import * as os from 'node:os';

import {UsageError, didYouMean} from '../errors';
import {tf} from './tf';
import {installLazyConvGradients} from './lazy_conv_gradients';
import {registerWasmTrainingKernels} from './wasm_kernels';
import {startWasmBackend} from './wasm_restart';
import {MAX_WASM_THREADS} from './wasm_threads';

/** The values of `--backend`. */
export const BACKEND_CHOICES =
    ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export type BackendRequest = typeof BACKEND_CHOICES[number];

/**
 * Other names users write for a backend, answered with the backend they
 * mean rather than the nearest spelling ("gpu" is nearer "cpu" by its
 * letters, not by its meaning): --backend of the search binaries and the
 * benchmarks.
 */
export const BACKEND_ALIASES: Readonly<Record<string, BackendRequest>> = {
  gpu: 'tensorflow-gpu', cuda: 'tensorflow-gpu', node: 'tensorflow',
  'tfjs-node': 'tensorflow', 'tfjs-node-gpu': 'tensorflow-gpu',
};

/** The outcome of `selectBackend`. */
export declare interface SelectedBackend {
  /**
   * 'tensorflow-gpu', 'tensorflow', 'wasm' or 'cpu'. Both tensorflow
   * variants register the TensorFlow.js backend named 'tensorflow'.
   */
  name: string;
  /** Why each preferred candidate was skipped, as 'name: why'. */
  reasons: string[];
}

export declare interface SelectBackendOptions {
  /**
   * Threads of the wasm backend's kernels (`--wasm_threads`, 1 to
   * MAX_WASM_THREADS; default 1): see wasm_threads.ts.
   */
  wasmThreads?: number;
  /** Loads a package by name; defaults to Node's `require` (for tests). */
  require?: (id: string) => unknown;
}

/** One backend to try: what loads it and what to install when it fails. */
interface Candidate {
  name: string;
  /** The npm package that provides it; undefined for the built-in cpu. */
  packageName?: string;
  /** The TensorFlow.js backend name the package registers. */
  tfName: string;
}

const TENSORFLOW_GPU: Candidate = {
  name: 'tensorflow-gpu',
  packageName: '@tensorflow/tfjs-node-gpu',
  tfName: 'tensorflow',
};
const TENSORFLOW: Candidate = {
  name: 'tensorflow',
  packageName: '@tensorflow/tfjs-node',
  tfName: 'tensorflow',
};
const WASM: Candidate = {
  name: 'wasm',
  packageName: '@tensorflow/tfjs-backend-wasm',
  tfName: 'wasm',
};
const CPU: Candidate = {name: 'cpu', tfName: 'cpu'};

const CANDIDATES: Record<BackendRequest, Candidate[]> = {
  'auto': [TENSORFLOW_GPU, TENSORFLOW, WASM, CPU],
  // CUDA or nothing: a GPU run that fell back to the CPU would look fine.
  'tensorflow-gpu': [TENSORFLOW_GPU],
  'tensorflow': [TENSORFLOW_GPU, TENSORFLOW],
  'wasm': [WASM],
  'cpu': [CPU],
};

/**
 * Loads and activates a backend; logs one line naming the choice and why
 * the preferred ones were skipped, e.g.
 * `backend: wasm with simd, 1 thread (tensorflow-gpu: not installed;
 * tensorflow: not installed)`.
 *
 * @param requested 'auto' takes the first that works of tensorflow-gpu,
 *     tensorflow, wasm, cpu; any other value insists on that backend
 *     ('tensorflow' accepts either tfjs-node package).
 * @param log Receives the one line.
 * @throws UsageError naming --backend and the package to install when an
 *     explicit request cannot be met, or when `requested` is unknown.
 */
export async function selectBackend(
    requested: BackendRequest, log: (line: string) => void,
    options: SelectBackendOptions = {}): Promise<SelectedBackend> {
  if (!Object.hasOwn(CANDIDATES, requested)) {
    throw new UsageError(
        `--backend=${requested}: unknown backend${
            // "gpu" is nearer "cpu" by its letters, not by its meaning.
            /gpu|cuda/i.test(String(requested)) ?
                '; did you mean "tensorflow-gpu"?' :
                didYouMean(String(requested), BACKEND_CHOICES)}; choose one ` +
        `of ${BACKEND_CHOICES.join(', ')}`);
  }
  const wasmThreads = options.wasmThreads ?? 1;
  if (!Number.isInteger(wasmThreads) || wasmThreads < 1 ||
      wasmThreads > MAX_WASM_THREADS) {
    throw new UsageError(
        `--wasm_threads=${wasmThreads}: give a whole number from 1 to ` +
        `${MAX_WASM_THREADS} (the most the wasm backend's thread pool takes)`);
  }
  const candidates = CANDIDATES[requested];
  const load = options.require ?? require;
  const reasons: string[] = [];
  for (const candidate of candidates) {
    const failure = await activate(candidate, load, wasmThreads);
    if (failure === undefined) {
      const detail = candidate.name === 'wasm' ?
          ` ${await describeWasm(load)}` :
          wasmThreads > 1 ? ` (--wasm_threads=${wasmThreads} unused)` : '';
      const skipped = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
      log(`backend: ${candidate.name}${detail}${skipped}`);
      const beyond = candidate.name === 'wasm' ?
          threadsBeyondCores(wasmThreads, os.availableParallelism()) :
          undefined;
      if (beyond !== undefined) log(`backend: warning: ${beyond}`);
      return {name: candidate.name, reasons};
    }
    reasons.push(`${candidate.name}: ${failure}`);
  }
  throw new UsageError(
      `--backend=${requested}: no backend could be started ` +
      `(${reasons.join('; ')}); ${installAdvice(requested)}`);
}

/**
 * Why `threads` wasm threads on a machine of `cores` cores slow a search
 * down, or undefined when they do not outnumber the cores. The pool's
 * threads spin while they wait for each other: measured on 2 cores, a
 * 10-trial CSV search took 9 s with one thread, 21 s with two and 51 s
 * with four (loaded host), and a dnn step 2.3 against 37 ms with four.
 */
export function threadsBeyondCores(threads: number, cores: number):
    string|undefined {
  if (threads <= cores) return undefined;
  return `--wasm_threads=${threads} is more than this machine's ${cores} ` +
      `core${cores === 1 ? '' : 's'}: the threads wait for each other and ` +
      'training steps get several times slower; give at most ' +
      `--wasm_threads=${cores}`;
}

/** Starts one backend; returns why it could not, or undefined. */
async function activate(
    candidate: Candidate, load: (id: string) => unknown,
    wasmThreads: number): Promise<string|undefined> {
  if (candidate.packageName !== undefined) {
    const failure = loadPackage(candidate.packageName, load);
    if (failure !== undefined) {
      return failure;
    }
  }
  if (tf.findBackendFactory(candidate.tfName) == null) {
    return `${candidate.packageName ?? 'tfjs'} loaded but registered no ` +
        `'${candidate.tfName}' backend with this copy of tfjs-core ` +
        `(${tf.version_core}); install a version matching @tensorflow/tfjs`;
  }
  let started: boolean;
  try {
    // wasm through startWasmBackend, so that it can be restarted.
    started = candidate.tfName === 'wasm' ?
        await startWasmBackend(wasmThreads) :
        await tf.setBackend(candidate.tfName);
  } catch (e) {
    return `failed to start: ${messageOf(e)}`;
  }
  if (!started) {
    return 'failed to start (TensorFlow.js printed the cause above)';
  }
  await tf.ready();
  installLazyConvGradients();
  if (candidate.name === 'cpu') {
    // Its first tensor would print a banner advising tfjs-node; the
    // `backend:` line already says why each faster backend was skipped.
    (tf.backend() as unknown as {firstUse?: boolean}).firstUse = false;
  }
  if (candidate.name === 'wasm') {
    // After the backend started, so that the native kernels replaced here
    // have run their setup (some wasm kernels share bound functions).
    registerWasmTrainingKernels();
  }
  return undefined;
}

/** Requires a package; returns why it could not, or undefined. */
function loadPackage(
    packageName: string, load: (id: string) => unknown): string|undefined {
  try {
    load(packageName);
    return undefined;
  } catch (e) {
    const message = messageOf(e);
    const code = (e as {code?: unknown}).code;
    if (code === 'MODULE_NOT_FOUND' &&
        message.includes(`'${packageName}'`)) {
      return 'not installed';
    }
    return `failed to load: ${firstLine(message)}`;
  }
}

/** 'with simd, 1 thread': what the running wasm backend uses. */
async function describeWasm(load: (id: string) => unknown):
    Promise<string> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const wasm = load(WASM.packageName!) as {getThreadsCount?: () => number};
  const threads = wasm.getThreadsCount?.() ?? 1;
  return `with${simd ? '' : 'out'} simd, ${threads} ` +
      `thread${threads === 1 ? '' : 's'}`;
}

function installAdvice(requested: BackendRequest): string {
  const version = tf.version_core;
  switch (requested) {
    case 'tensorflow-gpu':
      return `install @tensorflow/tfjs-node-gpu@${version} with CUDA and ` +
          'cuDNN as it asks (it downloads libtensorflow while installing), ' +
          'or pass --backend=auto for the fastest backend installed';
    case 'tensorflow':
      return `install @tensorflow/tfjs-node@${version} (or ` +
          `@tensorflow/tfjs-node-gpu@${version} for CUDA; both download ` +
          `libtensorflow while installing) or pass --backend=wasm`;
    case 'wasm':
      return `install @tensorflow/tfjs-backend-wasm@${version} or pass ` +
          `--backend=cpu`;
    default:
      return `reinstall @tensorflow/tfjs@${version}`;
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
