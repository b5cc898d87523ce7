/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {tf} from '../backend/tf';
import {Random} from '../random';

import {SvdfCell, SvdfConv} from './svdf_layers';

require('@tensorflow/tfjs-backend-wasm');

const random = new Random(5);

function uniform(...shape: number[]): number[] {
  const size = shape.reduce((a, b) => a * b, 1);
  return Array.from({length: size}, () => random.uniformRange(-1, 1));
}

/**
 * svdf_cell.SvdfCell run step by step under dynamic_rnn, in plain numbers:
 * a memory of the last memory - 1 feature activations per filter; steps at
 * or past a sequence's length output zeros and keep the state.
 */
function referenceCell(
    x: number[][][], lengths: number[]|undefined, wf: number[][],
    wt: number[][], bias: number[], units: number, rank: number): number[][][] {
  const filters = units * rank;
  const memory = wt[0].length;
  return x.map((sequence, b) => {
    let state = Array.from(
        {length: filters}, () => new Array<number>(memory - 1).fill(0));
    return sequence.map((step, t) => {
      if (lengths !== undefined && t >= lengths[b]) {
        return new Array<number>(units).fill(0);
      }
      const full = state.map((row, f) => {
        let a = 0;
        step.forEach((v, i) => a += v * wf[i][f]);
        return [...row, a];
      });
      const out = new Array<number>(units).fill(0);
      full.forEach((row, f) => {
        let sum = 0;
        row.forEach((v, m) => sum += v * wt[f][m]);
        out[Math.floor(f / rank)] += sum;
      });
      state = full.map((row) => row.slice(1));
      return out.map((v, u) => Math.max(0, v + bias[u]));
    });
  });
}

function close(actual: number[][][], expected: number[][][]): void {
  const a = actual.flat(2);
  const e = expected.flat(2);
  assert.equal(a.length, e.length);
  a.forEach((v, i) => assert.ok(
      Math.abs(v - e[i]) < 1e-4, `entry ${i}: ${v} vs ${e[i]}`));
}

describe('SvdfCell', () => {
  before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  const rows = [
    {name: 'rank 1, with lengths', units: 3, memory: 3, rank: 1, lengths: true},
    {name: 'rank 2, with lengths', units: 2, memory: 4, rank: 2, lengths: true},
    {name: 'rank 2, no lengths', units: 2, memory: 2, rank: 2, lengths: false},
  ];
  for (const {name, units, memory, rank, lengths} of rows) {
    it(`matches the step-by-step cell: ${name}`, () => {
      const [batch, steps, features] = [3, 5, 4];
      const filters = units * rank;
      const xValues = uniform(batch, steps, features);
      const wf = uniform(features, filters);
      const wt = uniform(filters, memory);
      const bias = uniform(units);
      const lengthValues = [5, 2, 0];
      const layer = new SvdfCell({units, memorySize: memory, rank});
      const x = tf.tensor3d(xValues, [batch, steps, features]);
      const lengthTensor = tf.tensor1d(lengthValues, 'int32');

      layer.apply(lengths ? [x, lengthTensor] : x);
      layer.setWeights([
        tf.tensor2d(wf, [features, filters]),
        tf.tensor2d(wt, [filters, memory]),
        tf.tensor1d(bias),
      ]);
      const out = layer.apply(lengths ? [x, lengthTensor] : x) as tf.Tensor;
      const expected = referenceCell(
          x.arraySync(), lengths ? lengthValues : undefined,
          tf.tensor2d(wf, [features, filters]).arraySync(),
          tf.tensor2d(wt, [filters, memory]).arraySync(), bias, units, rank);

      assert.deepEqual(out.shape, [batch, steps, units]);
      close(out.arraySync() as number[][][], expected);
    });
  }

  it('keeps the original weight names and shapes', () => {
    const layer = new SvdfCell({units: 4, memorySize: 3, rank: 2});
    layer.apply(tf.input({shape: [6, 5]}));

    assert.deepEqual(
        layer.weights.map((w) => [w.originalName.split('/').pop(), w.shape]),
        [
          ['SVDF_weights_feature', [5, 8]],
          ['SVDF_weights_time', [8, 3]],
          ['SVDF_bias', [4]],
        ]);
  });

  it('rejects a memory size below 2', () => {
    assert.throws(
        () => new SvdfCell({units: 4, memorySize: 1, name: 'svdf'}),
        /SVDF layer "svdf": memorySize=1 must be an integer >= 2/);
  });
});

describe('SvdfConv', () => {
  before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it('equals the cell without lengths (time kernel transposed)', () => {
    const [batch, steps, features, units, memory, rank] = [2, 6, 3, 2, 3, 2];
    const filters = units * rank;
    const x = tf.tensor3d(uniform(batch, steps, features),
                          [batch, steps, features]);
    const wf = tf.tensor2d(uniform(features, filters), [features, filters]);
    const wt = tf.tensor2d(uniform(filters, memory), [filters, memory]);
    const bias = tf.tensor1d(uniform(units));
    const cell = new SvdfCell({units, memorySize: memory, rank});
    const conv = new SvdfConv({units, memorySize: memory, rank});
    cell.apply(x);
    conv.apply(x);
    cell.setWeights([wf, wt, bias]);
    conv.setWeights([wf, tf.transpose(wt), bias]);

    const fromCell = cell.apply(x) as tf.Tensor;
    const fromConv = conv.apply(x) as tf.Tensor;

    close(fromConv.arraySync() as number[][][],
          fromCell.arraySync() as number[][][]);
  });

  it('starts its kernels within the init range', () => {
    const conv = new SvdfConv({
      units: 8, memorySize: 4, kernelInitRange: 0.16, activation: 'linear',
    });
    conv.apply(tf.input({shape: [5, 7]}));
    const [feature, time, bias] = conv.getWeights();

    for (const kernel of [feature, time]) {
      assert.ok(tf.max(tf.abs(kernel)).dataSync()[0] <= 0.16);
    }
    assert.deepEqual(time.shape, [4, 8]);
    assert.deepEqual(Array.from(bias.dataSync()), new Array(8).fill(0));
  });

  it('serializes its options', () => {
    const conv = new SvdfConv(
        {units: 8, memorySize: 4, rank: 2, kernelInitRange: 0.16, name: 'c'});
    const copy = new SvdfConv(conv.getConfig() as never);

    assert.deepEqual(copy.options, conv.options);
  });
});
