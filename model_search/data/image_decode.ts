/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Image decoding in pure JavaScript: PNG (pngjs), JPEG (jpeg-js), BMP
 * (bmp_decode.ts) and GIF (omggif, first frame), recognised by their first bytes
 * whatever the file is called. Also the two steps every image goes through
 * before the model: conversion to the wanted channel count and a bilinear
 * resize.
 *
 * Porting note: the original decodes with `tf.io.decode_image` inside
 * `image_dataset_from_directory(color_mode='rgb')`. As there, alpha is
 * dropped (not blended) for 1 and 3 channels, and the resize is bilinear
 * with half-pixel centres and no antialiasing, as `tf.image.resize`.
 */

import * as fs from 'fs';
import * as zlib from 'zlib';

import * as jpeg from 'jpeg-js';
import {PNG} from 'pngjs';

import {decodeBmp} from './bmp_decode';
import {DataError} from './data';

// omggif ships no type declarations; these are the parts used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const omggif = require('omggif') as {
  GifReader: new (bytes: Uint8Array) => {
    width: number,
    height: number,
    numFrames(): number,
    decodeAndBlitFrameRGBA(frame: number, pixels: Uint8Array): void,
  },
};

/** A decoded image: RGBA bytes, row-major, 4 per pixel. */
export declare interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ImageFormat = 'PNG'|'JPEG'|'BMP'|'GIF';

/**
 * The file extensions the image provider looks for, lower case (files are
 * matched in any case, and decoded by their first bytes).
 */
export const IMAGE_EXTENSIONS =
    ['.png', '.jpg', '.jpeg', '.jpe', '.jfif', '.bmp', '.dib', '.gif'];

/**
 * Extensions of image formats this reader does not decode: such files are
 * named apart from the other files skipped, as images a class loses.
 */
export const UNREAD_IMAGE_EXTENSIONS = [
  '.webp', '.tif', '.tiff', '.heic', '.heif', '.avif', '.jxl', '.jp2',
  '.ico', '.svg', '.psd', '.tga', '.ppm', '.pgm', '.pbm', '.pnm', '.dng',
  '.cr2', '.nef', '.arw',
];

/** The largest image decoded, in pixels (jpeg-js has its own limit too). */
const MAX_PIXELS = 100_000_000;

/** The format that `bytes` starts like, or undefined. */
export function imageFormat(bytes: Uint8Array): ImageFormat|undefined {
  const starts = (...prefix: number[]) =>
      bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'PNG';
  if (starts(0xff, 0xd8, 0xff)) return 'JPEG';
  if (starts(0x42, 0x4d)) return 'BMP';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'GIF';
  return undefined;
}

/**
 * Decodes a PNG, JPEG, BMP or GIF image to RGBA. `file` names the source
 * in the DataError thrown for anything unreadable.
 */
export function decodeImage(bytes: Uint8Array, file: string): RgbaImage {
  if (bytes.length === 0) {
    throw new DataError(`${file}: the file is empty; replace or remove it`,
                        file);
  }
  const format = imageFormat(bytes);
  if (format === undefined) {
    const head = Array.from(bytes.subarray(0, 4),
                            (b) => b.toString(16).padStart(2, '0'));
    throw new DataError(
        `${file}: not a PNG, JPEG, BMP or GIF image (it starts with bytes ${
            head.join(' ')}); replace or remove the file`,
        file);
  }
  let image: RgbaImage;
  try {
    image = decodeAs(format, bytes);
  } catch (e) {
    // A decoder reading past the end of the buffer: Node's own words.
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ERR_OUT_OF_RANGE' || code === 'ERR_BUFFER_OUT_OF_BOUNDS' ?
        'the file ends before the pixels its header declares: cut short?' :
        (e as Error).message;
    throw new DataError(
        `${file}: cannot decode this ${format} image (${
            why}); replace or remove the file`,
        file);
  }
  if (!(image.width > 0 && image.height > 0) ||
      image.data.length < image.width * image.height * 4) {
    throw new DataError(
        `${file}: cannot decode this ${format} image (it claims ${
            image.width}x${image.height} pixels but holds less); replace ` +
            'or remove the file',
        file);
  }
  return image;
}

/**
 * Throws unless the compressed image data of a PNG (its IDAT chunks) is
 * one whole zlib stream: the decoder fills the rows of a stream cut short
 * with zeros, without a word.
 */
function checkPngDataWhole(buffer: Buffer): void {
  const parts: Buffer[] = [];
  // After the signature: length, type, data, CRC, chunk after chunk.
  for (let at = 8; at + 8 <= buffer.length;) {
    const length = buffer.readUInt32BE(at);
    const type = buffer.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') {
      parts.push(buffer.subarray(at + 8, Math.min(at + 8 + length,
                                                  buffer.length)));
    }
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const expected = buffer.length >= 29 ? pngDataBytes(buffer) : undefined;
  const tooMuch = () => new Error(
      `its image data holds more than the ${buffer.readUInt32BE(16)}x${
          buffer.readUInt32BE(20)} pixels its header says`);
  let inflated: Buffer;
  try {
    // Bounded by what the header's size needs: a small file may inflate
    // to gigabytes (measured: 650 KB to 640 MB, 1.4 GB of RSS).
    inflated = zlib.inflateSync(
        Buffer.concat(parts),
        expected === undefined ? {} : {maxOutputLength: expected + 1});
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooMuch();
    }
    throw new Error(`its image data is cut short or damaged (${
        (e as Error).message})`);
  }
  if (expected !== undefined && inflated.length > expected) throw tooMuch();
}

/** Channels of each PNG colour type (grey, RGB, palette, grey+alpha, RGBA). */
const PNG_CHANNELS: Record<number, number> = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4};

/** The Adam7 passes: column and row start and step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4],
               [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/**
 * The bytes a PNG's image data inflates to, from its header: each row
 * with its filter byte (each pass's rows, when interlaced); undefined for
 * a header this does not read (the decoder then says what is wrong).
 */
function pngDataBytes(buffer: Buffer): number|undefined {
  const width = buffer.readUInt32BE(16);
  const height = buffer.readUInt32BE(20);
  const depth = buffer[24];
  const channels = PNG_CHANNELS[buffer[25]];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(depth)) {
    return undefined;
  }
  const rowBytes = (w: number) => Math.ceil(w * channels * depth / 8) + 1;
  if (buffer[28] === 0) return height * rowBytes(width);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) total += h * rowBytes(w);
  }
  return total;
}

/**
 * A PNG's bytes up to the end of its IEND chunk: bytes after it (a
 * tool's trailer, a second file appended) are not the image's, and
 * libpng, browsers and PIL read such files; pngjs refuses them. A file
 * whose chunks cannot be walked is left whole, for the decoder to name
 * what is wrong.
 */
function throughIend(buffer: Buffer): Buffer {
  let at = 8;
  while (at + 12 <= buffer.length) {
    const length = buffer.readUInt32BE(at);
    const end = at + 12 + length;
    if (end > buffer.length) return buffer;
    if (buffer.toString('latin1', at + 4, at + 8) === 'IEND') {
      return buffer.subarray(0, end);
    }
    at = end;
  }
  return buffer;
}

function decodeAs(format: ImageFormat, bytes: Uint8Array): RgbaImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  switch (format) {
    case 'PNG': {
      // The header's size, checked before the decoder allocates for it: a
      // small file may declare billions of pixels.
      if (bytes.length >= 24) {
        checkSize(buffer.readUInt32BE(16), buffer.readUInt32BE(20));
      }
      const image = throughIend(buffer);
      checkPngDataWhole(image);
      const png = PNG.sync.read(image);
      return {width: png.width, height: png.height, data: png.data};
    }
    case 'JPEG': {
      const out = damagedIfThrows('JPEG', () => jpeg.decode(buffer, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_PIXELS / 1e6,
        maxMemoryUsageInMB: 2048,
      }));
      return {width: out.width, height: out.height, data: out.data};
    }
    case 'BMP':
      return decodeBmp(bytes, checkSize);
    case 'GIF': {
      // The header and screen descriptor, which the reader takes on trust.
      if (bytes.length < 13) {
        throw new Error('the file ends before the pixels its header ' +
                        'declares: cut short?');
      }
      const reader =
          damagedIfThrows('GIF', () => new omggif.GifReader(bytes));
      checkSize(reader.width, reader.height);
      if (reader.numFrames() < 1) throw new Error('it holds no frames');
      // Pixels the first frame leaves out stay transparent black.
      const data = new Uint8Array(reader.width * reader.height * 4);
      damagedIfThrows('GIF', () => reader.decodeAndBlitFrameRGBA(0, data));
      return {width: reader.width, height: reader.height, data};
    }
    default:
      throw new Error(`unhandled image format ${format}`);
  }
}

/**
 * Runs a decoding library's `decode`; its errors ("marker was not found",
 * "Invalid block size") are said as what they mean to a user: damaged or
 * cut-short data, the library's words kept in brackets. Its size limits
 * are said as they are.
 */
function damagedIfThrows<T>(format: ImageFormat, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (/maxResolutionInMP|maxMemoryUsageInMB/.test(message)) throw e;
    throw new Error(`its ${format} data is damaged or cut short (the ` +
                    `decoder says: ${message})`);
  }
}

function checkSize(width: number, height: number): void {
  if (!(width > 0 && height > 0)) {
    throw new Error(`its size, ${width} by ${height} pixels, is not ` +
                    'one an image can have');
  }
  if (width * height > MAX_PIXELS) {
    throw new Error(`${width}x${height} is more than ${MAX_PIXELS} pixels`);
  }
}

/**
 * The image as float values 0..255, height x width x `channels`: 1 is the
 * luma (0.299 R + 0.587 G + 0.114 B), 3 is RGB, 4 is RGBA.
 */
export function toChannels(image: RgbaImage, channels: number): Float32Array {
  const pixels = image.width * image.height;
  const out = new Float32Array(pixels * channels);
  const src = image.data;
  if (channels === 1) {
    for (let p = 0; p < pixels; p++) {
      out[p] = 0.299 * src[4 * p] + 0.587 * src[4 * p + 1] +
          0.114 * src[4 * p + 2];
    }
  } else if (channels === 3 || channels === 4) {
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < channels; c++) {
        out[channels * p + c] = src[4 * p + c];
      }
    }
  } else {
    throw new DataError(
        `${channels} channels: images have 1 (grey), 3 (RGB) or 4 (RGBA)`);
  }
  return out;
}

/**
 * Bilinear resize of an HWC image with half-pixel centres (source
 * coordinate (i + 0.5) * in / out - 0.5, clamped at the edges), as
 * `tf.image.resize(method='bilinear')`.
 */
export function resizeBilinear(
    src: Float32Array, inHeight: number, inWidth: number, channels: number,
    outHeight: number, outWidth: number): Float32Array {
  if (inHeight === outHeight && inWidth === outWidth) return src.slice();
  const out = new Float32Array(outHeight * outWidth * channels);
  const ys = axisWeights(inHeight, outHeight);
  const xs = axisWeights(inWidth, outWidth);
  for (let y = 0; y < outHeight; y++) {
    const y0 = ys.low[y] * inWidth;
    const y1 = ys.high[y] * inWidth;
    const fy = ys.fraction[y];
    for (let x = 0; x < outWidth; x++) {
      const x0 = xs.low[x];
      const x1 = xs.high[x];
      const fx = xs.fraction[x];
      const o = (y * outWidth + x) * channels;
      for (let c = 0; c < channels; c++) {
        const a = src[(y0 + x0) * channels + c];
        const b = src[(y0 + x1) * channels + c];
        const d = src[(y1 + x0) * channels + c];
        const e = src[(y1 + x1) * channels + c];
        const top = a + (b - a) * fx;
        const bottom = d + (e - d) * fx;
        out[o + c] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}

function axisWeights(inSize: number, outSize: number) {
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const fraction = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const at = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    low[i] = Math.floor(at);
    high[i] = Math.min(low[i] + 1, inSize - 1);
    fraction[i] = at - low[i];
  }
  return {low, high, fraction};
}

/** How images become model input. */
export declare interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** Decoded, converted, resized and scaled to [0, 1]. */
export function prepareImage(image: RgbaImage, shape: ImageShape):
    Float32Array {
  const converted = toChannels(image, shape.channels);
  const out = resizeBilinear(
      converted, image.height, image.width, shape.channels, shape.height,
      shape.width);
  for (let i = 0; i < out.length; i++) out[i] /= 255;
  return out;
}

/** Reads, decodes and prepares one image file; errors name the file. */
export async function loadImage(file: string, shape: ImageShape):
    Promise<Float32Array> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(
        code === 'EACCES' || code === 'EPERM' ?
            `${file}: no permission to read it; change its permissions, or ` +
                'run as a user who may read it' :
            `${file}: cannot read: ${(e as Error).message}`,
        file);
  }
  return prepareImage(decodeImage(bytes, file), shape);
}
