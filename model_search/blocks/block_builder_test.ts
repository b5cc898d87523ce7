/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import {ValueError} from '../errors';

import {BLOCKS, blockEnumId, blockNameForEnumId, blockNamesForProblemType, blocksSearchSpace, checkBlockNames, closestBlockName, EMPTY_BLOCK, getBlock, hparamRangesOf, isFlattenBlock, isInputOrderImportant, listBlocks, PROBLEM_TYPES, supportedProblemTypes} from './index';

/** Test data lives at its workspace path (bazel runfiles and tools/dev). */
const TESTDATA = path.resolve('model_search/blocks/testdata');

function lines(file: string): string[] {
  return fs.readFileSync(path.join(TESTDATA, file), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
}

/** blocks_to_use of a .pbtxt with the line:col of each, by regex. */
function blocksToUse(file: string): Array<{name: string, where: string}> {
  const text = fs.readFileSync(path.join(TESTDATA, 'configs', file), 'utf8');
  const out: Array<{name: string, where: string}> = [];
  text.split('\n').forEach((line, i) => {
    const match = /^\s*blocks_to_use:\s*"([^"]*)"/.exec(line);
    if (match) {
      const col = line.indexOf('blocks_to_use') + 1;
      out.push({name: match[1], where: `${file}:${i + 1}:${col}`});
    }
  });
  return out;
}

describe('block_builder', () => {
  it('registers exactly the names of registered_block_names.txt', () => {
    const want = lines('registered_block_names.txt');
    const have = listBlocks().map((b) => b.name);

    assert.equal(want.length, 136);
    assert.deepEqual([...have].sort(), [...want].sort());
  });

  it('gives every block the enum id of block.py', () => {
    const want = lines('block_enum_ids.txt').map((line) => {
      const [name, id] = line.split(/\s+/);
      return [name, Number(id)] as [string, number];
    });

    assert.equal(want.length, 136);
    for (const [name, id] of want) {
      assert.equal(blockEnumId(name), id, name);
      assert.equal(blockNameForEnumId(id), name, `enum id ${id}`);
    }
  });

  it('maps EMPTY_BLOCK to enum id 0 and back', () => {
    assert.equal(blockEnumId(EMPTY_BLOCK), 0);
    assert.equal(blockNameForEnumId(0), EMPTY_BLOCK);
  });

  const configs =
      fs.readdirSync(path.join(TESTDATA, 'configs')).filter(
          (f) => f.endsWith('.pbtxt'));
  // The original registers no CIFAR_NASA blocks either, though its
  // cifar_nasnet_config.pbtxt lists them.
  const notInOriginal = new Set(['CIFAR_NASA', 'CIFAR_NASA_REDUCTION']);
  for (const config of configs) {
    it(`resolves blocks_to_use of ${config}`, () => {
      const entries = blocksToUse(config);
      assert.ok(entries.length > 0, 'the config lists blocks');
      const missing = entries.filter((e) => !BLOCKS.has(e.name));

      assert.deepEqual(
          missing.filter((e) => !notInOriginal.has(e.name)), [],
          'unregistered blocks');
      for (const {name, where} of entries) {
        if (missing.some((e) => e.name === name)) {
          assert.throws(() => getBlock(name, where), (e: Error) => {
            assert.ok(e instanceof ValueError);
            assert.match(e.message, new RegExp(
                `^${where}: unknown block "${name}"`));
            return true;
          });
        } else {
          assert.ok(getBlock(name, where));
        }
      }
    });
  }

  it('names the closest block and all registered ones for a typo', () => {
    assert.throws(
        () => getBlock('CONV_3X3', 'cnn.pbtxt:12:3: blocks_to_use'),
        (e: Error) => {
          assert.ok(e instanceof ValueError);
          assert.ok(e.message.startsWith(
              'cnn.pbtxt:12:3: blocks_to_use: unknown block "CONV_3X3"; ' +
              'did you mean "CONVOLUTION_3X3"?; registered: ' +
              'FIXED_CHANNEL_CONVOLUTION_16, '), e.message);
          assert.match(e.message, /LSTM_1024, .*TUNABLE_SVDF; fix the name/);
          return true;
        });
  });

  const closeRows = [
    {typo: 'FULY_CONNECTED', want: 'FULLY_CONNECTED'},
    {typo: 'lstm_128', want: 'LSTM_128'},
    {typo: 'CONV_3X3', want: 'CONVOLUTION_3X3'},
    {typo: 'SVDF_576', want: 'SVDF_CELL_576_8_1_7'},
    {typo: 'QWERTY', want: undefined},
  ];
  for (const {typo, want} of closeRows) {
    it(`suggests ${want} for ${typo}`, () => {
      assert.equal(closestBlockName(typo), want);
    });
  }

  it('checkBlockNames lists every unknown name', () => {
    assert.doesNotThrow(() => checkBlockNames(['IDENTITY', EMPTY_BLOCK]));
    assert.throws(
        () => checkBlockNames(['IDENTITY', 'LSTM128', 'NOPE'], 'spec'),
        (e: Error) => {
          assert.ok(e instanceof ValueError);
          assert.ok(e.message.startsWith(
              'spec: unknown block "LSTM128"; did you mean "LSTM_128"?; ' +
              'unknown block "NOPE"; registered: '), e.message);
          return true;
        });
  });

  it('lists blocks by enum id with their problem types', () => {
    const blocks = listBlocks();
    const ids = blocks.map((b) => b.enumId);

    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.deepEqual(blocks[0], {
      name: 'FIXED_CHANNEL_CONVOLUTION_16',
      enumId: 1,
      problemTypes: ['CNN'],
    });
    for (const block of blocks) {
      assert.ok(block.problemTypes.length > 0, block.name);
      for (const type of block.problemTypes) {
        assert.ok(PROBLEM_TYPES.includes(type), `${block.name}: ${type}`);
      }
    }
  });

  const problemTypeRows = [
    {name: 'CONVOLUTION_3X3', want: ['CNN']},
    {name: 'DOWNSAMPLE_FLATTEN', want: ['CNN']},
    {name: 'FLATTEN', want: ['CNN', 'DNN']},
    {name: 'FULLY_CONNECTED_RESIDUAL_PROJECT', want: ['CNN', 'DNN']},
    {name: 'IDENTITY', want: [...PROBLEM_TYPES]},
    {
      name: 'SVDF_CELL_64_4_1',
      want: ['RNN_ALL_ACTIVATIONS', 'RNN_LAST_ACTIVATIONS'],
    },
  ];
  for (const {name, want} of problemTypeRows) {
    it(`says ${name} serves ${want.join(', ')}`, () => {
      assert.deepEqual([...supportedProblemTypes(name)], want);
    });
  }

  it('selects blocks per problem type', () => {
    const dnn = blockNamesForProblemType('DNN');
    const rnn = blockNamesForProblemType('RNN_LAST_ACTIVATIONS');

    assert.ok(dnn.includes('LOWRANK_2_SKIP'));
    assert.ok(!dnn.includes('LSTM_128'));
    assert.ok(rnn.includes('LSTM_128') && rnn.includes('IDENTITY'));
    assert.ok(!rnn.includes('FULLY_CONNECTED'));
    assert.throws(
        () => blockNamesForProblemType('RNN'),
        /problem type "RNN" is not one of CNN, DNN, RNN_ALL_ACTIVATIONS/);
  });

  it('knows the flattening blocks and input-order importance', () => {
    assert.ok(isFlattenBlock('DOWNSAMPLE_FLATTEN'));
    assert.ok(!isFlattenBlock('FULLY_CONNECTED'));
    assert.ok(isInputOrderImportant('RESNET_3X3'));
    assert.ok(isInputOrderImportant('LSTM_128'));
    assert.ok(!isInputOrderImportant('PLATE_REDUCTION_FLATTEN'));
    assert.ok(!isInputOrderImportant('FULLY_CONNECTED'));
  });

  it('gathers the hparams of tunable blocks with the block prefix', () => {
    const all = blocksSearchSpace();
    const none = blocksSearchSpace(['LSTM_128', 'IDENTITY']);

    assert.deepEqual(all.map((h) => h.name), [
      'TUNABLE_SVDF_output_size',
      'TUNABLE_SVDF_memory_size',
      'TUNABLE_SVDF_rank',
      'TUNABLE_SVDF_projection_size',
    ]);
    assert.deepEqual(
        all[1], {name: 'TUNABLE_SVDF_memory_size', min: 4, max: 32,
                 integer: true});
    assert.deepEqual(none, []);
  });
});

describe('hparamRangesOf', () => {
  const block = (requiresHparams?: () => unknown) => ({
    isInputOrderImportant: false,
    build: () => [],
    ...(requiresHparams === undefined ? {} :
        {requiresHparams: requiresHparams as () => []}),
  });

  it('gives the ranges a block asks for, none without the method', () => {
    const ranges = [{name: 'units', min: 1, max: 4, integer: true}];
    assert.deepEqual(hparamRangesOf('MINE', block(() => ranges)), ranges);
    assert.deepEqual(hparamRangesOf('MINE', block()), []);
    assert.deepEqual(hparamRangesOf('MINE', block(() => undefined)), []);
  });

  it('names the block whose requiresHparams throws', () => {
    assert.throws(
        () => hparamRangesOf('MINE', block(() => {
          throw new Error('exploded');
        })),
        (e: Error) => e instanceof ValueError &&
            e.message === 'block MINE: requiresHparams() failed: exploded');
  });

  it('names the block whose ranges are not objects', () => {
    assert.throws(
        () => hparamRangesOf('MINE', block(() => [{name: 'a', min: 1, max: 2},
                                                  null])),
        (e: Error) => e instanceof ValueError &&
            e.message === 'block MINE: requiresHparams() entry 2 is null, ' +
                'not a range ({name, min, max} or {name, values})');
  });

  it('names the block whose requiresHparams is no array', () => {
    for (const [answer, said] of [[{name: 'x', min: 1, max: 2}, 'object'],
                                  [null, 'null'], ['units', 'string']]) {
      assert.throws(
          () => hparamRangesOf('MINE', block(() => answer)),
          (e: Error) => e instanceof ValueError &&
              e.message.startsWith(`block MINE: requiresHparams() returned ${
                  said}, not an array of ranges`));
    }
  });
});
