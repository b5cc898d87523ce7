/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Saves and loads a tf.LayersModel in a plain directory.
 *
 * Only @tensorflow/tfjs-node brings a `file://` handler, and it is usually
 * not installed here, so this module writes the same two files that handler
 * writes (and `tf.loadLayersModel` reads from any URL): `model.json` with
 * the topology and a weights manifest, and `weights.bin` with the weight
 * values back to back.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import {ValueError} from '../errors';
import {storageView} from './tensor_storage';
import {tf} from './tf';

/** The name of the topology and manifest file in a model directory. */
export const MODEL_JSON = 'model.json';
/** The name of the weights file this module writes. */
export const WEIGHTS_BIN = 'weights.bin';

/**
 * Writes `model` to `dir` (created if missing) as model.json and
 * weights.bin. model.json is written last, through a temporary name, so a
 * directory holding it always holds a complete model.
 *
 * @param config Passed to `model.save`, e.g. `{includeOptimizer: true}`.
 */
export async function saveModel(
    model: tf.LayersModel, dir: string,
    config?: tf.io.SaveConfig): Promise<tf.io.SaveResult> {
  return writeModelArtifacts(await modelArtifacts(model, config), dir);
}

/**
 * What `saveModel` writes, in memory: the topology and a copy of the
 * weights, so that the model can be disposed before the files are written.
 */
export async function modelArtifacts(
    model: tf.LayersModel,
    config?: tf.io.SaveConfig): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts|undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
  }), config);
  return saved!;
}

/**
 * Writes artifacts from `modelArtifacts` to `dir` as `saveModel` does.
 * Synchronous: two files, where a trip to Node's I/O threads per call
 * cost more than the writes (measured on the trial directories, which a
 * thread of their own writes now: trial_writer.ts).
 *
 * @param unseen `dir` lies in a directory nobody reads until it is renamed
 *     into place: model.json is written under its own name at once rather
 *     than through a temporary one.
 */
export function writeModelArtifacts(
    artifacts: tf.io.ModelArtifacts, dir: string,
    {unseen = false}: {unseen?: boolean} = {}): tf.io.SaveResult {
  fs.mkdirSync(dir, {recursive: true});
  const [weights, modelJson] = modelFiles(artifacts);
  fs.writeFileSync(path.join(dir, weights.name), weights.data);
  const target = path.join(dir, modelJson.name);
  if (unseen) {
    fs.writeFileSync(target, modelJson.data);
  } else {
    const partial = `${target}.partial`;
    fs.writeFileSync(partial, modelJson.data);
    fs.renameSync(partial, target);
  }
  return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
}

/** A file of a saved model: its name in the model's directory, its bytes. */
export declare interface ModelFile {
  name: string;
  data: string|Uint8Array;
}

/**
 * The files `writeModelArtifacts` writes, weights.bin then model.json (to
 * be written in that order: model.json says the model is complete).
 * weights.bin's bytes are the buffer of `artifacts` itself, not a copy.
 */
export function modelFiles(artifacts: tf.io.ModelArtifacts):
    [ModelFile, ModelFile] {
  const weights = weightBytes(artifacts);
  return [
    {name: WEIGHTS_BIN, data: weights},
    {name: MODEL_JSON, data: modelJsonText(artifacts, crc32Of([weights]))},
  ];
}

/**
 * model.json of `artifacts`, whose weights (in weights.bin) have CRC-32
 * `checksum` (undefined: not known, not kept).
 */
function modelJsonText(
    artifacts: tf.io.ModelArtifacts, checksum: number|undefined): string {
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    weightsManifest: [{
      paths: [WEIGHTS_BIN],
      weights: artifacts.weightSpecs ?? [],
    }],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
  };
  if (artifacts.trainingConfig !== undefined) {
    modelJson.trainingConfig = artifacts.trainingConfig;
  }
  if (artifacts.userDefinedMetadata !== undefined) {
    modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  }
  if (checksum !== undefined) {
    modelJson.userDefinedMetadata = {
      ...modelJson.userDefinedMetadata,
      [WEIGHTS_CRC32]: checksum,
    };
  }
  return JSON.stringify(modelJson);
}

/**
 * Hands `write` the files `saveModel` writes for `model` (without its
 * optimizer), in the order they must be written: weights.bin as the bytes
 * of each weight where its backend keeps them, then model.json.
 *
 * The trials' export path: the same files as `modelFiles(await
 * modelArtifacts(model))`, byte for byte (file_io_test), without the two
 * copies `model.save` makes of every weight (one out of the backend, one
 * into a new joined buffer) in fresh pages: about 0.7 ms a trial of the
 * cnn test settings. The parts are views into the backend's memory, good
 * only during the call: `write` copies them, and makes no TensorFlow.js
 * call meanwhile.
 *
 * @throws ValueError naming a weight of a dtype a layers model cannot
 *     save in this format (strings, complex numbers).
 */
export function writeModelFiles(
    model: tf.LayersModel,
    write: (name: string, data: string|ReadonlyArray<Uint8Array>) => void):
    void {
  // What LayersModel.save puts into its artifacts, the weights aside.
  const weights = model.weights;
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const weight of weights) {
    const tensor = weight.read();
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32' &&
        tensor.dtype !== 'bool') {
      throw new ValueError(`weight ${weight.originalName} of model ${
          model.name} is of dtype ${tensor.dtype}, which ${
          WEIGHTS_BIN} cannot hold`);
    }
    specs.push({name: weight.originalName, shape: tensor.shape,
                dtype: tensor.dtype});
    parts.push(storedBytes(tensor));
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: model.toJSON(null, false) as tf.io.ModelArtifacts[
        'modelTopology'],
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version['tfjs-layers']}`,
    convertedBy: null,
    weightSpecs: specs,
  };
  const metadata = (model as unknown as {userDefinedMetadata?: {}})
                       .userDefinedMetadata;
  if (metadata != null) artifacts.userDefinedMetadata = metadata;
  write(WEIGHTS_BIN, parts);
  write(MODEL_JSON, modelJsonText(artifacts, crc32Of(parts)));
}

/**
 * A tensor's values as bytes: a view of the backend's own storage where it
 * lends one (float32 on wasm and cpu), else a copy read out.
 */
function storedBytes(tensor: tf.Tensor): Uint8Array {
  const values = storageView(tensor) ?? tensor.dataSync();
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * Where model.json keeps the CRC-32 of its weights, so that a weight file
 * damaged in place (same size, other bytes) is refused when read rather
 * than trained from.
 */
const WEIGHTS_CRC32 = 'model_search_weights_crc32';

/**
 * The CRC-32 of `parts` one after the other, or undefined on a Node
 * without zlib.crc32 (before 20.15): the check is then skipped.
 */
function crc32Of(parts: ReadonlyArray<Uint8Array>): number|undefined {
  const crc32 = (zlib as {crc32?: (data: Uint8Array, value?: number) => number})
                    .crc32;
  if (crc32 === undefined) return undefined;
  let value = 0;
  for (const part of parts) value = crc32(part, value);
  return value;
}

/**
 * The weights as one block of bytes. A model's save hands them over as a
 * single buffer already, written as it is: joining copies even one buffer
 * (half a millisecond a megabyte, in fresh pages).
 */
function weightBytes(artifacts: tf.io.ModelArtifacts): Uint8Array {
  const data = artifacts.weightData;
  if (data === undefined) return new Uint8Array(0);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/**
 * Reads a model written by `saveModel` (or by tfjs-node's `file://`
 * handler, or by the tfjs converter: any number of weight files listed in
 * model.json, relative to it).
 *
 * @throws ValueError naming the file when model.json is missing or not
 *     JSON, or when a weight file is missing or lies outside `dir`.
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(await readArtifacts(dir)));
}

/**
 * model.json and the weight files it lists, in memory. Read synchronously,
 * as they are written: a search reads the models of earlier trials between
 * two of its own, with nothing else to do meanwhile.
 */
async function readArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const modelJson = readModelJson(dir);
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    const names: string[] = [];
    for (const group of manifest) {
      for (const name of group.paths) {
        buffers.push(readWeightFile(dir, name));
        names.push(name);
      }
    }
    const specs = tf.io.getWeightSpecs(manifest);
    checkWeightFiles(dir, modelJson, specs, names, buffers);
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
}

/**
 * What is wrong with the model files in `dir` (model.json unreadable, a
 * weight file missing, cut short or changed in place), or undefined when
 * they are whole: the checks of loadModel, without building the model.
 */
export function modelFilesProblem(dir: string): string|undefined {
  try {
    const modelJson = readModelJson(dir);
    const manifest = modelJson.weightsManifest;
    const names = manifest.flatMap((group) => group.paths);
    checkWeightFiles(
        dir, modelJson, manifest.flatMap((group) => group.weights), names,
        names.map((name) => readWeightFile(dir, name)));
    return undefined;
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    return e.message;
  }
}

/**
 * Throws a ValueError naming the files when `buffers` (the weight files
 * `names` of `dir`) do not hold the weights `modelJson` lists.
 */
function checkWeightFiles(
    dir: string, modelJson: tf.io.ModelJSON,
    specs: tf.io.WeightsManifestEntry[], names: string[],
    buffers: ArrayBuffer[]): void {
  // A weight file cut short (or grown) would be read into tensors of
  // the wrong size, which TensorFlow.js refuses naming no file.
  const listed =
      specs.reduce((sum, spec) => sum + savedWeightBytes(spec), 0);
  const held = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  if (Number.isFinite(listed) && listed !== held) {
    throw new ValueError(
        `${path.join(dir, names.join(', '))}: ${held} bytes, but ${
            MODEL_JSON} lists weights of ${listed}; the file is damaged: ` +
        'copy the whole model directory again');
  }
  const saved = modelJson.userDefinedMetadata?.[WEIGHTS_CRC32];
  const found = typeof saved === 'number' ?
      crc32Of(buffers.map((b) => new Uint8Array(b))) :
      undefined;
  if (found !== undefined && found !== saved) {
    throw new ValueError(
        `${path.join(dir, names.join(', '))}: not the weights ${
            MODEL_JSON} was saved with (their checksum differs); the ` +
        'file is damaged: copy the whole model directory again');
  }
}

/** Bytes of one saved weight: its values, at the width they are kept. */
function savedWeightBytes(spec: tf.io.WeightsManifestEntry): number {
  const values = spec.shape.reduce((a, b) => a * b, 1);
  const kept = spec.quantization?.dtype ?? spec.dtype;
  const width: Record<string, number> = {
    float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2,
  };
  // A dtype of no fixed width (strings keep their lengths): NaN, which
  // leaves the files unchecked.
  return values * (width[kept] ?? NaN);
}

/**
 * The weights of a saved model without the model: what copying trained
 * weights into another model needs (restoring towers, warm starts), at a
 * fraction of the cost of `loadModel`, which builds every layer and runs
 * the graph construction first.
 */
export declare interface SavedWeights {
  /** The model's layer names, weightless ones included, in saved order. */
  layerNames: string[];
  /**
   * A layer's weights keyed by their name after the layer's (`kernel`,
   * `bias`, `moving_mean`), in the order they were saved; missing for a
   * layer without weights.
   */
  byLayer: Map<string, Map<string, tf.Tensor>>;
  /** Releases every tensor of byLayer. */
  dispose(): void;
}

/**
 * Reads the weights of a model written by `saveModel` (see `loadModel` for
 * what else it reads) as tensors, grouped by layer. A weight belongs to the
 * layer with the longest name that prefixes its own up to a `/`, as
 * TensorFlow.js names them (`<layer name>/<weight>`); a weight no layer
 * name prefixes goes under its name up to the last `/`.
 *
 * @throws ValueError as `loadModel` does.
 */
export async function readSavedWeights(dir: string): Promise<SavedWeights> {
  const artifacts = await readArtifacts(dir);
  const layerNames = topologyLayerNames(artifacts.modelTopology);
  // Longest first, so that `a/b` claims `a/b/kernel` before `a` would.
  const byLength = [...layerNames].sort((a, b) => b.length - a.length);
  const named = tf.io.decodeWeights(
      artifacts.weightData ?? new ArrayBuffer(0), artifacts.weightSpecs ?? []);
  const byLayer = new Map<string, Map<string, tf.Tensor>>();
  for (const spec of artifacts.weightSpecs ?? []) {
    const layer = byLength.find((l) => spec.name.startsWith(`${l}/`)) ??
        spec.name.slice(0, Math.max(0, spec.name.lastIndexOf('/')));
    let weights = byLayer.get(layer);
    if (weights === undefined) {
      weights = new Map();
      byLayer.set(layer, weights);
    }
    weights.set(spec.name.slice(layer.length + 1), named[spec.name]);
  }
  return {
    layerNames,
    byLayer,
    dispose: () => tf.dispose(Object.values(named)),
  };
}

/**
 * The layer names of a saved Keras topology: a functional model's
 * `config.layers[].name`, a Sequential's `config.layers[].config.name`.
 */
function topologyLayerNames(topology: unknown): string[] {
  const config = (topology as {config?: unknown}|null)?.config;
  const layers = (config as {layers?: unknown}|null)?.layers;
  if (!Array.isArray(layers)) return [];
  const names: string[] = [];
  for (const layer of layers) {
    const name = layer?.name ?? layer?.config?.name;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

function readModelJson(dir: string): tf.io.ModelJSON {
  const file = path.join(dir, MODEL_JSON);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ValueError(
        `${file}: cannot read the model (${messageOf(e)}); give the ` +
        `model directory of a trial (its model/ folder), which holds it`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ValueError(
        `${file}: not JSON (${messageOf(e)}); the file is damaged: copy ` +
        'the whole model directory again from a good copy');
  }
  const json = parsed as Partial<tf.io.ModelJSON>|null;
  if (json === null || typeof json !== 'object' ||
      json.modelTopology == null || !Array.isArray(json.weightsManifest)) {
    throw new ValueError(
        `${file}: lacks modelTopology or weightsManifest; it is not a ` +
        `TensorFlow.js layers model`);
  }
  return json as tf.io.ModelJSON;
}

function readWeightFile(dir: string, name: string): ArrayBuffer {
  const root = path.resolve(dir);
  const file = path.resolve(root, name);
  if (path.relative(root, file).startsWith('..') || path.isAbsolute(name)) {
    throw new ValueError(
        `${path.join(dir, MODEL_JSON)}: weight file "${name}" lies outside ` +
        `${dir}; weight paths must be relative to the model directory`);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new ValueError(
        `${path.join(dir, MODEL_JSON)}: weight file "${name}" cannot be ` +
        `read (${messageOf(e)}); copy the whole model directory`);
  }
  return bytes.buffer.slice(
      bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
