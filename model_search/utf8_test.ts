/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {compressionOf, firstNonUtf8Byte} from './utf8';

describe('firstNonUtf8Byte', () => {
  it('agrees with a strict decoder on every byte pair and some triples',
     () => {
       const strict = new TextDecoder('utf-8', {fatal: true});
       const valid = (bytes: Uint8Array) => {
         try {
           strict.decode(bytes);
           return true;
         } catch {
           return false;
         }
       };
       const cases: number[][] = [];
       for (let a = 0; a < 256; a++) {
         for (let b = 0; b < 256; b += 5) cases.push([0x41, a, b]);
       }
       // Three- and four-byte forms at their edges: overlong, surrogate,
       // past U+10FFFF, cut short.
       cases.push([0xe0, 0x9f, 0xbf], [0xe0, 0xa0, 0x80], [0xed, 0x9f, 0xbf],
                  [0xed, 0xa0, 0x80], [0xf0, 0x8f, 0xbf, 0xbf],
                  [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf],
                  [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0xe2, 0x82]);
       for (const bytes of cases) {
         const array = Uint8Array.from(bytes);
         assert.equal(firstNonUtf8Byte(array) === -1, valid(array),
                      `bytes ${bytes.map((b) => b.toString(16))}`);
       }
     });

  it('gives the offset of the first bad byte', () => {
    const text = Buffer.concat([Buffer.from('naïve,'), Buffer.from([0xe9]),
                                Buffer.from('x')]);
    assert.equal(firstNonUtf8Byte(text), 7);
    assert.equal(firstNonUtf8Byte(Buffer.from('Zoë 😀')), -1);
  });
});

describe('compressionOf', () => {
  it('gives a command whose paths stay one shell word each', () => {
    const gzip = compressionOf(Uint8Array.from([0x1f, 0x8b, 8, 0]))!;
    // Kept, and nothing overwritten (gzip -k refuses an existing file).
    assert.equal(gzip.command('/d/rows.csv.gz'),
                 'gzip -dk /d/rows.csv.gz, which writes /d/rows.csv');
    assert.equal(gzip.command("/my data/it's.gz"),
                 "gzip -dk '/my data/it'\\''s.gz', which writes " +
                     "'/my data/it'\\''s'");
    // gzip refuses a file of another suffix: written to a new name.
    assert.equal(gzip.command('/d/rows.csv'),
                 '(set -C; gzip -dc /d/rows.csv > /d/rows.csv.txt)');
    // The file it would write is there: perhaps the one wanted.
    const there = fs.mkdtempSync(path.join(os.tmpdir(), 'utf8_test_'));
    try {
      fs.writeFileSync(path.join(there, 'rows.csv'), 'a\n');
      assert.equal(
          gzip.command(path.join(there, 'rows.csv.gz')),
          `gzip -dk ${there}/rows.csv.gz, which writes ${there}/rows.csv ` +
              `(${there}/rows.csv is there already: is it the file ` +
              'decompressed?)');
    } finally {
      fs.rmSync(there, {recursive: true, force: true});
    }
    const zip = compressionOf(Uint8Array.from([0x50, 0x4b, 3, 4]))!;
    assert.equal(zip.command('/d/rows.zip'),
                 'unzip -n /d/rows.zip -d /d, which writes its files there');
    assert.equal(compressionOf(Buffer.from('BZh_score,label\n')), undefined);
  });
});
