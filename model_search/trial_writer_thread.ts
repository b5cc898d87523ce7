/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The thread of trial_writer.ts: does the requests of each message
 * (trial_writer_requests.ts) as they come. An answer goes to the reply
 * port first; then the seq of the last answer is stored in the shared word
 * and waiters on it are woken: the search thread waits on that word, with
 * no turn of its event loop needed.
 */

import {parentPort, workerData} from 'node:worker_threads';
import type {MessagePort} from 'node:worker_threads';

import {RequestRunner} from './trial_writer_requests';
import type {WriterRequest} from './trial_writer_requests';

const {answered, replies} =
    workerData as {answered: Int32Array, replies: MessagePort};

const runner = new RequestRunner((reply) => {
  replies.postMessage(reply);
  Atomics.store(answered, 0, reply.seq);
  Atomics.notify(answered, 0);
});

/**
 * V8's collector, when the process was started with --expose-gc (the
 * search binaries are: trainer.bzl).
 */
const collect = (globalThis as {gc?: (options?: {type: string}) => void}).gc;

parentPort!.on('message', (requests: WriterRequest[]) => {
  runner.runAll(requests);
  if (requests.some((r) => r.op === 'commit' || r.op === 'abort')) {
    // A young-generation collection once a trial's directory is done,
    // after its answer: this thread allocates little, so it seldom
    // collected on its own, and its allocations walked through the 8 MiB
    // semi-spaces the search's node flags give every thread, touching a
    // few more of their pages each trial. Measured (bench/search_overhead,
    // RSS from trial 5 to 50, medians of three runs): cnn +10.8% without,
    // +6.6% with (the memory outside V8's main heap and the wasm memory
    // grew 6.4 MB, now 0.8 MB); dnn +14.7% and +11.6%.
    collect?.({type: 'minor'});
  }
});
