/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {Random} from '../random';
import {buildHparamSpace, CategoricalHparam, hparamFromBlockRange, HparamSpace, inSpace, mergeSpaces, NumericHparam, OPTIMIZERS, sampleRandom, validateSpace} from './hyperparameters';

const BLOCKS = ['FULLY_CONNECTED', 'FIXED_OUTPUT_FULLY_CONNECTED_128'];

function names(space: HparamSpace): string[] {
  return space.params.map((p) => p.name);
}

function param<T>(space: HparamSpace, name: string): T {
  const found = space.params.find((p) => p.name === name);
  assert.ok(found, `no hparam ${name}`);
  return found as T;
}

describe('buildHparamSpace', () => {
  it('always has learning_rate and optimizer', () => {
    const space =
        buildHparamSpace({blocksToUse: BLOCKS, minimumDepth: 2,
                          trainSteps: 100});
    assert.deepEqual(names(space), ['learning_rate', 'optimizer']);
    assert.deepEqual(param<NumericHparam>(space, 'learning_rate'), {
      kind: 'numeric',
      name: 'learning_rate',
      min: 1e-6,
      max: 0.01,
      scale: 'log',
    });
    assert.deepEqual(param<CategoricalHparam>(space, 'optimizer').values,
                     ['momentum', 'sgd', 'adagrad', 'adam', 'rmsprop']);
  });

  const optional = [
    {flag: 'applyExponentialDecay',
     added: ['exponential_decay_rate', 'exponential_decay_steps']},
    {flag: 'applyGradientClipping', added: ['gradient_max_norm']},
    {flag: 'applyL2Regularization', added: ['l2_regularization']},
  ];
  for (const row of optional) {
    it(`adds ${row.added.join(', ')} with ${row.flag}`, () => {
      const space = buildHparamSpace({
        blocksToUse: BLOCKS,
        minimumDepth: 2,
        trainSteps: 100,
        learningSpec: {[row.flag]: true},
      });
      assert.deepEqual(names(space), ['learning_rate', 'optimizer',
                                      ...row.added]);
    });
  }

  it('takes the learning_spec ranges and defaults', () => {
    const space = buildHparamSpace({
      blocksToUse: BLOCKS,
      minimumDepth: 2,
      trainSteps: 100,
      learningSpec: {
        applyExponentialDecay: true,
        applyGradientClipping: true,
        applyL2Regularization: true,
        maxL2Regularization: 0.2,
      },
    });
    const rate = param<NumericHparam>(space, 'exponential_decay_rate');
    assert.deepEqual([rate.min, rate.max], [0.75, 0.95]);
    // trainSteps // i for i in [1, 5).
    assert.deepEqual(
        param<CategoricalHparam>(space, 'exponential_decay_steps').values,
        [100, 50, 33, 25]);
    const norm = param<NumericHparam>(space, 'gradient_max_norm');
    assert.deepEqual([norm.type, norm.min, norm.max], ['int', 2, 5]);
    const l2 = param<NumericHparam>(space, 'l2_regularization');
    assert.deepEqual([l2.min, l2.max], [0, 0.2]);
  });

  it('removes repeated and zero decay steps', () => {
    const space = buildHparamSpace({
      blocksToUse: BLOCKS,
      minimumDepth: 1,
      trainSteps: 4,
      learningSpec: {applyExponentialDecay: true, maxDecayTimes: 10000},
    });
    assert.deepEqual(
        param<CategoricalHparam>(space, 'exponential_decay_steps').values,
        [4, 2, 1]);
  });

  it('offers no dropout or ten rates between min and max dropout', () => {
    const space = buildHparamSpace({
      blocksToUse: BLOCKS,
      minimumDepth: 2,
      trainSteps: 100,
      applyDropoutsBetweenBlocks: true,
    });
    assert.deepEqual(
        param<CategoricalHparam>(space, 'dropout_rate').values,
        [-1, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55]);
  });

  it('adds the architecture hparams on request', () => {
    const space = buildHparamSpace({
      blocksToUse: BLOCKS,
      minimumDepth: 2,
      trainSteps: 100,
      architectureHparams: true,
    });
    assert.deepEqual(names(space), [
      'learning_rate', 'new_block_type', 'optimizer', 'initial_architecture_0',
      'initial_architecture_1',
    ]);
    assert.deepEqual(
        param<CategoricalHparam>(space, 'initial_architecture_1').values,
        BLOCKS);
  });

  it('puts block hparams first', () => {
    const space = buildHparamSpace({
      blocksToUse: BLOCKS,
      minimumDepth: 1,
      trainSteps: 10,
      blockHparams: [hparamFromBlockRange({name: 'output_size', min: 50,
                                           max: 100})],
    });
    assert.deepEqual(names(space), ['output_size', 'learning_rate',
                                    'optimizer']);
    assert.equal(param<NumericHparam>(space, 'output_size').type, 'int');
  });

  it('rejects min_dropout >= max_dropout', () => {
    assert.throws(
        () => buildHparamSpace({
          blocksToUse: BLOCKS,
          minimumDepth: 1,
          trainSteps: 10,
          applyDropoutsBetweenBlocks: true,
          learningSpec: {minDropout: 0.5, maxDropout: 0.5},
        }),
        /min_dropout \(0.5\) must be below max_dropout \(0.5\)/);
  });

  it('rejects dropout bounds outside [0, 1]', () => {
    const space = (minDropout: number, maxDropout: number) => () =>
        buildHparamSpace({
          blocksToUse: BLOCKS,
          minimumDepth: 1,
          trainSteps: 10,
          applyDropoutsBetweenBlocks: true,
          learningSpec: {minDropout, maxDropout},
        });
    assert.throws(space(1.5, 2), new RegExp(
        '^ValueError: phoenix_spec.learning_spec: min_dropout 1.5 and ' +
        'max_dropout 2 must lie in \\[0, 1\\]'));
    assert.throws(space(-0.5, 0.1), /min_dropout -0.5 and max_dropout 0.1/);
    assert.throws(space(0.2, 1.01), /must lie in/);
    const rates = (space(0, 1)().params.find(
                       (p) => p.name === 'dropout_rate') as
                   {values: number[]}).values;
    assert.deepEqual([rates[0], rates[1], rates[10]], [-1, 0, 0.9]);
  });

  it('draws the learning rate from learning_spec\'s range', () => {
    const space = (minLearningRate?: number, maxLearningRate?: number) =>
        () => buildHparamSpace({
          blocksToUse: BLOCKS,
          minimumDepth: 1,
          trainSteps: 10,
          learningSpec: {minLearningRate, maxLearningRate},
        });
    const rate = (built: ReturnType<ReturnType<typeof space>>) =>
        built.params.find((p) => p.name === 'learning_rate') as
        {min: number, max: number, scale: string};
    // The original's range when none is given.
    assert.deepEqual(
        [rate(space()()).min, rate(space()()).max, rate(space()()).scale],
        [1e-6, 0.01, 'log']);
    assert.deepEqual([rate(space(1e-3, 0.1)()).min, rate(space(1e-3, 0.1)()).max],
                     [1e-3, 0.1]);
    assert.throws(space(0, 0.1), new RegExp(
        '^ValueError: phoenix_spec.learning_spec: min_learning_rate 0 and ' +
        'max_learning_rate 0.1 must be above 0, the first at most the ' +
        'second \\(the range is drawn from log-uniformly\\)$'));
    assert.throws(space(0.1, 0.01), /min_learning_rate 0.1 and max_learning_rate 0.01/);
    assert.throws(space(1e-3, Infinity), /must be above 0/);
  });

  it('rejects learning rate decay rates outside (0, 1]', () => {
    const space = (minLearningRateDecayRate: number,
                   maxLearningRateDecayRate: number) => () =>
        buildHparamSpace({
          blocksToUse: BLOCKS,
          minimumDepth: 1,
          trainSteps: 10,
          learningSpec: {applyExponentialDecay: true,
                         minLearningRateDecayRate, maxLearningRateDecayRate},
        });
    assert.throws(space(1.5, 2), new RegExp(
        '^ValueError: phoenix_spec.learning_spec: ' +
        'min_learning_rate_decay_rate 1.5 and max_learning_rate_decay_rate ' +
        '2 must lie in \\(0, 1\\] \\(the factor the learning rate is ' +
        'multiplied by every exponential_decay_steps steps; above 1 it ' +
        'grows\\)$'));
    assert.throws(space(0, 0.5), /min_learning_rate_decay_rate 0 and/);
    assert.throws(space(0.9, 1.01), /must lie in/);
    const rate = space(0.5, 1)().params.find(
        (p) => p.name === 'exponential_decay_rate');
    assert.deepEqual([(rate as {min: number}).min, (rate as {max: number}).max],
                     [0.5, 1]);
  });
});

describe('sampleRandom', () => {
  const space = validateSpace({params: [
    {kind: 'numeric', name: 'lr', min: 1e-6, max: 1e-2, scale: 'log'},
    {kind: 'numeric', name: 'rate', min: 0.75, max: 0.95},
    {kind: 'numeric', name: 'norm', min: 2, max: 5, type: 'int'},
    {kind: 'numeric', name: 'units', min: 8, max: 512, type: 'int',
     scale: 'log'},
    {kind: 'categorical', name: 'optimizer', values: [...OPTIMIZERS]},
    {kind: 'boolean', name: 'flag'},
  ]});

  it('stays in range and reaches every integer and choice', () => {
    const rng = new Random(9);
    const norms = new Set<number>();
    const optimizers = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const values = sampleRandom(space, rng);
      for (const p of space.params) {
        assert.ok(inSpace(p, values[p.name]), `${p.name}=${values[p.name]}`);
      }
      norms.add(values['norm'] as number);
      optimizers.add(values['optimizer'] as string);
    }
    assert.deepEqual([...norms].sort(), [2, 3, 4, 5]);
    assert.equal(optimizers.size, OPTIMIZERS.length);
  });

  it('samples log scales uniformly in log space', () => {
    const rng = new Random(10);
    let belowMiddle = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      // The log-space middle of [1e-6, 1e-2] is 1e-4.
      if ((sampleRandom(space, rng)['lr'] as number) < 1e-4) belowMiddle++;
    }
    // Binomial(4000, 0.5): 5 standard deviations are about 158.
    assert.ok(Math.abs(belowMiddle - n / 2) < 158, `${belowMiddle}`);
  });
});

describe('mergeSpaces', () => {
  it('adds params under a prefix, as the original merge', () => {
    const blockSpace: HparamSpace = {params: [
      {kind: 'numeric', name: 'output_size', min: 50, max: 100, type: 'int'},
      {kind: 'numeric', name: 'memory_size', min: 4, max: 32, type: 'int'},
    ]};
    let merged = mergeSpaces({params: []}, blockSpace, 'TUNABLE1_');
    assert.deepEqual(names(merged),
                     ['TUNABLE1_output_size', 'TUNABLE1_memory_size']);
    merged = mergeSpaces(merged, blockSpace, 'TUNABLE2_');
    assert.deepEqual(names(merged), [
      'TUNABLE1_output_size', 'TUNABLE1_memory_size', 'TUNABLE2_output_size',
      'TUNABLE2_memory_size',
    ]);
  });

  it('keeps existing params unless overwriting', () => {
    const a: HparamSpace = {params: [{kind: 'boolean', name: 'x'}]};
    const b: HparamSpace =
        {params: [{kind: 'categorical', name: 'x', values: [1]}]};
    assert.equal(mergeSpaces(a, b, '', false).params[0].kind, 'boolean');
    assert.equal(mergeSpaces(a, b).params[0].kind, 'categorical');
  });
});

describe('validateSpace', () => {
  const bad = [
    {name: 'duplicate names', error: /declared twice/, params: [
      {kind: 'boolean', name: 'x'}, {kind: 'boolean', name: 'x'}]},
    {name: 'inverted range', error: /range \[2, 1\]/, params: [
      {kind: 'numeric', name: 'x', min: 2, max: 1}]},
    {name: 'log scale from 0', error: /needs min > 0/, params: [
      {kind: 'numeric', name: 'x', min: 0, max: 1, scale: 'log'}]},
    {name: 'no values', error: /has no values/, params: [
      {kind: 'categorical', name: 'x', values: []}]},
  ] as const;
  for (const row of bad) {
    it(`rejects ${row.name}`, () => {
      assert.throws(
          () => validateSpace({params: row.params as unknown as
                               HparamSpace['params']}),
          row.error);
    });
  }
});
