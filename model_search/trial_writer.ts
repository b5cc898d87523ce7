/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Writes trial directories on a thread of their own while the search
 * thread goes on: a trial hands over its model files as soon as training
 * ends, and they are made while the model is evaluated; the next trial's
 * temporary directory is made while it trains. On this project's CI disks
 * a new directory took about 1 ms and a small file 0.3 ms, so a trial's
 * ten files took 4-5 ms, as long as a short trial's evaluation or longer.
 * Most of a file's time is the making of it (its inode), not its bytes:
 * so while a trial trains, the directory made ahead for it gets as many
 * empty spare files as the last trial wrote, each renamed to a file's name
 * and written into when the trial writes that file (measured: 10 + 12 us,
 * against 200-300 us to make a file). The three files that wait for the
 * evaluation's metrics, written while the search waits, took 1-3 ms made
 * new, and take 0.2 ms so.
 * Measured side by side (bench/search_overhead --trial_writer=both), the
 * export phase per trial, over several days of runs: cnn test settings
 * 3.9-5.7 ms against 5.0-8.8 written by the search's thread, dnn 5.2-6.3
 * against 9.1-12.0.
 *
 * A directory is still written atomically (trial_directory.ts): into a
 * `.tmp-*` sibling, renamed into place by `commit`, which returns only once
 * the directory is there. So the search records a trial COMPLETED only
 * when its directory is whole, as before.
 *
 * The search thread waits for the writer on a shared word (Atomics.wait)
 * and reads the answer with receiveMessageOnPort: no turn of its event
 * loop is needed, which a search trains without (train_loop.ts yields
 * rarely).
 *
 * Bytes go to the thread through a staging area of shared memory that
 * lasts as long as the writer, not as buffers handed over with each
 * trial: the thread allocates so little that its garbage collector ran
 * once in tens of trials, and each trial's handed-over buffers stayed
 * until it did (measured: up to 52 MB of them on the dnn test settings,
 * as much RSS that came and went).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import {performance} from 'node:perf_hooks';
import {MessageChannel, receiveMessageOnPort, Worker} from 'node:worker_threads';

import {SearchError} from './errors';
import {modelDirectoryGone, temporaryTag} from './trial_directory';
import {RequestRunner} from './trial_writer_requests';
import type {StagedBytes, WriterReply, WriterRequest} from './trial_writer_requests';

/** How long the writer thread may take to start before it is given up. */
const START_TIMEOUT_MS = 30_000;

/**
 * waitForAsync: how long the search thread blocks for an answer (a commit
 * takes about a millisecond) before it lets its event loop turn, and how
 * often it looks again then.
 */
const BLOCKING_WAIT_MS = 50;
const LOOK_EVERY_MS = 2;

/** The staging area's first size; it doubles as a trial needs more. */
const STAGING_START_BYTES = 1 << 20;

const UTF8 = new TextEncoder();

/** A file's contents: text, bytes, or parts of bytes back to back. */
export type FileData = string|Uint8Array|ReadonlyArray<Uint8Array>;

function isParts(data: FileData): data is ReadonlyArray<Uint8Array> {
  return Array.isArray(data);
}

export declare interface TrialDirectoryWriterOptions {
  /**
   * Write on a thread of its own (the default), or on the calling thread
   * as each request is handed over: what a machine with one core should
   * do, where the thread would only take turns with the search.
   */
  thread?: boolean;
  /** Directories every trial directory holds (`model`). */
  subdirectories?: string[];
}

/**
 * Writes the trial directories of one model directory, one request after
 * the other, in order. With a thread, a trial's temporary directory and
 * its spare files are made ahead, while the trial trains (prepareAhead):
 * on the disks measured, making a directory took longer than writing a
 * small file, and making a file longer than writing it.
 */
export class TrialDirectoryWriter {
  private readonly thread: WriterThread|undefined;
  /** Without a thread: does the requests at once. */
  private readonly inline: RequestRunner|undefined;
  private inlineReply: WriterReply|undefined;
  private readonly subdirectories: string[];
  /** The temporary directory made ahead for the next trial, if any. */
  private prepared: string|undefined;
  private seq = 0;
  private jobs = 0;
  /** Files the last committed job wrote (prepareAhead). */
  private filesPerJob = 0;
  /** Whether the spares of the directory made ahead were asked for. */
  private sparesAsked = false;
  /**
   * With a thread: the shared memory staged bytes are copied into (area
   * `area`), and how much of it holds bytes the thread may not have
   * written yet (none once a request has been answered, as requests are
   * done in order, unless a job holds some it has not handed over).
   */
  private staging: SharedArrayBuffer|undefined;
  private area = 0;
  private staged = 0;
  /** Staged writes that jobs hold and have not handed over (or dropped). */
  private unsent = 0;
  /** Whether the thread may hold areas older than the current one. */
  private olderAreas = false;

  constructor(
      private readonly root: string,
      {thread = true, subdirectories = []}: TrialDirectoryWriterOptions = {}) {
    this.subdirectories = subdirectories;
    if (thread) {
      // Started now, so that it is up by the time the first trial ends.
      this.thread = new WriterThread(++this.seq);
    } else {
      this.inline = new RequestRunner((reply) => {
        this.inlineReply = reply;
      });
    }
  }

  /**
   * Starts writing trial directory `name`; its files go into a temporary
   * sibling until `commit`.
   *
   * @throws if the directory exists already: trial ids are never reused.
   */
  begin(name: string): TrialDirectoryJob {
    const finalDir = path.join(this.root, name);
    if (fs.existsSync(finalDir)) {
      // The store hands out each id once per study: another study (or a
      // search kept in another database) writes into this directory.
      throw new SearchError(
          `trial directory ${finalDir} exists already, though this study ` +
          'just started that trial: another study writes into the same ' +
          'model directory; give each study a --model_dir of its own');
    }
    const tmpDir =
        path.join(this.root, `.tmp-${name}-${temporaryTag()}-${Date.now()}`);
    const job = new TrialDirectoryJob(
        this, ++this.jobs, tmpDir, finalDir, this.prepared,
        this.subdirectories);
    this.prepared = undefined;
    return job;
  }

  /**
   * Stops the thread, removing the directory it made ahead; every job must
   * have been committed or aborted.
   */
  async close(): Promise<void> {
    const prepared = this.prepared;
    this.prepared = undefined;
    if (prepared !== undefined) {
      try {
        this.request([], (seq) => ({op: 'abort', job: 0, path: prepared, seq}));
      } catch {
        // Left for the next search's removal of stale temporaries.
      }
    }
    await this.thread?.close();
  }

  /** Waits until everything handed over is done, the work ahead too. */
  settle(): void {
    this.request([], (seq) => ({op: 'sync', job: 0, seq}));
  }

  /** @internal A job that never started hands back its directory. */
  keepPrepared(prepared: string|undefined): void {
    if (this.prepared === undefined) this.prepared = prepared;
  }

  /** @internal A job committed, having written `files` files. */
  committed(files: number): void {
    this.filesPerJob = files;
  }

  /**
   * Has the thread make the directory the next job adopts, with as many
   * empty spare files as the last committed job wrote and one more (for a
   * job that writes one more), unless made already. The search calls it
   * as a trial starts training, when its own thread leaves the disk alone:
   * made at once after a commit, they held up the summaries the search
   * writes then (0.2 ms more a trial to record and observe). Without a
   * thread, nothing is made ahead.
   */
  prepareAhead(): void {
    if (this.thread === undefined) return;
    // One message: each wakes the thread.
    const requests: WriterRequest[] = [];
    if (this.prepared === undefined) {
      this.prepared = path.join(
          this.root, `.tmp-next-${temporaryTag()}-${this.jobs + 1}`);
      requests.push({op: 'prepare', job: 0, path: this.prepared,
                     subdirectories: this.subdirectories});
      this.sparesAsked = false;
    }
    if (!this.sparesAsked && this.filesPerJob > 0) {
      this.sparesAsked = true;
      requests.push({op: 'spares', job: 0, path: this.prepared,
                     count: this.filesPerJob + 1});
    }
    this.post(requests);
  }

  /**
   * @internal
   * What a write request carries for `data`: with a thread, a copy in the
   * current staging area (grown, and handed over at once, when too
   * small); without, `data` itself.
   */
  stage(data: FileData): string|Uint8Array|StagedBytes {
    if (this.thread === undefined) {
      // Parts may be views good for the moment only.
      return isParts(data) ? Buffer.concat(data) : data;
    }
    // Text as UTF-8 too: messages then carry no file contents, and the
    // thread's heap holds no copies of them.
    const most = typeof data === 'string' ? 3 * data.length :
        isParts(data) ? data.reduce((sum, p) => sum + p.byteLength, 0) :
                        data.byteLength;
    if (this.staging === undefined ||
        this.staged + most > this.staging.byteLength) {
      // Bytes staged in the old area stay there until the thread has
      // written them; it keeps that area until told to let it go.
      let size = this.staging?.byteLength ?? STAGING_START_BYTES;
      while (size < most) size *= 2;
      if (this.staging !== undefined) size *= 2;
      this.olderAreas = this.staging !== undefined;
      this.staging = new SharedArrayBuffer(size);
      this.staged = 0;
      this.post([{op: 'staging', job: 0, area: ++this.area,
                  buffer: this.staging}]);
    }
    const offset = this.staged;
    const into = new Uint8Array(this.staging, offset, most);
    let length: number;
    if (typeof data === 'string') {
      length = UTF8.encodeInto(data, into).written;
    } else if (isParts(data)) {
      length = 0;
      for (const part of data) {
        into.set(part, length);
        length += part.byteLength;
      }
    } else {
      into.set(data);
      length = data.byteLength;
    }
    this.staged += length;
    this.unsent++;
    return {area: this.area, offset, length};
  }

  /** @internal `count` staged writes of a job were handed over or dropped. */
  unstaged(count: number): void {
    this.unsent -= count;
  }

  /** @internal Hands over requests to be done in order. */
  post(requests: WriterRequest[]): void {
    if (requests.length === 0) return;
    if (this.thread !== undefined) {
      this.thread.post(requests);
    } else {
      this.inline!.runAll(requests);
    }
  }

  /**
   * @internal
   * Hands over `requests` and then one to be answered (`sync`, `commit`,
   * `abort`), and blocks until it is.
   */
  request(
      requests: WriterRequest[],
      last: (seq: number) => WriterRequest): WriterReply {
    const seq = ++this.seq;
    this.post([...requests, last(seq)]);
    if (this.thread !== undefined) {
      return this.answered(this.thread.waitFor(seq));
    }
    const reply = this.inlineReply!;
    this.inlineReply = undefined;
    return reply;
  }

  /**
   * @internal
   * request, waiting as WriterThread.waitForAsync does: for the waits
   * that a slow disk can make long (a commit's).
   */
  async requestAsync(
      requests: WriterRequest[],
      last: (seq: number) => WriterRequest): Promise<WriterReply> {
    if (this.thread === undefined) return this.request(requests, last);
    const seq = ++this.seq;
    this.post([...requests, last(seq)]);
    return this.answered(await this.thread.waitForAsync(seq));
  }

  /**
   * Everything handed over before an answer is done, its staged bytes
   * too; bytes a job holds back keep their place.
   */
  private answered(reply: WriterReply): WriterReply {
    if (this.unsent === 0) {
      this.staged = 0;
      if (this.olderAreas) {
        this.post([{op: 'release', job: 0, area: this.area}]);
        this.olderAreas = false;
      }
    }
    return reply;
  }
}

/**
 * The thread of a TrialDirectoryWriter. It answers on a port that is read
 * with receiveMessageOnPort, after storing the seq of the answer in a
 * shared word that the search thread waits on (Atomics.wait): no turn of
 * the search thread's event loop is needed, which a search trains without.
 */
class WriterThread {
  private readonly worker: Worker;
  private readonly channel = new MessageChannel();
  /** The seq of the last answered request, written by the thread. */
  private readonly answered = new Int32Array(new SharedArrayBuffer(4));
  /** Until the first answer: the seq of the request made at the start. */
  private startSeq: number|undefined;
  /**
   * Answers read while waiting for another one: a wait of waitForAsync
   * may be overtaken by a later request's.
   */
  private readonly othersReplies = new Map<number, WriterReply>();

  constructor(startSeq: number) {
    const file = path.join(__dirname, 'trial_writer_thread.js');
    this.worker = new Worker(file, {
      workerData: {answered: this.answered, replies: this.channel.port2},
      transferList: [this.channel.port2],
    });
    // It does not keep a process alive that is done otherwise.
    this.worker.unref();
    // A thread that cannot start is reported by waitFor: an 'error' event
    // nobody listens to would end the process.
    this.worker.on('error', () => {});
    this.startSeq = startSeq;
    this.worker.postMessage(
        [{op: 'sync', job: 0, seq: startSeq}] satisfies WriterRequest[]);
  }

  post(requests: WriterRequest[]): void {
    this.worker.postMessage(requests);
  }

  /** Blocks until request `seq` is answered. */
  waitFor(seq: number): WriterReply {
    this.checkStarted();
    return this.receive(seq, Infinity)!;
  }

  /**
   * Waits until request `seq` is answered: blocking for a while, as
   * waitFor, then letting the event loop turn between looks, so that a
   * disk that holds the thread up for long leaves the search its signal
   * handlers (a second Ctrl-C) and its lease's heartbeats.
   */
  async waitForAsync(seq: number): Promise<WriterReply> {
    this.checkStarted();
    for (let wait = BLOCKING_WAIT_MS;; wait = 0) {
      const reply = this.receive(seq, wait);
      if (reply !== undefined) return reply;
      await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
    }
  }

  /**
   * A thread that did not start would leave the search waiting for ever:
   * its first answer has a deadline.
   */
  private checkStarted(): void {
    if (this.startSeq === undefined) return;
    if (this.receive(this.startSeq, START_TIMEOUT_MS) === undefined) {
      throw new Error(
          'the thread that writes trial directories did not start ' +
          `(no answer in ${START_TIMEOUT_MS} ms); is ${
              path.join(__dirname, 'trial_writer_thread.js')} there?`);
    }
    this.startSeq = undefined;
  }

  async close(): Promise<void> {
    this.channel.port1.close();
    await this.worker.terminate();
  }

  /** The answer to request `seq`, or undefined after `timeoutMs`. */
  private receive(seq: number, timeoutMs: number): WriterReply|undefined {
    const deadline = performance.now() + timeoutMs;
    for (let early = 0;;) {
      const kept = this.othersReplies.get(seq);
      if (kept !== undefined) {
        this.othersReplies.delete(seq);
        return kept;
      }
      const received = receiveMessageOnPort(this.channel.port1);
      if (received !== undefined) {
        const reply = received.message as WriterReply;
        if (reply.seq === seq) return reply;
        // Another waiter's (an asynchronous one): kept until it looks.
        this.othersReplies.set(reply.seq, reply);
        continue;
      }
      const seen = Atomics.load(this.answered, 0);
      if (seen >= seq) {
        // Answered since the port was read: the reply is there now. (A
        // brief nap only should it ever lag behind the word.)
        if (++early > 1000) Atomics.wait(this.answered, 0, seen, 0.1);
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      // Until the thread answers.
      Atomics.wait(this.answered, 0, seen, Math.min(left, 1000));
    }
  }
}

/**
 * One trial directory being written. Its requests are kept until `send`,
 * `sync`, `commit` or `abort` hands them over (a message to the thread
 * costs more than a request).
 */
export class TrialDirectoryJob {
  private ended = false;
  /** Files written so far. */
  private files = 0;
  /** Whether any request went to the thread. */
  private started = false;
  private pending: WriterRequest[];

  /** @internal */
  constructor(
      private readonly writer: TrialDirectoryWriter, readonly id: number,
      /** Where the files go until `commit`. */
      readonly tmpDir: string,
      /** Where the directory ends up. */
      readonly finalDir: string, prepared: string|undefined,
      subdirectories: string[]) {
    this.pending = [{op: 'adopt', job: id, from: prepared, path: tmpDir,
                     subdirectories}];
  }

  /**
   * Writes file `name` (relative to the trial directory): text, bytes, or
   * parts of bytes back to back. Bytes are copied now when a thread writes
   * them, and parts always (they may be views that a moment later hold
   * something else); bytes of one array without a thread are written when
   * handed over (`send`, `sync`, `commit`), so they must not be changed
   * before.
   */
  write(name: string, data: FileData): void {
    const target = this.inside(name);
    this.files++;
    this.pending.push({op: 'write', job: this.id, path: target,
                       data: this.writer.stage(data)});
  }

  /** Hands the requests so far to the thread, which starts on them. */
  send(): void {
    this.writer.post(this.handOver());
  }

  /**
   * Waits until everything handed over is written, so that other code may
   * add files to tmpDir itself.
   *
   * @throws the first error writing met, as an Error with its code.
   */
  sync(): void {
    throwIfFailed(this.writer.request(
        this.handOver(), (seq) => ({op: 'sync', job: this.id, seq})));
  }

  /** sync, letting the event loop turn while the disk is slow. */
  async syncAsync(): Promise<void> {
    throwIfFailed(await this.writer.requestAsync(
        this.handOver(), (seq) => ({op: 'sync', job: this.id, seq})));
  }

  /**
   * Waits for the writes and renames the directory into place.
   *
   * @returns finalDir.
   * @throws the first error writing met; the temporary is gone then.
   */
  commit(): string {
    this.end();
    return this.committed(
        this.writer.request(this.handOver(), this.commitRequest));
  }

  /**
   * commit, letting the event loop turn while the disk is slow (signal
   * handlers, heartbeats).
   */
  async commitAsync(): Promise<string> {
    this.end();
    return this.committed(
        await this.writer.requestAsync(this.handOver(), this.commitRequest));
  }

  private readonly commitRequest = (seq: number): WriterRequest => ({
    op: 'commit', job: this.id, path: this.tmpDir, to: this.finalDir, seq,
  });

  private committed(reply: WriterReply): string {
    this.writer.committed(this.files);
    const code = reply.error?.code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      // Made since begin() found no such directory: another study's
      // worker, started at the same moment, wrote its trial of this id.
      throw new SearchError(
          `trial directory ${this.finalDir} appeared while this trial was ` +
          'written: another study writes into the same model directory; ' +
          'give each study a --model_dir of its own');
    }
    const root = path.dirname(this.finalDir);
    if (code === 'ENOENT' && !fs.existsSync(root)) {
      throw modelDirectoryGone(root);
    }
    throwIfFailed(reply);
    return this.finalDir;
  }

  /** Drops the directory (a trial that failed); never throws. */
  abort(): void {
    if (this.ended) return;
    this.end();
    // What was never handed over need not be written.
    const pending = this.takePending();
    if (!this.started) {
      // The directory made ahead stays for the next trial.
      const adopt = pending.find((r) => r.op === 'adopt');
      if (adopt?.op === 'adopt') this.writer.keepPrepared(adopt.from);
      return;
    }
    try {
      this.writer.request(
          [], (seq) => ({op: 'abort', job: this.id, path: this.tmpDir, seq}));
    } catch {
      // Left for the next search's removal of stale temporaries.
    }
  }

  /** `name` under tmpDir; a name that would lead out of it is refused. */
  private inside(name: string): string {
    const normal = path.normalize(name);
    if (path.isAbsolute(normal) || normal === '.' || normal === '..' ||
        normal.startsWith(`..${path.sep}`)) {
      throw new Error(`trial directory ${this.finalDir}: "${name}" is not ` +
                      'a name inside it');
    }
    return path.join(this.tmpDir, normal);
  }

  private handOver(): WriterRequest[] {
    this.started = true;
    return this.takePending();
  }

  private takePending(): WriterRequest[] {
    const taken = this.pending;
    this.pending = [];
    this.writer.unstaged(taken.filter(
        (r) => r.op === 'write' && typeof r.data === 'object' &&
            !(r.data instanceof Uint8Array)).length);
    return taken;
  }

  private end(): void {
    if (this.ended) {
      throw new Error(`trial directory ${this.finalDir}: already ended`);
    }
    this.ended = true;
  }
}

function throwIfFailed(reply: WriterReply): void {
  if (reply.error === undefined) return;
  const error = new Error(reply.error.message) as NodeJS.ErrnoException;
  // The fields the binary reads to tell a refusal of the system (a full
  // disk) from a bug.
  for (const key of ['code', 'syscall', 'path'] as const) {
    if (reply.error[key] !== undefined) error[key] = reply.error[key];
  }
  throw error;
}

