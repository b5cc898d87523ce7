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
      want: 'the given text has "b: 5" where the stored one has line 2 ' +
          '"b: 2" (1 line added, 1 lacking in all)',
    },
    {
      name: 'a line added at the end',
      stored: 'a: 1',
      given: 'a: 1\nb: 2',
      want: 'the given text adds 1 line at the end: "b: 2" (1 line added, ' +
          '0 lacking in all)',
    },
    {
      name: 'entries added to a list',
      stored: 'x: 1\nblocks: [\n  "A",\n  "B"\n]\ny: 2',
      given: 'x: 1\nblocks: [\n  "A",\n  "C",\n  "D",\n  "E",\n  "F",\n' +
          '  "B"\n]\ny: 2',
      want: 'the given text adds 4 lines after stored line 3: "  \\"C\\",", ' +
          '"  \\"D\\",", "  \\"E\\",", ... (4 lines added, 0 lacking in all)',
    },
    {
      name: 'lines removed, and one changed further down',
      stored: 'a\nb\nc\nd\ne',
      given: 'a\nd\nE',
      want: 'the given text lacks stored lines 2-3: "b", "c" (1 line added, ' +
          '3 lacking in all)',
    },
    {
      name: 'invisible characters',
      stored: 'a: 1\r',
      given: 'a: 1',
      want: 'the given text has "a: 1" where the stored one has line 1 ' +
          '"a: 1\\r" (1 line added, 1 lacking in all)',
    },
  ];
  for (const c of cases) {
    it(`names the first difference: ${c.name}`, () => {
      assert.equal(describeSpecDifference(c.stored, c.given), c.want);
    });
  }

  it('shortens long lines', () => {
    const text = describeSpecDifference('x'.repeat(500), 'y')!;

    assert.match(text, /^the given text has "y" where the stored one has line 1 "x{119}\.\.\. \(/);
  });
});
