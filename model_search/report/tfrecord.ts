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

/**
 * Appends records to a file. Each `write` goes to the file at once, so a
 * reader (TensorBoard) sees every complete record while training runs.
 */
export class TFRecordWriter {
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
