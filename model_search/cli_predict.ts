/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * `predict --model_dir=TRIAL_DIR --input=PATH [--batch_size=N]`: runs the
 * exported model of one trial on new data and prints one CSV line per
 * example: its row number (CSV input) or file (image input), the predicted
 * class under its original name, and the probability of every class.
 *
 * The trial directory holds the model (`model/`) and the provider's input
 * schema (`input_schema.json`); the schema says how raw input becomes model
 * input, so prediction encodes exactly as training did:
 * - kind 'csv': PATH is a CSV file with a header row; columns are matched
 *   to the schema by name, in any order, and the label column may be
 *   present (it is ignored) or absent. Rows are numbered from 1, the first
 *   row below the header.
 * - kind 'image': PATH is a folder, read recursively in sorted order (files
 *   print relative to it), or one image file.
 * - a data provider's own kind: PATH is a JSON Lines file of examples as
 *   the provider encodes them, one object a line: `{"features": ...}`, an
 *   array of the schema's shape (nested, or flat in row-major order), and
 *   for a model of sequences `"length"`, the example's time steps. Lines
 *   are numbered from 1; blank lines are skipped. A model of a class per
 *   time step (RNN_ALL_ACTIVATIONS) prints a line per step of each
 *   sequence's length, its step numbered from 1 after the line.
 */

import * as fs from 'fs';
import * as path from 'path';

import {loadModel} from './backend/file_io';
import {selectBackend} from './backend/select_backend';
import {tf} from './backend/tf';
// Registers the custom layers and initializers that saved models name.
import './blocks';
import {checkUniqueColumnNames, columnNames, CsvRowEncoder, firstLineDelimiterHint, otherDelimiterHint, repeatedHeaderError, UnseenCategories} from './data/csv_data';
import {checkFieldDelim, readCsvFile} from './data/csv_reader';
import type {CsvRecord} from './data/csv_reader';
import {DataError, InputSchema, listedName, readProgressEveryMs} from './data/data';
import {encodeImageFile, findImages, skippedFileLines, specialFileKind, unreadImagesNote} from './data/image_data';
import {IMAGE_EXTENSIONS, imageFormat} from './data/image_decode';
import {closestMatch, UsageError, ValueError, didYouMean} from './errors';
import {readStudySummary} from './report';
import {argmax} from './train_loop';
import {TRIAL_FILES} from './trial_directory';
import {logEntry} from './log_line';
import {noSuchDirectory, resolveUserPath, whyUnreadable} from './user_paths';

/** Exit status for success. */
const OK = 0;
/** Exit status for a wrong command line, a bad trial directory or input. */
const BAD_INPUT = 2;

/** Examples run through the model at once unless --batch_size says. */
export const DEFAULT_BATCH_SIZE = 256;

const USAGE = 'usage: predict --model_dir=TRIAL_DIR --input=PATH ' +
    '[--batch_size=N] [--field_delim=C]\n' +
    '  Runs the model of one trial directory (<model_dir of the search>/' +
    '<trial id>) on\n  PATH: a CSV file with a header row for CSV models, ' +
    'a folder of images (or\n  one image) for image models. Prints ' +
    '`row,prediction,p_<class>...` (CSV) or\n  `file,prediction,' +
    'p_<class>...` (images), one line per example. For the input kind of\n  ' +
    'a provider of your own, PATH is a JSON Lines file of encoded examples,\n  ' +
    '{"features": [...], "length": N} a line ("length" for sequence models),\n  ' +
    'and the lines print as `line,prediction,p_<class>...`, or\n  ' +
    '`line,step,prediction,p_<class>...` for each step of a model of a class\n  ' +
    'per time step. Exit status: 0 on success, 2 for bad input.\n  ' +
    `--batch_size defaults to ${DEFAULT_BATCH_SIZE}; --field_delim (CSV) to ` +
    'the separator of\n  the files the model was trained on (\\t for tab).';

/** The options of one `predict` run. */
export declare interface PredictArgs {
  modelDir: string;
  input: string;
  batchSize: number;
  /** The CSV separator; undefined: the training files' (the schema's). */
  fieldDelim?: string;
}

/** One encoded example and what its output line starts with. */
interface Example {
  id: string;
  features: Float32Array;
  /** Time steps of a sequence (JSON Lines input only). */
  length?: number;
  /** Where the example is, for messages: `file:line`. */
  where?: string;
}

const FLAG_NAMES = ['model_dir', 'input', 'batch_size', 'field_delim'];

/**
 * Runs `predict`.
 *
 * @param args The arguments after the command name.
 * @param out Receives the header and one line per example.
 * @param err Receives the backend line, a closing summary, or the error.
 * @returns 0 on success; 2 for a wrong command line, a directory that is
 *     not a trial directory, or input that is missing or does not match
 *     the model's input schema.
 */
export async function predictCommand(
    args: string[], out: (s: string) => void,
    err: (s: string) => void): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    out(USAGE);
    return OK;
  }
  try {
    const options = parsePredictArgs(args);
    const schema = readTrialSchema(options.modelDir);
    // Said once every example is read (values training never saw).
    const warnings: string[] = [];
    if (options.fieldDelim !== undefined && schema.kind !== 'csv') {
      warnings.push(`warning: --field_delim is for models of CSV data; ` +
                    `this one reads ${schema.kind === 'image' ? 'images' :
                        `"${schema.kind}" data`}: ignored`);
    }
    const examples = await openExamples(
        schema, options.input, warnings, options.fieldDelim,
        (line) => err(logEntry(`predict: ${line}`)));
    await selectBackend('auto', err);
    const model = await loadTrialModel(options.modelDir);
    try {
      const takesLengths =
          checkModelInput(model, schema, options.modelDir);
      const perStep = model.outputs[0].shape.length === 3;
      const count = await predictAll(
          model, schema, checkLengths(examples, takesLengths, perStep, schema),
          takesLengths, options.batchSize, out);
      const what = `${exampleNoun(schema)}${count === 1 ? '' : 's'}`;
      err(logEntry(`predict: ${count} ${what} of ${
          options.input} with the model of ${options.modelDir}`));
      for (const warning of warnings) err(logEntry(`predict: ${warning}`));
    } finally {
      model.dispose();
    }
    return OK;
  } catch (e) {
    if (e instanceof ValueError || e instanceof DataError) {
      // A file's name (of the user's data) may hold a line break.
      const usage = e instanceof UsageError ? `\n${USAGE}` : '';
      err(`${logEntry(`predict: ${e.message}`)}${usage}`);
      return BAD_INPUT;
    }
    throw e;
  }
}

/** Reads `--name=value` and `--name value` arguments. */
export function parsePredictArgs(args: string[]): PredictArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      throw new UsageError(
          `unexpected argument ${JSON.stringify(arg)}; give the trial ` +
          'directory and the input as --model_dir=... --input=...');
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!FLAG_NAMES.includes(name)) {
      throw new UsageError(
          `unknown flag --${name}${didYouMean(name, FLAG_NAMES)}; the ` +
          `flags are ${FLAG_NAMES.map((f) => `--${f}`).join(', ')}`);
    }
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else if (i + 1 < args.length && !args[i + 1].startsWith('--')) {
      value = args[++i];
    } else {
      throw new UsageError(`--${name} needs a value, e.g. --${name}=...`);
    }
    if (values.has(name)) {
      throw new UsageError(`--${name} is given twice; give it once`);
    }
    values.set(name, value);
  }
  const modelDir = values.get('model_dir') ?? '';
  const input = values.get('input') ?? '';
  if (modelDir === '') {
    throw new UsageError(
        '--model_dir is required: a trial directory of a search, e.g. ' +
        '--model_dir=/tmp/run/3');
  }
  if (input === '') {
    throw new UsageError(
        '--input is required: the CSV file, image folder or JSON Lines file ' +
        'to predict');
  }
  if (input === '-') {
    // A CSV is read twice (its rows checked before any is predicted).
    throw new UsageError(
        '--input=-: standard input is not read; save the rows to a file ' +
        'and give its path');
  }
  const batchText = values.get('batch_size');
  const batchSize =
      batchText === undefined ? DEFAULT_BATCH_SIZE : Number(batchText);
  if (!Number.isInteger(batchSize) || batchSize < 1 ||
      batchText?.trim() === '') {
    throw new UsageError(
        `--batch_size=${batchText}: must be a positive integer, e.g. ` +
        `--batch_size=${DEFAULT_BATCH_SIZE}`);
  }
  const delimText = values.get('field_delim');
  let fieldDelim: string|undefined;
  if (delimText !== undefined) {
    try {
      fieldDelim = checkFieldDelim(delimText);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  // Relative paths mean what they meant where the user typed the command.
  return {modelDir: resolveUserPath(modelDir), input: resolveUserPath(input),
          batchSize, ...(fieldDelim === undefined ? {} : {fieldDelim})};
}

/**
 * The model of trial directory `dir`. A layer class this program does not
 * know (TensorFlow.js' message then speaks of Python) comes from a block
 * of a user's library, which the plain cli does not link.
 */
async function loadTrialModel(dir: string): Promise<tf.LayersModel> {
  try {
    return await loadModel(path.join(dir, TRIAL_FILES.model));
  } catch (e) {
    const unknown = /^Unknown layer: (\S+?)\./.exec((e as Error).message);
    if (unknown === null) throw e;
    throw new ValueError(
        `--model_dir=${dir}: the model has a layer of class ${unknown[1]}, ` +
        'which this cli does not know: a block of your own made it; run ' +
        'the cli of the binary whose library registers that block ' +
        '(model_search_oss_binary(name = "x") makes x_cli: `tools/bazel ' +
        'run //your/pkg:x_cli -- predict ...`)');
  }
}

/** The input schema of a trial directory, checked for what predict needs. */
export function readTrialSchema(dir: string): InputSchema {
  let stat: fs.Stats;
  const unreadable = whyUnreadable(dir);
  if (unreadable !== undefined) {
    throw new ValueError(
        `--model_dir=${dir}: ${unreadable}; change its permissions, or ` +
        'run as a user who may read it');
  }
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new ValueError(`--model_dir=${dir}: ${noSuchDirectory(dir)}`);
  }
  if (!stat.isDirectory()) {
    throw new ValueError(
        `--model_dir=${dir}: not a directory; give a trial directory of a ` +
        'search, e.g. <model_dir>/3');
  }
  const file = path.join(dir, TRIAL_FILES.inputSchema);
  const modelJson = path.join(dir, TRIAL_FILES.model, 'model.json');
  if (!fs.existsSync(file) || !fs.existsSync(modelJson)) {
    const missing = fs.existsSync(file) ? `${TRIAL_FILES.model}/model.json` :
                                          TRIAL_FILES.inputSchema;
    const trials = trialsUnder(dir);
    const best = bestTrialOf(dir);
    const parent = path.dirname(dir);
    // The model/ inside a trial directory: its parent is the one.
    const inTrial = path.basename(dir) === TRIAL_FILES.model &&
        fs.existsSync(path.join(parent, TRIAL_FILES.inputSchema));
    const hint = inTrial ?
        `; it is the model of trial directory ${parent}: pass ` +
            `--model_dir=${parent}` :
        trials.length > 0 ?
        `; it holds the trials ${shortList(trials)}: pass one, e.g. ` +
            (best !== undefined && trials.includes(String(best)) ?
                 `the best, --model_dir=${path.join(dir, String(best))}` :
                 `--model_dir=${path.join(dir, trials[0])}`) :
        '; pass a trial directory of a search (<model_dir>/<trial id>)';
    throw new ValueError(
        `--model_dir=${dir}: not a trial directory (no ${missing})${hint}`);
  }
  let schema: InputSchema;
  try {
    schema = JSON.parse(fs.readFileSync(file, 'utf8')) as InputSchema;
  } catch (e) {
    throw new ValueError(
        `${file}: cannot be read as JSON (${(e as Error).message}); the ` +
        'trial directory is damaged: restore it from a copy, or predict with ' +
        'another trial of the study (cli trials lists them)');
  }
  if (schema === null || typeof schema !== 'object' ||
      typeof schema.kind !== 'string' || !Array.isArray(schema.shape)) {
    throw new ValueError(
        `${file}: not an input schema (it needs "kind" and "shape"); the ` +
        'trial directory is damaged: restore it from a copy, or predict with ' +
        'another trial of the study (cli trials lists them)');
  }
  return schema;
}

/** The sub-directories of `dir` that look like trial directories. */
function trialsUnder(dir: string): string[] {
  const names = fs.readdirSync(dir).filter(
      (name) => !name.startsWith('.') &&
          fs.existsSync(path.join(dir, name, TRIAL_FILES.inputSchema)));
  return names.sort(
      (a, b) => (Number(a) - Number(b)) || (a < b ? -1 : a > b ? 1 : 0));
}

function shortList(items: string[], limit = 10): string {
  const shown = items.slice(0, limit).join(', ');
  return items.length > limit ? `${shown}, ...` : shown;
}

/**
 * Checks that the model takes what the schema encodes; returns whether it
 * also takes sequence lengths (a second input), as models of sequences do.
 */
function checkModelInput(
    model: tf.LayersModel, schema: InputSchema, dir: string): boolean {
  const ownKind = schema.kind !== 'csv' && schema.kind !== 'image';
  const lengths = model.inputs[1];
  const takesLengths = model.inputs.length === 2 &&
      lengths.shape.length === 2 && lengths.shape[1] === 1;
  if (model.inputs.length !== 1 && !(ownKind && takesLengths)) {
    throw new ValueError(
        `--model_dir=${dir}: the model takes ${model.inputs.length} inputs, ` +
        `which ${schema.kind} input does not give; the trial directory is ` +
        'inconsistent: restore it from a copy, or predict with another ' +
        'trial of the study (cli trials lists them)');
  }
  const want = model.inputs[0].shape.slice(1);
  if (want.length !== schema.shape.length ||
      want.some((d, i) => d !== null && d !== schema.shape[i])) {
    throw new ValueError(
        `--model_dir=${dir}: the model takes input [${want.join(',')}] but ` +
        `${TRIAL_FILES.inputSchema} describes [${schema.shape.join(',')}]; ` +
        'the trial directory is inconsistent: restore it from a copy, or ' +
        'predict with another trial of the study (cli trials lists them)');
  }
  return takesLengths;
}

/**
 * The examples of `input` encoded for `schema`. What can be checked
 * without reading all of it (the file or folder, the CSV header, that
 * there are images) is checked now; each example is checked as it is read.
 */
async function openExamples(
    schema: InputSchema, input: string, warnings: string[],
    fieldDelim: string|undefined,
    progress: (line: string) => void): Promise<AsyncIterable<Example>> {
  const unreadable = whyUnreadable(input);
  if (unreadable !== undefined) {
    throw new ValueError(
        `--input=${input}: ${unreadable}; change its permissions, or run ` +
        'as a user who may read it');
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch {
    throw new ValueError(`--input=${input}: no such file or folder`);
  }
  switch (schema.kind) {
    case 'csv':
      if (!stat.isFile()) {
        // Not opened: a pipe would be read once (its rows are checked
        // before any is predicted), a device on and on.
        throw new ValueError(`--input=${input}: ${
            stat.isDirectory() ? 'a folder' : specialFileKind(stat)}; the ` +
            'model reads CSV, give a CSV file with a header row');
      }
      checkNotAnImage(input, schema);
      return openCsv(schema, input, warnings, fieldDelim);
    case 'image':
      if (!stat.isDirectory() && !stat.isFile()) {
        // Not opened: a named pipe would block, a device read on and on.
        throw new ValueError(`--input=${input}: ${
            specialFileKind(stat)}, not an image file or a folder of ` +
                             'images; give one of those');
      }
      return openImages(schema, input, stat.isDirectory(), warnings,
                        progress);
    default:
      // Raw input of a provider's own kind has no reader here: its
      // examples come encoded, as the provider's batches hold them.
      if (!stat.isFile()) {
        throw new ValueError(
            `--input=${input}: not a file; the model's input kind is "${
                schema.kind}" (its data provider's own): give a JSON Lines ` +
            `file of encoded examples, {"features": [...]} a line`);
      }
      checkNotAnImage(input, schema);
      return checkedFirst(() => jsonLines(schema, input), input, 'lines');
  }
}

/**
 * The examples `read` gives, read once to check them all before the first
 * line is printed, then again to predict them (`checking` tells the reads
 * apart): a bad one far down leaves no half of the output. Parsing twice
 * costs little beside the model.
 */
async function checkedFirst(
    read: (checking: boolean) => AsyncIterable<Example>, file: string,
    noun: string): Promise<AsyncIterable<Example>> {
  let checked = 0;
  for await (const _ of read(true)) checked++;  // checked and let go
  return sameRows(read(false), checked, file, noun);
}

/** What the summary line counts: rows, images or examples. */
function exampleNoun(schema: InputSchema): string {
  return schema.kind === 'csv' ? 'row' :
      schema.kind === 'image' ? 'image' : 'example';
}

/**
 * The examples of a JSON Lines file, each checked against the schema's
 * shape as it is read.
 */
async function* jsonLines(
    schema: InputSchema, file: string): AsyncGenerator<Example> {
  const size = schema.shape.reduce((a, b) => a * b, 1);
  const lines = boundedLines(file, MAX_LINE_CHARS);
  let line = 0;
  let examples = 0;
  for await (const read of lines) {
    line++;
    // A byte-order mark some editors write first: not part of the JSON.
    const text = line === 1 ? read.replace(/^\uFEFF/, '') : read;
    if (text.trim() === '') continue;
    const where = `${file}:${line}`;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      // Python's json.dumps writes them unless told allow_nan=False.
      const nonFinite = /(^|[\s,[:])-?(NaN|Infinity)\s*[,\]}]/.test(text) ?
          '; NaN and Infinity are not JSON, nor are they features: give ' +
              'finite numbers (padding too)' :
          '';
      throw new DataError(
          `${where}: not JSON (${(e as Error).message})${
              nonFinite || '; give one object a line, {"features": [...]}'}`,
          file, line);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value) ||
        !('features' in value)) {
      throw new DataError(
          `${where}: expected an object with "features" (an array of shape ` +
              `[${schema.shape.join(',')}]), got ${shortJson(text)}`,
          file, line);
    }
    const unknown = Object.keys(value).find((k) => !LINE_KEYS.includes(k));
    if (unknown !== undefined) {
      const meant = closestMatch(unknown, LINE_KEYS);
      throw new DataError(
          `${where}: unknown key ${JSON.stringify(unknown)}${
              meant === undefined ? '' : ` (did you mean "${meant}"?)`}; ` +
              'a line holds "features" and, ' +
              'for a model of sequences, "length" (a "label" is allowed and ' +
              'not read)',
          file, line);
    }
    const example = value as {features: unknown, length?: unknown};
    const features = new Float32Array(size);
    const filled = fillFeatures(example.features, schema.shape, features, 0);
    const given = nestedShape(example.features);
    if (filled !== size && given !== undefined && given.length > 1 &&
        given.join(',') !== schema.shape.join(',')) {
      const steps = schema.shape[0];
      const fewerSteps = schema.shape.length === 2 && given.length === 2 &&
          given[1] === schema.shape[1] && given[0] < steps;
      throw new DataError(
          `${where}: "features" is an array of shape [${given.join(',')}], ` +
              `the model takes [${schema.shape.join(',')}] (nested, or flat ` +
              `with ${size} numbers)` +
              (fewerSteps ? `: pad a sequence of ${given[0]} steps to ${
                                steps} with any numbers and give ` +
                                `"length": ${given[0]}` :
                            ''),
          file, line);
    }
    if (filled !== size && given !== undefined && given.length === 1 &&
        given[0] !== size) {
      // A flat array of another length: a sequence not padded, most often.
      const [steps, width] = schema.shape;
      const unpadded = schema.shape.length === 2 && given[0] % width === 0 &&
          given[0] > 0 && given[0] / width < steps;
      throw new DataError(
          `${where}: "features" is a flat array of ${given[0]} numbers, the ` +
              `model takes ${size} (shape [${schema.shape.join(',')}], ` +
              'nested or flat)' +
              (unpadded ? `: pad a sequence of ${given[0] / width} steps to ${
                              steps} with any numbers and give "length": ${
                              given[0] / width}` :
                          ''),
          file, line);
    }
    if (filled !== size) {
      const bad = firstNonFeature(example.features);
      throw new DataError(
          `${where}: ` +
              (bad !== undefined ?
                   `"features"${bad.at} is ${shortJson(JSON.stringify(
                       bad.value) ?? String(bad.value))}; features are ` +
                       'numbers, finite and within the ±3.4e38 of 32-bit ' +
                       'floats' :
                   `"features" must be numbers in an array of shape [${
                       schema.shape.join(',')}] (nested, or flat with ${
                       size} numbers), got ${
                       shortJson(JSON.stringify(example.features))}`),
          file, line);
    }
    let length: number|undefined;
    if (example.length !== undefined) {
      const steps = schema.shape[0];
      // Examples of one dimension are no sequences: checkLengths says the
      // model takes no length, whatever its value.
      if (schema.shape.length > 1 &&
          (!Number.isInteger(example.length) ||
           (example.length as number) < 1 ||
           (example.length as number) > steps)) {
        throw new DataError(
            `${where}: "length" is ${JSON.stringify(example.length)}; give ` +
                `the sequence's time steps, a whole number in [1, ${steps}]`,
            file, line);
      }
      length = example.length as number;
    }
    examples++;
    yield {id: String(line), features, length, where};
  }
  if (examples === 0) {
    throw new DataError(
        `${file}: no examples; give one JSON object a line, ` +
            '{"features": [...]}',
        file);
  }
}

/**
 * The first leaf of nested arrays `value` that no float32 feature holds
 * (not a number, or beyond ±3.4e38), with where it is (`[3]`, `[2][1]`).
 */
function firstNonFeature(value: unknown, at = ''):
    {at: string, value: unknown}|undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = firstNonFeature(value[i], `${at}[${i}]`);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  return typeof value === 'number' && Math.abs(value) <= FLOAT32_MAX ?
      undefined :
      {at, value};
}

/**
 * The shape of a nested array whose rows at each depth are equally long
 * (its leaves being anything but arrays), or undefined for a ragged one.
 */
function nestedShape(value: unknown): number[]|undefined {
  if (!Array.isArray(value)) return [];
  const inner = value.map(nestedShape);
  const first = inner[0] ?? [];
  if (inner.some((s) => s === undefined || s.join(',') !== first.join(','))) {
    return undefined;
  }
  return [value.length, ...first];
}

/**
 * Copies the numbers of `value` into `into` from `at` if it is an array of
 * `shape` or a flat array of its size; returns how many it copied, -1 on
 * anything else (a value not a finite number, a wrong length).
 */
function fillFeatures(
    value: unknown, shape: number[], into: Float32Array, at: number): number {
  if (!Array.isArray(value)) return -1;
  const size = shape.reduce((a, b) => a * b, 1);
  if (value.length === size && value.every((v) => typeof v === 'number')) {
    if (!value.every((v) => Math.abs(v) <= FLOAT32_MAX)) return -1;
    into.set(value as number[], at);
    return size;
  }
  if (shape.length < 2 || value.length !== shape[0]) return -1;
  const inner = shape.slice(1);
  let copied = 0;
  for (const item of value) {
    const n = fillFeatures(item, inner, into, at + copied);
    if (n < 0) return -1;
    copied += n;
  }
  return copied;
}

/**
 * The longest line of JSON Lines input read: a line is held whole while
 * it is parsed, at several times its size. An example of a million
 * numbers takes about 10 MB of text.
 */
const MAX_LINE_CHARS = 64 << 20;

/**
 * The lines of a text file (without their ends, CRLF or LF), read in
 * chunks; a line longer than `maxChars` throws a DataError naming it
 * before it is held whole.
 */
export async function* boundedLines(file: string, maxChars: number):
    AsyncGenerator<string> {
  let pending = '';
  let line = 0;
  const tooLong = () => new DataError(
      `${file}:${line + 1}: a line longer than ${
          maxChars >= 1 << 20 ? `${maxChars >> 20} MB` :
                                `${maxChars} characters`}; give one ` +
          'example a line',
      file, line + 1);
  const stream = fs.createReadStream(file, {encoding: 'utf8'});
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let start = 0;
      for (let end = chunk.indexOf('\n'); end >= 0;
           end = chunk.indexOf('\n', start)) {
        if (pending.length + end - start > maxChars) throw tooLong();
        const text = pending + chunk.slice(start, end);
        pending = '';
        line++;
        yield text.endsWith('\r') ? text.slice(0, -1) : text;
        start = end + 1;
      }
      pending += chunk.slice(start);
      if (pending.length > maxChars) throw tooLong();
    }
  } finally {
    stream.destroy();
  }
  if (pending !== '') {
    yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
  }
}

/**
 * The keys a JSON Lines example may have: a "label" is passed over, so
 * that labelled examples (the evaluation data's, say) can be given as
 * they are, as a CSV file's label column.
 */
const LINE_KEYS = ['features', 'length', 'label'];

/** The largest 32-bit float: larger numbers become infinities. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** JSON for a message: the first 60 characters. */
function shortJson(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Checks that examples give a length where the model takes one (a model
 * of a label per sequence reads its output at step length - 1), and none
 * where it means nothing: a model of a class per time step without a
 * lengths input (none of its blocks reads them) takes one to print the
 * steps of the sequence's length only, or prints every step.
 */
async function* checkLengths(
    examples: AsyncIterable<Example>, takesLengths: boolean, perStep: boolean,
    schema: InputSchema): AsyncGenerator<Example> {
  for await (const example of examples) {
    if (takesLengths && example.length === undefined) {
      throw new DataError(
          `${example.where ?? example.id}: no "length"; the model reads ` +
          `sequences of up to ${schema.shape[0]} time steps and needs each ` +
          'one\'s length, e.g. {"features": [...], "length": ' +
          `${schema.shape[0]}}`);
    }
    if (!takesLengths && !perStep && example.length !== undefined) {
      throw new DataError(
          `${example.where ?? example.id}: "length" is given, but the ` +
          'model takes no sequence lengths; remove it');
    }
    yield example;
  }
}

/** The first bytes of `file`, enough to tell an image format. */
function readHead(file: string): Uint8Array {
  const head = Buffer.alloc(8);
  const fd = fs.openSync(file, 'r');
  try {
    return head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** Refuses an image given to a model of CSV data, saying so. */
function checkNotAnImage(file: string, schema: InputSchema): void {
  const format = imageFormat(readHead(file));
  if (format === undefined) return;
  throw new ValueError(schema.kind === 'csv' ?
      `--input=${file}: a ${format} image, but this model was trained on ` +
          'CSV data: give a CSV file with a header row naming its columns' :
      `--input=${file}: a ${format} image, but this model's input kind is "${
          schema.kind}" (its data provider's own): give a JSON Lines file ` +
          'of encoded examples, {"features": [...]} a line');
}

/** The best trial of the study summary in `dir`, if there is one to read. */
function bestTrialOf(dir: string): number|undefined {
  try {
    return readStudySummary(dir)?.bestTrialId ?? undefined;
  } catch {
    return undefined;  // No summary to read: the hint names the first.
  }
}

/** A CSV file's header, matched to the schema. */
interface CsvHeader {
  /** The header row itself. */
  record: CsvRecord;
  line: number;
  width: number;
  /** Where each feature column of the schema is in a row. */
  featureAt: number[];
  /**
   * Unnamed columns the model lacks (a delimiter at the end of every
   * line): left out while empty.
   */
  unnamedAt: number[];
}

/** Reads and checks the header of a CSV file; streams its rows. */
async function openCsv(
    schema: InputSchema, file: string, warnings: string[],
    given: string|undefined): Promise<AsyncIterable<Example>> {
  const encoder = new CsvRowEncoder(schema);
  const extra = schema.extra ?? {};
  const trainedOn =
      typeof extra['fieldDelim'] === 'string' ? extra['fieldDelim'] : ',';
  const fieldDelim = given ?? trainedOn;
  const labelName =
      typeof extra['labelName'] === 'string' ? extra['labelName'] : undefined;
  let header: CsvHeader|undefined;
  let first: IteratorResult<CsvRecord>;
  const records = readCsvFile(file, {fieldDelim})[Symbol.asyncIterator]();
  try {
    first = await records.next();
  } catch (e) {
    if (e instanceof DataError && e.line === 1) {
      e.message += firstLineDelimiterHint(file, fieldDelim);
    }
    throw e;
  } finally {
    await records.return?.(undefined);
  }
  if (!first.done) {
    const record = first.value;
    const featureAt = matchColumns(
        schema, labelName, record.cells, file, record.line,
        otherDelimiterHint(record.cells, fieldDelim, true));
    header = {
      record,
      line: record.line,
      width: record.cells.length,
      featureAt,
      unnamedAt: record.cells.flatMap(
          (name, at) => name === '' && !featureAt.includes(at) ? [at] : []),
    };
  }
  if (header === undefined) {
    throw new DataError(
        `${file}: the file is empty; give a header row naming the columns, ` +
            'then the rows',
        file);
  }
  // Every row checked before the first line is printed, as training
  // checks its file; the warnings are the second read's.
  return checkedFirst(
      (checking) => csvRows(encoder, header!, file, fieldDelim,
                            checking ? [] : warnings),
      file, 'rows');
}

/**
 * The rows of the second read of `file`, which must be the `checked`
 * rows of the first: a file written to meanwhile (rows added, cut or
 * changed) stops the predictions, saying so, rather than print some of
 * rows never checked or end short without a word.
 */
export async function* sameRows(
    rows: AsyncIterable<Example>, checked: number, file: string,
    noun: string): AsyncGenerator<Example> {
  const changed = (now: string) => new DataError(
      `${file}: the file changed while it was predicted (${checked} ${
          noun} when its ${noun} were checked, ${now}); predict it again ` +
          'once it is written',
      file);
  let seen = 0;
  try {
    for await (const example of rows) {
      if (++seen > checked) throw changed('more now');
      yield example;
    }
  } catch (e) {
    if (e instanceof DataError && !e.message.includes('changed while')) {
      throw changed(`then ${e.message}`);
    }
    throw e;
  }
  if (seen !== checked) throw changed(`${seen} now`);
}

/** The rows below the header, numbered from 1. */
async function* csvRows(
    encoder: CsvRowEncoder, header: CsvHeader, file: string,
    fieldDelim: string, warnings: string[]): AsyncGenerator<Example> {
  const unseen = new UnseenCategories();
  /** Lines whose feature cells are all empty: predicted from defaults. */
  const blank: number[] = [];
  let row = -1;
  for await (const record of readCsvFile(file, {fieldDelim})) {
    // Record 0 is the header, checked already.
    if (++row === 0) continue;
    const where = `${file}:${record.line}`;
    if (record.cells.length !== header.width) {
      throw new DataError(
          `${where}: ${record.cells.length} fields, expected ${
              header.width} like the header (line ${header.line}); fix ` +
              `the row, or quote fields that contain "${fieldDelim}"`,
          file, record.line);
    }
    const repeated = repeatedHeaderError(file, record, header.record);
    if (repeated !== undefined) throw repeated;
    for (const at of header.unnamedAt) {
      if (record.cells[at] === '') continue;
      throw new DataError(
          `${where}: column ${at} has no name in the header but holds ${
              JSON.stringify(record.cells[at])}, and the model has no ` +
              'unnamed column there: name it as a column of the model, or ' +
              'remove it',
          file, record.line);
    }
    if (header.featureAt.every((at) => record.cells[at] === '')) {
      blank.push(record.line);
    }
    yield {
      id: String(row),
      features: encoder.encode(record.cells, where, header.featureAt,
                               unseen.recorder(record.line)),
    };
  }
  const warning = unseen.warning(file, Math.max(row, 0));
  if (warning !== undefined) warnings.push(warning);
  if (blank.length > 0) {
    // Valid (an empty cell takes its column's default), but rarely meant.
    warnings.push(`warning: ${file}: line${blank.length > 1 ? 's' : ''} ${
        blank.slice(0, 8).join(', ')}${blank.length > 8 ? ', ...' : ''} ` +
        `${blank.length > 1 ? 'have' : 'has'} no feature values: ${
            blank.length > 1 ? 'their predictions are' :
                               'its prediction is'} that of every ` +
        'column\'s default (empty cells take the defaults the model was ' +
        'trained with)');
  }
  if (row < 1) {
    throw new DataError(
        `${file}: only a header (line ${header.line}), no rows to ` +
            'predict; add rows below the header',
        file, header.line);
  }
}

/**
 * Where each feature column of the schema is in `header` (a header row's
 * cells). Every feature must be there; the label may be; nothing else may
 * but unnamed columns (a delimiter at the end of every line, say), which
 * are read only where the model has a column of that place's name.
 */
function matchColumns(
    schema: InputSchema, labelName: string|undefined, header: string[],
    file: string, line: number, delimiterHint: string): number[] {
  const features = schema.columns!.map((c) => c.name);
  // A name that differs only in its Unicode form (é written as e and an
  // accent, as some systems write text) is the model's column.
  const byForm = new Map([...features, ...(labelName ? [labelName] : [])]
                             .map((name) => [name.normalize('NFC'), name]));
  const names = columnNames(header).map(
      (name) => features.includes(name) || name === labelName ? name :
          byForm.get(name.normalize('NFC')) ?? name);
  checkUniqueColumnNames(names, file, line);
  const seen = new Map(names.map((name, at) => [name, at]));
  const expected =
      `the model's columns are ${features.map(listedName).join(',')}` +
      (labelName !== undefined ? ` and optionally the label "${labelName}"` :
                                 '');
  const unknown = names.filter(
      (name, at) => name !== labelName && !features.includes(name) &&
          header[at] !== '');
  // Numbers where the names go, none of them the model's (whose columns
  // have names, not numbers): a file of rows only.
  const numeric = (cell: string) =>
      cell.trim() !== '' && Number.isFinite(Number(cell));
  if (header.some(numeric) && !features.some(numeric) &&
      !names.some((name) => features.includes(name))) {
    throw new DataError(
        `${file}:${line}: the first line holds values (${
            header.slice(0, 3).join(',')}${header.length > 3 ? ',...' : ''}), ` +
            'not column names: the file has no header; add a first line ' +
            `naming the columns (${expected})`,
        file, line);
  }
  for (const feature of features) {
    if (!seen.has(feature)) {
      const match = closestMatch(feature, unknown);
      throw new DataError(
          `${file}:${line}: the header has no column "${feature}"${
              match === undefined ? '' : ` (did you mean "${match}"?)`}${
              delimiterHint}; ${expected}: add or rename the column`,
          file, line);
    }
  }
  if (unknown.length > 0) {
    throw new DataError(
        `${file}:${line}: column "${unknown[0]}" (index ${
            names.indexOf(unknown[0])}) is not an input of the model; ${
            expected}: remove the column`,
        file, line);
  }
  return features.map((feature) => seen.get(feature)!);
}

/** The images of a folder (recursively, sorted) or one image file. */
async function openImages(
    schema: InputSchema, input: string, isFolder: boolean,
    warnings: string[],
    progress: (line: string) => void): Promise<AsyncIterable<Example>> {
  const skipped: string[] = [];
  const files = isFolder ? await findImages(input, skipped) : [input];
  if (files.length === 0) {
    throw new DataError(
        `--input=${input}: no images (${IMAGE_EXTENSIONS.join(' ')}) in ` +
            `this folder or below it${
                unreadImagesNote(skipped, input)}; give a folder of images`,
        input);
  }
  if (!isFolder) {
    // A CSV or other file given to a model of images: said plainly,
    // rather than as an image that does not decode.
    const format = imageFormat(readHead(input));
    if (fs.statSync(input).size === 0) {
      throw new ValueError(`--input=${input}: the file is empty; give an ` +
                           'image file or a folder of images');
    }
    if (format === undefined) {
      // Named .png, say, but not one inside: its bytes say so.
      const named =
          IMAGE_EXTENSIONS.includes(path.extname(input).toLowerCase());
      throw new ValueError(
          `--input=${input}: ${
              named ? `named as an image, but its bytes are no ${
                          IMAGE_EXTENSIONS.join(' ')} image;` :
                      `not an image (${IMAGE_EXTENSIONS.join(' ')}), but ` +
                          'this model was trained on images:'} give an ` +
          'image file or a folder of images');
    }
  }
  if (skipped.length > 0) {
    warnings.push(...skippedFileLines(skipped, input));
  }
  return imageFiles(
      schema, input, await encodeAllImages(schema, files, progress),
      isFolder);
}

/**
 * How many bytes of encoded images `predict` keeps between checking every
 * image and predicting; images past it are decoded a second time.
 */
const KEPT_IMAGE_BYTES = 512 * 1024 * 1024;

/**
 * Every image of `files` encoded for the model, before anything is
 * predicted: an image that cannot be read stops the command before its
 * first line, with every such image named (up to ten), as a search does,
 * rather than after the lines of the images before it. Images past
 * KEPT_IMAGE_BYTES are left undefined, to be encoded again.
 */
async function encodeAllImages(
    schema: InputSchema, files: string[], progress: (line: string) => void):
    Promise<Array<{file: string, features?: Float32Array}>> {
  const encoded: Array<{file: string, features?: Float32Array}> = [];
  const unreadable: DataError[] = [];
  let kept = 0;
  // Large photos decode for seconds each: said now and then.
  const started = Date.now();
  let nextProgress = started + readProgressEveryMs();
  for (const [done, file] of files.entries()) {
    if (Date.now() >= nextProgress) {
      progress(`reading the images: ${done} of ${files.length} so far (${
          ((Date.now() - started) / 1000).toFixed(0)}s)`);
      nextProgress = Date.now() + readProgressEveryMs();
    }
    try {
      const features = await encodeImageFile(schema, file);
      kept += features.byteLength;
      encoded.push({file, features: kept <= KEPT_IMAGE_BYTES ? features :
                                                               undefined});
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      unreadable.push(e);
    }
  }
  if (unreadable.length === 1) throw unreadable[0];
  if (unreadable.length > 1) {
    const shown = unreadable.slice(0, MAX_UNREADABLE_SHOWN);
    throw new DataError(
        `${unreadable.length} images cannot be read, so nothing was ` +
            `predicted; replace or remove them:\n${
                shown.map((e) => `  ${e.message}`).join('\n')}${
                unreadable.length > shown.length ?
                    `\n  ... and ${unreadable.length - shown.length} more` :
                    ''}`,
        unreadable[0].file);
  }
  return encoded;
}

/** Unreadable images named one by one when several are found. */
const MAX_UNREADABLE_SHOWN = 10;

async function* imageFiles(
    schema: InputSchema, input: string,
    images: Array<{file: string, features?: Float32Array}>,
    isFolder: boolean): AsyncGenerator<Example> {
  for (const image of images) {
    const features =
        image.features ?? await encodeImageFile(schema, image.file);
    // Let go once predicted.
    image.features = undefined;
    yield {id: isFolder ? path.relative(input, image.file) : input, features};
  }
}

/**
 * Predicts every example, `batchSize` at a time, writing the header with
 * the first batch's lines; returns the number of examples.
 */
async function predictAll(
    model: tf.LayersModel, schema: InputSchema,
    examples: AsyncIterable<Example>, takesLengths: boolean,
    batchSize: number, out: (s: string) => void): Promise<number> {
  const outputShape = model.outputs[0].shape;
  const numClasses = Number(outputShape[outputShape.length - 1]);
  // A class per time step (RNN_ALL_ACTIVATIONS): a line per step.
  const perStep = outputShape.length === 3;
  const vocabulary = schema.labelVocabulary ?? [];
  const names = Array.from(
      {length: numClasses}, (_, id) => vocabulary[id] ?? String(id));
  const idColumn = schema.kind === 'csv' ? 'row' :
      schema.kind === 'image' ? 'file' : 'line';
  const header = [idColumn, ...(perStep ? ['step'] : []), 'prediction',
                  ...names.map((n) => `p_${n}`)]
                     .map(csvField).join(',');
  const size = schema.shape.reduce((a, b) => a * b, 1);
  const line = (start: string[], p: number[]) => out(
      [...start, csvField(names[argmax(p)]), ...p.map((v) => v.toFixed(6))]
          .join(','));
  let batch: Example[] = [];
  let count = 0;
  const flush = async () => {
    const probabilities =
        await predictBatch(model, schema, batch, size, takesLengths);
    // With the first batch: input bad from its first rows prints nothing.
    if (count === 0) out(header);
    batch.forEach((example, i) => {
      if (!perStep) {
        line([csvField(example.id)], probabilities[i] as number[]);
        return;
      }
      const steps = probabilities[i] as number[][];
      // The steps of the sequence's length; later ones are padding.
      for (let t = 0; t < (example.length ?? steps.length); t++) {
        line([csvField(example.id), String(t + 1)], steps[t]);
      }
    });
    count += batch.length;
    batch = [];
  };
  for await (const example of examples) {
    batch.push(example);
    if (batch.length === batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  if (count === 0) out(header);
  return count;
}

/** Class probabilities of a batch, as evaluation computes them. */
async function predictBatch(
    model: tf.LayersModel, schema: InputSchema, batch: Example[],
    size: number, takesLengths: boolean): Promise<number[][]|number[][][]> {
  const x = new Float32Array(batch.length * size);
  batch.forEach((example, i) => x.set(example.features, i * size));
  const lengths = !takesLengths ? undefined :
      Int32Array.from(batch, (example) => example.length!);
  const probabilities = tf.tidy(() => {
    const features = tf.tensor(x, [batch.length, ...schema.shape], 'float32');
    const inputs = lengths === undefined ? features :
        [features, tf.tensor2d(lengths, [batch.length, 1], 'int32')];
    const logits = model.apply(inputs, {training: false}) as tf.Tensor;
    return tf.softmax(logits);
  });
  try {
    return await probabilities.array() as number[][]|number[][][];
  } finally {
    probabilities.dispose();
  }
}

/** A CSV field, quoted when it holds a comma, a quote or a line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
