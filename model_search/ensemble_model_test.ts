/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {saveModel} from './backend/file_io';
import {tf} from './backend/tf';
import {buildTowersModel, restoreTowers, savedWeightsFor, towerLayers} from './ensemble_model';
import type {TowerRecord} from './generators/base_tower_generator';
import {parsePhoenixSpec} from './proto/text_format';
import {UnusableTrialError} from './train_loop';

const BATCHNORM_BLOCK = 'FULLY_CONNECTED_RESIDUAL_FORCE_MATCH_SHAPES_BATCHNORM';
const ENSEMBLE = parsePhoenixSpec(
    'problem_type: DNN\nensemble_spec { ensemble_search_type: ' +
    'ADAPTIVE_ENSEMBLE_SEARCH combining_type: WEIGHTED_ENSEMBLE }\n')
    .ensembleSpec;

function towers(trialId: number, list: TowerRecord[]) {
  return buildTowersModel({
    trialId,
    schema: {kind: 'csv', shape: [3]},
    numClasses: 2,
    problemType: 'DNN',
    towers: list,
    applyDropoutsBetweenBlocks: false,
    ensembleSpec: ENSEMBLE,
  });
}

/** The weights of every layer of a tower, by layer name in the tower. */
function weightsOf(model: tf.LayersModel, trialId: number, tower: string):
    Map<string, number[][]> {
  const out = new Map<string, number[][]>();
  for (const [name, layer] of towerLayers(model, trialId, tower)) {
    out.set(name, layer.getWeights().map((w) => Array.from(w.dataSync())));
  }
  return out;
}

/** One step of plain SGD on the model's outputs, in training mode. */
function trainStep(model: tf.LayersModel): void {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  tf.tidy(() => {
    const x = tf.randomNormal([8, 3], 3, 2, 'float32', 7);
    const {grads} = tf.variableGrads(() => {
      const out = model.apply(x, {training: true});
      const outputs = Array.isArray(out) ? out : [out];
      return tf.addN(outputs.map((o) => tf.mean(tf.square(o as tf.Tensor)))) as
          tf.Scalar;
    }, variables);
    tf.train.sgd(0.5).applyGradients(grads);
  });
}

describe('restoreTowers', () => {
  let modelDir: string;

  before(async () => {
    await tf.setBackend('cpu');
  });

  beforeEach(() => {
    modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ensemble_model_'));
  });

  afterEach(() => {
    fs.rmSync(modelDir, {recursive: true, force: true});
  });

  it('keeps a frozen tower, batch normalization statistics included, ' +
     'through training', async () => {
    const search: TowerRecord = {
      name: 'search_generator_0', architecture: [BATCHNORM_BLOCK],
      hparams: {}, frozen: false,
    };
    // Trial 1: trained once, so that its moving statistics are its own.
    const first = towers(1, [search]);
    trainStep(first.training!);
    await saveModel(first.model, path.join(modelDir, '1', 'model'));
    const exported = weightsOf(first.model, 1, 'search_generator_0');
    first.model.dispose();

    // Trial 2: trial 1's tower frozen beside a new search tower.
    const prior: TowerRecord = {
      name: 'prior_generator_0', architecture: [BATCHNORM_BLOCK],
      hparams: {}, frozen: true,
      source: {trialId: 1, tower: 'search_generator_0'},
    };
    const second = towers(2, [prior, search]);
    const frozen = await restoreTowers(
        second.model, second.towers, 2, modelDir);
    assert.ok(frozen.some((l) => l.getClassName() === 'BatchNormalization'),
              frozen.map((l) => l.name).join(', '));
    const searchBefore = weightsOf(second.model, 2, 'search_generator_0');
    trainStep(second.training!);

    assert.deepEqual(weightsOf(second.model, 2, 'prior_generator_0'),
                     exported);
    // The unfrozen tower did train (the step is not a no-op).
    assert.notDeepEqual(weightsOf(second.model, 2, 'search_generator_0'),
                        searchBefore);
    second.model.dispose();
  });

  it('names the earlier trial whose weights are damaged', async () => {
    const search: TowerRecord = {
      name: 'search_generator_0', architecture: [BATCHNORM_BLOCK],
      hparams: {}, frozen: false,
    };
    const first = towers(1, [search]);
    await saveModel(first.model, path.join(modelDir, '1', 'model'));
    first.model.dispose();
    const weights = path.join(modelDir, '1', 'model', 'weights.bin');
    const bytes = fs.readFileSync(weights);
    bytes[0] ^= 0xff;
    fs.writeFileSync(weights, bytes);
    const prior: TowerRecord = {
      name: 'prior_generator_0', architecture: [BATCHNORM_BLOCK],
      hparams: {}, frozen: true,
      source: {trialId: 1, tower: 'search_generator_0'},
    };
    const second = towers(2, [prior, search]);

    await assert.rejects(
        restoreTowers(second.model, second.towers, 2, modelDir),
        (e: Error) => e instanceof UnusableTrialError &&
            e.sourceTrialId === 1 &&
            e.message.startsWith('trial 2 imports towers of trial 1, whose ' +
                                 'files cannot be used: ') &&
            e.message.includes('weights.bin'));
    second.model.dispose();
  });
});

describe('savedWeightsFor', () => {
  /** A layer as far as savedWeightsFor reads one. */
  function layer(name: string, weights: string[]): tf.layers.Layer {
    return {name, weights: weights.map((originalName) => ({originalName}))} as
        unknown as tf.layers.Layer;
  }
  const [k, b, m] = [tf.scalar(1), tf.scalar(2), tf.scalar(3)];

  it('lines the saved weights up by name', () => {
    const saved = new Map([['bias', b], ['kernel', k]]);
    assert.deepEqual(
        savedWeightsFor(layer('t/dense', ['t/dense/kernel', 't/dense/bias']),
                        saved),
        [k, b]);
  });

  it('takes them in saved order when the layer names its weights ' +
     'otherwise', () => {
    const saved = new Map([['kernel', k], ['bias', b]]);
    assert.deepEqual(
        savedWeightsFor(layer('t/odd', ['w', 't/odd/bias']), saved), [k, b]);
  });

  it('gives nothing when a weight is missing or left over', () => {
    const named = layer('t/dense', ['t/dense/kernel', 't/dense/bias']);
    assert.equal(savedWeightsFor(named, new Map([['kernel', k]])), undefined);
    assert.equal(
        savedWeightsFor(named, new Map([['kernel', k], ['mean', m]])),
        undefined);
    assert.equal(savedWeightsFor(named, undefined), undefined);
    assert.deepEqual(savedWeightsFor(layer('t/relu', []), undefined), []);
  });
});
