/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {tf} from '../backend/tf';
import type {Block, BlockBuildArgs} from '../blocks/block';
import {registerBlock} from '../blocks/block';
import {BlockBuildError} from '../errors';
import {blockEnumId} from '../blocks';

import {blockHparams, buildLogits, buildTower, buildTowerSpec, fixArchitectureOrder, increaseStructureDepth, modelOfBlocks} from './architecture_utils';

require('@tensorflow/tfjs-backend-wasm');

async function useWasm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}

describe('fixArchitectureOrder', () => {
  const rows = [
    {name: 'empty', architecture: [], want: ['PLATE_REDUCTION_FLATTEN']},
    {
      name: 'a flatten alone',
      architecture: ['PLATE_REDUCTION_FLATTEN'],
      want: ['PLATE_REDUCTION_FLATTEN'],
    },
    {
      name: 'a downsample flatten alone',
      architecture: ['DOWNSAMPLE_FLATTEN'],
      want: ['DOWNSAMPLE_FLATTEN'],
    },
    {
      name: 'a convolution after the dense block',
      architecture:
          ['PLATE_REDUCTION_FLATTEN', 'FULLY_CONNECTED', 'CONVOLUTION_3X3'],
      want: ['CONVOLUTION_3X3', 'PLATE_REDUCTION_FLATTEN', 'FULLY_CONNECTED'],
    },
    {
      name: 'a convolution after a downsample flatten',
      architecture: ['DOWNSAMPLE_FLATTEN', 'FULLY_CONNECTED', 'RESNET_3X3'],
      want: ['RESNET_3X3', 'DOWNSAMPLE_FLATTEN', 'FULLY_CONNECTED'],
    },
    {
      name: 'groups keep their relative order',
      architecture: [
        'PLATE_REDUCTION_FLATTEN', 'FULLY_CONNECTED',
        'FULLY_CONNECTED_PYRAMID', 'CONVOLUTION_3X3',
        'DOWNSAMPLE_CONVOLUTION_3X3',
      ],
      want: [
        'CONVOLUTION_3X3', 'DOWNSAMPLE_CONVOLUTION_3X3',
        'PLATE_REDUCTION_FLATTEN', 'FULLY_CONNECTED',
        'FULLY_CONNECTED_PYRAMID',
      ],
    },
    {
      name: 'only the first flatten is kept',
      architecture: ['FLATTEN', 'CONVOLUTION_3X3', 'PLATE_REDUCTION_FLATTEN'],
      want: ['CONVOLUTION_3X3', 'FLATTEN'],
    },
    {
      name: 'no flatten: one is added after the convolutions',
      architecture: ['FIXED_OUTPUT_FULLY_CONNECTED_128', 'MAX_POOLING_3X3'],
      want: [
        'MAX_POOLING_3X3', 'PLATE_REDUCTION_FLATTEN',
        'FIXED_OUTPUT_FULLY_CONNECTED_128',
      ],
    },
    {
      name: 'enum ids',
      architecture: [blockEnumId('FULLY_CONNECTED'), blockEnumId('FLATTEN'),
                     blockEnumId('CONVOLUTION_3X3')],
      want: ['CONVOLUTION_3X3', 'FLATTEN', 'FULLY_CONNECTED'],
    },
  ];
  for (const {name, architecture, want} of rows) {
    it(`orders a CNN architecture: ${name}`, () => {
      assert.deepEqual(fixArchitectureOrder(architecture, 'CNN'), want);
    });
  }

  it('says when it adds a flatten', () => {
    const lines: string[] = [];

    fixArchitectureOrder(['CONVOLUTION_3X3'], 'CNN', (l) => lines.push(l));

    assert.deepEqual(lines, [
      'architecture has no flattening block; adding PLATE_REDUCTION_FLATTEN',
    ]);
  });

  for (const problemType of ['DNN', 'RNN_ALL_ACTIVATIONS']) {
    it(`leaves ${problemType} architectures as they are`, () => {
      const architecture = ['FULLY_CONNECTED', 'FLATTEN', 'LSTM_128'];

      assert.deepEqual(
          fixArchitectureOrder(architecture, problemType), architecture);
    });
  }

  it('rejects an unknown problem type', () => {
    assert.throws(
        () => fixArchitectureOrder([], 'CNNN'),
        /problem type "CNNN" is not one of CNN, DNN/);
  });
});

describe('increaseStructureDepth', () => {
  const rows = [
    {
      name: 'RNN: appended',
      problemType: 'RNN_ALL_ACTIVATIONS',
      previous: [],
      added: 'LSTM_128',
      want: ['LSTM_128'],
    },
    {
      name: 'DNN: appended',
      problemType: 'DNN',
      previous: ['FULLY_CONNECTED'],
      added: 'FIXED_OUTPUT_FULLY_CONNECTED_128',
      want: ['FULLY_CONNECTED', 'FIXED_OUTPUT_FULLY_CONNECTED_128'],
    },
    {
      name: 'CNN: a convolution goes before the flatten',
      problemType: 'CNN',
      previous: ['CONVOLUTION_3X3', 'FLATTEN', 'FULLY_CONNECTED'],
      added: 'RESNET_5X5',
      want: ['CONVOLUTION_3X3', 'RESNET_5X5', 'FLATTEN', 'FULLY_CONNECTED'],
    },
    {
      name: 'CNN: a dense block goes at the end',
      problemType: 'CNN',
      previous: ['CONVOLUTION_3X3', 'FLATTEN'],
      added: 'FULLY_CONNECTED',
      want: ['CONVOLUTION_3X3', 'FLATTEN', 'FULLY_CONNECTED'],
    },
    {
      name: 'CNN without a flatten: appended',
      problemType: 'CNN',
      previous: ['CONVOLUTION_3X3'],
      added: 'CONVOLUTION_5X5',
      want: ['CONVOLUTION_3X3', 'CONVOLUTION_5X5'],
    },
    {
      name: 'EMPTY_BLOCK adds nothing',
      problemType: 'CNN',
      previous: ['FLATTEN'],
      added: 'EMPTY_BLOCK',
      want: ['FLATTEN'],
    },
  ];
  for (const {name, problemType, previous, added, want} of rows) {
    it(name, () => {
      assert.deepEqual(
          increaseStructureDepth(previous, added, problemType), want);
    });
  }
});

describe('blockHparams', () => {
  it('gives a block the trial\'s hparams as a search names them', () => {
    const hparams = {learning_rate: 0.1, rank: 2, memory_size: 4};

    assert.deepEqual(blockHparams(hparams, 'TUNABLE_SVDF'), hparams);
    assert.equal(blockHparams(undefined, 'IDENTITY'), undefined);
  });

  it('reads the original\'s <block>_<name> hparams as <name>, first', () => {
    const hparams = {
      learning_rate: 0.1,
      rank: 1,
      TUNABLE_SVDF_rank: 2,
      TUNABLE_SVDF_memory_size: 4,
      LSTM_128_x: 1,
    };

    const own = blockHparams(hparams, 'TUNABLE_SVDF')!;
    assert.equal(own['rank'], 2);
    assert.equal(own['memory_size'], 4);
    assert.equal(own['x'], undefined);
    assert.equal(blockHparams(hparams, 'LSTM_128')!['x'], 1);
  });
});

describe('buildTower', () => {
  before(useWasm);

  const rows = [
    {
      problemType: 'CNN',
      input: [6, 6, 2],
      architecture: ['CONVOLUTION_3X3'],
      tower: [null, 72],
      logits: [null, 4],
    },
    {
      problemType: 'DNN',
      input: [10],
      architecture: ['FULLY_CONNECTED', 'FULLY_CONNECTED_PYRAMID'],
      tower: [null, 5],
      logits: [null, 4],
    },
    {
      problemType: 'RNN_ALL_ACTIVATIONS',
      input: [5, 3],
      architecture: ['RECURRENT_DENSE_64'],
      tower: [null, 5, 64],
      logits: [null, 5, 4],
    },
    {
      problemType: 'RNN_LAST_ACTIVATIONS',
      input: [5, 3],
      architecture: ['RECURRENT_DENSE_64'],
      tower: [null, 64],
      logits: [null, 4],
    },
  ];
  for (const {problemType, input, architecture, tower, logits} of rows) {
    it(`shapes the ${problemType} tower output for the logits`, () => {
      const x = tf.input({shape: input});
      const lengths = problemType.startsWith('RNN') ?
          tf.input({shape: [1], dtype: 'int32'}) :
          undefined;

      const out = buildTower(x, architecture, {
        problemType,
        isTraining: true,
        lengths,
        namePrefix: `shape_${problemType}`,
      });

      assert.deepEqual(out.shape, tower);
      assert.deepEqual(
          buildLogits(out, 4, `shape_${problemType}/logits`).shape, logits);
    });
  }

  it('reads RNN_LAST_ACTIVATIONS outputs at step lengths - 1', () => {
    const x = tf.input({shape: [3, 2]});
    const lengths = tf.input({shape: [1], dtype: 'int32'});
    const out = buildTower(x, ['IDENTITY'], {
      problemType: 'RNN_LAST_ACTIVATIONS',
      isTraining: false,
      lengths,
      namePrefix: 'last_step',
    });
    const model = tf.model({inputs: [x, lengths], outputs: out});
    const data =
        tf.tensor3d([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 0], [1, 1]]]);

    const picked =
        model.predict([data, tf.tensor1d([2, 1], 'int32')]) as tf.Tensor;

    assert.deepEqual(picked.arraySync(), [[3, 4], [7, 8]]);
  });

  it('takes the final step without lengths and says so', () => {
    const lines: string[] = [];
    const x = tf.input({shape: [3, 2]});

    const out = buildTower(x, ['IDENTITY'], {
      problemType: 'RNN_LAST_ACTIVATIONS',
      isTraining: false,
      namePrefix: 'no_lengths',
      logger: (l) => lines.push(l),
    });
    const model = tf.model({inputs: x, outputs: out});
    const data = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);

    assert.deepEqual(
        (model.predict(data) as tf.Tensor).arraySync(), [[5, 6]]);
    assert.match(lines.join('\n'), /no lengths input for RNN_LAST/);
  });

  const dropoutRows = [
    {name: 'a positive rate', rate: 0.2, apply: true, want: 2},
    {name: 'apply_dropouts_between_blocks off', rate: 0.2, apply: false,
     want: 0},
    {name: 'the rate -1 (no dropout)', rate: -1, apply: true, want: 0},
  ];
  for (const {name, rate, apply, want} of dropoutRows) {
    it(`adds dropout after each block for ${name}`, () => {
      const x = tf.input({shape: [8]});
      const prefix = `dropout_${want}_${apply}_${rate}`;
      const spec = buildTowerSpec(x, ['FULLY_CONNECTED', 'FULLY_CONNECTED'], {
        problemType: 'DNN',
        isTraining: true,
        namePrefix: prefix,
        dropoutRate: rate,
        applyDropoutsBetweenBlocks: apply,
      });
      const model = tf.model({inputs: x, outputs: spec.output});

      const dropouts = model.layers.filter(
          (l) => l.getClassName() === 'Dropout');
      assert.equal(dropouts.length, want);
      if (want > 0) {
        assert.equal(dropouts[0].name, `${prefix}/1_FULLY_CONNECTED/dropout`);
      }
    });
  }

  it('names layers by tower, block position and block name', () => {
    const x = tf.input({shape: [8]});
    const spec = buildTowerSpec(
        x, ['FULLY_CONNECTED', 'EMPTY_BLOCK', 'FULLY_CONNECTED'],
        {problemType: 'DNN', isTraining: true, namePrefix: 'names/tower_0'});
    const model = tf.model({inputs: x, outputs: spec.output});

    assert.deepEqual(model.layers.slice(1).map((l) => l.name), [
      'names/tower_0/1_FULLY_CONNECTED/dense',
      'names/tower_0/1_FULLY_CONNECTED/relu',
      'names/tower_0/3_FULLY_CONNECTED/dense',
      'names/tower_0/3_FULLY_CONNECTED/relu',
    ]);
    assert.equal(spec.layerTensors.length, 3);
  });

  const badRows = [
    {
      name: 'a block of another problem type',
      architecture: ['FULLY_CONNECTED', 'LSTM_128'],
      error: 'bad: architecture[1]: block LSTM_128 does not serve problem ' +
          'type DNN (it serves RNN_ALL_ACTIVATIONS, RNN_LAST_ACTIVATIONS); ' +
          'remove it from the architecture or blocks_to_use',
    },
    {
      name: 'an unknown block',
      architecture: ['FULY_CONNECTED'],
      error: 'bad: architecture[0]: unknown block "FULY_CONNECTED"; did ' +
          'you mean "FULLY_CONNECTED"?; registered: ',
    },
  ];
  for (const {name, architecture, error} of badRows) {
    it(`rejects ${name}`, () => {
      assert.throws(
          () => buildTower(
              tf.input({shape: [8]}), architecture,
              {problemType: 'DNN', isTraining: true, namePrefix: 'bad'}),
          (e: Error) => {
            assert.equal(e.name, 'ValueError');
            assert.ok(e.message.startsWith(error), e.message);
            return true;
          });
    });
  }

  it('rejects channels-first images as not implemented', () => {
    assert.throws(
        () => buildTower(tf.input({shape: [3, 8, 8]}), ['CONVOLUTION_3X3'], {
          problemType: 'CNN',
          isTraining: true,
          namePrefix: 'nchw',
          cnnDataFormat: 'NCHW',
        }),
        {
          name: 'NotImplementedError',
          message: 'buildTower: cnn_data_format "NCHW" is not supported; ' +
              'use NHWC',
        });
  });

  it('builds a model that trains with fit', async () => {
    const x = tf.input({shape: [6]});
    const out = buildTower(x, ['FULLY_CONNECTED_RESIDUAL_PROJECT_BATCHNORM'], {
      problemType: 'DNN',
      isTraining: true,
      namePrefix: 'fit',
      dropoutRate: 0.1,
    });
    const model =
        tf.model({inputs: x, outputs: buildLogits(out, 3, 'fit/logits')});
    model.compile({
      optimizer: tf.train.sgd(0.1),
      loss: (labels: tf.Tensor, logits: tf.Tensor) =>
          tf.losses.softmaxCrossEntropy(labels, logits),
    });
    const before = model.getWeights().map((w) => w.dataSync().slice());

    const history = await model.fit(
        tf.randomNormal([8, 6], 0, 1, 'float32', 1),
        tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3),
        {epochs: 2, batchSize: 4, verbose: 0});

    const losses = history.history['loss'] as number[];
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    const after = model.getWeights().map((w) => w.dataSync());
    assert.ok(after.some((w, i) => w.some((v, j) => v !== before[i][j])));
  });
});

describe('saved towers', () => {
  before(useWasm);

  /** Saves to memory and loads back: the custom layers must be registered. */
  async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
    let saved: tf.io.ModelArtifacts|undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return {modelArtifactsInfo: {dateSaved: new Date(),
                                   modelTopologyType: 'JSON'}};
    }));
    return tf.loadLayersModel(tf.io.fromMemory(saved!));
  }

  it('loads back an RNN tower with SVDF, LSTM and last-step layers',
     async () => {
       const x = tf.input({shape: [4, 3], name: 'features'});
       const lengths = tf.input({shape: [1], dtype: 'int32', name: 'lengths'});
       const out = buildTower(
           x, ['SVDF_CELL_32_32_1_2', 'SVDF_CONV_32_32_1', 'LSTM_128'], {
             problemType: 'RNN_LAST_ACTIVATIONS',
             isTraining: false,
             lengths,
             namePrefix: 'saved_rnn',
           });
       const model = tf.model({
         inputs: [x, lengths],
         outputs: buildLogits(out, 2, 'saved_rnn/logits'),
       });
       const data = [
         tf.randomNormal([2, 4, 3], 0, 1, 'float32', 4),
         tf.tensor1d([4, 2], 'int32'),
       ];

       const loaded = await roundTrip(model);

       const want = (model.predict(data) as tf.Tensor).arraySync();
       assert.deepEqual((loaded.predict(data) as tf.Tensor).arraySync(), want);
     });

  it('loads back a CNN tower with dilated and matched-width layers',
     async () => {
       const x = tf.input({shape: [8, 8, 3]});
       const out = buildTower(
           x, [
             'DILATED_CONVOLUTION_2', 'FLATTEN',
             'FULLY_CONNECTED_RESIDUAL_FORCE_MATCH_SHAPES',
           ],
           {problemType: 'CNN', isTraining: false, namePrefix: 'saved_cnn'});
       const model = tf.model(
           {inputs: x, outputs: buildLogits(out, 2, 'saved_cnn/logits')});
       const data = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 5);

       const loaded = await roundTrip(model);

       const classes = loaded.layers.map((l) => l.getClassName());
       assert.ok(classes.includes('ModelSearchDilatedConv2D'));
       assert.ok(classes.includes('ModelSearchMatchWidth'));
       assert.deepEqual(
           (loaded.predict(data) as tf.Tensor).arraySync(),
           (model.predict(data) as tf.Tensor).arraySync());
     });
});

/** Blocks with the mistakes a user's block can make. */
@registerBlock({lookupName: 'ARCH_TEST_THROWS', initArgs: {}})
class ArchTestThrows implements Block {
  static readonly supportedProblemTypes = ['DNN'];
  readonly isInputOrderImportant = false;
  build(): tf.SymbolicTensor[] {
    throw new Error('build exploded');
  }
}

@registerBlock({lookupName: 'ARCH_TEST_NOT_A_LIST', initArgs: {}})
class ArchTestNotAList implements Block {
  static readonly supportedProblemTypes = ['DNN'];
  readonly isInputOrderImportant = false;
  build(inputs: tf.SymbolicTensor[]): tf.SymbolicTensor[] {
    return inputs[0] as unknown as tf.SymbolicTensor[];
  }
}

@registerBlock({lookupName: 'ARCH_TEST_FIXED_NAME', initArgs: {}})
class ArchTestFixedName implements Block {
  static readonly supportedProblemTypes = ['DNN'];
  readonly isInputOrderImportant = false;
  build(inputs: tf.SymbolicTensor[], _args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const layer = tf.layers.dense({units: 3, name: 'arch_test_fixed'});
    return [...inputs,
            layer.apply(inputs[inputs.length - 1]) as tf.SymbolicTensor];
  }
}

@registerBlock({lookupName: 'ARCH_TEST_OUTPUT_ONLY', initArgs: {}})
class ArchTestOutputOnly implements Block {
  static readonly supportedProblemTypes = ['DNN'];
  readonly isInputOrderImportant = false;
  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const layer = tf.layers.dense({units: 3, name: `${args.namePrefix}/d`});
    return [layer.apply(inputs[inputs.length - 1]) as tf.SymbolicTensor];
  }
}

/** A recurrent block that gives the last step only (tfjs's default). */
@registerBlock({lookupName: 'ARCH_TEST_LAST_STEP_ONLY', initArgs: {}})
class ArchTestLastStepOnly implements Block {
  static readonly supportedProblemTypes =
      ['RNN_ALL_ACTIVATIONS', 'RNN_LAST_ACTIVATIONS'];
  readonly isInputOrderImportant = false;
  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const layer = tf.layers.simpleRNN({units: 3, name: `${args.namePrefix}/r`});
    return [...inputs,
            layer.apply(inputs[inputs.length - 1]) as tf.SymbolicTensor];
  }
}

/** Reads `width`, declared; and `depth`, declared only when asked to. */
@registerBlock({lookupName: 'ARCH_TEST_READS_WIDTH', initArgs: {}})
@registerBlock({lookupName: 'ARCH_TEST_READS_DECLARED',
                initArgs: {declared: true}})
class ArchTestReadsWidth implements Block {
  static readonly supportedProblemTypes = ['DNN'];
  readonly isInputOrderImportant = false;
  constructor(private readonly args: {declared?: boolean}) {}
  requiresHparams() {
    return this.args.declared ? [{name: 'depth', min: 1, max: 4}] : [];
  }
  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const layer = tf.layers.dense({
      units: (args.hparams!['width'] ?? args.hparams!['depth']) as number,
      name: `${args.namePrefix}/d`,
    });
    return [...inputs,
            layer.apply(inputs[inputs.length - 1]) as tf.SymbolicTensor];
  }
}

describe('a block that cannot build', () => {
  before(useWasm);

  const tower = (architecture: string[]) => buildTower(
      tf.input({shape: [4]}), architecture,
      {problemType: 'DNN', isTraining: true, hparams: {},
       namePrefix: 'trial_1/tower_0'});

  it('fails the trial, naming the block, where it sits and why', () => {
    assert.throws(
        () => tower(['FULLY_CONNECTED', 'ARCH_TEST_THROWS']),
        (e: Error) => e instanceof BlockBuildError &&
            e.message === 'trial_1/tower_0: architecture[1]: block ' +
                'ARCH_TEST_THROWS failed to build after block ' +
                'FULLY_CONNECTED (shapes [[,4],[,4]]): build exploded');
  });

  it('fails the trial when a sequence tower ends in no sequence', () => {
    for (const problemType of ['RNN_LAST_ACTIVATIONS', 'RNN_ALL_ACTIVATIONS'] as
         const) {
      assert.throws(
          () => buildTower(tf.input({shape: [5, 2]}),
                           ['ARCH_TEST_LAST_STEP_ONLY'],
                           {problemType, isTraining: true, hparams: {},
                            namePrefix: 'trial_1/tower_0'}),
          (e: Error) => e instanceof BlockBuildError &&
              e.message === 'trial_1/tower_0: block ' +
                  'ARCH_TEST_LAST_STEP_ONLY, the tower\'s last, gives ' +
                  `[null, 3], but ${problemType} towers must end in a ` +
                  'sequence [batch, time, features]: a recurrent layer ' +
                  'gives its whole sequence with returnSequences: true ' +
                  '(TensorFlow.js\'s default is the last step only)',
          problemType);
    }
  });

  it('fails the trial when build returns no list of tensors', () => {
    assert.throws(
        () => tower(['ARCH_TEST_NOT_A_LIST']),
        (e: Error) => e instanceof BlockBuildError &&
            e.message.startsWith('trial_1/tower_0: architecture[0]: block ' +
                'ARCH_TEST_NOT_A_LIST returned something other than a ' +
                'list of tensors'));
  });

  it('fails the trial when build does not return its inputs first', () => {
    assert.throws(
        () => tower(['FULLY_CONNECTED', 'ARCH_TEST_OUTPUT_ONLY']),
        (e: Error) => e instanceof BlockBuildError &&
            e.message === 'trial_1/tower_0: architecture[1]: block ' +
                'ARCH_TEST_OUTPUT_ONLY returned 1 tensor(s) that do not ' +
                'begin with the 2 it was given; build() returns its inputs ' +
                'followed by its new output (`return [...inputs, ' +
                'output]`), or its inputs alone when it adds nothing');
    // Its inputs alone (a block that adds nothing) are fine.
    assert.deepEqual(tower(['FULLY_CONNECTED']).shape, [null, 4]);
  });

  it('names a hyperparameter a block read and the trial lacks', () => {
    assert.throws(
        () => tower(['ARCH_TEST_READS_WIDTH']),
        (e: Error) => e instanceof BlockBuildError &&
            /failed to build after the input .*: Expected units to be a positive integer, but got undefined; it read hparam\(s\) "width", "depth", which the trial does not have: a block gets the hyperparameters its requiresHparams\(\) declares \(e\.g\. \{name: 'width', min: 8, max: 128, integer: true\}\)$/
                .test(e.message));
    // Declared, but the block is not in blocks_to_use: nothing was drawn.
    assert.throws(
        () => buildTower(tf.input({shape: [4]}),
                         ['ARCH_TEST_READS_DECLARED'],
                         {problemType: 'DNN', isTraining: true,
                          hparams: {width: undefined as unknown as number},
                          namePrefix: 'trial_1/tower_0'}),
        (e: Error) => e instanceof BlockBuildError &&
            e.message.endsWith(
                'it read hparam(s) "depth", which its requiresHparams() ' +
                'declares but the trial does not have: they are drawn for ' +
                'the blocks of blocks_to_use only; add ' +
                'ARCH_TEST_READS_DECLARED to blocks_to_use'));
    // Given, it builds.
    assert.deepEqual(
        buildTower(tf.input({shape: [4]}), ['ARCH_TEST_READS_WIDTH'],
                   {problemType: 'DNN', isTraining: true,
                    hparams: {width: 5}, namePrefix: 'trial_1/tower_0'})
            .shape,
        [null, 5]);
  });

  it('fails the trial when layer names clash', () => {
    const architecture = ['ARCH_TEST_FIXED_NAME', 'ARCH_TEST_FIXED_NAME'];
    const input = tf.input({shape: [4]});
    const built = buildTower(input, architecture, {
      problemType: 'DNN', isTraining: true, hparams: {},
      namePrefix: 'trial_1/tower_0'});
    assert.throws(
        () => modelOfBlocks({inputs: input, outputs: built},
                            architecture),
        (e: Error) => e instanceof BlockBuildError &&
            e.message.startsWith('the blocks ARCH_TEST_FIXED_NAME, ' +
                                 'ARCH_TEST_FIXED_NAME do not form a model'));
  });
});
