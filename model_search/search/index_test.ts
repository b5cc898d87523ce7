/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {Random} from '../random';
import {createSearchAlgorithm, SEARCH_TYPE_NAMES} from './index';
import {makeSearchSpec} from './search_spec';
import {contextFor} from './test_utils';

describe('createSearchAlgorithm', () => {
  const base = makeSearchSpec({
    problemType: 'DNN',
    minimumDepth: 2,
    blocksToUse: ['FULLY_CONNECTED', 'FIXED_OUTPUT_FULLY_CONNECTED_128'],
  });

  for (const searchType of SEARCH_TYPE_NAMES) {
    it(`creates ${searchType}`, () => {
      const search = createSearchAlgorithm({...base, searchType});
      const {architecture} = search.suggest([], new Random(1), contextFor(1));
      assert.equal(architecture.length, 2);
    });
  }

  it('lists the valid search types for an unknown one', () => {
    assert.throws(
        () => createSearchAlgorithm(
            {...base, searchType: 'UNKNOWN_SEARCH_TYPE'}),
        (error: Error) => {
          assert.equal(error.name, 'ValueError');
          assert.match(error.message, /search_type "UNKNOWN_SEARCH_TYPE"/);
          for (const name of SEARCH_TYPE_NAMES) {
            assert.ok(error.message.includes(name), name);
          }
          return true;
        });
  });

  it('suggests the closest name for a typo', () => {
    assert.throws(
        () => createSearchAlgorithm(
            {...base, searchType: 'ADAPTIVE_COORDINATE_DECENT'}),
        /did you mean "ADAPTIVE_COORDINATE_DESCENT"\?/);
  });

  it('asks for an order fixer for CNN problems', () => {
    assert.throws(
        () => createSearchAlgorithm({
          ...base,
          searchType: 'ADAPTIVE_COORDINATE_DESCENT',
          problemType: 'CNN',
        }),
        /a CNN search needs SearchSpec.fixOrder/);
  });
});
