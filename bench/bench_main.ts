/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** How every benchmark ends: the same exit codes and error lines. */

import {spawn} from 'node:child_process';

import {STOP_SIGNAL_EXIT_CODES, STOP_SIGNALS} from '../model_search/early_signals';
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

/** How a child process of a benchmark ended, its output read. */
export declare interface ChildOutcome {
  /** Why it could not start (spawn's error), if it did not. */
  error?: Error;
  status: number|null;
  signal: NodeJS.Signals|null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` to its end, its output read. A stop signal to this
 * process (STOP_SIGNALS) goes on to the child, which would otherwise go on
 * measuring, a full core, on its own; once the child has ended, this
 * process exits as the signal says, saying so as `<name>: SIGINT:
 * stopped`.
 */
export async function runChildForwardingSignals(
    name: string, command: string, args: string[],
    env: NodeJS.ProcessEnv = process.env): Promise<ChildOutcome> {
  const proc = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe'], env});
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => stdout += d);
  proc.stderr.setEncoding('utf8').on('data', (d: string) => stderr += d);
  let stoppedBy: NodeJS.Signals|undefined;
  const forward = (signal: NodeJS.Signals) => {
    stoppedBy = signal;
    proc.kill(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, forward);
  const outcome = await new Promise<ChildOutcome>((resolve) => {
    proc.on('error', (error) =>
        resolve({error, status: null, signal: null, stdout, stderr}));
    proc.on('close', (status, signal) =>
        resolve({status, signal, stdout, stderr}));
  });
  for (const signal of STOP_SIGNALS) process.off(signal, forward);
  if (stoppedBy !== undefined) {
    process.stderr.write(`${name}: ${stoppedBy}: stopped\n`);
    process.exit(STOP_SIGNAL_EXIT_CODES[stoppedBy]);
  }
  return outcome;
}
