/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import {strict as assert} from 'node:assert';

import {NotImplementedError} from '../errors';
import {Random} from '../random';

import {selectBackend} from './select_backend';
import {updateInPlace} from './tensor_storage';
import {tf} from './tf';
import {registerWasmTrainingKernels, WASM_REPLACED_KERNELS, WASM_TRAINING_KERNELS} from './wasm_kernels';
import {simplifyTranspose, tiles, TILED_MIN_ROWS, TILED_READ_STRIDE} from './wasm_layout_kernels';
import {leadingAxesReduced} from './wasm_reduce_kernels';
import {reverseInWasmMemory} from './wasm_reverse_kernel';

type Pad = tf.Conv2DAttrs['pad'];
type Shape4 = [number, number, number, number];

/** Data of one tensor, kept off any backend so each backend builds its own. */
interface Data {
  values: Float32Array|Int32Array;
  shape: number[];
  dtype: 'float32'|'int32';
}

const random = new Random(20260101);

function uniform(shape: number[]): Data {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from(
      {length: size}, () => random.uniformRange(-1, 1));
  return {values, shape, dtype: 'float32'};
}

function ints(values: number[]): Data {
  return {
    values: Int32Array.from(values),
    shape: [values.length],
    dtype: 'int32',
  };
}

/**
 * Makes, on each call, a tensor of `shape` and `dtype` holding the same
 * random values (int32: up to +-1e6, bool: about half true).
 */
function randomOfDtype(shape: number[], dtype: 'float32'|'int32'|'bool'):
    () => tf.Tensor {
  const {values} = uniform(shape);
  const typed = dtype === 'float32' ? values :
      dtype === 'int32' ? Int32Array.from(values, (v) => Math.round(v * 1e6)) :
                          Uint8Array.from(values, (v) => Number(v > 0));
  return () => tf.tensor(typed, shape, dtype);
}

function toTensor(data: Data): tf.Tensor {
  return tf.tensor(data.values, data.shape, data.dtype);
}

/** The result of running `fn` on `backend`, read back as plain data. */
interface Result {
  shape: number[];
  values: Float32Array|Int32Array|Uint8Array;
}

/**
 * Runs `fn` on `backend` and returns its output; asserts that the run left
 * no tensor and no data buffer behind.
 */
async function runOn(
    backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const before = tf.memory();
  const outputs = tf.tidy(fn);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const results = list.map(t => ({shape: t.shape, values: t.dataSync()}));
  tf.dispose(list);
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors, `${backend} leaked`);
  assert.equal(
      after.numDataBuffers, before.numDataBuffers, `${backend} leaked data`);
  return results;
}

/**
 * Asserts the wasm memory still holds what is written into it: a kernel
 * that wrote outside its output shows up in the allocations after it
 * ("memory access out of bounds", or values not kept).
 */
async function assertWasmMemoryWhole(): Promise<void> {
  await tf.setBackend('wasm');
  for (let round = 0; round < 3; round++) {
    const tensors = Array.from({length: 50}, (_, i) => tf.fill([1000 + i], i));
    tensors.forEach((t, i) => assert.equal(t.dataSync()[999], i));
    tf.dispose(tensors);
  }
}

/** Asserts `op` gives on wasm exactly the shape and values it gives on cpu. */
async function assertSameAsCpu(label: string, op: () => tf.Tensor):
    Promise<void> {
  const [actual] = await runOn('wasm', op);
  const [expected] = await runOn('cpu', op);
  assert.deepEqual(actual.shape, expected.shape, label);
  assert.deepEqual(Array.from(actual.values), Array.from(expected.values),
                   label);
}

/**
 * Asserts equal shapes and values within `rtol` of the largest magnitude
 * of `expected` (element-wise relative error is meaningless near zero).
 */
function assertClose(
    actual: Result[], expected: Result[], label: string, rtol = 1e-4): void {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < actual.length; i++) {
    assert.deepEqual(actual[i].shape, expected[i].shape, `${label}: shape`);
    let scale = 0;
    let worst = 0;
    for (let j = 0; j < expected[i].values.length; j++) {
      scale = Math.max(scale, Math.abs(expected[i].values[j]));
      worst = Math.max(
          worst, Math.abs(actual[i].values[j] - expected[i].values[j]));
    }
    assert.ok(
        worst <= rtol * Math.max(scale, 1e-6),
        `${label}: output ${i} differs by ${worst} (scale ${scale})`);
  }
}

/** runKernel on wasm against the same call on cpu. */
async function compareKernel(
    label: string, kernel: string, inputs: Record<string, Data>,
    attrs: tf.NamedAttrMap,
    reference?: (inputs: Record<string, tf.Tensor>) => tf.Tensor):
    Promise<void> {
  const build = () => {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, data] of Object.entries(inputs)) {
      tensors[name] = toTensor(data);
    }
    return tensors;
  };
  const expected = await runOn('cpu', () => {
    const tensors = build();
    return reference === undefined ?
        tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor :
        reference(tensors);
  });
  const actual = await runOn(
      'wasm',
      () => tf.engine().runKernel(kernel, build(), attrs) as tf.Tensor);
  assertClose(actual, expected, label);
}

/** Inserts d - 1 zeros between the taps of a [h, w, in, out] filter. */
function dilateFilter(filter: tf.Tensor, dilation: number): tf.Tensor4D {
  const [h, w, cin, cout] = filter.shape;
  const spaced = tf.pad(
      tf.reshape(filter, [h, 1, w, 1, cin, cout]),
      [[0, 0], [0, dilation - 1], [0, 0], [0, dilation - 1], [0, 0], [0, 0]]);
  const full =
      tf.reshape(spaced, [h * dilation, w * dilation, cin, cout]) as
      tf.Tensor4D;
  return tf.slice(
      full, [0, 0, 0, 0],
      [(h - 1) * dilation + 1, (w - 1) * dilation + 1, -1, -1]);
}

/** Values -1, -2, ...: distinct, all negative, one apart, shuffled. */
function negatives(shape: number[]): Data {
  const size = shape.reduce((a, b) => a * b, 1);
  const order = random.shuffle(Array.from({length: size}, (_, i) => -1 - i));
  return {values: Float32Array.from(order), shape, dtype: 'float32'};
}

/** Integers in [-2, 2]: many ties inside every window. */
function smallInts(shape: number[]): Data {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({length: size}, () => random.int(5) - 2);
  return {values, shape, dtype: 'float32'};
}

/**
 * The gradients of sum(f(inputs) * weights) with respect to every input,
 * on wasm against cpu, with random weights of f's output shape.
 */
async function compareGradients(
    label: string, f: (...xs: tf.Tensor[]) => tf.Tensor,
    inputs: Data[]): Promise<void> {
  await tf.setBackend('cpu');
  const outShape = tf.tidy(() => f(...inputs.map(toTensor)).shape);
  const weights = uniform(outShape);
  const grads = () => tf.grads(
      (...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), toTensor(weights))))(
      inputs.map(toTensor));
  assertClose(await runOn('wasm', grads), await runOn('cpu', grads), label);
}

describe('registerWasmTrainingKernels', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  it('leaves no gradient kernel of cpu missing on wasm', () => {
    const wasm = new Set(
        tf.getKernelsForBackend('wasm').map(k => k.kernelName));
    const gradients = tf.getKernelsForBackend('cpu')
                          .map(k => k.kernelName)
                          .filter(name => /Grad|Backprop/.test(name));

    assert.ok(gradients.length >= 16, `${gradients}`);
    assert.deepEqual(
        [...gradients, tf.UnsortedSegmentSum].filter(n => !wasm.has(n)), []);
  });

  it('is idempotent', () => {
    const names = [...WASM_TRAINING_KERNELS, ...WASM_REPLACED_KERNELS];
    const kernelFuncs = () =>
        names.map(name => tf.getKernel(name, 'wasm')?.kernelFunc);
    const kernels = kernelFuncs();

    assert.deepEqual(registerWasmTrainingKernels(), []);

    assert.deepEqual(kernelFuncs(), kernels);
    assert.ok(kernels.every(k => k !== undefined));
  });
});

describe('Conv2DBackprop', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  const rows: Array<{
    name: string,
    x: Shape4,
    filter: Shape4,
    strides: number|[number, number],
    pad: Pad,
    dataFormat?: 'NHWC'|'NCHW',
    dimRoundingMode?: 'floor'|'round'|'ceil',
  }> = [
    {name: 'same, stride 1', x: [2, 9, 7, 3], filter: [3, 3, 3, 4],
     strides: 1, pad: 'same'},
    {name: 'same, stride 2, odd sizes', x: [3, 9, 7, 3],
     filter: [3, 3, 3, 5], strides: 2, pad: 'same'},
    {name: 'valid, stride 2 not dividing the size', x: [2, 8, 6, 2],
     filter: [3, 3, 2, 5], strides: 2, pad: 'valid'},
    {name: 'valid, strides [2, 3], 2x3 filter', x: [1, 7, 10, 3],
     filter: [2, 3, 3, 2], strides: [2, 3], pad: 'valid'},
    {name: 'numeric padding, 5x5 filter', x: [2, 6, 6, 2],
     filter: [5, 5, 2, 3], strides: 2, pad: 1},
    {name: 'numeric padding with ceil rounding', x: [1, 8, 8, 1],
     filter: [3, 3, 1, 2], strides: 2, pad: 0, dimRoundingMode: 'ceil'},
    {name: 'explicit padding, 1x1 filter', x: [1, 5, 4, 2],
     filter: [1, 1, 2, 3], strides: 1,
     pad: [[0, 0], [2, 0], [0, 1], [0, 0]]},
    {name: 'filter larger than the input', x: [2, 4, 4, 3],
     filter: [5, 5, 3, 2], strides: 1, pad: 'same'},
    {name: 'NCHW, same, stride 2', x: [2, 3, 7, 6], filter: [3, 3, 3, 4],
     strides: 2, pad: 'same', dataFormat: 'NCHW'},
    {name: 'valid, stride 1, 2x3 filter', x: [3, 7, 8, 2],
     filter: [2, 3, 2, 4], strides: 1, pad: 'valid'},
    {name: 'NCHW, same, stride 1', x: [2, 3, 6, 5], filter: [3, 3, 3, 2],
     strides: 1, pad: 'same', dataFormat: 'NCHW'},
    {name: 'numeric padding 2, stride 1, 3x3 filter', x: [2, 5, 6, 3],
     filter: [3, 3, 3, 2], strides: 1, pad: 2},
    {name: 'explicit lopsided padding, stride 1, 3x3 filter',
     x: [2, 6, 5, 2], filter: [3, 3, 2, 3], strides: 1,
     pad: [[0, 0], [0, 2], [1, 0], [0, 0]]},
    {name: 'same, stride 1, even 4x4 filter', x: [2, 8, 8, 2],
     filter: [4, 4, 2, 3], strides: 1, pad: 'same'},
    // Strided: by phases, some of which have no tap of the filter.
    {name: 'same, stride 2, [1, 3] filter', x: [2, 8, 9, 3],
     filter: [1, 3, 3, 4], strides: 2, pad: 'same'},
    {name: 'valid, stride 3, 2x2 filter', x: [2, 10, 8, 2],
     filter: [2, 2, 2, 3], strides: 3, pad: 'valid'},
    {name: 'same, stride 2, even 4x4 filter', x: [2, 9, 8, 2],
     filter: [4, 4, 2, 3], strides: 2, pad: 'same'},
    {name: 'same, strides [1, 2]', x: [2, 7, 9, 2],
     filter: [3, 3, 2, 3], strides: [1, 2], pad: 'same'},
    {name: 'taps that read only padding', x: [1, 1, 1, 2],
     filter: [1, 1, 2, 3], strides: 3,
     pad: [[0, 0], [2, 0], [2, 0], [0, 0]]},
  ];
  for (const row of rows) {
    const dataFormat = row.dataFormat ?? 'NHWC';
    const info = tf.backend_util.computeConv2DInfo(
        row.x, row.filter, row.strides, 1, row.pad, row.dimRoundingMode,
        false, dataFormat === 'NHWC' ? 'channelsLast' : 'channelsFirst');
    const attrs = {
      strides: row.strides,
      pad: row.pad,
      dataFormat,
      dimRoundingMode: row.dimRoundingMode ?? null,
    } as unknown as tf.NamedAttrMap;

    it(`filter gradient matches cpu: ${row.name}`, async () => {
      await compareKernel(
          row.name, tf.Conv2DBackpropFilter,
          {x: uniform(row.x), dy: uniform(info.outShape)},
          {...attrs, filterShape: row.filter});
    });

    it(`input gradient matches cpu: ${row.name}`, async () => {
      await compareKernel(
          row.name, tf.Conv2DBackpropInput,
          {dy: uniform(info.outShape), filter: uniform(row.filter)},
          {...attrs, inputShape: row.x});
    });
  }

  it('gives tf.grad of conv2d the gradients cpu gives', async () => {
    const x = uniform([4, 11, 9, 3]);
    const filter = uniform([3, 3, 3, 6]);
    const weights = uniform([4, 6, 5, 6]);
    const grads = () => tf.grads(
        (a, b) => tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2,
                                   'same'),
                         toTensor(weights)).sum())(
        [toTensor(x), toTensor(filter)]);

    assertClose(await runOn('wasm', grads), await runOn('cpu', grads),
                'conv2d gradients');
  });
});

describe('DepthwiseConv2dNativeBackprop', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  const rows: Array<{
    name: string,
    x: Shape4,
    filter: Shape4,
    strides: number|[number, number],
    dilations: number,
    pad: Pad,
  }> = [
    {name: 'same, stride 1', x: [2, 9, 7, 3], filter: [3, 3, 3, 1],
     strides: 1, dilations: 1, pad: 'same'},
    {name: 'same, stride 2, multiplier 2, odd sizes', x: [3, 9, 7, 3],
     filter: [3, 3, 3, 2], strides: 2, dilations: 1, pad: 'same'},
    {name: 'valid, strides [2, 3], multiplier 3', x: [2, 8, 10, 2],
     filter: [2, 3, 2, 3], strides: [2, 3], dilations: 1, pad: 'valid'},
    {name: 'numeric padding, 5x5 filter', x: [1, 6, 6, 4],
     filter: [5, 5, 4, 1], strides: 2, dilations: 1, pad: 1},
    {name: 'explicit padding', x: [2, 5, 6, 2], filter: [3, 3, 2, 2],
     strides: 1, dilations: 1, pad: [[0, 0], [2, 0], [0, 1], [0, 0]]},
    {name: 'dilation 2, same', x: [2, 9, 7, 3], filter: [3, 3, 3, 1],
     strides: 1, dilations: 2, pad: 'same'},
    {name: 'dilation 2, valid, multiplier 2', x: [1, 9, 8, 2],
     filter: [3, 2, 2, 2], strides: 1, dilations: 2, pad: 'valid'},
    {name: 'stride 2 and dilation 2', x: [2, 10, 9, 2],
     filter: [3, 3, 2, 2], strides: 2, dilations: 2, pad: 'same'},
    {name: '1x1 filter, stride 2', x: [2, 5, 5, 3], filter: [1, 1, 3, 2],
     strides: 2, dilations: 1, pad: 'valid'},
  ];
  for (const row of rows) {
    const info = tf.backend_util.computeConv2DInfo(
        row.x, row.filter, row.strides, row.dilations, row.pad, undefined,
        true);
    const attrs = {
      strides: row.strides,
      dilations: row.dilations,
      pad: row.pad,
    } as unknown as tf.NamedAttrMap;
    // The cpu kernels ignore `dilations` (tf.grad refuses dilated depthwise
    // convolutions, so nothing reaches them with one); the reference for a
    // dilated case is the cpu kernel on the filter with zeros spread in.
    const d = row.dilations;
    const bigFilter: Shape4 = [
      (row.filter[0] - 1) * d + 1, (row.filter[1] - 1) * d + 1,
      row.filter[2], row.filter[3],
    ];

    it(`filter gradient matches cpu: ${row.name}`, async () => {
      await compareKernel(
          row.name, tf.DepthwiseConv2dNativeBackpropFilter,
          {x: uniform(row.x), dy: uniform(info.outShape)},
          {...attrs, filterShape: row.filter},
          d === 1 ? undefined : ({x, dy}) => {
            const full = tf.engine().runKernel(
                tf.DepthwiseConv2dNativeBackpropFilter, {x, dy},
                {...attrs, dilations: 1, filterShape: bigFilter}) as
                tf.Tensor4D;
            return tf.stridedSlice(
                full, [0, 0, 0, 0], full.shape, [d, d, 1, 1]);
          });
    });

    it(`input gradient matches cpu: ${row.name}`, async () => {
      await compareKernel(
          row.name, tf.DepthwiseConv2dNativeBackpropInput,
          {dy: uniform(info.outShape), filter: uniform(row.filter)},
          {...attrs, inputShape: row.x},
          d === 1 ? undefined : ({dy, filter}) => tf.engine().runKernel(
              tf.DepthwiseConv2dNativeBackpropInput,
              {dy, filter: dilateFilter(filter, d)},
              {...attrs, dilations: 1, inputShape: row.x}) as tf.Tensor);
    });
  }

  it('gives tf.grad of depthwiseConv2d the gradients cpu gives', async () => {
    const x = uniform([3, 10, 9, 4]);
    const filter = uniform([3, 3, 4, 2]);
    const weights = uniform([3, 5, 5, 8]);
    const grads = () => tf.grads(
        (a, b) => tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D,
                                            b as tf.Tensor4D, 2, 'same'),
                         toTensor(weights)).sum())(
        [toTensor(x), toTensor(filter)]);

    assertClose(await runOn('wasm', grads), await runOn('cpu', grads),
                'depthwiseConv2d gradients');
  });
});

describe('UnsortedSegmentSum', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  const rows: Array<{name: string, x: number[], ids: number[],
                     numSegments: number}> = [
    {name: 'one-dimensional values, repeated ids', x: [7],
     ids: [2, 0, 2, 1, 2, 0, 1], numSegments: 3},
    {name: 'rows of a matrix, empty segments', x: [5, 4],
     ids: [4, 4, 0, 6, 4], numSegments: 8},
    {name: 'ids outside the segments are dropped', x: [8, 3, 2],
     ids: [-1, 1, 3, 0, 5, 3, -7, 2], numSegments: 4},
  ];
  for (const row of rows) {
    it(`matches cpu: ${row.name}`, async () => {
      await compareKernel(
          row.name, tf.UnsortedSegmentSum,
          {x: uniform(row.x), segmentIds: ints(row.ids)},
          {numSegments: row.numSegments});
    });
  }

  it('gives tf.grad of gather the gradient cpu gives', async () => {
    const table = uniform([10, 6]);
    const indices = ints([3, 1, 3, 9, 0, 3, 1, 7, 7, 2, 3, 5]);
    const weights = uniform([12, 6]);
    const grad = () => tf.grad(
        t => tf.mul(tf.gather(t, toTensor(indices)), toTensor(weights))
                 .sum())(toTensor(table));

    assertClose(await runOn('wasm', grad), await runOn('cpu', grad),
                'gather gradient');
  });

  it('rejects two-dimensional segment ids', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([2, 3]);
    const ids = tf.zeros([2, 3], 'int32');

    assert.throws(
        () => tf.engine().runKernel(
            tf.UnsortedSegmentSum, {x, segmentIds: ids}, {numSegments: 2}),
        /segmentIds of shape \[2,3\] must be one-dimensional/);
    tf.dispose([x, ids]);
  });
});

describe('MaxPoolGrad', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  const rows: Array<{name: string, x: Data, filter: number|[number, number],
                     strides: number|[number, number], pad: Pad}> = [
    {name: 'negative windows, 2x2 stride 2', x: negatives([2, 6, 6, 3]),
     filter: 2, strides: 2, pad: 'valid'},
    {name: 'negative windows, overlapping 3x3 stride 2',
     x: negatives([2, 9, 7, 2]), filter: 3, strides: 2, pad: 'valid'},
    {name: 'ties go to the first maximum', x: smallInts([2, 7, 7, 2]),
     filter: 3, strides: 1, pad: 'same'},
    {name: 'same padding, odd size, strides [2, 1]',
     x: uniform([3, 7, 5, 2]), filter: [2, 3], strides: [2, 1],
     pad: 'same'},
    {name: 'explicit padding', x: uniform([1, 5, 6, 2]), filter: 3,
     strides: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]]},
    // Windows that tile the input: copied by a transpose.
    {name: 'tiling 3x3 stride 3, same (padded on both sides)',
     x: negatives([2, 16, 16, 3]), filter: 3, strides: 3, pad: 'same'},
    {name: 'tiling [2, 3] stride [2, 3], valid, a remainder left',
     x: uniform([2, 7, 8, 2]), filter: [2, 3], strides: [2, 3],
     pad: 'valid'},
    {name: 'tiling, ties go to the first maximum', x: smallInts([2, 6, 6, 2]),
     filter: 2, strides: 2, pad: 'valid'},
  ];
  for (const row of rows) {
    it(`matches cpu: ${row.name}`, async () => {
      await compareGradients(
          row.name,
          x => tf.maxPool(x as tf.Tensor4D, row.filter, row.strides, row.pad),
          [row.x]);
    });
  }

  it('routes to an infinite maximum in overlapping windows', async () => {
    // The one-hot convolution that copied windows made 0 * Infinity NaN.
    const x: Data = {values: Float32Array.from([1, Infinity, 3, -Infinity,
                                                -5, 0.5]),
                     shape: [1, 1, 6, 1], dtype: 'float32'};
    await compareGradients(
        'infinities', (t) => tf.maxPool(t as tf.Tensor4D, [1, 2], 1, 'valid'),
        [x]);
  });

  it('equals finite differences on negative windows', async () => {
    // Values one apart: a step of 0.25 never changes which one is largest.
    const x = negatives([1, 5, 5, 2]);
    const weights = uniform([1, 2, 2, 2]);
    const loss = (t: tf.Tensor) => tf.sum(tf.mul(
        tf.maxPool(t as tf.Tensor4D, 3, 2, 'valid'), toTensor(weights)));
    await tf.setBackend('wasm');
    const numeric = Float32Array.from(x.values, (_, i) => {
      const shifted = (delta: number) => {
        const values = Float32Array.from(x.values);
        values[i] += delta;
        return tf.tidy(() => loss(toTensor({...x, values})).dataSync()[0]);
      };
      return (shifted(0.25) - shifted(-0.25)) / 0.5;
    });

    const [analytic] = await runOn('wasm', () => tf.grad(loss)(toTensor(x)));

    assertClose(
        [analytic], [{shape: x.shape, values: numeric}], 'finite differences');
  });
});

describe('MaxPool3D and MaxPool3DGrad', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  const rows: Array<{name: string, x: Data, filter: number,
                     strides: number, pad: 'valid'|'same'}> = [
    {name: 'negative windows, 2x2x2 stride 2', x: negatives([2, 4, 4, 4, 2]),
     filter: 2, strides: 2, pad: 'valid'},
    {name: 'overlapping windows, same padding, odd sizes',
     x: uniform([2, 5, 3, 5, 2]), filter: 3, strides: 2, pad: 'same'},
    {name: 'ties', x: smallInts([1, 4, 5, 4, 3]), filter: 2, strides: 1,
     pad: 'valid'},
  ];
  for (const row of rows) {
    const pool = (x: tf.Tensor) =>
        tf.maxPool3d(x as tf.Tensor5D, row.filter, row.strides, row.pad);

    it(`pools as cpu does: ${row.name}`, async () => {
      assertClose(
          await runOn('wasm', () => pool(toTensor(row.x))),
          await runOn('cpu', () => pool(toTensor(row.x))), row.name);
    });

    it(`has the gradient cpu has: ${row.name}`, async () => {
      await compareGradients(row.name, pool, [row.x]);
    });
  }

  it('pools infinities and windows of -Infinity as cpu', async () => {
    await assertSameAsCpu('infinities', () => tf.maxPool3d(
        tf.tensor5d([1, Infinity, 3, -Infinity, 5, 2, 2, 2], [1, 2, 2, 2, 1]),
        [2, 1, 1], 1, 'valid'));
    // 'same' pads with windows of no real entry but -Infinity.
    await assertSameAsCpu('all -Infinity', () => tf.maxPool3d(
        tf.fill([1, 4, 4, 4, 1], -Infinity) as tf.Tensor5D, 3, 3, 'same'));
  });

  it('gives an empty output for a window larger than the input', async () => {
    await assertSameAsCpu('larger window', () => tf.maxPool3d(
        tf.ones([1, 1, 1, 1, 1]) as tf.Tensor5D, 2, 2, 'valid'));
  });
});

describe('Conv3DBackprop', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  const rows: Array<{name: string, x: number[], filter: number[],
                     strides: number|[number, number, number],
                     pad: 'valid'|'same'}> = [
    {name: '1x1x1 filter', x: [2, 3, 3, 3, 2], filter: [1, 1, 1, 2, 3],
     strides: 1, pad: 'valid'},
    {name: 'same, stride 1', x: [2, 4, 5, 4, 2], filter: [3, 3, 3, 2, 3],
     strides: 1, pad: 'same'},
    {name: 'same, stride 2, odd sizes', x: [1, 5, 6, 5, 3],
     filter: [3, 2, 3, 3, 2], strides: 2, pad: 'same'},
    {name: 'valid, strides [2, 1, 3] not dividing the size',
     x: [2, 6, 5, 7, 2], filter: [2, 2, 2, 2, 2], strides: [2, 1, 3],
     pad: 'valid'},
  ];
  for (const row of rows) {
    it(`gradients match cpu: ${row.name}`, async () => {
      await compareGradients(
          row.name,
          (x, f) => tf.conv3d(
              x as tf.Tensor5D, f as tf.Tensor5D, row.strides, row.pad),
          [uniform(row.x), uniform(row.filter)]);
    });
  }
});

describe('OneHot', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  const rows: Array<{name: string, dtype: 'int32'|'float32', on: number,
                     off: number}> = [
    {name: 'int32', dtype: 'int32', on: 1, off: 0},
    {name: 'float32', dtype: 'float32', on: 1, off: 0},
    {name: 'float32 with smoothed labels', dtype: 'float32', on: 0.9,
     off: 0.025},
  ];
  for (const row of rows) {
    it(`matches cpu: ${row.name}`, async () => {
      const ids = ints([3, 0, 1, 4, 4, -1, 2]);
      const encode = () =>
          tf.oneHot(toTensor(ids), 5, row.on, row.off, row.dtype);

      const actual = await runOn('wasm', encode);

      assertClose(actual, await runOn('cpu', encode), row.name);
    });
  }
});

describe('Reverse', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  // Runs long enough to copy whole, runs of one element, every dtype.
  const rows: Array<{shape: number[], axes: number[]}> = [
    {shape: [3, 3, 16, 8], axes: [0, 1]},
    {shape: [8, 3, 3, 16], axes: [1, 2]},
    {shape: [2, 3, 4], axes: [2]},
    {shape: [2, 3, 4], axes: [0, 2]},
    {shape: [5], axes: [0]},
    {shape: [4, 6], axes: []},
    {shape: [3, 0, 2], axes: [0]},
    {shape: [2, 1, 3, 40], axes: [0, 1, 2]},
  ];
  for (const row of rows) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      it(`matches cpu: ${dtype} [${row.shape}] along [${row.axes}]`,
         async () => {
           const x = randomOfDtype(row.shape, dtype);
           const flip = () => tf.reverse(x(), row.axes);

           const actual = await runOn('wasm', flip);

           assertClose(actual, await runOn('cpu', flip), dtype, 0);
         });
    }
  }

  it('reverses in a memory of 2 GiB and more', () => {
    // The pages are not touched but for the two tensors at its top.
    const heap = new Uint8Array(2 ** 31 + 4096);
    const input = {}, output = {};
    const offsets = new Map([[input, 2 ** 31 + 16], [output, 2 ** 31 + 1024]]);
    const backend = {
      wasm: {HEAPU8: heap},
      dataIdMap: {get: (id: object) => ({memoryOffset: offsets.get(id)!})},
      makeOutput: (shape: number[], dtype: tf.DataType) =>
          ({dataId: output, shape, dtype}),
    };
    const values = new Int32Array(heap.buffer, 2 ** 31 + 16, 6);
    values.set([1, 2, 3, 4, 5, 6]);

    reverseInWasmMemory(
        backend, {dataId: input, shape: [2, 3], dtype: 'int32'}, [1]);

    assert.deepEqual([...new Int32Array(heap.buffer, 2 ** 31 + 1024, 6)],
                     [3, 2, 1, 6, 5, 4]);
  });

  it('refuses strings, as tf.reverse does', async () => {
    await tf.setBackend('wasm');
    const words = tf.tensor1d(['a', 'b'], 'string');
    assert.throws(
        () => tf.engine().runKernel(tf.Reverse, {x: words}, {dims: [0]}),
        /Reverse on wasm: dtype string is not supported/);
    words.dispose();
  });
});

describe('Identity, Cast and Transpose', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  it('simplifies a transpose to its fewest axes', () => {
    assert.deepEqual(simplifyTranspose([32, 16, 16, 64], [3, 1, 2, 0]),
                     {shape: [32, 256, 64], perm: [2, 1, 0]});
    assert.deepEqual(simplifyTranspose([1, 32, 16384], [0, 2, 1]),
                     {shape: [32, 16384], perm: [1, 0]});
    assert.deepEqual(simplifyTranspose([2, 3, 4], [1, 2, 0]),
                     {shape: [2, 12], perm: [1, 0]});
    assert.deepEqual(simplifyTranspose([1, 5, 1, 3], [2, 0, 1, 3]),
                     {shape: [5, 3], perm: [0, 1]});
    assert.deepEqual(simplifyTranspose([4, 1], [1, 0]),
                     {shape: [4], perm: [0]});
    assert.deepEqual(simplifyTranspose([], []), {shape: [], perm: []});
  });

  // Tiled ones (read stride >= TILED_READ_STRIDE, rows >= TILED_MIN_ROWS:
  // one matrix, matrices over an axis before, between and after, size-1
  // axes) and ones left to the native kernel.
  const rows: Array<{shape: number[], perm: number[], tiled: boolean}> = [
    {shape: [TILED_MIN_ROWS, TILED_READ_STRIDE], perm: [1, 0], tiled: true},
    {shape: [3, 17, TILED_READ_STRIDE + 5], perm: [0, 2, 1], tiled: true},
    {shape: [18, 3, 8200], perm: [2, 1, 0], tiled: true},
    {shape: [19, 1, 16390, 2], perm: [1, 3, 2, 0], tiled: true},
    {shape: [20, 2, 2, 8192], perm: [3, 1, 2, 0], tiled: true},
    {shape: [10, 16384], perm: [1, 0], tiled: false},
    {shape: [4, 6, 5], perm: [2, 0, 1], tiled: false},
    {shape: [3, 4, 5], perm: [1, 0, 2], tiled: false},
    // More axes than the native kernel runs well, simplified: copied here
    // by runs of the last axis, or in tiles.
    {shape: [2, 3, 4, 5, 6, 7], perm: [2, 3, 0, 4, 1, 5], tiled: false},
    {shape: [2, 3, 4, 5, 6, 7], perm: [5, 3, 1, 4, 2, 0], tiled: false},
    {shape: [2, 1, 3, 4, 5, 1, 6], perm: [3, 1, 0, 5, 4, 2, 6], tiled: false},
  ];
  for (const row of rows) {
    it(`knows which transposes it tiles: [${row.shape}] by [${row.perm}]`,
       () => {
         assert.equal(tiles(simplifyTranspose(row.shape, row.perm)),
                      row.tiled);
       });
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      it(`transposes as cpu: ${dtype} [${row.shape}] by [${row.perm}]`,
         async () => {
           const x = randomOfDtype(row.shape, dtype);
           const moved = () => tf.transpose(x(), row.perm);
           const actual = await runOn('wasm', moved);
           const expected = await runOn('cpu', moved);
           assert.deepEqual(actual[0].shape, expected[0].shape);
           const bytes = (v: Result['values']) =>
               Buffer.from(v.buffer, v.byteOffset, v.byteLength);
           assert.ok(bytes(actual[0].values).equals(bytes(expected[0].values)),
                     'values differ');
         });
    }
  }

  it('keeps every bit of float32 values, NaN payloads included', async () => {
    await tf.setBackend('wasm');
    const bits = Int32Array.from(
        {length: TILED_MIN_ROWS * TILED_READ_STRIDE},
        (_, i) => 0x7fa00000 + (i % 977));
    const x = tf.tensor(new Float32Array(bits.buffer),
                        [TILED_MIN_ROWS, TILED_READ_STRIDE]);
    const y = tf.transpose(x);
    const out = new Int32Array((y.dataSync() as Float32Array).buffer);
    for (const [r, c] of [[0, 0], [3, 9000], [15, TILED_READ_STRIDE - 1]]) {
      assert.equal(out[c * TILED_MIN_ROWS + r], bits[r * TILED_READ_STRIDE + c]);
    }
    tf.dispose([x, y]);
  });

  it('shares the storage of a transpose that keeps the layout', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1, 2, 3, 4, 5, 6], [1, 2, 1, 3]);
    const y = tf.transpose(x, [2, 0, 1, 3]);
    assert.strictEqual(y.dataId, x.dataId);
    assert.deepEqual(y.shape, [1, 1, 2, 3]);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6]);
    y.dispose();
  });

  it('clones without copying, and the clone outlives the original',
     async () => {
       await tf.setBackend('wasm');
       const buffers = tf.memory().numDataBuffers;
       const x = tf.tensor([1.5, -2, 3], [3]);
       const y = tf.clone(x);
       assert.strictEqual(y.dataId, x.dataId);
       assert.equal(tf.memory().numDataBuffers, buffers + 1);
       x.dispose();
       assert.deepEqual(Array.from(y.dataSync()), [1.5, -2, 3]);
       y.dispose();
       assert.equal(tf.memory().numDataBuffers, buffers);
     });

  it('casts to the same dtype without copying, and to another as cpu',
     async () => {
       await tf.setBackend('wasm');
       const x = tf.tensor([1.5, -2, 0, 3], [2, 2]);
       const same = tf.cast(x, 'float32');
       assert.strictEqual(same.dataId, x.dataId);
       assert.equal(updateInPlace(x, (v) => v.fill(0)), false);
       x.dispose();
       assert.deepEqual(Array.from(same.dataSync()), [1.5, -2, 0, 3]);
       same.dispose();
       // Native wasm got float32 and int32 to bool wrong (254 for -2).
       for (const [from, to] of [['float32', 'int32'], ['float32', 'bool'],
                                 ['int32', 'bool'], ['bool', 'float32'],
                                 ['int32', 'float32'], ['int32', 'int32'],
                                 ['bool', 'bool']] as
            Array<[tf.DataType, tf.DataType]>) {
         await assertSameAsCpu(`${from} to ${to}`, () => tf.cast(tf.cast(
             tf.tensor([1.5, -2.7, 0, 3, 0.25, NaN, -0], [7]), from), to));
       }
     });

  it('slices as cpu, every dtype, contiguous or not', async () => {
    const values = Array.from({length: 2 * 3 * 4 * 5}, (_, i) => (i % 7) - 3);
    const slices: Array<[string, (x: tf.Tensor) => tf.Tensor]> = [
      ['rows', (x) => tf.slice(x, [1, 0, 0, 0], [1, -1, -1, -1])],
      ['inner window', (x) => tf.slice(x, [0, 1, 1, 0], [2, 2, 3, 5])],
      ['last axis', (x) => tf.slice(x, [1, 2, 0, 3], [1, 1, 4, 2])],
      ['runs of 20', (x) => tf.slice(tf.reshape(x, [6, 20]), [1, 0], [4, 20])],
      ['runs of 18', (x) => tf.slice(tf.reshape(x, [6, 20]), [1, 1], [4, 18])],
      ['empty', (x) => tf.slice(x, [0, 0, 0, 0], [2, 0, 4, 5])],
    ];
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      for (const [label, cut] of slices) {
        await assertSameAsCpu(`${dtype} ${label}`,
                              () => cut(tf.tensor(values, [2, 3, 4, 5], dtype)));
      }
    }
  });

  it('slices with steps as cpu, every dtype', async () => {
    const values = [5, -5, 5, 3, 0, 7, -2, 9, 1, 4, 8, -6];
    const slices: Array<[string, (x: tf.Tensor) => tf.Tensor]> = [
      ['step 2', (x) => tf.stridedSlice(x, [1], [11], [2])],
      ['step -1', (x) => tf.stridedSlice(x, [10], [1], [-1])],
      ['2-D, steps 2 and -1',
       (x) => tf.stridedSlice(tf.reshape(x, [3, 4]), [0, 3], [3, 0], [2, -1])],
      ['a contiguous slice', (x) => tf.stridedSlice(x, [2], [7], [1])],
      ['4-D, masks, a step on the last axis',
       (x) => tf.stridedSlice(tf.reshape(x, [2, 3, 1, 2]), [1, 0, 0, 1],
                              [0, 3, 1, 0], [-1, 2, 1, -1], 0, 0b1001)],
      ['new and shrunk axes', (x) => tf.stridedSlice(
           tf.reshape(x, [3, 4]), [0, 1, 0], [3, 0, 4], [2, 1, 3], 0, 0, 0,
           0b010, 0)],
    ];
    for (const dtype of ['int32', 'bool', 'float32'] as const) {
      for (const [label, slice] of slices) {
        await assertSameAsCpu(`${dtype} ${label}`,
                              () => slice(tf.tensor(values, [12], dtype)));
      }
    }
  });

  it('moves, gathers and activates empty tensors as cpu', async () => {
    // Natively: a division by zero in the wasm code, or the wrong shape.
    await assertSameAsCpu('transpose', () => tf.transpose(
        tf.zeros([0, 4, 2, 5]), [0, 2, 3, 1]));
    await assertSameAsCpu('gather, batch dimensions', () => tf.gather(
        tf.zeros([2, 0, 4]), tf.tensor2d([[1, 2, 3], [0, 1, 2]], [2, 3],
                                         'int32'), 2, 1));
    await assertSameAsCpu('prelu', () => tf.prelu(tf.zeros([4, 0]),
                                                  tf.zeros([0])));
    await assertSameAsCpu('fused matMul, prelu', () => tf.fused.matMul({
      a: tf.ones([4, 3]), b: tf.ones([3, 0]), activation: 'prelu',
      preluActivationWeights: tf.ones([0]),
    }));
  });

  it('gathers with batch dimensions as cpu', async () => {
    const cases: Array<[string, number[], number[], number, number]> = [
      // [label, x shape, indices shape, axis, batchDims]
      ['axis 1', [3, 5], [3, 4], 1, 1],
      ['axis 2, slices', [2, 3, 4, 2], [2, 5], 2, 1],
      ['two batch axes', [2, 3, 4], [2, 3, 2], 2, 2],
    ];
    for (const dtype of ['float32', 'int32'] as const) {
      for (const [label, xShape, idShape, axis, batchDims] of cases) {
        const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
        const dim = xShape[axis];
        const op = () => tf.gather(
            tf.tensor(Array.from({length: size(xShape)}, (_, i) => i - 7),
                      xShape, dtype),
            tf.tensor(Array.from({length: size(idShape)},
                                 (_, i) => (i * 7 + 3) % dim),
                      idShape, 'int32'),
            axis, batchDims);
        await assertSameAsCpu(`${dtype} ${label}`, op);
      }
    }
  });

  it('leaves a clone alone when its original is updated in place',
     async () => {
       await tf.setBackend('wasm');
       const x = tf.tensor([1, 2, 3], [3]);
       const y = tf.clone(x);
       assert.equal(updateInPlace(x, (v) => v.fill(0)), false);
       y.dispose();
       assert.equal(updateInPlace(x, (v) => v.fill(7)), true);
       assert.deepEqual(Array.from(x.dataSync()), [7, 7, 7]);
       x.dispose();
     });
});

describe('Sum and Mean', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  it('tells a reduction over leading axes', () => {
    assert.equal(leadingAxesReduced([0, 1, 2], [32, 16, 16, 64]), 3);
    assert.equal(leadingAxesReduced([1, 0], [4, 5, 6]), 2);
    assert.equal(leadingAxesReduced([-3, -2], [4, 5, 6]), 2);
    assert.equal(leadingAxesReduced(0, [4, 5]), 1);
    assert.equal(leadingAxesReduced([1, 2], [4, 5, 6]), 0);
    assert.equal(leadingAxesReduced([0, 2], [4, 5, 6]), 0);
    assert.equal(leadingAxesReduced([0, 1], [4, 5]), 0);
    assert.equal(leadingAxesReduced([], [4, 5]), 0);
  });

  // Leading axes (column sums, some with a remainder of rows after the
  // passes of four), and others (the native kernels).
  const rows: Array<{shape: number[], axis: number|number[]}> = [
    {shape: [32, 16, 16, 64], axis: [0, 1, 2]},
    {shape: [8, 5, 5, 3], axis: [0, 1, 2]},
    {shape: [7, 3], axis: 0},
    {shape: [2, 3, 4], axis: [1, 0]},
    {shape: [2, 3, 4], axis: [-3]},
    {shape: [1, 6, 2], axis: [0]},
    {shape: [2, 3, 4], axis: [1, 2]},
    {shape: [2, 3, 4], axis: [0, 2]},
    {shape: [6, 4], axis: [0, 1]},
  ];
  for (const row of rows) {
    for (const kernel of [tf.Sum, tf.Mean]) {
      for (const keepDims of [false, true]) {
        it(`${kernel} matches cpu: [${row.shape}] over ${
               JSON.stringify(row.axis)}${keepDims ? ', dims kept' : ''}`,
           async () => {
             await compareKernel(kernel, kernel, {x: uniform(row.shape)},
                                 {axis: row.axis, keepDims});
           });
      }
    }
  }

  it('gives 0 for a sum or a mean over no elements, as cpu', async () => {
    // Natively: what the memory held.
    const cases: Array<[string, () => tf.Tensor]> = [
      ['sum, leading', () => tf.sum(tf.zeros([0, 4]), 0)],
      ['mean, leading', () => tf.mean(tf.zeros([0, 3]), 0)],
      ['mean, inner', () => tf.mean(tf.zeros([3, 0]), 1)],
      ['sum, inner, dims kept', () => tf.sum(tf.zeros([3, 0]), 1, true)],
      ['sum of int32', () => tf.sum(tf.zeros([3, 0], 'int32'), 1)],
      ['sum of int32, leading', () => tf.sum(tf.zeros([0, 3], 'int32'), 0)],
      ['sum of bool', () => tf.sum(tf.zeros([3, 0], 'bool'), 1)],
      ['mean of all', () => tf.mean(tf.zeros([2, 0, 3]))],
    ];
    for (const [label, op] of cases) await assertSameAsCpu(label, op);
  });

  it('sums int32 exactly, natively', async () => {
    await compareKernel('int32', tf.Sum, {x: ints([1, 2, 3, 4, 5, 6])},
                        {axis: 0, keepDims: false});
  });
});

describe('forward convolutions and poolings', () => {
  const ones4d = (shape: number[]) => tf.ones(shape).as4D(
      shape[0], shape[1], shape[2], shape[3]);

  before(async () => {
    await selectBackend('wasm', () => {});
  });

  it('give an empty output for a window larger than the input', async () => {
    // Natively these wrote outside their output or read what was there.
    const cases: Array<[string, () => tf.Tensor]> = [
      ['avgPool', () => tf.avgPool(ones4d([4, 3, 1, 4]), 2, 1, 'valid')],
      ['maxPool', () => tf.maxPool(ones4d([4, 3, 1, 4]), 2, 1, 'valid')],
      ['conv2d', () => tf.conv2d(ones4d([2, 4, 4, 3]),
                                 ones4d([5, 5, 3, 2]), 1, 'valid')],
      ['depthwiseConv2d', () => tf.depthwiseConv2d(
           ones4d([2, 4, 4, 3]), ones4d([5, 5, 3, 2]), 1, 'valid')],
      ['separableConv2d', () => tf.separableConv2d(
           ones4d([2, 4, 4, 3]), ones4d([5, 5, 3, 1]),
           ones4d([1, 1, 3, 2]), 1, 'valid')],
    ];
    for (const [name, op] of cases) {
      const [actual] = await runOn('wasm', op);
      const [expected] = await runOn('cpu', op);
      assert.deepEqual(actual.shape, expected.shape, name);
      assert.equal(actual.values.length, 0, name);
    }
    // The wasm memory is whole afterwards.
    await assertWasmMemoryWhole();
  });

  it('give the max-pooling gradients of one-element windows', async () => {
    await compareGradients(
        'maxPool 1x1', (x) => tf.maxPool(x as tf.Tensor4D, 1, 2, 'same'),
        [uniform([2, 7, 6, 3])]);
    await compareGradients(
        'maxPool3d 1x1x1',
        (x) => tf.maxPool3d(x as tf.Tensor5D, 1, 2, 'valid'),
        [uniform([1, 3, 4, 5, 2])]);
  });

  it('give the gradients cpu gives around empty outputs', async () => {
    await compareGradients(
        'avgPool', (x) => tf.avgPool(x as tf.Tensor4D, 2, 1, 'valid'),
        [uniform([4, 3, 1, 4])]);
    await compareGradients(
        'maxPool', (x) => tf.maxPool(x as tf.Tensor4D, 2, 1, 'valid'),
        [uniform([4, 3, 1, 4])]);
    await compareGradients(
        'conv2d', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1,
                                      'valid'),
        [uniform([2, 4, 4, 3]), uniform([5, 5, 3, 2])]);
  });

  it('size the output of a numeric pad by both axes\' windows and strides',
     async () => {
       // tfjs-core sized both axes by the height's window and stride (on
       // cpu too), and the native kernels wrote the true output past it.
       const explicit = (p: number): tf.Conv2DAttrs['pad'] =>
           [[0, 0], [p, p], [p, p], [0, 0]];
       const x = () => tf.tensor4d(
           Array.from({length: 2 * 7 * 6 * 3}, (_, i) => (i * 7) % 11 - 5),
           [2, 7, 6, 3]);
       const cases: Array<[string, () => tf.Tensor, () => tf.Tensor]> = [
         ['conv2d strides [2, 1]',
          () => tf.conv2d(x(), ones4d([3, 3, 3, 2]), [2, 1], 2),
          () => tf.conv2d(x(), ones4d([3, 3, 3, 2]), [2, 1], explicit(2))],
         ['conv2d [3, 1] filter',
          () => tf.conv2d(x(), ones4d([3, 1, 3, 2]), 1, 1),
          () => tf.conv2d(x(), ones4d([3, 1, 3, 2]), 1, explicit(1))],
         ['maxPool [3, 1]', () => tf.maxPool(x(), [3, 1], 1, 0),
          () => tf.maxPool(x(), [3, 1], 1, 'valid')],
         ['maxPool [3, 2] strides [1, 2], pad 1',
          () => tf.maxPool(x(), [3, 2], [1, 2], 1),
          () => tf.maxPool(x(), [3, 2], [1, 2], explicit(1) as 'valid')],
       ];
       for (const [label, numeric, reference] of cases) {
         const [actual] = await runOn('wasm', numeric);
         const [expected] = await runOn('cpu', reference);
         assert.deepEqual(actual.shape, expected.shape, label);
         assert.deepEqual(Array.from(actual.values),
                          Array.from(expected.values), label);
       }
       await tf.setBackend('wasm');
       assert.throws(
           () => tf.tidy(() => tf.avgPool(x(), [3, 2], [1, 2], 1)),
           /tf.avgPool on the wasm backend: a numeric pad \(1\) with a window or strides that differ between height and width \(window \[3,2\], strides \[1,2\]\) is sized wrongly by TensorFlow.js; use pad 'same' or 'valid', or --backend=cpu/);
       // The gradient through the numeric pad, on wasm, against the one
       // through the explicit padding it means, on cpu.
       const input = uniform([2, 7, 6, 3]);
       const weights = uniform([2, 7, 4, 3]);
       const grad = (pad: number|'explicit') => () => tf.grad(
           (t: tf.Tensor) => tf.sum(tf.mul(
               tf.maxPool(t as tf.Tensor4D, [3, 2], [1, 2],
                          pad === 'explicit' ? explicit(1) as 'valid' : pad),
               toTensor(weights))))(toTensor(input));
       assertClose(await runOn('wasm', grad(1)),
                   await runOn('cpu', grad('explicit')), 'maxPool gradient');
       await assertWasmMemoryWhole();
     });

  it('pad explicitly at unequal strides as cpu', async () => {
    // Explicit padding sizes the output right on every backend (a numeric
    // pad, above, does not).
    for (const [size, filter, pad] of [[1, 3, 2], [2, 3, 2], [1, 2, 1],
                                       [5, 3, 1]] as const) {
      const explicit: tf.Conv2DAttrs['pad'] =
          [[0, 0], [pad, pad], [pad, pad], [0, 0]];
      await assertSameAsCpu(`${size}x${size}, ${filter}x${filter}, pad ${pad}`,
                            () => tf.conv2d(ones4d([1, size, size, 2]),
                                            ones4d([filter, filter, 2, 3]),
                                            [2, 1], explicit));
      await assertSameAsCpu(`same, ${size}x${size}`, () => tf.conv2d(
          ones4d([1, size, size, 2]), ones4d([filter, filter, 2, 3]), [1, 2],
          'same'));
    }
    await compareGradients(
        'conv2d [2, 1], pad 1',
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [2, 1],
                            [[0, 0], [1, 1], [1, 1], [0, 0]]),
        [uniform([2, 5, 4, 2]), uniform([2, 2, 2, 3])]);
    await assertWasmMemoryWhole();
  });

  it('add the bias of a fused convolution of no input channels', async () => {
    await compareKernel('no channels', tf.FusedConv2D,
                        {x: uniform([2, 4, 4, 0]), filter: uniform([3, 3, 0, 2]),
                         bias: uniform([2])},
                        {strides: [2, 2], pad: 'same', dataFormat: 'NHWC',
                         dilations: [1, 1], activation: 'relu'});
  });

  it('match cpu for \'same\' padding at strides above the filter',
     async () => {
       for (const [filter, stride] of [[[1, 3], 2], [[3, 1], 2], [[1, 5], 2],
                                       [[2, 2], 3], [[2, 2], 4],
                                       [[3, 3], 2], [[1, 1], 2]] as
            Array<[number[], number]>) {
         await compareKernel(
             `conv2d [${filter}] stride ${stride}`, tf.Conv2D,
             {x: uniform([2, 8, 8, 3]), filter: uniform([...filter, 3, 4])},
             {strides: [stride, stride], pad: 'same', dataFormat: 'NHWC',
              dilations: [1, 1]});
         await compareKernel(
             `depthwise [${filter}] stride ${stride}`,
             tf.DepthwiseConv2dNative,
             {x: uniform([2, 8, 8, 3]), filter: uniform([...filter, 3, 2])},
             {strides: [stride, stride], pad: 'same', dilations: [1, 1]});
       }
     });
});

describe('element-wise kernels', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  it('clip int32 and keep NaN as cpu', async () => {
    const ints = () => tf.tensor1d([-5, -1, 0, 1, 2, 3, 7], 'int32');
    await assertSameAsCpu('int32 [-1, 2]', () => tf.clipByValue(ints(), -1, 2));
    await assertSameAsCpu('int32 [0.5, 2.5]', () => tf.clipByValue(ints(), 0.5, 2.5));
    await assertSameAsCpu('int32 [-1.5, -0.5]',
                    () => tf.clipByValue(ints(), -1.5, -0.5));
    await assertSameAsCpu('float32 with NaN', () => tf.clipByValue(
        tf.tensor1d([NaN, -3, 0.25, 9, -Infinity]), -1, 1));
  });

  it('take an alpha of any broadcast shape in prelu', async () => {
    const x = () => tf.tensor(
        Array.from({length: 2 * 3 * 5}, (_, i) => (i % 7) - 3.5), [2, 3, 5]);
    for (const shape of [[3, 1], [1, 3, 1], [2, 1, 5], [5], [1, 5], [1]]) {
      const size = shape.reduce((a, b) => a * b, 1);
      await assertSameAsCpu(`alpha [${shape}]`, () => tf.prelu(
          x(), tf.tensor(Array.from({length: size}, (_, i) => 0.1 * (i + 1)),
                         shape)));
    }
  });

  it('give the sign of tiny numbers as cpu', async () => {
    await assertSameAsCpu('sign', () => tf.sign(tf.tensor1d(
        [1e-7, -1e-7, 1e-30, -1e-30, 0, -0, NaN, 3, -Infinity])));
  });

  it('sum cumulatively over a negative axis, as over its positive one',
     async () => {
       // cpu itself gets a negative axis wrong (its output's shape): the
       // reference is the same axis counted from the front.
       const values = [1, 2, 3, 4, 5, 6];
       const same = async (label: string, negative: () => tf.Tensor,
                           positive: () => tf.Tensor) => {
         const [actual] = await runOn('wasm', negative);
         const [expected] = await runOn('cpu', positive);
         assert.deepEqual(actual.shape, expected.shape, label);
         assert.deepEqual(Array.from(actual.values),
                          Array.from(expected.values), label);
       };
       for (const dtype of ['float32', 'int32'] as const) {
         const x = () => tf.tensor(values, [2, 3], dtype);
         await same(`cumsum ${dtype}`, () => tf.cumsum(x(), -1),
                    () => tf.cumsum(x(), 1));
         await same(`cumsum ${dtype}, exclusive, reversed`,
                    () => tf.cumsum(x(), -2, true, true),
                    () => tf.cumsum(x(), 0, true, true));
       }
       await same('cumprod', () => tf.cumprod(tf.tensor(values, [2, 3]), -1),
                  () => tf.cumprod(tf.tensor(values, [2, 3]), 1));
       // The wasm memory is whole afterwards.
       await assertWasmMemoryWhole();
     });
});

describe('refused wasm kernels', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  const rows: Array<{name: string, run: () => unknown, error: RegExp}> = [
    {name: 'maxPoolWithArgmax',
     run: () => tf.maxPoolWithArgmax(
         tf.ones([1, 2, 2, 1]) as tf.Tensor4D, 2, 2, 'valid'),
     error: /^tf\.maxPoolWithArgmax on the wasm backend: its \w+ kernel r/},
    {name: 'the gradient of dilation2d',
     run: () => tf.grad(
         (x: tf.Tensor) => tf.dilation2d(
             x as tf.Tensor4D, tf.ones([2, 2, 1]), 1, 'same'))(
         tf.ones([1, 3, 3, 1])),
     error: /^the gradient of tf\.dilation2d on the wasm .* --backend=cpu/},
  ];
  for (const row of rows) {
    it(`throws NotImplementedError for ${row.name}`, async () => {
      await tf.setBackend('wasm');

      assert.throws(() => tf.tidy(() => {
        row.run();
      }), (e: Error) => {
        assert.ok(e instanceof NotImplementedError, String(e));
        assert.match(e.message, row.error);
        return true;
      });
    });
  }
});

describe('layer gradients on wasm', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  const L = tf.layers;
  const rows: Array<{name: string, input: number[], ints?: number,
                     layers: () => tf.layers.Layer[]}> = [
    {name: 'conv1d', input: [12, 3],
     layers: () => [L.conv1d({filters: 4, kernelSize: 3, strides: 2,
                              padding: 'same'})]},
    {name: 'conv2d', input: [9, 9, 3],
     layers: () => [L.conv2d({filters: 4, kernelSize: 3, strides: 2})]},
    {name: 'separableConv2d', input: [9, 7, 3],
     layers: () => [L.separableConv2d({filters: 4, kernelSize: 3,
                                       depthMultiplier: 2,
                                       padding: 'same'})]},
    {name: 'depthwiseConv2d', input: [9, 9, 3],
     layers: () => [L.depthwiseConv2d({kernelSize: 3, depthMultiplier: 2,
                                       strides: 2})]},
    {name: 'conv2dTranspose', input: [5, 5, 3],
     layers: () => [L.conv2dTranspose({filters: 4, kernelSize: 3,
                                       strides: 2, padding: 'same'})]},
    {name: 'pooling', input: [9, 9, 3],
     layers: () => [L.conv2d({filters: 2, kernelSize: 1}),
                    L.maxPooling2d({poolSize: 3, strides: 2}),
                    L.averagePooling2d({poolSize: 2, padding: 'same'})]},
    {name: 'pooling after batch normalization', input: [8, 8, 2],
     layers: () => [L.batchNormalization({}),
                    L.maxPooling2d({poolSize: 2})]},
    {name: 'conv3d and maxPooling3d', input: [4, 4, 4, 2],
     layers: () => [L.conv3d({filters: 3, kernelSize: 2, padding: 'same'}),
                    L.maxPooling3d({poolSize: 2})]},
    {name: 'batchNormalization', input: [5, 5, 3],
     layers: () => [L.batchNormalization({})]},
    {name: 'embedding', input: [6], ints: 10,
     layers: () => [L.embedding({inputDim: 10, outputDim: 4}),
                    L.flatten({})]},
    {name: 'lstm', input: [4, 3], layers: () => [L.lstm({units: 5})]},
    {name: 'gru', input: [4, 3], layers: () => [L.gru({units: 5})]},
    {name: 'simpleRNN', input: [4, 3],
     layers: () => [L.simpleRNN({units: 5})]},
    // 'same' padding at a stride above a side of the filter.
    {name: 'conv2d [1, 3] at stride 2, same', input: [8, 8, 3],
     layers: () => [L.conv2d({filters: 4, kernelSize: [1, 3], strides: 2,
                              padding: 'same'})]},
    {name: 'conv2d 2x2 at stride 3, same, relu', input: [8, 7, 2],
     layers: () => [L.conv2d({filters: 3, kernelSize: 2, strides: 3,
                              padding: 'same', activation: 'relu'})]},
    {name: 'depthwiseConv2d [3, 1] at stride 2, same', input: [8, 8, 3],
     layers: () => [L.depthwiseConv2d({kernelSize: [3, 1], strides: 2,
                                       padding: 'same'})]},
    {name: 'separableConv2d [1, 5] at stride 2, same', input: [9, 9, 2],
     layers: () => [L.separableConv2d({filters: 3, kernelSize: [1, 5],
                                       strides: 2, padding: 'same'})]},
    // A weight with an axis of 1: its transpose shares its storage.
    {name: 'lstm of one unit', input: [4, 3],
     layers: () => [L.lstm({units: 1})]},
    {name: 'lstm fed one feature', input: [4, 3],
     layers: () => [L.dense({units: 1}), L.lstm({units: 3})]},
    {name: 'dense of one unit, no bias, tanh', input: [6],
     layers: () => [L.dense({units: 4, activation: 'tanh'}),
                    L.dense({units: 1, useBias: false, activation: 'tanh'})]},
  ];
  for (const row of rows) {
    it(`match cpu: ${row.name}`, async () => {
      await tf.setBackend('wasm');
      const model = tf.sequential({
        layers: [L.inputLayer({inputShape: row.input}), ...row.layers()],
      });
      const shape = [3, ...row.input];
      const size = shape.reduce((a, b) => a * b, 1);
      const input: Data = row.ints === undefined ?
          uniform(shape) :
          {
            values: Int32Array.from(
                {length: size}, () => random.int(row.ints!)),
            shape,
            dtype: 'int32',
          };
      // Squared distance to a random target: no gradient is zero by
      // symmetry (as that of a batch-norm offset under mean(y^2) would be).
      const outShape = model.outputs[0].shape.slice(1) as number[];
      const target = uniform([3, ...outShape]);
      const lossOf = (x: tf.Tensor) => tf.losses.meanSquaredError(
          toTensor(target), model.apply(x, {training: true}) as tf.Tensor);
      const grads = () => {
        const x = toTensor(input);
        const loss = () => lossOf(x) as tf.Scalar;
        const {grads: byName} = tf.variableGrads(loss);
        const list = model.trainableWeights.map(w => byName[w.name]);
        assert.ok(list.every(g => g !== undefined), 'a weight got no grad');
        if (row.ints === undefined) {
          list.push(tf.grad(lossOf)(x));
        }
        return list;
      };

      assertClose(await runOn('wasm', grads), await runOn('cpu', grads),
                  row.name);
      model.dispose();
    });
  }
});

describe('training on wasm', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  it('trains a Conv2D + DepthwiseConv2D + Embedding model', async () => {
    const L = tf.layers;
    const image = tf.input({shape: [8, 8, 3]});
    const tokens = tf.input({shape: [5], dtype: 'int32'});
    const convolved = L.globalAveragePooling2d({}).apply(
        L.depthwiseConv2d({kernelSize: 3, padding: 'same'}).apply(
            L.conv2d({filters: 4, kernelSize: 3, strides: 2,
                      activation: 'relu'}).apply(image))) as
        tf.SymbolicTensor;
    const embedded = L.flatten({}).apply(
        L.embedding({inputDim: 20, outputDim: 3}).apply(tokens)) as
        tf.SymbolicTensor;
    const logits = L.dense({units: 3}).apply(
        L.concatenate({}).apply([convolved, embedded])) as tf.SymbolicTensor;
    const model = tf.model({inputs: [image, tokens], outputs: logits});
    const optimizer = tf.train.sgd(0.1);
    const x = tf.randomNormal([6, 8, 8, 3], 0, 1, 'float32', 7);
    const ids = tf.tensor2d(
        Array.from({length: 30}, () => random.int(20)), [6, 5], 'int32');
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const step = () => {
      const loss = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(
              labels, model.apply([x, ids]) as tf.Tensor),
          true) as tf.Scalar;
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    };
    const before = model.getWeights().map(w => w.dataSync().slice());

    const first = step();
    const tensorsAfterFirst = tf.memory().numTensors;
    const second = step();

    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(Number.isFinite(first) && Number.isFinite(second));
    assert.ok(second < first, `loss went from ${first} to ${second}`);
    assert.equal(tf.memory().numTensors, tensorsAfterFirst);
    const after = model.getWeights().map(w => w.dataSync());
    for (let i = 0; i < after.length; i++) {
      assert.notDeepEqual(after[i], before[i], `weight ${i} did not move`);
    }
    tf.dispose([x, ids, labels]);
    model.dispose();
  });
});

describe('BatchMatMul and _FusedMatMul with transposed operands', () => {
  before(async () => {
    await selectBackend('wasm', () => {});
  });

  const cases: Array<{name: string, a: number[], b: number[],
                      transposeA: boolean, transposeB: boolean}> = [
    {name: 'dW = x^T dy', a: [1, 32, 30], b: [1, 32, 7], transposeA: true,
     transposeB: false},
    {name: 'dx = dy W^T', a: [1, 32, 7], b: [1, 30, 7], transposeA: false,
     transposeB: true},
    {name: 'both, batch 3, odd sizes', a: [3, 5, 9], b: [3, 11, 5],
     transposeA: true, transposeB: true},
    {name: 'neither', a: [2, 4, 6], b: [2, 6, 3], transposeA: false,
     transposeB: false},
    // Few rows against a large b: computed as (b a^T)^T.
    {name: 'dx = dy W^T, batch 2, large W', a: [1, 2, 40], b: [1, 50, 40],
     transposeA: false, transposeB: true},
    {name: 'dx = dy W^T, one row', a: [1, 1, 40], b: [1, 30, 40],
     transposeA: false, transposeB: true},
    {name: 'b^T, batch 3, few rows', a: [3, 2, 9], b: [3, 11, 9],
     transposeA: false, transposeB: true},
  ];
  for (const c of cases) {
    it(`BatchMatMul matches cpu: ${c.name}`, async () => {
      await compareKernel(
          c.name, tf.BatchMatMul, {a: uniform(c.a), b: uniform(c.b)},
          {transposeA: c.transposeA, transposeB: c.transposeB});
    });

    it(`_FusedMatMul with bias and relu matches cpu: ${c.name}`, async () => {
      const n = c.transposeB ? c.b[1] : c.b[2];
      await compareKernel(
          c.name, tf._FusedMatMul,
          {a: uniform(c.a), b: uniform(c.b), bias: uniform([n])},
          {transposeA: c.transposeA, transposeB: c.transposeB,
           activation: 'relu'});
    });
  }

  it('multiplies by a matrix met before under another shape', async () => {
    // The native kernels kept the operator of b's storage for [3, 2].
    const run = () => {
      const b = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      const first = tf.matMul(tf.ones([2, 3]), b);
      return [first, tf.matMul(tf.ones([3, 2]), tf.reshape(b, [2, 3])),
              tf.matMul(tf.ones([4, 1]), tf.reshape(b, [1, 6]))];
    };
    assertClose(await runOn('wasm', run), await runOn('cpu', run), 'reshaped');
  });

  it('gives the gradients of [5, 1] x [1, 7] that cpu gives', async () => {
    // Natively, the product of dy by the [1, 7] operand's transpose wrote
    // past its output.
    await compareGradients(
        'outer product', (a, b) => tf.matMul(a, b),
        [uniform([5, 1]), uniform([1, 7])]);
    await compareGradients(
        'weight of one column', (x, w) => tf.tanh(tf.matMul(x, w)),
        [uniform([2, 4]), uniform([4, 1])]);
  });

  it('gives zeros (and the bias) for an inner dimension of 0', async () => {
    await compareKernel('empty', tf.BatchMatMul,
                        {a: uniform([1, 3, 0]), b: uniform([1, 0, 2])},
                        {transposeA: false, transposeB: false});
    await compareKernel('empty, fused', tf._FusedMatMul,
                        {a: uniform([1, 3, 0]), b: uniform([1, 0, 2]),
                         bias: uniform([2])},
                        {transposeA: false, transposeB: false,
                         activation: 'relu'});
  });

  it('adds a bias of shape [1], [] or [rows, columns] as cpu', async () => {
    for (const bias of [[1], [], [4, 3]]) {
      await compareKernel(`bias [${bias}]`, tf._FusedMatMul,
                          {a: uniform([1, 4, 5]), b: uniform([1, 5, 3]),
                           bias: uniform(bias)},
                          {transposeA: false, transposeB: false,
                           activation: 'linear'});
    }
  });

  it('gives the gradients of a dense layer that cpu gives', async () => {
    const x = uniform([16, 12]);
    const w = uniform([12, 5]);
    const run = () => {
      const [xs, ws] = [toTensor(x), toTensor(w)];
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.relu(tf.matMul(a, b))))([xs, ws]);
      return grads;
    };

    assertClose(await runOn('wasm', run), await runOn('cpu', run),
                'dense gradients');
  });
});
