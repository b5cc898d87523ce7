/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';

import {processExists} from './worker_ids';

describe('processExists', () => {
  it('knows this process and a process that is gone', () => {
    assert.equal(processExists(process.pid), true);
    // Above Linux's largest pid (4194304): never a process.
    assert.equal(processExists(4194305), false);
  });

  it('does not take a thread of another process for a process', function() {
    let threads: number[];
    try {
      threads = fs.readdirSync('/proc/self/task').map(Number)
                    .filter((tid) => tid !== process.pid);
    } catch {
      this.skip();  // No /proc: nothing to tell threads by.
    }
    // Node runs threads of its own (V8's platform, libuv's pool).
    assert.ok(threads.length > 0, 'no thread but the main one');
    for (const tid of threads) {
      assert.equal(processExists(tid), false, `thread ${tid}`);
    }
  });
});
