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

parentPort!.on('message', (requests: WriterRequest[]) => {
  runner.runAll(requests);
});
