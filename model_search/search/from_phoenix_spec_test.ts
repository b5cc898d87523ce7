/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {PhoenixSpec} from '../proto/phoenix_spec';
import {searchSpecFromPhoenixSpec} from './from_phoenix_spec';
import {fakeCnnOrder} from './test_utils';

describe('searchSpecFromPhoenixSpec', () => {
  it('reads the search fields of a genetic CNN config', () => {
    const phoenix = PhoenixSpec.fromJSON({
      minimumDepth: 2,
      maximumDepth: 20,
      problemType: 'CNN',
      searchType: 'ADAPTIVE_COORDINATE_DESCENT_GENETIC',
      increaseComplexityProbability: 0.95,
      mutateProbability: 0.1,
      crossoverProbability: 0.4,
      randomArchitectureProbability: 0.05,
      blocksToUse: ['FIXED_CHANNEL_CONVOLUTION_16', 'CIFAR_NASA'],
      userSuggestions: [{architecture: ['FIXED_CHANNEL_CONVOLUTION_96',
                                        'FIXED_CHANNEL_CONVOLUTION_96']}],
    });
    const spec = searchSpecFromPhoenixSpec(phoenix, {fixOrder: fakeCnnOrder});
    assert.equal(spec.searchType, 'ADAPTIVE_COORDINATE_DESCENT_GENETIC');
    assert.equal(spec.problemType, 'CNN');
    assert.equal(spec.maximumDepth, 20);
    assert.equal(spec.mutateProbability, 0.1);
    assert.equal(spec.crossoverProbability, 0.4);
    assert.equal(spec.randomArchitectureProbability, 0.05);
    assert.deepEqual(spec.blocksToUse,
                     ['FIXED_CHANNEL_CONVOLUTION_16', 'CIFAR_NASA']);
    assert.deepEqual(spec.userSuggestions, [{
      architecture: ['FIXED_CHANNEL_CONVOLUTION_96',
                     'FIXED_CHANNEL_CONVOLUTION_96'],
    }]);
    assert.equal(spec.fixOrder, fakeCnnOrder);
  });

  it('applies the proto defaults to unset fields', () => {
    const spec = searchSpecFromPhoenixSpec(
        PhoenixSpec.fromPartial({searchType: undefined}));
    assert.equal(spec.minimumDepth, 2);
    assert.equal(spec.maximumDepth, 30);
    assert.equal(spec.beamSize, 1);
    assert.equal(spec.increaseComplexityProbability, 1);
    assert.equal(spec.numBlocksInCell, 4);
    assert.equal(spec.reductionBlockType, 'DOWNSAMPLE_CONVOLUTION_3X3');
    assert.deepEqual(spec.linearModel, {
      networkAlignment: 'NET_ALIGN_HEAD',
      ridgePenalty: 0.001,
      removeOutliers: true,
      trialsBeforeFit: 10,
    });
  });

  it('names the linear model alignment', () => {
    const spec = searchSpecFromPhoenixSpec(PhoenixSpec.fromJSON({
      searchType: 'LINEAR_MODEL',
      linearModel: {networkAlignment: 'NET_ALIGN_BASE', trialsBeforeFit: 4},
    }));
    assert.equal(spec.searchType, 'LINEAR_MODEL');
    assert.equal(spec.linearModel.networkAlignment, 'NET_ALIGN_BASE');
    assert.equal(spec.linearModel.trialsBeforeFit, 4);
  });
});
