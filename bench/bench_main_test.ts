/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {UsageError} from '../model_search/errors';
import {FlagSet} from '../model_search/flags';

import {median, requireAtLeast, requireKnown} from './bench_main';

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
