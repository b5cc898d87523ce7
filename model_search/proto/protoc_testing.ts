/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Test helpers: protoc as the reference text-format reader, and a
 * normal form of messages to compare ours with its output. Tests only.
 *
 * protoc must be on PATH (it generates the TypeScript of the protos too);
 * it runs with the working directory as include root, where Bazel tests and
 * tools/dev/check both find model_search/proto/*.proto.
 */

import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {DescriptorRegistry, FieldLabel, FieldType} from './descriptor_registry';
import {PHOENIX_SPEC_TYPE, specRegistry} from './spec_registry';

/** The .proto file declaring PhoenixSpec, relative to the include root. */
export const PHOENIX_SPEC_PROTO = 'model_search/proto/phoenix_spec.proto';

/** What protoc made of an input. */
export declare interface ProtocResult {
  /** Exit status 0. */
  ok: boolean;
  /** The encoded message (when ok). */
  bytes: Uint8Array;
  stderr: string;
}

function runProtoc(args: string[], input: string|Uint8Array): ProtocResult {
  const result = spawnSync('protoc', ['-I', '.', ...args], {input});
  if (result.error !== undefined) {
    throw new Error(
        `cannot run protoc (${result.error.message}); install Debian's ` +
        `protobuf-compiler or put protoc on PATH`);
  }
  return {
    ok: result.status === 0,
    bytes: new Uint8Array(result.stdout),
    stderr: result.stderr.toString(),
  };
}

/** `protoc --encode=typeName` of text. */
export function protocEncode(
    text: string, typeName: string = PHOENIX_SPEC_TYPE,
    protoFile: string = PHOENIX_SPEC_PROTO): ProtocResult {
  return runProtoc([`--encode=${typeName}`, protoFile], text);
}

/** `protoc --decode=typeName` of bytes: protoc's canonical text format. */
export function protocDecode(
    bytes: Uint8Array, typeName: string = PHOENIX_SPEC_TYPE,
    protoFile: string = PHOENIX_SPEC_PROTO): string {
  const result = runProtoc([`--decode=${typeName}`, protoFile], bytes);
  if (!result.ok) throw new Error(`protoc --decode failed: ${result.stderr}`);
  return Buffer.from(result.bytes).toString('utf8');
}

/** `protoc --descriptor_set_out` of the spec protos, as protoc's text. */
export function protocDescriptorText(protoFiles: string[]): string {
  const dir = fs.mkdtempSync(
      path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'descriptors_'));
  try {
    const out = path.join(dir, 'set.pb');
    const result = runProtoc(
        ['--include_imports', `--descriptor_set_out=${out}`, ...protoFiles],
        '');
    if (!result.ok) throw new Error(`protoc failed: ${result.stderr}`);
    return protocDecode(
        fs.readFileSync(out), 'google.protobuf.FileDescriptorSet',
        'google/protobuf/descriptor.proto');
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

type Message = Record<string, unknown>;

/**
 * A comparable form of a message: fields that are undefined dropped, float
 * fields rounded to 32 bits (as the wire format stores them), byte strings
 * as Uint8Array.
 */
export function normalize(
    message: unknown, typeName: string = PHOENIX_SPEC_TYPE,
    registry: DescriptorRegistry = specRegistry()): Message {
  const type = registry.message(typeName);
  const source = message as Message;
  const result: Message = {};
  for (const field of type.fields) {
    const value = source[field.property];
    if (value === undefined) continue;
    const one = (v: unknown): unknown => {
      if (field.type === FieldType.MESSAGE) {
        return normalize(v, field.typeName, registry);
      }
      if (field.type === FieldType.FLOAT) return Math.fround(v as number);
      if (field.type === FieldType.BYTES) {
        return Uint8Array.from(v as Uint8Array);
      }
      return v;
    };
    const subType = field.type === FieldType.MESSAGE ?
        registry.message(field.typeName) : undefined;
    if (subType?.isMapEntry) {
      const valueField = subType.fieldsByName.get('value')!;
      const map: Message = {};
      for (const [k, v] of Object.entries(value as Message)) {
        map[k] = valueField.type === FieldType.MESSAGE ?
            normalize(v, valueField.typeName, registry) : v;
      }
      result[field.property] = map;
    } else if (field.label === FieldLabel.REPEATED) {
      result[field.property] = (value as unknown[]).map(one);
    } else {
      result[field.property] = one(value);
    }
  }
  return result;
}

/** A node of protoc's printed text format: `name: value` or `name {`. */
export declare interface TextNode {
  name: string;
  value?: string;
  children: TextNode[];
}

/**
 * Reads the text format protoc prints (one field per line, `name {` ...
 * `}` blocks) into a tree. Only for protoc's own output.
 */
export function readProtocText(text: string): TextNode[] {
  const root: TextNode = {name: '', children: []};
  const stack = [root];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '}') {
      stack.pop();
    } else if (line.endsWith('{')) {
      const node = {name: line.slice(0, -1).trim(), children: []};
      stack[stack.length - 1].children.push(node);
      stack.push(node);
    } else {
      const colon = line.indexOf(':');
      stack[stack.length - 1].children.push({
        name: line.slice(0, colon),
        value: line.slice(colon + 1).trim(),
        children: [],
      });
    }
  }
  return root.children;
}
