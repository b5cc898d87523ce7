/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import {ValueError} from '../errors';

import {loadModel, MODEL_JSON, modelArtifacts, modelFiles, readSavedWeights, saveModel, WEIGHTS_BIN, writeModelArtifacts, writeModelFiles} from './file_io';
import {selectBackend} from './select_backend';
import {tf} from './tf';

function smallModel(): tf.LayersModel {
  const L = tf.layers;
  return tf.sequential({
    layers: [
      L.conv2d({inputShape: [6, 6, 2], filters: 3, kernelSize: 3}),
      L.batchNormalization({}),
      L.flatten({}),
      L.dense({units: 4, activation: 'softmax'}),
    ],
  });
}

describe('saveModel and loadModel', () => {
  let dir: string;

  before(async () => {
    await selectBackend('wasm', () => {});
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file_io_test-'));
  });

  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('round-trips a model with the same predictions', async () => {
    const model = smallModel();
    const x = tf.randomNormal([5, 6, 6, 2], 0, 1, 'float32', 3);
    const target = path.join(dir, 'nested', 'model');

    const result = await saveModel(model, target);
    const loaded = await loadModel(target);

    assert.deepEqual(fs.readdirSync(target).sort(), [MODEL_JSON, WEIGHTS_BIN]);
    assert.equal(
        result.modelArtifactsInfo.weightDataBytes,
        fs.statSync(path.join(target, WEIGHTS_BIN)).size);
    const expected = (model.predict(x) as tf.Tensor).dataSync();
    const actual = (loaded.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(actual), Array.from(expected));
    assert.deepEqual(
        loaded.getWeights().map(w => w.shape),
        model.getWeights().map(w => w.shape));
  });

  it('refuses the weights of a saved model changed in place', async () => {
    const target = path.join(dir, 'model');
    await saveModel(smallModel(), target);
    await loadModel(target);
    const file = path.join(target, WEIGHTS_BIN);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(file, bytes);

    for (const read of [loadModel, readSavedWeights]) {
      await assert.rejects(read(target), (e: Error) => e instanceof ValueError &&
          e.message.startsWith(`${file}: not the weights model.json was ` +
                               'saved with'));
    }
  });

  it('writes a model from its artifacts after the model is disposed',
     async () => {
       const model = smallModel();
       const x = tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 4);
       const expected = Array.from((model.predict(x) as tf.Tensor).dataSync());
       const tensors = tf.memory().numTensors;
       const artifacts = await modelArtifacts(model);
       assert.equal(tf.memory().numTensors, tensors, 'artifacts hold copies');
       model.dispose();
       const target = path.join(dir, 'later');
       writeModelArtifacts(artifacts, target);
       const loaded = await loadModel(target);
       const unseen = path.join(dir, 'unseen');
       writeModelArtifacts(artifacts, unseen, {unseen: true});
       assert.deepEqual(fs.readdirSync(unseen).sort(),
                        [MODEL_JSON, WEIGHTS_BIN]);
       const again = await loadModel(unseen);
       assert.deepEqual(
           Array.from((again.predict(x) as tf.Tensor).dataSync()), expected);
       assert.deepEqual(
           Array.from((loaded.predict(x) as tf.Tensor).dataSync()), expected);
     });

  it('writes weights handed over in shards back to back', async () => {
    const model = smallModel();
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 5);
    const expected = Array.from((model.predict(x) as tf.Tensor).dataSync());
    const artifacts = await modelArtifacts(model);
    const whole = new Uint8Array(artifacts.weightData as ArrayBuffer);
    // Shards of 4 MB is how tfjs hands over large weights; cut at 3 bytes
    // to show no float is assumed whole within a shard.
    const shards = [whole.slice(0, 3).buffer, whole.slice(3, 100).buffer,
                    whole.slice(100).buffer];
    const target = path.join(dir, 'sharded');
    writeModelArtifacts({...artifacts, weightData: shards}, target);
    assert.deepEqual(
        new Uint8Array(fs.readFileSync(path.join(target, WEIGHTS_BIN))), whole);
    const loaded = await loadModel(target);
    assert.deepEqual(
        Array.from((loaded.predict(x) as tf.Tensor).dataSync()), expected);
  });

  it('writes the tfjs layers format with a weights manifest', async () => {
    const model = smallModel();

    await saveModel(model, dir);

    const json = JSON.parse(
        fs.readFileSync(path.join(dir, MODEL_JSON), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.equal(json.modelTopology.class_name, 'Sequential');
    assert.deepEqual(json.weightsManifest[0].paths, [WEIGHTS_BIN]);
    assert.deepEqual(
        json.weightsManifest[0].weights.map((w: {name: string}) => w.name),
        model.weights.map(w => w.originalName));
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`writeModelFiles gives the bytes saveModel writes (${backend})`,
       async () => {
         await selectBackend(backend, () => {});
         try {
           const model = smallModel();
           // Trained a step, so that the weights are the backend's own
           // results, not the initializers' arrays.
           model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
           await model.fit(tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 6),
                           tf.oneHot([0, 1, 3], 4), {epochs: 1, verbose: 0});
           model.setUserDefinedMetadata({origin: 'file_io_test'});
           const expected = modelFiles(await modelArtifacts(model));
           const tensors = tf.memory().numTensors;
           const written: Array<{name: string, data: string|Uint8Array}> = [];
           writeModelFiles(model, (name, data) => {
             written.push({
               name,
               // Copied at once, as the views are good during the call only.
               data: typeof data === 'string' ?
                   data :
                   new Uint8Array(Buffer.concat(data.map((d) => Buffer.from(d)))),
             });
           });
           assert.equal(tf.memory().numTensors, tensors, 'no tensors made');
           assert.deepEqual(written.map((f) => f.name),
                            expected.map((f) => f.name));
           assert.deepEqual(written[0].data, expected[0].data);
           assert.equal(written[1].data, expected[1].data);
           assert.match(written[1].data as string, /"origin":"file_io_test"/);
           model.dispose();
         } finally {
           await selectBackend('wasm', () => {});
         }
       });
  }

  it('keeps the optimizer state when asked to', async () => {
    const model = smallModel();
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([4, 6, 6, 2], 0, 1, 'float32', 5);
    await model.fit(x, tf.ones([4, 4]), {epochs: 1, verbose: 0});

    await saveModel(model, dir, {includeOptimizer: true});
    const loaded = await loadModel(dir);

    const expected = await model.optimizer.getWeights();
    const actual = await loaded.optimizer.getWeights();
    assert.equal(loaded.optimizer.getClassName(), 'Adam');
    assert.deepEqual(
        actual.map(w => Array.from(w.tensor.dataSync())),
        expected.map(w => Array.from(w.tensor.dataSync())));
  });

  it('reads weights split over several files', async () => {
    const model = smallModel();
    await saveModel(model, dir);
    const jsonPath = path.join(dir, MODEL_JSON);
    const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
    const bytes = fs.readFileSync(path.join(dir, WEIGHTS_BIN));
    const cut = 4 * 7;
    fs.writeFileSync(path.join(dir, 'part1.bin'), bytes.subarray(0, cut));
    fs.writeFileSync(path.join(dir, 'part2.bin'), bytes.subarray(cut));
    json.weightsManifest[0].paths = ['part1.bin', 'part2.bin'];
    fs.writeFileSync(jsonPath, JSON.stringify(json));
    fs.rmSync(path.join(dir, WEIGHTS_BIN));

    const loaded = await loadModel(dir);

    const expected = model.getWeights().map(w => Array.from(w.dataSync()));
    const actual = loaded.getWeights().map(w => Array.from(w.dataSync()));
    assert.deepEqual(actual, expected);
  });

  const failures: Array<{name: string, setUp: (dir: string) => void,
                         error: RegExp}> = [
    {name: 'no model.json', setUp: () => {},
     error: /model\.json: cannot read the model .*; give the model directory of a trial/},
    {name: 'model.json not JSON',
     setUp: d => fs.writeFileSync(path.join(d, MODEL_JSON), '{"model'),
     error: /model\.json: not JSON/},
    {name: 'model.json of another kind',
     setUp: d => fs.writeFileSync(path.join(d, MODEL_JSON), '{"a": 1}'),
     error: /lacks modelTopology or weightsManifest/},
    {name: 'a weight file outside the directory',
     setUp: d => fs.writeFileSync(
         path.join(d, MODEL_JSON), JSON.stringify({
           modelTopology: {},
           weightsManifest: [{paths: ['../w.bin'], weights: []}],
         })),
     error: /weight file "\.\.\/w\.bin" lies outside/},
    {name: 'a missing weight file',
     setUp: d => fs.writeFileSync(
         path.join(d, MODEL_JSON), JSON.stringify({
           modelTopology: {},
           weightsManifest: [{paths: ['gone.bin'], weights: []}],
         })),
     error: /weight file "gone\.bin" cannot be read/},
    {name: 'a weight file damaged in place',
     setUp: d => {
       const weights = Buffer.alloc(16, 1);
       fs.writeFileSync(path.join(d, MODEL_JSON), JSON.stringify({
         modelTopology: {},
         weightsManifest: [{paths: ['w.bin'], weights: [
           {name: 'dense/bias', shape: [4], dtype: 'float32'},
         ]}],
         userDefinedMetadata: {
           model_search_weights_crc32: zlib.crc32(weights),
         },
       }));
       weights[5] = 2;
       fs.writeFileSync(path.join(d, 'w.bin'), weights);
     },
     error: /\/w\.bin: not the weights model\.json was saved with \(their checksum differs\); the file is damaged/},
    {name: 'a weight file cut short',
     setUp: d => {
       fs.writeFileSync(path.join(d, MODEL_JSON), JSON.stringify({
         modelTopology: {},
         weightsManifest: [{paths: ['w.bin'], weights: [
           {name: 'dense/kernel', shape: [30, 30], dtype: 'float32'},
           {name: 'dense/bias', shape: [30], dtype: 'float32'},
         ]}],
       }));
       fs.writeFileSync(path.join(d, 'w.bin'), Buffer.alloc(100));
     },
     error: /\/w\.bin: 100 bytes, but model\.json lists weights of 3720; the file is damaged: copy the whole model directory again$/},
  ];
  for (const row of failures) {
    for (const read of [loadModel, readSavedWeights]) {
      it(`${read.name} names the file on ${row.name}`, async () => {
        row.setUp(dir);

        await assert.rejects(read(dir), (e: Error) => {
          assert.ok(e instanceof ValueError);
          assert.match(e.message, row.error);
          return true;
        });
      });
    }
  }

  // Under the hooks above: a fresh `dir` for each test.
  describe('readSavedWeights', () => {

    it('gives each layer its weights, by name, with the values saved',
       async () => {
      const model = smallModel();
      await saveModel(model, dir);
      const tensorsBefore = tf.memory().numTensors;

      const saved = await readSavedWeights(dir);

      assert.deepEqual(saved.layerNames, model.layers.map((l) => l.name));
      for (const layer of model.layers) {
        const weights = saved.byLayer.get(layer.name);
        if (layer.weights.length === 0) {
          assert.equal(weights, undefined, layer.name);
          continue;
        }
        assert.deepEqual(
            [...weights!.keys()],
            layer.weights.map((w) => w.originalName.slice(layer.name.length + 1)));
        assert.deepEqual(
            [...weights!.values()].map((w) => Array.from(w.dataSync())),
            layer.getWeights().map((w) => Array.from(w.dataSync())));
      }
      saved.dispose();
      assert.equal(tf.memory().numTensors, tensorsBefore);
      model.dispose();
    });

    it('gives a weight to the longest layer name before it', async () => {
      // Layer "a" and layer "a/b": "a/b/kernel" is a/b's, not a's "b/kernel".
      const input = tf.input({shape: [2]});
      const a = tf.layers.dense({units: 2, name: 'a'}).apply(input);
      const ab = tf.layers.dense({units: 1, name: 'a/b'})
                     .apply(a) as tf.SymbolicTensor;
      const model = tf.model({inputs: input, outputs: ab});
      await saveModel(model, dir);

      const saved = await readSavedWeights(dir);

      assert.deepEqual([...saved.byLayer.get('a')!.keys()], ['kernel', 'bias']);
      assert.deepEqual([...saved.byLayer.get('a/b')!.keys()], ['kernel', 'bias']);
      assert.deepEqual(saved.byLayer.get('a/b')!.get('kernel')!.shape, [2, 1]);
      saved.dispose();
      model.dispose();
    });
  });
});
