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

import {loadPage} from '../report/chromium_testing';

import {decodeImage} from './image_decode';

/** A source image: RGBA bytes, row-major. */
declare interface Source {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * width x height: the top half red, the bottom half blue (what a shifted
 * decode turns around), a gradient in green, a white pixel at (0, 0).
 */
function source(width: number, height: number): Source {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = 4 * (y * width + x);
      const top = y < height / 2;
      rgba[at] = top ? 255 : 0;
      rgba[at + 1] = Math.round(255 * x / Math.max(width - 1, 1));
      rgba[at + 2] = top ? 0 : 255;
      rgba[at + 3] = 255;
    }
  }
  rgba.set([255, 255, 255, 255], 0);
  return {width, height, rgba};
}

/** How a variant stores its pixels. */
declare interface Variant {
  name: string;
  /** DIB header size: 12, 16 (OS/2 2.x, cut short), 40, 108 or 124. */
  header: 12|16|40|108|124;
  bits: 1|4|8|16|24|32;
  /** BI_BITFIELDS with these masks (R, G, B, A). */
  masks?: [number, number, number, number];
  topDown?: boolean;
  /** Bytes between the palette (or masks) and the pixels. */
  gap?: number;
  width?: number;
  height?: number;
  /** Write alpha (32 bits with an alpha mask): the pixel's x parity. */
  alpha?: boolean;
}

/** The palette of 1-, 4- and 8-bit variants: pure colours and greys. */
function paletteOf(bits: number): number[][] {
  const colours = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 0, 255]];
  for (let i = colours.length; i < 1 << bits; i++) {
    colours.push([i & 255, (i * 3) & 255, 255 - (i & 255)]);
  }
  return colours.slice(0, 1 << bits);
}

/** The palette index nearest to an RGB colour. */
function nearest(palette: number[][], r: number, g: number, b: number): number {
  let best = 0;
  let bestDistance = Infinity;
  palette.forEach(([pr, pg, pb], i) => {
    const d = (pr - r) ** 2 + (pg - g) ** 2 + (pb - b) ** 2;
    if (d < bestDistance) [best, bestDistance] = [i, d];
  });
  return best;
}

/**
 * Encodes `image` as `variant` says, written from the format's
 * description (independently of bmp_decode.ts). Returns the file and the
 * RGBA it should decode to (palette variants hold the nearest colours).
 */
function encodeBmp(image: Source, variant: Variant):
    {file: Buffer, expected: Uint8Array} {
  const {width, height, rgba} = image;
  const bits = variant.bits;
  const palette = bits <= 8 ? paletteOf(bits) : undefined;
  const entryBytes = variant.header === 12 ? 3 : 4;
  const masksAfterHeader =
      variant.masks !== undefined && variant.header === 40 ? 12 : 0;
  const paletteBytes = palette === undefined ? 0 : palette.length * entryBytes;
  const pixelStart = 14 + variant.header + masksAfterHeader + paletteBytes +
      (variant.gap ?? 0);
  const stride = Math.ceil(width * bits / 32) * 4;
  const file = Buffer.alloc(pixelStart + stride * height);
  const expected = new Uint8Array(width * height * 4);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(pixelStart, 10);
  file.writeUInt32LE(variant.header, 14);
  if (variant.header === 12) {
    file.writeUInt16LE(width, 18);
    file.writeUInt16LE(height, 20);
    file.writeUInt16LE(1, 22);
    file.writeUInt16LE(bits, 24);
  } else if (variant.header === 16) {
    file.writeInt32LE(width, 18);
    file.writeInt32LE(height, 22);
    file.writeUInt16LE(1, 26);
    file.writeUInt16LE(bits, 28);
  } else {
    file.writeInt32LE(width, 18);
    file.writeInt32LE(variant.topDown ? -height : height, 22);
    file.writeUInt16LE(1, 26);
    file.writeUInt16LE(bits, 28);
    file.writeUInt32LE(variant.masks === undefined ? 0 : 3, 30);
    file.writeUInt32LE(stride * height, 34);
    file.writeUInt32LE(2835, 38);
    file.writeUInt32LE(2835, 42);
    file.writeUInt32LE(palette?.length ?? 0, 46);
    if (variant.masks !== undefined) {
      const count = variant.header === 40 ? 3 : 4;
      variant.masks.slice(0, count).forEach(
          (mask, i) => file.writeUInt32LE(mask >>> 0, 54 + 4 * i));
    }
    if (variant.header >= 108) {
      // Colour space: sRGB, so that no reader converts the colours.
      file.write('BGRs', 14 + 56, 'latin1');
    }
    if (variant.header === 124) file.writeUInt32LE(4, 14 + 108);
  }
  const paletteStart = 14 + variant.header + masksAfterHeader;
  palette?.forEach(([r, g, b], i) => {
    const at = paletteStart + i * entryBytes;
    file[at] = b;
    file[at + 1] = g;
    file[at + 2] = r;
  });
  // A channel of `bits` bits holding `value` (0..255) read back as 8 bits.
  const quantised = (value: number, mask: number) => {
    if (mask === 0) return undefined;
    let shift = 0;
    while (((mask >>> shift) & 1) === 0) shift++;
    const max = mask >>> shift;
    const stored = Math.round(value * max / 255);
    return {stored: stored << shift >>> 0, back: stored * 255 / max};
  };
  for (let y = 0; y < height; y++) {
    const row = pixelStart +
        stride * (variant.topDown ? y : height - 1 - y);
    for (let x = 0; x < width; x++) {
      const at = 4 * (y * width + x);
      const [r, g, b] = rgba.subarray(at, at + 3);
      const out = expected.subarray(at, at + 4);
      if (palette !== undefined) {
        const index = nearest(palette, r, g, b);
        const perByte = 8 / bits;
        const byte = row + Math.floor(x / perByte);
        file[byte] |= index << (8 - bits * (x % perByte + 1));
        out.set([...palette[index], 255]);
      } else if (bits === 24) {
        file.set([b, g, r], row + 3 * x);
        out.set([r, g, b, 255]);
      } else {
        const masks = variant.masks ??
            (bits === 16 ? [0x7c00, 0x03e0, 0x001f, 0] :
                           [0xff0000, 0xff00, 0xff, 0]);
        const alpha = variant.alpha ? (x % 2 === 0 ? 255 : 0) : 255;
        let word = 0;
        [r, g, b, alpha].forEach((value, c) => {
          const q = quantised(value, masks[c]);
          if (q === undefined) {
            out[c] = c === 3 ? 255 : 0;
          } else {
            word = (word | q.stored) >>> 0;
            out[c] = Math.round(q.back);
          }
        });
        if (bits === 16) {
          file.writeUInt16LE(word, row + 2 * x);
        } else {
          // Without masks the fourth byte is padding: filled with
          // something a reader must not take for alpha.
          file.writeUInt32LE(
              variant.masks === undefined ? (word | 0x7f000000) >>> 0 : word,
              row + 4 * x);
        }
      }
    }
  }
  return {file, expected};
}

const VARIANTS: Variant[] = [
  {name: '24 bits, 40-byte header', header: 40, bits: 24},
  {name: '24 bits, V4 header', header: 108, bits: 24},
  {name: '24 bits, V5 header', header: 124, bits: 24},
  {name: '24 bits, V5 header, top-down', header: 124, bits: 24,
   topDown: true},
  {name: '24 bits, V5 header, a gap before the pixels', header: 124,
   bits: 24, gap: 20},
  {name: '24 bits, OS/2 header', header: 12, bits: 24},
  {name: '8-bit palette, OS/2 header', header: 12, bits: 8},
  {name: '24 bits, OS/2 2.x header of 16 bytes', header: 16, bits: 24},
  {name: '8-bit palette, OS/2 2.x header of 16 bytes', header: 16, bits: 8},
  {name: '8-bit palette, V5 header', header: 124, bits: 8},
  {name: '4-bit palette, V5 header, odd width', header: 124, bits: 4,
   width: 7},
  {name: '1-bit palette, 40-byte header, odd width', header: 40, bits: 1,
   width: 13},
  {name: '16 bits 5-5-5', header: 40, bits: 16},
  {name: '16 bits 5-6-5 masks after a 40-byte header', header: 40,
   bits: 16, masks: [0xf800, 0x07e0, 0x001f, 0]},
  {name: '16 bits 5-6-5 masks, V5 header', header: 124, bits: 16,
   masks: [0xf800, 0x07e0, 0x001f, 0]},
  {name: '32 bits, the fourth byte padding', header: 40, bits: 32},
  {name: '32 bits, masks in another order, V4 header', header: 108,
   bits: 32, masks: [0x0000ff00, 0x00ff0000, 0xff000000, 0x000000ff]},
  {name: '32 bits A8R8G8B8, V5 header, alpha read', header: 124, bits: 32,
   masks: [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000], alpha: true},
  {name: '32 bits, V5 header, an alpha mask and no alpha set', header: 124,
   bits: 32, masks: [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000]},
];

function encoded(variant: Variant) {
  return encodeBmp(source(variant.width ?? 8, variant.height ?? 6), variant);
}

describe('BMP decoding', () => {
  for (const variant of VARIANTS) {
    it(`reads ${variant.name}`, () => {
      const {file, expected} = encoded(variant);
      const image = decodeImage(file, 'v.bmp');
      assert.equal(image.width, variant.width ?? 8);
      assert.equal(image.height, variant.height ?? 6);
      for (let i = 0; i < expected.length; i++) {
        assert.ok(
            Math.abs(image.data[i] - expected[i]) <= 1,
            `pixel ${Math.floor(i / 4)} channel ${i % 4}: ${
                image.data[i]} against ${expected[i]}`);
      }
    });
  }

  it('agrees with Chromium\'s decoder on every variant', function() {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(
        path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'bmp_'));
    try {
      // Each image drawn on a canvas once loaded; the pixels go into the
      // page's DOM, which Chromium prints.
      const images = VARIANTS.map((variant, i) => {
        // Inline: a canvas that drew a file:// image cannot be read.
        const data = encoded(variant).file.toString('base64');
        return `<img id="i${i}" src="data:image/bmp;base64,${data}">`;
      });
      fs.writeFileSync(path.join(dir, 'page.html'), `<!DOCTYPE html>
<html><body>${images.join('')}<pre id="out"></pre><script>
window.addEventListener('load', () => {
  const rows = [];
  for (const img of document.images) {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d', {colorSpace: 'srgb'});
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    rows.push(img.id + ' ' + canvas.width + 'x' + canvas.height + ' ' +
              Array.from(data).join(','));
  }
  document.getElementById('out').textContent = rows.join('\\n');
});
</script></body></html>`);
      const page = loadPage(path.join(dir, 'page.html'));
      const text = /<pre id="out">([^<]*)<\/pre>/.exec(page.dom)?.[1] ?? '';
      const lines = text.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, VARIANTS.length,
                   `Chromium drew ${lines.length} images: ${page.console}`);
      lines.forEach((line, i) => {
        const [, size, values] = line.split(' ');
        const variant = VARIANTS[i];
        const ours = decodeImage(encoded(variant).file, 'v.bmp');
        assert.equal(size, `${ours.width}x${ours.height}`, variant.name);
        const theirs = values.split(',').map(Number);
        for (let p = 0; p < theirs.length; p += 4) {
          // Colours of transparent pixels are not kept by a canvas.
          const channels = theirs[p + 3] === 0 ? [3] : [0, 1, 2, 3];
          for (const c of channels) {
            assert.ok(Math.abs(theirs[p + c] - ours.data[p + c]) <= 2,
                      `${variant.name}: pixel ${p / 4} channel ${c}: ${
                          ours.data[p + c]}, Chromium ${theirs[p + c]}`);
          }
        }
      });
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });

  const refused: Array<[string, (file: Buffer) => Buffer, RegExp]> = [
    ['a colour mask that is not one run of bits',
     (file) => {
       file.writeUInt32LE(0x00ff00ff, 54);
       return file;
     },
     /its colour mask 0xff00ff is not one run of bits; save it as PNG/],
    ['2 bits per pixel', (file) => {
       file.writeUInt16LE(2, 28);
       file.writeUInt32LE(0, 30);
       return file;
     },
     /it has 2 bits per pixel, which this reader does not decode; save it as PNG/],
    ['an unknown compression', (file) => {
       file.writeUInt32LE(7, 30);
       return file;
     },
     /its compression \(code 7\) is not one this reader knows/],
    ['pixels said to start inside the header', (file) => {
       file.writeUInt32LE(40, 10);
       return file;
     },
     /its header says the pixels start at byte 40, inside the header/],
    ['a file cut in its pixels', (file) => file.subarray(0, file.length - 10),
     /the file ends before the pixels its header declares: cut short\?/],
    ['a header of an unknown size', (file) => {
       file.writeUInt32LE(14, 14);
       return file;
     },
     /its header is of an unknown size \(14 bytes\)/],
    ['colour masks that are all 0', (file) => {
       for (const at of [54, 58, 62]) file.writeUInt32LE(0, at);
       return file;
     },
     /its colour masks are all 0, so it holds no colour; save it as PNG/],
    ['a 16-bit colour mask past its 16 bits', (file) => {
       file.writeUInt16LE(16, 28);
       return file;
     },
     /its colour mask 0xff0000 lies outside its 16-bit pixels; save it as PNG/],
    ['a width of 0', (file) => {
       file.writeInt32LE(0, 18);
       return file;
     },
     /its size, 0 by 6 pixels, is not one an image can have/],
  ];
  it('refuses pixels said to start at byte 0 of a palette image', () => {
    const {file} = encoded({name: 'p', header: 40, bits: 8});
    file.writeUInt32LE(0, 10);
    assert.throws(() => decodeImage(file, 'x/bad.bmp'),
                  /its header says the pixels start at byte 0, inside the header/);
  });

  for (const [name, damage, message] of refused) {
    it(`refuses ${name}, naming the file`, () => {
      const {file} = encoded({name, header: 124, bits: 32,
                              masks: [0xff0000, 0xff00, 0xff, 0]});
      assert.throws(() => decodeImage(damage(file), 'x/bad.bmp'), (e) => {
        assert.match((e as Error).message,
                     /^x\/bad\.bmp: cannot decode this BMP image \(/);
        assert.match((e as Error).message, message);
        return true;
      });
    });
  }
});
