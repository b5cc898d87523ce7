/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What bytes that should be text are instead: where they stop being UTF-8
 * (for errors that name the line and column), or a compressed file.
 */

import {existsSync} from 'node:fs';
import * as path from 'node:path';

/**
 * Offset of the first byte that starts no valid UTF-8 sequence (an
 * overlong form, a surrogate or a code point past U+10FFFF included), or
 * of a sequence cut short; -1 when every byte is part of one.
 */
export function firstNonUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let length: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      [length, min] = [2, 0x80];
    } else if (b >= 0xe0 && b <= 0xef) {
      [length, min] = [3, 0x800];
    } else if (b >= 0xf0 && b <= 0xf4) {
      [length, min] = [4, 0x10000];
    } else {
      return i;
    }
    if (i + length > bytes.length) return i;
    let code = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return i;
    }
    i += length;
  }
  return -1;
}

/** A compressed file's kind and a command that decompresses it. */
export declare interface Compression {
  kind: string;
  /**
   * A shell command writing the decompressed `file` beside it, and what
   * it writes: one that keeps `file` and overwrites nothing where the
   * tool allows (a file of the usual suffix), as `gzip -dk x.csv.gz,
   * which writes x.csv`.
   */
  command: (file: string) => string;
}

/**
 * Leading bytes of compressed files (bzip2's with its block magic), the
 * kind, the usual suffix, the tool's command that decompresses a file of
 * that suffix beside it (keeping it, refusing to overwrite), and the one
 * that writes to standard output.
 */
const MAGIC: ReadonlyArray<
    [Array<number|null>, string, RegExp, string, string]> = [
  [[0x1f, 0x8b], 'gzip', /\.gz$/i, 'gzip -dk', 'gzip -dc'],
  [[0x50, 0x4b, 0x03, 0x04], 'zip', /\.zip$/i, 'unzip -n', 'unzip -p'],
  // "BZh", a block size digit, then the pi block magic: a text that
  // starts "BZh" (a column name) has none of it.
  [[0x42, 0x5a, 0x68, null, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 'bzip2',
   /\.bz2$/i, 'bzip2 -dk', 'bzip2 -dc'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz', /\.xz$/i, 'xz -dk', 'xz -dc'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd', /\.zst$/i, 'zstd -dk', 'zstd -dc'],
];

/** `path` as one word of a shell command: quoted unless plain. */
export function shellWord(path: string): string {
  return /^[\w./@+-]+$/.test(path) ? path :
                                     `'${path.replace(/'/g, `'\\''`)}'`;
}

/** The compression whose magic `bytes` (a file's first ones) start with. */
export function compressionOf(bytes: Uint8Array): Compression|undefined {
  for (const [magic, kind, suffix, keeping, streaming] of MAGIC) {
    if (magic.every((b, i) => i < bytes.length &&
                        (b === null ? bytes[i] >= 0x31 && bytes[i] <= 0x39 :
                                      bytes[i] === b))) {
      return {
        kind,
        command: (file) => {
          if (!suffix.test(file)) {
            // The tools refuse a file of another suffix: to a new name,
            // through a shell that refuses to overwrite one (set -C).
            return `(set -C; ${streaming} ${shellWord(file)} > ${
                shellWord(`${file}.txt`)})`;
          }
          if (kind === 'zip') {
            // Its members keep their own names, in the archive's folder.
            return `${keeping} ${shellWord(file)} -d ${
                shellWord(path.dirname(file))}, which writes its files ` +
                'there';
          }
          const out = file.replace(suffix, '');
          return `${keeping} ${shellWord(file)}, which writes ${
              shellWord(out)}${
              existsSync(out) ? ` (${shellWord(out)} is there already: ` +
                      'is it the file decompressed?)' :
                                ''}`;
        },
      };
    }
  }
  return undefined;
}
