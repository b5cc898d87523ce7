/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

import {tf} from '../backend/tf';
import {Random} from '../random';

import {DataError} from './data';
import {decodeImage, imageFormat, prepareImage, resizeBilinear, RgbaImage, toChannels} from './image_decode';

/** The committed test data, from Bazel runfiles or the source tree. */
function testdata(name: string): string {
  for (const dir of [path.join(__dirname, 'testdata'),
                     path.resolve('model_search/data/testdata')]) {
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  throw new Error(`test data ${name} not found`);
}

function pixel(image: RgbaImage, x: number, y: number): number[] {
  const at = 4 * (y * image.width + x);
  return Array.from(image.data.subarray(at, at + 4));
}

function decodeFile(name: string): RgbaImage {
  const file = testdata(name);
  return decodeImage(fs.readFileSync(file), file);
}

function cannotDecode(format: string): RegExp {
  return new RegExp(`^bad\\.img: cannot decode this ${format} image ` +
                    '\\(.+\\); replace or remove the file$');
}

/** CRC-32 of PNG chunks (type and data). */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * An RGB PNG of `width` x `height` (channel c of pixel x, y is
 * (x * 3 * 30 + c * 30 + y * 7) & 255), whose compressed rows pass through
 * `idat` first.
 */
function pngOf(width: number, height: number,
               idat: (data: Buffer) => Buffer): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const rows = [];
  for (let y = 0; y < height; y++) {
    rows.push(0, ...Array.from({length: width * 3},
                               (_, i) => (i * 30 + y * 7) & 255));
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', idat(zlib.deflateSync(Buffer.from(rows)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodeImage', () => {
  // The generated images of testdata/make_testdata.ts and what they hold.
  const cases: Array<{
    name: string,
    format: string,
    size: [number, number],
    pixels: Array<[number, number, number[]]>,
  }> = [
    {
      name: 'odd_images/a/gray.png',
      format: 'PNG',
      size: [4, 3],
      pixels: [[0, 0, [0, 0, 0, 255]], [1, 2, [140, 140, 140, 255]]],
    },
    {
      name: 'odd_images/a/gray_alpha.png',
      format: 'PNG',
      size: [3, 3],
      pixels: [[0, 0, [128, 128, 128, 255]], [2, 1, [128, 128, 128, 155]]],
    },
    {
      name: 'odd_images/a/palette.png',
      format: 'PNG',
      size: [4, 4],
      pixels: [
        [0, 0, [255, 0, 0, 255]], [3, 0, [0, 255, 0, 255]],
        [0, 3, [0, 0, 255, 255]], [3, 3, [255, 255, 255, 255]],
      ],
    },
    {
      name: 'odd_images/a/rgba.png',
      format: 'PNG',
      size: [5, 4],
      pixels: [[2, 1, [100, 60, 200, 120]], [4, 3, [200, 180, 200, 240]]],
    },
    {
      name: 'odd_images/b/gray16.png',
      format: 'PNG',
      size: [3, 2],
      pixels: [[0, 1, [0, 0, 0, 255]], [1, 0, [128, 128, 128, 255]],
               [2, 1, [255, 255, 255, 255]]],
    },
    {
      name: 'odd_images/b/pic.bmp',
      format: 'BMP',
      size: [5, 3],
      pixels: [[0, 0, [0, 0, 100, 255]], [2, 1, [80, 80, 100, 255]],
               [4, 2, [160, 160, 100, 255]]],
    },
    {
      name: 'odd_images/b/anim.gif',
      format: 'GIF',
      size: [4, 4],
      pixels: [[0, 0, [0, 0, 0, 255]], [3, 3, [255, 255, 0, 255]]],
    },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, () => {
      const bytes = fs.readFileSync(testdata(c.name));

      const image = decodeFile(c.name);

      assert.equal(imageFormat(bytes), c.format);
      assert.deepEqual([image.width, image.height], c.size);
      for (const [x, y, want] of c.pixels) {
        assert.deepEqual(pixel(image, x, y), want, `pixel ${x},${y}`);
      }
    });
  }

  it('reads a JPEG within its loss', () => {
    const image = decodeFile('odd_images/b/photo.jpg');

    assert.deepEqual([image.width, image.height], [8, 8]);
    const near = (got: number[], want: number[]) => got.every(
        (v, i) => Math.abs(v - want[i]) <= 12);
    assert.ok(near(pixel(image, 1, 1), [200, 30, 30, 255]),
              String(pixel(image, 1, 1)));
    assert.ok(near(pixel(image, 6, 6), [30, 30, 200, 255]),
              String(pixel(image, 6, 6)));
  });

  const bad: Array<{name: string, bytes: () => Buffer, message: RegExp}> = [
    {
      name: 'an empty file',
      bytes: () => Buffer.alloc(0),
      message: /^bad\.img: the file is empty; replace or remove it$/,
    },
    {
      name: 'a text file',
      bytes: () => Buffer.from('hello, world'),
      message: new RegExp(
          '^bad\\.img: not a PNG, JPEG, BMP or GIF image \\(it starts with ' +
          'bytes 68 65 6c 6c\\); replace or remove the file$'),
    },
    {
      name: 'a truncated PNG',
      bytes: () =>
          fs.readFileSync(testdata('images/0/1.png')).subarray(0, 200),
      message: cannotDecode('PNG'),
    },
    {
      // Every chunk whole and checked, but the compressed rows end early:
      // the decoder would give zeros for the rest.
      name: 'a PNG whose image data is cut short',
      bytes: () => pngOf(8, 8, (data) => data.subarray(0, data.length >> 1)),
      message: /cannot decode this PNG image \(its image data is cut short or damaged \(unexpected end of file\)\)/,
    },
    {
      // Twice the rows the header says: the decoder's own message would
      // be about its stream.
      name: 'a PNG with more image data than its header says',
      bytes: () => pngOf(8, 8, () => zlib.deflateSync(Buffer.alloc(2 * 8 * 25))),
      message: /cannot decode this PNG image \(its image data holds more than the 8x8 pixels its header says\)/,
    },
    {
      // 50 KB that inflate to 50 MB: refused before they are inflated.
      name: 'a small PNG whose image data inflates far past its header',
      bytes: () => pngOf(8, 8, () => zlib.deflateSync(Buffer.alloc(50 << 20))),
      message: /cannot decode this PNG image \(its image data holds more than the 8x8 pixels its header says\)/,
    },
    {
      // The same pixels, said to be run-length encoded: refused by the
      // compression its header gives.
      name: 'a run-length encoded BMP',
      bytes: () => {
        const bytes =
            Buffer.from(fs.readFileSync(testdata('odd_images/b/pic.bmp')));
        bytes.writeUInt32LE(1, 30);
        return bytes;
      },
      message: /cannot decode this BMP image \(its pixels are stored run-length encoded \(RLE8\), which this reader does not decode; save it uncompressed or as PNG\)/,
    },
    {
      name: 'a PNG with a broken checksum',
      bytes: () => {
        const bytes =
            Buffer.from(fs.readFileSync(testdata('odd_images/a/gray.png')));
        bytes[30] ^= 0xff;
        return bytes;
      },
      message: cannotDecode('PNG'),
    },
    {
      name: 'a JPEG without its image data',
      bytes: () =>
          fs.readFileSync(testdata('odd_images/b/photo.jpg')).subarray(0, 100),
      message: /^bad\.img: cannot decode this JPEG image \(its JPEG data is damaged or cut short \(the decoder says: .+\)\); replace or remove the file$/,
    },
    {
      name: 'a truncated BMP',
      bytes: () =>
          fs.readFileSync(testdata('odd_images/b/pic.bmp')).subarray(0, 60),
      message: cannotDecode('BMP'),
    },
    {
      name: 'a small PNG declaring 60000x60000 pixels, before decoding',
      bytes: () => {
        const bytes =
            Buffer.from(fs.readFileSync(testdata('odd_images/a/gray.png')));
        bytes.writeUInt32BE(60000, 16);
        bytes.writeUInt32BE(60000, 20);
        return bytes;
      },
      message: /cannot decode this PNG image \(60000x60000 is more than 100000000 pixels/,
    },
    {
      name: 'a BMP declaring 60000x60000 pixels, before decoding',
      bytes: () => {
        const bytes =
            Buffer.from(fs.readFileSync(testdata('odd_images/b/pic.bmp')));
        bytes.writeInt32LE(60000, 18);
        bytes.writeInt32LE(-60000, 22);
        return bytes;
      },
      message: /cannot decode this BMP image \(60000x60000 is more than/,
    },
    {
      name: 'a BMP cut short',
      bytes: () => {
        const bytes =
            Buffer.from(fs.readFileSync(testdata('odd_images/b/pic.bmp')));
        return bytes.subarray(0, 60);
      },
      message: /cannot decode this BMP image \(the file ends before the pixels its header declares: cut short\?\)/,
    },
    {
      name: 'a GIF header alone',
      bytes: () => Buffer.from('GIF89a'),
      message: /^bad\.img: cannot decode this GIF image \(the file ends before the pixels its header declares: cut short\?\); replace or remove the file$/,
    },
    {
      name: 'a GIF cut in its pixels',
      bytes: () => fs.readFileSync(testdata('odd_images/b/anim.gif'))
                       .subarray(0, 40),
      message: /^bad\.img: cannot decode this GIF image \(its GIF data is damaged or cut short \(the decoder says: .+\)\); replace or remove the file$/,
    },
  ];
  it('reads the PNG those cases break, whole', () => {
    const image = decodeImage(pngOf(8, 8, (data) => data), 'whole.png');
    assert.deepEqual(pixel(image, 7, 7), [(7 * 3 * 30 + 7 * 7) & 255,
                                          (7 * 3 * 30 + 30 + 7 * 7) & 255,
                                          (7 * 3 * 30 + 60 + 7 * 7) & 255,
                                          255]);
  });

  it('reads a PNG with bytes after its end (IEND), as other readers do',
     () => {
       const whole = pngOf(8, 8, (data) => data);
       const trailed = Buffer.concat([whole, Buffer.from('trailer of 70 ' +
           'bytes a tool left after the image ends, ignored by readers')]);
       assert.deepEqual(decodeImage(trailed, 'trail.png'),
                        decodeImage(whole, 'whole.png'));
     });

  for (const c of bad) {
    it(`rejects ${c.name}, naming the file`, () => {
      assert.throws(() => decodeImage(c.bytes(), 'bad.img'), (e: Error) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, c.message);
        assert.equal(e.file, 'bad.img');
        return true;
      });
    });
  }
});

describe('toChannels', () => {
  it('gives luma, RGB or RGBA', () => {
    const image = {width: 2, height: 1,
                   data: Uint8Array.from([255, 0, 0, 10, 20, 40, 60, 80])};
    const cases: Array<[number, number[]]> = [
      [1, [76.245, 0.299 * 20 + 0.587 * 40 + 0.114 * 60]],
      [3, [255, 0, 0, 20, 40, 60]],
      [4, [255, 0, 0, 10, 20, 40, 60, 80]],
    ];
    for (const [channels, want] of cases) {
      const got = Array.from(toChannels(image, channels));
      assert.equal(got.length, want.length);
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-3,
                                      `${channels}: ${got} vs ${want}`));
    }
  });

  it('keeps grey images grey', () => {
    const image = decodeImage(
        fs.readFileSync(testdata('odd_images/a/gray.png')), 'gray.png');

    const luma = toChannels(image, 1);

    assert.deepEqual(Array.from(luma, Math.round),
                     [0, 20, 40, 60, 60, 80, 100, 120, 120, 140, 160, 180]);
  });
});

describe('resizeBilinear', () => {
  it('matches tf.image.resize on a known case', () => {
    const got = resizeBilinear(Float32Array.from([0, 10, 20, 30]), 2, 2, 1,
                               4, 4);

    assert.deepEqual(Array.from(got), [
      0, 2.5, 7.5, 10, 5, 7.5, 12.5, 15, 15, 17.5, 22.5, 25, 20, 22.5, 27.5,
      30,
    ]);
  });

  it('matches tfjs resizeBilinear with half-pixel centres', () => {
    const rng = new Random(5);
    const sizes: Array<[number, number, number, number, number]> = [
      [7, 5, 3, 3, 4], [3, 4, 1, 9, 10], [6, 6, 4, 6, 6], [10, 3, 3, 1, 1],
    ];
    for (const [h, w, c, outH, outW] of sizes) {
      const src = Float32Array.from({length: h * w * c},
                                    () => 255 * rng.uniform());

      const got = resizeBilinear(src, h, w, c, outH, outW);

      const want = tf.tidy(() => tf.image.resizeBilinear(
          tf.tensor3d(src, [h, w, c]), [outH, outW], false, true)
          .dataSync());
      assert.equal(got.length, want.length);
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-3,
                                      `${h}x${w}->${outH}x${outW} at ${i}`));
    }
  });
});

describe('prepareImage', () => {
  it('scales to [0, 1] at the asked shape', () => {
    const image = decodeImage(
        fs.readFileSync(testdata('odd_images/a/rgba.png')), 'rgba.png');

    const out = prepareImage(image, {height: 8, width: 10, channels: 3});

    assert.equal(out.length, 8 * 10 * 3);
    assert.ok(out.every((v) => v >= 0 && v <= 1));
    assert.ok(Math.abs(out[2] - 200 / 255) < 1e-6);
  });
});
