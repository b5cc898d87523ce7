/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {Random} from '../random';
import {Identity} from './identity';
import {makeSearchSpec} from './search_spec';
import {contextFor, fakeCnnOrder} from './test_utils';

describe('Identity', () => {
  const spec = makeSearchSpec({
    problemType: 'CNN',
    fixOrder: fakeCnnOrder,
    blocksToUse: ['CONVOLUTION_3X3', 'FIXED_OUTPUT_FULLY_CONNECTED_128'],
  });

  it('passes on the initial_architecture hparams, order fixed', () => {
    const hparams = {
      initial_architecture_0: 'FIXED_OUTPUT_FULLY_CONNECTED_128',
      initial_architecture_1: 'CONVOLUTION_3X3',
      learning_rate: 0.01,
    };
    const suggestion = new Identity(spec).suggest(
        [], new Random(1), {...contextFor(3), hparams});
    assert.deepEqual(suggestion.architecture, [
      'CONVOLUTION_3X3', 'PLATE_REDUCTION_FLATTEN',
      'FIXED_OUTPUT_FULLY_CONNECTED_128',
    ]);
  });

  it('says which hparams it needs when they are missing', () => {
    assert.throws(
        () => new Identity(spec).suggest([], new Random(1), contextFor(4)),
        /trial 4: the Identity search needs the hparams initial_arch/);
  });
});
