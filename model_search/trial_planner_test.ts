/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import {BLOCKS} from './blocks';
import type {HparamRange} from './blocks/block';
import {ValueError} from './errors';
import {resolveWorkspacePath} from './constants';
import {problemTypeName} from './oss_trainer_lib';
import {buildModel} from './phoenix';
import type {PhoenixSpec} from './proto/phoenix_spec';
import {applyDefaults, loadSpecFile, parsePhoenixSpec} from './proto/text_format';
import {Random} from './random';
import {blockHparams, EnsembleWait, reservedHparamNames, TrialPlanner} from './trial_planner';

const CONFIG_DIR = resolveWorkspacePath('model_search/configs');

/** A small input of each problem type, without the batch. */
const INPUT_SHAPES: Record<string, number[]> = {
  CNN: [8, 8, 3],
  DNN: [12],
  RNN_ALL_ACTIVATIONS: [4, 3],
  RNN_LAST_ACTIVATIONS: [4, 3],
};

describe('TrialPlanner', () => {
  const configs = fs.readdirSync(CONFIG_DIR)
                      .filter((f) => f.endsWith('.pbtxt'))
                      .sort();

  it('finds the seven shipped configs', () => {
    assert.equal(configs.length, 7, configs.join(', '));
  });

  for (const config of configs) {
    it(`plans and builds the first trial of ${config}`, () => {
      const spec = loadSpecFile(path.join(CONFIG_DIR, config));
      const problemType = problemTypeName(spec);

      const planner = new TrialPlanner({
        spec,
        problemType,
        objective: {metric: 'loss', goal: 'minimize'},
        hypertuningMethod: 'random',
        trainSteps: 10,
      });
      const plan = planner.plan([], 1, new Random(3));

      assert.ok(plan.architecture.length >= 1, 'an empty architecture');
      assert.ok(plan.architecture.length <= (spec.maximumDepth ?? 20),
                `deeper than maximum_depth: ${plan.architecture}`);
      const unknown = plan.architecture.filter((b) => !BLOCKS.has(b));
      assert.deepEqual(unknown, [], 'unregistered blocks proposed');
      const model = buildModel({
        schema: {kind: 'test', shape: INPUT_SHAPES[problemType]},
        numClasses: 3,
        problemType,
        architecture: plan.architecture,
        hparams: plan.hparams,
        applyDropoutsBetweenBlocks: spec.applyDropoutsBetweenBlocks ?? false,
        namePrefix: `planner_${config.replace(/\W/g, '_')}`,
      });
      try {
        assert.equal(model.outputs[0].shape[model.outputs[0].shape.length - 1],
                     3);
      } finally {
        model.dispose();
      }
    });
  }

  /** A planner of random DNN towers of one block, after `tail`. */
  const dnnPlanner = (tail: string) => new TrialPlanner({
    spec: parsePhoenixSpec(
        'problem_type: DNN search_type: NONADAPTIVE_RANDOM_SEARCH ' +
        `blocks_to_use: "FIXED_OUTPUT_FULLY_CONNECTED_128" ${tail}`),
    problemType: 'DNN', objective: {metric: 'loss', goal: 'minimize'},
    hypertuningMethod: 'random', trainSteps: 10,
  });
  /** A trial of such a tower, of loss 1 / id, run by another worker. */
  const towerTrial = (id: number, state: 'COMPLETED'|'RUNNING') => ({
    id, state, architecture: ['FIXED_OUTPUT_FULLY_CONNECTED_128'],
    hparams: {learning_rate: 0.01}, metrics: {loss: 1 / id},
    workerId: 'other:7', directory: String(id),
  });

  it('has an ensemble of a non-adaptive search wait for its pool', () => {
    const planner = dnnPlanner(
        'ensemble_spec { ensemble_search_type: NONADAPTIVE_ENSEMBLE_SEARCH ' +
        'nonadaptive_search { minimal_pool_size: 2 width: 2 } }');
    const trial = towerTrial;

    assert.throws(
        () => planner.plan([trial(1, 'COMPLETED')], 3, new Random(1),
                           [trial(2, 'RUNNING')]),
        (e: Error) => e instanceof EnsembleWait &&
            e.waitingFor.id === 2 &&
            e.message === 'trial 3 ensembles trials of the pool (ids up to ' +
                '2), of which trial 2 is still running in worker other:7');
    // A pool trial, or a later trial once the pool is in, plans at once.
    planner.plan([trial(1, 'COMPLETED')], 2, new Random(1), []);
    planner.plan([trial(1, 'COMPLETED'), trial(2, 'COMPLETED')], 3,
                 new Random(1), [trial(4, 'RUNNING')]);
  });

  it('has an intermixed ensemble wait for searched trials running', () => {
    const planner = dnnPlanner(
        'ensemble_spec { ensemble_search_type: ' +
        'INTERMIXED_NONADAPTIVE_ENSEMBLE_SEARCH intermixed_search { ' +
        'try_ensembling_every: 3 width: 2 } }');
    const trial = towerTrial;

    assert.throws(
        () => planner.plan([trial(1, 'COMPLETED')], 3, new Random(1),
                           [trial(2, 'RUNNING')]),
        (e: Error) => e instanceof EnsembleWait && e.waitingFor.id === 2 &&
            e.message === 'trial 3 ensembles the best 2 completed ' +
                'searched trials once 2 below it have completed; trial 2 ' +
                'is still running in worker other:7');
    // Enough searched trials in, or none running: planned at once.
    assert.deepEqual(
        planner.plan([trial(1, 'COMPLETED'), trial(2, 'COMPLETED')], 3,
                     new Random(1), [trial(4, 'RUNNING')]).members,
        [1, 2]);
    planner.plan([trial(1, 'COMPLETED')], 3, new Random(1), []);
  });

  it('starts a distillation student from no weights of its teacher', () => {
    const planner = dnnPlanner(
        'distillation_spec { distillation_type: CROSS_ENTROPY ' +
        'minimal_pool_size: 2 } transfer_learning_spec { ' +
        'transfer_learning_type: UNIFORM_AVERAGE_TRANSFER_LEARNING }');
    // Trial 2 of lower loss: the teacher.
    const done = [towerTrial(1, 'COMPLETED'), towerTrial(2, 'COMPLETED')];

    const plan = planner.plan(done, 3, new Random(1));

    assert.equal(plan.teacherTrialId, 2);
    assert.deepEqual(plan.warmStart, [{trialId: 1, weight: 1}]);
  });

  it('draws no ensemble another worker evaluates now', () => {
    const planner = dnnPlanner(
        'ensemble_spec { ensemble_search_type: NONADAPTIVE_ENSEMBLE_SEARCH ' +
        'nonadaptive_search { minimal_pool_size: 3 width: 2 ' +
        'num_trials_to_consider: 3 } }');
    const pool = [1, 2, 3].map((id) => towerTrial(id, 'COMPLETED'));
    const running = {
      id: 4, state: 'RUNNING' as const, architecture: [], hparams: {},
      kind: 'ensemble', extra: {members: [1, 2]}, workerId: 'other:7',
    };

    for (let seed = 1; seed <= 12; seed++) {
      const plan = planner.plan(pool, 5, new Random(seed), [running]);
      assert.notDeepEqual(plan.members, [1, 2], `seed ${seed}`);
      assert.equal(plan.members?.length, 2);
    }
  });

  it('builds a tunable block with the values its trial holds', () => {
    const planner = new TrialPlanner({
      spec: parsePhoenixSpec(
          'problem_type: RNN_LAST_ACTIVATIONS search_type: ' +
          'ADAPTIVE_COORDINATE_DESCENT\nblocks_to_use: "TUNABLE_SVDF"\n'),
      problemType: 'RNN_LAST_ACTIVATIONS',
      objective: {metric: 'loss', goal: 'minimize'},
      hypertuningMethod: 'random',
      trainSteps: 10,
    });
    const plan = planner.plan([], 1, new Random(3));
    assert.ok(plan.architecture.every((b) => b === 'TUNABLE_SVDF'),
              `${plan.architecture}`);
    assert.equal(typeof plan.hparams['output_size'], 'number');

    const model = buildModel({
      schema: {kind: 'test', shape: INPUT_SHAPES['RNN_LAST_ACTIVATIONS']},
      numClasses: 2,
      problemType: 'RNN_LAST_ACTIVATIONS',
      architecture: plan.architecture,
      hparams: plan.hparams,
      applyDropoutsBetweenBlocks: false,
      namePrefix: 'planner_tunable',
    });
    // Built: the block read the values it asked for (it throws without).
    assert.equal(model.outputs[0].shape[1], 2);
    model.dispose();
  });

  it('throws naming the block for a spec with an unregistered one', () => {
    const spec = loadSpecFile(path.join(CONFIG_DIR, 'cnn_config.pbtxt'));
    spec.blocksToUse = [...(spec.blocksToUse ?? []), 'CIFAR_NASA'];

    assert.throws(
        () => new TrialPlanner({
          spec,
          problemType: 'CNN',
          objective: {metric: 'loss', goal: 'minimize'},
          hypertuningMethod: 'random',
          trainSteps: 10,
        }),
        /unknown block "CIFAR_NASA"/);
  });

  const suggested = (hparam: string) => parsePhoenixSpec(
      'problem_type: DNN search_type: ADAPTIVE_COORDINATE_DESCENT\n' +
      'blocks_to_use: "FIXED_OUTPUT_FULLY_CONNECTED_128"\n' +
      'user_suggestions { architecture: "FIXED_OUTPUT_FULLY_CONNECTED_128" ' +
      `hparams { hparam { key: "learning_rate" value { ${hparam} } } } }\n`);
  const plannerOf = (spec: PhoenixSpec) => new TrialPlanner({
    spec, problemType: 'DNN', objective: {metric: 'loss', goal: 'minimize'},
    hypertuningMethod: 'random', trainSteps: 10,
  });

  const badSettings: Array<[string, string, string]> = [
    ['search settings of another search type',
     'ensemble_spec { ensemble_search_type: NONADAPTIVE_ENSEMBLE_SEARCH ' +
         'adaptive_search { minimal_pool_size: 2 } }',
     'phoenix_spec.ensemble_spec.adaptive_search is set, but ' +
         'ensemble_search_type is NONADAPTIVE_ENSEMBLE_SEARCH, which does ' +
         'not read it: set ensemble_search_type: ADAPTIVE_ENSEMBLE_SEARCH ' +
         'or RESIDUAL_ENSEMBLE_SEARCH, or remove adaptive_search'],
    ['search settings without a search type',
     'ensemble_spec { nonadaptive_search { minimal_pool_size: 2 } }',
     'phoenix_spec.ensemble_spec.nonadaptive_search is set, but ' +
         'ensemble_search_type is not, so no ensemble is searched: set ' +
         'ensemble_search_type: NONADAPTIVE_ENSEMBLE_SEARCH, or remove ' +
         'nonadaptive_search'],
    ['a combining type that is none',
     'ensemble_spec { ensemble_search_type: ADAPTIVE_ENSEMBLE_SEARCH ' +
         'combining_type: UNKNOWN_ENSEMBLING_TYPE }',
     'phoenix_spec.ensemble_spec.combining_type UNKNOWN_ENSEMBLING_TYPE is ' +
         'not a combining type; use AVERAGE_ENSEMBLE or WEIGHTED_ENSEMBLE'],
    ['a combining type without a search type',
     'ensemble_spec { combining_type: WEIGHTED_ENSEMBLE }',
     'phoenix_spec.ensemble_spec.combining_type is WEIGHTED_ENSEMBLE, but ' +
         'ensemble_search_type is not set, so no ensemble is searched: set ' +
         'ensemble_search_type (ADAPTIVE_ENSEMBLE_SEARCH, ' +
         'NONADAPTIVE_ENSEMBLE_SEARCH, RESIDUAL_ENSEMBLE_SEARCH or ' +
         'INTERMIXED_NONADAPTIVE_ENSEMBLE_SEARCH), or remove combining_type'],
    ['a teacher share above 1',
     'distillation_spec { distillation_type: ADAPTIVELY_BALANCE_LOSSES ' +
         'balance_losses_spec { minimum_lambda: 0.5 maximum_lambda: 3 } }',
     'phoenix_spec.distillation_spec.balance_losses_spec.maximum_lambda is ' +
         '3; it must lie in [0, 1] (the teacher loss\'s share of the ' +
         'student\'s loss, the label loss having the rest)'],
    ['a distillation pool equal to the ensemble\'s',
     'ensemble_spec { ensemble_search_type: NONADAPTIVE_ENSEMBLE_SEARCH ' +
         'nonadaptive_search { minimal_pool_size: 4 } } ' +
         'distillation_spec { distillation_type: CROSS_ENTROPY ' +
         'minimal_pool_size: 4 }',
     'phoenix_spec.distillation_spec.minimal_pool_size is 4, as is ' +
         'ensemble_spec.nonadaptive_search.minimal_pool_size: every trial ' +
         'after it ensembles, so no trial distills. Give distillation a ' +
         'larger pool size (from that trial on every trial distills the ' +
         'best ensemble) or a smaller one (trials distill until the ' +
         'ensembles start)'],
    ['a distillation without a type',
     'distillation_spec { minimal_pool_size: 3 }',
     'phoenix_spec.distillation_spec has settings but no ' +
         'distillation_type, so nothing distills: set distillation_type ' +
         '(MSE_LOGITS, MSE_SOFTMAX, CROSS_ENTROPY or ' +
         'ADAPTIVELY_BALANCE_LOSSES), or remove distillation_spec'],
    ['a temperature of 0',
     'distillation_spec { distillation_type: MSE_SOFTMAX temperature: 0 }',
     'phoenix_spec.distillation_spec.temperature is 0; it must be a ' +
         'positive number (1 keeps the teacher\'s probabilities; an infinite ' +
         'one makes them uniform)'],
    ['an infinite temperature',
     'distillation_spec { distillation_type: CROSS_ENTROPY temperature: inf }',
     'phoenix_spec.distillation_spec.temperature is Infinity; it must be a ' +
         'positive number (1 keeps the teacher\'s probabilities; an infinite ' +
         'one makes them uniform)'],
    ['a negative distillation pool',
     'distillation_spec { distillation_type: MSE_SOFTMAX ' +
         'minimal_pool_size: -3 }',
     'phoenix_spec.distillation_spec.minimal_pool_size is -3; give the ' +
         'trial id distillation starts after, 0 or more'],
    ['a negative discount factor',
     'transfer_learning_spec { transfer_learning_type: ' +
         'UNIFORM_AVERAGE_TRANSFER_LEARNING ' +
         'previous_trials_discount_factor: -2 }',
     'phoenix_spec.transfer_learning_spec.previous_trials_discount_factor ' +
         'is -2; it must be above 0 and at most 1 (weights of trial k in ' +
         'trial n are scaled by it to the power n - k, so that older trials ' +
         'count less; 1 weighs all alike)'],
    ['a discount factor above 1',
     'transfer_learning_spec { transfer_learning_type: ' +
         'LOSS_WEIGHTED_AVERAGE_TRANSFER_LEARNING ' +
         'previous_trials_discount_factor: inf }',
     'phoenix_spec.transfer_learning_spec.previous_trials_discount_factor ' +
         'is Infinity; it must be above 0 and at most 1 (weights of trial k ' +
         'in trial n are scaled by it to the power n - k, so that older ' +
         'trials count less; 1 weighs all alike)'],
    ['transfer settings without a type',
     'transfer_learning_spec { max_completed_trials: 2 }',
     'phoenix_spec.transfer_learning_spec has settings but no ' +
         'transfer_learning_type, so no trial starts from earlier ones: set ' +
         'transfer_learning_type (UNIFORM_AVERAGE_TRANSFER_LEARNING, ' +
         'LOSS_WEIGHTED_AVERAGE_TRANSFER_LEARNING or ' +
         'SNAPSHOT_TRANSFER_LEARNING), or remove transfer_learning_spec'],
    ['no trials to transfer from',
     'transfer_learning_spec { transfer_learning_type: ' +
         'UNIFORM_AVERAGE_TRANSFER_LEARNING max_completed_trials: 0 }',
     'phoenix_spec.transfer_learning_spec.max_completed_trials is 0; give ' +
         '1 or more (or remove transfer_learning_spec to start every trial ' +
         'from its initializers)'],
  ];
  it('takes empty ensemble, distillation and transfer specs, defaults ' +
         'applied, as setting nothing', () => {
    plannerOf(applyDefaults(parsePhoenixSpec(
        'problem_type: DNN search_type: ADAPTIVE_COORDINATE_DESCENT ' +
        'blocks_to_use: "FULLY_CONNECTED" ensemble_spec {} ' +
        'distillation_spec {} transfer_learning_spec {}')));
  });

  for (const [what, text, message] of badSettings) {
    it(`refuses ${what} before any trial`, () => {
      const spec = parsePhoenixSpec(
          'problem_type: DNN search_type: ADAPTIVE_COORDINATE_DESCENT ' +
          `blocks_to_use: "FULLY_CONNECTED" ${text}`);
      assert.throws(() => plannerOf(spec),
                    (e: Error) => e instanceof ValueError &&
                        e.message === message);
    });
  }

  it('trains a user suggestion with its own hparams, without ensembling',
     () => {
       const plan = plannerOf(suggested('float_value: 0.01'))
                        .plan([], 1, new Random(3));

       assert.deepEqual(plan.architecture,
                        ['FIXED_OUTPUT_FULLY_CONNECTED_128']);
       assert.equal(plan.hparams['learning_rate'], 0.01);
       assert.ok('optimizer' in plan.hparams, 'the tuner\'s hparams kept');
     });

  const reserved = new Set(['learning_rate', 'optimizer']);
  const units = (min: number, max: number) =>
      [{name: 'units', min, max, integer: true}];

  it('refuses a block hparam the trainer tunes itself', () => {
    assert.throws(
        () => blockHparams(
            [['MY_BLOCK', [{name: 'learning_rate', min: 0.1, max: 1}]]],
            reserved),
        /^ValueError: block MY_BLOCK asks for hyperparameter "learning_rate", which the trainer tunes itself/);
  });

  it('refuses one hparam name asked for with two ranges', () => {
    assert.throws(
        () => blockHparams([['A', units(1, 8)], ['B', units(2, 64)]],
                           reserved),
        /^ValueError: blocks A and B ask for hyperparameter "units" with different ranges/);
    assert.deepEqual(
        blockHparams([['A', units(1, 8)], ['B', units(1, 8)]], reserved)
            .map((p) => p.name),
        ['units']);
  });

  const badRanges: Array<[string, HparamRange[], string]> = [
    ['an empty range', [{name: 'h', min: 64, max: 8}],
     'block B: hyperparameter "h" has range [64, 8]; use finite min <= max'],
    ['no values', [{name: 'h', values: []}],
     'block B: hyperparameter "h" has no values; list at least one'],
    ['NaN bounds', [{name: 'h', min: NaN, max: 1}],
     'block B: hyperparameter "h" has range [NaN, 1]; use finite min <= max'],
    ['an integer range without integers',
     [{name: 'h', min: 0.2, max: 0.8, integer: true}],
     'block B: hyperparameter "h" holds no integer in [0.2, 0.8]'],
    ['no name', [{name: '', min: 0, max: 1}],
     'block B: a block hyperparameter has no name; give each range a name ' +
         'the block reads it by'],
    ['values and bounds', [{name: 'h', min: 0, max: 1, values: [1, 2]}],
     'block B: block hyperparameter "h" has both values and min or max; ' +
         'give the values, or min and max'],
    ['values as a string', [{name: 'h', values: 'ab' as unknown as string[]}],
     'block B: block hyperparameter "h": values must be an array of ' +
         'numbers, strings or booleans, got "ab"'],
    ['nested values', [{name: 'h', values: [1, [2]] as unknown as number[]}],
     'block B: block hyperparameter "h": values must be an array of ' +
         'numbers, strings or booleans, got [1,[2]]'],
    ['an unknown scale',
     [{name: 'h', min: 1, max: 2, scale: 'LOG' as unknown as 'log'}],
     'block B: block hyperparameter "h": scale "LOG" is neither "linear" ' +
         'nor "log"'],
    ['one name twice', [{name: 'h', min: 0, max: 1}, {name: 'h', min: 0, max: 1}],
     'block B asks for hyperparameter "h" twice (requiresHparams); give each ' +
         'range a name of its own'],
  ];
  for (const [what, ranges, message] of badRanges) {
    it(`refuses ${what}, naming the block`, () => {
      assert.throws(() => blockHparams([['B', ranges]], reserved),
                    (e: Error) => e instanceof ValueError &&
                        e.message === message);
    });
  }

  it('keeps the trainer\'s names from blocks under any spec', () => {
    const reservedNow = reservedHparamNames({
      blocksToUse: ['FULLY_CONNECTED'], minimumDepth: 1, trainSteps: 10,
      applyDropoutsBetweenBlocks: false,
    });
    for (const name of ['learning_rate', 'optimizer', 'dropout_rate',
                        'gradient_max_norm', 'l2_regularization']) {
      assert.ok(reservedNow.has(name), name);
    }
    assert.ok(!reservedNow.has('units'));
  });

  it('draws integers of an integer range with fractional bounds', () => {
    const [param] =
        blockHparams([['B', [{name: 'h', min: 0.5, max: 3.5, integer: true}]]],
                     reserved);
    assert.deepEqual(param, {kind: 'numeric', name: 'h', min: 0.5, max: 3.5,
                             type: 'int', scale: 'linear'});
  });

  it('names a replayed hparam that nothing reads, not those blocks read',
     () => {
       const unread = (blocks: string, tower: string, hparams: string[]) => {
         const planner = plannerOf(parsePhoenixSpec(
             'problem_type: DNN search_type: ADAPTIVE_COORDINATE_DESCENT\n' +
             blocks.split(' ').map((b) => `blocks_to_use: "${b}"\n`).join('') +
             `replay { towers { architecture: "${tower}" hparams { ${
                 hparams.map((h) => {
                   const [key, value] = h.split('=');
                   return `hparam { key: "${key}" value { ${value} } }`;
                 }).join(' ')} } } }\n`));
         return planner.unreadHparamLines();
       };
       const FC = 'FIXED_OUTPUT_FULLY_CONNECTED_128';
       assert.deepEqual(
           unread(FC, FC, ['learning_rate=float_value: 0.01',
                           'learnin_rate=float_value: 0.1',
                           'initial_architecture_3=bytes_value: "x"',
                           'exponential_decay_steps=int64_value: 3']),
           ['replay: tower 1: hparam(s) learnin_rate read by neither the ' +
            'trainer nor the tower\'s blocks: kept in hparams.json, but ' +
            'they change nothing']);
       // TUNABLE_SVDF asks for rank (among others): read by the tower's
       // block, or recorded by a search whose blocks_to_use has it.
       assert.deepEqual(
           unread(FC, 'TUNABLE_SVDF',
                  ['rank=int64_value: 2', 'output_size=int64_value: 60',
                   'memory_size=int64_value: 4',
                   'projection_size=int64_value: 8']),
           []);
       assert.deepEqual(
           unread(`${FC} TUNABLE_SVDF`, FC, ['rank=int64_value: 2']), []);
       assert.equal(unread(FC, FC, ['rank=int64_value: 2']).length, 1);
     });

  it('names a suggested hparam that nothing reads', () => {
    const planner = plannerOf(parsePhoenixSpec(
        'problem_type: DNN search_type: ADAPTIVE_COORDINATE_DESCENT\n' +
        'blocks_to_use: "FIXED_OUTPUT_FULLY_CONNECTED_128"\n' +
        'user_suggestions { architecture: ' +
        '"FIXED_OUTPUT_FULLY_CONNECTED_128" hparams { hparam { key: ' +
        '"learning_rat" value { float_value: 0.5 } } hparam { key: ' +
        '"learning_rate" value { float_value: 0.5 } } } }\n'));
    assert.deepEqual(planner.unreadHparamLines(), [
      'phoenix_spec.user_suggestions[0]: hparam(s) learning_rat read by ' +
          'neither the trainer nor the tower\'s blocks: kept in ' +
          'hparams.json, but they change nothing',
    ]);
  });

  it('refuses a hand-given hparam that is a list, has no value or is ' +
         'not UTF-8',
     () => {
       const FC = 'FIXED_OUTPUT_FULLY_CONNECTED_128';
       const head = 'problem_type: DNN search_type: ' +
           `ADAPTIVE_COORDINATE_DESCENT\nblocks_to_use: "${FC}"\n`;
       const suggested = (hparam: string) => () => plannerOf(
           parsePhoenixSpec(`${head}user_suggestions { architecture: "${
               FC}" hparams { ${hparam} } }\n`));
       const replayed = (hparam: string) => () => plannerOf(
           parsePhoenixSpec(`${head}replay { towers { architecture: "${
               FC}" hparams { ${hparam} } } }\n`));
       const list = 'hparam { key: "learning_rate" value { float_list { ' +
           'value: [0.1, 0.2] } } }';
       const empty = 'hparam { key: "learning_rate" }';
       const latin1 = 'hparam { key: "optimizer" value { bytes_value: ' +
           '"caf\\351" } }';
       assert.throws(suggested(list), new RegExp(
           '^ValueError: phoenix_spec.user_suggestions\\[0\\]: hparam ' +
           'learning_rate is a list; give a single value'));
       assert.throws(replayed(list),
                     /^ValueError: replay: tower 1: hparam learning_rate is a list/);
       assert.throws(suggested(empty), new RegExp(
           '^ValueError: phoenix_spec.user_suggestions\\[0\\]: hparam ' +
           'learning_rate has no value'));
       assert.throws(replayed(empty),
                     /^ValueError: replay: tower 1: hparam learning_rate has no value/);
       assert.throws(suggested(latin1),
                     /hparam optimizer has a bytes_value that is not UTF-8/);
       assert.throws(replayed(latin1),
                     /hparam optimizer has a bytes_value that is not UTF-8/);
       // Text in UTF-8 is a value like any other.
       assert.doesNotThrow(suggested(
           'hparam { key: "note" value { bytes_value: "caf\\303\\251" } }'));
     });

  it('refuses a replayed block hparam that is missing or out of range',
     () => {
       const replay = (hparams: string) => () => plannerOf(parsePhoenixSpec(
           'problem_type: RNN_LAST_ACTIVATIONS search_type: ' +
           'ADAPTIVE_COORDINATE_DESCENT\nblocks_to_use: "TUNABLE_SVDF"\n' +
           'replay { towers { architecture: "TUNABLE_SVDF" hparams { ' +
           hparams + ' } } }\n'));
       const hp = (key: string, value: string) =>
           `hparam { key: "${key}" value { ${value} } }`;
       const good = [hp('output_size', 'int64_value: 60'),
                     hp('memory_size', 'int64_value: 4'),
                     hp('rank', 'int64_value: 2'),
                     hp('projection_size', 'int64_value: 8')];
       replay(good.join(' '))();
       // The original's prefixed names count.
       replay([hp('TUNABLE_SVDF_output_size', 'int64_value: 60'),
               ...good.slice(1)].join(' '))();
       assert.throws(
           replay(good.slice(1).join(' ')),
           /^ValueError: replay: tower 1: block TUNABLE_SVDF needs hparam output_size, an integer in \[50, 100\]; the spec gives none$/);
       assert.throws(
           replay([hp('output_size', 'int64_value: 1000'),
                   ...good.slice(1)].join(' ')),
           /needs hparam output_size, an integer in \[50, 100\]; the spec gives 1000$/);
       assert.throws(
           replay([hp('output_size', 'float_value: 60.5'),
                   ...good.slice(1)].join(' ')),
           /the spec gives 60.5$/);
     });

  it('refuses a user suggestion\'s hparam out of its range', () => {
    assert.throws(
        () => plannerOf(suggested('bytes_value: "fast"')),
        /^ValueError: phoenix_spec\.user_suggestions\[0\]: hparam learning_rate="fast" must be a number above 0$/);
  });
});
