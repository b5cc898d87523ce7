/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Test helpers: reads event files back without any code of the writer.
 * The CRC here is computed bit by bit from the polynomial (the writer
 * uses tables), and records are decoded by protoc, not by ts-proto.
 * Tests only.
 */

import {spawnSync} from 'child_process';

/** The .proto file of Event, relative to the workspace root. */
export const EVENT_PROTO = 'model_search/report/event.proto';

/** CRC-32C bit by bit, straight from the definition. */
export function referenceCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) {
      const lsb = crc & 1;
      crc >>>= 1;
      if (lsb) crc ^= 0x82f63b78;
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** TensorFlow's mask: rotate right by 15, add 0xa282ead8 (mod 2^32). */
export function referenceMask(crc: number): number {
  const rotated = Number((BigInt(crc) >> 15n) |
                         ((BigInt(crc) << 17n) & 0xffffffffn));
  return (rotated + 0xa282ead8) % 0x100000000;
}

/**
 * Splits a TFRecord file into its records, checking both CRCs of each.
 * Throws naming the record and offset of the first damage.
 */
export function readRecords(file: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let offset = 0;
  while (offset < file.length) {
    const at = `record ${records.length} at byte ${offset}`;
    if (file.length - offset < 12) throw new Error(`${at}: truncated header`);
    const lengthBytes = file.subarray(offset, offset + 8);
    const length = Number(lengthBytes.readBigUInt64LE(0));
    const lengthCrc = file.readUInt32LE(offset + 8);
    const expected = referenceMask(referenceCrc32c(lengthBytes));
    if (lengthCrc !== expected) {
      throw new Error(`${at}: length CRC ${lengthCrc.toString(16)} != ${
          expected.toString(16)}`);
    }
    if (file.length - offset < 16 + length) {
      throw new Error(`${at}: truncated data (${length} bytes announced)`);
    }
    const data = file.subarray(offset + 12, offset + 12 + length);
    const dataCrc = file.readUInt32LE(offset + 12 + length);
    const expectedData = referenceMask(referenceCrc32c(data));
    if (dataCrc !== expectedData) {
      throw new Error(`${at}: data CRC ${dataCrc.toString(16)} != ${
          expectedData.toString(16)}`);
    }
    records.push(Buffer.from(data));
    offset += 16 + length;
  }
  return records;
}

/** `protoc --decode=model_search.report.Event`: protoc's text format. */
export function protocDecodeEvent(bytes: Uint8Array): string {
  const result = spawnSync(
      'protoc', ['-I', '.', '--decode=model_search.report.Event', EVENT_PROTO],
      {input: bytes});
  if (result.error !== undefined) {
    throw new Error(`cannot run protoc (${result.error.message}); install ` +
                    "Debian's protobuf-compiler or put protoc on PATH");
  }
  if (result.status !== 0) {
    throw new Error(`protoc --decode failed: ${result.stderr.toString()}`);
  }
  return result.stdout.toString('utf8');
}

/** A message of protoc's text output: every field as a list of values. */
export type TextMessage = {[field: string]: Array<string|TextMessage>};

/**
 * Parses protoc's text output (one field per line, `name: value` or
 * `name {` ... `}`). Scalars stay strings; quoted strings are unquoted
 * with C escapes (octal, \n, \", \\) resolved to UTF-8 text.
 */
export function parseProtocText(text: string): TextMessage {
  const root: TextMessage = {};
  const stack: TextMessage[] = [root];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const top = stack[stack.length - 1];
    if (line === '}') {
      stack.pop();
      continue;
    }
    const open = /^(\w+) \{$/.exec(line);
    if (open) {
      const child: TextMessage = {};
      (top[open[1]] ??= []).push(child);
      stack.push(child);
      continue;
    }
    const field = /^(\w+): (.*)$/.exec(line);
    if (!field) throw new Error(`unexpected protoc output line: ${line}`);
    (top[field[1]] ??= []).push(unquote(field[2]));
  }
  return root;
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  const bytes: number[] = [];
  const body = value.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = body[++i];
    if (/[0-7]/.test(next)) {
      let digits = next;
      while (digits.length < 3 && /[0-7]/.test(body[i + 1])) digits += body[++i];
      bytes.push(parseInt(digits, 8));
    } else {
      const simple: Record<string, number> = {n: 10, r: 13, t: 9, '"': 34,
                                              '\'': 39, '\\': 92};
      if (simple[next] === undefined) throw new Error(`escape \\${next}`);
      bytes.push(simple[next]);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The single value of `field` in `message` (throws when absent). */
export function one(message: TextMessage, field: string): string {
  const values = message[field];
  if (values === undefined || values.length !== 1 ||
      typeof values[0] !== 'string') {
    throw new Error(`expected one scalar ${field} in ${
        JSON.stringify(message)}`);
  }
  return values[0];
}

/** The single sub-message `field` of `message`. */
export function child(message: TextMessage, field: string): TextMessage {
  const values = message[field];
  if (values === undefined || values.length !== 1 ||
      typeof values[0] === 'string') {
    throw new Error(`expected one message ${field} in ${
        JSON.stringify(message)}`);
  }
  return values[0];
}

/** Every event of an event file, decoded by protoc and parsed. */
export function readEventFile(file: Buffer): TextMessage[] {
  return readRecords(file).map((r) => parseProtocText(protocDecodeEvent(r)));
}
