/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A data provider for classification on a CSV file, as csv_data.py.
 *
 * The file has a header row, one label column (`labelIndex`) and feature
 * columns. `prepare()` streams it once to check it and infer the schema;
 * training then streams it again in passes, so a file of any size is read
 * with bounded memory.
 *
 * How a column's kind is decided (the original knows only numbers; strings
 * are our addition):
 * - its `recordDefaults` entry is a number (`0`, `1.5`): numeric, and a
 *   non-numeric cell is an error naming file, line, column and value;
 * - its entry is any other text (`unknown`): categorical;
 * - its entry is empty, or `recordDefaults` is empty altogether: numeric
 *   when every non-empty cell is a number, categorical otherwise.
 *
 * An empty cell takes the column's entry, or 0 (numeric) or the empty
 * string (categorical) when there is none; an empty label with no entry is
 * an error. Numeric features are standardized: the first pass over the
 * training file also computes each numeric column's mean and (population)
 * standard deviation, kept in the schema, and every feature, in training,
 * evaluation and prediction alike, enters the model as (x - mean) / std
 * (a column that is the same in every training row, std 0, as 0: it
 * tells the models nothing, and a value it never had must not move them).
 * A categorical feature is one-hot over its sorted vocabulary (at most
 * 1000 values; unseen values encode as all zeros). Numeric labels are class ids, integers
 * in [0, logitsDimension); string labels map to ids in sorted order and
 * need `logitsDimension` >= their number.
 */

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import {tf} from '../backend/tf';
import {didYouMean, UsageError} from '../errors';
import {Random} from '../random';
import {logEntry} from '../log_line';

import {checkFieldDelim, CsvRecord, readCsvByteRange, readCsvFile} from './csv_reader';
import {Batch, DataError, FeatureColumn, Hparams, InputSchema, listedName, Mode, Provider as DataProvider, readProgressEveryMs} from './data';

/** Options of the CSV provider; the flag names are those of the binary. */
export declare interface CsvDataArgs {
  /** The training CSV (`--filename`). */
  filename: string;
  /**
   * The evaluation CSV (`--validation_filename`); the training file is
   * evaluated when absent, as in the original.
   */
  validationFilename?: string;
  /** The label column, 0-based (`--label_index`); default 0. */
  labelIndex?: number;
  /** The number of classes (`--logits_dimension`); default 2. */
  logitsDimension?: number;
  /**
   * One default per column (`--record_defaults`), as a list or a comma
   * separated string; empty (the default) infers every column.
   */
  recordDefaults?: string[]|string;
  /** The field delimiter (`--field_delim`); default ','. */
  fieldDelim?: string;
  /** Seeds the training shuffle; default 0. */
  seed?: number;
  /** Receives the one-line schema summary; default stderr. */
  log?: (line: string) => void;
  /** Rows held for shuffling training data; default 10000. */
  shuffleBufferSize?: number;
}

/** The options of CsvDataArgs; another key is most likely misspelt. */
const CSV_DATA_OPTIONS: ReadonlyArray<keyof CsvDataArgs> = [
  'filename', 'validationFilename', 'labelIndex', 'logitsDimension',
  'recordDefaults', 'fieldDelim', 'seed', 'log', 'shuffleBufferSize',
];

/** The most values a categorical feature may have (its one-hot width). */
export const MAX_CATEGORIES = 1000;
/** The most distinct labels a file may have. */
export const MAX_CLASSES = 10000;

/** A cell that reads as a decimal number. */
const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * The column names of a header row: an empty name (a trailing comma, say)
 * is `column_<index>`, in training and in predict alike.
 */
export function columnNames(header: readonly string[]): string[] {
  return header.map((name, i) => name === '' ? `column_${i}` : name);
}

/** Headers up to this wide are shown whole in a message. */
const WHOLE_HEADER_COLUMNS = 10;

/** The separators a file read with the wrong one is checked for. */
const COMMON_DELIMITERS = [',', ';', '\t', '|'];

/**
 * The common separator that `line` holds most often, if it holds some
 * more often than `fieldDelim` (which then most likely is not the file's).
 */
function likelierDelimiter(line: string, fieldDelim: string):
    {delimiter: string, count: number}|undefined {
  const occurrences = (d: string) => line.split(d).length - 1;
  let best: {delimiter: string, count: number}|undefined;
  for (const delimiter of COMMON_DELIMITERS) {
    if (delimiter === fieldDelim) continue;
    const count = occurrences(delimiter);
    if (count > (best?.count ?? 0)) best = {delimiter, count};
  }
  return best !== undefined && best.count > occurrences(fieldDelim) ? best :
                                                                      undefined;
}

/**
 * When a header read with `fieldDelim` holds another common separator
 * more often than its columns are separated, a hint that the file is
 * separated otherwise ('' if not): a `;` file read with `,` is one
 * column, or a few where names hold commas. `advise`: say to give
 * --field_delim (where one flag reads this file alone).
 */
export function otherDelimiterHint(
    header: readonly string[], fieldDelim: string, advise = false): string {
  const other = likelierDelimiter(header.join(fieldDelim), fieldDelim);
  if (other === undefined) return '';
  const delimiter = JSON.stringify(other.delimiter);
  return ` (read as ${header.length === 1 ? 'one column' :
                                            `${header.length} columns`}: ` +
      `the file looks separated by ${delimiter} (${other.count} in its ` +
      `header), not ${JSON.stringify(fieldDelim)}${
          advise ? `: give --field_delim=${delimiter}?` : ''})`;
}

/**
 * When the first line of `file` holds another common separator more often
 * than `fieldDelim`, a hint to give that one ('' if not, or if
 * unreadable).
 */
export function firstLineDelimiterHint(
    file: string, fieldDelim: string): string {
  let first = '';
  try {
    // Opening a FIFO would block the thread until a writer comes, and
    // with it Ctrl-C: only a regular file is read.
    if (!fs.statSync(file).isFile()) return '';
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(65536);
      const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
      first = buffer.subarray(0, read).toString('utf8').split(/\r?\n/)[0];
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
  const other = likelierDelimiter(first, fieldDelim);
  if (other === undefined) return '';
  const given = first.split(fieldDelim).length - 1;
  return ` (its first line holds ${
      given === 0 ? 'no' : `${given}`} ${JSON.stringify(fieldDelim)} but ${
      other.count} ${JSON.stringify(other.delimiter)}: give --field_delim=${
      JSON.stringify(other.delimiter)}?)`;
}

export function isNumeric(text: string): boolean {
  return NUMBER.test(text);
}

/**
 * What spreadsheets and dataframes write for a missing number ("NA",
 * "nan", "?"): read as an empty cell in a numeric column, its default.
 * (An inferred column holding them reads as categorical, and is warned
 * of: mostlyNumericWarnings.)
 */
const MISSING_NUMBER_WORDS =
    new Set(['nan', 'na', 'n/a', 'null', 'none', '?', '-', '#n/a']);

/**
 * A cell that a numeric column given a --record_defaults entry reads as
 * that entry: one of spaces only (a spreadsheet's "blank"), or a word other
 * tools write for a missing number, spaces around allowed.
 */
function isMissingNumber(cell: string): boolean {
  const word = cell.trim();
  return word === '' ||
      (word.length <= 4 && MISSING_NUMBER_WORDS.has(word.toLowerCase()));
}

/** The largest magnitude a 32-bit float holds; features are float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The value of a numeric cell; throws a DataError (at `where`, naming
 * `column`) for one no 32-bit float holds (`1e300`, `1e999`): it would
 * train as Infinity and every trial would fail with a NaN loss.
 */
function numberOf(cell: string, where: string, column: string): number {
  const value = Number(cell);
  if (!(Math.abs(value) <= FLOAT32_MAX)) {
    throw new DataError(
        `${where}: column ${column} has ${cell.trim()}, beyond the ` +
        `range of the 32-bit floats training uses (about ±3.4e38); ` +
        'rescale the column or fix the value');
  }
  return value;
}

/**
 * Splits a `--record_defaults` value into its entries. A list written with
 * brackets (`[0,0,0]`, as in Python) is refused: its first and last entries
 * would be the texts "[0" and "0]", which make two columns categorical.
 */
export function parseRecordDefaults(value: string[]|string|undefined):
    string[] {
  if (value === undefined) return [];
  const entries = Array.isArray(value) ?
      value.map((v) => String(v).trim()) :
      value.trim() === '' ? [] : value.split(',').map((v) => v.trim());
  if (entries.length > 0 &&
      (/^[[(]/.test(entries[0]) || /[\])]$/.test(entries[entries.length - 1]))) {
    const inner = entries.join(',').replace(/^[[(]|[\])]$/g, '');
    throw new UsageError(
        `--record_defaults=${entries.join(',')} (recordDefaults): give the ` +
        `defaults separated by commas, without brackets: ` +
        `--record_defaults=${inner}`);
  }
  return entries;
}

/** Where a label lives, for messages. */
interface LabelInfo {
  name: string;
  index: number;
  logitsDimension: number;
  /**
   * Another column whose name says it is the label, when the label
   * column's name does not (labelNamedElsewhere).
   */
  namedElsewhere?: {name: string, index: number};
}

/** Column names that say a column is the label. */
const LABEL_NAMES =
    new Set(['label', 'labels', 'target', 'class', 'y', 'outcome']);

function labelLike(name: string): boolean {
  return LABEL_NAMES.has(name.replace(/^\ufeff/, '').trim().toLowerCase());
}

/**
 * The first column other than the label's whose name says it is the
 * label ("label", "target", "class", "y" ...), when the label column's
 * own name does not: the label is most likely there (--label_index
 * defaults to the first column, while many files put the label last).
 */
function labelNamedElsewhere(names: string[], labelIndex: number):
    {name: string, index: number}|undefined {
  if (labelLike(names[labelIndex])) return undefined;
  const index = names.findIndex((n, i) => i !== labelIndex && labelLike(n));
  return index < 0 ? undefined : {name: names[index], index};
}

/** `; column N is named "label": ...`, or '' (labelNamedElsewhere). */
function labelElsewhereHint(label: LabelInfo): string {
  const other = label.namedElsewhere;
  return other === undefined ? '' :
      `; column ${other.index} is named ${JSON.stringify(other.name)}: if ` +
      `that is the label, pass --label_index=${other.index}`;
}

function labelWhat(label: LabelInfo): string {
  return `label "${label.name}" (column ${label.index})`;
}

function labelEmptyError(file: string, line: number, label: LabelInfo) {
  return new DataError(
      `${file}:${line}: ${labelWhat(label)} is empty; fill it in, remove ` +
          'the row, or give the label a --record_defaults entry' +
          labelElsewhereHint(label),
      file, line);
}

/**
 * What is wrong with a data row that is no row of data: one of empty (or
 * blank) cells only (as spreadsheets leave below their data), or the
 * header again (repeatedHeaderError); undefined for any other.
 */
function notARowError(file: string, record: CsvRecord, header: CsvRecord):
    DataError|undefined {
  const {cells, line} = record;
  if (cells.every((c) => c.trim() === '')) {
    return new DataError(
        `${file}:${line}: the row is empty (only delimiters), as a ` +
            'spreadsheet leaves below its data; remove such rows',
        file, line);
  }
  return repeatedHeaderError(file, record, header);
}

/**
 * The error of a data row that repeats the header (two files joined with
 * their headers), or undefined. A header holding numbers may be a row of
 * data (a file without a header), which a later row may repeat: not said
 * then.
 */
export function repeatedHeaderError(
    file: string, record: CsvRecord, header: CsvRecord): DataError|undefined {
  const {cells, line} = record;
  const bare = (c: string) => c.replace(/^\ufeff/, '');
  if (bare(cells[0]) !== bare(header.cells[0]) ||
      !cells.every((c, i) => bare(c) === bare(header.cells[i])) ||
      header.cells.some((c) => isNumeric(bare(c)))) {
    return undefined;
  }
  return new DataError(
      `${file}:${line}: the row repeats the header (line ${
          header.line}): files joined with their headers? Remove it. ` +
          '(Or has the file no header? Its first line names the ' +
          'columns: put a line of column names above the data)',
      file, line);
}

function labelIdError(
    file: string, line: number, label: LabelInfo, value: string,
    declaredBy?: string) {
  const n = label.logitsDimension;
  if (value.trim() === '') {
    // Number('  ') is 0: not a class id a row was given.
    return new DataError(
        `${file}:${line}: ${labelWhat(label)} is blank (${
            JSON.stringify(value)}); give the row its class id, 0..${
            n - 1}, or remove the row`,
        file, line);
  }
  const id = Number(value);
  if (!Number.isInteger(id)) {
    // A number as the label's --record_defaults entry makes it numeric,
    // whatever the column holds.
    const fix = declaredBy === undefined ?
        'or class names throughout the column' :
        `or, for class names, give the label a text --record_defaults ` +
            `entry instead of ${declaredBy} (e.g. "" or "unknown")`;
    // A fraction: most likely a value to regress, which a classifier
    // does not do.
    const regression = isNumeric(value) ?
        ' (the search trains classifiers: labels are classes, not values ' +
            'to regress)' :
        '';
    return new DataError(
        `${file}:${line}: ${labelWhat(label)} is ${JSON.stringify(value)}, ` +
            `not an integer class id${regression}; use ids 0..${n - 1}, ${
                fix}${labelElsewhereHint(label)}`,
        file, line);
  }
  // The label most likely in another column, said first: raising
  // --logits_dimension would train on the wrong one.
  const elsewhere = label.namedElsewhere === undefined ? '' :
      `${labelElsewhereHint(label).slice(2)}; else `;
  return new DataError(
      `${file}:${line}: ${labelWhat(label)} is ${value.trim()}, outside ` +
          `[0, ${n}) set by --logits_dimension=${n}; ${elsewhere}pass ` +
          '--logits_dimension=N with N above the largest class id, ' +
          'number the classes from 0, or read the labels as class names ' +
          '(-1 and 1, say): give the label\'s --record_defaults entry a ' +
          'text value such as "unknown"',
      file, line);
}

/** A class id for a numeric label, or undefined when it is not one. */
function numericClassId(value: string, logitsDimension: number):
    number|undefined {
  if (!isNumeric(value)) return undefined;
  const id = Number(value);
  return Number.isInteger(id) && id >= 0 && id < logitsDimension ? id :
                                                                    undefined;
}

function emptyFileError(file: string) {
  return new DataError(
      `${file}: the file is empty; a CSV needs a header row and at least ` +
          'one data row',
      file);
}

function headerOnlyError(file: string, headerLine: number) {
  return new DataError(
      `${file}: only a header (line ${headerLine}), no data rows; add rows ` +
          'below the header',
      file);
}

function raggedError(
    file: string, line: number, cells: string[], header: CsvRecord,
    delim: string) {
  const fields = cells.length;
  if (fields === 1 && cells[0].trim() === '') {
    // Empty lines are skipped; one of spaces or tabs is a row of one
    // empty-looking field, which the count alone would not tell.
    return new DataError(
        `${file}:${line}: a line of only spaces or tabs, where a row of ${
            header.cells.length} fields like the header (line ${
            header.line}) was expected; remove it`,
        file, line);
  }
  return new DataError(
      `${file}:${line}: ${fields} fields, expected ${
          header.cells.length} like the header (line ${header.line}); fix ` +
          `the row, or quote fields that contain "${delim}"`,
      file, line);
}

/**
 * Header cells as the file would write them: quoted where a name holds the
 * delimiter or a quote, so that `feat,1` reads as one name.
 */
function headerText(cells: string[], delimiter: string): string {
  return cells.map((cell) => cell.includes(delimiter) || cell.includes('"') ?
                       `"${cell.replace(/"/g, '""')}"` :
                       cell)
      .join(delimiter);
}

function shortList(items: string[], limit = 10): string {
  const shown = items.slice(0, limit).map(listedName).join(',');
  return items.length > limit ? `${shown},...` : shown;
}

/**
 * Text that Unicode normalization may change: values of it are looked up
 * by their NFC form too, so that a value written as "e" and a combining
 * accent (as some systems write text) finds the "é" training saw.
 */
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Turns raw rows into feature vectors and class ids, following an
 * InputSchema of kind 'csv'. Shared by training, evaluation and
 * `cli predict`, so that all three encode alike.
 */
export class CsvRowEncoder {
  /** The encoded width. */
  readonly width: number;
  private readonly labelIndex: number;
  private readonly label: LabelInfo;
  /** What an empty label cell reads as (its --record_defaults entry). */
  private readonly labelDefault: string;
  private readonly labelIds?: Map<string, number>;
  private readonly labelIdsByForm?: Map<string, number>;
  private readonly ignoredColumns: number;
  private readonly plan: Array<{
    column: FeatureColumn,
    fileIndex: number,
    offset: number,
    numericDefault: number,
    /**
     * Whether a word for a missing number ("NA") reads as numericDefault:
     * for a column given a --record_defaults entry only; elsewhere (an
     * inferred column, whose empty cell reads as 0) it is refused.
     */
    missingAsDefault: boolean,
    /**
     * Subtracted from a numeric value, then multiplied by `factor`: 1/std,
     * or 0 for a column that is the same in every training row.
     */
    mean: number,
    factor: number,
    ids?: Map<string, number>,
    /** ids by the NFC form of the values (sameText). */
    idsByForm?: Map<string, number>,
  }> = [];

  constructor(private readonly schema: InputSchema) {
    const extra = schema.extra ?? {};
    if (schema.kind !== 'csv' || schema.columns === undefined ||
        typeof extra['labelIndex'] !== 'number') {
      throw new DataError(
          `not a CSV input schema (kind "${schema.kind}"); it needs ` +
          'columns and extra.labelIndex');
    }
    this.labelIndex = extra['labelIndex'];
    const classes = schema.labelVocabulary ?? [];
    this.label = {
      name: String(extra['labelName'] ?? `column_${this.labelIndex}`),
      index: this.labelIndex,
      logitsDimension: Number(extra['logitsDimension'] ?? classes.length),
    };
    if (extra['labelKind'] === 'categorical') {
      this.labelIds = new Map(classes.map((name, id) => [name, id]));
      this.labelIdsByForm = new Map(
          classes.map((name, id) => [name.normalize('NFC'), id]));
    }
    this.labelDefault =
        typeof extra['labelDefault'] === 'string' ? extra['labelDefault'] : '';
    // Columns of the file that are not features: the label, and unnamed
    // columns that training found empty (a delimiter ending every line).
    const ignored = new Set(Array.isArray(extra['ignoredColumns']) ?
                                extra['ignoredColumns'] as number[] : []);
    this.ignoredColumns = ignored.size;
    let fileIndex = -1;
    const nextFeature = () => {
      do {
        fileIndex++;
      } while (fileIndex === this.labelIndex || ignored.has(fileIndex));
      return fileIndex;
    };
    const missingAsDefault = new Set(Array.isArray(extra['missingAsDefault']) ?
        extra['missingAsDefault'] as string[] : []);
    let offset = 0;
    schema.columns.forEach((column) => {
      const fileIndex = nextFeature();
      if (column.kind === 'numeric') {
        this.plan.push({
          column,
          fileIndex,
          offset,
          numericDefault: Number(column.defaultValue ?? 0),
          missingAsDefault: missingAsDefault.has(column.name),
          mean: column.mean ?? 0,
          factor: standardFactor(column.std),
        });
        offset += 1;
      } else {
        const vocabulary = column.vocabulary ?? [];
        this.plan.push({
          column,
          fileIndex,
          offset,
          numericDefault: 0,
          missingAsDefault: false,
          mean: 0,
          factor: 1,
          ids: new Map(vocabulary.map((value, id) => [value, id])),
          idsByForm: new Map(
              vocabulary.map((value, id) => [value.normalize('NFC'), id])),
        });
        offset += vocabulary.length;
      }
    });
    this.width = offset;
  }

  /** The number of cells of a full row, label and ignored columns included. */
  get rowLength(): number {
    return this.plan.length + 1 + this.ignoredColumns;
  }

  /**
   * Writes the features of a full row (label included) into
   * out[at, at + width), numeric ones standardized. `where` (file:line)
   * prefixes errors. `columnAt`, when given, says where in `cells` each
   * feature column of the schema is, for rows laid out unlike the
   * training file.
   */
  encodeInto(
      cells: string[], out: Float32Array, at: number, where: string,
      columnAt?: number[],
      unseen?: (column: string, value: string) => void): void {
    out.fill(0, at, at + this.width);
    for (let k = 0; k < this.plan.length; k++) {
      const step = this.plan[k];
      const index = columnAt?.[k] ?? step.fileIndex;
      const cell = cells[index];
      if (step.ids === undefined) {
        // A number first: the word for a missing one is the rare case.
        if (cell !== '' && isNumeric(cell)) {
          const column = `"${step.column.name}" (index ${index})`;
          const scaled =
              (numberOf(cell, where, column) - step.mean) * step.factor + 0;
          if (!(Math.abs(scaled) <= FLOAT32_MAX)) {
            // A column whose training values are nearly alike scales a
            // value far from them by a huge factor.
            throw new DataError(
                `${where}: column ${column} has ${cell.trim()}, which ` +
                `standardized with the training file's moments (mean ${
                    Number(step.mean.toPrecision(6))}, standard deviation ${
                    Number((1 / step.factor).toPrecision(6))}) is beyond ` +
                'the range of the 32-bit ' +
                'floats training uses; rescale the column or fix the value');
          }
          out[at + step.offset] = scaled;
        } else if (cell === '' ||
                   (step.missingAsDefault && isMissingNumber(cell))) {
          // + 0: a factor of 0 gives 0, not -0.
          out[at + step.offset] =
              (step.numericDefault - step.mean) * step.factor + 0;
        } else {
          throw new DataError(
              `${where}: column "${step.column.name}" (index ` +
              `${index}) is numeric but has ${
                  JSON.stringify(cell)}; fix the value (leave a missing ` +
              'value empty)');
        }
      } else {
        const value =
            cell === '' ? String(step.column.defaultValue ?? '') : cell;
        const id = step.ids.get(value) ??
            (NON_ASCII.test(value) ?
                 step.idsByForm!.get(value.normalize('NFC')) :
                 undefined);
        // A value training never saw encodes as all zeros.
        if (id !== undefined) {
          out[at + step.offset + id] = 1;
        } else {
          unseen?.(step.column.name, value);
        }
      }
    }
  }

  /** The class id of a full row; `file` and `line` locate errors. */
  classId(cells: string[], file: string, line: number): number {
    const cell = cells[this.labelIndex] === '' ? this.labelDefault :
                                                 cells[this.labelIndex];
    if (cell === '') throw labelEmptyError(file, line, this.label);
    if (this.labelIds !== undefined) {
      const id = this.labelIds.get(cell) ??
          (NON_ASCII.test(cell) ?
               this.labelIdsByForm!.get(cell.normalize('NFC')) :
               undefined);
      if (id === undefined) {
        throw new DataError(
            `${file}:${line}: ${labelWhat(this.label)} is ${
                JSON.stringify(cell)}, not one of the training classes (${
                shortList([...this.labelIds.keys()])}); fix the label or ` +
                'add training rows of that class',
            file, line);
      }
      return id;
    }
    const id = numericClassId(cell, this.label.logitsDimension);
    if (id === undefined) throw labelIdError(file, line, this.label, cell);
    return id;
  }

  /**
   * Encodes the features of `cells`: either one cell per feature column
   * or a full row with the label, which is ignored; or, with `columnAt`
   * (see encodeInto), a row of any layout.
   */
  encode(cells: string[], where = 'row', columnAt?: number[],
         unseen?: (column: string, value: string) => void): Float32Array {
    let at = columnAt;
    if (columnAt !== undefined) {
      if (columnAt.length !== this.plan.length) {
        throw new Error(
            `columnAt has ${columnAt.length} entries for ${
                this.plan.length} feature columns`);
      }
    } else if (cells.length === this.plan.length) {
      at = this.plan.map((_, k) => k);
    } else if (cells.length !== this.rowLength) {
      throw new DataError(
          `${where}: ${cells.length} fields, expected ${this.plan.length} ` +
          `features (${this.plan.map((p) => p.column.name).join(',')}) or ` +
          `${this.rowLength} as the training file's rows`);
    }
    const out = new Float32Array(this.width);
    this.encodeInto(cells, out, 0, where, at, unseen);
    return out;
  }
}

/**
 * Categorical values a file holds that the training file lacks, column by
 * column: models read them as no value of the column, which a user
 * should hear of (a validation file, rows to predict).
 */
export class UnseenCategories {
  private readonly byColumn =
      new Map<string, {rows: number, value: string, line: number}>();
  private rows = 0;
  private lastLine = -1;

  /** What CsvRowEncoder.encodeInto calls for the row at `line`. */
  recorder(line: number): (column: string, value: string) => void {
    return (column, value) => {
      if (line !== this.lastLine) {
        this.rows++;
        this.lastLine = line;
      }
      const first = this.byColumn.get(column);
      if (first === undefined) {
        this.byColumn.set(column, {rows: 1, value, line});
      } else {
        first.rows++;
      }
    };
  }

  /** One line naming them, or undefined when there were none. */
  warning(file: string, rows: number): string|undefined {
    if (this.byColumn.size === 0) return undefined;
    const columns = [...this.byColumn].slice(0, 3).map(
        ([column, first]) => `column "${column}" in ${first.rows} row${
            first.rows === 1 ? '' : 's'}, first ${
            first.value === '' ? 'an empty cell (no value, which no ' +
                        'training row had)' :
                                 JSON.stringify(first.value)} at line ${
            first.line}`);
    if (this.byColumn.size > 3) columns.push('...');
    return `warning: ${file}: ${this.rows} of ${rows} rows ${
               this.rows === 1 ? 'has' : 'have'} ` +
        `categorical values the training file lacks (${
            columns.join('; ')}); the models never learnt them and read ` +
        'them as no value of the column';
  }
}

/**
 * Encodes one row for the model described by `schema` (see
 * CsvRowEncoder.encode). Used by `cli predict`.
 */
export function encodeCsvRow(
    schema: InputSchema, cells: string[], where = 'row'): number[] {
  return Array.from(new CsvRowEncoder(schema).encode(cells, where));
}

/**
 * The factor of a standardized feature: 1/std, or 0 for a column that is
 * the same in every training row (std 0): it told the models nothing, and
 * a value it never had must not move their outputs.
 */
function standardFactor(std: number|undefined): number {
  if (std === undefined) return 1;  // a schema that keeps no moments
  return std > 0 && Number.isFinite(std) ? 1 / std : 0;
}

/**
 * Mean and variance of a stream of numbers in one pass (Welford's
 * algorithm: no sum of squares to lose precision in).
 */
class RunningMoments {
  private count = 0;
  private runningMean = 0;
  /** The sum of squared differences from the running mean. */
  private m2 = 0;

  add(value: number): void {
    this.count++;
    const delta = value - this.runningMean;
    this.runningMean += delta / this.count;
    this.m2 += delta * (value - this.runningMean);
  }

  get mean(): number {
    return this.runningMean;
  }

  /** The population standard deviation (0 for fewer than 2 values). */
  get std(): number {
    return this.count < 2 ? 0 : Math.sqrt(this.m2 / this.count);
  }
}

/** What the first pass learns about one column. */
export declare interface ColumnScan {
  name: string;
  index: number;
  /** Its record_defaults entry, '' when it has none. */
  defaultText: string;
  declared?: 'numeric'|'categorical';
  allNumeric: boolean;
  firstText?: {value: string, line: number};
  /** Whether the header names it (an empty name reads as column_<index>). */
  named: boolean;
  /** The first cell of the file that is not empty, if any. */
  firstValue?: {value: string, line: number};
  /** Filled cells that read as numbers, and those that do not. */
  numberCells: number;
  textCells: number;
  /** Distinct filled values, or null once there are too many. */
  values: Set<string>|null;
  /** Moments of the values as numbers, while the column may be numeric. */
  moments: RunningMoments;
}

/** `n` and `noun`, plural unless n is 1: "1 row", "2 rows". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The first 16 hex digits of the SHA-256 of `file`, read as a stream. */
async function fileDigest(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Throws when two columns of a header (its names as columnNames gives
 * them) have one name: predict finds columns by name.
 */
export function checkUniqueColumnNames(
    names: readonly string[], file: string, line: number): void {
  // By Unicode's composed form: `cli predict` finds columns by it, and
  // "café" typed on two systems may differ in bytes alone.
  const seen = new Map<string, number>();
  names.forEach((name, at) => {
    const key = name.normalize('NFC');
    const first = seen.get(key);
    if (first !== undefined) {
      const spelt = names[first] === name ? '' :
          ' (spelt with other Unicode code points, which read the same)';
      const numbers = names.filter(isNumeric).length > names.length / 2 ?
          '; the header is mostly numbers: is it a row of data? Put a line ' +
              'of column names above the data' :
          '';
      throw new DataError(
          `${file}:${line}: column "${name}" appears twice in the header ` +
              `(index ${first} and ${at})${spelt}; give every column a ` +
              `name of its own, or keep one${numbers}`,
          file, line);
    }
    seen.set(key, at);
  });
}

/**
 * Whether a column is left out of the features: no name in the header and
 * nothing in any row, as a delimiter at the end of every line makes.
 */
function isIgnored(scan: ColumnScan): boolean {
  return !scan.named && scan.firstValue === undefined;
}

/**
 * Warnings about a header that looks like something else: a row of data
 * (a file without a header, whose first row then names the columns and
 * is not trained on), or names with spaces around them (a space after each
 * comma), which stay part of the names that files given to predict must
 * then repeat.
 */
export function headerWarnings(file: string, header: CsvRecord): string[] {
  const warnings: string[] = [];
  const named = header.cells.filter((cell) => cell !== '');
  const numbers = named.filter(isNumeric);
  if (numbers.length > named.length / 2) {
    const shown = numbers.slice(0, 3).map((name) => JSON.stringify(name));
    warnings.push(
        `csv: warning: ${file}:${header.line}: ${
            numbers.length === named.length ?
                'every name in the header is a number' :
                `${numbers.length} of ${named.length} names in the header ` +
                    'are numbers'} (${
            shown.join(', ')}${numbers.length > 3 ? ', ...' : ''}): is it ` +
        'a row of data? The first line names the columns and is not ' +
        'trained on; put a line of column names above the data');
  }
  const spaced = named.filter((name) => name.trim() !== name);
  if (spaced.length > 0) {
    const shown = spaced.slice(0, 3).map((name) => JSON.stringify(name));
    warnings.push(
        `csv: warning: ${file}:${header.line}: column name${
            spaced.length > 1 ? 's' : ''} ${shown.join(', ')}${
            spaced.length > 3 ? ', ...' : ''} ${
            spaced.length > 1 ? 'begin or end' : 'begins or ends'} with ` +
        'spaces, which stay part of the name (files given to predict must ' +
        'spell it so); write the header without spaces around the ' +
        'delimiters');
  }
  return warnings;
}

/**
 * Lines about columns that are not used as they are: unnamed and empty
 * ones (left out), unnamed ones with values (named by their place), and
 * numeric ones with one value in every row (they enter the models as 0).
 */
function columnNotes(
    scans: ColumnScan[], schema: InputSchema, labelIndex: number): string[] {
  const notes: string[] = [];
  const features = scans.filter((s) => s.index !== labelIndex);
  const ignored = features.filter(isIgnored).map((s) => s.index);
  if (ignored.length > 0) {
    // The last column among them: most likely a delimiter that ends
    // every line.
    const atEnd = ignored.includes(scans.length - 1);
    notes.push(`csv: column${ignored.length > 1 ? 's' : ''} ${
        ignored.join(', ')} ${ignored.length > 1 ? 'have' : 'has'} no name ` +
        `and no values${atEnd ? ' (a delimiter at the end of every line?)' :
                                ''}: left out`);
  }
  for (const scan of features) {
    if (!scan.named && !isIgnored(scan)) {
      notes.push(`csv: warning: column ${scan.index} has no name in the ` +
          `header but has values (line ${scan.firstValue!.line}: ${
              JSON.stringify(scan.firstValue!.value)}); it is called ` +
          `${scan.name} after its place, so files given to predict need it ` +
          'at the same place: name it in the header to be free of that');
    }
  }
  // A column of one value tells the models nothing: named with the value.
  const constantNotes = (kind: 'numeric'|'categorical', valueOf:
                             (c: FeatureColumn) => string, enters: string) => {
    const constant = (schema.columns ?? []).filter(
        (c) => c.kind === kind &&
            (kind === 'numeric' ? c.std === 0 : c.vocabulary?.length === 1));
    if (constant.length === 0) return;
    const shown = constant.slice(0, 3).map(
        (c) => `"${c.name}" is ${valueOf(c)}`);
    notes.push(`csv: ${kind} column${constant.length === 1 ? '' : 's'} ${
        shown.join(', ')}${constant.length > 3 ? ', ...' : ''} in every ` +
        `training row: ${
            constant.length === 1 ? 'it tells the models nothing and enters' :
                                    'they tell the models nothing and enter'
        } them ${enters}`);
  };
  constantNotes('numeric', (c) => String(Number((c.mean ?? 0).toPrecision(6))),
                'as 0 (also at prediction, whatever the value)');
  constantNotes('categorical',
                (c) => JSON.stringify(c.vocabulary![0]),
                'as one constant input (a value training never saw, at ' +
                    'prediction, as no value)');
  return notes;
}

/**
 * What spreadsheets and dataframes write for a missing number, or an
 * infinite one.
 */
const MISSING_WORDS = new Set(
    [...MISSING_NUMBER_WORDS, 'inf', '-inf', 'infinity', '-infinity']);

/**
 * A warning for each inferred categorical column whose cells are nearly
 * all numbers, or numbers and words for a missing one ("nan"): most likely
 * a numeric column with stray values, which would otherwise be one-hot
 * encoded without a word.
 */
export function mostlyNumericWarnings(
    scans: ColumnScan[], labelIndex: number): string[] {
  const warnings: string[] = [];
  for (const scan of scans) {
    if (scan.index === labelIndex || scan.declared !== undefined ||
        scan.allNumeric || scan.firstText === undefined) {
      continue;
    }
    const filled = scan.numberCells + scan.textCells;
    // Numbers and the words other tools write for a missing one ("nan",
    // "NA", ...): numeric, however few its cells.
    const texts = scan.values === null ? [] :
        [...scan.values].filter((v) => !isNumeric(v));
    const missingWords = scan.numberCells > 0 && texts.length > 0 &&
        texts.every((v) => v.trim() === '' ||
                        MISSING_WORDS.has(v.trim().toLowerCase()));
    if (!missingWords &&
        (scan.numberCells < 10 || scan.textCells > 0.05 * filled)) {
      continue;
    }
    warnings.push(
        `csv: warning: column "${scan.name}" (index ${scan.index}) reads as ` +
        `categorical, but ${scan.numberCells} of its ${filled} values are ` +
        `numbers; the first that is not is ${
            JSON.stringify(scan.firstText.value)} at line ${
            scan.firstText.line}. If the column is numeric, fix that value ` +
        '(leave a missing one empty) or give the column a number in ' +
        '--record_defaults: its empty or blank cells and the words for a ' +
        'missing number (NA, N/A, #N/A, nan, null, none, ? and -, in any ' +
        'case) then read as that number');
  }
  return warnings;
}

/**
 * A number written with a comma: "1,5", "-0,25" (a decimal comma), or
 * "1,234" (one separating thousands).
 */
const DECIMAL_COMMA = /^\s*[-+]?\d*,\d+\s*$/;

/**
 * Whether an inferred categorical column holds numbers written with a
 * decimal comma (a file of a locale that writes them so, read with
 * --field_delim=';'): every value that is not a number is one, or, when
 * too many values to keep were met, the first that is not.
 */
function decimalCommaColumn(scan: ColumnScan): boolean {
  if (scan.declared !== undefined || scan.allNumeric ||
      scan.firstText === undefined) {
    return false;
  }
  if (scan.values === null) return DECIMAL_COMMA.test(scan.firstText.value);
  const texts = [...scan.values].filter((v) => v !== '' && !isNumeric(v));
  return texts.length > 0 && texts.every((v) => DECIMAL_COMMA.test(v));
}

/**
 * A warning for each inferred categorical column of numbers written with
 * a decimal comma: as text, each value is a category of its own, and the
 * column, a measurement, is one-hot encoded without a word (the
 * mostly-numeric warning does not see such numbers).
 */
export function decimalCommaWarnings(
    scans: ColumnScan[], labelIndex: number): string[] {
  return scans.filter((scan) => scan.index !== labelIndex &&
                          decimalCommaColumn(scan))
      .map((scan) => `csv: warning: column "${scan.name}" (index ${
          scan.index}) reads as categorical: its values are numbers ` +
          `written with a comma (${JSON.stringify(scan.firstText!.value)} ` +
          `at line ${scan.firstText!.line}), read as text, each a ` +
          'category of its own; to make the column numeric, write a ' +
          `decimal comma as a point (${
              scan.firstText!.value.trim().replace(',', '.')}) and leave ` +
          'out a comma that separates thousands');
}

/**
 * Distinct values from which a column made categorical by its
 * --record_defaults entry, though every value is a number, is warned of.
 */
const MANY_NUMERIC_CATEGORIES = 20;

/**
 * A warning for each column that a text --record_defaults entry makes
 * categorical although all its values are numbers, of many distinct
 * values: likely an entry in the wrong place, and a wide one-hot.
 */
export function numericCategoryWarnings(
    scans: ColumnScan[], labelIndex: number): string[] {
  return scans.filter((scan) => scan.index !== labelIndex &&
                          scan.declared === 'categorical' &&
                          scan.textCells === 0 && scan.values !== null &&
                          scan.values.size >= MANY_NUMERIC_CATEGORIES)
      .map((scan) => {
        // As the one-hot counts them: an empty cell is the default.
        const values = new Set([...scan.values!].map(
            (v) => v === '' ? scan.defaultText : v)).size;
        return `csv: warning: column "${scan.name}" (index ${scan.index}) ` +
            `is categorical, one-hot over ${values} values, as its ` +
            `--record_defaults entry "${scan.defaultText}" is not a ` +
            'number, but every value it holds is one; if the column is ' +
            'numeric, give it a number in --record_defaults';
      });
}

/**
 * Rows from which a categorical column of a distinct value in (nearly)
 * every row is warned of as an identifier: fewer rows say too little.
 */
const IDENTIFIER_MIN_ROWS = 20;

/**
 * A warning for each inferred categorical column whose values are
 * distinct in at least 9 of 10 training rows (a name, an id, a date and
 * time): one-hot encoded, it lets a model tell the training rows apart
 * and tells it nothing of a new row, whose value it has never seen.
 */
export function identifierWarnings(
    scans: ColumnScan[], labelIndex: number, rows: number): string[] {
  if (rows < IDENTIFIER_MIN_ROWS) return [];
  return scans.filter((scan) => scan.index !== labelIndex &&
                          scan.declared === undefined && !scan.allNumeric &&
                          // Mostly numbers: mostlyNumericWarnings' case.
                          scan.textCells > scan.numberCells &&
                          // decimalCommaWarnings' case.
                          !decimalCommaColumn(scan) &&
                          scan.values !== null &&
                          scan.values.size >= 0.9 * rows)
      .map((scan) => {
        const examples = [...scan.values!].filter((v) => v !== '')
                             .slice(0, 3)
                             .map((v) => JSON.stringify(v));
        return `csv: warning: column "${scan.name}" (index ${scan.index}) ` +
            `has ${scan.values!.size} distinct values in ${rows} training ` +
            `rows (${examples.join(', ')}, ...): an identifier rather than ` +
            'a feature? One-hot encoded, it lets the models memorize the ' +
            'training rows and tells them nothing of new ones; drop the ' +
            'column if so';
      });
}

/**
 * The share of training rows of the most frequent class from which the
 * classes are warned of as imbalanced.
 */
const IMBALANCED_SHARE = 0.95;

/**
 * A warning when one class makes up IMBALANCED_SHARE of the training rows
 * or more: a model that always answers it scores that accuracy, and the
 * loss rewards it almost as much.
 */
export function imbalanceWarning(
    file: string, what: string, counts: Map<string, number>,
    rows: number): string|undefined {
  let top: [string, number]|undefined;
  for (const entry of counts) {
    if (top === undefined || entry[1] > top[1]) top = entry;
  }
  if (top === undefined || rows < IDENTIFIER_MIN_ROWS ||
      top[1] < IMBALANCED_SHARE * rows) {
    return undefined;
  }
  const share = top[1] / rows;
  return `csv: warning: ${file}: ${what} is ${JSON.stringify(top[0])} in ${
             top[1]} of ${rows} training rows (${
             (100 * share).toFixed(1)}%): a model that always answers ${
             JSON.stringify(top[0])} has accuracy ${
             share.toFixed(3)} on them (and about that on evaluation rows ` +
      'drawn alike), and ' +
      'the loss ranks it well too; --optimization_metric=auc_pr with ' +
      '--optimization_goal=maximize ranks the trials by how well they find ' +
      'the rare classes';
}

/**
 * A warning when the evaluation rows lack classes the training rows
 * have: of one class only,
 * every trial's auc_roc and auc_pr are n/a (a search ranked by them
 * searches blind), and accuracy rewards a model that always answers that
 * class; lacking some, the metrics say nothing of those.
 */
function validationClassesWarning(
    file: string, classIds: Set<number>, vocabulary: string[],
    trainingIds: number[]): string|undefined {
  const name = (id: number) => JSON.stringify(vocabulary[id] ?? String(id));
  if (classIds.size === 1) {
    const [id] = classIds;
    return `warning: ${file}: every row is of class ${name(id)}: the ` +
        'trials\' auc_roc and auc_pr will be n/a, and accuracy rewards a ' +
        'model that always answers that class; give a validation file of ' +
        'every class';
  }
  // Classes no training row has are said of the training file already.
  const absent = trainingIds.filter((id) => !classIds.has(id));
  if (absent.length === 0) return undefined;
  const shown = absent.slice(0, 5).map(name).join(', ');
  return `warning: ${file}: no row is of class${
      absent.length === 1 ? '' : 'es'} ${shown}${
      absent.length > 5 ? ', ...' : ''} (${absent.length} of the training ` +
      `file's ${trainingIds.length}): the trials' metrics say nothing of ${
      absent.length === 1 ? 'it' : 'them'}; give a validation file of ` +
      'every class';
}

/** The CSV provider. */
export class Provider implements DataProvider {
  private readonly filename: string;
  private readonly validationFilename?: string;
  private readonly labelIndex: number;
  private readonly logitsDimension: number;
  private readonly recordDefaults: string[];
  private readonly fieldDelim: string;
  private readonly seed: number;
  private readonly log: (line: string) => void;
  /** The encoded training rows, once read (small files only). */
  private encodedTraining?: {x: Float32Array, y: Int32Array};
  private readonly shuffleBufferSize: number;
  private schema?: InputSchema;
  private encoder?: CsvRowEncoder;
  private trainRows = 0;
  /**
   * Byte ranges of the training file's data rows that a file larger than
   * the shuffle buffer is read from at once; undefined when a record
   * spans lines (a quoted line break), which is then read from the top.
   */
  private trainParts:
      {parts: Array<[number, number]>, size: number}|undefined;
  /** What the training file's header looks wrong for (headerWarnings). */
  private headerNotes: string[] = [];
  /** Class names in id order, as found in the training file. */
  private labelClasses: string[] = [];
  /** Said when one class is nearly every training row (imbalanceWarning). */
  private imbalanceNote: string|undefined;
  /** Another column named as a label is (labelNamedElsewhere). */
  private labelElsewhereNote: string|undefined;

  constructor(args: CsvDataArgs) {
    if (args === null || typeof args !== 'object') {
      throw new UsageError(
          `CsvDataProvider takes an object of options ({filename, ...}), ` +
          `got ${args === null ? 'null' : typeof args}`);
    }
    for (const key of Object.keys(args)) {
      if ((CSV_DATA_OPTIONS as readonly string[]).includes(key)) continue;
      throw new UsageError(`CsvDataProvider has no option ${
          JSON.stringify(key)}${didYouMean(key, CSV_DATA_OPTIONS)}; its ` +
          `options are ${CSV_DATA_OPTIONS.join(', ')}`);
    }
    if (!args.filename) {
      throw new UsageError(
          '--filename is required: the CSV file to search on (the option ' +
          'filename, in a script)');
    }
    this.filename = args.filename;
    this.validationFilename = args.validationFilename || undefined;
    this.labelIndex = args.labelIndex ?? 0;
    this.logitsDimension = args.logitsDimension ?? 2;
    this.recordDefaults = parseRecordDefaults(args.recordDefaults);
    this.fieldDelim = checkFieldDelim(args.fieldDelim ?? ',');
    this.seed = args.seed ?? 0;
    this.log = args.log ??
        ((line) => process.stderr.write(`${logEntry(line)}\n`));
    this.shuffleBufferSize = args.shuffleBufferSize ?? 10000;
    // The binary's flag and the script's option, as either may give it.
    if (!Number.isInteger(this.labelIndex) || this.labelIndex < 0) {
      throw new UsageError(
          `--label_index=${JSON.stringify(this.labelIndex)} (labelIndex): ` +
          'must be a column number, an integer of 0 or more');
    }
    if (!Number.isInteger(this.logitsDimension) || this.logitsDimension < 2 ||
        this.logitsDimension > MAX_CLASSES) {
      throw new UsageError(
          `--logits_dimension=${JSON.stringify(this.logitsDimension)} ` +
          '(logitsDimension): must be the number of classes, an integer ' +
          `from 2 to ${MAX_CLASSES}`);
    }
    if (!Number.isInteger(this.shuffleBufferSize) ||
        this.shuffleBufferSize < 1) {
      throw new UsageError(
          `shuffleBufferSize=${this.shuffleBufferSize}: must be a positive ` +
          'integer');
    }
  }

  async prepare(): Promise<void> {
    this.encodedTraining = undefined;
    const scans = await this.scanTraining().catch((e: unknown) => {
      // An error in the first lines of a file read with the wrong
      // delimiter (a quote "inside" a field of a ';' file, say) names
      // the likely one.
      if (e instanceof DataError && (e.line ?? 1) <= 2 &&
          !/--field_delim|looks separated by|NUL bytes|compressed/.test(
              e.message)) {
        e.message += firstLineDelimiterHint(this.filename, this.fieldDelim);
      }
      throw e;
    });
    this.schema = this.buildSchema(scans);
    this.encoder = new CsvRowEncoder(this.schema);
    let validation = '';
    let validationWarnings: string[] = [];
    // What trials are evaluated on: resuming the study on another set
    // is said (study_data.ts), as its metrics would not compare.
    let evaluation: {file: string|null, rows: number, digest?: string} =
        {file: null, rows: this.trainRows};
    if (this.validationFilename !== undefined &&
        path.resolve(this.validationFilename) !== path.resolve(this.filename)) {
      const checked = await this.checkValidation(this.validationFilename);
      validation =
          `; validation ${this.validationFilename}: ${
              count(checked.rows, 'row')}`;
      validationWarnings = checked.warnings;
      // Its contents too: another file of the same name and length is
      // another evaluation set.
      evaluation = {file: path.basename(this.validationFilename),
                    rows: checked.rows,
                    digest: await fileDigest(this.validationFilename)};
    } else {
      // As the original does; the metrics then reward memorizing.
      validation = '; no validation file: trials are evaluated on the ' +
          'training rows (give --validation_filename to rank them on ' +
          'others)';
    }
    this.schema.extra!['evaluation'] = evaluation;
    this.log(`${this.describe(scans)}${validation}`);
    validationWarnings.forEach((w) => this.log(w));
    for (const warning of [
           ...mostlyNumericWarnings(scans, this.labelIndex),
           ...decimalCommaWarnings(scans, this.labelIndex),
           ...numericCategoryWarnings(scans, this.labelIndex),
           ...identifierWarnings(scans, this.labelIndex, this.trainRows),
           ...this.absentClassWarnings(),
           ...(this.imbalanceNote === undefined ? [] : [this.imbalanceNote]),
           ...(this.labelElsewhereNote === undefined ?
                   [] :
                   [this.labelElsewhereNote])]) {
      this.log(warning);
    }
    for (const line of [...this.headerNotes,
                        ...columnNotes(scans, this.schema, this.labelIndex)]) {
      this.log(line);
    }
  }

  getInputFn(_hparams: Hparams, mode: Mode, batchSize: number):
      () => AsyncIterable<Batch> {
    const encoder = this.requireEncoder();
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new UsageError(
          `batch size ${batchSize}: must be a positive integer`);
    }
    if (mode === 'train') {
      return () => this.trainBatches(encoder, batchSize);
    }
    const file = this.validationFilename ?? this.filename;
    return () => this.passBatches(encoder, file, batchSize);
  }

  inputSchema(): InputSchema {
    this.requireEncoder();
    return this.schema!;
  }

  numberOfClasses(): number {
    return this.logitsDimension;
  }

  getFeatureColumns(): FeatureColumn[] {
    return this.inputSchema().columns!;
  }

  private requireEncoder(): CsvRowEncoder {
    if (this.encoder === undefined) {
      throw new Error(
          `csv provider for ${this.filename}: call prepare() first`);
    }
    return this.encoder;
  }

  /**
   * The data rows of `file`, checked for width against its header, and
   * against `width` when given. `onHeader` sees the header.
   */
  private async * dataRows(
      file: string, width?: number,
      onHeader?: (header: CsvRecord) => void): AsyncGenerator<CsvRecord> {
    let header: CsvRecord|undefined;
    const options = {fieldDelim: this.fieldDelim};
    for await (const record of readCsvFile(file, options)) {
      if (header === undefined) {
        header = record;
        onHeader?.(record);
        if (width !== undefined && record.cells.length !== width) {
          // The training file itself, read again: it changed.
          if (path.resolve(file) === path.resolve(this.filename)) {
            this.changedError(file);
          }
          throw new DataError(
              `${file}:${record.line}: the header has ${
                  record.cells.length} columns but the training file ${
                  this.filename} has ${width}; both need the same columns`,
              file, record.line);
        }
        continue;
      }
      if (record.cells.length !== header.cells.length) {
        throw raggedError(
            file, record.line, record.cells, header, this.fieldDelim);
      }
      const notARow = notARowError(file, record, header);
      if (notARow !== undefined) throw notARow;
      yield record;
    }
    if (header === undefined) throw emptyFileError(file);
  }

  private async checkReadable(file: string): Promise<void> {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new DataError(
          code === 'ENOENT' ? `${file}: no such file` :
                              `${file}: cannot read: ${(e as Error).message}`,
          file);
    }
    if (!stat.isFile()) {
      // Read more than once (checked, then served pass after pass).
      const what = stat.isDirectory() ? 'a folder' :
          stat.isFIFO() ? 'a pipe (as <(command) makes), which can be ' +
                  'read only once' :
                          'not a regular file';
      throw new DataError(
          `${file}: ${what}; give the path of a CSV file${
              stat.isFIFO() ? ' (write the command\'s output to one)' : ''}`,
          file);
    }
  }

  /** The first pass: checks every row and gathers what the schema needs. */
  private async scanTraining(): Promise<ColumnScan[]> {
    const file = this.filename;
    await this.checkReadable(file);
    let scans: ColumnScan[]|undefined;
    let header: CsvRecord|undefined;
    const labelLines = new Map<string, number>();
    const labelCounts = new Map<string, number>();
    let labelInfo: LabelInfo|undefined;
    let rows = 0;
    const options = {fieldDelim: this.fieldDelim};
    // Whether every record is one line: the previous record spanned lines
    // if the next starts more than one line after it and it holds a line
    // break (a gap alone is a blank line).
    let previous: CsvRecord|undefined;
    let oneLineRecords = true;
    const started = Date.now();
    let nextProgress = started + readProgressEveryMs();
    const spansLines = (record: CsvRecord) =>
        record.cells.some((c) => c.includes('\n') || c.includes('\r'));
    for await (const record of readCsvFile(file, options)) {
      if (previous !== undefined && record.line !== previous.line + 1 &&
          spansLines(previous)) {
        oneLineRecords = false;
      }
      previous = record;
      if (scans === undefined) {
        header = record;
        scans = this.startScan(record);
        this.headerNotes = headerWarnings(file, record);
        const names = scans.map((scan) => scan.name);
        const elsewhere = labelNamedElsewhere(names, this.labelIndex);
        labelInfo = {
          name: scans[this.labelIndex].name,
          index: this.labelIndex,
          logitsDimension: this.logitsDimension,
          ...(elsewhere === undefined ? {} : {namedElsewhere: elsewhere}),
        };
        continue;
      }
      const {cells, line} = record;
      if (cells.length !== scans.length) {
        throw raggedError(file, line, cells, header!, this.fieldDelim);
      }
      const notARow = notARowError(file, record, header!);
      if (notARow !== undefined) throw notARow;
      rows++;
      // A file that takes long to read says how far it got, now and then.
      if ((rows & 0xffff) === 0 && Date.now() >= nextProgress) {
        this.log(`csv: reading ${file}: ${rows.toLocaleString('en-US')} ` +
                 `rows so far (${((Date.now() - started) / 1000).toFixed(0)}s)`);
        nextProgress = Date.now() + readProgressEveryMs();
      }
      for (const scan of scans) {
        const cell = cells[scan.index];
        if (cell !== '' && scan.firstValue === undefined) {
          scan.firstValue = {value: cell, line};
        }
        const filled = cell === '' ? scan.defaultText : cell;
        if (scan.index === this.labelIndex) {
          if (filled === '') throw labelEmptyError(file, line, labelInfo!);
          labelCounts.set(filled, (labelCounts.get(filled) ?? 0) + 1);
          if (!labelLines.has(filled)) {
            if (labelLines.size >= MAX_CLASSES) {
              throw new DataError(
                  `${file}:${line}: ${labelWhat(labelInfo!)} has more than ` +
                      `${MAX_CLASSES} distinct values; is --label_index ` +
                      `right?${labelElsewhereHint(labelInfo!)}`,
                  file, line);
            }
            labelLines.set(filled, line);
          }
          continue;
        }
        this.scanCell(scan, cell, filled, file, line);
      }
    }
    if (scans === undefined) throw emptyFileError(file);
    if (rows === 0) throw headerOnlyError(file, header!.line);
    this.trainRows = rows;
    this.trainParts = oneLineRecords && !spansLines(previous!) ?
        await fileParts(file, header!.line, rows,
                        Math.max(1, Math.floor(this.shuffleBufferSize / 100))) :
        undefined;
    this.labelClasses =
        this.checkLabels(scans, labelLines, labelInfo!, labelCounts);
    this.imbalanceNote = imbalanceWarning(
        file, labelWhat(labelInfo!), labelCounts, rows);
    const elsewhere = labelInfo!.namedElsewhere;
    this.labelElsewhereNote = elsewhere === undefined ? undefined :
        `csv: warning: ${file}: the label is column ${labelInfo!.index} (${
            JSON.stringify(labelInfo!.name)}, --label_index=${
            labelInfo!.index}), but column ${elsewhere.index} is named ${
            JSON.stringify(elsewhere.name)} and is trained on as a ` +
        `feature; if that is the label, pass --label_index=${
            elsewhere.index}`;
    return scans;
  }

  private startScan(header: CsvRecord): ColumnScan[] {
    const file = this.filename;
    const width = header.cells.length;
    const defaults = this.recordDefaults;
    if (defaults.length > 0 && defaults.length !== width) {
      // One column for many defaults: most likely another delimiter.
      const delimiter = width !== 1 ? '' :
          ` (is --field_delim=${JSON.stringify(this.fieldDelim)} right?)`;
      throw new DataError(
          `${file}:${header.line}: the header has ${width} column${
              width === 1 ? '' : 's'}${delimiter} but --record_defaults ` +
              `has ${count(defaults.length, 'value')}; give one per ` +
              'column (an empty entry infers that column\'s type), e.g. ' +
              `--record_defaults='${
                  Array.from({length: width}, (_, i) => defaults[i] ?? '')
                      .join(',')}', or leave it empty to infer them all`,
          file, header.line);
    }
    if (this.labelIndex >= width) {
      throw new DataError(
          `--label_index=${this.labelIndex} is out of range: ${file} has ${
              width} column${width === 1 ? '' : 's'} (0..${width - 1})${
              otherDelimiterHint(header.cells, this.fieldDelim)}`,
          file, header.line);
    }
    if (width < 2) {
      throw new DataError(
          `${file}:${header.line}: only one column; a CSV needs a label ` +
              'column and at least one feature column' +
              (otherDelimiterHint(header.cells, this.fieldDelim, true) ||
               ` (is --field_delim=${JSON.stringify(this.fieldDelim)} ` +
                   'right?)'),
          file, header.line);
    }
    const names = columnNames(header.cells);
    checkUniqueColumnNames(names, file, header.line);
    return header.cells.map((_, index) => {
      const defaultText = defaults[index] ?? '';
      let declared: ColumnScan['declared'];
      if (defaultText !== '') {
        declared = isNumeric(defaultText) ? 'numeric' : 'categorical';
      }
      if (declared === 'numeric' &&
          !(Math.abs(Number(defaultText)) <= FLOAT32_MAX)) {
        // Every empty cell of the column would train as an infinity.
        throw new UsageError(
            `--record_defaults entry ${index + 1} (${defaultText}, for ` +
            `column "${names[index]}") is beyond the range of the 32-bit ` +
            'floats training uses (about ±3.4e38); give a smaller default');
      }
      return {
        name: names[index],
        named: header.cells[index] !== '',
        index,
        defaultText,
        declared,
        allNumeric: declared !== 'categorical',
        numberCells: 0,
        textCells: 0,
        values: declared === 'numeric' ? null : new Set<string>(),
        moments: new RunningMoments(),
      };
    });
  }

  private scanCell(
      scan: ColumnScan, cell: string, filled: string, file: string,
      line: number): void {
    if (scan.declared === 'numeric') {
      if (isMissingNumber(cell)) filled = scan.defaultText;
      if (cell !== '' && !isNumeric(cell) && !isMissingNumber(cell)) {
        throw new DataError(
            `${file}:${line}: column "${scan.name}" (index ${scan.index}) ` +
                `is numeric (its --record_defaults value is "${
                    scan.defaultText}") but has ${JSON.stringify(cell)}; ` +
                'fix the value, or give the column a non-numeric default ' +
                'such as "unknown" to make it categorical',
            file, line);
      }
      // As CsvRowEncoder will read it: an empty cell is the default.
      scan.moments.add(numberOf(
          filled, `${file}:${line}`,
          `"${scan.name}" (index ${scan.index})`));
      return;
    }
    if (filled !== '') {
      if (isNumeric(filled)) {
        scan.numberCells++;
      } else {
        scan.textCells++;
      }
    }
    if (scan.allNumeric && filled !== '' && !isNumeric(filled)) {
      scan.allNumeric = false;
      scan.firstText = {value: filled, line};
    }
    if (scan.allNumeric) {
      // An inferred column has no default: an empty cell reads as 0.
      scan.moments.add(filled === '' ? 0 : numberOf(
          filled, `${file}:${line}`,
          `"${scan.name}" (index ${scan.index})`));
    }
    if (scan.values !== null && !scan.values.has(filled)) {
      if (scan.values.size >= MAX_CATEGORIES) {
        scan.values = null;
      } else {
        scan.values.add(filled);
      }
    }
    if (scan.values === null && !scan.allNumeric) {
      const why = scan.declared === 'categorical' ?
          `its --record_defaults value "${scan.defaultText}" is not a number` :
          `it has the non-numeric value ${
              JSON.stringify(scan.firstText!.value)} at line ${
              scan.firstText!.line}`;
      throw new DataError(
          `${file}:${line}: column "${scan.name}" (index ${scan.index}) is ` +
              `categorical (${why}) and has more than ${MAX_CATEGORIES} ` +
              'distinct values, too many to one-hot encode; drop the ' +
              'column, or fix its non-numeric values if it is numeric',
          file, line);
    }
  }

  /** Checks the labels; returns the class names in id order. */
  private checkLabels(
      scans: ColumnScan[], labelLines: Map<string, number>,
      label: LabelInfo, labelCounts: Map<string, number>): string[] {
    const file = this.filename;
    const scan = scans[this.labelIndex];
    if (scan.declared === undefined) {
      // A blank label, or the word for a missing value among class ids,
      // is a row without its class: said, not taken for one more class.
      const values = [...labelLines.keys()];
      const idsAndMissing = values.some((v) => isNumeric(v)) &&
          values.every((v) => isNumeric(v) || isMissingNumber(v));
      for (const [value, line] of labelLines) {
        if (value.trim() === '' || (idsAndMissing && isMissingNumber(value))) {
          throw new DataError(
              `${file}:${line}: ${labelWhat(label)} is ${
                  JSON.stringify(value)}, no class; fill it in or remove the ` +
                  'row' + labelElsewhereHint(label),
              file, line);
        }
      }
    }
    const numeric = scan.declared === 'numeric' ||
        (scan.declared === undefined &&
         [...labelLines.keys()].every((v) => isNumeric(v)));
    let classes: string[];
    if (numeric) {
      const ids = new Set<number>();
      // Map order is first appearance, so the first bad value is the
      // earliest bad line.
      for (const [value, line] of labelLines) {
        const id = numericClassId(value, this.logitsDimension);
        if (id === undefined) {
          throw labelIdError(
              file, line, label, value,
              scan.declared === 'numeric' ? scan.defaultText : undefined);
        }
        ids.add(id);
      }
      classes = [...ids].sort((a, b) => a - b).map(String);
      scan.declared = 'numeric';
    } else {
      classes = [...labelLines.keys()].sort();
      scan.declared = 'categorical';
    }
    if (classes.length < 2) {
      throw new DataError(
          `${file}: ${labelWhat(label)} has a single class (${
              JSON.stringify(classes[0])}) in ${
              this.trainRows === 1 ? 'its only row' :
                                     `all ${this.trainRows} rows`}; ` +
              'a classifier needs at least two: check --label_index and ' +
              `the data${labelElsewhereHint(label)}`,
          file);
    }
    if (!numeric && classes.length !== this.logitsDimension) {
      // Names make the classes: a model with more outputs than names
      // would have classes no row could ever be. A class of a few rows
      // among many more is likely a slip ("Yes" among "yes"), said first.
      const rare = classes.filter((c) => {
                            const n = labelCounts.get(c) ?? 0;
                            return n <= 5 && n * 100 < this.trainRows;
                          })
                       .sort((a, b) => labelCounts.get(a)! - labelCounts.get(b)!)
                       .slice(0, 3);
      const slips = classes.length > this.logitsDimension && rare.length > 0 ?
          `; ${rare.map((c) => {
                     const n = labelCounts.get(c)!;
                     return `${JSON.stringify(c)} is in ${
                         n === 1 ? '1 row' : `${n} rows`} only (first at ` +
                         `line ${labelLines.get(c)})`;
                   }).join(', ')}: if ${rare.length === 1 ? 'that is a ' +
                   'misspelling' : 'those are misspellings'}, fix the ` +
              'file instead' :
          '';
      throw new DataError(
          `${file}: ${labelWhat(label)} has ${classes.length} classes (${
              shortList(classes)}) but --logits_dimension=${
              this.logitsDimension}; pass --logits_dimension=${
              classes.length}${classes.length > this.logitsDimension ? '' :
                  ' (labels that are names make one class each)'}${slips}${
              labelElsewhereHint(label)}`,
          file);
    }
    return classes;
  }

  private buildSchema(scans: ColumnScan[]): InputSchema {
    const columns: FeatureColumn[] = [];
    let width = 0;
    const ignoredColumns: number[] = [];
    for (const scan of scans) {
      if (scan.index === this.labelIndex) continue;
      if (isIgnored(scan)) {
        ignoredColumns.push(scan.index);
        continue;
      }
      if (scan.declared === 'numeric' ||
          (scan.declared === undefined && scan.allNumeric)) {
        columns.push({
          name: scan.name,
          kind: 'numeric',
          defaultValue: scan.defaultText === '' ? 0 : Number(scan.defaultText),
          mean: scan.moments.mean,
          std: scan.moments.std,
        });
        width += 1;
      } else {
        const values = new Set(scan.values ?? []);
        // A given default is a value even if no cell is empty; an empty
        // cell of an inferred column is the value '' only if one occurs.
        if (scan.defaultText !== '') values.add(scan.defaultText);
        const vocabulary = [...values].sort();
        columns.push({
          name: scan.name,
          kind: 'categorical',
          vocabulary,
          defaultValue: scan.defaultText,
        });
        width += vocabulary.length;
      }
    }
    const label = scans[this.labelIndex];
    const categoricalLabel = label.declared === 'categorical';
    // Numeric columns given a --record_defaults entry, whose cells of a
    // word for a missing number read as it (isMissingNumber).
    const missingAsDefault = scans
        .filter((scan) => scan.index !== this.labelIndex &&
                    scan.declared === 'numeric' && scan.defaultText !== '')
        .map((scan) => scan.name);
    return {
      kind: 'csv',
      shape: [width],
      columns,
      labelVocabulary: categoricalLabel ?
          this.labelClasses :
          Array.from({length: this.logitsDimension}, (_, i) => String(i)),
      extra: {
        labelIndex: this.labelIndex,
        labelName: label.name,
        labelKind: categoricalLabel ? 'categorical' : 'numeric',
        logitsDimension: this.logitsDimension,
        fieldDelim: this.fieldDelim,
        header: scans.map((s) => s.name),
        ...(ignoredColumns.length > 0 ? {ignoredColumns} : {}),
        // The label's --record_defaults entry fills its empty cells.
        ...(label.defaultText !== '' ? {labelDefault: label.defaultText} : {}),
        ...(missingAsDefault.length > 0 ? {missingAsDefault} : {}),
        trainingRows: this.trainRows,
      },
    };
  }

  /**
   * The second pass, over the validation file: every row must encode.
   * Categorical values the training file lacks encode (as all zeros), but
   * the models never learnt them: a warning names the first few; a file
   * lacking classes is warned of too (validationClassesWarning).
   */
  private async checkValidation(file: string):
      Promise<{rows: number, warnings: string[]}> {
    await this.checkReadable(file);
    const encoder = this.requireEncoder();
    const scratch = new Float32Array(encoder.width);
    let rows = 0;
    let headerLine = 1;
    const trainHeader = this.schema!.extra!['header'] as string[];
    const records = this.dataRows(file, encoder.rowLength, (header) => {
      headerLine = header.line;
      const names = columnNames(header.cells);
      // Rows are read by position: the same columns in the same order, or
      // every feature would be read from another column.
      // Compared in Unicode's composed form, as `cli predict` finds them.
      const same = (a: string, b: string|undefined) =>
          a === b ||
          (b !== undefined && a.normalize('NFC') === b.normalize('NFC'));
      if (names.some((name, i) => !same(name, trainHeader[i]))) {
        const sameSet = names.length === trainHeader.length &&
            [...names].sort().join('\n') ===
                [...trainHeader].sort().join('\n');
        const row = (cells: string[]) =>
            headerText(cells, this.fieldDelim);
        const giveSame = '; give the validation file the training file\'s ' +
            `columns${sameSet ? ' in the same order' : ''}`;
        if (Math.max(names.length, trainHeader.length) > WHOLE_HEADER_COLUMNS) {
          // Two headers of hundreds of names would hide the difference.
          const at = names.findIndex((name, i) => !same(name, trainHeader[i]));
          const name = (list: string[]) => at < list.length ?
              JSON.stringify(list[at]) : 'missing';
          throw new DataError(
              `${file}:${header.line}: the header has ${
                  names.length} columns, the training file ${
                  this.filename} ${trainHeader.length}; the first that ` +
                  `differs is column ${at} (from 0): ${name(names)} here, ${
                      name(trainHeader)} in the training file${giveSame}`,
              file, header.line);
        }
        throw new DataError(
            `${file}:${header.line}: the header is ${row(names)}${
                otherDelimiterHint(header.cells, this.fieldDelim)} but ` +
                `the training file ${this.filename} has ${
                    row(trainHeader)}${giveSame}`,
            file, header.line);
      }
    });
    const unseen = new UnseenCategories();
    const classIds = new Set<number>();
    for await (const {cells, line} of records) {
      encoder.encodeInto(cells, scratch, 0, `${file}:${line}`, undefined,
                         unseen.recorder(line));
      classIds.add(encoder.classId(cells, file, line));
      rows++;
    }
    if (rows === 0) throw headerOnlyError(file, headerLine);
    const numericLabels =
        this.inputSchema().extra?.['labelKind'] === 'numeric';
    const trainingIds = numericLabels ?
        this.labelClasses.map(Number) :
        this.labelClasses.map((_, id) => id);
    const warnings = [unseen.warning(file, rows), validationClassesWarning(
        file, classIds, this.inputSchema().labelVocabulary ?? [],
        trainingIds)]
        .filter((w): w is string => w !== undefined)
        .map((w) => `csv: ${w}`);
    return {rows, warnings};
  }

  private describe(scans: ColumnScan[]): string {
    const schema = this.schema!;
    const label = scans[this.labelIndex];
    const classes = this.labelClasses;
    const numeric = schema.columns!.filter((c) => c.kind === 'numeric');
    const categorical =
        schema.columns!.filter((c) => c.kind === 'categorical');
    let categoricalText = `${categorical.length} categorical`;
    if (categorical.length > 0) {
      const shown = categorical.slice(0, 3).map(
          (c) => `${listedName(c.name)}: ${
              count(c.vocabulary!.length, 'value')}`);
      if (categorical.length > 3) shown.push('...');
      categoricalText += ` (${shown.join(', ')})`;
    }
    const logits = classes.length === this.logitsDimension ?
        '' :
        ` of --logits_dimension=${this.logitsDimension}`;
    const standardized = numeric.length > 0 ? ' (standardized)' : '';
    return `csv: ${this.filename}: ${scans.length} columns, label "${
        label.name}" (column ${this.labelIndex}, ${classes.length} classes${
        logits}: ${shortList(classes)}), ${numeric.length} numeric ` +
        `feature${numeric.length === 1 ? '' : 's'}${standardized}, ${
               categoricalText}; ${
               schema.shape[0]} inputs; ${count(this.trainRows, 'row')}`;
  }

  /**
   * A warning when --logits_dimension gives class ids no training row has:
   * legitimate (a class absent from this sample), but the models learn
   * never to predict them, and a wrong --logits_dimension looks the same.
   */
  private absentClassWarnings(): string[] {
    const present = new Set(this.labelClasses);
    const absent = Array.from({length: this.logitsDimension}, (_, id) =>
                                  String(id))
                       .filter((id) => !present.has(id));
    if (this.labelClasses.some((c) => !/^\d+$/.test(c)) ||
        absent.length === 0) {
      return [];
    }
    const some = absent.length > 1;
    const enough =
        Number(this.labelClasses[this.labelClasses.length - 1]) + 1;
    return [`csv: warning: --logits_dimension=${this.logitsDimension} ` +
            `but no training row has class${some ? 'es' : ''} ${
                shortList(absent)}; the models will never predict ${
                some ? 'them' : 'it'}. If the labels have only the classes ` +
            `${shortList(this.labelClasses)}, ${
                enough < this.logitsDimension ?
                    `pass --logits_dimension=${enough}` :
                    `number them 0 to ${this.labelClasses.length - 1}`}`];
  }

  /** Endless shuffled batches of the training file. */
  private trainBatches(encoder: CsvRowEncoder, batchSize: number):
      AsyncGenerator<Batch> {
    const rng = new Random(this.seed);
    return this.trainRows <= this.shuffleBufferSize ?
        this.inMemoryBatches(encoder, batchSize, rng) :
        this.bufferedBatches(encoder, batchSize, rng);
  }

  /** The training rows encoded, for a file that fits the buffer. */
  private async encodeTraining(encoder: CsvRowEncoder):
      Promise<{x: Float32Array, y: Int32Array}> {
    const width = encoder.width;
    const file = this.filename;
    const n = this.trainRows;
    const x = new Float32Array(n * width);
    const y = new Int32Array(n);
    let count = 0;
    for await (const {cells, line} of this.dataRows(file)) {
      if (count === n) break;
      encoder.encodeInto(cells, x, count * width, `${file}:${line}`);
      y[count] = encoder.classId(cells, file, line);
      count++;
    }
    if (count < n) this.changedError(file);
    return {x, y};
  }

  /** The whole file fits the buffer: read it once, reshuffle each epoch. */
  private async * inMemoryBatches(
      encoder: CsvRowEncoder, batchSize: number, rng: Random):
      AsyncGenerator<Batch> {
    const width = encoder.width;
    const n = this.trainRows;
    // Read and encoded once per provider: every trial of a search asks
    // for the same rows, and the buffer bounds their size.
    this.encodedTraining ??= await this.encodeTraining(encoder);
    const {x, y} = this.encodedTraining;
    const order = Array.from({length: n}, (_, i) => i);
    let next = n;
    while (true) {
      const bx = new Float32Array(batchSize * width);
      const by = new Int32Array(batchSize);
      for (let k = 0; k < batchSize; k++) {
        if (next === n) {
          rng.shuffle(order);
          next = 0;
        }
        const row = order[next++];
        bx.set(x.subarray(row * width, (row + 1) * width), k * width);
        by[k] = y[row];
      }
      yield toBatch(bx, by, batchSize, width);
    }
  }

  /**
   * A shuffle buffer over endless passes of the file, as tf.data's
   * `repeat().shuffle(size)`: memory holds `shuffleBufferSize` rows.
   */
  private async * bufferedBatches(
      encoder: CsvRowEncoder, batchSize: number, rng: Random):
      AsyncGenerator<Batch> {
    const width = encoder.width;
    const file = this.filename;
    const size = this.shuffleBufferSize;
    const x = new Float32Array(size * width);
    const y = new Int32Array(size);
    const parts = this.trainParts;
    const rows = parts === undefined ?
        this.endlessRows(file) :
        this.interleavedRows(file, parts, encoder.rowLength, rng);
    const fill = async (slot: number) => {
      const {value} = await rows.next();
      const {cells, line} = value as CsvRecord;
      try {
        encoder.encodeInto(cells, x, slot * width, `${file}:${line}`);
        y[slot] = encoder.classId(cells, file, line);
      } catch (e) {
        // Checked by the first read: the file changed since (and a line
        // of a part is no line of the file to name).
        if (parts !== undefined && e instanceof DataError) {
          this.changedError(file);
        }
        throw e;
      }
    };
    try {
      for (let slot = 0; slot < size; slot++) await fill(slot);
      while (true) {
        const bx = new Float32Array(batchSize * width);
        const by = new Int32Array(batchSize);
        for (let k = 0; k < batchSize; k++) {
          const slot = rng.int(size);
          bx.set(x.subarray(slot * width, (slot + 1) * width), k * width);
          by[k] = y[slot];
          await fill(slot);
        }
        yield toBatch(bx, by, batchSize, width);
      }
    } finally {
      await rows.return(undefined);
    }
  }

  private changedError(file: string): never {
    throw new DataError(
        `${file}: the file changed since the search first read it; ` +
            'restart the search',
        file);
  }

  /**
   * The data rows of `file`, pass after pass, without end: each pass
   * reads its parts (of about a hundredth of the shuffle buffer each, 100
   * rows by default) in a random order, PARTS_AT_ONCE at a time, each row
   * taken from one of them drawn at random. The shuffle buffer then holds
   * rows from all over the file, whatever its order (a file sorted by
   * label would otherwise fill it with one class for as long as a trial
   * trains), a trial that reads a quarter of a pass reads a quarter of the
   * parts, from all over it, and every row is read once a pass. `line` of a row counts from its part's first
   * line; the rows were checked by the first read, so one that no longer
   * fits means the file changed.
   */
  private async * interleavedRows(
      file: string, split: {parts: Array<[number, number]>, size: number},
      width: number, rng: Random): AsyncGenerator<CsvRecord> {
    const options = {fieldDelim: this.fieldDelim, chunkSize: 16384};
    while (true) {
      if ((await fs.promises.stat(file)).size !== split.size) {
        this.changedError(file);
      }
      const order = rng.shuffle(split.parts.map((_, i) => i));
      let next = 0;
      const open: Array<AsyncGenerator<CsvRecord>> = [];
      const openNext = () => {
        const [from, to] = split.parts[order[next++]];
        open.push(readCsvByteRange(file, from, to, options));
      };
      while (open.length < PARTS_AT_ONCE && next < order.length) openNext();
      let count = 0;
      try {
        while (open.length > 0) {
          const k = rng.int(open.length);
          const row = await open[k].next();
          if (row.done) {
            open.splice(k, 1);
            if (next < order.length) openNext();
            continue;
          }
          if (row.value.cells.length !== width) this.changedError(file);
          count++;
          yield row.value;
        }
      } finally {
        for (const part of open) await part.return(undefined);
      }
      if (count !== this.trainRows) this.changedError(file);
    }
  }

  /** The data rows of `file`, pass after pass, without end. */
  private async * endlessRows(file: string): AsyncGenerator<CsvRecord> {
    while (true) {
      let count = 0;
      for await (const record of this.dataRows(file)) {
        count++;
        yield record;
      }
      if (count === 0) this.changedError(file);
    }
  }

  /** One pass over `file` in order; the last batch may be short. */
  private async * passBatches(
      encoder: CsvRowEncoder, file: string, batchSize: number):
      AsyncGenerator<Batch> {
    const width = encoder.width;
    let bx = new Float32Array(batchSize * width);
    let by = new Int32Array(batchSize);
    let k = 0;
    for await (const {cells, line} of this.dataRows(file, encoder.rowLength)) {
      encoder.encodeInto(cells, bx, k * width, `${file}:${line}`);
      by[k] = encoder.classId(cells, file, line);
      k++;
      if (k === batchSize) {
        yield toBatch(bx, by, k, width);
        bx = new Float32Array(batchSize * width);
        by = new Int32Array(batchSize);
        k = 0;
      }
    }
    if (k > 0) {
      yield toBatch(bx.slice(0, k * width), by.slice(0, k), k, width);
    }
  }
}

/** Parts of a large training file read at once. */
const PARTS_AT_ONCE = 16;

/**
 * Byte ranges that cover the data rows of `file`, each of about
 * `rowsPerPart` rows (`rows` in all), from the byte after its header
 * (line `headerLine`, one line) to its end; undefined for a file whose
 * lines end in a CR alone (old Macs), which has no line feed to part it
 * at. Its records are one line each (the caller checked).
 */
async function fileParts(
    file: string, headerLine: number, rows: number, rowsPerPart: number):
    Promise<{parts: Array<[number, number]>, size: number}|undefined> {
  const size = (await fs.promises.stat(file)).size;
  let dataStart: number|undefined;
  let lineFeeds = 0;
  let at = 0;
  for await (const chunk of fs.createReadStream(file)) {
    const bytes = chunk as Buffer;
    if (at === 0) {
      // A CR that no LF follows ends a line: the file is of CR endings.
      for (let i = bytes.indexOf(0x0d); i >= 0 && i + 1 < bytes.length;
           i = bytes.indexOf(0x0d, i + 1)) {
        if (bytes[i + 1] !== 0x0a) return undefined;
      }
    }
    for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) {
      if (++lineFeeds === headerLine) {
        dataStart = at + i + 1;
        break;
      }
    }
    if (dataStart !== undefined) break;
    at += bytes.length;
  }
  if (dataStart === undefined) return undefined;
  const count = Math.max(PARTS_AT_ONCE, Math.ceil(rows / rowsPerPart));
  const cuts = Array.from(
      {length: count + 1},
      (_, i) => dataStart! + Math.round(i * (size - dataStart!) / count));
  return {parts: cuts.slice(1).map((to, i) => [cuts[i], to]), size};
}

function toBatch(x: Float32Array, y: Int32Array, rows: number, width: number):
    Batch {
  return {
    features: tf.tensor2d(x, [rows, width], 'float32'),
    labels: tf.tensor1d(y, 'int32'),
  };
}

export {Provider as CsvDataProvider};
