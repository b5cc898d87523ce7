/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A data provider for image classification, as image_data.py: a folder
 * with one sub-folder per class, like `tf.keras.utils.
 * image_dataset_from_directory(labels='inferred')`:
 *
 *     input_dir/cat/001.png  input_dir/cat/more/002.jpg  input_dir/dog/x.gif
 *
 * Classes are the sub-folder names in sorted order (ids 0, 1, ...); images
 * are found at any depth below them by extension (IMAGE_EXTENSIONS: .png
 * .jpg .jpeg .jpe .jfif .bmp .dib .gif, any case); other files and names
 * starting with '.' are skipped, images of formats not read named apart.
 * Each image is decoded, converted to `channels`, resized to
 * `imageHeight` x `imageWidth` (bilinear) and scaled to [0, 1].
 *
 * The split is deterministic and per class: all images, in path order, are
 * shuffled with `seed`; `floor(evalFraction * n)` are held out for
 * evaluation, shared among the classes in proportion to their images
 * (whole shares first, the rest to the largest remainders), each class's
 * last ones in the shuffled order. A small folder then evaluates on every
 * class it can (a plain split of the ten test images held out two of one
 * class: accuracy 0 and no AUC). With `evalFraction` 0 the training
 * images are evaluated.
 *
 * Porting note: the original reads only 2 classes (binary labels) in RGB
 * and feeds pixel values 0..255; here any number of classes, 1, 3 or 4
 * channels, and values in [0, 1].
 */

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import {tf} from '../backend/tf';
import {didYouMean, UsageError} from '../errors';
import {shellWord} from '../utf8';
import {Random} from '../random';
import {logEntry} from '../log_line';
import {whyUnreadable} from '../user_paths';

import {Batch, DataError, Hparams, InputSchema, listedName, Mode, Provider as DataProvider, readProgressEveryMs} from './data';
import {IMAGE_EXTENSIONS, ImageShape, loadImage, UNREAD_IMAGE_EXTENSIONS} from './image_decode';

/** Options of the image provider; the flag names are those of the binary. */
export declare interface ImageDataArgs {
  /** The folder of class folders (`--input_dir`). */
  inputDir: string;
  /** Rows of the model input (`--image_height`). */
  imageHeight: number;
  /** Columns of the model input (`--image_width`). */
  imageWidth: number;
  /** 1 (grey), 3 (RGB, the default) or 4 (RGBA). */
  channels?: number;
  /** The fraction of images held out (`--eval_fraction`); default 0.2. */
  evalFraction?: number;
  /** Seeds the split and the training shuffle; default 73, as the original. */
  seed?: number;
  /** Receives the one-line summary; default stderr. */
  log?: (line: string) => void;
  /**
   * Bytes of decoded images kept in memory; beyond it images are decoded
   * again each time they are used. Default 512 MiB.
   */
  cacheBytes?: number;
}

/** The options of ImageDataArgs; another key is most likely misspelt. */
const IMAGE_DATA_OPTIONS: ReadonlyArray<keyof ImageDataArgs> = [
  'inputDir', 'imageHeight', 'imageWidth', 'channels', 'evalFraction', 'seed',
  'log', 'cacheBytes',
];

/**
 * An option's value as a script gave it: a string quoted, so that "16"
 * given for 16 reads as the mistake it is.
 */
function shownValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** One image and its class id. */
interface Sample {
  file: string;
  label: number;
  /** The prepared pixels, when cached. */
  pixels?: Float32Array;
  /** A digest of the prepared pixels (decodeAll). */
  digest?: string;
}

/** Unreadable images named one by one when several are found. */
const MAX_UNREADABLE_SHOWN = 10;

/** The image provider. */
export class Provider implements DataProvider {
  private readonly inputDir: string;
  private readonly shape: ImageShape;
  private readonly evalFraction: number;
  private readonly seed: number;
  private readonly log: (line: string) => void;
  private readonly cacheBytes: number;
  private classes?: string[];
  private train: Sample[] = [];
  private eval: Sample[] = [];

  constructor(args: ImageDataArgs) {
    if (args === null || typeof args !== 'object') {
      throw new UsageError(
          'ImageDataProvider takes an object of options ({inputDir, ' +
          `imageHeight, imageWidth, ...}), got ${
              args === null ? 'null' : typeof args}`);
    }
    for (const key of Object.keys(args)) {
      if ((IMAGE_DATA_OPTIONS as readonly string[]).includes(key)) continue;
      throw new UsageError(`ImageDataProvider has no option ${
          JSON.stringify(key)}${didYouMean(key, IMAGE_DATA_OPTIONS)}; its ` +
          `options are ${IMAGE_DATA_OPTIONS.join(', ')}`);
    }
    if (!args.inputDir) {
      throw new UsageError(
          '--input_dir is required: the folder with one sub-folder of ' +
          'images per class (the option inputDir, in a script)');
    }
    this.inputDir = args.inputDir;
    this.shape = {
      height: args.imageHeight,
      width: args.imageWidth,
      channels: args.channels ?? 3,
    };
    this.evalFraction = args.evalFraction ?? 0.2;
    this.seed = args.seed ?? 73;
    this.log = args.log ??
        ((line) => process.stderr.write(`${logEntry(line)}\n`));
    this.cacheBytes = args.cacheBytes ?? 512 * 1024 * 1024;
    for (const [flag, option, value] of [
             ['image_height', 'imageHeight', this.shape.height],
             ['image_width', 'imageWidth', this.shape.width]] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new UsageError(
            `--${flag}=${shownValue(value)}: must be a positive number of ` +
            `pixels (the option ${option}, in a script)`);
      }
    }
    if (![1, 3, 4].includes(this.shape.channels)) {
      throw new UsageError(
          `--image_channels=${this.shape.channels}: must be 1 (grey), 3 ` +
          '(RGB) or 4 (RGBA) (the option channels, in a script)');
    }
    if (!Number.isInteger(this.seed)) {
      throw new UsageError(`seed=${shownValue(args.seed)}: must be an ` +
                           'integer (the split\'s seed, as ' +
                           '--image_split_seed)');
    }
    if (!(Number.isInteger(this.cacheBytes) && this.cacheBytes >= 0)) {
      throw new UsageError(
          `cacheBytes=${shownValue(args.cacheBytes)}: must be a whole ` +
          'number of bytes, 0 or more');
    }
    const pixels = this.shape.height * this.shape.width;
    if (pixels > MAX_INPUT_PIXELS) {
      // One example must fit a typed array, and a batch the backend.
      throw new UsageError(
          `--image_height=${this.shape.height} --image_width=${
              this.shape.width}: ${pixels} pixels an image; the models take ` +
          `at most ${MAX_INPUT_PIXELS} (e.g. 4096x4096): give a smaller size`);
    }
    if (!(this.evalFraction >= 0 && this.evalFraction < 1)) {
      throw new UsageError(
          `--eval_fraction=${this.evalFraction}: must be at least 0 and ` +
          'below 1 (the option evalFraction, in a script)');
    }
  }

  async prepare(): Promise<void> {
    const dir = this.inputDir;
    this.classes = await this.findClasses(dir);
    const split = await splitLayoutWarning(dir, this.classes);
    if (split !== undefined) this.log(`image: warning: ${split}`);
    const samples: Sample[] = [];
    const skipped: string[] = [];
    // Each real folder is read for one class only: a class folder that is
    // a link to another, or links inside two classes to one folder, would
    // count the same images for two classes.
    const realRoot = await fs.promises.realpath(dir);
    const claims = new FolderClaims();
    const realClasses: string[] = [];
    for (const name of this.classes) {
      const real = await fs.promises.realpath(path.join(dir, name));
      const other = claims.claim(real, name);
      if (other !== undefined) {
        throw new DataError(
            `${path.join(dir, name)}: class folder "${name}" is the folder ` +
                `of class "${other}" too (through a link), so its images ` +
                'would count for two classes; remove the link',
            path.join(dir, name));
      }
      realClasses.push(real);
    }
    for (let label = 0; label < this.classes.length; label++) {
      const classDir = path.join(dir, this.classes[label]);
      const files = await findImages(
          classDir, skipped, new Set([realRoot, realClasses[label]]),
          {claims, label: this.classes[label]});
      if (files.length === 0) {
        throw new DataError(
            `${classDir}: class folder "${this.classes[label]}" has no ` +
                `images (${IMAGE_EXTENSIONS.join(' ')})${
                    unreadImagesNote(skipped, classDir)}; add some or ` +
                'remove the folder',
            classDir);
      }
      for (const file of files) samples.push({file, label});
    }
    const shuffled = new Random(this.seed).shuffle([...samples]);
    const n = shuffled.length;
    const held = Math.floor(this.evalFraction * n);
    if (this.evalFraction > 0 && held === 0) {
      throw new DataError(
          `${dir}: --eval_fraction=${this.evalFraction} of ${n} images ` +
              'holds none out; add images, raise --eval_fraction, or pass ' +
              '--eval_fraction=0 to evaluate on the training images',
          dir);
    }
    const heldOut = heldOutPerClass(shuffled, this.classes.length, held);
    this.train = shuffled.filter((s) => !heldOut.has(s));
    this.eval = held === 0 ? this.train :
                             shuffled.filter((s) => heldOut.has(s)).sort(byFile);
    await this.decodeAll(samples);
    const c = this.classes;
    const names = c.length > 10 ?
        `${c.slice(0, 10).map(listedName).join(',')},...` :
        c.map(listedName).join(',');
    const evalText = held === 0 ? 'evaluated on the training images' :
                                  `${held} held out for evaluation`;
    const cached = samples.filter((s) => s.pixels !== undefined).length;
    this.log(`image: ${dir}: ${c.length} classes (${names}), ${n} image${
        n === 1 ? '' : 's'}, ${
        this.train.length} for training, ${evalText}; input ${
        this.shape.height}x${this.shape.width}x${this.shape.channels}${
        cached < n ? `; ${cached} of ${n} kept decoded in memory` : ''}`);
    // The shuffle can hold out every image of a small class: the models
    // then never see it trained, and score nothing on it.
    const trained = new Set(this.train.map((s) => s.label));
    const untrained = c.filter((_, label) => !trained.has(label));
    if (untrained.length > 0) {
      this.log(`image: warning: class${untrained.length > 1 ? 'es' : ''} ${
          untrained.slice(0, 5).join(', ')}${
          untrained.length > 5 ? ', ...' : ''} ${
          untrained.length > 1 ? 'have' : 'has'} no training image ` +
          `(--eval_fraction=${this.evalFraction} holds all of ${
              untrained.length > 1 ? 'theirs' : 'its'} out); add images ` +
          'or lower --eval_fraction');
    }
    // A class too small for a share of the held-out images is trained on
    // and never evaluated: the metrics say nothing of it.
    const evaluatedClasses = new Set(this.eval.map((s) => s.label));
    const unevaluated = held === 0 ? [] :
        c.filter((_, label) => !evaluatedClasses.has(label) &&
                      trained.has(label));
    // (Where the held-out images are of one class, the warning below says
    // more.)
    if (unevaluated.length > 0 &&
        evaluatedClasses.size >= Math.min(2, c.length)) {
      const counts = unevaluated.slice(0, 5).map((name) => `${name} (${
          this.train.filter((s) => c[s.label] === name).length})`);
      this.log(`image: warning: class${unevaluated.length > 1 ? 'es' : ''} ${
          counts.join(', ')}${unevaluated.length > 5 ? ', ...' : ''} ${
          unevaluated.length > 1 ? 'have' : 'has'} too few images for ` +
          `any to be held out at --eval_fraction=${this.evalFraction}: ` +
          `trained on, never evaluated, so the metrics say nothing of ${
              unevaluated.length > 1 ? 'them' : 'it'}; add images`);
    }
    // The split is not stratified: a small folder can hold out images of
    // one class only, whose accuracy and AUC say little (AUC none at all).
    const evaluated = new Set(this.eval.map((s) => s.label));
    if (held > 0 && evaluated.size < Math.min(2, c.length)) {
      this.log(`image: warning: the ${held} image${
          held === 1 ? '' : 's'} held out for evaluation ${
          held === 1 ? 'is' : 'are all'} of class ${
          c[this.eval[0].label]}: accuracy on ${
          held === 1 ? 'it' : 'them'} says little and AUC cannot be ` +
          'computed; add images or raise --eval_fraction');
    }
    if (held > n - held) {
      this.log(`image: warning: --eval_fraction=${this.evalFraction} leaves ${
          n - held} of ${n} images for training, fewer than it holds out ` +
          'for evaluation; lower --eval_fraction (default 0.2)');
    }
    for (const line of skippedFileLines(skipped, dir)) {
      this.log(`image: ${line}`);
    }
  }

  getInputFn(_hparams: Hparams, mode: Mode, batchSize: number):
      () => AsyncIterable<Batch> {
    this.requireClasses();
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new UsageError(
          `batch size ${batchSize}: must be a positive integer`);
    }
    if (mode === 'train') return () => this.trainBatches(batchSize);
    return () => this.evalBatches(batchSize);
  }

  inputSchema(): InputSchema {
    const classes = this.requireClasses();
    return {
      kind: 'image',
      shape: [this.shape.height, this.shape.width, this.shape.channels],
      labelVocabulary: [...classes],
      extra: {
        imageHeight: this.shape.height,
        imageWidth: this.shape.width,
        channels: this.shape.channels,
        scale: 1 / 255,
        resize: 'bilinear',
        // Which images evaluate: studies that split otherwise are not
        // comparable (study_data.ts).
        split: {evalFraction: this.evalFraction, seed: this.seed,
                method: 'per class'},
        // How many: a study resumed on a folder of other images says so.
        examples: {train: this.train?.length ?? 0,
                   eval: this.eval === this.train ? 0 :
                                                   this.eval?.length ?? 0,
                   // What the evaluation images hold: a folder of other
                   // images under the same names and counts says so too.
                   evalDigest: this.evaluationDigest()},
      },
    };
  }

  numberOfClasses(): number {
    return this.requireClasses().length;
  }

  /** A digest of the evaluation images' pixels and labels, in order. */
  private evaluationDigest(): string|undefined {
    if (this.eval === undefined ||
        this.eval.some((s) => s.digest === undefined)) {
      return undefined;
    }
    const hash = crypto.createHash('sha1');
    for (const sample of this.eval) hash.update(`${sample.label}:${sample.digest}\n`);
    return hash.digest('hex').slice(0, 16);
  }

  private requireClasses(): string[] {
    if (this.classes === undefined) {
      throw new Error(
          `image provider for ${this.inputDir}: call prepare() first`);
    }
    return this.classes;
  }

  private async findClasses(dir: string): Promise<string[]> {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, {withFileTypes: true});
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      let what = `cannot read: ${(e as Error).message}`;
      if (code === 'EACCES' || code === 'EPERM') what = NO_PERMISSION;
      if (code === 'ENOENT') what = 'no such folder';
      if (code === 'ENOTDIR') {
        what = 'not a folder; give the folder that holds one sub-folder ' +
            'per class';
      }
      throw new DataError(`${dir}: ${what}`, dir);
    }
    const classes: string[] = [];
    const loose: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      checkUtf8Name(full, entry.name);
      if (await isDirectory(entry, full)) {
        if (TOOL_FOLDERS.has(entry.name)) {
          this.log(`image: skipped ${full}: no class, a folder ${
              TOOL_FOLDERS.get(entry.name)}`);
          continue;
        }
        classes.push(entry.name);
      } else if (isImageName(entry.name)) {
        loose.push(entry.name);
      }
    }
    const looseImages = loose.length;
    if (looseImages > 0 && classes.length > 0) {
      loose.sort();
      this.log(`image: warning: ${looseImages} image${
          looseImages > 1 ? 's' : ''} directly in ${dir} (${
          loose.slice(0, 3).join(', ')}${looseImages > 3 ? ', ...' : ''}) ${
          looseImages > 1 ? 'are' : 'is'} in no class folder: not used; ` +
          'move each into the folder of its class');
    }
    classes.sort();
    // Two folders whose names read the same (composed and decomposed
    // Unicode, as two systems write "Größe") would be two classes that
    // look like one in every listing.
    const byForm = new Map<string, string>();
    for (const name of classes) {
      const other = byForm.get(name.normalize('NFC'));
      if (other !== undefined) {
        throw new DataError(
            `${dir}: class folders ${JSON.stringify(other)} and ${
                JSON.stringify(name)} have names that read the same, ` +
                'spelt with other Unicode code points: merge them into one',
            dir);
      }
      byForm.set(name.normalize('NFC'), name);
    }
    if (classes.length === 0) {
      const loose = looseImages > 0 ?
          ` (it holds ${looseImages} images directly)` :
          '';
      throw new DataError(
          `${dir}: no class folders${loose}; put the images in one ` +
              `sub-folder per class, e.g. ${path.join(dir, 'cat', '1.png')} ` +
              `and ${path.join(dir, 'dog', '2.png')}`,
          dir);
    }
    if (classes.length === 1) {
      throw new DataError(
          `${dir}: only one class folder ("${classes[0]}"); a classifier ` +
              'needs at least two',
          dir);
    }
    return classes;
  }

  /** Decodes every image once (finding bad files now), caching in budget. */
  private async decodeAll(samples: Sample[]): Promise<void> {
    const bytesEach =
        4 * this.shape.height * this.shape.width * this.shape.channels;
    let budget = this.cacheBytes;
    // Every image that cannot be read is said at once, not one a run.
    const unreadable: DataError[] = [];
    // Large photos decode for seconds each: a long first read says how
    // far it got now and then.
    const started = Date.now();
    let nextProgress = started + readProgressEveryMs();
    let done = 0;
    for (const sample of samples) {
      if (Date.now() >= nextProgress) {
        this.log(`image: decoding ${this.inputDir}: ${done} of ${
            samples.length} images so far (${
            ((Date.now() - started) / 1000).toFixed(0)}s)`);
        nextProgress = Date.now() + readProgressEveryMs();
      }
      done++;
      let pixels: Float32Array;
      try {
        pixels = await loadImage(sample.file, this.shape);
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        unreadable.push(e);
        continue;
      }
      sample.digest = crypto.createHash('sha1')
                          .update(new Uint8Array(pixels.buffer,
                                                 pixels.byteOffset,
                                                 pixels.byteLength))
                          .digest('hex');
      if (budget >= bytesEach) {
        sample.pixels = pixels;
        budget -= bytesEach;
      }
    }
    if (unreadable.length === 1) throw unreadable[0];
    if (unreadable.length > 1) {
      const shown = unreadable.slice(0, MAX_UNREADABLE_SHOWN);
      throw new DataError(
          `${unreadable.length} images cannot be read; replace or remove ` +
              `them:\n${shown.map((e) => `  ${e.message}`).join('\n')}${
              unreadable.length > shown.length ?
                  `\n  ... and ${unreadable.length - shown.length} more` :
                  ''}`,
          unreadable[0].file);
    }
  }

  private async pixelsOf(sample: Sample): Promise<Float32Array> {
    return sample.pixels ?? await loadImage(sample.file, this.shape);
  }

  private toBatch(pixels: Float32Array[], labels: number[]): Batch {
    const {height, width, channels} = this.shape;
    const size = height * width * channels;
    const x = new Float32Array(pixels.length * size);
    pixels.forEach((p, i) => x.set(p, i * size));
    return {
      features: tf.tensor4d(x, [pixels.length, height, width, channels]),
      labels: tf.tensor1d(Int32Array.from(labels), 'int32'),
    };
  }

  /** Endless batches, the training images reshuffled every epoch. */
  private async * trainBatches(batchSize: number): AsyncGenerator<Batch> {
    const rng = new Random(this.seed + 1);
    const order = [...this.train];
    let next = order.length;
    while (true) {
      const pixels: Float32Array[] = [];
      const labels: number[] = [];
      for (let k = 0; k < batchSize; k++) {
        if (next === order.length) {
          rng.shuffle(order);
          next = 0;
        }
        const sample = order[next++];
        pixels.push(await this.pixelsOf(sample));
        labels.push(sample.label);
      }
      yield this.toBatch(pixels, labels);
    }
  }

  /** One pass over the evaluation images; the last batch may be short. */
  private async * evalBatches(batchSize: number): AsyncGenerator<Batch> {
    for (let at = 0; at < this.eval.length; at += batchSize) {
      const samples = this.eval.slice(at, at + batchSize);
      const pixels: Float32Array[] = [];
      for (const sample of samples) pixels.push(await this.pixelsOf(sample));
      yield this.toBatch(pixels, samples.map((s) => s.label));
    }
  }
}

/**
 * A warning when every class folder holds sub-folders of the same names,
 * two or more (`ds/train/{cat,dog}`, `ds/test/{cat,dog}`): the folder
 * given is most likely a data set split, whose parts would be trained as
 * classes ("train" against "test"), and the classes one level down.
 */
async function splitLayoutWarning(dir: string, classes: string[]):
    Promise<string|undefined> {
  if (classes.length < 2) return undefined;
  // Sub-folders, linked ones too (isDirectory follows links).
  const subfolders = async (name: string) => {
    const entries = await readFolder(path.join(dir, name));
    const names: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, name, entry.name);
      if (await isDirectory(entry, full).catch(() => false)) {
        names.push(entry.name);
      }
    }
    return names;
  };
  // The names all of them hold (a part may hold a class more).
  let common = new Set(await subfolders(classes[0]));
  for (const name of classes.slice(1)) {
    const own = new Set(await subfolders(name));
    common = new Set([...common].filter((n) => own.has(n)));
  }
  if (common.size < 2) return undefined;
  const part = classes.find((c) => /train/i.test(c)) ?? classes[0];
  return `every class folder of ${dir} (${classes.join(', ')}) holds ` +
      `folders of the same names (${[...common].sort().join(', ')}): if ` +
      `those are the classes, give --input_dir=${
          shellWord(path.join(dir, part))} (its sub-folders are the ` +
      'classes) rather than the folder of the data set\'s parts';
}

function byFile(a: Sample, b: Sample): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/**
 * What to say of the files findImages skipped below `dir`: images of
 * formats not read (a warning: their class loses them), then the rest.
 */
export function skippedFileLines(skipped: string[], dir: string): string[] {
  const listed = (files: string[]) =>
      `${files.slice(0, 3).map((f) => path.relative(dir, f)).join(', ')}${
          files.length > 3 ? ', ...' : ''}`;
  const folders = skipped.filter((f) => f.endsWith(path.sep));
  const files = skipped.filter((f) => !f.endsWith(path.sep));
  const unread = files.filter(isUnreadImageName);
  const other = files.filter((f) => !isUnreadImageName(f));
  const lines: string[] = [];
  if (folders.length > 0) {
    const many = folders.length > 1;
    lines.push(`skipped ${folders.length} folder${many ? 's' : ''} of ` +
               `copies other tools keep (${[...TOOL_FOLDERS.keys()].join(
                   ', ')}): ${listed(folders)}`);
  }
  if (unread.length > 0) {
    const many = unread.length > 1;
    const formats = [...new Set(unread.map(
                        (f) => path.extname(f).toLowerCase()))].sort();
    lines.push(`warning: ${unread.length} image${many ? 's' : ''} of ${
        formats.join(' ')} (${listed(unread)}) ${
        many ? 'are' : 'is'} not used: this reader decodes ${
        IMAGE_EXTENSIONS.join(' ')}; convert ${many ? 'them' : 'it'} to PNG ` +
        `or JPEG to use ${many ? 'them' : 'it'}`);
  }
  if (other.length > 0) {
    lines.push(`skipped ${other.length} file${other.length > 1 ? 's' : ''} ` +
               `that ${other.length > 1 ? 'are' : 'is'} not ${
                   IMAGE_EXTENSIONS.join(' ')}: ${listed(other)}`);
  }
  return lines;
}

/**
 * ` (it holds N images of .webp ...: convert them ...)` for the images
 * of formats not read that `skipped` holds below `dir`, or ''.
 */
export function unreadImagesNote(skipped: string[], dir: string): string {
  const unread = skipped.filter(
      (f) => isUnreadImageName(f) && isInside(f, dir));
  if (unread.length === 0) return '';
  const formats = [...new Set(unread.map(
                      (f) => path.extname(f).toLowerCase()))].sort();
  return ` (it holds ${unread.length} image${
      unread.length > 1 ? 's' : ''} of ${formats.join(' ')}, ${
      unread.slice(0, 3).map((f) => path.relative(dir, f)).join(', ')}${
      unread.length > 3 ? ', ...' : ''}, which this reader does not ` +
      'decode: convert them to PNG or JPEG)';
}

function isUnreadImageName(name: string): boolean {
  return UNREAD_IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/**
 * Throws naming `full`, an image's name, unless it is a regular file (or
 * a link to one): a named pipe would block the search for good as it is
 * read, a device would read without end.
 */
async function checkRegularFile(full: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(full);
  } catch (e) {
    const {code, message} = e as NodeJS.ErrnoException;
    if (code === 'EACCES' || code === 'EPERM') {
      // Listed, but not to be looked at: its folder may be read but not
      // entered (no x bit), most often.
      throw new DataError(
          `${full}: ${whyUnreadable(full) ?? 'no permission to read it'}; ` +
              'change the permissions, or run as a user who may read it',
          full);
    }
    const why = code === 'ELOOP' ?
        'a link that leads back to itself (or through too many links)' :
        `not readable (${message})`;
    throw new DataError(`${full}: named as an image, but it is ${
                            why}; remove it, or put the image file there`,
                        full);
  }
  if (stat.isFile()) return;
  throw new DataError(`${full}: named as an image, but it is ${
                          specialFileKind(stat)}; remove it, or put the ` +
                          'image file there',
                      full);
}

/**
 * What a file that is neither a regular file nor a folder is, in words:
 * reading a named pipe blocks until something writes into it, a device
 * can read without end.
 */
export function specialFileKind(stat: fs.Stats): string {
  return stat.isFIFO() ? 'a named pipe (FIFO)' :
      stat.isSocket()  ? 'a socket' :
      stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' :
                                                         'not a regular file';
}

async function isDirectory(entry: fs.Dirent, full: string): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return (await fs.promises.stat(full)).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      // A class or images would go missing without a word.
      const target = await fs.promises.readlink(full).catch(() => '?');
      throw new DataError(
          `${full}: a link to ${target}, which does not exist; remove the ` +
              'link or put back what it leads to',
          full);
    }
    return false;
  }
}

/** Real folders (and linked files) and the class that reads each. */
export class FolderClaims {
  private readonly claims: Array<{real: string, owner: string}> = [];

  /**
   * Claims real path `real` for class `owner`; returns the class that
   * reads it already, or a folder around or inside it, if one does (`owner`
   * itself, for a second way into one class's images).
   */
  claim(real: string, owner: string): string|undefined {
    const other = this.claims.find(
        (c) => isInside(real, c.real) || isInside(c.real, real));
    if (other !== undefined) return other.owner;
    this.claims.push({real, owner});
    return undefined;
  }
}

/**
 * Claims what link `full` leads to (`real`) for its class; throws naming
 * the link when a class reads it already: another class (its images
 * would count for two), or its own (they would be read twice).
 */
async function claimLinked(
    full: string, real: string,
    inClass: {claims: FolderClaims, label: string}): Promise<void> {
  const other = inClass.claims.claim(real, inClass.label);
  if (other === undefined) return;
  const why = other === inClass.label ?
      `class "${other}" reads already, so its images would be read twice` :
      `class "${other}" reads too, so its images would count for two classes`;
  throw new DataError(`${full}: links to ${real}, which ${why}; remove the ` +
                      'link', full);
}

/** Whether real path `p` is `dir` or below it. */
function isInside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir :
                                                           dir + path.sep);
}

/** The largest model input, in pixels: 64 MB an image as float32 RGBA. */
const MAX_INPUT_PIXELS = 4096 * 4096;

/**
 * Folders other tools leave among images, of copies or thumbnails of
 * them, and what they are: never classes, never trained on.
 */
const TOOL_FOLDERS = new Map([
  ['__MACOSX', 'macOS\'s archiver leaves of file attributes'],
  ['@eaDir', 'a Synology NAS keeps of thumbnails'],
]);

/**
 * Throws when a file or folder's name is not valid UTF-8 (bytes of
 * another encoding, as old archives unpack): Node reads such a name with
 * U+FFFD in place of the bytes, a name no file has, so it could be
 * neither opened nor told apart.
 */
function checkUtf8Name(full: string, name: string): void {
  if (!name.includes('\ufffd')) return;
  throw new DataError(
      `${full}: its name is not valid UTF-8 (shown with \ufffd for the ` +
          'bytes that are not), so it cannot be opened by name; rename it ' +
          '(convmv -f latin1 -t utf8 -r --notest FOLDER renames a folder ' +
          'of Latin-1 names)',
      full);
}

/** What a folder closed to this user is said to be. */
const NO_PERMISSION = 'no permission to read this folder; change its ' +
    'permissions, or run as a user who may read it';

/**
 * The entries of folder `dir`; a DataError naming it when it is closed to
 * this user (a class folder of another owner, say), rather than the
 * system's EACCES.
 */
async function readFolder(dir: string): Promise<fs.Dirent[]> {
  try {
    return await fs.promises.readdir(dir, {withFileTypes: true});
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new DataError(`${dir}: ${NO_PERMISSION}`, dir);
    }
    throw e;
  }
}

/**
 * Image files at any depth below `dir`, in sorted path order, hidden ones
 * skipped and linked folders followed: the files a search trains on and
 * `cli predict` reads from a folder. Other files are added to `skipped`.
 */
export async function findImages(
    dir: string, skipped: string[] = [], ancestors?: Set<string>,
    inClass?: {claims: FolderClaims, label: string}): Promise<string[]> {
  // The real folders from the top one down to `dir`: a link back to one
  // of them would list its images again and again, under other classes.
  const above = ancestors ?? new Set([await fs.promises.realpath(dir)]);
  const found: string[] = [];
  const entries = await readFolder(dir);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    checkUtf8Name(full, entry.name);
    if (await isDirectory(entry, full)) {
      if (TOOL_FOLDERS.has(entry.name)) {
        skipped.push(full + path.sep);
        continue;
      }
      const real = await fs.promises.realpath(full);
      if (above.has(real)) {
        throw new DataError(
            `${full}: links back to ${real}, a folder above it, so its ` +
                'images would be read without end; remove the link',
            full);
      }
      if (entry.isSymbolicLink() && inClass !== undefined) {
        await claimLinked(full, real, inClass);
      }
      above.add(real);
      found.push(...await findImages(full, skipped, above, inClass));
      above.delete(real);
    } else if (isImageName(entry.name)) {
      await checkRegularFile(full);
      if (entry.isSymbolicLink() && inClass !== undefined) {
        // Resolved: isDirectory refused a dangling link.
        await claimLinked(full, await fs.promises.realpath(full), inClass);
      }
      found.push(full);
    } else {
      skipped.push(full);
    }
  }
  return found;
}

/**
 * Prepares one image file for a model trained on an 'image' input schema.
 * Used by `cli predict`.
 */
export async function encodeImageFile(schema: InputSchema, file: string):
    Promise<Float32Array> {
  const extra = schema.extra ?? {};
  if (schema.kind !== 'image') {
    throw new DataError(`not an image input schema (kind "${schema.kind}")`);
  }
  return loadImage(file, {
    height: Number(extra['imageHeight'] ?? schema.shape[0]),
    width: Number(extra['imageWidth'] ?? schema.shape[1]),
    channels: Number(extra['channels'] ?? schema.shape[2]),
  });
}

export {Provider as ImageDataProvider};

/**
 * The `held` samples of `shuffled` to evaluate on: shares of the classes
 * in proportion to their samples (largest remainders, ties to the lower
 * class id), each class's last ones in shuffled order.
 */
export function heldOutPerClass<T extends {label: number}>(
    shuffled: readonly T[], classes: number, held: number): Set<T> {
  const byClass: T[][] = Array.from({length: classes}, () => []);
  for (const sample of shuffled) byClass[sample.label].push(sample);
  const exact = byClass.map((c) => held * c.length / shuffled.length);
  const shares = exact.map(Math.floor);
  const order = exact.map((e, label) => ({label, rest: e - Math.floor(e)}))
                    .sort((a, b) => b.rest - a.rest || a.label - b.label);
  let left = held - shares.reduce((a, b) => a + b, 0);
  for (const {label} of order) {
    if (left === 0) break;
    shares[label]++;
    left--;
  }
  const out = new Set<T>();
  byClass.forEach((samples, label) => {
    for (const s of samples.slice(samples.length - shares[label])) out.add(s);
  });
  return out;
}
