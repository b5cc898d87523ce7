/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {tf} from './backend/tf';
import type {Block, BlockBuildArgs} from './blocks/block';
import {BLOCKS, registerBlock} from './blocks/block';
// './cli.js', not './cli': beside cli.js sits the launcher named cli.
import {cliMain} from './cli.js';

/** A block registered the way a user would, without an enum id. */
@registerBlock({lookupName: 'CLI_TEST_IDENTITY', initArgs: {}})
class CliTestIdentity implements Block {
  static readonly lookupName = 'CLI_TEST_IDENTITY';
  static readonly supportedProblemTypes = ['CNN', 'DNN'];
  readonly isInputOrderImportant = false;

  build(inputs: tf.SymbolicTensor[], _args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    return inputs;
  }
}

/** Runs the CLI, collecting both streams. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cliMain(argv, (s) => out.push(s), (s) => err.push(s));
  return {code, out, err};
}

describe('cli blocks', () => {
  it('lists the others, then names a block without problem types (exit 2)',
     async () => {
       // Registered for this test only: other tests list every block.
       @registerBlock({lookupName: 'CLI_TEST_NO_TYPES', initArgs: {}})
       class CliTestNoTypes implements Block {
         readonly isInputOrderImportant = false;
         build(inputs: tf.SymbolicTensor[]): tf.SymbolicTensor[] {
           return inputs;
         }
       }
       try {
         const {code, out, err} = await run(['blocks']);

         assert.equal(code, 2);
         assert.equal(out[out.length - 1], '137 blocks');
         assert.ok(!out.some((row) => row.startsWith('CLI_TEST_NO_TYPES')));
         assert.deepEqual(err, [
           'cli blocks: block "CLI_TEST_NO_TYPES" has no static ' +
               'supportedProblemTypes; declare the problem types it ' +
               'serves, e.g. [\'DNN\', \'CNN\']',
         ]);
       } finally {
         BLOCKS.remove('CLI_TEST_NO_TYPES');
         void CliTestNoTypes;
       }
     });

  // The longest registered name sets the width of the first column.
  const WIDTH = 'FULLY_CONNECTED_RESIDUAL_FORCE_MATCH_SHAPES_BATCHNORM'.length;

  it('prints one row per block, then the count', async () => {
    const {code, out, err} = await run(['blocks']);

    assert.equal(code, 0, err.join('\n'));
    assert.deepEqual(err, []);
    const rows = out.slice(0, -1);
    // The original's 136 and the one this file registers.
    assert.equal(rows.length, 137);
    assert.equal(out[out.length - 1], '137 blocks');
  });

  it('refuses arguments, which it takes none of, and answers --help',
     async () => {
       for (const args of [['--bogus'], ['extra', 'args']]) {
         const {code, out, err} = await run(['blocks', ...args]);
         assert.equal(code, 2);
         assert.deepEqual(out, []);
         assert.equal(err[err.length - 1],
                      `cli blocks: unexpected ${args.join(' ')}`);
       }
       const help = await run(['blocks', '--help']);
       assert.equal(help.code, 0);
       assert.match(help.out[0], /^usage: cli blocks\n/);
     });

  it('aligns name, enum id and problem types in columns', async () => {
    const {out} = await run(['blocks']);
    const rows = out.slice(0, -1);

    const expected: Record<string, string> = {
      FIXED_CHANNEL_CONVOLUTION_16: '    1  CNN',
      FULLY_CONNECTED: '   14  CNN,DNN',
      FIXED_OUTPUT_FULLY_CONNECTED_128: '   22  CNN,DNN',
      GENERAL_BLOCK: '   32  CNN',
      LSTM_128: '   56  RNN_ALL_ACTIVATIONS,RNN_LAST_ACTIVATIONS',
      IDENTITY: '  125  CNN,DNN,RNN_ALL_ACTIVATIONS,RNN_LAST_ACTIVATIONS',
      TUNABLE_SVDF: '10016  RNN_ALL_ACTIVATIONS,RNN_LAST_ACTIVATIONS',
      [CliTestIdentity.lookupName]: '    -  CNN,DNN',
    };
    for (const [name, rest] of Object.entries(expected)) {
      const row = rows.find((r) => r.startsWith(name + ' '));
      assert.equal(row, `${name.padEnd(WIDTH)}  ${rest}`);
    }
    const types = '(CNN|DNN|RNN_ALL_ACTIVATIONS|RNN_LAST_ACTIVATIONS)';
    const format = new RegExp(
        `^[A-Z0-9_]+ *  [ \\d]{4}[\\d-]  ${types}(,${types})*$`);
    for (const row of rows) {
      assert.match(row, format);
      assert.equal(row.slice(0, WIDTH).trimEnd(), row.split(' ')[0], row);
    }
  });

  it('orders the rows by enum id, blocks without one first', async () => {
    const {out} = await run(['blocks']);
    const ids = out.slice(0, -1).map((r) => r.slice(WIDTH + 2, WIDTH + 7));

    assert.deepEqual(ids.slice(0, 1), ['    -']);
    const numbered = ids.slice(1).map(Number);
    assert.deepEqual(numbered, [...numbered].sort((a, b) => a - b));
    assert.equal(new Set(numbered).size, 136, 'enum ids repeat');
  });
});

describe('cliMain', () => {
  it('prints the usage and exits 2 without a subcommand', async () => {
    const {code, out} = await run([]);

    assert.equal(code, 2);
    assert.match(out.join('\n'), /^usage: cli <subcommand>/);
    assert.match(out.join('\n'), /\n  blocks +list the registered blocks/);
  });

  it('exits 2 naming an unknown subcommand', async () => {
    const {code, err} = await run(['block']);

    assert.equal(code, 2);
    assert.match(err[0], /^cli: unknown subcommand "block"; did you mean "blocks"\?\n/);
  });
});
