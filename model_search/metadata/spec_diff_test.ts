/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {describeSpecDifference} from './spec_diff';

describe('describeSpecDifference', () => {
  it('says nothing for equal texts', () => {
    assert.equal(describeSpecDifference('a\nb', 'a\nb'), undefined);
  });

  const cases = [
    {
      name: 'a changed line',
      stored: 'a: 1\nb: 2\nc: 3',
      given: 'a: 1\nb: 5\nc: 3',
      want: 'line 2 differs (1 of 3 lines differ; stored text has 3 lines, ' +
          'given 3): stored "b: 2", given "b: 5"',
    },
    {
      name: 'a line added at the end',
      stored: 'a: 1',
      given: 'a: 1\nb: 2',
      want: 'line 2 differs (1 of 2 lines differ; stored text has 1 lines, ' +
          'given 2): stored (end of text), given "b: 2"',
    },
    {
      name: 'invisible characters',
      stored: 'a: 1\r',
      given: 'a: 1',
      want: 'line 1 differs (1 of 1 lines differ; stored text has 1 lines, ' +
          'given 1): stored "a: 1\\r", given "a: 1"',
    },
  ];
  for (const c of cases) {
    it(`names the first differing line: ${c.name}`, () => {
      assert.equal(describeSpecDifference(c.stored, c.given), c.want);
    });
  }

  it('shortens long lines', () => {
    const text = describeSpecDifference('x'.repeat(500), 'y')!;

    assert.match(text, /stored "x{119}\.\.\., given "y"$/);
  });
});
