/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What trial_writer.ts asks of its writer (a thread of its own,
 * trial_writer_thread.ts, or the search's thread itself), and how the
 * writer does it: with synchronous calls, in order. Paths are absolute.
 * `seq` numbers the requests the asker waits for, answered in order.
 *
 * Each request names a job (one trial directory). After the first failure
 * of a job its later writes are skipped, and its temporary directory is
 * removed when the job ends. Needs Node's built-ins only, so that the
 * thread starts from its file wherever the search was installed.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

export type WriterRequest =
    /**
     * Makes directories ahead of need: `path` and `path/<sub>` for each of
     * `subdirectories` (making a directory can take a millisecond).
     */
    {op: 'prepare', job: number, path: string, subdirectories: string[]}|
    /**
     * Makes `count` empty files in the prepared directory `path`, that the
     * job adopting it writes its files into (`write`); nothing where
     * `path` is not there (its making failed, or it was adopted).
     */
    {op: 'spares', job: number, path: string, count: number}|
    /**
     * Makes the job's temporary directory `path` out of a prepared one,
     * `from`, by renaming it; where there is none (never made, or removed
     * as stale by another worker), makes `path` and its subdirectories.
     */
    {op: 'adopt', job: number, from: string|undefined, path: string,
     subdirectories: string[]}|
    /**
     * Writes a file whole: a string, bytes, or bytes of the staging area
     * (`staging` below). A file the job's directory does not hold yet is
     * a spare made ahead, renamed, while one is left: on the disks
     * measured, making a file took 20 times longer than renaming one and
     * writing into it (200-300 against 10 + 12 us).
     */
    {op: 'write', job: number, path: string,
     data: string|Uint8Array|StagedBytes}|
    /**
     * Staged bytes of area `area` are read from `buffer`: memory the asker
     * shares, so that no buffer of each trial's files is left in the
     * writer's heap for its garbage collector.
     */
    {op: 'staging', job: 0, area: number, buffer: SharedArrayBuffer}|
    /** Areas below `area` hold nothing more to write: let them go. */
    {op: 'release', job: 0, area: number}|
    /** Answers once every earlier request is done. */
    {op: 'sync', job: number, seq: number}|
    /**
     * Removes the spares the job left, renames its temporary directory
     * `path` to `to`; ends the job.
     */
    {op: 'commit', job: number, path: string, to: string, seq: number}|
    /** Removes the job's temporary directory `path`; ends the job. */
    {op: 'abort', job: number, path: string, seq: number};

/** `length` bytes at `offset` of staging area `area`. */
export declare interface StagedBytes {
  area: number;
  offset: number;
  length: number;
}

export declare interface WriterReply {
  seq: number;
  /**
   * The job's first failure, if any: the system's error (its message
   * naming the file) and the call that failed.
   */
  error?: {message: string, code?: string, syscall?: string, path?: string};
}

/** Does requests in order, answering through `answer`. */
export class RequestRunner {
  /** The first error of each job still open, by job id. */
  private readonly failures = new Map<number, NodeJS.ErrnoException>();
  /** The staging areas in use, by id (`staging` requests). */
  private readonly areas = new Map<number, SharedArrayBuffer>();
  /** Spare files made ahead, by the prepared directory holding them. */
  private readonly preparedSpares = new Map<string, string[]>();
  /** Spare files left to each job still open, by job id. */
  private readonly spares = new Map<number, string[]>();

  constructor(private readonly answer: (reply: WriterReply) => void) {}

  runAll(requests: WriterRequest[]): void {
    for (const request of requests) {
      try {
        this.run(request);
      } catch (e) {
        // Not expected (each call is guarded), but a request that is
        // waited for must be answered whatever happens.
        if ('seq' in request) {
          this.reply(request.seq, e as NodeJS.ErrnoException);
        }
      }
    }
  }

  private run(request: WriterRequest): void {
    const failed = this.failures.get(request.job);
    switch (request.op) {
      case 'prepare':
        // Not needed, only ahead: a failure here shows when it is used.
        try {
          // A directory of this name is a dead worker's that had this
          // pid (a container restarted, say): its spares are not ours to
          // count, so it goes. This process never names two alike.
          fs.rmSync(request.path, {recursive: true, force: true});
          makeDirectories(request.path, request.subdirectories, false);
        } catch {
          // Whole or not at all: adopt then makes them itself, and meets
          // the failure (a full disk) where it can report it.
          try {
            fs.rmSync(request.path, {recursive: true, force: true});
          } catch {
            // Left for the removal of stale temporaries.
          }
        }
        return;
      case 'spares': {
        const spares = this.preparedSpares.get(request.path) ?? [];
        this.preparedSpares.set(request.path, spares);
        try {
          for (let i = spares.length; i < request.count; i++) {
            const spare = path.join(request.path, `${SPARE_PREFIX}${i}`);
            // 'wx': never into a directory that is not there or another's.
            fs.closeSync(fs.openSync(spare, 'wx'));
            spares.push(spare);
          }
        } catch {
          // Not needed, only ahead: the files are then made as written.
        }
        return;
      }
      case 'adopt':
        this.attempt(request.job, request.path, () => {
          if (request.from !== undefined) {
            const spares = this.preparedSpares.get(request.from) ?? [];
            this.preparedSpares.delete(request.from);
            try {
              fs.renameSync(request.from, request.path);
              this.spares.set(request.job, spares.map((spare) => path.join(
                  request.path, path.relative(request.from!, spare))));
            } catch {
              // Gone (made below), or there and not movable: not left.
              try {
                fs.rmSync(request.from, {recursive: true, force: true});
              } catch {
                // Left for the removal of stale temporaries.
              }
            }
          }
          // Made, or found made (a system call each, no allocation).
          makeDirectories(request.path, request.subdirectories, true);
        });
        return;
      case 'write':
        if (failed === undefined) {
          this.attempt(request.job, request.path, () => {
            this.takeSpare(request.job, request.path);
            fs.writeFileSync(request.path, this.bytesOf(request.data));
          });
        }
        return;
      case 'staging':
        this.areas.set(request.area, request.buffer);
        return;
      case 'release':
        for (const area of this.areas.keys()) {
          if (area < request.area) this.areas.delete(area);
        }
        return;
      case 'sync':
        this.reply(request.seq, failed);
        return;
      case 'commit':
        if (failed === undefined) {
          this.attempt(request.job, request.to, () => {
            // None of them may end up in the trial's directory.
            for (const spare of this.spares.get(request.job) ?? []) {
              fs.rmSync(spare, {force: true});
            }
            fs.renameSync(request.path, request.to);
          });
        }
        this.finish(request.job, request.path, request.seq, false);
        return;
      case 'abort':
        this.preparedSpares.delete(request.path);
        this.finish(request.job, request.path, request.seq, true);
        return;
    }
  }

  /**
   * Puts one of the job's spare files at `target` (replacing a file
   * written there before), unless the job has none left: then writing
   * makes the file, as it would have without spares.
   */
  private takeSpare(job: number, target: string): void {
    const spares = this.spares.get(job);
    if (spares === undefined || spares.length === 0) return;
    const spare = spares.pop()!;
    try {
      fs.renameSync(spare, target);
    } catch {
      // Its directory missing, say: the write meets the same and says so.
      spares.push(spare);
    }
  }

  private bytesOf(data: string|Uint8Array|StagedBytes): string|Uint8Array {
    if (typeof data === 'string' || data instanceof Uint8Array) return data;
    const area = this.areas.get(data.area);
    if (area === undefined) {
      throw new Error(`staged bytes of an unknown staging area ${data.area}`);
    }
    return new Uint8Array(area, data.offset, data.length);
  }

  /** Runs `fn`, which makes `target`; its error is the job's failure. */
  private attempt(job: number, target: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      const error = e as NodeJS.ErrnoException;
      // Node names the file for some calls (open), not for others (a
      // write that finds the disk full).
      if (!error.message.includes(target)) {
        error.message = `${error.message} (${target})`;
      }
      this.failures.set(job, error);
    }
  }

  /** Ends a job: a failed or aborted one leaves no temporary behind. */
  private finish(
      job: number, tmpDir: string, seq: number, aborted: boolean): void {
    const failed = this.failures.get(job);
    this.failures.delete(job);
    this.spares.delete(job);
    if (aborted || failed !== undefined) {
      try {
        fs.rmSync(tmpDir, {recursive: true, force: true});
      } catch {
        // Left for the next search's removal of stale temporaries.
      }
    }
    this.reply(seq, failed);
  }

  private reply(seq: number, error: NodeJS.ErrnoException|undefined): void {
    const reply: WriterReply = {seq};
    if (error !== undefined) {
      reply.error = {message: error.message, code: error.code,
                     syscall: error.syscall, path: error.path};
    }
    this.answer(reply);
  }
}

/**
 * The names of the spare files in a prepared directory: hidden, so that a
 * look into a temporary directory passes them by.
 */
export const SPARE_PREFIX = '.spare-';

/**
 * Makes `dir` and its `subdirectories`; `foundMade`: those that exist
 * already are left as they are.
 */
function makeDirectories(
    dir: string, subdirectories: string[], foundMade: boolean): void {
  // Not the directories above `dir`: a model directory removed while the
  // search runs is not made again (the search then says it is gone).
  for (const each of [dir, ...subdirectories.map((s) => path.join(dir, s))]) {
    try {
      fs.mkdirSync(each);
    } catch (e) {
      if (!foundMade || (e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw e;
      }
    }
  }
}
