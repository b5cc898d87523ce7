/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Block names in a spec that no registered block answers to, reported
 * where they stand in the .pbtxt file: blocks_to_use, the user
 * suggestions' and replay towers' architectures, reduction_block_type.
 * Which blocks exist depends on what the binary links in, so this check
 * runs where the registry is complete: the trainer and `cli validate-spec`.
 */

import * as fs from 'node:fs';

// Importing the catalogue registers it.
import './blocks';
import {BLOCKS} from './blocks/block';
import {supportedProblemTypes} from './blocks/block_builder';
import {closestMatch, ValueError} from './errors';
import {phoenixSpec_ProblemTypeToJSON, phoenixSpec_SearchTypeToJSON} from './proto/phoenix_spec';
import type {PhoenixSpec} from './proto/phoenix_spec';
import {lineColumnAt} from './proto/text_format';

/** Names the spec uses as blocks, with the field each comes from. */
function blockNames(spec: PhoenixSpec): Array<[string, string]> {
  const names: Array<[string, string]> = [];
  for (const name of spec.blocksToUse ?? []) names.push([name, 'blocks_to_use']);
  for (const s of spec.userSuggestions ?? []) {
    for (const name of s.architecture ?? []) {
      names.push([name, 'user_suggestions']);
    }
  }
  for (const t of spec.replay?.towers ?? []) {
    for (const name of t.architecture ?? []) names.push([name, 'replay']);
  }
  if (spec.reductionBlockType) {
    names.push([spec.reductionBlockType, 'reduction_block_type']);
  } else if (placesReductions(spec)) {
    // Its default, which this search places into every architecture.
    names.push([REDUCTION_BLOCK_DEFAULT, 'reduction_block_type (its default)']);
  }
  return names;
}

/** line:column of the first quoted `name` in `text`, or undefined. */
/** The proto's default reduction_block_type. */
const REDUCTION_BLOCK_DEFAULT = 'DOWNSAMPLE_CONVOLUTION_3X3';

/**
 * Whether the search puts reduction_block_type into the architectures
 * (CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT, after every cell); towers of
 * other searches read it only as CNN towers do.
 */
function placesReductions(spec: PhoenixSpec): boolean {
  return spec.searchType !== undefined &&
      phoenixSpec_SearchTypeToJSON(spec.searchType) ===
      'CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT';
}

function positionOf(text: string, name: string): string|undefined {
  for (const quote of ['"', '\'']) {
    const at = text.indexOf(`${quote}${name}${quote}`);
    if (at < 0) continue;
    return lineColumnAt(text, at);
  }
  return undefined;
}

/**
 * Throws a ValueError naming `file`:line:column, the field and a close
 * registered name for the first unknown block of `spec`.
 */
export function checkBlockNames(spec: PhoenixSpec, file: string): void {
  const known = BLOCKS.names();
  // The original's replay of a trial with no tower of its own.
  const allowed = new Set([...known, 'no_search']);
  const fileText = () => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      // The spec did not come from this file; name the file alone.
      return '';
    }
  };
  if (spec.problemType === undefined || spec.problemType === 0) {
    // Every block would be said not to serve it.
    throw new ValueError(
        `${file}: the spec sets no problem_type; give the kind of its ` +
        'examples: problem_type: DNN (vectors of features), CNN (images), ' +
        'RNN_LAST_ACTIVATIONS or RNN_ALL_ACTIVATIONS (sequences, a label ' +
        'each or a label per step)');
  }
  const problemType = phoenixSpec_ProblemTypeToJSON(spec.problemType);
  for (const [name, field] of blockNames(spec)) {
    if (allowed.has(name)) {
      // A block the search would pick for a tower it cannot serve: said
      // now rather than when a trial builds it.
      // A block without the list is refused, as `cli blocks` refuses it.
      const types = name === 'no_search' ? undefined :
                                           supportedProblemTypes(name);
      // reduction_block_type is read by CNN towers only, unless the
      // search places it: the original's DNN config names a convolution
      // there.
      if (types !== undefined &&
          (!field.startsWith('reduction_block_type') ||
           placesReductions(spec)) &&
          !(types as readonly string[]).includes(problemType)) {
        const where = positionOf(fileText(), name);
        // Not in the file: the proto's default.
        const named = field === 'reduction_block_type' &&
                where === undefined && fileText() !== '' ?
            'reduction_block_type (its default)' :
            field;
        throw new ValueError(
            `${file}${where ? `:${where}` : ''}: block "${name}" in ${
                named} does not serve problem_type ${problemType} (it ` +
            `serves ${types.join(', ')}); ${
                field.startsWith('reduction_block_type') ?
                    `give a reduction_block_type of a ${problemType} block ` +
                        '(CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT places it ' +
                        'after every cell), or change problem_type' :
                    'remove it, or change problem_type'}`);
      }
      continue;
    }
    const text = fileText();
    const where = positionOf(text, name);
    throw new ValueError(
        `${file}${where ? `:${where}` : ''}: unknown block "${name}" in ${
            field}${suggestion(name, known)}; fix the name, or register ` +
        'the block in a library linked into the binary, its module ' +
        'imported for its effect (`import \'./my_block\';`), not for its ' +
        'types only (its `<binary>_cli -- blocks` lists the blocks the ' +
        'binary knows; `//model_search:cli -- blocks` the built-in ones)');
  }
}

/** ` (did you mean "X"?)` for the known name closest to `name`, or ''. */
function suggestion(name: string, known: Iterable<string>): string {
  const match = closestMatch(name, known);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}
