/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A streaming CSV reader after RFC 4180.
 *
 * What it accepts:
 * - records ended by CRLF, LF or a lone CR, mixed freely; the last record
 *   may lack a line break;
 * - quoted fields holding delimiters, line breaks and doubled quotes (`""`
 *   reads as one `"`);
 * - a UTF-8 byte order mark at the start of the file (dropped);
 * - any one-character delimiter other than a quote or a line break.
 *
 * What it rejects, with file:line:col: a quote inside an unquoted field,
 * anything but a delimiter or a line break after a closing quote, and a
 * quoted field still open at the end of the file.
 *
 * Lines with no characters at all are skipped (so a trailing line break
 * adds no record). The reader does not interpret cells: no trimming, no
 * numbers. The first record is the header for callers that have one.
 *
 * Porting note: the original reads CSV through
 * `tf.data.experimental.CsvDataset(use_quote_delim=True)`, which is equally
 * strict about stray quotes.
 */

import * as fs from 'fs';
import * as path from 'path';

import {compressionOf, firstNonUtf8Byte} from '../utf8';
import {DataError} from './data';

/** One record and where it starts. */
export declare interface CsvRecord {
  cells: string[];
  /** 1-based line of the file where the record starts. */
  line: number;
}

export declare interface CsvReaderArgs {
  /** The field delimiter, one character; default ','. */
  fieldDelim?: string;
  /** Named in error messages; default '<csv>'. */
  source?: string;
}

export declare interface CsvFileReaderArgs {
  /** The field delimiter, one character; default ','. */
  fieldDelim?: string;
  /** Bytes read at a time; default 64 KiB. */
  chunkSize?: number;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const BOM = 0xfeff;

const enum State {
  /** At the start of a field (after a delimiter or a line break). */
  FIELD_START,
  /** Inside an unquoted field. */
  UNQUOTED,
  /** Inside a quoted field. */
  QUOTED,
  /** Just after a quote inside a quoted field: a close or an escape. */
  QUOTE_IN_QUOTED,
}

/**
 * Returns `delim` as a single character, accepting the two-character
 * spelling `\t` for a tab; throws a DataError naming the flag otherwise.
 */
export function checkFieldDelim(delim: string): string {
  const value = delim === '\\t' ? '\t' : delim;
  if (value.length !== 1 || value === '"' || value === '\n' ||
      value === '\r') {
    throw new DataError(
        `--field_delim=${JSON.stringify(delim)}: the delimiter must be one ` +
        `character other than a quote or a line break, e.g. ',' or ';' or ` +
        `'\\t'`);
  }
  return value;
}

/**
 * A push parser: feed it text in pieces of any size, get back the records
 * completed so far. Splits may fall anywhere, also inside a CRLF or a `""`.
 */
export class CsvParser {
  private readonly delim: number;
  private readonly source: string;
  private state = State.FIELD_START;
  private cells: string[] = [];
  private field = '';
  /** Current line, 1-based, and the absolute offset where it starts. */
  private line = 1;
  private lineStart = 0;
  /** Absolute offset of the first character of the next pushed text. */
  private offset = 0;
  /** The last character seen was a CR (a LF right after it is one break). */
  private afterCr = false;
  private recordLine = 1;
  private quoteLine = 0;
  private quoteCol = 0;
  private first = true;

  constructor(args: CsvReaderArgs = {}) {
    this.delim = checkFieldDelim(args.fieldDelim ?? ',').charCodeAt(0);
    this.source = args.source ?? '<csv>';
  }

  /** Parses `text`; returns the records it completed. */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let i = 0;
    const n = text.length;
    if (text.indexOf('\0') >= 0) {
      // UTF-16 (Excel's "Unicode text") read as UTF-8: every other byte
      // is 0, and the file would parse into nonsense columns.
      throw new DataError(
          `${this.source}: the file holds NUL bytes, so it is not UTF-8 ` +
              'text (UTF-16, as "Unicode text" exports are, or binary); ' +
              'save it as UTF-8 CSV',
          this.source);
    }
    if (this.first && n > 0) {
      this.first = false;
      if (text.charCodeAt(0) === BOM) {
        i = 1;
        this.lineStart = 1;
      }
    }
    const delim = this.delim;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (this.afterCr) {
        this.afterCr = false;
        if (c === LF) {
          // The second half of a CRLF already counted as a line break; it
          // belongs to the quoted field if the CR did.
          if (this.state === State.QUOTED) this.field += '\n';
          this.lineStart = this.offset + i + 1;
          i++;
          continue;
        }
      }
      switch (this.state) {
        case State.FIELD_START:
          if (c === QUOTE) {
            if (this.cells.length === 0) this.recordLine = this.line;
            this.quoteLine = this.line;
            this.quoteCol = this.col(i);
            this.state = State.QUOTED;
            i++;
          } else if (c === delim) {
            if (this.cells.length === 0) this.recordLine = this.line;
            this.cells.push('');
            i++;
          } else if (c === CR || c === LF) {
            // A line with nothing on it is skipped; after a delimiter the
            // record ends with an empty field.
            if (this.cells.length > 0) {
              this.cells.push('');
              this.endRecord(out);
            }
            this.lineBreak(c, i);
            i++;
          } else {
            if (this.cells.length === 0) this.recordLine = this.line;
            this.state = State.UNQUOTED;
          }
          break;
        case State.UNQUOTED: {
          const start = i;
          while (i < n) {
            const d = text.charCodeAt(i);
            if (d === delim || d === CR || d === LF || d === QUOTE) break;
            i++;
          }
          this.field += text.slice(start, i);
          if (i === n) break;
          const d = text.charCodeAt(i);
          if (d === QUOTE) {
            throw this.error(
                this.line, this.col(i),
                'a quote inside an unquoted field; quote the whole field ' +
                    'and double the quotes in it ("5\'10""") or remove the ' +
                    'quote');
          }
          this.cells.push(this.field);
          this.field = '';
          this.state = State.FIELD_START;
          if (d !== delim) {
            this.endRecord(out);
            this.lineBreak(d, i);
          }
          i++;
          break;
        }
        case State.QUOTED: {
          const start = i;
          while (i < n) {
            const d = text.charCodeAt(i);
            if (d === QUOTE || d === CR || d === LF) break;
            i++;
          }
          this.field += text.slice(start, i);
          if (i === n) break;
          const d = text.charCodeAt(i);
          if (d === QUOTE) {
            this.state = State.QUOTE_IN_QUOTED;
          } else {
            this.field += d === CR ? '\r' : '\n';
            this.lineBreak(d, i);
          }
          i++;
          break;
        }
        case State.QUOTE_IN_QUOTED:
          if (c === QUOTE) {
            this.field += '"';
            this.state = State.QUOTED;
          } else if (c === delim) {
            this.cells.push(this.field);
            this.field = '';
            this.state = State.FIELD_START;
          } else if (c === CR || c === LF) {
            this.cells.push(this.field);
            this.field = '';
            this.state = State.FIELD_START;
            this.endRecord(out);
            this.lineBreak(c, i);
          } else {
            throw this.error(
                this.line, this.col(i),
                `${JSON.stringify(text[i])} after the closing quote of a ` +
                    'field; a quote inside a quoted field is written as ""');
          }
          i++;
          break;
        default:
          throw new Error(`unhandled CSV parser state ${this.state}`);
      }
    }
    this.offset += n;
    return out;
  }

  /** Ends the input; returns the last record, if any. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.state === State.QUOTED) {
      throw this.error(
          this.quoteLine, this.quoteCol,
          'a quoted field opened here is never closed; end it with a ' +
              'quote and write quotes inside it as ""');
    }
    if (this.state === State.UNQUOTED ||
        this.state === State.QUOTE_IN_QUOTED) {
      this.cells.push(this.field);
      this.field = '';
      this.endRecord(out);
    } else if (this.cells.length > 0) {
      this.cells.push('');
      this.endRecord(out);
    }
    this.state = State.FIELD_START;
    return out;
  }

  private endRecord(out: CsvRecord[]): void {
    out.push({cells: this.cells, line: this.recordLine});
    this.cells = [];
  }

  /** Counts the break at text[i]; a CR waits to see if a LF follows. */
  private lineBreak(c: number, i: number): void {
    this.line++;
    this.lineStart = this.offset + i + 1;
    if (c === CR) this.afterCr = true;
  }

  /** Where the next pushed character goes: 1-based line and column. */
  position(): {line: number, col: number} {
    return {line: this.line, col: this.col(0)};
  }

  private col(i: number): number {
    return this.offset + i - this.lineStart + 1;
  }

  private error(line: number, col: number, what: string): DataError {
    return new DataError(`${this.source}:${line}:${col}: ${what}`,
                         this.source, line);
  }
}

/**
 * Parses a whole string (tests, small inputs); see CsvParser.
 */
export function parseCsv(text: string, args: CsvReaderArgs = {}):
    CsvRecord[] {
  const parser = new CsvParser(args);
  return [...parser.push(text), ...parser.end()];
}

/**
 * Streams the records of `file`, header included, reading `chunkSize`
 * bytes at a time: memory holds one chunk and one record, never the file.
 * Stopping the iteration early closes the file. An unreadable file, or
 * one that is not UTF-8 (Latin-1 bytes, say, which would otherwise read
 * as U+FFFD and merge distinct values), is a DataError naming it and,
 * for bad bytes, their line and column.
 */
export async function* readCsvFile(file: string, args: CsvFileReaderArgs = {}):
    AsyncGenerator<CsvRecord> {
  const parser = new CsvParser({fieldDelim: args.fieldDelim, source: file});
  const stream =
      fs.createReadStream(file, {highWaterMark: args.chunkSize ?? 65536});
  const decoder = new TextDecoder('utf-8', {fatal: true});
  // The end of the previous chunk that starts a character the next chunk
  // ends (at most 3 bytes, not decoded yet), to find bad bytes across the
  // split.
  let carry: Buffer = Buffer.alloc(0);
  let sawUtf8 = false;
  let first = true;
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      if (first) {
        checkNotCompressed(file, bytes);
        first = false;
      }
      let text: string;
      try {
        text = decoder.decode(bytes, {stream: true});
      } catch {
        throw notUtf8Error(parser, file, Buffer.concat([carry, bytes]),
                           {atEnd: false, utf8Before: sawUtf8});
      }
      // Whether the file held UTF-8 beyond ASCII: a bad byte after it is
      // a line of another encoding, not a file of one.
      sawUtf8 ||= NON_ASCII.test(text);
      carry = bytes.subarray(bytes.length - unfinishedTail(bytes));
      yield* parser.push(text);
    }
    let rest: string;
    try {
      rest = decoder.decode();
    } catch {
      throw notUtf8Error(parser, file, carry,
                         {atEnd: true, utf8Before: sawUtf8});
    }
    if (rest !== '') yield* parser.push(rest);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(
        `${file}: cannot read: ${(e as Error).message}`, file);
  } finally {
    stream.destroy();
  }
  yield* parser.end();
}

/**
 * The records of `file` whose line starts at a byte in [from, to), in
 * order, for a file whose every record is one line (no quoted line
 * break): a part of it read on its own, so that reading can start in
 * several places at once. `from` may fall inside a line: that line
 * belongs to the part before. `line` of a record counts from the part's
 * first line (1); the file was read whole and checked before, so what
 * fails here is a file changed since.
 */
export async function* readCsvByteRange(
    file: string, from: number, to: number,
    args: CsvFileReaderArgs = {}): AsyncGenerator<CsvRecord> {
  if (from >= to) return;
  const parser = new CsvParser({fieldDelim: args.fieldDelim, source: file});
  const decoder = new TextDecoder('utf-8', {fatal: true});
  // From the byte before `from`: a line break there means a line starts
  // at `from`; anything else, that the line holding `from` is not ours.
  const start = from === 0 ? 0 : from - 1;
  const stream = fs.createReadStream(
      file, {start, highWaterMark: args.chunkSize ?? 65536});
  let at = start;  // absolute offset of the chunk's first byte
  let started = from === 0;
  try {
    for await (const chunk of stream) {
      let bytes = chunk as Buffer;
      const chunkStart = at;
      at += bytes.length;
      if (!started) {
        const newline = bytes.indexOf(LF);
        if (newline < 0) continue;
        started = true;
        bytes = bytes.subarray(newline + 1);
        if (chunkStart + newline + 1 >= to) return;
      }
      // The part ends with the line holding byte to - 1.
      const bytesStart = at - bytes.length;
      let done = false;
      if (at > to - 1) {
        const newline = bytes.indexOf(LF, Math.max(0, to - 1 - bytesStart));
        if (newline >= 0) {
          bytes = bytes.subarray(0, newline + 1);
          done = true;
        }
      }
      let text: string;
      try {
        text = decoder.decode(bytes, {stream: !done});
      } catch {
        throw new DataError(
            `${file}: bytes that are not UTF-8 after byte ${from}: the file ` +
                'changed since it was read; restart the search',
            file);
      }
      yield* parser.push(text);
      if (done) break;
    }
    if (!started) return;
    yield* parser.push(decoder.decode());
  } finally {
    stream.destroy();
  }
  yield* parser.end();
}

const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * Refuses a compressed file by its first bytes (a .csv.gz given as is),
 * which would otherwise be called binary or of another encoding.
 */
function checkNotCompressed(file: string, bytes: Buffer): void {
  const compressed = compressionOf(bytes);
  if (compressed !== undefined) {
    throw new DataError(
        `${file}: the file is ${compressed.kind}-compressed, not CSV text; ` +
            `decompress it first (e.g. ${compressed.command(file)}) and give ` +
            'the decompressed file',
        file);
  }
}

/** How many bytes at the end of `bytes` start a character left unfinished. */
function unfinishedTail(bytes: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, bytes.length); k++) {
    const b = bytes[bytes.length - k];
    if ((b & 0xc0) === 0x80) continue;  // a continuation byte
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > k ? k : 0;
  }
  return 0;
}

/**
 * The error for bytes that are not UTF-8 in `bytes` (the chunk the decoder
 * refused, after the unfinished character the previous one ended with):
 * the text before them is given to `parser` so that the message can say
 * their line and column.
 */
function notUtf8Error(
    parser: CsvParser, file: string, bytes: Buffer,
    context: {atEnd: boolean, utf8Before: boolean}): DataError {
  if (bytes.includes(0)) {
    // UTF-16 with its byte order mark: the parser's own message.
    parser.push('\0');
  }
  const bad = firstNonUtf8Byte(bytes);
  let where = file;
  let line: number|undefined;
  let what = 'bytes that are not UTF-8';
  if (bad >= 0) {
    try {
      parser.push(new TextDecoder('utf-8').decode(bytes.subarray(0, bad)));
      const position = parser.position();
      line = position.line;
      where = `${file}:${line}:${position.col}`;
    } catch {
      // The text before has an error of its own; the file is named alone.
    }
    what = `byte 0x${
        bytes[bad].toString(16).toUpperCase().padStart(2, '0')}, not UTF-8`;
  }
  const name = path.basename(file);
  let fix: string;
  if (context.atEnd) {
    fix = 'the file ends inside a character: it was cut short (a copy or ' +
        'download that did not finish?); restore it, or remove its last, ' +
        'partial line';
  } else if (context.utf8Before ||
             (bad > 0 &&
              NON_ASCII.test(
                  new TextDecoder('utf-8').decode(bytes.subarray(0, bad))))) {
    // Converting the whole file would garble its UTF-8 before.
    fix = 'the file is UTF-8 before it, so this line is of another ' +
        'encoding (pasted from elsewhere?); retype or remove its odd ' +
        'characters';
  } else {
    // 0x80-0x9F are control codes in Latin-1 but letters and signs (€,
    // quotes, dashes) in Windows-1252.
    const cp1252 = bad >= 0 && bytes[bad] >= 0x80 && bytes[bad] <= 0x9f;
    fix = `the file is in another encoding (${
        cp1252 ? 'Windows-1252' : 'Latin-1 or Windows-1252'}, as older ` +
        'spreadsheet exports are); save it as UTF-8 CSV, e.g. `iconv -f ' +
        `${cp1252 ? 'cp1252' : 'latin1'} -t utf-8 ${name} > utf8.csv\``;
  }
  return new DataError(`${where}: ${what}: ${fix}`, file, line);
}
