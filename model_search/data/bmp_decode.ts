/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A decoder of Windows bitmaps (BMP) that reads what their headers say:
 * every header size in use (12: OS/2 1.x and the first Windows; 16 to 64:
 * OS/2 2.x, fields past its end taken as 0; 40; 52 and 56; 108: V4; 124:
 * V5, what most image editors write today), the pixels from
 * where the file header says they start, palettes of 1, 4 and 8 bits,
 * 16 and 32 bits with or without colour masks (BI_BITFIELDS), 24 bits,
 * rows bottom-up or top-down. Compressed bitmaps (run-length, embedded
 * JPEG or PNG) are refused, naming the compression.
 *
 * Written here rather than taken from bmp-js, which reads the palette and
 * pixels right after a 40-byte header whatever the header's size, and so
 * decodes V4 and V5 files (GIMP's, ImageMagick's) into shifted colours
 * without a word, and ignores colour masks.
 *
 * Alpha: 32-bit pixels without masks are opaque (the fourth byte is
 * padding, as Windows reads it); with an alpha mask the alpha is read,
 * unless every pixel's is 0, which writers that leave the byte unset
 * produce (browsers read such files as opaque too).
 */

/** A decoded bitmap: RGBA bytes, row-major, 4 per pixel. */
export declare interface DecodedBmp {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Compressions refused, by their code in the header. */
const COMPRESSED: Record<number, string> = {
  1: 'run-length encoded (RLE8)',
  2: 'run-length encoded (RLE4)',
  4: 'as JPEG',
  5: 'as PNG',
};
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

/** A colour mask: where its bits are and how to widen them to 8 bits. */
declare interface Channel {
  mask: number;
  shift: number;
  max: number;
}

function channel(mask: number): Channel {
  mask = mask >>> 0;
  if (mask === 0) return {mask: 0, shift: 0, max: 0};
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  if ((max & (max + 1)) !== 0) {
    throw new Error(`its colour mask 0x${
        mask.toString(16)} is not one run of bits; save it as PNG`);
  }
  return {mask, shift, max};
}

function widen(pixel: number, c: Channel): number {
  return c.max === 0 ? 0 :
                       Math.round(((pixel & c.mask) >>> c.shift) * 255 / c.max);
}

/**
 * Decodes the BMP file `bytes` (starting with "BM").
 *
 * @param checkSize Called with the header's width and height before any
 *     pixel memory is allocated; throws to refuse the size.
 * @throws Error saying what in the file cannot be read, in words that
 *     follow "cannot decode this BMP image (...)".
 */
export function decodeBmp(
    bytes: Uint8Array, checkSize: (width: number, height: number) => void):
    DecodedBmp {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cutShort = () =>
      new Error('the file ends before the pixels its header declares: ' +
                'cut short?');
  if (bytes.length < 26) throw cutShort();
  const pixelStart = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  const core = headerSize === 12;
  if (!core && headerSize < 16) {
    throw new Error(`its header is of an unknown size (${headerSize} bytes)`);
  }
  if (bytes.length < 14 + Math.min(headerSize, 40)) throw cutShort();
  // A field of the header, 0 past its end (OS/2 2.x headers stop early).
  const field32 = (at: number) =>
      at + 4 <= 14 + headerSize ? view.getUint32(at, true) : 0;
  const width = core ? view.getUint16(18, true) : view.getInt32(18, true);
  const signedHeight = core ? view.getUint16(20, true) : view.getInt32(22, true);
  const bitsPerPixel = view.getUint16(core ? 24 : 28, true);
  const compression = core ? BI_RGB : field32(30);
  const topDown = signedHeight < 0;
  const height = Math.abs(signedHeight);
  checkSize(width, height);
  // OS/2 2.x's headers (16 to 64 bytes but 40 and 52) give codes 3 and 4
  // to compressions of their own (Huffman, RLE24).
  const os2 = !core && (headerSize < 40 || headerSize === 64);
  if (os2 && compression !== BI_RGB) {
    throw new Error(`its pixels are compressed (OS/2 code ${
        compression}), which this reader does not decode; save it ` +
                    'uncompressed or as PNG');
  }
  if (COMPRESSED[compression] !== undefined) {
    throw new Error(`its pixels are stored ${COMPRESSED[compression]}, ` +
                    'which this reader does not decode; save it ' +
                    'uncompressed or as PNG');
  }
  const masked =
      compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (compression !== BI_RGB && !masked) {
    throw new Error(`its compression (code ${
        compression}) is not one this reader knows; save it uncompressed ` +
                    'or as PNG');
  }
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel) ||
      (masked && bitsPerPixel !== 16 && bitsPerPixel !== 32)) {
    throw new Error(`it has ${bitsPerPixel} bits per pixel${
        masked ? ' with colour masks' : ''}, which this reader does not ` +
                    'decode; save it as PNG');
  }

  // Colour masks: inside a header of 52 bytes or more, else right after
  // the 40-byte one.
  let red: Channel;
  let green: Channel;
  let blue: Channel;
  let alpha: Channel;
  let afterHeader = 14 + headerSize;
  if (masked) {
    const maskAt = 14 + 40;
    const count = headerSize >= 56 || compression === BI_ALPHABITFIELDS ? 4 : 3;
    if (headerSize < 52) afterHeader = maskAt + 4 * count;
    if (bytes.length < maskAt + 4 * count) throw cutShort();
    const masks = [0, 1, 2, 3].map(
        (i) => i < count ? view.getUint32(maskAt + 4 * i, true) : 0);
    if (masks[0] === 0 && masks[1] === 0 && masks[2] === 0) {
      throw new Error('its colour masks are all 0, so it holds no colour; ' +
                      'save it as PNG');
    }
    const outside = masks.find(
        (m) => bitsPerPixel === 16 && (m >>> 0) > 0xffff);
    if (outside !== undefined) {
      throw new Error(`its colour mask 0x${
          (outside >>> 0).toString(16)} lies outside its 16-bit pixels; ` +
                      'save it as PNG');
    }
    [red, green, blue, alpha] = masks.map(channel);
  } else if (bitsPerPixel === 16) {
    // 5-5-5, the top bit unused.
    [red, green, blue, alpha] =
        [channel(0x7c00), channel(0x03e0), channel(0x001f), channel(0)];
  } else {
    [red, green, blue, alpha] =
        [channel(0xff0000), channel(0xff00), channel(0xff), channel(0)];
  }

  if (pixelStart < afterHeader || pixelStart > bytes.length) {
    throw pixelStart > bytes.length ?
        cutShort() :
        new Error(`its header says the pixels start at byte ${
            pixelStart}, inside the header`);
  }
  // The palette, for 8 bits or fewer: after the header (and masks), up to
  // the pixels.
  let palette: Uint8Array|undefined;
  if (bitsPerPixel <= 8) {
    const entryBytes = core ? 3 : 4;
    const declared = core ? 0 : field32(46);
    const wanted = declared === 0 || declared > 1 << bitsPerPixel ?
        1 << bitsPerPixel : declared;
    const room = Math.floor(
        (Math.min(pixelStart, bytes.length) - afterHeader) / entryBytes);
    const entries = Math.min(wanted, Math.max(room, 0));
    if (entries === 0) throw new Error('its palette is missing');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < entries; i++) {
      const at = afterHeader + i * entryBytes;
      palette[3 * i] = bytes[at + 2];
      palette[3 * i + 1] = bytes[at + 1];
      palette[3 * i + 2] = bytes[at];
    }
  }

  const stride = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  // The last row needs only its pixels, not its padding.
  const lastRow = Math.ceil(bitsPerPixel * width / 8);
  if (height > 0 && pixelStart + stride * (height - 1) + lastRow >
                        bytes.length) {
    throw cutShort();
  }

  const data = new Uint8Array(width * height * 4);
  let anyAlpha = false;
  for (let y = 0; y < height; y++) {
    const row = pixelStart + stride * (topDown ? y : height - 1 - y);
    let out = y * width * 4;
    for (let x = 0; x < width; x++, out += 4) {
      if (palette !== undefined) {
        const perByte = 8 / bitsPerPixel;
        const byte = bytes[row + Math.floor(x / perByte)];
        const shift = 8 - bitsPerPixel * (x % perByte + 1);
        const index = (byte >> shift) & ((1 << bitsPerPixel) - 1);
        data[out] = palette[3 * index];
        data[out + 1] = palette[3 * index + 1];
        data[out + 2] = palette[3 * index + 2];
        data[out + 3] = 255;
        continue;
      }
      if (bitsPerPixel === 24) {
        const at = row + 3 * x;
        data[out] = bytes[at + 2];
        data[out + 1] = bytes[at + 1];
        data[out + 2] = bytes[at];
        data[out + 3] = 255;
        continue;
      }
      const pixel = bitsPerPixel === 16 ? view.getUint16(row + 2 * x, true) :
                                          view.getUint32(row + 4 * x, true);
      data[out] = widen(pixel, red);
      data[out + 1] = widen(pixel, green);
      data[out + 2] = widen(pixel, blue);
      if (alpha.max === 0) {
        data[out + 3] = 255;
      } else {
        data[out + 3] = widen(pixel, alpha);
        anyAlpha ||= data[out + 3] !== 0;
      }
    }
  }
  if (alpha.max !== 0 && !anyAlpha) {
    for (let i = 3; i < data.length; i += 4) data[i] = 255;
  }
  return {width, height, data};
}
