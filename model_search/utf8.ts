/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Where bytes stop being UTF-8: for errors that name the line and column. */

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
