/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The block catalogue. Importing this module registers every block of
 * block.py (136 lookup names) and the custom layers their models need to
 * load back from model.save (SVDF, dilated convolution, MatchWidth,
 * LastValidStep, the orthogonal initializer).
 * The next free enum ids are kept beside `registerBlock` in block.ts.
 */

export * from './block';
export * from './block_builder';
export * from './convolution_blocks';
export {DilatedConv2D, DilatedConv2DArgs, dilatedConv2dSame} from './dilated_conv2d';
export * from './flatten_blocks';
export * from './fully_connected_blocks';
export {FastVarianceScaling, glorotNormal, glorotUniform, Orthogonal, OrthogonalArgs, orthonormalColumns} from './initializers';
export {LayerArgs} from './layer_utils';
export {LastValidStep, MaskPadding, MatchWidth, MatchWidthArgs, sequenceMask} from './op_layers';
export * from './pooling_blocks';
export * from './rnn_blocks';
export * from './svdf_blocks';
export {SvdfArgs, SvdfCell, SvdfConv, svdfPreActivations} from './svdf_layers';
