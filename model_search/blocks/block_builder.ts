/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Looks blocks up by lookup name or enum id (block_builder.py's BlockType
 * and Blocks), says which problem types each serves, and gathers the
 * hyperparameters tunable blocks ask for.
 */

import './convolution_blocks';
import './flatten_blocks';
import './fully_connected_blocks';
import './pooling_blocks';
import './rnn_blocks';
import './svdf_blocks';

import {closestMatch, ValueError} from '../errors';
import type {Registration} from '../registry';

import {Block, BlockClass, BLOCKS, HparamRange, PROBLEM_TYPES, ProblemTypeName} from './block';
import {FLATTEN_BLOCK_NAMES} from './flatten_blocks';

/**
 * The name of "no block" (enum id 0): search algorithms may propose it, and
 * towers skip it, as block_builder.py's BlockType.EMPTY_BLOCK.
 */
export const EMPTY_BLOCK = 'EMPTY_BLOCK';
export const EMPTY_BLOCK_ID = 0;

/** One row of `listBlocks`. */
export declare interface BlockInfo {
  name: string;
  enumId: number;
  problemTypes: ProblemTypeName[];
}

/**
 * The registration of a block; an unknown name throws, naming `where` (e.g.
 * 'dnn_config.pbtxt:12:3: blocks_to_use') when given, the closest
 * registered name and all of them.
 */
function registration(name: string, where?: string): Registration<Block> {
  if (!BLOCKS.has(name)) throw unknownBlocks([name], where);
  return BLOCKS.get(name);
}

/**
 * The registered name closest to `name`: by edit distance, else the
 * shortest one containing every '_'-separated part of `name` (so that
 * CONV_3X3 suggests CONVOLUTION_3X3).
 */
export function closestBlockName(name: string): string|undefined {
  const known = BLOCKS.names();
  const match = closestMatch(name, known);
  if (match !== undefined) return match;
  const parts = name.toUpperCase().split('_').filter((p) => p.length > 0);
  if (parts.length === 0) return undefined;
  const containing = known.filter((k) => parts.every((p) => k.includes(p)));
  containing.sort((a, b) => a.length - b.length || a.localeCompare(b));
  return containing[0];
}

function unknownBlocks(names: readonly string[], where?: string): ValueError {
  const origin = where ? `${where}: ` : '';
  const each = names.map((name) => {
    const close = closestBlockName(name);
    const hint = close === undefined ? '' : `; did you mean "${close}"?`;
    return `unknown block "${name}"${hint}`;
  });
  return new ValueError(
      `${origin}${each.join('; ')}; registered: ` +
      `${registeredNames().join(', ')}; fix the name or register the ` +
      'block with @registerBlock');
}

/** The class registered under `name`. */
export function blockClass(name: string, where?: string): BlockClass {
  return registration(name, where).ctor as unknown as BlockClass;
}

/** A new instance of the block registered under `name`. */
export function getBlock(name: string, where?: string): Block {
  const entry = registration(name, where);
  return new entry.ctor({...entry.initArgs});
}

/**
 * The ranges block `name` asks for (its requiresHparams(), none without
 * one), checked to be a list.
 *
 * @throws ValueError naming the block when requiresHparams throws or
 *     answers anything but an array: a user's block, whose mistake would
 *     otherwise surface as a TypeError in the planner.
 */
export function blockHparamRanges(name: string): HparamRange[] {
  return hparamRangesOf(name, getBlock(name));
}

/** blockHparamRanges of an instance of block `name`. */
export function hparamRangesOf(name: string, block: Block): HparamRange[] {
  if (block.requiresHparams === undefined) return [];
  let ranges: unknown;
  try {
    ranges = block.requiresHparams();
  } catch (e) {
    throw new ValueError(`block ${name}: requiresHparams() failed: ${
        e instanceof Error ? e.message : String(e)}`);
  }
  if (ranges === undefined) return [];
  if (!Array.isArray(ranges)) {
    throw new ValueError(
        `block ${name}: requiresHparams() returned ${
            ranges === null ? 'null' : typeof ranges}, not an array of ` +
        'ranges ({name, min, max} or {name, values}); return [] for none');
  }
  ranges.forEach((range, i) => {
    if (range === null || typeof range !== 'object' || Array.isArray(range)) {
      throw new ValueError(
          `block ${name}: requiresHparams() entry ${i + 1} is ${
              range === null ? 'null' : Array.isArray(range) ? 'an array' :
                                                               typeof range}` +
          ', not a range ({name, min, max} or {name, values})');
    }
  });
  return ranges as HparamRange[];
}

/**
 * Checks that every name is registered (e.g. a spec's blocks_to_use); the
 * error lists each unknown name with its closest registered one.
 */
export function checkBlockNames(names: readonly string[], where?: string):
    void {
  const unknown = names.filter((n) => n !== EMPTY_BLOCK && !BLOCKS.has(n));
  if (unknown.length > 0) throw unknownBlocks(unknown, where);
}

/** The enum id of a block (EMPTY_BLOCK is 0). */
export function blockEnumId(name: string, where?: string): number {
  if (name === EMPTY_BLOCK) return EMPTY_BLOCK_ID;
  const enumId = registration(name, where).enumId;
  if (enumId === undefined) {
    throw new ValueError(
        `block "${name}" was registered without an enum id; give its ` +
        '@registerBlock an enumId');
  }
  return enumId;
}

/** The lookup name of the block with this enum id (0 is EMPTY_BLOCK). */
export function blockNameForEnumId(enumId: number): string {
  if (enumId === EMPTY_BLOCK_ID) return EMPTY_BLOCK;
  return BLOCKS.getByEnumId(enumId).lookupName;
}

/** The problem types a block serves. */
export function supportedProblemTypes(name: string):
    readonly ProblemTypeName[] {
  const types = blockClass(name).supportedProblemTypes;
  if (!Array.isArray(types)) {
    throw new ValueError(
        `block "${name}" has no static supportedProblemTypes; declare the ` +
        `problem types it serves, e.g. ['DNN', 'CNN']`);
  }
  return types;
}

/** Checks a problem type name (PhoenixSpec.ProblemType). */
export function checkProblemType(problemType: string): ProblemTypeName {
  if (!(PROBLEM_TYPES as readonly string[]).includes(problemType)) {
    throw new ValueError(
        `problem type "${problemType}" is not one of ` +
        `${PROBLEM_TYPES.join(', ')}`);
  }
  return problemType as ProblemTypeName;
}

/** The registered blocks that serve `problemType`, by enum id. */
export function blockNamesForProblemType(problemType: string): string[] {
  const type = checkProblemType(problemType);
  return listBlocks()
      .filter((info) => info.problemTypes.includes(type))
      .map((info) => info.name);
}

/**
 * Every registered block with its enum id and problem types, by enum id.
 *
 * @param broken When given, receives each block whose problem types
 *     cannot be read, with why, and the block is left out; otherwise such
 *     a block throws.
 */
export function listBlocks(broken?: (name: string, why: string) => void):
    BlockInfo[] {
  const infos: BlockInfo[] = [];
  for (const entry of BLOCKS.all()) {
    let problemTypes: ProblemTypeName[];
    try {
      problemTypes = [...supportedProblemTypes(entry.lookupName)];
    } catch (e) {
      if (broken === undefined || !(e instanceof ValueError)) throw e;
      broken(entry.lookupName, e.message);
      continue;
    }
    infos.push(
        {name: entry.lookupName, enumId: entry.enumId ?? -1, problemTypes});
  }
  return infos.sort(
      (a, b) => a.enumId - b.enumId || a.name.localeCompare(b.name));
}

/** All registered lookup names, by enum id. */
export function registeredNames(): string[] {
  return listBlocks().map((info) => info.name);
}

/** Whether a block flattens images into vectors (FLATTEN_TYPES). */
export function isFlattenBlock(name: string): boolean {
  return FLATTEN_BLOCK_NAMES.includes(name);
}

/** Whether the order of the entries of the block's input matters. */
export function isInputOrderImportant(name: string): boolean {
  return getBlock(name).isInputOrderImportant;
}

/**
 * The hyperparameters the tunable blocks among `blocksToUse` (all blocks
 * when omitted) ask for, each listed as `<BLOCK>_<name>` as in
 * Blocks.search_space. Only the listing is prefixed: a trial's hparams,
 * and what the block reads, use `<name>` as requiresHparams gives it.
 */
export function blocksSearchSpace(blocksToUse?: readonly string[]):
    HparamRange[] {
  const names = blocksToUse ?? registeredNames();
  const space: HparamRange[] = [];
  for (const name of names) {
    if (name === EMPTY_BLOCK) continue;
    for (const range of blockHparamRanges(name)) {
      space.push({...range, name: `${name}_${range.name}`});
    }
  }
  return space;
}
