/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Architecture rules and tower construction (architecture_utils.py and
 * tower.py): the order of blocks in CNN towers, growing an architecture by
 * one block, and stacking registered blocks on a symbolic input into the
 * tensor the logits are computed from.
 *
 * An architecture is a list of block lookup names, input side first (enum
 * ids are accepted too and mapped to names).
 *
 * How sequence lengths reach the model: for the RNN problem types the model
 * takes a second input, the int32 sequence lengths, declared as
 * `tf.input({shape: [1], dtype: 'int32', name: 'lengths'})` (batch shape
 * [batch, 1]) and passed here as `lengths`. `fit`, `predict` and `evaluate`
 * accept the provider's [batch] tensor (Batch.lengths) for it: TensorFlow.js
 * turns 1-D inputs into [batch, 1]. Do not declare it with shape []: those
 * methods then reject every lengths tensor, 1-D ones included. SVDF cell
 * blocks zero their outputs past each sequence's end with the lengths, and
 * RNN_LAST_ACTIVATIONS towers read their output at step lengths[i] - 1.
 */

import {tf} from '../backend/tf';
import {BlockClass, blockClass, blockHparamRanges, blockNameForEnumId, checkProblemType, EMPTY_BLOCK, getBlock, glorotNormal, isFlattenBlock, isInputOrderImportant, LastValidStep, ProblemTypeName} from '../blocks';
import {BlockBuildError, NotImplementedError, ValueError} from '../errors';

/** A block in an architecture: its lookup name or its enum id. */
export type ArchitectureEntry = string|number;

/** Lookup names of an architecture given as names or enum ids. */
export function architectureNames(
    architecture: readonly ArchitectureEntry[]): string[] {
  return architecture.map(
      (entry) => typeof entry === 'number' ? blockNameForEnumId(entry) : entry);
}

/**
 * Puts a CNN architecture in a buildable order: convolutional blocks (those
 * whose input order matters) first, then one flattening block, then the
 * vector blocks, keeping the relative order within each group. The first
 * flattening block of the input is kept and any others dropped; when there
 * is none, PLATE_REDUCTION_FLATTEN is added (and `logger`, if given, says
 * so). Other problem types accept every order: the architecture is
 * returned unchanged.
 */
export function fixArchitectureOrder(
    architecture: readonly ArchitectureEntry[], problemType: string,
    logger?: (line: string) => void): string[] {
  const names = architectureNames(architecture);
  if (checkProblemType(problemType) !== 'CNN') return names;
  const flattens = names.filter(isFlattenBlock);
  let output: string[];
  if (flattens.length === 0) {
    logger?.('architecture has no flattening block; adding ' +
             'PLATE_REDUCTION_FLATTEN');
    output = ['PLATE_REDUCTION_FLATTEN'];
  } else {
    output = [flattens[0]];
  }
  for (const name of names) {
    if (isFlattenBlock(name)) continue;
    output = increaseStructureDepth(output, name, problemType);
  }
  return output;
}

/**
 * The architecture deepened by `addedBlock`. DNN and RNN architectures get
 * it at the end. In a CNN architecture a block whose input order matters
 * (a convolution) goes just before the first block whose input order does
 * not (the flatten), and other blocks go at the end. EMPTY_BLOCK adds
 * nothing.
 *
 * Porting note: when a CNN architecture has no block whose input order
 * does not matter, the original fails; here the block is appended.
 */
export function increaseStructureDepth(
    previous: readonly ArchitectureEntry[], addedBlock: ArchitectureEntry,
    problemType: string): string[] {
  const names = architectureNames(previous);
  const [added] = architectureNames([addedBlock]);
  if (added === EMPTY_BLOCK) return names;
  if (checkProblemType(problemType) !== 'CNN' ||
      !isInputOrderImportant(added)) {
    return [...names, added];
  }
  const index = names.findIndex((name) => !isInputOrderImportant(name));
  if (index < 0) return [...names, added];
  return [...names.slice(0, index), added, ...names.slice(index)];
}

/**
 * The hyperparameters one block reads: the trial's, under the names the
 * search records them by (those requiresHparams gives: `units`), and those
 * named `<block>_<name>` as `<name>`, as the original's get_block_hparams
 * read them (a replay spec written by the original holds such names); the
 * latter win. Undefined when there are no hparams.
 */
export function blockHparams(
    hparams: Record<string, number|string|boolean>|undefined,
    blockName: string): Record<string, number|string|boolean>|undefined {
  if (hparams === undefined) return undefined;
  const prefix = `${blockName}_`;
  const own: Record<string, number|string|boolean> = {...hparams};
  for (const [key, value] of Object.entries(hparams)) {
    if (key.startsWith(prefix)) own[key.slice(prefix.length)] = value;
  }
  return own;
}

/** Options of `buildTower`. */
export declare interface BuildTowerArgs {
  /** PhoenixSpec.ProblemType name: CNN, DNN, RNN_ALL_ACTIVATIONS, ... */
  problemType: string;
  /**
   * Whether the model is built for training. TensorFlow.js layers decide
   * dropout and batch-norm behaviour when called (`fit` and
   * `apply(x, {training: true})` train; `predict` does not), so one model
   * serves both; the flag is passed on to the blocks.
   */
  isTraining: boolean;
  /**
   * Sequence lengths, int32 [batch, 1] (or [batch]), for RNN problems: see
   * the header of this file.
   */
  lengths?: tf.SymbolicTensor;
  /** The trial's hyperparameters; each block sees its own (blockHparams). */
  hparams?: Record<string, number|string|boolean>;
  /** Prefix of every layer name, unique per tower, e.g. 'phoenix/tower_0'. */
  namePrefix: string;
  /** Dropout rate applied after every block when above zero. */
  dropoutRate?: number;
  /**
   * PhoenixSpec.apply_dropouts_between_blocks; when false no dropout is
   * applied whatever dropoutRate says. Default true.
   */
  applyDropoutsBetweenBlocks?: boolean;
  /**
   * PhoenixSpec.cnn_data_format. Only 'NHWC' (the default) is supported.
   */
  cnnDataFormat?: string;
  /** Receives warnings, e.g. a missing lengths input for RNN_LAST. */
  logger?: (line: string) => void;
}

/** What `buildTowerSpec` returns. */
export declare interface TowerSpec {
  /** The tensor the logits are computed from (see buildTower). */
  output: tf.SymbolicTensor;
  /** The input followed by the outputs of every block (layer_tensors). */
  layerTensors: tf.SymbolicTensor[];
  /** The architecture's lookup names. */
  architecture: string[];
}

/**
 * Stacks the blocks on `input` as construct_tower does and returns the
 * tower output, ready for `buildLogits`:
 *  - CNN, DNN: [batch, features]; an output of higher rank is flattened;
 *  - RNN_ALL_ACTIVATIONS: [batch, time, features], every step;
 *  - RNN_LAST_ACTIVATIONS: [batch, features], the step lengths[i] - 1 of
 *    each sequence (the final step when no lengths are given).
 *
 * Porting note: architecture_utils.py calls last_activations_in_sequence
 * without the lengths, so it reads the final (padded) step; here the
 * lengths are used, as its docstring intends.
 *
 * Block i (from 1) names its layers under `<namePrefix>/<i>_<BLOCK_NAME>`.
 * A block that does not serve the problem type (its static
 * supportedProblemTypes) is an error.
 */
export function buildTower(
    input: tf.SymbolicTensor, blockNames: readonly ArchitectureEntry[],
    args: BuildTowerArgs): tf.SymbolicTensor {
  return buildTowerSpec(input, blockNames, args).output;
}

/** `buildTower`, also returning every block's output. */
export function buildTowerSpec(
    input: tf.SymbolicTensor, blockNames: readonly ArchitectureEntry[],
    args: BuildTowerArgs): TowerSpec {
  const problemType = checkProblemType(args.problemType);
  const architecture = architectureNames(blockNames);
  const dataFormat = args.cnnDataFormat ?? 'NHWC';
  if (dataFormat !== 'NHWC') {
    // TODO: channels-first images (the original passes data_format to its
    // slim ops; the blocks here assume NHWC).
    throw new NotImplementedError(
        `buildTower: cnn_data_format "${dataFormat}" is not supported; ` +
        'use NHWC');
  }
  if (!args.namePrefix) {
    throw new ValueError(
        'buildTower: namePrefix is empty; give each tower a unique prefix, ' +
        "e.g. 'phoenix/tower_0'");
  }
  const dropout = (args.applyDropoutsBetweenBlocks ?? true) &&
          args.dropoutRate !== undefined && args.dropoutRate > 0 ?
      args.dropoutRate :
      0;
  if (dropout >= 1) {
    throw new ValueError(
        `buildTower: dropoutRate=${dropout} must be below 1`);
  }
  let tensors: tf.SymbolicTensor[] = [input];
  architecture.forEach((name, i) => {
    if (name === EMPTY_BLOCK) return;
    const where = `${args.namePrefix}: architecture[${i}]`;
    checkServes(blockClass(name, where), name, problemType, where);
    const prefix = `${args.namePrefix}/${i + 1}_${name}`;
    const block = getBlock(name, where);
    const after = i === 0 ? 'the input' : `block ${architecture[i - 1]}`;
    let built: unknown;
    const hparams = readsNoted(blockHparams(args.hparams, name));
    try {
      built = block.build(tensors, {
        isTraining: args.isTraining,
        lengths: args.lengths,
        hparams: hparams?.view,
        namePrefix: prefix,
      });
    } catch (e) {
      const why = withHint(String((e as Error).message ?? e),
                           missingHparamsHint(name, hparams));
      throw new BlockBuildError(`${where}: block ${name} failed to build ` +
                                `after ${after} (shapes [${
                                    tensors.map((t) => `[${t.shape}]`)}]): ${
                                    why}`);
    }
    for (const lacked of hparams?.missing ?? []) {
      // Built anyway (a default of its own): said by the search, once.
      const key = `${name} ${lacked}`;
      if (!lackedReads.includes(key)) lackedReads.push(key);
    }
    if (!Array.isArray(built) || built.length === 0 ||
        !built.every((t) => t instanceof tf.SymbolicTensor)) {
      throw new BlockBuildError(
          `${where}: block ${name} returned ${
              Array.isArray(built) && built.length === 0 ?
                  'no tensors' :
                  'something other than a list of tensors'}; build() ` +
          'returns its inputs followed by its new output (tf.SymbolicTensor[])');
    }
    if (built.length < tensors.length ||
        tensors.some((t, k) => built[k] !== t)) {
      // The next block would take the wrong tensors as the tower's
      // earlier outputs (a residual block reads the one before the last).
      throw new BlockBuildError(
          `${where}: block ${name} returned ${built.length} tensor(s) that ` +
          `do not begin with the ${tensors.length} it was given; build() ` +
          'returns its inputs followed by its new output ' +
          '(`return [...inputs, output]`), or its inputs alone when it ' +
          'adds nothing');
    }
    tensors = built as tf.SymbolicTensor[];
    if (dropout > 0) {
      const layer =
          tf.layers.dropout({rate: dropout, name: `${prefix}/dropout`});
      tensors = [...tensors.slice(0, -1),
                 layer.apply(tensors[tensors.length - 1]) as
                     tf.SymbolicTensor];
    }
  });
  const last = tensors[tensors.length - 1];
  return {
    output: towerOutput(
        last, problemType, args,
        [...architecture].reverse().find((name) => name !== EMPTY_BLOCK)),
    layerTensors: tensors,
    architecture,
  };
}

/**
 * `<block> <hparam>` for each hyperparameter a block read, the trial did
 * not have, and the block built without, since takeLackedHparamReads.
 */
const lackedReads: string[] = [];

/**
 * The hyperparameters blocks read and built without since the last call
 * (a block falling back to a default of its own for a name it never
 * declared in requiresHparams(): the search never tunes it), as
 * [block, hparam] pairs.
 */
export function takeLackedHparamReads(): Array<[string, string]> {
  const taken = lackedReads.splice(0);
  return taken.map((key) => key.split(' ') as [string, string]);
}

/**
 * A block's hyperparameters as it sees them, with the names it asked for
 * and the trial does not have noted: a block that reads a hyperparameter
 * it did not declare (requiresHparams) gets undefined, and fails with a
 * message of TensorFlow.js' that names an argument, not the cause.
 */
function readsNoted(hparams: Record<string, number|string|boolean>|undefined):
    {view: Record<string, number|string|boolean>, missing: Set<string>}|
    undefined {
  if (hparams === undefined) return undefined;
  const missing = new Set<string>();
  const view = new Proxy(hparams, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target)) missing.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
  return {view, missing};
}

/** `message` and then `hint` (if any), after `message`'s full stop. */
function withHint(message: string, hint: string): string {
  return hint === '' ? message : `${message.replace(/\.$/, '')}${hint}`;
}

/**
 * The names of the hyperparameters block `name` declares
 * (requiresHparams()); none when that fails, which the planner reports.
 */
export function declaredHparams(name: string): Set<string> {
  try {
    return new Set(blockHparamRanges(name).map((r) => r.name));
  } catch {
    return new Set();
  }
}

/** Names what a failed block read and did not get (readsNoted). */
function missingHparamsHint(
    block: string, hparams: ReturnType<typeof readsNoted>): string {
  const missing = [...hparams?.missing ?? []];
  if (missing.length === 0) return '';
  const named = missing.map((m) => `"${m}"`).join(', ');
  const declared = declaredHparams(block);
  if (missing.every((m) => declared.has(m))) {
    return `; it read hparam(s) ${named}, which its requiresHparams() ` +
        'declares but the trial does not have: they are drawn for the ' +
        `blocks of blocks_to_use only; add ${block} to blocks_to_use`;
  }
  return `; it read hparam(s) ${named}, which the trial does not have: a ` +
      'block gets the hyperparameters its requiresHparams() declares (e.g. ' +
      `{name: '${missing.find((m) => !declared.has(m))}', min: 8, max: 128, ` +
      'integer: true})';
}

/**
 * tf.model over towers of `blocks`; a graph TensorFlow.js refuses (two
 * layers of one name, say) fails the trial naming the blocks.
 */
export function modelOfBlocks(
    config: Parameters<typeof tf.model>[0], blocks: string[]):
    tf.LayersModel {
  try {
    return tf.model(config);
  } catch (e) {
    throw new BlockBuildError(
        `the blocks ${blocks.join(', ')} do not form a model: ${
            (e as Error).message ?? e}; a block names its layers under the ` +
        'namePrefix its build() gets, so that every name is unique');
  }
}

function checkServes(
    ctor: BlockClass, name: string, problemType: ProblemTypeName,
    where: string): void {
  const types = ctor.supportedProblemTypes;
  // Blocks registered without the static field are not checked.
  if (!Array.isArray(types) || types.includes(problemType)) return;
  throw new ValueError(
      `${where}: block ${name} does not serve problem type ${problemType} ` +
      `(it serves ${types.join(', ')}); remove it from the architecture or ` +
      'blocks_to_use');
}

/** The tower's last tensor shaped for the logits of the problem type. */
function towerOutput(
    last: tf.SymbolicTensor, problemType: ProblemTypeName,
    args: BuildTowerArgs, lastBlock: string|undefined): tf.SymbolicTensor {
  const prefix = args.namePrefix;
  const shape = `[${last.shape.map(String).join(', ')}]`;
  const notASequence = () => {
    const must = `${problemType} towers must end in a sequence [batch, ` +
        'time, features]';
    // A block's output fails this trial, which names the block; another
    // architecture may end in another block.
    return lastBlock === undefined ?
        new ValueError(`${prefix}: ${must}, got ${shape}`) :
        new BlockBuildError(
            `${prefix}: block ${lastBlock}, the tower's last, gives ${
                shape}, but ${must}: a recurrent layer gives its whole ` +
            'sequence with returnSequences: true (TensorFlow.js\'s default ' +
            'is the last step only)');
  };
  switch (problemType) {
    case 'CNN':
    case 'DNN':
      if (last.rank === 2) return last;
      return tf.layers.flatten({name: `${prefix}/pre_logits_flatten`})
                 .apply(last) as tf.SymbolicTensor;
    case 'RNN_ALL_ACTIVATIONS':
      if (last.rank !== 3) throw notASequence();
      return last;
    case 'RNN_LAST_ACTIVATIONS': {
      if (last.rank !== 3) throw notASequence();
      if (args.lengths === undefined) {
        args.logger?.(
            `${prefix}: no lengths input for RNN_LAST_ACTIVATIONS; using ` +
            'the final step of every sequence');
      }
      const layer = new LastValidStep({name: `${prefix}/last_valid_step`});
      return layer.apply(
                 args.lengths ? [last, args.lengths] : last) as
          tf.SymbolicTensor;
    }
    default:
      throw new ValueError(`unhandled problem type ${problemType}`);
  }
}

/**
 * The logits: a dense layer to `numClasses` on the tower output, so
 * [batch, numClasses], or [batch, time, numClasses] for
 * RNN_ALL_ACTIVATIONS.
 */
export function buildLogits(
    towerOutput: tf.SymbolicTensor, numClasses: number,
    name = 'logits'): tf.SymbolicTensor {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ValueError(
        `buildLogits: numClasses=${numClasses} must be a positive integer ` +
        '(the logits dimension)');
  }
  return tf.layers
             .dense({units: numClasses, kernelInitializer: glorotNormal(), name})
             .apply(towerOutput) as tf.SymbolicTensor;
}
