/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Sequence blocks of block.py: simple RNN cells, recurrent dense and 1-D
 * convolutions, LSTMs and bidirectional LSTMs, each optionally with a skip
 * connection. Inputs and outputs are [batch, time, features]; every step's
 * output is kept (return_sequences).
 *
 * Padding: the blocks that only look back (RNN cells, LSTMs, recurrent
 * dense, 1-D convolutions one step wide) give each valid step an output
 * that the padding after the sequence's length cannot reach. Those that
 * look ahead (wider 1-D convolutions, bidirectional LSTMs) get their input
 * with the padding zeroed (MaskPadding) when the data has lengths, so that
 * the padding's values cannot change a valid step's output. Porting note:
 * block.py reads the padding as it is in both.
 */

import {tf} from '../backend/tf';
import {NotImplementedError, ValueError} from '../errors';

import {Block, BlockBuildArgs, registerBlock, RNN_PROBLEM_TYPES} from './block';
import {addAll, apply, boolArg, expectRank, InitArgs, intArg, lastOf, LayerNamer, projectIfNeeded} from './block_utils';
import {glorotNormal, Orthogonal, UnitForgetBias} from './initializers';
import {MaskPadding} from './op_layers';

/** The sequence input of a block, checked to be [batch, time, features]. */
function sequenceInput(
    inputs: tf.SymbolicTensor[], block: string): tf.SymbolicTensor {
  const x = lastOf(inputs, block);
  expectRank(x, [3], block, 'a sequence [batch, time, features]');
  if (x.shape[2] === null) {
    throw new ValueError(
        `${block}: the feature size of input [${x.shape.map(String)}] must ` +
        'be known; give the input layer a defined last dimension');
  }
  return x;
}

/**
 * `x` with the steps after each sequence's length zeroed, for a block
 * that looks ahead in time; `x` itself when the data has no lengths.
 */
function paddingMasked(
    x: tf.SymbolicTensor, args: BlockBuildArgs,
    namer: LayerNamer): tf.SymbolicTensor {
  if (args.lengths === undefined) return x;
  return apply(new MaskPadding({name: namer.name('mask_padding')}),
               [x, args.lengths]);
}

/** net + x (projected to net's width when they differ), if `skip`. */
function withSkip(
    skip: boolean, x: tf.SymbolicTensor, net: tf.SymbolicTensor,
    namer: LayerNamer, block: string): tf.SymbolicTensor {
  if (!skip) return net;
  return addAll([net, projectIfNeeded(x, net, namer, block)], namer);
}

/** An LSTM layer with Keras' defaults (tfjs defaults differ). */
function lstmLayer(
    units: number, name: string, goBackwards = false): tf.layers.Layer {
  return tf.layers.lstm({
    units,
    returnSequences: true,
    goBackwards,
    // Keras 2 defaults; tfjs would use hardSigmoid and no forget bias.
    recurrentActivation: 'sigmoid',
    kernelInitializer: glorotNormal(),
    biasInitializer: new UnitForgetBias(),
    recurrentInitializer: new Orthogonal(),
    name,
  });
}

/** A simple (tanh) RNN over the sequence. */
@registerBlock({
  lookupName: 'RNN_CELL_64',
  initArgs: {outputSize: 64},
  enumId: 60,
})
@registerBlock({
  lookupName: 'RNN_CELL_128',
  initArgs: {outputSize: 128},
  enumId: 36,
})
@registerBlock({
  lookupName: 'RNN_CELL_256',
  initArgs: {outputSize: 256},
  enumId: 37,
})
@registerBlock({
  lookupName: 'RNN_CELL_512',
  initArgs: {outputSize: 512},
  enumId: 38,
})
@registerBlock({
  lookupName: 'RNN_CELL_1024',
  initArgs: {outputSize: 1024},
  enumId: 39,
})
@registerBlock({
  lookupName: 'SKIP_RNN_CELL_64',
  initArgs: {outputSize: 64, skip: true},
  enumId: 110,
})
@registerBlock({
  lookupName: 'SKIP_RNN_CELL_128',
  initArgs: {outputSize: 128, skip: true},
  enumId: 111,
})
@registerBlock({
  lookupName: 'SKIP_RNN_CELL_256',
  initArgs: {outputSize: 256, skip: true},
  enumId: 124,
})
@registerBlock({
  lookupName: 'SKIP_RNN_CELL_512',
  initArgs: {outputSize: 512, skip: true},
  enumId: 112,
})
@registerBlock({
  lookupName: 'SKIP_RNN_CELL_1024',
  initArgs: {outputSize: 1024, skip: true},
  enumId: 113,
})
export class RnnBlock implements Block {
  static readonly supportedProblemTypes = RNN_PROBLEM_TYPES;
  readonly isInputOrderImportant = true;
  private readonly outputSize: number;
  private readonly skip: boolean;

  constructor(args: InitArgs) {
    this.outputSize = intArg(args, 'outputSize', 100, 'RnnBlock');
    this.skip = boolArg(args, 'skip', false, 'RnnBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const x = sequenceInput(inputs, block);
    const namer = new LayerNamer(block);
    const net = apply(
        tf.layers.simpleRNN({
          units: this.outputSize,
          returnSequences: true,
          kernelInitializer: glorotNormal(),
          recurrentInitializer: new Orthogonal(),
          name: namer.name('rnn'),
        }),
        x);
    return [...inputs, withSkip(this.skip, x, net, namer, block)];
  }
}

/**
 * A 1-D convolution over time ('same' padding). With kernel size 1 it is a
 * dense layer applied at every step (RECURRENT_DENSE_*), without
 * activation; larger kernels default to ReLU.
 */
@registerBlock({
  lookupName: 'RECURRENT_DENSE_64',
  initArgs: {outputSize: 64},
  enumId: 61,
})
@registerBlock({
  lookupName: 'RECURRENT_DENSE_128',
  initArgs: {outputSize: 128},
  enumId: 40,
})
@registerBlock({
  lookupName: 'RECURRENT_DENSE_256',
  initArgs: {outputSize: 256},
  enumId: 41,
})
@registerBlock({
  lookupName: 'RECURRENT_DENSE_512',
  initArgs: {outputSize: 512},
  enumId: 42,
})
@registerBlock({
  lookupName: 'RECURRENT_DENSE_1024',
  initArgs: {outputSize: 1024},
  enumId: 43,
})
@registerBlock({
  lookupName: 'CONV1D_128_3',
  initArgs: {outputSize: 128, kernelSize: 3},
  enumId: 89,
})
@registerBlock({
  lookupName: 'CONV1D_128_5',
  initArgs: {outputSize: 128, kernelSize: 5},
  enumId: 90,
})
@registerBlock({
  lookupName: 'SKIP_CONV1D_128_3',
  initArgs: {outputSize: 128, kernelSize: 3, skip: true},
  enumId: 114,
})
@registerBlock({
  lookupName: 'SKIP_CONV1D_128_5',
  initArgs: {outputSize: 128, kernelSize: 5, skip: true},
  enumId: 115,
})
export class Conv1DBlock implements Block {
  static readonly supportedProblemTypes = RNN_PROBLEM_TYPES;
  readonly isInputOrderImportant = true;
  private readonly outputSize: number;
  private readonly kernelSize: number;
  private readonly activation: 'relu'|'linear';
  private readonly skip: boolean;

  constructor(args: InitArgs) {
    const name = 'Conv1DBlock';
    this.outputSize = intArg(args, 'outputSize', 50, name);
    this.kernelSize = intArg(args, 'kernelSize', 1, name);
    this.skip = boolArg(args, 'skip', false, name);
    const activation =
        args['activation'] ?? (this.kernelSize > 1 ? 'relu' : 'linear');
    if (activation !== 'relu' && activation !== 'linear') {
      throw new ValueError(
          `${name}: activation=${JSON.stringify(activation)} is not 'relu' ` +
          "or 'linear'");
    }
    this.activation = activation;
    const dilationRate = intArg(args, 'dilationRate', 1, name);
    if (dilationRate !== 1) {
      // TODO: dilated 1-D convolutions (tfjs has no gradient for them; a
      // DilatedConv2D over [batch, time, 1, features] would do).
      throw new NotImplementedError(
          `${name}: init arg dilationRate=${dilationRate} is not supported; ` +
          'only 1 is');
    }
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const x = sequenceInput(inputs, block);
    const namer = new LayerNamer(block);
    // One step wide, it reads no other step; wider, the next ones too.
    const read = this.kernelSize > 1 ? paddingMasked(x, args, namer) : x;
    const net = apply(
        tf.layers.conv1d({
          filters: this.outputSize,
          kernelSize: this.kernelSize,
          padding: 'same',
          activation: this.activation,
          kernelInitializer: glorotNormal(),
          name: namer.name('conv1d'),
        }),
        read);
    return [...inputs, withSkip(this.skip, x, net, namer, block)];
  }
}

/** An LSTM over the sequence. */
@registerBlock({
  lookupName: 'LSTM_128',
  initArgs: {outputSize: 128},
  enumId: 56,
})
@registerBlock({
  lookupName: 'LSTM_256',
  initArgs: {outputSize: 256},
  enumId: 57,
})
@registerBlock({
  lookupName: 'LSTM_512',
  initArgs: {outputSize: 512},
  enumId: 58,
})
@registerBlock({
  lookupName: 'LSTM_1024',
  initArgs: {outputSize: 1024},
  enumId: 59,
})
@registerBlock({
  lookupName: 'SKIP_LSTM_128',
  initArgs: {outputSize: 128, skip: true},
  enumId: 116,
})
@registerBlock({
  lookupName: 'SKIP_LSTM_256',
  initArgs: {outputSize: 256, skip: true},
  enumId: 117,
})
@registerBlock({
  lookupName: 'SKIP_LSTM_512',
  initArgs: {outputSize: 512, skip: true},
  enumId: 118,
})
@registerBlock({
  lookupName: 'SKIP_LSTM_1024',
  initArgs: {outputSize: 1024, skip: true},
  enumId: 119,
})
export class LSTMBlock implements Block {
  static readonly supportedProblemTypes = RNN_PROBLEM_TYPES;
  readonly isInputOrderImportant = true;
  private readonly outputSize: number;
  private readonly skip: boolean;

  constructor(args: InitArgs) {
    this.outputSize = intArg(args, 'outputSize', 100, 'LSTMBlock');
    this.skip = boolArg(args, 'skip', false, 'LSTMBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const x = sequenceInput(inputs, block);
    const namer = new LayerNamer(block);
    const net = apply(lstmLayer(this.outputSize, namer.name('lstm')), x);
    return [...inputs, withSkip(this.skip, x, net, namer, block)];
  }
}

/**
 * A forward and a backward LSTM, concatenated on the feature axis.
 *
 * Porting note: as in block.py, the backward LSTM's outputs are
 * concatenated in the order it produces them (last step first), not
 * reversed back to the input's order.
 */
@registerBlock({
  lookupName: 'BI_LSTM_128',
  initArgs: {outputSize: 128},
  enumId: 85,
})
@registerBlock({
  lookupName: 'BI_LSTM_256',
  initArgs: {outputSize: 256},
  enumId: 86,
})
@registerBlock({
  lookupName: 'BI_LSTM_512',
  initArgs: {outputSize: 512},
  enumId: 87,
})
@registerBlock({
  lookupName: 'BI_LSTM_1024',
  initArgs: {outputSize: 1024},
  enumId: 88,
})
@registerBlock({
  lookupName: 'SKIP_BI_LSTM_128',
  initArgs: {outputSize: 128, skip: true},
  enumId: 120,
})
@registerBlock({
  lookupName: 'SKIP_BI_LSTM_256',
  initArgs: {outputSize: 256, skip: true},
  enumId: 121,
})
@registerBlock({
  lookupName: 'SKIP_BI_LSTM_512',
  initArgs: {outputSize: 512, skip: true},
  enumId: 122,
})
@registerBlock({
  lookupName: 'SKIP_BI_LSTM_1024',
  initArgs: {outputSize: 1024, skip: true},
  enumId: 123,
})
export class BidirectionalLSTMBlock implements Block {
  static readonly supportedProblemTypes = RNN_PROBLEM_TYPES;
  readonly isInputOrderImportant = true;
  private readonly outputSize: number;
  private readonly skip: boolean;

  constructor(args: InitArgs) {
    this.outputSize = intArg(args, 'outputSize', 100, 'BidirectionalLSTMBlock');
    this.skip = boolArg(args, 'skip', false, 'BidirectionalLSTMBlock');
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const x = sequenceInput(inputs, block);
    const namer = new LayerNamer(block);
    const forward = apply(lstmLayer(this.outputSize, namer.name('lstm')), x);
    // The backward LSTM starts at the last step: after the padding (zeros
    // here, whatever the data holds) it reaches the sequence's own steps.
    const backward = apply(
        lstmLayer(this.outputSize, namer.name('lstm'), true),
        paddingMasked(x, args, namer));
    const net = apply(
        tf.layers.concatenate({axis: 2, name: namer.name('concat')}),
        [forward, backward]);
    return [...inputs, withSkip(this.skip, x, net, namer, block)];
  }
}
