/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Writes the generated test data of model_search/data/testdata, the same
 * bytes on every run (fixed seeds). csv_random_data.csv and images/ are
 * copies of the original's test data and are not made here.
 *
 *   tools/dev/check
 *   node .dev_out/model_search/data/testdata/make_testdata.js
 *
 * Writes, relative to the directory given (default the source testdata):
 * - blobs_3class.csv: 600 rows, label in column 0 (classes 0, 1, 2), eight
 *   numeric features drawn around one centre per class: learnable, for the
 *   README's run command and accuracy checks.
 * - fruits.csv: 90 rows of string labels (last column), a categorical
 *   colour with a quoted value holding a comma, and empty cells.
 * - odd_images/{a,b}/: tiny images in every format and colour layout the
 *   image provider reads: 8- and 16-bit grey, grey with alpha, palette and
 *   RGBA PNG (encoded here), a 24-bit BMP (encoded here), a baseline JPEG
 *   (jpeg-js) and a two-frame GIF (omggif).
 */

import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

import * as jpeg from 'jpeg-js';

import {Random} from '../../random';

// omggif ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const omggif = require('omggif') as {
  GifWriter: new (buf: Uint8Array, width: number, height: number,
                  options: {palette: number[]}) => {
    addFrame(x: number, y: number, w: number, h: number, pixels: number[],
             options?: Record<string, number>): number;
    end(): number;
  },
};

function blobsCsv(): string {
  const rng = new Random(20260101);
  const features = 8;
  const centres = [0, 1, 2].map(
      () => Array.from({length: features}, () => 1.5 * rng.normal()));
  const rows: string[] = [];
  for (let i = 0; i < 600; i++) {
    const label = rng.int(3);
    const values = centres[label].map((c) => (c + rng.normal()).toFixed(4));
    rows.push([String(label), ...values].join(','));
  }
  const header = ['label', ...Array.from({length: features}, (_, i) =>
                                 `x${i + 1}`)];
  return [header.join(','), ...rows].join('\n') + '\n';
}

function fruitsCsv(): string {
  const rng = new Random(7);
  const around = (mean: number, spread: number) =>
      (mean + spread * rng.normal()).toFixed(1);
  const rows = ['color,weight_g,length_cm,origin,fruit'];
  for (let i = 1; i <= 90; i++) {
    const fruit = rng.choice(['apple', 'banana', 'cherry']);
    let color: string;
    let weight: string;
    let length: string;
    if (fruit === 'apple') {
      color = rng.choice(['red', 'green']);
      weight = around(150, 30);
      length = around(8, 1);
    } else if (fruit === 'banana') {
      color = rng.uniform() < 0.8 ? 'yellow' : 'green';
      weight = around(120, 20);
      length = around(18, 3);
    } else {
      color = rng.choice(['red', '"dark red, almost black"']);
      weight = around(8, 2);
      length = around(2, 0.4);
    }
    if (i % 23 === 0) color = '';
    if (i % 17 === 0) weight = '';
    const origin = rng.choice(['local', 'imported']);
    rows.push([color, weight, length, origin, fruit].join(','));
  }
  return rows.join('\r\n') + '\r\n';
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A PNG of `rows` (one byte array per row, already in the colour type's
 * layout), unfiltered. `palette` is RGB triples for colour type 3.
 */
function png(width: number, height: number, bitDepth: number,
             colorType: number, rows: number[][], palette?: number[]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = bitDepth;
  header[9] = colorType;
  const raw = Buffer.from(rows.flatMap((row) => [0, ...row]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    ...(palette ? [pngChunk('PLTE', Uint8Array.from(palette))] : []),
    pngChunk('IDAT', zlib.deflateSync(raw, {level: 9})),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

function grid(width: number, height: number,
              pixel: (x: number, y: number) => number[]): number[][] {
  return Array.from(
      {length: height},
      (_, y) => Array.from({length: width}, (_, x) => pixel(x, y)).flat());
}

/** A bottom-up 24-bit BMP with rows padded to four bytes. */
function bmp(width: number, height: number,
             pixel: (x: number, y: number) => number[]): Buffer {
  const rowBytes = Math.ceil((3 * width) / 4) * 4;
  const out = Buffer.alloc(54 + rowBytes * height);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(rowBytes * height, 34);
  for (let y = 0; y < height; y++) {
    const at = 54 + (height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      out[at + 3 * x] = b;
      out[at + 3 * x + 1] = g;
      out[at + 3 * x + 2] = r;
    }
  }
  return out;
}

function jpegFile(): Buffer {
  const width = 8;
  const height = 8;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = x < 4 ? [200, 30, 30] : [30, 30, 200];
      data.set([...colour, 255], 4 * (y * width + x));
    }
  }
  return jpeg.encode({width, height, data}, 95).data;
}

function gifFile(): Buffer {
  const buf = new Uint8Array(1024);
  // Black, yellow, red, white.
  const palette = [0x000000, 0xffff00, 0xff0000, 0xffffff];
  const writer = new omggif.GifWriter(buf, 4, 4, {palette});
  const first = grid(4, 4, (x) => [x < 2 ? 0 : 1]).flat();
  writer.addFrame(0, 0, 4, 4, first);
  writer.addFrame(0, 0, 4, 4, Array(16).fill(2));
  return Buffer.from(buf.subarray(0, writer.end()));
}

function main(): void {
  const out = path.resolve(process.argv[2] ?? 'model_search/data/testdata');
  const write = (name: string, bytes: string|Buffer) => {
    const file = path.join(out, name);
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fs.writeFileSync(file, bytes);
    process.stdout.write(`wrote ${file}\n`);
  };
  write('blobs_3class.csv', blobsCsv());
  write('fruits.csv', fruitsCsv());
  write('odd_images/a/gray.png',
        png(4, 3, 8, 0, grid(4, 3, (x, y) => [20 * x + 60 * y])));
  write('odd_images/a/gray_alpha.png',
        png(3, 3, 8, 4, grid(3, 3, (x, y) => [128, 255 - 100 * y])));
  write('odd_images/a/palette.png',
        png(4, 4, 8, 3,
            grid(4, 4, (x, y) => [(y < 2 ? 0 : 2) + (x < 2 ? 0 : 1)]),
            [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]));
  write('odd_images/a/rgba.png',
        png(5, 4, 8, 6, grid(5, 4, (x, y) => [50 * x, 60 * y, 200, 60 * x])));
  write('odd_images/b/gray16.png',
        png(3, 2, 16, 0,
            grid(3, 2, (x) => {
              const v = [0, 32896, 65535][x];
              return [v >> 8, v & 0xff];
            })));
  write('odd_images/b/photo.jpg', jpegFile());
  write('odd_images/b/pic.bmp',
        bmp(5, 3, (x, y) => [40 * x, 80 * y, 100]));
  write('odd_images/b/anim.gif', gifFile());
}

main();
