/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The ensembler (ensembler.py, with the LogitBundler interface of
 * logit_bundler.py): combines the logits of the prior towers and of the
 * search tower into the ensemble's logits, and says which logits train.
 *
 * | combining | NONADAPTIVE, INTERMIXED | ADAPTIVE            | RESIDUAL |
 * |-----------|-------------------------|---------------------|----------|
 * | AVERAGE   | nothing                 | search              | ensemble |
 * | WEIGHTED  | ensemble                | ensemble and search | ensemble |
 *
 * AVERAGE is the mean of the member logits; WEIGHTED a dense layer (the
 * mixture weights) on the concatenated member logits. Training "ensemble"
 * means the loss of the combined logits against the labels; gradients
 * reach the mixture weights and the towers that are not frozen.
 */

import {tf} from './backend/tf';
import {ValueError} from './errors';
import {combiningTypeName, ensembleSpecWithDefaults, isAdaptiveEnsembleSearch, isResidualEnsembleSearch} from './generators/trial_utils';
import type {EnsemblingSpec} from './proto/ensembling_spec';

/** Logits that train: the combined ones, or the search tower's. */
export type TrainTarget = 'ensemble'|'search';

/** What bundling decided (EnsembleLogits, as a recipe). */
export declare interface EnsembleLogits {
  /**
   * Member logits (priors first, then the search tower's) to the
   * ensemble's. Every call reuses the same layers, so that a graph that
   * feeds precomputed prior logits shares the mixture weights with the
   * exported one.
   */
  combine(members: tf.SymbolicTensor[]): tf.SymbolicTensor;
  /** The logits whose losses train, summed. Empty: nothing trains. */
  train: TrainTarget[];
}

/** Bundles the logits of the towers of one trial. */
export declare interface LogitBundler {
  bundleLogits(numPriors: number, numSearch: number): EnsembleLogits;
}

export declare interface EnsemblerArgs {
  ensembleSpec?: EnsemblingSpec;
  /** The width of the logits. */
  numClasses: number;
  /** Prefix of the ensembler's layer names, e.g. 'trial_7/ensemble'. */
  namePrefix: string;
}

export class Ensembler implements LogitBundler {
  private readonly spec: EnsemblingSpec;

  constructor(private readonly args: EnsemblerArgs) {
    this.spec = ensembleSpecWithDefaults(args.ensembleSpec);
  }

  /**
   * @param numPriors Towers imported from earlier trials.
   * @param numSearch 0 or 1: the trial's new tower.
   */
  bundleLogits(numPriors: number, numSearch: number): EnsembleLogits {
    if (numPriors + numSearch === 0) {
      throw new ValueError('Ensembler: no towers to ensemble');
    }
    if (numSearch > 1) {
      throw new ValueError(
          `Ensembler: ${numSearch} search towers; a trial has at most one`);
    }
    if (numPriors === 0) {
      // No ensemble yet: the search tower alone.
      return {combine: (members) => members[0], train: ['search']};
    }
    const adaptive = isAdaptiveEnsembleSearch(this.spec);
    const residual = isResidualEnsembleSearch(this.spec);
    const combining = combiningTypeName(this.spec);
    let combine: EnsembleLogits['combine'];
    let train: TrainTarget[];
    if (combining === 'AVERAGE_ENSEMBLE') {
      combine = this.averager(numPriors + numSearch);
      train = residual ? ['ensemble'] :
          adaptive     ? (numSearch > 0 ? ['search'] : []) :
                         [];
    } else if (combining === 'WEIGHTED_ENSEMBLE') {
      combine = this.mixture(numPriors + numSearch);
      train = adaptive && numSearch > 0 ? ['ensemble', 'search'] :
                                          ['ensemble'];
    } else {
      throw new ValueError(
          `phoenix_spec.ensemble_spec.combining_type ${combining} is not ` +
          'a combining type; use AVERAGE_ENSEMBLE or WEIGHTED_ENSEMBLE');
    }
    if (this.spec.freezePrevious === false && !train.includes('ensemble')) {
      // Porting note: the original always freezes imported towers. With
      // freeze_previous false they train here, through the ensemble loss.
      train = [...train, 'ensemble'];
    }
    return {combine, train};
  }

  /** The mean of the member logits. */
  private averager(n: number): EnsembleLogits['combine'] {
    if (n === 1) return (members) => members[0];
    const layer = tf.layers.average({name: `${this.args.namePrefix}/average`});
    return (members) => layer.apply(members) as tf.SymbolicTensor;
  }

  /**
   * Learned mixture weights: a dense layer on the concatenated logits. It
   * starts as the average (a kernel of stacked identities over n, no
   * bias), so that a trial of few steps begins from the ensemble AVERAGE
   * would give, not from random mixture weights that scramble the towers'
   * classes.
   */
  private mixture(n: number): EnsembleLogits['combine'] {
    const prefix = this.args.namePrefix;
    const k = this.args.numClasses;
    const concat = n > 1 ?
        tf.layers.concatenate({axis: -1, name: `${prefix}/concat`}) :
        undefined;
    const dense = tf.layers.dense({units: k, name: `${prefix}/mixture`});
    let initialized = false;
    return (members) => {
      const joined = concat ? concat.apply(members) as tf.SymbolicTensor :
                              members[0];
      const out = dense.apply(joined) as tf.SymbolicTensor;
      if (!initialized) {
        initialized = true;
        const weights = tf.tidy(() => [
          tf.div(tf.concat(Array.from({length: n}, () => tf.eye(k)), 0), n),
          tf.zeros([k]),
        ]);
        dense.setWeights(weights);
        tf.dispose(weights);
      }
      return out;
    };
  }
}
