/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * SVDF blocks of block.py: an SVDF layer over the sequence, as a cell that
 * honours the sequence lengths or as a convolution, optionally followed by
 * a linear projection; and the tunable SVDF whose sizes are hyperparameters.
 * Lookup names read SVDF_<CELL|CONV>_<units>_<memory>_<rank>[_<projection>].
 */

import {tf} from '../backend/tf';
import {ValueError} from '../errors';

import {Block, BlockBuildArgs, HparamRange, registerBlock, RNN_PROBLEM_TYPES} from './block';
import {apply, countArg, expectRank, InitArgs, intArg, lastOf, LayerNamer} from './block_utils';
import {glorotNormal} from './initializers';
import {SvdfCell, SvdfConv} from './svdf_layers';

/** How SvdfBlock computes the SVDF. */
export enum SvdfImplementationFashion {
  /** Step by step, honouring lengths; suits streaming inference. */
  SVDF_RNN_CELL = 1,
  /** As a convolution over whole sequences; faster to train. */
  SVDF_CONV = 2,
}

/** The kernel init range block.py gives the SVDF convolution layer. */
const SVDF_CONV_INIT_RANGE = 0.16;

/** The sizes of one SVDF block. */
interface SvdfSizes {
  outputSize: number;
  memorySize: number;
  rank: number;
  projectionSize: number;
}

/**
 * The SVDF convolution and the optional linear projection ('svdf_projection')
 * of a sequence input.
 */
function svdfConvOutput(
    x: tf.SymbolicTensor, sizes: SvdfSizes,
    namer: LayerNamer): tf.SymbolicTensor {
  const net = apply(
      new SvdfConv({
        units: sizes.outputSize,
        memorySize: sizes.memorySize,
        rank: sizes.rank,
        kernelInitRange: SVDF_CONV_INIT_RANGE,
        name: namer.name('svdf_conv_layer'),
      }),
      x);
  return project(net, sizes.projectionSize, namer);
}

function project(
    net: tf.SymbolicTensor, projectionSize: number,
    namer: LayerNamer): tf.SymbolicTensor {
  if (!projectionSize) return net;
  return apply(
      tf.layers.dense({
        units: projectionSize,
        kernelInitializer: glorotNormal(),
        name: namer.name('svdf_projection'),
      }),
      net);
}

function sequenceInput(
    inputs: tf.SymbolicTensor[], block: string): tf.SymbolicTensor {
  const x = lastOf(inputs, block);
  expectRank(x, [3], block, 'a sequence [batch, time, features]');
  return x;
}

/**
 * An SVDF layer (cell or convolution, see SvdfImplementationFashion) with
 * ReLU, then a linear projection to projectionSize when that is non-zero.
 * The cell variants read the sequence lengths: outputs past a sequence's
 * end are zero.
 */
@registerBlock({
  lookupName: 'SVDF_CELL_64_4_1',
  initArgs: {outputSize: 64, memorySize: 4, rank: 1},
  enumId: 62,
})
@registerBlock({
  lookupName: 'SVDF_CELL_128_4_1',
  initArgs: {outputSize: 128, memorySize: 4, rank: 1},
  enumId: 44,
})
@registerBlock({
  lookupName: 'SVDF_CELL_256_4_1',
  initArgs: {outputSize: 256, memorySize: 4, rank: 1},
  enumId: 45,
})
@registerBlock({
  lookupName: 'SVDF_CELL_512_4_1',
  initArgs: {outputSize: 512, memorySize: 4, rank: 1},
  enumId: 46,
})
@registerBlock({
  lookupName: 'SVDF_CELL_1024_4_1',
  initArgs: {outputSize: 1024, memorySize: 4, rank: 1},
  enumId: 47,
})
@registerBlock({
  lookupName: 'SVDF_CELL_64_8_1',
  initArgs: {outputSize: 64, memorySize: 8, rank: 1},
  enumId: 63,
})
@registerBlock({
  lookupName: 'SVDF_CELL_128_8_1',
  initArgs: {outputSize: 128, memorySize: 8, rank: 1},
  enumId: 48,
})
@registerBlock({
  lookupName: 'SVDF_CELL_256_8_1',
  initArgs: {outputSize: 256, memorySize: 8, rank: 1},
  enumId: 49,
})
@registerBlock({
  lookupName: 'SVDF_CELL_512_8_1',
  initArgs: {outputSize: 512, memorySize: 8, rank: 1},
  enumId: 50,
})
@registerBlock({
  lookupName: 'SVDF_CELL_1024_8_1',
  initArgs: {outputSize: 1024, memorySize: 8, rank: 1},
  enumId: 51,
})
@registerBlock({
  lookupName: 'SVDF_CELL_64_16_1',
  initArgs: {outputSize: 64, memorySize: 16, rank: 1},
  enumId: 64,
})
@registerBlock({
  lookupName: 'SVDF_CELL_128_16_1',
  initArgs: {outputSize: 128, memorySize: 16, rank: 1},
  enumId: 52,
})
@registerBlock({
  lookupName: 'SVDF_CELL_256_16_1',
  initArgs: {outputSize: 256, memorySize: 16, rank: 1},
  enumId: 53,
})
@registerBlock({
  lookupName: 'SVDF_CELL_512_16_1',
  initArgs: {outputSize: 512, memorySize: 16, rank: 1},
  enumId: 54,
})
@registerBlock({
  lookupName: 'SVDF_CELL_1024_16_1',
  initArgs: {outputSize: 1024, memorySize: 16, rank: 1},
  enumId: 55,
})
@registerBlock({
  lookupName: 'SVDF_CELL_32_32_1',
  initArgs: {outputSize: 32, memorySize: 32, rank: 1},
  enumId: 75,
})
@registerBlock({
  lookupName: 'SVDF_CELL_576_8_1_64',
  initArgs: {outputSize: 576, memorySize: 8, rank: 1, projectionSize: 64},
  enumId: 137,
})
@registerBlock({
  lookupName: 'SVDF_CELL_576_8_1_16',
  initArgs: {outputSize: 576, memorySize: 8, rank: 1, projectionSize: 16},
  enumId: 138,
})
@registerBlock({
  lookupName: 'SVDF_CELL_576_8_1_7',
  initArgs: {outputSize: 576, memorySize: 8, rank: 1, projectionSize: 7},
  enumId: 139,
})
@registerBlock({
  lookupName: 'SVDF_CELL_32_32_1_2',
  initArgs: {outputSize: 32, memorySize: 32, rank: 1, projectionSize: 2},
  enumId: 140,
})
@registerBlock({
  lookupName: 'SVDF_CONV_576_8_1_64',
  initArgs: {
    outputSize: 576,
    memorySize: 8,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 141,
})
@registerBlock({
  lookupName: 'SVDF_CONV_576_8_1_16',
  initArgs: {
    outputSize: 576,
    memorySize: 8,
    rank: 1,
    projectionSize: 16,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 142,
})
@registerBlock({
  lookupName: 'SVDF_CONV_576_8_1_7',
  initArgs: {
    outputSize: 576,
    memorySize: 8,
    rank: 1,
    projectionSize: 7,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 143,
})
@registerBlock({
  lookupName: 'SVDF_CONV_32_32_1',
  initArgs: {
    outputSize: 32,
    memorySize: 32,
    rank: 1,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 144,
})
@registerBlock({
  lookupName: 'SVDF_CONV_32_32_1_2',
  initArgs: {
    outputSize: 32,
    memorySize: 32,
    rank: 1,
    projectionSize: 2,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 145,
})
@registerBlock({
  lookupName: 'SVDF_CONV_64_4_1_64',
  initArgs: {
    outputSize: 64,
    memorySize: 4,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10001,
})
@registerBlock({
  lookupName: 'SVDF_CONV_128_4_1_64',
  initArgs: {
    outputSize: 128,
    memorySize: 4,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10002,
})
@registerBlock({
  lookupName: 'SVDF_CONV_256_4_1_64',
  initArgs: {
    outputSize: 256,
    memorySize: 4,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10003,
})
@registerBlock({
  lookupName: 'SVDF_CONV_512_4_1_64',
  initArgs: {
    outputSize: 512,
    memorySize: 4,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10004,
})
@registerBlock({
  lookupName: 'SVDF_CONV_1024_4_1_64',
  initArgs: {
    outputSize: 1024,
    memorySize: 4,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10005,
})
@registerBlock({
  lookupName: 'SVDF_CONV_64_8_1_64',
  initArgs: {
    outputSize: 64,
    memorySize: 8,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10006,
})
@registerBlock({
  lookupName: 'SVDF_CONV_128_8_1_64',
  initArgs: {
    outputSize: 128,
    memorySize: 8,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10007,
})
@registerBlock({
  lookupName: 'SVDF_CONV_256_8_1_64',
  initArgs: {
    outputSize: 256,
    memorySize: 8,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10008,
})
@registerBlock({
  lookupName: 'SVDF_CONV_512_8_1_64',
  initArgs: {
    outputSize: 512,
    memorySize: 8,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10009,
})
@registerBlock({
  lookupName: 'SVDF_CONV_1024_8_1_64',
  initArgs: {
    outputSize: 1024,
    memorySize: 8,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10010,
})
@registerBlock({
  lookupName: 'SVDF_CONV_64_16_1_64',
  initArgs: {
    outputSize: 64,
    memorySize: 16,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10011,
})
@registerBlock({
  lookupName: 'SVDF_CONV_128_16_1_64',
  initArgs: {
    outputSize: 128,
    memorySize: 16,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10012,
})
@registerBlock({
  lookupName: 'SVDF_CONV_256_16_1_64',
  initArgs: {
    outputSize: 256,
    memorySize: 16,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10013,
})
@registerBlock({
  lookupName: 'SVDF_CONV_512_16_1_64',
  initArgs: {
    outputSize: 512,
    memorySize: 16,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10014,
})
@registerBlock({
  lookupName: 'SVDF_CONV_1024_16_1_64',
  initArgs: {
    outputSize: 1024,
    memorySize: 16,
    rank: 1,
    projectionSize: 64,
    fashion: SvdfImplementationFashion.SVDF_CONV,
  },
  enumId: 10015,
})
export class SvdfBlock implements Block {
  static readonly supportedProblemTypes = RNN_PROBLEM_TYPES;
  readonly isInputOrderImportant = true;
  private readonly sizes: SvdfSizes;
  private readonly fashion: SvdfImplementationFashion;

  constructor(args: InitArgs) {
    const name = 'SvdfBlock';
    this.sizes = {
      outputSize: intArg(args, 'outputSize', 100, name),
      memorySize: intArg(args, 'memorySize', 10, name),
      rank: intArg(args, 'rank', 1, name),
      projectionSize: countArg(args, 'projectionSize', 0, name),
    };
    const fashion =
        args['fashion'] ?? SvdfImplementationFashion.SVDF_RNN_CELL;
    if (fashion !== SvdfImplementationFashion.SVDF_RNN_CELL &&
        fashion !== SvdfImplementationFashion.SVDF_CONV) {
      throw new ValueError(
          `${name}: fashion=${JSON.stringify(fashion)} is not SVDF_RNN_CELL ` +
          'or SVDF_CONV');
    }
    this.fashion = fashion;
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const x = sequenceInput(inputs, block);
    const namer = new LayerNamer(block);
    if (this.fashion === SvdfImplementationFashion.SVDF_CONV) {
      return [...inputs, svdfConvOutput(x, this.sizes, namer)];
    }
    const cell = new SvdfCell({
      units: this.sizes.outputSize,
      memorySize: this.sizes.memorySize,
      rank: this.sizes.rank,
      activation: 'relu',
      name: namer.name('svdf_cell'),
    });
    const net = apply(cell, args.lengths ? [x, args.lengths] : x);
    return [...inputs, project(net, this.sizes.projectionSize, namer)];
  }
}

/**
 * An SVDF convolution whose output, memory and projection sizes and rank
 * come from the trial's hyperparameters output_size, memory_size, rank and
 * projection_size, which the search tunes in the ranges requiresHparams
 * gives.
 */
@registerBlock({lookupName: 'TUNABLE_SVDF', initArgs: {}, enumId: 10016})
export class TunableSvdfBlock implements Block {
  static readonly supportedProblemTypes = RNN_PROBLEM_TYPES;
  readonly isInputOrderImportant = true;

  constructor(_args: InitArgs) {}

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const block = args.namePrefix;
    const x = sequenceInput(inputs, block);
    const hparams = args.hparams ?? {};
    const size = (key: string, min: number): number => {
      const value = hparams[key];
      if (typeof value !== 'number' || !Number.isInteger(value) ||
          value < min) {
        throw new ValueError(
            `${block}: TUNABLE_SVDF needs hparam ${key}, an integer >= ${
                min}; got ${JSON.stringify(value)}; a search tunes it ` +
            '(requiresHparams), a replay or user suggestion must give it');
      }
      return value;
    };
    const sizes: SvdfSizes = {
      outputSize: size('output_size', 1),
      memorySize: size('memory_size', 2),
      rank: size('rank', 1),
      projectionSize: size('projection_size', 0),
    };
    const namer = new LayerNamer(block);
    return [...inputs, svdfConvOutput(x, sizes, namer)];
  }

  requiresHparams(): HparamRange[] {
    return [
      {name: 'output_size', min: 50, max: 100, integer: true},
      {name: 'memory_size', min: 4, max: 32, integer: true},
      {name: 'rank', min: 1, max: 3, integer: true},
      {name: 'projection_size', min: 0, max: 128, integer: true},
    ];
  }
}
