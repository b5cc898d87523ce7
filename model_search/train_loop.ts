/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The training and evaluation loops of one trial. A plain loop over
 * batches with tf.variableGrads and applyGradients, rather than
 * model.fit: no per-step callbacks or history, and the host reads the loss
 * only every `syncEvery` steps.
 */

import {performance} from 'perf_hooks';

import {differentiatingVariablesOnly} from './backend/lazy_conv_gradients';
import {tf} from './backend/tf';
import {sequenceMask} from './blocks/op_layers';
import {DataError, ProviderNeverAnswered, inProvider} from './data/data';
import type {Batch, Hparams} from './data/data';
import {argmaxRows, evaluationMetrics} from './metric_fns';
import type {ProbabilityMatrix} from './metric_fns';
import {FUSED_BACKENDS, FusedOptimizer} from './fused_optimizers';
import type {FusedOptimizerName, TrainingOptimizer} from './fused_optimizers';
import {checkedOptimizerName, disposeOptimizer, learningRateAt, makeOptimizer, numberHparam, setLearningRate} from './phoenix';

/** A trial that cannot go on: recorded FAILED with this reason. */
export class TrialFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrialFailure';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * A trial that builds on an earlier one (its towers, weights or teacher)
 * whose files cannot be used: this trial fails, and the search leaves the
 * earlier one out of later trials.
 */
export class UnusableTrialError extends TrialFailure {
  constructor(readonly sourceTrialId: number, message: string) {
    super(message);
    this.name = 'UnusableTrialError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Reads what `read` reads of earlier trial `sourceId` for trial `trialId`
 * (`purpose`: what it takes), turning a file that cannot be read or is
 * not what was saved into an UnusableTrialError naming that trial.
 */
export async function fromEarlierTrial<T>(
    sourceId: number, trialId: number, purpose: string,
    read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof TrialFailure) throw e;
    throw new UnusableTrialError(
        sourceId,
        `trial ${trialId} ${purpose} trial ${sourceId}, whose files cannot ` +
            `be used: ${(e as Error).message}`);
  }
}

/**
 * The search was asked to stop (Ctrl-C) while a trial trained or
 * evaluated: the trial ends here, between two steps.
 */
export class TrialInterrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'TrialInterrupted';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export type LossFn = (labels: tf.Tensor, logits: tf.Tensor) => tf.Scalar;

export declare interface TrainArgs {
  steps: number;
  hparams: Hparams;
  batches: AsyncIterable<Batch>;
  /** Replaces softmax cross-entropy (a provider's getLossFn). */
  lossFn?: LossFn;
  /** How often the loss is read back to check it (and reported). */
  syncEvery?: number;
  /**
   * Also read the loss back at every multiple of this many steps (the
   * steps a summary records), besides every `syncEvery`.
   */
  recordEvery?: number;
  /** Called with the loss each time it is read back. */
  onLoss?: (step: number, loss: number) => void;
  /** learning_spec.max_decay_times. */
  maxDecayTimes?: number;
  /**
   * Distillation: the student learns from a teacher's target instead of
   * (or besides) the labels; `lossFn` is then unused.
   */
  teacher?: TeacherArgs;
  /**
   * Asked before every step (signals are seen when the loop yields to the
   * event loop, every 50 ms); true throws TrialInterrupted.
   */
  shouldStop?: () => boolean;
}

/** A fixed teacher for distillation (meta/distillation.ts). */
export declare interface TeacherArgs {
  /**
   * The target the student matches, for a batch's model inputs. It runs
   * outside the student's gradient tape, so no gradient reaches it.
   */
  target(inputs: tf.Tensor[]): tf.Tensor;
  /** (labels, student logits, target) to the student's loss. */
  lossFn(labels: tf.Tensor, logits: tf.Tensor, target: tf.Tensor): tf.Scalar;
}

export declare interface TrainResult {
  steps: number;
  finalLoss: number;
  /** Wall time, including `yieldedSeconds`. */
  seconds: number;
  /** Time the loop let other work run (EventLoopYielder). */
  yieldedSeconds: number;
}

/**
 * To await once per step: every `everyMs` it lets the event loop run
 * timers and I/O. The steps themselves only await promises that are
 * already settled, so without it a training loop holds the thread until it
 * ends, and the trial's heartbeats (timers) stop. What runs meanwhile is
 * counted in `seconds`, apart from the steps' own time.
 */
export class EventLoopYielder {
  /** Seconds spent letting other work run. */
  seconds = 0;
  private last = performance.now();

  constructor(private readonly everyMs = 50) {}

  async maybeYield(): Promise<void> {
    const start = performance.now();
    if (start - this.last < this.everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
    this.seconds += (this.last - start) / 1000;
  }
}

/** Softmax cross-entropy of int32 class ids against logits. */
export function softmaxCrossEntropy(
    labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  const depth = logits.shape[logits.shape.length - 1] as number;
  const oneHot = tf.oneHot(labels.toInt(), depth);
  return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
}

/**
 * Softmax cross-entropy of a class id per time step (RNN_ALL_ACTIVATIONS:
 * labels int32 [batch, time], logits [batch, time, classes]), the mean
 * over the steps before each sequence's length: later steps are padding,
 * and their labels and logits count for nothing.
 */
export function sequenceSoftmaxCrossEntropy(
    labels: tf.Tensor, logits: tf.Tensor, lengths: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [examples, steps, depth] = logits.shape as number[];
    // A padding step's label may be any number: -1 makes a zero row.
    const oneHot = tf.oneHot(labels.toInt(), depth);
    const weights = tf.reshape(sequenceMask(lengths, steps), [examples, steps]);
    return tf.losses.softmaxCrossEntropy(oneHot, logits, weights) as tf.Scalar;
  });
}

/** Whether a model's logits give a class per time step (RNN_ALL_ACTIVATIONS). */
export function labelsPerStep(model: tf.LayersModel): boolean {
  return model.outputs[0].shape.length === 3;
}

function modelInputs(model: tf.LayersModel, batch: Batch): tf.Tensor[] {
  if (model.inputs.length === 2) {
    if (batch.lengths === undefined) {
      throw new TrialFailure(
          'the model takes sequence lengths but the provider gave none');
    }
    return [batch.features, batch.lengths];
  }
  return [batch.features];
}

/**
 * The optimizer hparams.optimizer names: fused into one pass per variable
 * on the backends where small ops are costly, TensorFlow.js' own elsewhere.
 */
export function trainingOptimizer(
    hparams: Hparams, variables: tf.Variable[]): TrainingOptimizer {
  const name = checkedOptimizerName(hparams);
  if (FUSED_BACKENDS.includes(tf.getBackend())) {
    return new FusedOptimizer(
        name as FusedOptimizerName, learningRateAt(hparams, 0), variables);
  }
  return tfjsTrainingOptimizer(hparams);
}

/**
 * TensorFlow.js' own optimizer hparams.optimizer names (what
 * trainingOptimizer gives where ops are cheap: the tensorflow backends).
 */
export function tfjsTrainingOptimizer(hparams: Hparams): TrainingOptimizer {
  const tfjs = makeOptimizer(hparams);
  return {
    applyGradients: (grads, clipNorm) => {
      if (clipNorm === undefined) {
        tfjs.applyGradients(grads);
        return;
      }
      // Tensors throughout: no wait for the device's answer.
      const clipped = tf.tidy(() => clipByGlobalNorm(grads, clipNorm));
      tfjs.applyGradients(clipped);
      tf.dispose(Object.values(clipped));
    },
    setLearningRate: (rate) => setLearningRate(tfjs, rate),
    dispose: () => disposeOptimizer(tfjs),
  };
}

/**
 * The model's own computation failed (a block whose output does not fit
 * what follows it, shapes no build step caught, a provider's loss): the
 * trial fails, and the search goes on with other architectures.
 */
export class ModelFailure extends TrialFailure {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFailure';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Runs fn, the model's computation on one batch; what it throws but the
 * search's own failures becomes a ModelFailure saying `what`. `cleanUp`
 * runs first on any error (the batch's tensors).
 */
function inModel<T>(what: string, cleanUp: () => void, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    cleanUp();
    dropLeftoverTape();
    // A fault of the wasm backend itself (its memory overrun by a batch
    // too large) leaves the backend unusable in this process: it stops the
    // search, whose binary says which flags to lower, rather than failing
    // one trial and training the next on a broken backend.
    if (e instanceof TrialFailure || e instanceof DataError ||
        e instanceof TrialInterrupted || e instanceof WASM_RUNTIME_ERROR) {
      throw e;
    }
    throw new ModelFailure(`${what}: ${(e as Error).message}`);
  }
}

/**
 * Throws when the model's output has another number of rows than the
 * batch has examples: a block reshaped across the batch dimension, which
 * TensorFlow.js would report later as shapes that do not broadcast.
 */
function checkBatchRows(logits: tf.Tensor, batch: Batch): void {
  const rows = logits.shape[0];
  const examples = batch.labels.shape[0];
  if (rows === examples) return;
  throw new Error(
      `the model's output has ${rows} rows for a batch of ${examples} ` +
      `examples (output shape [${logits.shape}]): a block changes the ` +
      'batch dimension, the first; a block may reshape the dimensions ' +
      'after it only (e.g. tf.layers.reshape, which keeps it)');
}

/** WebAssembly.RuntimeError (the node types here do not declare it). */
export const WASM_RUNTIME_ERROR = (globalThis as unknown as {
                                    WebAssembly: {RuntimeError: new () => Error},
                                  }).WebAssembly.RuntimeError;

/**
 * Disposes what a gradient computation that threw left on TensorFlow.js's
 * tape. Engine.gradients ends the tape's depth on an error but keeps the
 * tape, whose nodes hold the tensors saved for the backward pass; the next
 * gradient computation starts a new tape and those would stay in memory
 * for good (6 tensors for a two-layer model, measured). Reaches into the
 * engine's state, which tfjs-core 4.x names so; a version without it is
 * left alone.
 */
function dropLeftoverTape(): void {
  const state = (tf.engine() as unknown as {
    state?: {
      gradientDepth?: number,
      activeTape?: Array<{saved?: tf.Tensor[]}>|null,
    },
  }).state;
  if (state === undefined || state.gradientDepth !== 0 ||
      !Array.isArray(state.activeTape)) {
    return;
  }
  for (const node of state.activeTape) {
    for (const tensor of node.saved ?? []) tensor.dispose();
  }
  state.activeTape = null;
}

/** Trains `model` for `steps` steps; throws ModelFailure on a NaN loss. */
export async function trainModel(
    model: tf.LayersModel, args: TrainArgs): Promise<TrainResult> {
  const start = Date.now();
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = trainingOptimizer(args.hparams, variables);
  const lossFn = args.lossFn ?? softmaxCrossEntropy;
  // The default loss of sequence labelling skips padding steps, which
  // needs the batch's lengths; a provider's own loss takes labels and
  // logits as they are.
  const perStep = labelsPerStep(model) && args.lossFn === undefined;
  const clipNorm = args.hparams['gradient_max_norm'];
  const l2 = numberHparam(args.hparams, 'l2_regularization', 0);
  const syncEvery = Math.max(1, args.syncEvery ?? 25);
  const kernels = variables.filter((v) => /kernel|embeddings/.test(v.name));
  const iterator = args.batches[Symbol.asyncIterator]();
  const nextTrainingBatch = () => {
    const next = inProvider(
        'the data provider\'s training batches', () => iterator.next());
    // Awaited a step later; a stop meanwhile rejects it (inProvider), which
    // is then no unhandled rejection.
    next.catch(() => undefined);
    return next;
  };
  let finalLoss = NaN;
  /** The last step whose loss was read (finite): 0 before any. */
  let lastRead = 0;
  let lastRate = learningRateAt(args.hparams, 0, args.maxDecayTimes);
  // The next batch is asked for before this step computes, so that a
  // provider reading from disk has its read under way meanwhile.
  let pending: Promise<IteratorResult<Batch>>|undefined =
      args.steps > 0 ? nextTrainingBatch() : undefined;
  const yielder = new EventLoopYielder();
  // One scalar per step since the loss was last read: 0, or NaN when that
  // step's features held a NaN or an infinity. Read only when the loss is
  // not finite, to tell bad data (and its step) from a diverging model
  // without a host read per step (the data is checked in the first
  // batches only, provider_checks.ts). Two small kernels a step: bench/steps
  // on wasm, 200 steps, dnn 2.05-2.16 ms against 2.02-2.08 without, cnn and
  // rnn no different.
  const featureProbes: tf.Scalar[] = [];
  const releaseProbes = () => {
    featureProbes.forEach((probe) => probe.dispose());
    featureProbes.length = 0;
  };
  // The labels and lengths of the steps since the loss was last read, kept
  // (tf.clone: no copy) to check their values when it is read next: a
  // check reads them from the backend, which would wait for every step
  // (a device-to-host copy a step on a GPU). The first step's are checked
  // at once, so that bad data stops a search before it trains.
  const classIds = args.lossFn === undefined;
  const classes = classIds ? model.outputs[0].shape.at(-1) as number :
                             undefined;
  const perStepLabels = labelsPerStep(model);
  const kept: KeptValues[] = [];
  const releaseKept = () => {
    for (const k of kept) {
      k.labels.dispose();
      k.lengths?.dispose();
    }
    kept.length = 0;
  };
  const checkKept = () => {
    try {
      for (const k of kept) {
        try {
          checkKeptValues(k, classes, perStepLabels);
        } catch (e) {
          throw inBatch(e, 'training', `the batch of training step ${k.step}`);
        }
      }
    } finally {
      releaseKept();
    }
  };
  try {
    for (let step = 0; step < args.steps; step++) {
      await yielder.maybeYield();
      if (args.shouldStop?.()) throw new TrialInterrupted();
      const next = await pending!;
      pending = step + 1 < args.steps ? nextTrainingBatch() : undefined;
      if (next.done) {
        // The provider's, not the trial's: every trial would fail so.
        throw new DataError(
            `training data ran out at step ${step}: a data provider's ` +
            'training batches must repeat without end (its getInputFn ' +
            'for \'train\' loops over the data)');
      }
      const batch = next.value;
      checkBatchTensors(batch, 'training');
      try {
        checkBatch(model, batch, 'training', classIds, step === 0);
      } catch (e) {
        disposeBatch(batch);
        throw inBatch(e, 'training', `the batch of training step ${step + 1}`);
      }
      if (step > 0 && (classes !== undefined || batch.lengths != null)) {
        kept.push({
          step: step + 1,
          featuresShape: batch.features.shape,
          labels: tf.clone(batch.labels),
          ...(batch.lengths == null ? {} : {lengths: tf.clone(batch.lengths)}),
        });
      }
      const rate = learningRateAt(args.hparams, step, args.maxDecayTimes);
      if (rate !== lastRate) {
        optimizer.setLearningRate(rate);
        lastRate = rate;
      }
      if (batch.features.dtype === 'float32') {
        featureProbes.push(tf.tidy(
            () => tf.sum(tf.sub(batch.features, batch.features))));
      }
      const inputs = modelInputs(model, batch);
      const target = args.teacher === undefined ?
          undefined :
          tf.tidy(() => args.teacher!.target(inputs));
      const lossTensor = withKeptChecked(checkKept, () => inModel(
          `the model failed at training step ${step + 1}`, () => {
            target?.dispose();
            disposeBatch(batch);
          }, () => tf.tidy(() => {
        const {value, grads} = tf.variableGrads(
            () => differentiatingVariablesOnly(() => {
              // A model with several outputs (an ensemble training its
              // combined logits and its search tower's) sums their losses.
              const out = model.apply(inputs, {training: true});
              const outputs =
                  (Array.isArray(out) ? out : [out]) as tf.Tensor[];
              for (const logits of outputs) checkBatchRows(logits, batch);
              let loss = tf.addN(outputs.map(
                  (logits) => target === undefined ?
                      (perStep ? sequenceSoftmaxCrossEntropy(
                                     batch.labels, logits, batch.lengths!) :
                                 lossFn(batch.labels, logits)) :
                      args.teacher!.lossFn(batch.labels, logits, target))) as
                  tf.Scalar;
              if (l2 > 0 && kernels.length > 0) {
                const penalty =
                    tf.addN(kernels.map((k) => tf.sum(tf.square(k))));
                loss = tf.add(loss, tf.mul(l2, penalty)) as tf.Scalar;
              }
              return loss;
            }), variables);
        optimizer.applyGradients(
            grads,
            typeof clipNorm === 'number' && clipNorm > 0 ? clipNorm :
                                                            undefined);
        return value;
      })));
      target?.dispose();
      disposeBatch(batch);
      const last = step === args.steps - 1;
      if (last || (step + 1) % syncEvery === 0 ||
          (args.recordEvery !== undefined &&
           (step + 1) % args.recordEvery === 0)) {
        finalLoss = (await lossTensor.data())[0];
        lossTensor.dispose();
        // Read once the loss has been (the steps are done by then), and
        // before it is judged: a loss bad data made is no fault of the
        // model's.
        checkKept();
        if (!Number.isFinite(finalLoss)) {
          throwOnNonFiniteFeatures(featureProbes, step + 1);
          // Only the steps whose loss is read are seen: it may have turned
          // at any step since the last one read.
          // The features were finite (above): the model made it, and
          // the trial's blocks are named with it (ModelFailure).
          throw new ModelFailure(`training loss became ${finalLoss} ${
              step + 1 - lastRead === 1 ? `at step ${step + 1}` :
                                          `between steps ${lastRead + 1} and ${
                                              step + 1} (the losses of the ` +
                      'steps before the last are not read, to keep training ' +
                      'fast)'}`);
        }
        lastRead = step + 1;
        releaseProbes();
        args.onLoss?.(step + 1, finalLoss);
      } else {
        lossTensor.dispose();
      }
    }
  } finally {
    // A batch made ahead for a step that never ran is released here.
    const unused = await pending?.catch(() => undefined);
    if (unused !== undefined && !unused.done) disposeBatch(unused.value);
    await closeIterator(iterator);
    optimizer.dispose();
    releaseProbes();
    releaseKept();
  }
  return {steps: args.steps, finalLoss, seconds: (Date.now() - start) / 1000,
          yieldedSeconds: yielder.seconds};
}

/**
 * Runs a training step, `step`; when the model fails, the kept labels and
 * lengths are checked first (`checkKept`): bad ones, rather than the
 * model, may be why, and are then what is said.
 */
function withKeptChecked<T>(checkKept: () => void, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof ModelFailure) checkKept();
    throw e;
  }
}

/** Labels and lengths of a training step, kept for checkKeptValues. */
declare interface KeptValues {
  /** The training step, from 1. */
  step: number;
  featuresShape: number[];
  labels: tf.Tensor;
  lengths?: tf.Tensor;
}

/**
 * The value checks of checkBatch (its `values`) on what a step kept: the
 * lengths in [1, time steps], the labels class ids in [0, classes) (up to
 * each sequence's length for labels per step).
 */
function checkKeptValues(
    kept: KeptValues, classes: number|undefined, perStep: boolean): void {
  // Shapes were checked as the step ran: only values are read here.
  const batch = {
    features: {shape: kept.featuresShape},
    labels: kept.labels,
    ...(kept.lengths === undefined ? {} : {lengths: kept.lengths}),
  } as unknown as Batch;
  if (kept.lengths !== undefined) {
    checkLengths(batch, 'training', perStep ? 'RNN_ALL_ACTIVATIONS' :
                                              'RNN_LAST_ACTIVATIONS');
  }
  if (classes === undefined) return;
  if (perStep) {
    checkStepLabels(batch, 'training', classes);
  } else {
    checkLabelValues(batch, 'training', classes);
  }
}

/**
 * Throws a DataError naming the first training step, among the last
 * `probes.length` up to `lastStep`, whose features held a NaN or an
 * infinity (see featureProbes in trainModel); returns if none did.
 */
function throwOnNonFiniteFeatures(probes: tf.Scalar[], lastStep: number):
    void {
  const bad = probes.findIndex((probe) => !Number.isFinite(probe.dataSync()[0]));
  if (bad < 0) return;
  // Every step has its probe: a provider's features keep their dtype.
  const step = lastStep - probes.length + 1 + bad;
  throw new DataError(
      `the training data gives a feature that is NaN or infinite in the ` +
      `batch of training step ${step}: models ` +
      'train on finite numbers only; fill in or drop such values in the ' +
      'data provider');
}

/** Scales gradients so that their global L2 norm is at most `maxNorm`. */
/**
 * `grads` scaled so that their global norm is at most `maxNorm`
 * (TensorFlow's clip_by_global_norm), as tensors: all NaN for a norm
 * that is not finite, as there (and as clippingScale).
 */
export function clipByGlobalNorm(
    grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  const names = Object.keys(grads);
  const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
  const scale = tf.where(tf.isFinite(norm),
                         tf.div(maxNorm, tf.maximum(norm, maxNorm)),
                         tf.scalar(NaN));
  const out: tf.NamedTensorMap = {};
  for (const n of names) out[n] = tf.mul(grads[n], scale);
  return out;
}

/**
 * `e`, a DataError of checkBatch about `split` data, saying which batch
 * (`which`): the first batches were checked before the search, so this
 * one came later, and the example number alone does not find it.
 */
function inBatch(e: unknown, split: 'training'|'evaluation', which: string):
    unknown {
  const start = `the ${split} data gives `;
  if (!(e instanceof DataError) || !e.message.startsWith(start)) return e;
  return new DataError(
      `the ${split} data, in ${which}, gives ${e.message.slice(start.length)}`);
}

/**
 * Throws a DataError, naming what is wrong, when a batch of `split` data
 * does not fit `model`: features whose example shape is not the model's
 * input shape (the provider's inputSchema()), or, with `classIds`, labels
 * that are not one class id in [0, classes) per example. Softmax
 * cross-entropy would otherwise take an id out of range as a target of
 * all zeros, and train and evaluate on nothing for it, silently.
 */
export function checkBatch(
    model: tf.LayersModel, batch: Batch, split: 'training'|'evaluation',
    classIds: boolean, values = true): void {
  const output = model.outputs[0].shape;
  // Lengths by their values too: one number per example to copy, and a
  // length beyond the time steps would read or score padding.
  const perStep = labelsPerStep(model);
  checkBatchFits(batch, split, model.inputs[0].shape.slice(1),
                 classIds ? output[output.length - 1]! : undefined,
                 model.inputs.length === 2 || perStep ||
                     batch.lengths !== undefined,
                 perStep, values);
}

/**
 * Throws a DataError naming the first example whose features hold NaN or
 * an infinity: every trial would train to a loss of NaN and fail. Read on
 * the first batches only (oss_trainer.ts), as a read copies the batch.
 */
/**
 * For a sequence's feature `offset` (within its example) after the
 * example's length, words saying so; '' otherwise.
 */
function inPadding(batch: Batch, example: number, offset: number): string {
  const lengths = (batch as Partial<Batch>).lengths;
  if (batch.features.rank !== 3 || lengths == null ||
      typeof lengths.dataSync !== 'function' || lengths.isDisposed ||
      lengths.size !== batch.features.shape[0]) {
    return '';
  }
  const step = Math.floor(offset / batch.features.shape[2]!);
  const length = lengths.dataSync()[example];
  return step >= length ?
      `, at step ${step + 1}, after its length ${
          length}: padding must be finite numbers too, 0 say` :
      '';
}

export function checkFeaturesFinite(
    batch: Batch, split: 'training'|'evaluation'): void {
  if (batch.features.dtype !== 'float32') return;
  const values = batch.features.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const perExample = values.length / batch.features.shape[0];
      const example = Math.floor(i / perExample);
      throw new DataError(
          `the ${split} data gives a feature of ${values[i]} (example ${
              example + 1} of a batch of ${batch.features.shape[0]}${
              inPadding(batch, example, i % perExample)}): models train ` +
          'on finite numbers only; fill in or drop such values in the ' +
          'data provider');
    }
  }
}

/**
 * Throws a DataError unless a batch holds live tensors: a provider that
 * yields plain arrays, or yields one batch again after the search disposed
 * it (every batch is disposed after its step), is named, not left to fail
 * in TensorFlow.js.
 */
export function checkBatchTensors(
    batch: Batch, split: 'training'|'evaluation'): void {
  const given = batch as unknown;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new DataError(
        `the ${split} data gives a batch that is ${
            given === null || given === undefined ? String(given) :
            Array.isArray(given) ? 'an array' : `a ${typeof given}`}: yield ` +
        '{features: tf.Tensor, labels: tf.Tensor1D} objects');
  }
  const parts: Array<[string, unknown]> = [
    ['features', (batch as Partial<Batch>|undefined)?.features],
    ['labels', (batch as Partial<Batch>|undefined)?.labels],
  ];
  for (const [name, value] of parts) {
    const tensor = value as Partial<tf.Tensor>|undefined;
    if (tensor === null || typeof tensor !== 'object' ||
        typeof tensor.dispose !== 'function' || !Array.isArray(tensor.shape)) {
      throw new DataError(
          `the ${split} data gives a batch whose ${name} is not a tensor (${
              value === null ? 'null' :
              Array.isArray(value) ? 'an array' : typeof value}): yield ` +
          '{features: tf.Tensor, labels: tf.Tensor1D} batches');
    }
    if (tensor.isDisposed) {
      throw new DataError(
          `the ${split} data gives a batch whose ${name} tensor is ` +
          'disposed: the search disposes each batch once used, so yield ' +
          'new tensors for every batch (not one kept and yielded again)');
    }
  }
}

/**
 * Throws a DataError for features or labels that are not numbers (strings
 * would fail deep in TensorFlow.js); the caller disposes the batch.
 */
function checkBatchDtypes(batch: Batch, split: 'training'|'evaluation'):
    void {
  for (const [name, tensor] of [['features', batch.features],
                                ['labels', batch.labels]] as const) {
    if (tensor.dtype === 'string' || tensor.dtype === 'complex64') {
      throw new DataError(
          `the ${split} data gives ${name} of dtype ${tensor.dtype}: ${
              name === 'features' ?
                  'give numbers (float32; encode text or categories as ' +
                      'numbers in the data provider)' :
                  'give class ids (int32)'}`);
    }
  }
}

/**
 * checkBatch against an example shape, unless undefined a number of
 * classes, and with `sequences` the lengths an RNN problem type's model
 * takes (their shape and values): what the search checks of a provider's
 * first batches before anything is written
 * (oss_trainer.ts). `perStep`: labels are a class id per time step
 * (RNN_ALL_ACTIVATIONS), checked up to each sequence's length.
 */
export function checkBatchFits(
    batch: Batch, split: 'training'|'evaluation',
    expected: Array<number|null>, classes: number|undefined,
    sequences = false, perStep = false, values = true): void {
  checkBatchTensors(batch, split);
  checkBatchDtypes(batch, split);
  if (batch.features.shape[0] === 0) {
    throw new DataError(
        `the ${split} data gives a batch of 0 examples (features of shape [${
            batch.features.shape}]): give batches of at least one example`);
  }
  if (sequences) {
    checkLengths(batch, split,
                 perStep ? 'RNN_ALL_ACTIVATIONS' : 'RNN_LAST_ACTIVATIONS',
                 values);
  }
  const got = batch.features.shape.slice(1);
  if (got.length !== expected.length ||
      got.some((size, i) => expected[i] !== null && size !== expected[i])) {
    throw new DataError(
        `the ${split} data gives features of shape [${
            batch.features.shape}], but the model takes examples of shape [${
            expected}] (the data provider's inputSchema()): make the two ` +
        'agree');
  }
  if (classes === undefined) return;
  if (perStep) {
    checkStepLabels(batch, split, classes, values);
    return;
  }
  const examples = batch.features.shape[0];
  if (batch.labels.rank !== 1 || batch.labels.shape[0] !== examples) {
    const [, steps] = batch.features.shape;
    const perStep = batch.features.rank === 3 && batch.labels.rank === 2 &&
        batch.labels.shape[0] === examples && batch.labels.shape[1] === steps;
    throw new DataError(
        `the ${split} data gives labels of shape [${
            batch.labels.shape}] for ${examples} examples: give one class ` +
        `id per example, a tensor of shape [${examples}] (not one-hot)${
            perStep ? '; for a class per time step, use a spec of ' +
                    'problem_type RNN_ALL_ACTIVATIONS (' +
                    'model_search/configs/rnn_all_config.pbtxt)' :
                    ''}`);
  }
  if (values) checkLabelValues(batch, split, classes);
}

/**
 * ", not a whole number" for a label such as 1.5, which lies among the
 * class ids of two classes: the range alone did not say what was wrong.
 */
function notWhole(label: number): string {
  return Number.isFinite(label) && !Number.isInteger(label) ?
      ', not a whole number' :
      '';
}

/** "whole numbers from 0 to n - 1": what a label may be. */
function wholeNumbersIn(classes: number): string {
  return classes === 1 ? 'the whole number 0' :
                         `whole numbers from 0 to ${classes - 1}`;
}

/**
 * Throws a DataError unless every label of a batch (of one label an
 * example, its shape checked) is a class id in [0, classes): read from
 * the backend, which waits for it.
 */
function checkLabelValues(
    batch: Batch, split: 'training'|'evaluation', classes: number): void {
  const examples = batch.labels.shape[0];
  const ids = batch.labels.dataSync();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(Number.isInteger(id) && id >= 0 && id < classes)) {
      throw new DataError(
          `the ${split} data gives label ${id} (example ${i + 1} of a ` +
          `batch of ${examples})${notWhole(id)}; labels are class ids, ${
              wholeNumbersIn(classes)}, ${classes} being the data ` +
          'provider\'s numberOfClasses(): fix the labels or the number of ' +
          'classes');
    }
  }
}

/**
 * Throws a DataError unless the labels of a batch of sequences are a class
 * id in [0, classes) for every step before the sequence's length (steps
 * after it are padding: any number).
 */
function checkStepLabels(
    batch: Batch, split: 'training'|'evaluation', classes: number,
    values = true): void {
  const [examples, steps] = batch.features.shape as number[];
  if (batch.labels.rank !== 2 || batch.labels.shape[0] !== examples ||
      batch.labels.shape[1] !== steps) {
    throw new DataError(
        `the ${split} data gives labels of shape [${
            batch.labels.shape}] for ${examples} sequences of ${
            steps} steps, but the spec's problem type RNN_ALL_ACTIVATIONS ` +
        'takes a class id per step: give labels of shape ' +
        `[${examples}, ${steps}] (for one label per sequence use ` +
        'RNN_LAST_ACTIVATIONS)');
  }
  if (!values) return;
  const ids = batch.labels.dataSync();
  const lengths = batch.lengths!.dataSync();
  for (let i = 0; i < examples; i++) {
    for (let t = 0; t < Math.min(lengths[i], steps); t++) {
      const id = ids[i * steps + t];
      if (!(Number.isInteger(id) && id >= 0 && id < classes)) {
        throw new DataError(
            `the ${split} data gives label ${id} at step ${t + 1} of ` +
            `example ${i + 1} (of length ${lengths[i]}) of a batch of ${
                examples}${notWhole(id)}; labels are class ids, ${
                wholeNumbersIn(classes)}, ${
                classes} being the data provider's numberOfClasses(), up ` +
            'to each sequence\'s length: fix the labels or the number of ' +
            'classes');
      }
    }
  }
}

/**
 * Throws a DataError unless a batch of sequences gives the length of each:
 * an int32 tensor of shape [batch] or [batch, 1], each length in [1, the
 * number of time steps].
 */
function checkLengths(
    batch: Batch, split: 'training'|'evaluation', problemType: string,
    values = true): void {
  const examples = batch.features.shape[0];
  const steps = batch.features.shape[1];
  const shape = `[${examples}] or [${examples}, 1]`;
  const lengths = (batch as Partial<Batch>).lengths as Partial<tf.Tensor>|
      undefined;
  if (Array.isArray(lengths) || ArrayBuffer.isView(lengths)) {
    throw new DataError(
        `the ${split} data gives lengths as a JavaScript array, not a ` +
        `tensor: make them one, tf.tensor1d(lengths, 'int32') (shape ${
            shape})`);
  }
  if (lengths != null && typeof lengths.dispose === 'function' &&
      lengths.isDisposed) {
    throw new DataError(
        `the ${split} data gives lengths already disposed: yield a new ` +
        'lengths tensor with every batch, never one kept and yielded again');
  }
  if (lengths === undefined || lengths === null ||
      typeof lengths.dispose !== 'function') {
    throw new DataError(
        `the ${split} data gives batches without lengths, but the spec's ` +
        `problem type (${problemType}) takes sequences: give each batch ` +
        '`lengths`, ' +
        `the time steps of each example as an int32 tensor of shape ${
            shape}`);
  }
  const got = lengths.shape!;
  if (!(got[0] === examples && (got.length === 1 ||
                                (got.length === 2 && got[1] === 1)))) {
    throw new DataError(
        `the ${split} data gives lengths of shape [${got}] for ${
            examples} examples: give one length per example, shape ${shape}`);
  }
  if (!values) return;
  const read = (lengths as tf.Tensor).dataSync();
  for (let i = 0; i < read.length; i++) {
    if (!(Number.isInteger(read[i]) && read[i] >= 1 &&
          (steps === undefined || read[i] <= steps))) {
      throw new DataError(
          `the ${split} data gives length ${read[i]} (example ${
              i + 1}); lengths are whole numbers of time steps in [1, ${
              steps}]`);
    }
  }
}

/** `batches`, with what the provider's iterator throws named. */
async function* fromProvider(batches: AsyncIterable<Batch>, split: string):
    AsyncGenerator<Batch> {
  const iterator = batches[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await inProvider(
          `the data provider's ${split} batches`, () => iterator.next());
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Left early (enough batches): the provider closes its source.
    await closeIterator(iterator);
  }
}

/**
 * Lets a provider's iterator close its source. Not called once the search
 * stopped waiting for the provider: a generator stuck in next() would
 * hold return() behind it for ever.
 */
async function closeIterator(iterator: AsyncIterator<Batch>): Promise<void> {
  await inProvider('closing the data provider\'s batches',
                   () => iterator.return?.())
      .catch((e) => {
        // The search stopped waiting for the provider: nothing to close.
        if (!(e instanceof TrialInterrupted ||
              e instanceof ProviderNeverAnswered)) {
          throw e;
        }
      });
}

function disposeBatch(batch: Batch): void {
  batch.features.dispose();
  batch.labels.dispose();
  batch.lengths?.dispose();
}

export declare interface EvalResult {
  metrics: Record<string, number>;
  /** Predicted class per evaluated example, in order. */
  predictions: Int32Array;
  /** Class probabilities per evaluated example, one flat row each. */
  probabilities: ProbabilityMatrix;
  /** Class id per evaluated example. */
  labels: Int32Array;
  /** Time the loop let other work run (EventLoopYielder). */
  yieldedSeconds: number;
}

/**
 * Evaluates for at most `steps` batches (all of one pass when steps <= 0).
 * Metrics: loss, accuracy, auc_roc, auc_pr, precision, recall. A model
 * of a class per time step (RNN_ALL_ACTIVATIONS) is scored on every step
 * before its sequence's length, each an example.
 *
 * The exact AUCs need every example's scores: they are kept in flat typed
 * arrays, a few tens of bytes per example while the AUCs sort (a whole
 * pass over 6.6 million rows of 2 classes peaked at 459 MiB resident,
 * bench/csv_large --eval_steps=0).
 * TODO: memory independent of the evaluation set's size, e.g. AUCs from
 * score buckets as tf.keras.metrics.AUC computes them.
 */
/** Evaluation batches read, with no cap, before a line says so. */
export const LONG_EVALUATION_BATCHES = 10_000;

export async function evaluateModel(
    model: tf.LayersModel, batches: AsyncIterable<Batch>, steps: number,
    numClasses: number, lossFn: LossFn = softmaxCrossEntropy,
    shouldStop?: () => boolean,
    warn?: (line: string) => void): Promise<EvalResult> {
  const labelChunks: Int32Array[] = [];
  const probabilityChunks: Float32Array[] = [];
  const perStep = labelsPerStep(model) && lossFn === softmaxCrossEntropy;
  let classes = numClasses;
  let lossSum = 0;
  let count = 0;
  let taken = 0;
  const yielder = new EventLoopYielder();
  for await (const batch of fromProvider(batches, 'evaluation')) {
    checkBatchTensors(batch, 'evaluation');
    await yielder.maybeYield();
    if (shouldStop?.()) {
      disposeBatch(batch);
      throw new TrialInterrupted();
    }
    if (steps > 0 && taken >= steps) {
      disposeBatch(batch);
      break;
    }
    taken++;
    if (steps <= 0 && taken === LONG_EVALUATION_BATCHES) {
      // An 'eval' input that never ends would go on until memory runs out.
      warn?.(`evaluation has read ${taken} batches so far; if the data ` +
             'provider\'s \'eval\' input never ends, set ' +
             '--phoenix_eval_steps (a long one ends on its own)');
    }
    try {
      checkBatch(model, batch, 'evaluation', lossFn === softmaxCrossEntropy);
    } catch (e) {
      disposeBatch(batch);
      throw inBatch(e, 'evaluation', `evaluation batch ${taken}`);
    }
    const [lossTensor, probs] = inModel(
        `the model failed at evaluation batch ${taken}`,
        () => disposeBatch(batch), () => tf.tidy(() => {
          const logits = model.apply(
              modelInputs(model, batch), {training: false}) as tf.Tensor;
          checkBatchRows(logits, batch);
          return [perStep ? sequenceSoftmaxCrossEntropy(
                                batch.labels, logits, batch.lengths!) :
                            lossFn(batch.labels, logits),
                  tf.softmax(logits)];
        }));
    classes = probs.shape[probs.shape.length - 1] as number;
    let probabilityRows: Float32Array = Float32Array.from(await probs.data());
    let labelRows: Int32Array = Int32Array.from(await batch.labels.data());
    if (labelsPerStep(model)) {
      // Every step before a sequence's length is an example.
      [probabilityRows, labelRows] = validSteps(
          probabilityRows, labelRows, await batch.lengths!.data(),
          probs.shape[1] as number, classes);
    }
    const n = labelRows.length;
    const batchLoss = (await lossTensor.data())[0];
    if (!Number.isFinite(batchLoss)) {
      // Named here, while the batch is at hand: an input that is not a
      // finite number (a value beyond float32 once standardized, say),
      // else the model's own doing.
      lossTensor.dispose();
      probs.dispose();
      try {
        checkFeaturesFinite(batch, 'evaluation');
      } catch (e) {
        throw inBatch(e, 'evaluation', `evaluation batch ${taken}`);
      } finally {
        disposeBatch(batch);
      }
      // The model made it (ModelFailure: the trial's blocks are named).
      throw new ModelFailure(`evaluation loss is ${batchLoss} at evaluation ` +
                             `batch ${taken}, whose inputs are finite numbers`);
    }
    lossSum += batchLoss * n;
    count += n;
    probabilityChunks.push(probabilityRows);
    labelChunks.push(labelRows);
    lossTensor.dispose();
    probs.dispose();
    disposeBatch(batch);
  }
  if (count === 0) {
    throw new DataError(
        'evaluation data is empty: the data provider\'s getInputFn for ' +
        '\'eval\' yielded no batch');
  }
  const labels = concat(labelChunks, Int32Array);
  const probabilities = {
    values: concat(probabilityChunks, Float32Array),
    classes,
  };
  // Checked first: the metrics of probabilities that are not numbers
  // would be none either.
  const loss = lossSum / count;
  if (!Number.isFinite(loss)) {
    throw new ModelFailure(`evaluation loss is ${loss}`);
  }
  const metrics = evaluationMetrics(labels, probabilities, numClasses);
  metrics['loss'] = loss;
  return {metrics, predictions: argmaxRows(probabilities), probabilities,
          labels, yieldedSeconds: yielder.seconds};
}

/**
 * The rows of the steps before each sequence's length, of per-step class
 * probabilities [examples, steps, classes] and labels [examples, steps].
 */
function validSteps(
    probabilities: Float32Array, labels: Int32Array,
    lengths: ArrayLike<number>, steps: number,
    classes: number): [Float32Array, Int32Array] {
  let valid = 0;
  for (let i = 0; i < lengths.length; i++) {
    valid += Math.min(lengths[i], steps);
  }
  const rows = new Float32Array(valid * classes);
  const ids = new Int32Array(valid);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    for (let t = 0; t < Math.min(lengths[i], steps); t++, at++) {
      const step = i * steps + t;
      rows.set(probabilities.subarray(step * classes, (step + 1) * classes),
               at * classes);
      ids[at] = labels[step];
    }
  }
  return [rows, ids];
}

/** The chunks end to end in one typed array. */
function concat<T extends Int32Array|Float32Array>(
    chunks: T[], type: {new(length: number): T}): T {
  const out = new type(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

export function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) {
    if (values[i] > values[best]) best = i;
  }
  return best;
}
