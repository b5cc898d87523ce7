/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {UsageError} from '../model_search/errors';
import {FlagSet} from '../model_search/flags';

import {isWasmOutOfMemory, median, medianIndex, requireAtLeast, requireKnown, wasmOutOfMemoryLine} from './bench_main';

function flags(argv: string[]): FlagSet {
  const set = new FlagSet();
  set.define('trials', {type: 'int', default: 5, help: 'Trials.'});
  set.define('stores', {type: 'list', default: ['sqlite'], help: 'Stores.'});
  set.parse(argv);
  return set;
}

describe('benchmark flag checks', () => {
  it('accept values at or above the least', () => {
    requireAtLeast(flags(['--trials=1']), {trials: 1});
    assert.deepEqual(
        requireKnown(flags(['--stores=sqlite,mysql']), 'stores',
                     ['sqlite', 'mysql']),
        ['sqlite', 'mysql']);
  });

  it('refuse a count below the least, naming the flag', () => {
    assert.throws(() => requireAtLeast(flags(['--trials=0']), {trials: 1}),
                  (e: Error) => e instanceof UsageError &&
                      e.message === '--trials must be at least 1, got 0');
  });

  it('refuse unknown and empty lists, with the choices', () => {
    assert.throws(
        () => requireKnown(flags(['--stores=sqlit']), 'stores',
                           ['sqlite', 'mysql']),
        (e: Error) => e instanceof UsageError &&
            e.message === '--stores: unknown sqlit; did you mean "sqlite"?; ' +
                'choose from sqlite, mysql');
    assert.throws(
        () => requireKnown(flags(['--stores=']), 'stores', ['sqlite']),
        /--stores is empty; choose from sqlite/);
  });

  it('answer another name of a choice with the choice it stands for', () => {
    const backends = (value: string) => {
      const set = new FlagSet();
      set.define('backends', {type: 'list', default: [], help: 'Backends.'});
      set.parse([`--backends=${value}`]);
      return () => requireKnown(set, 'backends', ['tensorflow-gpu',
                                'tensorflow', 'wasm', 'cpu'],
                                {gpu: 'tensorflow-gpu',
                                 'tfjs-node': 'tensorflow'});
    };
    // By its letters "gpu" is nearest "cpu"; the search binary says
    // "tensorflow-gpu", and so must the benchmarks.
    assert.throws(backends('gpu'),
                  /unknown gpu; did you mean "tensorflow-gpu"\?/);
    assert.throws(backends('tfjs-node'),
                  /unknown tfjs-node; did you mean "tensorflow"\?/);
    assert.throws(backends('wsam'), /unknown wsam; did you mean "wasm"\?/);
  });
});

/** An error as the wasm module throws it (WebAssembly.RuntimeError). */
function runtimeError(message: string): Error {
  const e = new Error(message);
  e.name = 'RuntimeError';
  return e;
}

describe('wasm out of memory', () => {
  it('is told from other errors', () => {
    assert.ok(isWasmOutOfMemory(runtimeError(
        'Aborted(). Build with -sASSERTIONS for more info.')));
    assert.ok(isWasmOutOfMemory(
        runtimeError('memory access out of bounds')));
    assert.ok(isWasmOutOfMemory(new RangeError(
        'WebAssembly.Memory(): could not grow memory')));
    assert.ok(!isWasmOutOfMemory(new Error('memory access out of bounds')));
    assert.ok(!isWasmOutOfMemory(runtimeError('unreachable')));
    assert.ok(!isWasmOutOfMemory('Aborted()'));
  });

  it('is said in one line, with the advice', () => {
    assert.equal(
        wasmOutOfMemoryLine(runtimeError('memory access out of bounds\nat x'),
                            'give a smaller --batch_size'),
        'the wasm backend ran out of memory (RuntimeError: memory access ' +
            'out of bounds); give a smaller --batch_size');
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    assert.equal(median([3]), 3);
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it('leaves its argument in its order', () => {
    const values = [3, 1, 2];
    median(values);
    assert.deepEqual(values, [3, 1, 2]);
  });
});

describe('medianIndex', () => {
  it('finds the value at the median, the lower middle for an even count',
     () => {
       assert.equal(medianIndex([7]), 0);
       assert.equal(medianIndex([0.3, 0.1, 0.2]), 2);
       assert.equal(medianIndex([0.4, 0.1, 0.3, 0.2]), 3);
       assert.equal(medianIndex([5, 9]), 0);
     });

  it('leaves its argument in its order', () => {
    const values = [3, 1, 2];
    assert.equal(medianIndex(values), 2);
    assert.deepEqual(values, [3, 1, 2]);
  });
});
