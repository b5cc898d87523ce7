/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {crc32c, maskedCrc32c} from './crc32c';
import {referenceCrc32c, referenceMask} from './event_file_testing';

describe('crc32c', () => {
  // The check value of CRC-32C and the test vectors of RFC 3720, B.4.
  const cases: Array<{name: string, data: Uint8Array, crc: number}> = [
    {name: 'empty', data: new Uint8Array(0), crc: 0},
    {name: '"123456789"', data: Buffer.from('123456789'), crc: 0xe3069283},
    {name: '32 zero bytes', data: new Uint8Array(32), crc: 0x8a9136aa},
    {name: '32 bytes of 0xff', data: new Uint8Array(32).fill(0xff),
     crc: 0x62a8ab43},
    {name: '32 incrementing bytes',
     data: Uint8Array.from({length: 32}, (_, i) => i), crc: 0x46dd794e},
    {name: '32 decrementing bytes',
     data: Uint8Array.from({length: 32}, (_, i) => 31 - i), crc: 0x113fdb5c},
  ];
  for (const c of cases) {
    it(`matches the known CRC of ${c.name}`, () => {
      assert.equal(crc32c(c.data), c.crc);
      assert.equal(referenceCrc32c(c.data), c.crc);
    });
  }

  it('agrees with the bitwise reference at every length and offset', () => {
    const data = Uint8Array.from({length: 300}, (_, i) => (i * 151 + 7) & 0xff);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= data.length; end += 7) {
        const slice = data.subarray(start, end);
        assert.equal(crc32c(slice), referenceCrc32c(slice),
                     `bytes ${start}..${end}`);
      }
    }
  });

  it('continues from an earlier CRC', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');

    const whole = crc32c(data);
    const split = crc32c(data.subarray(17), crc32c(data.subarray(0, 17)));

    assert.equal(split, whole);
  });

  it('masks as TensorFlow does', () => {
    for (const text of ['', 'a', 'brain.Event:2', '123456789']) {
      const data = Buffer.from(text);
      assert.equal(maskedCrc32c(data), referenceMask(referenceCrc32c(data)),
                   JSON.stringify(text));
    }
  });
});
