/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Transfer learning (transfer_learning.py): a trial's new tower starts from
 * a weighted mean of the weights earlier trials trained, instead of its
 * initializers.
 *
 * Layers match by name within the search tower: block position and block
 * name (`3_FIXED_OUTPUT_FULLY_CONNECTED_256/...`) or the logits, and by
 * the shapes of all their weights; a layer no source has keeps its
 * initializers. This is how the
 * original matches variables across trials' checkpoints, by their scoped
 * names.
 *
 * | transfer_learning_type                  | sources, weight of trial k   |
 * |-----------------------------------------|------------------------------|
 * | UNIFORM_AVERAGE_TRANSFER_LEARNING       | latest, d^(n-k)              |
 * | LOSS_WEIGHTED_AVERAGE_TRANSFER_LEARNING | lowest loss, d^(n-k) / loss  |
 * | SNAPSHOT_TRANSFER_LEARNING              | trial n - 1 alone            |
 *
 * n is the new trial, d previous_trials_discount_factor; at most
 * max_completed_trials sources take part; the weights are normalised to a
 * sum of 1. `loss` is each trial's evaluation loss.
 */

import * as path from 'path';

import {readSavedWeights} from '../backend/file_io';
import type {SavedWeights} from '../backend/file_io';
import {tf} from '../backend/tf';
import {savedWeightsFor, towerLayerNames, towerLayers} from '../ensemble_model';
import {SEARCH_GENERATOR, towerName} from '../generators/base_tower_generator';
import {transferLearningTypeName} from '../generators/trial_utils';
import type {Trial} from '../metadata/trial';
import type {TransferLearningSpec} from '../proto/transfer_learning_spec';
import {fromEarlierTrial} from '../train_loop';
import {TRIAL_FILES, trialDirName} from '../trial_directory';

/** An earlier trial and its share of the warm start. */
export declare interface WarmStartSource {
  trialId: number;
  weight: number;
}

const SEARCH_TOWER = towerName(SEARCH_GENERATOR, 0);

/**
 * The trials that warm-start trial `trialId`, with their weights summing
 * to 1; empty without transfer learning or without a completed trial.
 */
export function warmStartSources(
    spec: TransferLearningSpec|undefined, completed: readonly Trial[],
    trialId: number): WarmStartSource[] {
  const type = transferLearningTypeName(spec);
  if (type === 'UNKNOWN_TRANSFER_LEARNING_TYPE' ||
      type === 'NO_TRANSFER_LEARNING') {
    return [];
  }
  const discount = spec?.previousTrialsDiscountFactor ?? 1;
  const most = spec?.maxCompletedTrials ?? 1000000;
  // Only trials that trained a tower of their own have one to give.
  const candidates = completed.filter(
      (t) => t.state === 'COMPLETED' && t.id < trialId &&
          t.architecture.length > 0 &&
          Number.isFinite(t.metrics?.['loss']));
  let chosen: Trial[];
  // Logarithms of the weights: d^(n-k) of an old trial would underflow to
  // 0 (or overflow, d above 1) long before the normalised share does.
  let logRaw: (t: Trial) => number;
  const logDiscount = (t: Trial) => (trialId - t.id) * Math.log(discount);
  switch (type) {
    case 'SNAPSHOT_TRANSFER_LEARNING':
      chosen = candidates.filter((t) => t.id === trialId - 1);
      logRaw = () => 0;
      break;
    case 'UNIFORM_AVERAGE_TRANSFER_LEARNING':
      chosen = [...candidates].sort((a, b) => b.id - a.id).slice(0, most);
      logRaw = logDiscount;
      break;
    case 'LOSS_WEIGHTED_AVERAGE_TRANSFER_LEARNING':
      chosen = [...candidates]
                   .sort((a, b) => a.metrics!['loss'] - b.metrics!['loss'])
                   .slice(0, most);
      logRaw = (t) =>
          logDiscount(t) - Math.log(Math.max(t.metrics!['loss'], 1e-12));
      break;
    default:
      return [];
  }
  const logs = chosen.map(logRaw);
  const top = Math.max(...logs);
  const weights = logs.map((l) => Math.exp(l - top));
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return [];
  return chosen.map((t, i) => ({trialId: t.id, weight: weights[i] / total}))
      .sort((a, b) => a.trialId - b.trialId);
}

/**
 * Sets the search tower of `model` (trial `trialId`) to the weighted mean
 * of the matching weights of the sources' exported models under
 * `modelDir`. A layer only some sources have is their mean, renormalised.
 *
 * @returns how many weight tensors were set, and how many took part of
 *     their values from each source, in the order of `sources`.
 */
export async function warmStart(
    model: tf.LayersModel, trialId: number, sources: WarmStartSource[],
    modelDir: string): Promise<WarmStartResult> {
  const target = towerLayers(model, trialId, SEARCH_TOWER);
  // Only the weights: building the source models would cost more than
  // building this one.
  const loaded: SavedWeights[] = [];
  let set = 0;
  const given = sources.map(() => 0);
  try {
    const sourceLayers: Array<[number, SavedWeights, Map<string, string>]> =
        [];
    for (const source of sources) {
      const saved = await fromEarlierTrial(
          source.trialId, trialId, 'starts from the weights of',
          () => readSavedWeights(path.join(
              modelDir, trialDirName(source.trialId), TRIAL_FILES.model)));
      loaded.push(saved);
      sourceLayers.push([
        source.weight, saved,
        towerLayerNames(saved.layerNames, source.trialId, SEARCH_TOWER),
      ]);
    }
    for (const [key, layer] of target) {
      const current = layer.getWeights();
      // A source layer takes part when all its weights have the shapes of
      // this one's: half a layer (a bias without its kernel) is no start.
      const matching: Array<[number, tf.Tensor[]]> = [];
      const givers: number[] = [];
      sourceLayers.forEach(([share, saved, names], source) => {
        const name = names.get(key);
        const weights = name === undefined ?
            undefined :
            savedWeightsFor(layer, saved.byLayer.get(name));
        if (weights !== undefined &&
            weights.every((w, i) =>
                tf.util.arraysEqual(w.shape, current[i].shape))) {
          matching.push([share, weights]);
          givers.push(source);
        }
      });
      if (matching.length === 0 || current.length === 0) continue;
      for (const source of givers) given[source] += current.length;
      const total = matching.reduce((a, [s]) => a + s, 0);
      const next = current.map((_, i) => tf.tidy(() => tf.addN(
          matching.map(([s, weights]) => tf.mul(weights[i], s / total)))));
      set += next.length;
      layer.setWeights(next);
      tf.dispose(next);
    }
  } finally {
    for (const saved of loaded) saved.dispose();
  }
  return {set, given};
}

/** What warmStart did. */
export declare interface WarmStartResult {
  /** Weight tensors of the trial's tower that were set. */
  set: number;
  /**
   * Per source, in order: of those, how many took part of their values
   * from it (0: none of its layers matches one of this tower in shape).
   */
  given: number[];
}
