/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * TFRecord framing, the container of TensorFlow event files. Each record is
 *
 *   uint64 length (little endian)
 *   uint32 masked CRC-32C of those 8 length bytes
 *   the data
 *   uint32 masked CRC-32C of the data
 */

import * as fs from 'fs';

import {maskedCrc32c} from './crc32c';

/** Bytes of framing around each record's data. */
export const RECORD_OVERHEAD = 16;

/** One record: the framing around `data`. */
export function frameRecord(data: Uint8Array): Buffer {
  const record = Buffer.alloc(data.length + RECORD_OVERHEAD);
  record.writeBigUInt64LE(BigInt(data.length), 0);
  record.writeUInt32LE(maskedCrc32c(record.subarray(0, 8)), 8);
  record.set(data, 12);
  record.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return record;
}

/** Where records go: a file (TFRecordWriter) or memory (TFRecordBuffer). */
export declare interface RecordSink {
  write(data: Uint8Array): void;
  close(): void;
}

/**
 * Appends records to a file. Each `write` goes to the file at once, so a
 * reader (TensorBoard) sees every complete record while training runs.
 */
export class TFRecordWriter implements RecordSink {
  private fd: number|undefined;

  /** Creates (or truncates) `file`. */
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(data: Uint8Array): void {
    if (this.fd === undefined) {
      throw new Error(`TFRecordWriter for ${this.file} is closed`);
    }
    fs.writeSync(this.fd, frameRecord(data));
  }

  /**
   * Closes; later writes throw. Idempotent. No fsync: like the other files
   * of a trial directory, the records are the page cache's to flush (an
   * fsync per trial cost more than writing them).
   */
  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Records kept in memory, to be written as one file's bytes. */
export class TFRecordBuffer implements RecordSink {
  private readonly records: Buffer[] = [];

  write(data: Uint8Array): void {
    this.records.push(frameRecord(data));
  }

  close(): void {}

  /** The records so far, framed and back to back: a file's contents. */
  bytes(): Uint8Array {
    const all = Buffer.concat(this.records);
    // A buffer of its own (concat may return a slice of a shared pool), so
    // that it can be handed to another thread without copying.
    return all.byteOffset === 0 && all.byteLength === all.buffer.byteLength ?
        all :
        new Uint8Array(all);
  }
}
