/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * model_search_oss_test fails on a provider whose 'eval' input never ends,
 * though its search evaluates 20 batches only: a search with the default
 * --phoenix_eval_steps=0 would evaluate for ever.
 */

import * as assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';

describe('model_search_oss_test of a provider whose eval never ends', function() {
  this.timeout(120000);

  it('fails, saying that eval must be one pass', () => {
    const run = spawnSync(
        'model_search/testing/user_extension/endless_eval_test', [],
        {encoding: 'utf8'});
    const out = `${run.stdout}${run.stderr}`;

    assert.equal(run.status, 1, out);
    assert.match(out, /model_search_oss_test: FAIL: the data provider's 'eval' input did not end after 10000 batches of 2: it must be one pass over the evaluation data/);
  });
});
