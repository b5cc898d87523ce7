/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** How every benchmark ends: the same exit codes and error lines. */

import {ValueError} from '../model_search/errors';

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
