/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** The data Provider interface and `registerProvider`, as data.py has them. */

import {tf} from '../backend/tf';
import {UsageError} from '../errors';
import {globalRegistry, makeRegisterDecorator} from '../registry';

export type Mode = 'train'|'eval'|'predict';

/** One batch of examples. The caller disposes the tensors. */
export declare interface Batch {
  /** float32 [batch, ...inputShape]. */
  features: tf.Tensor;
  /**
   * int32 [batch] class ids in [0, numberOfClasses); for
   * RNN_ALL_ACTIVATIONS, int32 [batch, time steps], a class id for every
   * step before the sequence's length (later steps are padding: any
   * number).
   */
  labels: tf.Tensor;
  /**
   * Sequence lengths, for RNN problems: int32 (or float32 of whole
   * numbers), of shape [batch] or [batch, 1].
   */
  lengths?: tf.Tensor1D|tf.Tensor2D;
}

/** How one raw input column becomes part of the feature tensor. */
export declare interface FeatureColumn {
  name: string;
  kind: 'numeric'|'categorical';
  /** For categorical columns: the values, in id order (one-hot width). */
  vocabulary?: string[];
  /** The value used where a cell is empty. */
  defaultValue?: number|string;
  /**
   * For numeric columns: the mean of the training values (empty cells
   * counted as `defaultValue`); features enter as (x - mean) / std.
   * Absent means 0, as in schemas saved before standardization.
   */
  mean?: number;
  /** For numeric columns: the standard deviation; absent or 0 means 1. */
  std?: number;
}

/**
 * What the exported model expects: saved with every trial so that
 * `cli predict` encodes raw inputs the way training did.
 */
export declare interface InputSchema {
  /** 'csv' or 'image' or a provider's own kind. */
  kind: string;
  /** Shape of one example after encoding, e.g. [13] or [32, 32, 3]. */
  shape: number[];
  /** For tabular data: the raw columns, in file order, without the label. */
  columns?: FeatureColumn[];
  /** Class names in id order; ids map back to these at prediction. */
  labelVocabulary?: string[];
  /** Provider-specific details (image size, channel count, delimiter). */
  extra?: Record<string, unknown>;
}

/** Hyperparameters as the trainer passes them around. */
export type Hparams = Record<string, number|string|boolean>;

/**
 * A source of training and evaluation data.
 *
 * Train-mode iterables never end (the trainer takes `trainSteps` batches)
 * and are shuffled; eval-mode iterables make one pass over the evaluation
 * data and end.
 */
export declare interface Provider {
  /**
   * Reads enough of the data to know its schema and checks it, throwing a
   * `DataError` that names file and line on bad data. Called once before
   * any training; the other methods may assume it succeeded.
   */
  prepare(): Promise<void>;

  /** Batches for `mode`; see the interface doc for train vs eval. */
  getInputFn(hparams: Hparams, mode: Mode, batchSize: number):
      () => AsyncIterable<Batch>;

  /** The encoded input shape, columns and label vocabulary. */
  inputSchema(): InputSchema;

  numberOfClasses(): number;

  /** Raw columns, when the data is tabular. */
  getFeatureColumns?(): FeatureColumn[];

  /**
   * Builds the tower input from the model input, replacing the default
   * (identity for CNN and DNN).
   */
  getInputLayerFn?(problemType: string):
      (input: tf.SymbolicTensor) => tf.SymbolicTensor;

  /** Replaces softmax cross-entropy: (labels int32 [b], logits) -> scalar. */
  getLossFn?(): (labels: tf.Tensor, logits: tf.Tensor) => tf.Scalar;

  /** Extra evaluation metrics computed from labels and logits. */
  getMetricFn?():
      (labels: tf.Tensor, logits: tf.Tensor) => Record<string, number>;

  /** Replaces the default predictions (argmax class and probabilities). */
  getPredictionsFn?(): (logits: tf.Tensor) => Record<string, tf.Tensor>;
}

/** How often a long read of the data (a CSV, images) says how far it got. */
let progressEveryMs = 10000;

/** The interval of progress lines of a long read, in ms. */
export function readProgressEveryMs(): number {
  return progressEveryMs;
}

/** Sets how often a long read says how far it got (tests: 0, always). */
export function setReadProgressInterval(ms: number): void {
  progressEveryMs = ms;
}

/**
 * Bad data: the message names file and line and says how to fix it. A
 * message that does not name `file` is prefixed with `file:line: `.
 */
export class DataError extends Error {
  constructor(message: string, readonly file?: string, readonly line?: number) {
    super(file === undefined || message.includes(file) ?
              message :
              `${file}${line === undefined ? '' : `:${line}`}: ${message}`);
    this.name = 'DataError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * The data provider's own code failed (its constructor, prepare() or its
 * batches threw something other than a DataError): the message names the
 * provider's part and the error; `cause` keeps the original, whose stack
 * the binary prints with MODEL_SEARCH_DEBUG=1.
 */
export class ProviderError extends Error {
  constructor(message: string, override readonly cause: unknown) {
    super(message);
    this.name = 'ProviderError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * A provider call the search gave up on: it never settled, and nothing
 * else was left to run (runMain). Named in one line, without a stack.
 */
export class ProviderNeverAnswered extends ProviderError {
  constructor(what: string) {
    super(`${what} never answered: it returned a promise that never ` +
              'settles, and nothing else was left to run; make it resolve ' +
              'or reject (on a stream\'s "end" and "error" events, say)',
          undefined);
    this.name = 'ProviderNeverAnswered';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Where a wait for a provider call that has lasted `afterMs` is said, once
 * per call (noticeSlowProviderWaits): a provider that hangs while
 * something else keeps the process alive (a timer of its own, a socket)
 * would otherwise leave the search silent.
 */
let slowWaits: {notice: (line: string) => void, afterMs: number}|undefined;

/**
 * Says, through `notice`, each provider call the search has waited for
 * `afterMs` (default a minute) and still waits for; undefined stops.
 */
export function noticeSlowProviderWaits(
    notice: ((line: string) => void)|undefined, afterMs = 60_000): void {
  slowWaits = notice === undefined ? undefined : {notice, afterMs};
}

/** The provider calls being waited for, each with how to stop waiting. */
const waits = new Map<symbol, {what: string, stop: (e: Error) => void}>();
/** Set once waiting was stopped: later calls are not even made. */
let stoppedWith: Error|undefined;

/**
 * Runs `fn`, part `what` of a data provider; anything it throws other than
 * a DataError (bad data, already named) becomes a ProviderError. The wait
 * ends early, with the error given, when stopWaitingForProviders is
 * called: a provider that never answers must not keep a search from
 * stopping on Ctrl-C.
 */
export async function inProvider<T>(what: string, fn: () => T|Promise<T>):
    Promise<T> {
  if (stoppedWith !== undefined) throw stoppedWith;
  const token = Symbol(what);
  let stop: (e: Error) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  waits.set(token, {what, stop});
  const slow = slowWaits;
  const timer = slow === undefined ? undefined : setTimeout(() => {
    slow.notice(`${what}: no answer after ${
        slow.afterMs / 1000} s; the search waits for it (Ctrl-C stops it)`);
  }, slow.afterMs);
  // Not what keeps the process alive: a wait nothing else can end is
  // found as such (ProviderNeverAnswered).
  timer?.unref();
  try {
    return await Promise.race([Promise.resolve().then(fn), stopped]);
  } catch (e) {
    // A provider's UsageError is the user's input (a bad option): said
    // as such, exit 2, rather than as the provider's failure.
    if (e instanceof DataError || e instanceof ProviderError ||
        e instanceof UsageError || e === stoppedWith) {
      throw e;
    }
    throw new ProviderError(
        `${what} threw: ${e instanceof Error ? e.message : String(e)}`, e);
  } finally {
    clearTimeout(timer);
    waits.delete(token);
  }
}

/**
 * Characters a name in a line of text must not carry as they are: controls
 * (line breaks, tabs, escapes), and the format characters that reorder or
 * hide the text around them (bidirectional overrides and isolates).
 */
const UNPRINTABLE_CLASS =
    '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e' +
    '\\u2066-\\u2069\\ufeff';
const UNPRINTABLE = new RegExp(`[${UNPRINTABLE_CLASS}]`);
const UNPRINTABLE_ALL = new RegExp(`[${UNPRINTABLE_CLASS}]`, 'g');

/**
 * A name (of a column, a class) as a comma-separated list shows it:
 * quoted when it holds a comma or a quote, or starts or ends with a
 * space, so that the list reads one way; and escaped, quoted, when it
 * holds a control or format character, so that it cannot break the line
 * (a name with a newline would write a line of the log's own form).
 */
export function listedName(name: string): string {
  if (!/[,"]|^\s|\s$/.test(name) && !UNPRINTABLE.test(name)) return name;
  // JSON escapes the controls (a newline would start a line of its own in
  // the log); the format characters it leaves are escaped alike.
  return JSON.stringify(name).replace(
      UNPRINTABLE_ALL,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The batches of `provider` for `mode`, as the search reads them: its
 * getInputFn called, and the input function it returns, when iterating
 * starts. What a provider written in JavaScript (or past a cast) returns
 * instead is named: getInputFn must return a function, and that function
 * an iterable of batches, asynchronous (an `async function*`, say) or
 * plain (a `function*`, read as it is).
 *
 * @throws (when iterating starts) a ProviderError for what either call
 *     threw, a DataError for what they returned that is neither.
 */
export function inputBatches(
    provider: Provider, hparams: Hparams, mode: Mode,
    batchSize: number): AsyncIterable<Batch> {
  const what = `the data provider's getInputFn(hparams, '${mode}', ${
      batchSize})`;
  return {
    [Symbol.asyncIterator]: () => {
      const inputFn = asProvider(
          `${what} threw`, () => provider.getInputFn(hparams, mode, batchSize));
      if (typeof inputFn !== 'function') {
        throw new DataError(
            `${what} returned ${valueKind(inputFn)}, not an input function: ` +
            'return a function that makes the batches (e.g. `() => ' +
            'this.batches(...)`), which the search calls for each pass');
      }
      const made = asProvider(`${what}'s input function threw`,
                              () => (inputFn as () => unknown)());
      const iterable = made as Partial<AsyncIterable<Batch>&Iterable<Batch>>|
          null|undefined;
      if (typeof iterable?.[Symbol.asyncIterator] === 'function') {
        return iterable[Symbol.asyncIterator]!();
      }
      if (typeof iterable?.[Symbol.iterator] === 'function' &&
          typeof made !== 'string') {
        const iterator = iterable[Symbol.iterator]!();
        return {
          next: async () => iterator.next(),
          return: async (value?: unknown) =>
              iterator.return?.(value) ?? {done: true, value},
        } as AsyncIterator<Batch>;
      }
      throw new DataError(
          `${what}'s input function returned ${valueKind(made)}, not ` +
          'batches: return an async generator (`async function*`) or any ' +
          'iterable of {features, labels} batches');
    },
  };
}

/** Runs `fn`, part of a provider; what it throws becomes a ProviderError. */
function asProvider<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DataError || e instanceof ProviderError ||
        e instanceof UsageError) {
      throw e;
    }
    throw new ProviderError(
        `${what}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/** `an object`, `undefined`, `a Promise`: what a value is, for messages. */
function valueKind(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (value instanceof Promise) {
    return 'a Promise (getInputFn and its input function are not async)';
  }
  if (Array.isArray(value)) return 'an array';
  const kind = typeof value;
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

/** What of a data provider is being waited for now, e.g. its batches. */
export function providerWaits(): string[] {
  return [...new Set([...waits.values()].map((w) => w.what))];
}

/**
 * Ends every wait for a provider call with `error`, now and from now on
 * (the search is stopping; what the provider still does is ignored).
 */
export function stopWaitingForProviders(error: Error): void {
  stoppedWith = error;
  for (const wait of waits.values()) wait.stop(error);
}

/** Providers may be waited for again: the search that stopped has ended. */
export function resetProviderWaits(): void {
  stoppedWith = undefined;
}

/**
 * Constructors receive the registered init args (flags are read with
 * FLAGS, as the provider defines them).
 */
export const PROVIDERS = globalRegistry<Provider>('providers', 'provider');

/**
 * Registers a Provider class, e.g.
 * `@registerProvider({lookupName: 'csv_data_provider', initArgs: {}})`.
 */
export const registerProvider = makeRegisterDecorator(PROVIDERS);
