/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Test helper: a named pipe that code under test must refuse without
 * opening. Opening one blocks until something writes into it, so a
 * regression would hang the test rather than fail it; a writer comes
 * after 3 s and lets such an open return, so that the test fails by the
 * time it took.
 */

import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';

/**
 * Makes a FIFO at `fifo`, runs `check` on it, and fails unless `check`
 * settled within 2 s (long before the late writer came).
 */
export async function withUnopenedFifo(
    fifo: string, check: () => Promise<void>): Promise<void> {
  child_process.execFileSync('mkfifo', [fifo]);
  const writer = child_process.spawn(
      'sh', ['-c', `sleep 3; : > '${fifo}'`], {stdio: 'ignore'});
  try {
    const start = Date.now();
    await check();
    assert.ok(Date.now() - start < 2000,
              `took ${Date.now() - start} ms: the FIFO was opened`);
  } finally {
    writer.kill('SIGKILL');
  }
}
