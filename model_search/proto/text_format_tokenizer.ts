/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Splits protobuf text format into tokens the way protoc's tokenizer does:
 * identifiers, integers (decimal, 0x hex, leading-zero octal), floats
 * (`1.5`, `.5`, `5.`, `1e-3`, an optional `f` suffix), quoted strings with
 * C escapes, and one-character symbols. `#` starts a comment that runs to
 * the end of the line.
 */

import {TextFormatError} from './text_format_error';

export enum TokenKind {
  IDENTIFIER,
  INTEGER,
  FLOAT,
  STRING,
  SYMBOL,
  END,
}

/** One token, with its 1-based position. */
export declare interface Token {
  kind: TokenKind;
  /** The source text of the token (strings keep their quotes). */
  text: string;
  line: number;
  column: number;
  /**
   * STRING tokens: the decoded content when it holds no escapes (the
   * common case); otherwise undefined and `bytes` holds it.
   */
  str?: string;
  /** STRING tokens with escapes: the decoded bytes. */
  bytes?: number[];
}

const enum Char {
  TAB = 9,
  LF = 10,
  VT = 11,
  FF = 12,
  CR = 13,
  SPACE = 32,
  DQUOTE = 34,
  HASH = 35,
  SQUOTE = 39,
  PLUS = 43,
  MINUS = 45,
  DOT = 46,
  ZERO = 48,
  SEVEN = 55,
  NINE = 57,
  UPPER_A = 65,
  UPPER_E = 69,
  UPPER_F = 70,
  UPPER_U = 85,
  UPPER_X = 88,
  UPPER_Z = 90,
  BACKSLASH = 92,
  UNDERSCORE = 95,
  LOWER_A = 97,
  LOWER_E = 101,
  LOWER_F = 102,
  LOWER_U = 117,
  LOWER_X = 120,
  LOWER_Z = 122,
  DEL = 127,
}

function isDigit(c: number): boolean {
  return c >= Char.ZERO && c <= Char.NINE;
}

function isOctalDigit(c: number): boolean {
  return c >= Char.ZERO && c <= Char.SEVEN;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= Char.UPPER_A && c <= Char.UPPER_F) ||
      (c >= Char.LOWER_A && c <= Char.LOWER_F);
}

function isLetter(c: number): boolean {
  return (c >= Char.UPPER_A && c <= Char.UPPER_Z) ||
      (c >= Char.LOWER_A && c <= Char.LOWER_Z) || c === Char.UNDERSCORE;
}

function isWhitespace(c: number): boolean {
  return c === Char.SPACE || (c >= Char.TAB && c <= Char.CR);
}

/** The byte a one-letter escape such as `\n` stands for. */
const SIMPLE_ESCAPES = new Map<string, number>([
  ['a', 7], ['b', 8], ['f', 12], ['n', 10], ['r', 13], ['t', 9], ['v', 11],
  ['\\', 92], ['?', 63], ['\'', 39], ['"', 34],
]);

/** Appends the UTF-8 encoding of a code point (surrogates included). */
export function appendUtf8(bytes: number[], codePoint: number) {
  if (codePoint < 0x80) {
    bytes.push(codePoint);
  } else if (codePoint < 0x800) {
    bytes.push(0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f));
  } else if (codePoint < 0x10000) {
    bytes.push(
        0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f),
        0x80 | (codePoint & 0x3f));
  } else {
    bytes.push(
        0xf0 | (codePoint >> 18), 0x80 | ((codePoint >> 12) & 0x3f),
        0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f));
  }
}

/** Reads tokens one at a time; `current` is the token under the cursor. */
export class Tokenizer {
  current: Token;
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string, readonly filename: string) {
    this.current = this.read();
  }

  /** Moves to the next token. */
  next(): void {
    this.current = this.read();
  }

  /** A TextFormatError at a position (default: the current token). */
  error(
      reason: string, at: {line: number; column: number} = this.current,
      extra: {field?: string; value?: string} = {}): TextFormatError {
    return new TextFormatError({
      filename: this.filename,
      line: at.line,
      column: at.column,
      reason,
      ...extra,
    });
  }

  private here(): {line: number; column: number} {
    return {line: this.line, column: this.pos - this.lineStart + 1};
  }

  private skipBlanks() {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === Char.LF) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (isWhitespace(c)) {
        this.pos++;
      } else if (c === Char.HASH) {
        while (this.pos < text.length &&
               text.charCodeAt(this.pos) !== Char.LF) {
          this.pos++;
        }
      } else {
        return;
      }
    }
  }

  private read(): Token {
    this.skipBlanks();
    const text = this.text;
    const start = this.pos;
    const token = (kind: TokenKind): Token => ({
      kind,
      text: text.slice(start, this.pos),
      line: this.line,
      column: start - this.lineStart + 1,
    });
    if (start >= text.length) return token(TokenKind.END);
    const c = text.charCodeAt(start);
    if (isLetter(c)) {
      this.pos++;
      while (this.pos < text.length) {
        const d = text.charCodeAt(this.pos);
        if (!isLetter(d) && !isDigit(d)) break;
        this.pos++;
      }
      return token(TokenKind.IDENTIFIER);
    }
    if (isDigit(c) ||
        (c === Char.DOT && isDigit(text.charCodeAt(start + 1)))) {
      const kind = this.readNumber();
      return token(kind);
    }
    if (c === Char.DQUOTE || c === Char.SQUOTE) {
      const result = token(TokenKind.STRING);
      this.readString(c, result);
      result.text = text.slice(start, this.pos);
      return result;
    }
    if (c < Char.SPACE || c === Char.DEL) {
      throw this.error(
          `invalid control character U+${hex4(c)} outside a string; ` +
          `remove it`, this.here());
    }
    if (c > Char.DEL) {
      const point = text.codePointAt(start)!;
      const ch = String.fromCodePoint(point);
      // The code point too: a byte order mark or a no-break space shows
      // as nothing, or as a space.
      throw this.error(
          `unexpected character "${ch}" (U+${
              point.toString(16).toUpperCase().padStart(4, '0')}${
              point === 0xfeff ? ', a byte order mark' :
              point === 0xa0   ? ', a no-break space' :
                                 ''}): non-ASCII characters may appear ` +
          `only inside quoted strings and comments`, this.here(),
          {value: ch});
    }
    this.pos++;
    return token(TokenKind.SYMBOL);
  }

  /** Consumes a number starting at `pos`; returns INTEGER or FLOAT. */
  private readNumber(): TokenKind {
    const text = this.text;
    const at = (i: number) => text.charCodeAt(i);
    let kind = TokenKind.INTEGER;
    const first = at(this.pos);
    const second = at(this.pos + 1);
    if (first === Char.ZERO &&
        (second === Char.LOWER_X || second === Char.UPPER_X)) {
      this.pos += 2;
      if (!isHexDigit(at(this.pos))) {
        throw this.error('"0x" must be followed by hex digits', this.here());
      }
      while (isHexDigit(at(this.pos))) this.pos++;
    } else if (first === Char.ZERO && isDigit(second)) {
      this.pos++;
      while (isOctalDigit(at(this.pos))) this.pos++;
      if (isDigit(at(this.pos))) {
        throw this.error(
            'a number starting with 0 is octal and cannot hold the digits ' +
            '8 or 9; drop the leading zero', this.here());
      }
    } else {
      while (isDigit(at(this.pos))) this.pos++;
      if (at(this.pos) === Char.DOT) {
        kind = TokenKind.FLOAT;
        this.pos++;
        while (isDigit(at(this.pos))) this.pos++;
      }
      const e = at(this.pos);
      if (e === Char.LOWER_E || e === Char.UPPER_E) {
        kind = TokenKind.FLOAT;
        this.pos++;
        const sign = at(this.pos);
        if (sign === Char.MINUS || sign === Char.PLUS) this.pos++;
        if (!isDigit(at(this.pos))) {
          throw this.error(
              '"e" in a number must be followed by an exponent', this.here());
        }
        while (isDigit(at(this.pos))) this.pos++;
      }
      const f = at(this.pos);
      if (f === Char.LOWER_F || f === Char.UPPER_F) {
        kind = TokenKind.FLOAT;
        this.pos++;
      }
    }
    if (isLetter(at(this.pos))) {
      throw this.error(
          'a number runs into a name; put a space between them',
          this.here());
    }
    return kind;
  }

  /** Consumes a quoted string starting at `pos` and decodes it. */
  private readString(quote: number, token: Token) {
    const text = this.text;
    const open = this.here();
    this.pos++;
    const contentStart = this.pos;
    let bytes: number[]|undefined;
    let plainFrom = contentStart;
    // Copies the escape-free run before `end` into `bytes`.
    const flushPlain = (end: number) => {
      const run = text.slice(plainFrom, end);
      for (const ch of run) appendUtf8(bytes!, ch.codePointAt(0)!);
    };
    while (true) {
      if (this.pos >= text.length) {
        throw this.error(
            'unterminated string: the closing quote is missing', open);
      }
      const c = text.charCodeAt(this.pos);
      if (c === quote) break;
      if (c === Char.LF) {
        throw this.error(
            'a string cannot span lines; close it on this line and start ' +
            'another (adjacent strings are joined)', this.here());
      }
      if (c !== Char.BACKSLASH) {
        this.pos++;
        continue;
      }
      if (bytes === undefined) bytes = [];
      flushPlain(this.pos);
      this.readEscape(bytes);
      plainFrom = this.pos;
    }
    if (bytes === undefined) {
      token.str = text.slice(contentStart, this.pos);
    } else {
      flushPlain(this.pos);
      token.bytes = bytes;
    }
    this.pos++;
  }

  /** Consumes one backslash escape at `pos`, appending its bytes. */
  private readEscape(bytes: number[]) {
    const text = this.text;
    const at = (i: number) => text.charCodeAt(i);
    const where = this.here();
    this.pos++;
    const c = at(this.pos);
    const simple = SIMPLE_ESCAPES.get(text.charAt(this.pos));
    if (simple !== undefined) {
      bytes.push(simple);
      this.pos++;
    } else if (isOctalDigit(c)) {
      let value = 0;
      for (let n = 0; n < 3 && isOctalDigit(at(this.pos)); n++) {
        value = value * 8 + (at(this.pos) - Char.ZERO);
        this.pos++;
      }
      // As in protoc, \400 and above keep the low byte.
      bytes.push(value & 0xff);
    } else if (c === Char.LOWER_X) {
      this.pos++;
      if (!isHexDigit(at(this.pos))) {
        throw this.error(
            '"\\x" must be followed by one or two hex digits', where);
      }
      let digits = text.charAt(this.pos++);
      if (isHexDigit(at(this.pos))) digits += text.charAt(this.pos++);
      bytes.push(parseInt(digits, 16));
    } else if (c === Char.LOWER_U || c === Char.UPPER_U) {
      const count = c === Char.LOWER_U ? 4 : 8;
      const digits = text.slice(this.pos + 1, this.pos + 1 + count);
      if (digits.length !== count || !/^[0-9a-fA-F]+$/.test(digits)) {
        throw this.error(
            `"\\${text.charAt(this.pos)}" must be followed by exactly ` +
            `${count} hex digits`, where);
      }
      this.pos += 1 + count;
      let codePoint = parseInt(digits, 16);
      if (codePoint > 0x10ffff) {
        throw this.error(
            `"\\U${digits}" is beyond the last Unicode code point ` +
            `(\\U0010ffff)`, where);
      }
      // A \u high surrogate directly followed by a \u low surrogate is one
      // code point; a lone surrogate is kept as is (invalid UTF-8).
      if (codePoint >= 0xd800 && codePoint <= 0xdbff &&
          /^\\u[dD][c-fC-F][0-9a-fA-F]{2}/.test(text.slice(this.pos))) {
        const low = parseInt(text.slice(this.pos + 2, this.pos + 6), 16);
        codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (low - 0xdc00);
        this.pos += 6;
      }
      appendUtf8(bytes, codePoint);
    } else {
      const shown = this.pos < text.length ? text.charAt(this.pos) : '';
      if (shown === '\n' || shown === '\r') {
        throw this.error(
            'a backslash at the end of a line: a string cannot go on to ' +
                'the next line; close it there and open another (strings ' +
                'side by side are joined: "ab" "cd" is "abcd")',
            where, {value: '\\'});
      }
      throw this.error(
          `invalid escape "\\${shown}" in a string; valid escapes are ` +
          `\\n \\t \\r \\a \\b \\f \\v \\\\ \\' \\" \\? \\ooo (octal) ` +
          `\\xhh \\uhhhh \\Uhhhhhhhh`, where, {value: '\\' + shown});
    }
  }
}

function hex4(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}
