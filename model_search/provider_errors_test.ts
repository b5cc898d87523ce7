/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** What the search binary says when a user's data provider throws. */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {tf} from './backend/tf';
import {registerProvider} from './data/data';
import type {Batch, InputSchema, Provider} from './data/data';
import {main} from './oss_trainer';

/** Where the test provider throws: set by each test. */
let throwIn: 'prepare'|'batches'|'nowhere' = 'nowhere';
/** What the test provider says of its classes: set by a test. */
let classes = 2;

@registerProvider({lookupName: 'provider_errors_test', initArgs: {}})
class ThrowingProvider implements Provider {
  async prepare(): Promise<void> {
    if (throwIn === 'prepare') throw new RangeError('cannot reach the data');
  }

  getInputFn(): () => AsyncIterable<Batch> {
    return async function*() {
      if (throwIn === 'batches') throw new Error('the source went away');
      for (;;) {
        yield {features: tf.ones([2, 3]),
               labels: tf.tensor1d([0, 1], 'int32')};
      }
    };
  }

  inputSchema(): InputSchema {
    return {kind: 'provider_errors_test', shape: [3]};
  }

  numberOfClasses(): number {
    return classes;
  }
}

async function run(argv: string[]): Promise<{code: number, log: string[]}> {
  const log: string[] = [];
  const code = await main(argv, (line) => log.push(line));
  return {code, log};
}

describe('a data provider that throws', function() {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provider_errors_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
    throwIn = 'nowhere';
    classes = 2;
  });
  const argv = () => [
    '--phoenix_dataset=provider_errors_test', `--model_dir=${dir}`,
    '--phoenix_train_steps=2', '--phoenix_eval_steps=1',
    '--experiment_max_num_trials=1', '--backend=cpu',
  ];

  it('in prepare(): named in one line, no stack, exit 1', async () => {
    throwIn = 'prepare';

    const {code, log} = await run(argv());

    assert.equal(code, 1);
    assert.equal(log[log.length - 1],
                 'error: data provider provider_errors_test: prepare() ' +
                     'threw: cannot reach the data (MODEL_SEARCH_DEBUG=1 ' +
                     'prints its stack)');
  });

  it('in its batches: named in one line, no stack, exit 1', async () => {
    throwIn = 'batches';

    const {code, log} = await run(argv());

    assert.equal(code, 1);
    assert.equal(log[log.length - 1],
                 'error: the data provider\'s training batches threw: the ' +
                     'source went away (MODEL_SEARCH_DEBUG=1 prints its ' +
                     'stack)');
  });

  it('that says it has no classes: named, exit 2, nothing written',
     async () => {
       classes = 0;

       const {code, log} = await run(argv());

       assert.equal(code, 2);
       assert.equal(log[log.length - 1],
                    'error: data provider provider_errors_test: ' +
                        'numberOfClasses() is 0; a classifier needs an ' +
                        'integer of 2 or more');
       assert.deepEqual(fs.readdirSync(dir), []);
     });

  it('nowhere: the same provider searches', async () => {
    const {code, log} = await run(argv());

    assert.equal(code, 0, log.join('\n'));
    assert.ok(log.some((line) => line.startsWith('trial 1 [1/1] ')),
              log.join('\n'));
  });
});
