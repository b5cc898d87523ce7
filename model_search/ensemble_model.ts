/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Builds the model of a trial from its towers (generators/), combined by
 * the ensembler, and restores the towers that earlier trials trained:
 * each is rebuilt with the same blocks and hyperparameters, and its
 * weights are copied layer by layer from the source trial's exported
 * model, matched by the layer names under the tower's prefix.
 */

import * as path from 'path';

import {buildLogits, buildTower} from './architecture/architecture_utils';
import {readSavedWeights} from './backend/file_io';
import type {SavedWeights} from './backend/file_io';
import {tf} from './backend/tf';
import type {InputSchema, Provider} from './data/data';
import {Ensembler} from './ensembler';
import type {TrainTarget} from './ensembler';
import {isTowerOf, SEARCH_GENERATOR, towerName} from './generators/base_tower_generator';
import type {TowerRecord} from './generators/base_tower_generator';
import {withoutRandomDraws} from './blocks/initializers';
import {buildInputs} from './phoenix';
import type {EnsemblingSpec} from './proto/ensembling_spec';
import {fromEarlierTrial, UnusableTrialError} from './train_loop';
import {TRIAL_FILES, trialDirName} from './trial_directory';

const SEARCH_TOWER = towerName(SEARCH_GENERATOR, 0);

/**
 * The prefix of a tower's layer names. The search tower keeps the names a
 * single-tower trial has always had (phoenix.ts buildModel), so that the
 * models of every trial restore the same way.
 */
export function towerLayerPrefix(trialId: number, tower: string): string {
  return tower === SEARCH_TOWER ? `trial_${trialId}/tower_0` :
                                  `trial_${trialId}/${tower}`;
}

/** The name of a tower's logits layer. */
export function towerLogitsName(trialId: number, tower: string): string {
  return tower === SEARCH_TOWER ? `trial_${trialId}/logits` :
                                  `trial_${trialId}/${tower}/logits`;
}

export declare interface TowersModelArgs {
  trialId: number;
  schema: InputSchema;
  numClasses: number;
  /** PhoenixSpec.ProblemType name. */
  problemType: string;
  /** Priors first or not: the search tower is put last whatever the order. */
  towers: TowerRecord[];
  applyDropoutsBetweenBlocks: boolean;
  provider?: Provider;
  ensembleSpec?: EnsemblingSpec;
}

export declare interface TowersModel {
  /** Inputs to the combined logits: what is evaluated and exported. */
  model: tf.LayersModel;
  /**
   * Inputs to the logits that train (the combined ones, the search
   * tower's, or both); undefined when nothing trains.
   */
  training?: tf.LayersModel;
  train: TrainTarget[];
  /** The towers in the order their logits enter the ensembler. */
  towers: TowerRecord[];
}

/** Builds the towers of a trial and their combination. */
export function buildTowersModel(args: TowersModelArgs): TowersModel {
  const priors = args.towers.filter((t) => !isTowerOf(t, SEARCH_GENERATOR));
  const search = args.towers.filter((t) => isTowerOf(t, SEARCH_GENERATOR));
  const towers = [...priors, ...search];
  const bundle = new Ensembler({
    ensembleSpec: args.ensembleSpec,
    numClasses: args.numClasses,
    namePrefix: `trial_${args.trialId}/ensemble`,
  }).bundleLogits(priors.length, search.length);

  const {inputs, lengths, towerInput} =
      buildInputs(args.schema, args.problemType, args.provider);
  const logits = towers.map((tower) => {
    const dropout = tower.hparams['dropout_rate'];
    // restoreTowers overwrites every weight of a tower with a source.
    const build = tower.source === undefined ?
        <T>(f: () => T) => f() :
        withoutRandomDraws;
    return build(() => buildLogits(buildTower(towerInput, tower.architecture, {
      problemType: args.problemType,
      isTraining: true,
      lengths,
      hparams: tower.hparams,
      namePrefix: towerLayerPrefix(args.trialId, tower.name),
      dropoutRate: typeof dropout === 'number' ? dropout : undefined,
      applyDropoutsBetweenBlocks: args.applyDropoutsBetweenBlocks,
    }), args.numClasses, towerLogitsName(args.trialId, tower.name)));
  });
  const combined = bundle.combine(logits);
  const name = `trial_${args.trialId}`;
  const model = tf.model({inputs, outputs: combined, name});
  // The search tower is last when there is one.
  const outputs = bundle.train.map(
      (target) => target === 'ensemble' ? combined : logits[logits.length - 1]);
  let training: tf.LayersModel|undefined;
  if (outputs.length === 1 && outputs[0] === combined) {
    training = model;
  } else if (outputs.length > 0) {
    training = tf.model({inputs, outputs, name: `${name}_training`});
  }
  return {model, training, train: bundle.train, towers};
}

/**
 * The layers of one tower of `model`, keyed by their name in the tower
 * (its logits layer as '<logits>').
 */
export function towerLayers(model: tf.LayersModel, trialId: number, tower: string):
    Map<string, tf.layers.Layer> {
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const out = new Map<string, tf.layers.Layer>();
  for (const [key, name] of towerLayerNames(byName.keys(), trialId, tower)) {
    out.set(key, byName.get(name)!);
  }
  return out;
}

/**
 * Of the layer names `names`, those of one tower, keyed by their name in
 * the tower (its logits layer as '<logits>').
 */
export function towerLayerNames(
    names: Iterable<string>, trialId: number, tower: string):
    Map<string, string> {
  const prefix = `${towerLayerPrefix(trialId, tower)}/`;
  const logits = towerLogitsName(trialId, tower);
  const out = new Map<string, string>();
  for (const name of names) {
    if (name === logits) {
      out.set('<logits>', name);
    } else if (name.startsWith(prefix)) {
      out.set(name.slice(prefix.length), name);
    }
  }
  return out;
}

/**
 * The saved weights of a layer (`SavedWeights.byLayer`'s entry) lined up
 * with `layer.weights`: by the name after the layer's, or by position for a
 * layer that names its weights otherwise. Undefined when the numbers of
 * weights differ or a name has no saved weight.
 */
export function savedWeightsFor(
    layer: tf.layers.Layer, saved: Map<string, tf.Tensor>|undefined):
    tf.Tensor[]|undefined {
  const own = layer.weights;
  const values = [...(saved ?? new Map<string, tf.Tensor>()).values()];
  if (values.length !== own.length) return undefined;
  const prefix = `${layer.name}/`;
  if (!own.every((w) => w.originalName.startsWith(prefix))) return values;
  const out: tf.Tensor[] = [];
  for (const weight of own) {
    const value = saved!.get(weight.originalName.slice(prefix.length));
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

/**
 * Makes a batch normalization layer normalize with its moving statistics
 * even while the model trains, as Keras does for a frozen one. TensorFlow.js
 * ignores `trainable` there: a frozen tower's moving mean and variance
 * would drift during the ensemble's training.
 */
function normalizeWithMovingStatistics(layer: tf.layers.Layer): void {
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => call(inputs, {...kwargs, training: false});
}

/**
 * Copies the trained weights of every tower with a `source` from the
 * exported model of its source trial under `modelDir`, and stops the
 * frozen ones from training.
 *
 * @returns the layers it froze: the trainer unfreezes them once trained,
 *     so that the exported model is an ordinary model (towers.json keeps
 *     which towers were frozen).
 * @throws UnusableTrialError naming the tower and the layer when the source
 *     model lacks a layer of the tower or its weights differ in shape.
 */
export async function restoreTowers(
    model: tf.LayersModel, towers: readonly TowerRecord[], trialId: number,
    modelDir: string): Promise<tf.layers.Layer[]> {
  // Only the weights: building the source models would cost more than
  // building this one.
  const sources = new Map<number, SavedWeights>();
  const frozen: tf.layers.Layer[] = [];
  try {
    for (const tower of towers) {
      if (tower.source === undefined) continue;
      const {trialId: sourceId, tower: sourceTower} = tower.source;
      let source = sources.get(sourceId);
      if (source === undefined) {
        const dir = path.join(modelDir, trialDirName(sourceId),
                              TRIAL_FILES.model);
        source = await fromEarlierTrial(
            sourceId, trialId, 'imports towers of',
            () => readSavedWeights(dir));
        sources.set(sourceId, source);
      }
      const from = towerLayerNames(source.layerNames, sourceId, sourceTower);
      const to = towerLayers(model, trialId, tower.name);
      const where = `trial ${trialId}: tower ${tower.name} restores tower ${
          sourceTower} of trial ${sourceId}`;
      if (to.size === 0 || from.size !== to.size) {
        throw new UnusableTrialError(sourceId,
            `${where}, but the source model has ${from.size} layers for it ` +
            `and the rebuilt tower ${to.size}; the source trial's ` +
            `${TRIAL_FILES.towers} and model disagree`);
      }
      for (const [key, layer] of to) {
        const found = from.get(key);
        if (found === undefined) {
          throw new UnusableTrialError(sourceId,
              `${where}, but the source model has no layer "${key}" in it`);
        }
        const saved = source.byLayer.get(found);
        const weights = savedWeightsFor(layer, saved);
        if (weights === undefined) {
          throw new UnusableTrialError(sourceId,
              `${where}: layer "${key}" has weights ${
                  layer.weights.map((w) => w.originalName).join(', ') ||
                  '(none)'} but the source saved ${
                  [...(saved?.keys() ?? [])].join(', ') || 'none'}`);
        }
        try {
          layer.setWeights(weights);
        } catch (e) {
          throw new UnusableTrialError(sourceId,
              `${where}: layer "${key}": ${(e as Error).message}`);
        }
        if (tower.frozen && layer.trainable) {
          layer.trainable = false;
          if (layer.getClassName() === 'BatchNormalization') {
            normalizeWithMovingStatistics(layer);
          }
          frozen.push(layer);
        }
      }
    }
  } finally {
    for (const source of sources.values()) source.dispose();
  }
  return frozen;
}
