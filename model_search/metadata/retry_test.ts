/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {RetryArgs, RetryOptions, StoreError, backoffDelay, withRetry} from './retry';

const OPTIONS: RetryOptions =
    {maxElapsedMs: 1000, initialDelayMs: 10, maxDelayMs: 80};

/** Retry arguments on a fake clock that sleeping advances. */
function fakeTime(lines: string[]): RetryArgs&{slept: number[]} {
  let now = 0;
  const slept: number[] = [];
  return {
    options: OPTIONS,
    transientReason: (err) => (err as {code?: string}).code === 'EBUSY' ?
        'EBUSY' :
        undefined,
    describeError: (err) => (err as Error).message,
    target: 'db://x',
    logger: (line) => lines.push(line),
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    random: () => 1,
    slept,
  };
}

const busy = () => Object.assign(new Error('busy'), {code: 'EBUSY'});

describe('withRetry', () => {
  it('retries transient errors until the attempt succeeds', async () => {
    const lines: string[] = [];
    const args = fakeTime(lines);
    let calls = 0;

    const value = await withRetry('op', async () => {
      if (++calls < 6) throw busy();
      return 'ok';
    }, args);

    assert.equal(value, 'ok');
    assert.deepEqual(args.slept, [10, 20, 40, 80, 80]);
    // Attempts 1, 2 and 4 are said: a long outage takes a few lines.
    assert.deepEqual(lines, [
      'metadata: db://x: op hit EBUSY (attempt 1); retrying for up to ' +
          '1.00 s, next in 0.01 s',
      'metadata: db://x: op hit EBUSY (attempt 2); retrying, next in 0.02 s',
      'metadata: db://x: op hit EBUSY (attempt 4); retrying, next in 0.08 s',
    ]);
  });

  it('names the file lock, not a server, for SQLite', async () => {
    const args = {...fakeTime([]), target: 'sqlite:/m/model_search.db'};

    await assert.rejects(
        withRetry('complete trial', async () => {
          throw busy();
        }, args),
        /; check that no other program holds the database file locked, or raise the retry budget \(--metadata_retry_seconds\)$/);
  });

  it('rethrows other errors at once', async () => {
    const args = fakeTime([]);
    const bad = new Error('syntax error');

    await assert.rejects(withRetry('op', async () => {
      throw bad;
    }, args), (err) => err === bad);
    assert.deepEqual(args.slept, []);
  });

  it('gives up once the time budget is spent', async () => {
    const args = fakeTime([]);
    let calls = 0;

    await assert.rejects(
        withRetry('startTrial', async () => {
          calls++;
          throw busy();
        }, args),
        (err) => err instanceof StoreError && err.code === 'EBUSY' &&
            new RegExp('^db://x: startTrial failed after \\d+ attempts ' +
                       'over 1\\.00 s \\(EBUSY\\): busy; check that ' +
                       'the database server is running')
                .test(err.message));
    // All of the budget, not less: the last wait ends with it.
    const total = args.slept.reduce((a, b) => a + b, 0);
    assert.equal(total, OPTIONS.maxElapsedMs);
    assert.ok(calls > 10, String(calls));
    assert.ok(args.slept.every((ms) => ms <= OPTIONS.maxDelayMs));
  });
});

describe('backoffDelay', () => {
  it('doubles up to the cap, keeping a random half', () => {
    const delays = [1, 2, 3, 4, 5].map(
        (attempt) => [backoffDelay(attempt, OPTIONS, () => 0),
                      backoffDelay(attempt, OPTIONS, () => 1)]);

    assert.deepEqual(delays, [[5, 10], [10, 20], [20, 40], [40, 80], [40, 80]]);
  });
});
