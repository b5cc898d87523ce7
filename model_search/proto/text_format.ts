/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Reading specs written in protobuf text format (.pbtxt): parse, apply the
 * declared defaults, print back.
 *
 *   const spec = loadSpecFile('model_search/configs/dnn_config.pbtxt');
 *   spec.minimumDepth;  // 1 (set in the file)
 *   spec.beamSize;      // 5 (set), spec.numBlocksInCell: 4 (declared default)
 *   spec.replay;        // undefined: message fields keep presence
 */

import * as fs from 'fs';

import {ValueError} from '../errors';
import {compressionOf, firstNonUtf8Byte} from '../utf8';

import {applyDefaults, defaultValue} from './defaults';
import {FieldLabel, FieldType} from './descriptor_registry';
import {PhoenixSpec} from './phoenix_spec';
import {PHOENIX_SPEC_TYPE, specRegistry} from './spec_registry';
import {parseTextFormat} from './text_format_parser';
import {printTextFormat} from './text_format_printer';

export {applyDefaults, defaultValue} from './defaults';
export {messageToJson} from './json';
export {PHOENIX_SPEC_TYPE, specRegistry} from './spec_registry';
export {lineColumnAt, TextFormatError} from './text_format_error';
export type {ParseOptions} from './text_format_parser';
export {parseTextFormat} from './text_format_parser';
export {printTextFormat} from './text_format_printer';

/**
 * Parses a PhoenixSpec from text format, without applying defaults.
 *
 * @param text The .pbtxt content.
 * @param filename Shown in error messages.
 * @throws TextFormatError for a spec that does not parse.
 */
export function parsePhoenixSpec(
    text: string, filename = '<text>'): PhoenixSpec {
  return parseTextFormat<PhoenixSpec>(text, PHOENIX_SPEC_TYPE, {filename});
}

/**
 * Prints a PhoenixSpec as text format; `parsePhoenixSpec` reads it back to
 * an equal spec. Every defined field is printed, so a spec with defaults
 * applied prints them too.
 */
export function printPhoenixSpec(spec: PhoenixSpec): string {
  return printTextFormat(spec, PHOENIX_SPEC_TYPE);
}

/**
 * Fields of this project's own in the spec protos are numbered from here
 * on; the original's keep the numbers below.
 */
export const FIRST_OWN_FIELD_NUMBER = 100;

/**
 * `spec` (defaults applied) as a study records it, and as a worker's spec
 * is compared with the recorded one: printed, but without this project's
 * own fields where they hold their defaults. A study so keeps the text of
 * the original's fields alone unless it sets one of its own, and a study
 * started by a version before such a field was added resumes as it was,
 * with that version or this one.
 */
export function studySpecText(spec: PhoenixSpec): string {
  return printPhoenixSpec(
      withoutOwnDefaults(spec as unknown as Message, PHOENIX_SPEC_TYPE) as
      unknown as PhoenixSpec);
}

type Message = Record<string, unknown>;

/** `message` (of `typeName`) without its own fields at their defaults. */
function withoutOwnDefaults(message: Message, typeName: string): Message {
  const type = specRegistry().message(typeName);
  const result: Message = {...message};
  for (const field of type.fields) {
    const value = message[field.property];
    if (value === undefined || value === null) continue;
    if (field.type === FieldType.MESSAGE) {
      if (field.label === FieldLabel.REPEATED) {
        const entry = specRegistry().message(field.typeName);
        if (!entry.isMapEntry) {
          result[field.property] = (value as Message[]).map(
              (element) => withoutOwnDefaults(element, field.typeName));
        }
      } else {
        result[field.property] =
            withoutOwnDefaults(value as Message, field.typeName);
      }
    } else if (field.number >= FIRST_OWN_FIELD_NUMBER &&
               field.label !== FieldLabel.REPEATED &&
               JSON.stringify(value) ===
                   JSON.stringify(defaultValue(field))) {
      delete result[field.property];
    }
  }
  return result;
}

/**
 * Reads a PhoenixSpec file, parses it and applies the declared defaults.
 *
 * @param path The .pbtxt file, relative to the working directory or
 *     absolute.
 * @throws ValueError if the file cannot be read; TextFormatError if it does
 *     not parse.
 */
export function loadSpecFile(path: string): PhoenixSpec {
  let bytes: Buffer;
  try {
    // A FIFO would block the read, and Ctrl-C with it, until a writer
    // comes: only a regular file (or a directory, said below) is read.
    const stat = fs.statSync(path);
    if (!stat.isFile() && !stat.isDirectory()) {
      throw new ValueError(
          `cannot read spec file "${path}": not a regular file (a FIFO, ` +
          'socket or device); give the path of a .pbtxt PhoenixSpec');
    }
    bytes = fs.readFileSync(path);
  } catch (e) {
    if (e instanceof ValueError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' :
        code === 'EISDIR'         ? 'it is a directory' :
                                    (e as Error).message;
    throw new ValueError(
        `cannot read spec file "${path}": ${why} (working directory ` +
        `${process.cwd()}); give the path of a .pbtxt PhoenixSpec`);
  }
  const text = utf8TextOf(bytes, path);
  // A byte order mark that an editor put first is no part of the spec.
  return applyDefaults(parsePhoenixSpec(text.replace(/^\uFEFF/, ''), path));
}

/**
 * The file's bytes as text, refused where they are not UTF-8: decoded
 * leniently, a Latin-1 byte would become U+FFFD and change a string's
 * value without a word (protoc keeps the raw byte; an escape such as
 * `\351` says the same in any encoding).
 */
function utf8TextOf(bytes: Buffer, path: string): string {
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes);
  } catch {
    const compressed = compressionOf(bytes);
    if (compressed !== undefined) {
      throw new ValueError(
          `${path}: the file is ${compressed.kind}-compressed, not a text ` +
          `spec; decompress it first (e.g. ${compressed.command(path)})`);
    }
    const at = firstNonUtf8Byte(bytes);
    const before = bytes.subarray(0, at).toString('utf8');
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    throw new ValueError(
        `${path}:${line}:${column}: byte 0x${
            bytes[at].toString(16).padStart(2, '0')} is not UTF-8 text; ` +
        'save the spec as UTF-8, or write the byte as an octal escape ' +
        `inside the string (\\${bytes[at].toString(8)})`);
  }
}
