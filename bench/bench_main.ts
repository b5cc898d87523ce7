/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** How every benchmark ends: the same exit codes and error lines. */

import {UsageError, ValueError, didYouMean} from '../model_search/errors';
import type {FlagSet} from '../model_search/flags';

/**
 * Runs a benchmark's `main`: its exit code (0 when it returns none); a
 * wrong flag or value said in one line, exit 2; the wasm backend out of
 * memory said in one line with `outOfMemoryAdvice` (which flag to lower),
 * exit 1; any other error with its stack, exit 1.
 */
export function runBenchmark(
    name: string, main: () => Promise<number|void>,
    outOfMemoryAdvice = ''): void {
  main().then((code) => {
    process.exitCode = code ?? 0;
  }, (e: unknown) => {
    const usage = e instanceof ValueError;
    // Its stack says only where in the module the memory ran out.
    const text = usage ? (e as Error).message :
        isWasmOutOfMemory(e) ? wasmOutOfMemoryLine(e, outOfMemoryAdvice) :
                               (e as Error).stack ?? e;
    process.stderr.write(`${name}: ${text}\n`);
    process.exitCode = usage ? 2 : 1;
  });
}

/**
 * Whether `e` is the wasm backend running out of its memory (4 GB at
 * most): its allocator aborts, or a kernel writes past the end.
 */
export function isWasmOutOfMemory(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return e.name === 'RuntimeError' &&
      /^(Aborted\(|memory access out of bounds)/.test(e.message) ||
      /WebAssembly\.Memory\(\): could not grow/.test(e.message);
}

/** One line for the wasm backend out of memory, with what to lower. */
export function wasmOutOfMemoryLine(e: unknown, advice: string): string {
  return `the wasm backend ran out of memory (${
      (e as Error).name}: ${(e as Error).message.split('\n')[0]})${
      advice === '' ? '' : `; ${advice}`}`;
}

/** Refuses an integer flag below its least sensible value (UsageError). */
export function requireAtLeast(
    flags: FlagSet, least: Record<string, number>): void {
  for (const [name, minimum] of Object.entries(least)) {
    const value = flags.get<number>(name);
    if (value < minimum) {
      throw new UsageError(
          `--${name} must be at least ${minimum}, got ${value}`);
    }
  }
}

/**
 * Other names users write for a backend, as the search binaries' --backend
 * takes them (model_search/oss_trainer.ts, choiceAliases): refused, naming
 * the backend meant rather than the nearest spelling ("gpu" is nearer
 * "cpu" by its letters, not by its meaning).
 */
export const BACKEND_ALIASES: Readonly<Record<string, string>> = {
  gpu: 'tensorflow-gpu', cuda: 'tensorflow-gpu', node: 'tensorflow',
  'tfjs-node': 'tensorflow', 'tfjs-node-gpu': 'tensorflow-gpu',
};

/**
 * Refuses list flag entries outside `known` (UsageError); an entry of
 * `aliases` is answered with the choice it stands for.
 */
export function requireKnown(
    flags: FlagSet, name: string, known: readonly string[],
    aliases: Readonly<Record<string, string>> = {}): string[] {
  const values = flags.get<string[]>(name);
  if (values.length === 0) {
    throw new UsageError(`--${name} is empty; choose from ${known.join(', ')}`);
  }
  const unknown = values.filter((v) => !known.includes(v));
  if (unknown.length > 0) {
    const meant = aliases[unknown[0].toLowerCase()];
    throw new UsageError(`--${name}: unknown ${unknown.join(', ')}${
        meant === undefined ? didYouMean(unknown[0], known) :
                              `; did you mean "${meant}"?`}; choose from ${
        known.join(', ')}`);
  }
  return values;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] :
                                   (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The index of the value at the median of `values` (of the lower of the
 * middle two for an even count): the run whose figures can be shown
 * together, adding up, where medians of each figure need not.
 */
export function medianIndex(values: number[]): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  return order[Math.floor((order.length - 1) / 2)];
}
