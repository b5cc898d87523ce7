/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {DataError, inProvider, listedName, noticeSlowProviderWaits} from './data';

describe('DataError', () => {
  it('names the file and line a message leaves out', () => {
    assert.equal(new DataError('bad row here', '/tmp/x.csv', 7).message,
                 '/tmp/x.csv:7: bad row here');
    assert.equal(new DataError('no rows', '/tmp/x.csv').message,
                 '/tmp/x.csv: no rows');
  });

  it('keeps a message that names the file already', () => {
    assert.equal(
        new DataError('in.csv:3: column "a" is numeric', 'in.csv', 3).message,
        'in.csv:3: column "a" is numeric');
    assert.equal(new DataError('the file in.csv is empty', 'in.csv').message,
                 'the file in.csv is empty');
    assert.equal(new DataError('labels out of range').message,
                 'labels out of range');
  });

  it('keeps file and line for callers', () => {
    const e = new DataError('bad', 'a.csv', 2);
    assert.equal(e.file, 'a.csv');
    assert.equal(e.line, 2);
    assert.ok(e instanceof DataError && e instanceof Error);
  });
});

describe('listedName', () => {
  it('quotes a name a list would read two ways, and leaves others', () => {
    assert.equal(listedName('cat'), 'cat');
    assert.equal(listedName('Größe 😀'), 'Größe 😀');
    assert.equal(listedName('a,b'), '"a,b"');
    assert.equal(listedName(' padded'), '" padded"');
  });

  it('escapes what could break the line or reorder it', () => {
    // A class name that would write a line of the log's own form.
    assert.equal(listedName('x\ntrial 1 [1/1] arch=[FORGED]'),
                 '"x\\ntrial 1 [1/1] arch=[FORGED]"');
    assert.equal(listedName('tab\tx'), '"tab\\tx"');
    assert.equal(listedName('\u202eRTL\u202c'), '"\\u202eRTL\\u202c"');
    assert.equal(listedName('a\u2028b'), '"a\\u2028b"');
    assert.equal(listedName('zero\u200bwidth'), '"zero\\u200bwidth"');
  });
});

describe('inProvider', () => {
  afterEach(() => noticeSlowProviderWaits(undefined));

  it('says once that a call has not answered for a while', async () => {
    const said: string[] = [];
    noticeSlowProviderWaits((line) => said.push(line), 20);

    const slow = await inProvider(
        'the data provider\'s training batches',
        () => new Promise((resolve) => setTimeout(() => resolve('late'), 90)));
    const quick = await inProvider('the data provider\'s evaluation batches',
                                   () => 'at once');
    await new Promise((resolve) => setTimeout(resolve, 40));

    assert.equal(slow, 'late');
    assert.equal(quick, 'at once');
    assert.deepEqual(said, [
      'the data provider\'s training batches: no answer after 0.02 s; the ' +
          'search waits for it (Ctrl-C stops it)',
    ]);
  });
});
