/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {Random} from '../random';
import {createSearchAlgorithm} from './index';
import {makeSearchSpec} from './search_spec';
import {completedTrial, contextFor, fakeCnnOrder} from './test_utils';

describe('WithUserSuggestions', () => {
  const suggestions = [
    ['FIXED_CHANNEL_CONVOLUTION_96', 'FIXED_CHANNEL_CONVOLUTION_96'],
    ['FULLY_CONNECTED', 'CONVOLUTION_3X3'],
  ];
  const spec = makeSearchSpec({
    searchType: 'ADAPTIVE_COORDINATE_DESCENT',
    problemType: 'CNN',
    fixOrder: fakeCnnOrder,
    blocksToUse: ['CONVOLUTION_3X3', 'FULLY_CONNECTED'],
    userSuggestions: suggestions.map((architecture) => ({architecture})),
  });

  it('trains the suggestions first, in order', () => {
    const search = createSearchAlgorithm(spec);
    const first = search.suggest([], new Random(1), contextFor(1));
    assert.deepEqual(first.architecture,
                     fakeCnnOrder([...suggestions[0]]));
    assert.equal(first.userSuggestionIndex, 0);
    const second = search.suggest(
        [completedTrial(1, first.architecture, 0.5)], new Random(1),
        contextFor(2));
    assert.deepEqual(second.architecture,
                     ['CONVOLUTION_3X3', 'PLATE_REDUCTION_FLATTEN',
                      'FULLY_CONNECTED']);
    assert.equal(second.userSuggestionIndex, 1);
  });

  it('hands later trials to the search', () => {
    const search = createSearchAlgorithm(spec);
    const trials = [
      completedTrial(1, fakeCnnOrder([...suggestions[0]]), 0.5),
      completedTrial(2, fakeCnnOrder([...suggestions[1]]), 0.7),
    ];
    const third = search.suggest(trials, new Random(1), contextFor(3));
    assert.equal(third.userSuggestionIndex, undefined);
    assert.ok(third.parentTrialId === 1 || third.parentTrialId === 2);
  });

  it('rejects a suggestion deeper than maximum_depth', () => {
    const deep = (architecture: string[]) => () => createSearchAlgorithm(
        {...spec, maximumDepth: 2, userSuggestions: [{architecture}]});
    assert.throws(
        deep(['CONVOLUTION_3X3', 'CONVOLUTION_3X3', 'PLATE_REDUCTION_FLATTEN',
              'FULLY_CONNECTED']),
        /^ValueError: phoenix_spec.user_suggestions\[0\] has 3 blocks \(flatten blocks aside\), above maximum_depth \(2\): give it at most 2, or raise maximum_depth$/);
    // As deep as allowed, its flatten block aside.
    deep(['CONVOLUTION_3X3', 'PLATE_REDUCTION_FLATTEN', 'FULLY_CONNECTED'])();
  });

  it('rejects an empty suggestion', () => {
    assert.throws(
        () => createSearchAlgorithm({
          ...spec,
          userSuggestions: [{architecture: ['CONVOLUTION_3X3']},
                            {architecture: []}],
        }),
        /phoenix_spec.user_suggestions\[1\] has no architecture/);
  });

  for (const searchType of ['HARMONICA_SEARCH', 'NONADAPTIVE_RANDOM_SEARCH']) {
    it(`rejects a suggestion of another depth than ${searchType}'s`, () => {
      const fixed = (architecture: string[]) => () => createSearchAlgorithm({
        ...spec,
        searchType,
        minimumDepth: 2,
        userSuggestions: [{architecture}],
      });
      assert.throws(
          fixed(['CONVOLUTION_3X3']),
          new RegExp(
              '^ValueError: phoenix_spec.user_suggestions\\[0\\] has 1 ' +
              `block \\(flatten blocks aside\\), but ${searchType} ` +
              'searches towers of exactly minimum_depth \\(2\\) blocks'));
      assert.throws(fixed(['CONVOLUTION_3X3', 'CONVOLUTION_3X3',
                           'FULLY_CONNECTED']),
                    /has 3 blocks/);
      assert.doesNotThrow(fixed(['CONVOLUTION_3X3', 'PLATE_REDUCTION_FLATTEN',
                                 'FULLY_CONNECTED']));
    });
  }
});
