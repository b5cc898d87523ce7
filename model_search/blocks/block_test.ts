/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Builds every registered block for every problem type it serves, checks
 * the block's output shape against block.py's rules and trains one step.
 *
 * Backend: MS_TEST_BACKEND (default wasm). On wasm the gradient kernels
 * that tfjs-backend-wasm lacks come from model_search/backend/wasm_kernels.
 * Only if that module is absent (or MS_TEST_WASM_KERNELS=skip leaves it
 * unloaded) do the blocks that need them (the convolutions) train on cpu
 * instead; the summary line printed at the end says what ran where.
 */

import * as assert from 'node:assert/strict';

import {buildLogits, buildTowerSpec} from '../architecture/architecture_utils';
import {tf} from '../backend/tf';

import {blockClass, BlockClass, listBlocks, ProblemTypeName} from './index';
import {Conv1DBlock, ConvolutionBlock, DilatedConvolutionBlock, DownsampleConvolutionBlock, DownsampleFlattenBlock, DualResnetBlock, FixedChannelConvolutionBlock, GeneralBlock, IncreaseChannelsBlock, ResnetBlock} from './index';

// The only place the wasm backend package is loaded outside backend/.
require('@tensorflow/tfjs-backend-wasm');

/** Kernels the conv blocks' gradients need that wasm 4.22 lacks. */
const CONV_GRADIENT_KERNELS = ['Conv2DBackpropFilter'];

/** Blocks whose training runs a Conv2D (or Conv1D) gradient. */
const CONVOLUTION_CLASSES: readonly BlockClass[] = [
  FixedChannelConvolutionBlock, ConvolutionBlock, IncreaseChannelsBlock,
  DownsampleConvolutionBlock, ResnetBlock, DualResnetBlock,
  DilatedConvolutionBlock, GeneralBlock, DownsampleFlattenBlock, Conv1DBlock,
];

/** Loads the wasm gradient kernels if that module exists. */
function loadWasmKernels(): boolean {
  const modulePath = '../backend/wasm_kernels';
  let module: {registerWasmTrainingKernels?: () => string[]};
  try {
    // A computed path: the module may not exist yet while it is written.
    module = require(modulePath);
  } catch (e) {
    if ((e as {code?: string}).code === 'MODULE_NOT_FOUND') return false;
    throw e;
  }
  if (typeof module.registerWasmTrainingKernels !== 'function') return false;
  module.registerWasmTrainingKernels();
  return true;
}

const PREFERRED = process.env['MS_TEST_BACKEND'] ?? 'wasm';
const KERNELS_LOADED = PREFERRED === 'wasm' &&
    process.env['MS_TEST_WASM_KERNELS'] !== 'skip' && loadWasmKernels();

function backendFor(name: string): string {
  if (PREFERRED !== 'wasm' || KERNELS_LOADED) return PREFERRED;
  const missing = CONV_GRADIENT_KERNELS.some(
      (kernel) => tf.getKernel(kernel, 'wasm') === undefined);
  return missing && CONVOLUTION_CLASSES.includes(blockClass(name)) ? 'cpu' :
                                                                    'wasm';
}

const BATCH = 2;
const CLASSES = 3;
/**
 * Inputs per problem type (without the batch). 15 channels give the
 * GENERAL_BLOCK 3 filters per branch: with 1, a branch whose ReLUs all
 * start negative would get no gradient.
 */
const INPUT_SHAPES: Record<ProblemTypeName, number[]> = {
  CNN: [8, 8, 15],
  DNN: [12],
  RNN_ALL_ACTIVATIONS: [4, 3],
  RNN_LAST_ACTIVATIONS: [4, 3],
};
const LENGTHS = [4, 2];
const TUNABLE_HPARAMS = {
  TUNABLE_SVDF_output_size: 50,
  TUNABLE_SVDF_memory_size: 4,
  TUNABLE_SVDF_rank: 2,
  TUNABLE_SVDF_projection_size: 8,
};

/** Numbers in a lookup name, e.g. SVDF_CONV_576_8_1_64 -> [576, 8, 1, 64]. */
function numbersIn(name: string): number[] {
  return (name.replace(/CONV1D/, 'CONV').match(/\d+/g) ?? []).map(Number);
}

/**
 * The output shape (without batch) block.py gives each block for the test
 * input, written from its rules independently of the implementation.
 */
function expectedShape(name: string, input: number[]): number[] {
  const [h, w, c] = input;
  const n = numbersIn(name);
  const flat = input.reduce((a, b) => a * b, 1);
  const poolOut = (size: number) =>
      w < size ? input : [Math.ceil(h / size), Math.ceil(w / size), c];
  const fcWidth = Math.max(Math.min(100, flat), 2);
  const rules: Array<[RegExp, () => number[]]> = [
    [/^FIXED_CHANNEL_STRIDE_96_2$/, () => [h / 2, w / 2, 96]],
    [/^FIXED_CHANNEL_CONVOLUTION_/, () => [h, w, n[0]]],
    [/^(CONVOLUTION|RESNET|DILATED_CONVOLUTION)_|^DUAL_RESNET$/, () => input],
    [/^INCREASE_CHANNELS_/, () => [h, w, 2 * c]],
    [/^DOWNSAMPLE_CONVOLUTION_/, () => [h / 2, w / 2, 2 * c]],
    [/^AVERAGE_POOL_|^MAX_POOLING_/, () => poolOut(n[0])],
    [/^GENERAL_BLOCK$/, () => c < 6 ? input : [h, w, 5 * Math.floor(c / 5)]],
    [/^FLATTEN$/, () => [flat]],
    [/^DOWNSAMPLE_FLATTEN$/, () => {
      let [hh, ww, cc] = input;
      while (Math.min(hh, ww) >= 2 && cc <= 300) {
        [hh, ww, cc] = [Math.ceil(hh / 2), Math.ceil(ww / 2), 2 * cc];
      }
      return [hh * ww * cc];
    }],
    [/^PLATE_REDUCTION_FLATTEN$/, () => input.length === 1 ? input : [c]],
    [/^FULLY_CONNECTED_RESIDUAL_CONCAT/, () => [flat + fcWidth]],
    [/^FULLY_CONNECTED(_RESIDUAL_.*)?$/, () => [fcWidth]],
    [/^FULLY_CONNECTED_PYRAMID$/,
     () => [Math.min(100, Math.max(Math.floor(flat / 2), 2))]],
    [/^LOWRANK_|^BOTTLENECK_/, () => [flat]],
    [/^FIXED_OUTPUT_FULLY_CONNECTED_/, () => [n[0]]],
    [/^IDENTITY$/, () => input],
    [/^(SKIP_)?(RNN_CELL|LSTM|RECURRENT_DENSE|CONV1D)_/,
     () => [input[0], n[0]]],
    [/^(SKIP_)?BI_LSTM_/, () => [input[0], 2 * n[0]]],
    [/^SVDF_(CELL|CONV)_/, () => [input[0], n[3] ?? n[0]]],
    [/^TUNABLE_SVDF$/,
     () => [input[0], TUNABLE_HPARAMS.TUNABLE_SVDF_projection_size]],
  ];
  for (const [pattern, shape] of rules) {
    if (pattern.test(name)) return shape();
  }
  throw new Error(`no expected-shape rule for ${name}; add one`);
}

/** Fixed pseudo-random data on the current backend. */
function feed(problemType: ProblemTypeName) {
  const shape = [BATCH, ...INPUT_SHAPES[problemType]];
  const features = tf.randomNormal(shape, 0, 1, 'float32', 7);
  const lengths = tf.tensor2d(LENGTHS, [BATCH, 1], 'int32');
  const labelShape = problemType === 'RNN_ALL_ACTIVATIONS' ?
      [BATCH, INPUT_SHAPES[problemType][0]] :
      [BATCH];
  const size = labelShape.reduce((a, b) => a * b, 1);
  const ids = tf.tensor(
      Array.from({length: size}, (_, i) => i % CLASSES), labelShape, 'int32');
  const labels = tf.oneHot(ids, CLASSES);
  ids.dispose();
  return {features, lengths, labels};
}

const ranOn = new Map<string, string[]>();

after(() => {
  const summary = [...ranOn].map(
      ([backend, cases]) => `${backend}: ${cases.length} cases`);
  console.log(
      `      backends (MS_TEST_BACKEND=${PREFERRED}, wasm kernels ` +
      `${KERNELS_LOADED ? 'loaded' : 'not loaded'}): ${summary.join('; ')}` +
      (ranOn.has('cpu') && PREFERRED === 'wasm' ?
           `; on cpu: ${ranOn.get('cpu')!.join(', ')}` :
           ''));
});

describe('Block', () => {
  const blocks = listBlocks();
  for (const {name, problemTypes} of blocks) {
    for (const problemType of problemTypes) {
      it(`${name} builds and trains one step (${problemType})`, async () => {
        const backend = backendFor(name);
        await tf.setBackend(backend);
        await tf.ready();
        const cases = ranOn.get(backend) ?? [];
        cases.push(`${name}/${problemType}`);
        ranOn.set(backend, cases);
        const tensorsBefore = tf.memory().numTensors;

        await trainOneStep(name, problemType);

        // A search builds hundreds of models in one process.
        assert.equal(tf.memory().numTensors, tensorsBefore,
                     'tensors left behind once the model is disposed');
      });
    }
  }
});

describe('sequence blocks and padding', () => {
  // Sequence 1 is 2 steps long: steps 2 and 3 are padding.
  const padded = (value: number) => tf.tidy(() => {
    const [steps, width] = INPUT_SHAPES.RNN_ALL_ACTIVATIONS;
    const valid = tf.randomNormal([BATCH, steps, width], 0, 1, 'float32', 11);
    const mask = tf.tensor3d(
        LENGTHS.map((n) => Array.from(
            {length: steps}, (_, t) => Array(width).fill(t < n ? 1 : 0))),
        [BATCH, steps, width]);
    return tf.add(tf.mul(valid, mask), tf.mul(tf.sub(1, mask), value));
  });

  const sequenceBlocks = listBlocks().filter(
      ({problemTypes}) => problemTypes.includes('RNN_ALL_ACTIVATIONS'));
  for (const {name} of sequenceBlocks) {
    it(`${name}: the padding's values do not reach a valid step`,
       async () => {
         await tf.setBackend(backendFor(name));
         const steps = INPUT_SHAPES.RNN_ALL_ACTIVATIONS;
         const input = tf.input({shape: steps, name: 'features'});
         const lengthsInput =
             tf.input({shape: [1], name: 'lengths', dtype: 'int32'});
         const prefix = `pad_${name}`;
         const tower = buildTowerSpec(input, [name], {
           problemType: 'RNN_ALL_ACTIVATIONS', isTraining: false,
           lengths: lengthsInput, hparams: TUNABLE_HPARAMS,
           namePrefix: prefix,
         });
         const logits =
             buildLogits(tower.output, CLASSES, `${prefix}/logits`);
         const model =
             tf.model({inputs: [input, lengthsInput], outputs: logits});
         const lengths = tf.tensor2d(LENGTHS, [BATCH, 1], 'int32');
         try {
           const outputs = [0, -7.5, 1e3].map((value) => tf.tidy(() => {
             const x = padded(value);
             return (model.predict([x, lengths]) as tf.Tensor).arraySync() as
                 number[][][];
           }));
           for (let b = 0; b < BATCH; b++) {
             for (let t = 0; t < LENGTHS[b]; t++) {
               for (const other of outputs.slice(1)) {
                 other[b][t].forEach((v, k) => assert.ok(
                     Math.abs(v - outputs[0][b][t][k]) <= 1e-4,
                     `sequence ${b}, step ${t}: ${v} with other padding, ` +
                         `${outputs[0][b][t][k]} with zeros`));
               }
             }
           }
         } finally {
           lengths.dispose();
           model.dispose();
         }
       });
  }
});

async function trainOneStep(
    name: string, problemType: ProblemTypeName): Promise<void> {
  const isRnn = problemType.startsWith('RNN');
  const inputShape = INPUT_SHAPES[problemType];
  const input = tf.input({shape: inputShape, name: 'features'});
  const lengthsInput =
      isRnn ? tf.input({shape: [1], name: 'lengths', dtype: 'int32'}) :
              undefined;
  const tower = buildTowerSpec(input, [name], {
    problemType,
    isTraining: true,
    lengths: lengthsInput,
    hparams: TUNABLE_HPARAMS,
    namePrefix: `t_${name}_${problemType}`,
  });
  const blockOutput = tower.layerTensors[tower.layerTensors.length - 1];
  assert.deepEqual(
      blockOutput.shape, [null, ...expectedShape(name, inputShape)],
      `${name} output shape`);
  const logits = buildLogits(
      tower.output, CLASSES, `t_${name}_${problemType}/logits`);
  const inputs = lengthsInput ? [input, lengthsInput] : [input];
  const model = tf.model({inputs, outputs: logits});
  const {features, lengths, labels} = feed(problemType);
  try {
    const weights = model.trainableWeights;
    assert.ok(weights.length > 0, 'the model has trainable weights');
    const before = weights.map((w) => w.read().dataSync().slice());
    const optimizer = tf.train.sgd(0.1);
    const cost = optimizer.minimize(() => {
      const out = model.apply(
          lengthsInput ? [features, lengths] : features,
          {training: true}) as tf.Tensor;
      assert.deepEqual(out.shape, [BATCH, ...labels.shape.slice(1)]);
      return tf.losses.softmaxCrossEntropy(labels, out) as tf.Scalar;
    }, true, weights.map((w) => w.read() as tf.Variable));
    const loss = (await cost!.data())[0];
    cost!.dispose();
    optimizer.dispose();
    assert.ok(Number.isFinite(loss), `loss ${loss} is finite`);
    const unchanged = weights.filter((w, i) => {
      const now = w.read().dataSync();
      return now.every((v, j) => v === before[i][j]);
    });
    assert.deepEqual(unchanged.map((w) => w.name), [], 'weights changed');
  } finally {
    tf.dispose([features, lengths, labels]);
    model.dispose();
  }
}
