/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {Random} from '../random';
import {normalCdf} from './gaussian_process';
import {HparamSpace, HparamValue, inSpace} from './hyperparameters';
import {BayesianTuner, createTuner, RandomTuner, Tuner, TunerTrial} from './tuner';

const OBJECTIVE = {metric: 'accuracy', goal: 'maximize'} as const;

/** A smooth 1-D objective of a log-scaled learning rate, best at 3e-4. */
const ONE_D = {
  space: {params: [{kind: 'numeric', name: 'learning_rate', min: 1e-6,
                    max: 1e-2, scale: 'log'}]} as HparamSpace,
  score: (h: Record<string, HparamValue>) =>
      -((Math.log10(h['learning_rate'] as number) - Math.log10(3e-4)) ** 2),
};

/** A 2-D objective with a categorical dimension, best at (0.3, adam). */
const TWO_D = {
  space: {params: [
    {kind: 'numeric', name: 'x', min: 0, max: 1},
    {kind: 'numeric', name: 'y', min: -2, max: 2},
    {kind: 'categorical', name: 'optimizer',
     values: ['sgd', 'adam', 'rmsprop']},
  ]} as HparamSpace,
  score: (h: Record<string, HparamValue>) =>
      -8 * ((h['x'] as number) - 0.3) ** 2 -
      ((h['y'] as number) - 0.5) ** 2 + (h['optimizer'] === 'adam' ? 0.5 : 0),
};

/** Runs `budget` trials of `tuner` and returns the best score. */
function run(tuner: Tuner, problem: typeof ONE_D, budget: number,
             seed: number): number {
  const rng = new Random(seed);
  const trials: TunerTrial[] = [];
  for (let i = 0; i < budget; i++) {
    const hparams = tuner.suggest(problem.space, trials, OBJECTIVE, rng);
    for (const p of problem.space.params) {
      assert.ok(inSpace(p, hparams[p.name]), `${p.name}=${hparams[p.name]}`);
    }
    trials.push({state: 'COMPLETED', hparams,
                 metrics: {accuracy: problem.score(hparams)}});
  }
  return Math.max(...trials.map((t) => t.metrics!['accuracy']));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('BayesianTuner', () => {
  const problems = [
    {name: '1-D log-scaled', problem: ONE_D, budget: 15},
    {name: '2-D with a choice', problem: TWO_D, budget: 25},
  ];
  for (const row of problems) {
    it(`beats random search on a ${row.name} objective`, () => {
      const seeds = [1, 2, 3, 4, 5];
      const bayes = seeds.map(
          (s) => run(new BayesianTuner(), row.problem, row.budget, s));
      const random = seeds.map(
          (s) => run(new RandomTuner(), row.problem, row.budget, s));
      assert.ok(median(bayes) > median(random),
                `median best: bayesian ${median(bayes)}, random ${
                    median(random)}`);
    });
  }

  it('samples at random until minTrials trials completed', () => {
    const trials: TunerTrial[] = [1, 2, 3].map((i) => ({
      state: 'COMPLETED',
      hparams: {learning_rate: i * 1e-4},
      metrics: {accuracy: i},
    }));
    const bayes = new BayesianTuner({minTrials: 4})
                      .suggest(ONE_D.space, trials, OBJECTIVE, new Random(5));
    const random = new RandomTuner()
                       .suggest(ONE_D.space, trials, OBJECTIVE, new Random(5));
    assert.deepEqual(bayes, random);
  });

  it('ignores trials that are not usable', () => {
    const trials: TunerTrial[] = [
      {state: 'FAILED', hparams: {learning_rate: 1e-3}},
      {state: 'COMPLETED', hparams: {learning_rate: 5}, metrics: {accuracy: 1}},
      {state: 'COMPLETED', hparams: {}, metrics: {accuracy: 1}},
      {state: 'COMPLETED', hparams: {learning_rate: 1e-3}, metrics: {}},
    ];
    // None is usable: the same as a random draw.
    const bayes = new BayesianTuner({minTrials: 1})
                      .suggest(ONE_D.space, trials, OBJECTIVE, new Random(6));
    const random = new RandomTuner()
                       .suggest(ONE_D.space, trials, OBJECTIVE, new Random(6));
    assert.deepEqual(bayes, random);
  });

  it('minimizes when the goal says so', () => {
    const minimize = {metric: 'loss', goal: 'minimize'} as const;
    const rng = new Random(7);
    const trials: TunerTrial[] = [];
    const tuner = new BayesianTuner();
    for (let i = 0; i < 15; i++) {
      const hparams = tuner.suggest(ONE_D.space, trials, minimize, rng);
      trials.push({state: 'COMPLETED', hparams,
                   metrics: {loss: -ONE_D.score(hparams)}});
    }
    const best = Math.min(...trials.map((t) => t.metrics!['loss']));
    // Within 0.03 decades of 3e-4 (a random draw: 1.6% of the time).
    assert.ok(best < 1e-3, `best loss ${best}`);
  });
});

describe('createTuner', () => {
  it('creates both tuners by --hypertuning_method', () => {
    assert.equal(createTuner('random').name, 'random');
    assert.equal(createTuner('bayesian').name, 'bayesian');
  });

  it('lists the methods for an unknown one', () => {
    assert.throws(
        () => createTuner('randm'),
        (error: Error) => {
          assert.equal(error.name, 'UsageError');
          assert.equal(
              error.message,
              '--hypertuning_method=randm is not a tuner; did you mean ' +
                  '"random"?; use one of: random, bayesian');
          return true;
        });
  });
});

describe('normalCdf', () => {
  const cases = [
    {z: 0, want: 0.5}, {z: 1, want: 0.8413447461}, {z: -1.96, want: 0.0249979},
    {z: 3, want: 0.9986501020},
  ];
  for (const c of cases) {
    it(`is ${c.want} at ${c.z}`, () => {
      assert.ok(Math.abs(normalCdf(c.z) - c.want) < 1e-6);
    });
  }
});
