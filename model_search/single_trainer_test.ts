/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {loadModel} from './backend/file_io';
import {tf} from './backend/tf';
import {DEFAULT_CNN, DEFAULT_DNN, DEFAULT_RNN_ALL, resolveWorkspacePath} from './constants';
import {CsvDataProvider} from './data/csv_data';
import {DataError} from './data/data';
import type {Hparams} from './data/data';
import {ImageDataProvider} from './data/image_data';
import {BLOCKS, registerBlock} from './blocks/block';
import type {Block, BlockBuildArgs} from './blocks/block';
import {parsePhoenixSpec} from './proto/text_format';
import {Random} from './random';
import {SingleTrainer, withOptionNames} from './single_trainer';
import {EVAL_BATCHES, FEATURES, RunningSumProvider, runningSumSequence, STEPS} from './testing/sequence_labels/running_sum_provider';
import type {SingleTrainerArgs, TryModelsArgs} from './single_trainer';

const TESTDATA = resolveWorkspacePath('model_search/data/testdata');
const RANDOM_CSV = path.join(TESTDATA, 'csv_random_data.csv');

function tmpDir(): string {
  return fs.mkdtempSync(path.join(
      process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'single_trainer_test-'));
}

function csvProvider(filename = RANDOM_CSV): CsvDataProvider {
  return new CsvDataProvider({
    filename,
    recordDefaults: '0,0,0,0',
    logitsDimension: 2,
    log: () => {},
  });
}

function options(rootDir: string, extra: Partial<TryModelsArgs> = {}):
    TryModelsArgs {
  return {
    numberModels: 3,
    trainSteps: 5,
    evalSteps: 2,
    rootDir,
    batchSize: 4,
    experimentName: 'single_trainer_test',
    experimentOwner: 'test',
    seed: 11,
    ...extra,
  };
}

describe('SingleTrainer', function() {
  this.timeout(300_000);

  it('returns every trial, best first by the objective', async () => {
    const rootDir = tmpDir();
    const trainer = new SingleTrainer(
        {data: csvProvider(), spec: resolveWorkspacePath(DEFAULT_DNN),
         log: () => {}});

    const trials = await trainer.tryModels(options(rootDir));

    assert.equal(trials.length, 3);
    assert.deepEqual(trials.map((t) => t.state), Array(3).fill('COMPLETED'));
    assert.deepEqual([...trials.map((t) => t.id)].sort(), [1, 2, 3]);
    const losses = trials.map((t) => t.metrics!['loss']);
    assert.deepEqual(losses, [...losses].sort((a, b) => a - b));
    for (const t of trials) {
      assert.ok(fs.existsSync(path.join(rootDir, t.directory!, 'model')));
    }
  });

  it('orders by a metric to maximize when asked', async () => {
    const rootDir = tmpDir();
    const trainer = new SingleTrainer(
        {data: csvProvider(), spec: resolveWorkspacePath(DEFAULT_DNN),
         log: () => {}});

    const trials = await trainer.tryModels(options(rootDir, {
      optimizationMetric: 'auc_roc',
      optimizationGoal: 'maximize',
    }));

    const aucs = trials.map((t) => t.metrics!['auc_roc']);
    assert.equal(aucs.length, 3);
    assert.deepEqual(aucs, [...aucs].sort((a, b) => b - a));
  });

  it('resumes the study on the same rootDir and experiment', async () => {
    const rootDir = tmpDir();
    const spec = resolveWorkspacePath(DEFAULT_DNN);
    const first = await new SingleTrainer(
        {data: csvProvider(), spec, log: () => {}})
        .tryModels(options(rootDir, {numberModels: 2}));
    const log: string[] = [];

    const second = await new SingleTrainer(
        {data: csvProvider(), spec, log: (l) => log.push(l)})
        .tryModels(options(rootDir, {numberModels: 3}));

    assert.ok(log.some((l) => /reloaded 2 trials \(2 completed/.test(l)),
              log.join('\n'));
    assert.equal(log.filter((l) => /^trial \d+ \[\d\/3\] /.test(l)).length, 1,
                 'only the third trial is trained');
    assert.deepEqual([...second.map((t) => t.id)].sort(), [1, 2, 3]);
    // Lines of the search name the options, not only the binary's flags.
    const third: string[] = [];
    await new SingleTrainer(
        {data: csvProvider(), spec, log: (l) => third.push(l)})
        .tryModels(options(rootDir, {numberModels: 4, trainSteps: 6}));
    assert.ok(third.some((l) => l.includes(
                  'this worker trains with --phoenix_train_steps=6') &&
                  l.endsWith('(in a script: --phoenix_train_steps is ' +
                             'trainSteps)')),
              third.join('\n'));
    for (const before of first) {
      const after = second.find((t) => t.id === before.id)!;
      assert.deepEqual(after.architecture, before.architecture);
      assert.equal(after.metrics!['loss'], before.metrics!['loss']);
    }
  });

  it('throws a DataError on bad data and creates no rootDir', async () => {
    const dataDir = tmpDir();
    const empty = path.join(dataDir, 'empty.csv');
    fs.writeFileSync(empty, '');
    const rootDir = path.join(tmpDir(), 'never_created');
    const trainer = new SingleTrainer(
        {data: csvProvider(empty), spec: resolveWorkspacePath(DEFAULT_DNN),
         log: () => {}});

    await assert.rejects(trainer.tryModels(options(rootDir)), (e: Error) => {
      assert.ok(e instanceof DataError, `${e.name}: ${e.message}`);
      assert.equal(e.message, `${empty}: the file is empty; a CSV needs a ` +
                   'header row and at least one data row');
      return true;
    });
    assert.equal(fs.existsSync(rootDir), false, 'rootDir was created');
  });

  const BAD_OPTIONS: Array<[Partial<TryModelsArgs>, RegExp]> = [
    [{optimizationMetric: 'bogus'},
     /^ValueError: optimizationMetric must be one of loss, accuracy, .*, got "bogus"$/],
    [{optimizationGoal: 'up' as 'minimize'},
     /^ValueError: optimizationGoal must be minimize or maximize, got "up"$/],
    [{evalSteps: -1},
     /^ValueError: evalSteps must be an integer of at least 0, got -1$/],
    [{trainSteps: 0},
     /^ValueError: trainSteps must be an integer of at least 1, got 0$/],
    [{numberModels: '3' as unknown as number},
     /^ValueError: numberModels must be an integer of at least 1, got "3"$/],
    [{rootDir: ''}, /^ValueError: rootDir must name the directory of the study, got ""$/],
    [{hypertuningMethod: 'grid' as 'random'},
     /^ValueError: hypertuningMethod must be one of random, bayesian, got "grid"$/],
    [{experimentName: ''},
     /^ValueError: experimentName must name the study \(a string that is not empty\), got ""$/],
    [{experimentOwner: undefined as unknown as string},
     /^ValueError: experimentOwner must name the study \(a string that is not empty\), got undefined$/],
    [{seed: 1.5},
     /^ValueError: seed must be an integer in \[0, 4294967295\], or -1 for the clock's, got 1.5$/],
    [{seed: NaN}, /^ValueError: seed must be .*, got null$/],
    [{leaseSeconds: -5},
     /^ValueError: leaseSeconds must be a number of seconds >= 1, got -5$/],
    [{metadataDb: 'foo://x'},
     /^UsageError: .*foo:\/\/x.* \(in a script: --metadata_db is metadataDb\)$/],
    [{saveSummarySteps: 0},
     /^ValueError: saveSummarySteps must be an integer of at least 1, got 0$/],
    [{numberModel: 2} as Partial<TryModelsArgs>,
     /^ValueError: tryModels has no option "numberModel"; did you mean "numberModels"\?; its options are numberModels, trainSteps, /],
  ];
  for (const [bad, message] of BAD_OPTIONS) {
    it(`refuses ${JSON.stringify(bad)} before writing anything`, async () => {
      const rootDir = path.join(tmpDir(), 'never_created');
      const trainer = new SingleTrainer(
          {data: csvProvider(RANDOM_CSV),
           spec: resolveWorkspacePath(DEFAULT_DNN), log: () => {}});

      await assert.rejects(trainer.tryModels({...options(rootDir), ...bad}),
                           message);
      assert.equal(fs.existsSync(rootDir), false, 'rootDir was created');
    });
  }

  it('refuses to be made without its options', () => {
    const make = (args?: unknown) =>
        new SingleTrainer(args as ConstructorParameters<typeof SingleTrainer>[0]);
    assert.throws(() => make(), /^ValueError: SingleTrainer takes an object of options \(\{data, spec, \.\.\.\}\), got undefined$/);
  });

  it('refuses to run without its options, saying what they are', async () => {
    const trainer = new SingleTrainer(
        {data: csvProvider(RANDOM_CSV),
         spec: resolveWorkspacePath(DEFAULT_DNN), log: () => {}});
    const tryModels = trainer.tryModels.bind(trainer) as (o?: unknown) =>
        Promise<unknown>;
    await assert.rejects(
        tryModels(),
        /^ValueError: tryModels takes an object of options \(\{numberModels, trainSteps, evalSteps, rootDir, \.\.\.\}\), got undefined$/);
    await assert.rejects(tryModels('/tmp/x'), /got a string$/);
  });

  it('says that a metric to maximize is minimized without a goal',
     async () => {
       const lines: string[] = [];
       const trainer = new SingleTrainer(
           {data: csvProvider(RANDOM_CSV),
            spec: resolveWorkspacePath(DEFAULT_DNN),
            log: (line) => lines.push(line)});

       await trainer.tryModels({...options(tmpDir()), numberModels: 1,
                                optimizationMetric: 'accuracy'});

       assert.ok(lines.includes(
                     'note: optimizationMetric \'accuracy\' is minimized, ' +
                     'as optimizationGoal defaults to \'minimize\' (as in ' +
                     'the original); give optimizationGoal: \'maximize\' ' +
                     'to search for the highest'),
                 lines.join('\n'));
     });

  it('logs the clock\'s seed, which repeats the search', async () => {
    const rootDir = tmpDir();
    const lines: string[] = [];
    const trainer = new SingleTrainer(
        {data: csvProvider(RANDOM_CSV), spec: resolveWorkspacePath(DEFAULT_DNN),
         log: (line) => lines.push(line)});

    const first = await trainer.tryModels(
        {...options(rootDir), numberModels: 1, seed: -1});

    const said = lines.map((l) => /^seed (\d+) \(the clock's; seed: \1 repeats it\)$/.exec(l))
                     .find((m) => m !== null);
    assert.ok(said, lines.join('\n'));
    const again = await new SingleTrainer(
        {data: csvProvider(RANDOM_CSV), spec: resolveWorkspacePath(DEFAULT_DNN),
         log: () => {}})
        .tryModels({...options(tmpDir()), numberModels: 1,
                    seed: Number(said[1])});
    assert.deepEqual(again[0].architecture, first[0].architecture);
    assert.deepEqual(again[0].hparams, first[0].hparams);
  });

  it('refuses a second search while one runs in the process', async () => {
    const trainer = () => new SingleTrainer(
        {data: csvProvider(RANDOM_CSV), spec: resolveWorkspacePath(DEFAULT_DNN),
         log: () => {}});
    const second = path.join(tmpDir(), 'never_created');

    const [first, refused] = await Promise.allSettled([
      trainer().tryModels({...options(tmpDir()), numberModels: 1}),
      trainer().tryModels({...options(second), numberModels: 1}),
    ]);

    assert.equal(first.status, 'fulfilled');
    assert.equal(refused.status, 'rejected');
    assert.match(String((refused as PromiseRejectedResult).reason),
                 /^ValueError: another tryModels runs in this process/);
    assert.equal(fs.existsSync(second), false);
    // Once it is done, the next one runs.
    await trainer().tryModels({...options(tmpDir()), numberModels: 1});
  });

  it('takes a relative rootDir from where `bazel run` was typed',
     async () => {
       const typedIn = tmpDir();
       const before = process.env['BUILD_WORKING_DIRECTORY'];
       process.env['BUILD_WORKING_DIRECTORY'] = typedIn;
       try {
         await new SingleTrainer({data: csvProvider(RANDOM_CSV),
                                  spec: resolveWorkspacePath(DEFAULT_DNN),
                                  log: () => {}})
             .tryModels({...options('relative_run'), numberModels: 1});
       } finally {
         if (before === undefined) {
           delete process.env['BUILD_WORKING_DIRECTORY'];
         } else {
           process.env['BUILD_WORKING_DIRECTORY'] = before;
         }
       }
       assert.ok(fs.existsSync(
           path.join(typedIn, 'relative_run', 'model_search.db')));
     });

  it('refuses a bad spec before writing, so a fixed one can start',
     async () => {
       const root = tmpDir();
       const rootDir = path.join(root, 'run');
       const bad = path.join(root, 'bad.pbtxt');
       fs.writeFileSync(bad, 'problem_type: DNN\n' +
                                 'search_type: ADAPTIVE_COORDINATE_DESCENT\n' +
                                 'blocks_to_use: "NOPE_BLOCK"\n');
       const noSearch = path.join(root, 'no_search.pbtxt');
       fs.writeFileSync(noSearch, 'problem_type: DNN\n' +
                                      'blocks_to_use: "FULLY_CONNECTED"\n');
       for (const spec of [bad, noSearch]) {
         await assert.rejects(
             new SingleTrainer({data: csvProvider(RANDOM_CSV), spec,
                                log: () => {}})
                 .tryModels(options(rootDir)),
             spec === bad ? /unknown block "NOPE_BLOCK"/ :
                            /is not a search algorithm/);
         assert.equal(fs.existsSync(rootDir), false, 'rootDir was created');
       }
       const trials = await new SingleTrainer({
         data: csvProvider(RANDOM_CSV), spec: resolveWorkspacePath(DEFAULT_DNN),
         log: () => {},
       }).tryModels({...options(rootDir), numberModels: 1});
       assert.equal(trials[0].state, 'COMPLETED');
     });

  it('refuses a spec of another problem type than the data before writing',
     async () => {
       const rootDir = path.join(tmpDir(), 'run');
       await assert.rejects(
           new SingleTrainer({data: csvProvider(RANDOM_CSV),
                              spec: resolveWorkspacePath(DEFAULT_CNN),
                              log: () => {}})
               .tryModels(options(rootDir)),
           (e: Error) => e.message ===
               `${resolveWorkspacePath(DEFAULT_CNN)}: problem_type CNN ` +
                   'needs examples of shape [height, width, channels], but ' +
                   'the data provider gives [3]; use a DNN spec (e.g. ' +
                   'model_search/configs/dnn_config.pbtxt)');
       assert.equal(fs.existsSync(rootDir), false, 'rootDir was created');
     });

  it('refuses a provider whose batches do not fit before writing',
     async () => {
       const rootDir = path.join(tmpDir(), 'run');
       const provider = csvProvider(RANDOM_CSV);
       // A feature of NaN in the first batch: every trial would fail.
       const poisoned = Object.assign(Object.create(provider), {
         getInputFn: (hparams: Hparams, mode: 'train'|'eval',
                      batch: number) =>
             async function*() {
               for await (const b of provider.getInputFn.call(
                   poisoned, hparams, mode, batch)()) {
                 const features = b.features;
                 yield {...b, features: tf.fill(features.shape, NaN)};
                 features.dispose();
               }
             },
       }) as CsvDataProvider;
       await assert.rejects(
           new SingleTrainer({data: poisoned,
                              spec: resolveWorkspacePath(DEFAULT_DNN),
                              log: () => {}})
               .tryModels(options(rootDir)),
           (e: Error) => e instanceof DataError &&
               /^the training data gives a feature of NaN \(example 1 of a batch of 4\)/
                   .test(e.message));
       assert.equal(fs.existsSync(rootDir), false, 'rootDir was created');
     });

  it('warns of a provider that makes larger batches than asked', async () => {
    /** The lines of a one-trial search of batches of `rows` whatever. */
    const searchWithBatchesOf = async (rows: number) => {
      const provider = csvProvider(RANDOM_CSV);
      const fixed = Object.assign(Object.create(provider), {
        getInputFn: (hparams: Hparams, mode: 'train'|'eval') =>
            provider.getInputFn.call(fixed, hparams, mode, rows),
      }) as CsvDataProvider;
      const lines: string[] = [];
      await new SingleTrainer({data: fixed,
                               spec: resolveWorkspacePath(DEFAULT_DNN),
                               log: (line) => lines.push(line)})
          .tryModels(options(path.join(tmpDir(), 'run'), {numberModels: 1}));
      return lines.filter((l) => / than the batch size /.test(l));
    };

    assert.deepEqual(await searchWithBatchesOf(8), [
      'warning: the data provider\'s first training batch holds 8 ' +
          'examples, more than the batch size 4 it was asked for: its ' +
          'getInputFn(hparams, \'train\', batchSize) should make batches ' +
          'of batchSize examples',
      'warning: the data provider\'s first evaluation batch holds 8 ' +
          'examples, more than the batch size 4 it was asked for: its ' +
          'getInputFn(hparams, \'eval\', batchSize) should make batches ' +
          'of batchSize examples',
    ]);
    // Smaller training batches too (training batches need never be short).
    assert.deepEqual(await searchWithBatchesOf(3), [
      'warning: the data provider\'s first training batch holds 3 ' +
          'examples, fewer than the batch size 4 it was asked for: its ' +
          'getInputFn(hparams, \'train\', batchSize) should make batches ' +
          'of batchSize examples',
    ]);
    // A provider that keeps to it is not warned of.
    assert.deepEqual(await searchWithBatchesOf(4), []);
  });

  it('warns once of a hyperparameter a block reads and never declared',
     async () => {
       // Registered for this test only: other tests list every block. It
       // falls back to a width of its own, never tuned.
       @registerBlock({lookupName: 'ST_TEST_FALLBACK_WIDTH', initArgs: {}})
       class FallbackWidthBlock implements Block {
         static readonly supportedProblemTypes = ['DNN'];
         readonly isInputOrderImportant = false;
         build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
             tf.SymbolicTensor[] {
           const units = Number(args.hparams?.['width'] ?? 3);
           return [...inputs, tf.layers.dense({
             units, name: `${args.namePrefix}/dense`,
           }).apply(inputs[inputs.length - 1]) as tf.SymbolicTensor];
         }
       }
       const lines: string[] = [];
       try {
         await new SingleTrainer({
           data: csvProvider(),
           spec: parsePhoenixSpec(
               'problem_type: DNN search_type: NONADAPTIVE_RANDOM_SEARCH ' +
               'minimum_depth: 1 maximum_depth: 1 ' +
               'blocks_to_use: "ST_TEST_FALLBACK_WIDTH"'),
           log: (line) => lines.push(line),
         }).tryModels(options(tmpDir(), {numberModels: 2}));
       } finally {
         BLOCKS.remove('ST_TEST_FALLBACK_WIDTH');
         void FallbackWidthBlock;
       }

       assert.deepEqual(
           lines.filter((l) => l.startsWith('warning: block')),
           ['warning: block ST_TEST_FALLBACK_WIDTH reads hparam "width", ' +
            'which its trials lack, and builds with a default of its own, ' +
            'never tuned: declare it in the block\'s requiresHparams() ' +
            '(e.g. {name: \'width\', min: 8, max: 128, integer: true}) for ' +
            'the search to tune it']);
     });

  it('names a missing data provider', () => {
    for (const data of [undefined, null, {}, 'data.csv']) {
      assert.throws(
          () => new SingleTrainer({data: data as unknown as CsvDataProvider,
                                   spec: resolveWorkspacePath(DEFAULT_DNN)}),
          (e: Error) => e.name === 'ValueError' &&
              /^data is .*; give a data provider \(e\.g\. new CsvDataProvider\(\{\.\.\.\}\)\)$/
                  .test(e.message));
    }
  });

  it('names a misspelt option and a missing spec', () => {
    const spec = resolveWorkspacePath(DEFAULT_DNN);
    assert.throws(
        () => new SingleTrainer({data: csvProvider(), spec, bakend: 'cpu'} as
                                unknown as SingleTrainerArgs),
        (e: Error) => e.name === 'ValueError' &&
            e.message === 'SingleTrainer has no option "bakend"; did you ' +
                'mean "backend"?; its options are data, spec, backend, ' +
                'wasmThreads, log');
    for (const [given, said] of [[undefined, 'undefined'], [3, 'a number']]) {
      assert.throws(
          () => new SingleTrainer({data: csvProvider(), spec: given} as
                                  unknown as SingleTrainerArgs),
          (e: Error) => e.name === 'ValueError' &&
              e.message.startsWith(`spec is ${said}; give the path of a ` +
                                   'spec file (.pbtxt, e.g. '));
    }
  });

  it('points a GPU asked for as "gpu" to tensorflow-gpu', async () => {
    const trainer = new SingleTrainer(
        {data: csvProvider(), spec: resolveWorkspacePath(DEFAULT_DNN),
         backend: 'gpu' as unknown as SingleTrainerArgs['backend'],
         log: () => {}});
    await assert.rejects(
        trainer.tryModels(options(tmpDir())),
        (e: Error) => e.message.startsWith(
            '--backend=gpu: unknown backend; did you mean "tensorflow-gpu"?; ' +
            'choose one of ') &&
            e.message.endsWith('(in a script: --backend is backend)'));
  });

  it('searches a label for every time step, scoring the steps of each ' +
         'sequence\'s length only',
     async () => {
       const rootDir = path.join(tmpDir(), 'rnn_all');
       const trainer = new SingleTrainer({
         data: new RunningSumProvider({seed: 5}),
         spec: resolveWorkspacePath(DEFAULT_RNN_ALL),
         log: () => {},
       });

       const trials = await trainer.tryModels(
           options(rootDir, {numberModels: 2, evalSteps: 0}));

       assert.deepEqual(trials.map((t) => t.state), ['COMPLETED', 'COMPLETED']);
       // The evaluation sequences, as the provider makes them (seed + 1).
       const rng = new Random(6);
       const sequences = Array.from(
           {length: EVAL_BATCHES * 4}, () => runningSumSequence(rng));
       const validSteps = sequences.reduce((n, s) => n + s.length, 0);
       for (const trial of trials) {
         const dir = path.join(rootDir, trial.directory!);
         const evaluation = JSON.parse(
             fs.readFileSync(path.join(dir, 'evaluation.json'), 'utf8'));
         assert.equal(evaluation['eval_examples'], validSteps);
         // Accuracy and loss over the valid steps, from the exported model.
         const model = await loadModel(path.join(dir, 'model'));
         const x = tf.tensor3d(sequences.flatMap((s) => s.features),
                               [sequences.length, STEPS, FEATURES]);
         const lengths = tf.tensor2d(sequences.map((s) => [s.length]),
                                     [sequences.length, 1], 'int32');
         // Saved without a lengths input when none of its blocks reads them.
         const probabilities = tf.tidy(() => tf.softmax(model.apply(
             model.inputs.length === 2 ? [x, lengths] : x,
             {training: false}) as tf.Tensor));
         x.dispose();
         lengths.dispose();
         const p = await probabilities.array() as number[][][];
         probabilities.dispose();
         model.dispose();
         let correct = 0;
         let loss = 0;
         sequences.forEach((s, i) => {
           for (let t = 0; t < s.length; t++) {
             const label = s.labels[t];
             if (p[i][t][label] >= p[i][t][1 - label]) correct++;
             loss -= Math.log(p[i][t][label]);
           }
         });
         assert.ok(Math.abs(evaluation['accuracy'] - correct / validSteps) < 1e-9,
                   `${evaluation['accuracy']} vs ${correct / validSteps}`);
         assert.ok(Math.abs(evaluation['loss'] - loss / validSteps) < 1e-4,
                   `${evaluation['loss']} vs ${loss / validSteps}`);
       }
     });

  it('refuses distillation of a label for every time step before writing',
     async () => {
       const dir = tmpDir();
       const spec = path.join(dir, 'rnn_all_distilled.pbtxt');
       fs.writeFileSync(spec, fs.readFileSync(
           resolveWorkspacePath(DEFAULT_RNN_ALL), 'utf8') +
           '\ndistillation_spec { distillation_type: CROSS_ENTROPY }\n');
       const rootDir = path.join(dir, 'never_created');
       const trainer = new SingleTrainer(
           {data: new RunningSumProvider({}), spec, log: () => {}});

       await assert.rejects(
           trainer.tryModels(options(rootDir)),
           /^UsageError: distillation_spec with problem_type RNN_ALL_ACTIVATIONS \(a label for every time step\) is not supported: the teacher's loss does not skip the padding steps of sequences; remove distillation_spec/);
       assert.equal(fs.existsSync(rootDir), false, 'rootDir was created');
     });

  it('refuses a rootDir that is a file before reading the data', async () => {
    const file = path.join(tmpDir(), 'a_file.csv');
    fs.writeFileSync(file, 'keep me');
    let prepared = false;
    const data = csvProvider(RANDOM_CSV);
    const prepare = data.prepare.bind(data);
    data.prepare = async () => {
      prepared = true;
      await prepare();
    };
    const trainer = new SingleTrainer(
        {data, spec: resolveWorkspacePath(DEFAULT_DNN), log: () => {}});

    await assert.rejects(
        trainer.tryModels(options(file)),
        new RegExp(`^ValueError: rootDir ${file} exists and is not a ` +
                   'directory$'));
    assert.equal(prepared, false);
    assert.equal(fs.readFileSync(file, 'utf8'), 'keep me');
  });

  it('names a CSV option by its name in a script', async () => {
    const rootDir = path.join(tmpDir(), 'never_created');
    const trainer = new SingleTrainer(
        {data: new CsvDataProvider({filename: RANDOM_CSV, labelIndex: 99,
                                    log: () => {}}),
         spec: resolveWorkspacePath(DEFAULT_DNN), log: () => {}});

    await assert.rejects(trainer.tryModels(options(rootDir)),
                         /--label_index=99 is out of range: .* \(in a script: --label_index is labelIndex\)$/);
    assert.equal(fs.existsSync(rootDir), false, 'rootDir was created');
  });

  it('refuses a negative wasm memory limit before writing anything',
     async () => {
    const rootDir = path.join(tmpDir(), 'never_created');
    const trainer = new SingleTrainer(
        {data: csvProvider(RANDOM_CSV), spec: resolveWorkspacePath(DEFAULT_DNN),
         log: () => {}});

    await assert.rejects(
        trainer.tryModels({...options(rootDir), wasmMemoryLimitMb: -1}),
        /^ValueError: wasmMemoryLimitMb must be a number of MB >= 0, got -1$/);
    assert.equal(fs.existsSync(rootDir), false, 'rootDir was created');
  });

  it('searches images of four classes, grey, palette and RGBA among them',
     async () => {
       // cat/ and dog/: the shipped RGB PNGs; odd_a/ and odd_b/: grey,
       // grey+alpha, palette, RGBA, 16-bit PNGs, a BMP, a GIF, a JPEG.
       const input = path.join(tmpDir(), 'images');
       const copies: Array<[string, string]> = [
         ['images/0', 'cat'], ['images/1', 'dog'],
         ['odd_images/a', 'odd_a'], ['odd_images/b', 'odd_b'],
       ];
       for (const [from, to] of copies) {
         fs.cpSync(path.join(TESTDATA, from), path.join(input, to),
                   {recursive: true});
       }
       const rootDir = tmpDir();
       const log: string[] = [];
       const data = new ImageDataProvider({
         inputDir: input,
         imageHeight: 8,
         imageWidth: 8,
         evalFraction: 0.25,
         log: (l) => log.push(l),
       });

       const trials = await new SingleTrainer(
           {data, spec: resolveWorkspacePath(DEFAULT_CNN), log: () => {}})
           .tryModels(options(rootDir, {numberModels: 1, trainSteps: 3,
                                        evalSteps: 0}));

       assert.ok(log.some((l) => l.includes(
                     '4 classes (cat,dog,odd_a,odd_b), 18 images, 14 for ' +
                     'training, 4 held out for evaluation; input 8x8x3')),
                 log.join('\n'));
       assert.equal(trials[0].state, 'COMPLETED');
       assert.ok(Number.isFinite(trials[0].metrics!['loss']));
       const model = await loadModel(
           path.join(rootDir, trials[0].directory!, 'model'));
       const x = tf.zeros([2, 8, 8, 3]);
       const logits = model.predict(x) as tf.Tensor;
       assert.deepEqual(logits.shape, [2, 4]);
       tf.dispose([x, logits]);
     });

  it('runs in a fresh process that never parses or reads a flag', async () => {
    // A script as a user writes it: no command line, no flag parsing. Any
    // read of a flag would throw, as it did for users of the original.
    const rootDir = tmpDir();
    const script = `
      const {FlagSet} = require(${JSON.stringify(here('flags'))});
      FlagSet.prototype.get = function(name) {
        throw new Error('flag --' + name + ' read');
      };
      FlagSet.prototype.parse = function() {
        throw new Error('flags parsed');
      };
      ${scriptSearch('() => {}', `numberModels: 2, trainSteps: 3,
          rootDir: ${JSON.stringify(rootDir)}`)}
        .then((trials) => console.log(JSON.stringify(
                  trials.map((t) => [t.id, t.state]))))
        .catch((e) => { console.error(e.stack); process.exitCode = 3; });
    `;

    const {stdout} = await run(process.execPath, ['-e', script]);

    const trials = JSON.parse(stdout.trim()) as Array<[number, string]>;
    assert.deepEqual(trials.map(([, state]) => state),
                     ['COMPLETED', 'COMPLETED']);
  });
});

describe('SingleTrainer with stopOnSignals', function() {
  this.timeout(300_000);

  it('stops on SIGINT as the binary does, and rejects naming it', async () => {
    const rootDir = tmpDir();
    const script = `
      ${scriptSearch('(line) => console.log(line)', `numberModels: 1000,
          trainSteps: 200, rootDir: ${JSON.stringify(rootDir)},
          stopOnSignals: true`)}
        .then(() => console.log('finished'))
        .catch((e) => {
          console.log(e.name + ' ' + e.signal + ': ' + e.message);
          process.exitCode = 3;
        });
    `;
    const child = spawn(process.execPath, ['-e', script],
                        {stdio: ['ignore', 'pipe', 'inherit']});
    let out = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // Once a trial is done, another is running.
      if (!sent && /^trial 1 /m.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number|null>(
        (resolve) => child.on('close', (c) => resolve(c)));

    assert.equal(code, 3, out);
    assert.ok(out.includes(
                  'SearchInterrupted SIGINT: the search was stopped by ' +
                  'SIGINT: the running trial is marked FAILED; tryModels ' +
                  `again with rootDir ${rootDir} and the same experiment ` +
                  'resumes the study'),
              out);
    assert.ok(!out.includes('finished'), out);
    // Nothing half-written is left: no temporary trial directory.
    assert.deepEqual(
        fs.readdirSync(rootDir).filter((n) => n.startsWith('.tmp')), []);
  });
});

/**
 * The text of a script's search of the random CSV: `log` (JavaScript) gets
 * its lines; `options` (JavaScript too) are tryModels' beyond evalSteps,
 * batchSize, the experiment and the seed. It evaluates to the promise.
 */
function scriptSearch(log: string, options: string): string {
  return `
      new (require(${JSON.stringify(here('single_trainer'))}).SingleTrainer)({
        data: new (require(${JSON.stringify(here('data/csv_data'))})
                       .CsvDataProvider)({
            filename: ${JSON.stringify(RANDOM_CSV)},
            recordDefaults: '0,0,0,0', log: () => {}}),
        spec: ${JSON.stringify(resolveWorkspacePath(DEFAULT_DNN))},
        log: ${log},
      }).tryModels({evalSteps: 1, batchSize: 4, experimentName: 'script',
          experimentOwner: 'me', seed: 1, ${options}})`;
}

/** The compiled module `name` beside this test, for a child process. */
function here(name: string): string {
  return path.join(__dirname, name);
}

function run(file: string, args: string[]):
    Promise<{stdout: string, stderr: string}> {
  return new Promise((resolve, reject) => {
    execFile(file, args, {env: process.env, timeout: 240_000},
             (error, stdout, stderr) => {
               if (error) {
                 reject(new Error(`${error.message}\n${stderr}`));
               } else {
                 resolve({stdout, stderr});
               }
             });
  });
}

describe('withOptionNames', () => {
  it('says what the flags a message names are called in tryModels', () => {
    assert.equal(
        withOptionNames('--model_dir=/x holds trials of another study; ' +
                        'give the --experiment_name of that one'),
        '--model_dir=/x holds trials of another study; give the ' +
            '--experiment_name of that one (in a script: --model_dir is ' +
            'rootDir, --experiment_name is experimentName)');
    assert.equal(withOptionNames('no flag here'), 'no flag here');
    assert.equal(withOptionNames('--model_dirs is not ours'),
                 '--model_dirs is not ours');
  });
});
