/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {Random} from '../random';
import {RandomSearch} from './random_search';
import {makeSearchSpec} from './search_spec';
import {completedTrial, contextFor} from './test_utils';

describe('RandomSearch', () => {
  it('covers the space uniformly (chi-square, p = 0.001)', () => {
    const blocks = ['A_BLOCK', 'B_BLOCK', 'C_BLOCK'];
    const search = new RandomSearch(makeSearchSpec({
      searchType: 'NONADAPTIVE_RANDOM_SEARCH',
      problemType: 'DNN',
      minimumDepth: 2,
      blocksToUse: blocks,
    }));
    const rng = new Random(2024);
    const counts = new Map<string, number>();
    const draws = 2700;
    // Earlier results must not matter: feed a growing history.
    const history = [completedTrial(1, ['A_BLOCK', 'A_BLOCK'], 0.99)];
    for (let i = 0; i < draws; i++) {
      const {architecture} = search.suggest(history, rng, contextFor(i + 2));
      assert.equal(architecture.length, 2);
      const key = architecture.join();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.equal(counts.size, 9);
    const expected = draws / 9;
    let chiSquare = 0;
    for (const observed of counts.values()) {
      chiSquare += (observed - expected) ** 2 / expected;
    }
    // 8 degrees of freedom: P(chi2 > 26.12) = 0.001.
    assert.ok(chiSquare < 26.12, `chi-square ${chiSquare.toFixed(2)}`);
  });
});
