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
 * wrong flag or value said in one line, exit 2; any other error with its
 * stack, exit 1.
 */
export function runBenchmark(
    name: string, main: () => Promise<number|void>): void {
  main().then((code) => {
    process.exitCode = code ?? 0;
  }, (e: unknown) => {
    const usage = e instanceof ValueError;
    process.stderr.write(`${name}: ${
        usage ? (e as Error).message : (e as Error).stack ?? e}\n`);
    process.exitCode = usage ? 2 : 1;
  });
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

/** Refuses list flag entries outside `known` (UsageError). */
export function requireKnown(
    flags: FlagSet, name: string, known: readonly string[]): string[] {
  const values = flags.get<string[]>(name);
  if (values.length === 0) {
    throw new UsageError(`--${name} is empty; choose from ${known.join(', ')}`);
  }
  const unknown = values.filter((v) => !known.includes(v));
  if (unknown.length > 0) {
    throw new UsageError(`--${name}: unknown ${unknown.join(', ')}${
        didYouMean(unknown[0], known)}; choose from ${known.join(', ')}`);
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
