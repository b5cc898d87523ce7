/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Message -> protobuf text format, in the layout protoc prints: fields in
 * field-number order, one per line, nested messages as `name {` ... `}`
 * indented by two spaces. Every defined field is printed (so a message
 * with defaults applied prints them). `parseTextFormat` reads the output
 * back to an equal message.
 */

import {ValueError} from '../errors';

import {DescriptorRegistry, FieldInfo, FieldLabel, FieldType, MessageInfo} from './descriptor_registry';
import {PHOENIX_SPEC_TYPE, specRegistry} from './spec_registry';

type Message = Record<string, unknown>;

/**
 * Prints `message` of type `typeName` as text format.
 *
 * @param message A message of the generated type (parsed or decoded).
 * @param typeName Full message name. Default: PhoenixSpec.
 * @param registry Where types are looked up. Default: the spec protos.
 * @throws ValueError if two members of one oneof are set.
 */
export function printTextFormat(
    message: unknown, typeName: string = PHOENIX_SPEC_TYPE,
    registry: DescriptorRegistry = specRegistry()): string {
  const lines: string[] = [];
  printMessage(message as Message, registry.message(typeName), '', lines,
               registry);
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

function printMessage(
    message: Message, type: MessageInfo, indent: string, lines: string[],
    registry: DescriptorRegistry) {
  checkOneofs(message, type);
  const fields = [...type.fields].sort((a, b) => a.number - b.number);
  for (const field of fields) {
    const value = message[field.property];
    if (value === undefined) continue;
    if (field.type === FieldType.MESSAGE) {
      const subType = registry.message(field.typeName);
      if (subType.isMapEntry) {
        printMap(value as Message, field, subType, indent, lines, registry);
      } else {
        const elements = field.label === FieldLabel.REPEATED ?
            value as Message[] : [value as Message];
        for (const element of elements) {
          lines.push(`${indent}${field.name} {`);
          printMessage(element, subType, indent + '  ', lines, registry);
          lines.push(`${indent}}`);
        }
      }
    } else {
      const elements =
          field.label === FieldLabel.REPEATED ? value as unknown[] : [value];
      for (const element of elements) {
        const text = formatScalar(element, field, registry);
        lines.push(`${indent}${field.name}: ${text}`);
      }
    }
  }
}

function printMap(
    map: Message, field: FieldInfo, entryType: MessageInfo, indent: string,
    lines: string[], registry: DescriptorRegistry) {
  const keyField = entryType.fieldsByName.get('key')!;
  const valueField = entryType.fieldsByName.get('value')!;
  for (const [key, value] of Object.entries(map)) {
    const entry: Message = {
      [keyField.property]: mapKey(key, keyField),
      [valueField.property]: value,
    };
    lines.push(`${indent}${field.name} {`);
    printMessage(entry, entryType, indent + '  ', lines, registry);
    lines.push(`${indent}}`);
  }
}

/** Map keys are object keys (strings); turns them back into their type. */
function mapKey(key: string, field: FieldInfo): unknown {
  if (field.type === FieldType.STRING) return key;
  if (field.type === FieldType.BOOL) return key === 'true';
  return Number(key);
}

function checkOneofs(message: Message, type: MessageInfo) {
  const setBy = new Map<string, FieldInfo>();
  for (const field of type.fields) {
    if (field.oneof === undefined || message[field.property] === undefined) {
      continue;
    }
    const other = setBy.get(field.oneof);
    if (other !== undefined) {
      throw new ValueError(
          `cannot print ${type.fullName}: fields "${other.name}" and ` +
          `"${field.name}" are both set but are members of oneof ` +
          `"${field.oneof}"; clear one of them`);
    }
    setBy.set(field.oneof, field);
  }
}

function formatScalar(
    value: unknown, field: FieldInfo, registry: DescriptorRegistry): string {
  switch (field.type) {
    case FieldType.STRING:
      return quoteString(value as string);
    case FieldType.BYTES:
      return quoteBytes(value as Uint8Array);
    case FieldType.BOOL:
      return value ? 'true' : 'false';
    case FieldType.ENUM: {
      const known = registry.enum(field.typeName).byNumber.get(value as number);
      return known === undefined ? String(value) : known.name;
    }
    case FieldType.FLOAT:
    case FieldType.DOUBLE:
      return formatFloat(value as number);
    default:
      return String(value);
  }
}

function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

const ESCAPES = new Map<number, string>([
  [0x0a, '\\n'], [0x0d, '\\r'], [0x09, '\\t'], [0x22, '\\"'],
  [0x27, '\\\''], [0x5c, '\\\\'],
]);

function octal(code: number): string {
  return '\\' + code.toString(8).padStart(3, '0');
}

/** A double-quoted string; non-ASCII text is kept, controls escaped. */
function quoteString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const escape = ESCAPES.get(code);
    if (escape !== undefined) {
      out += escape;
    } else if (code < 0x20 || code === 0x7f) {
      out += octal(code);
    } else {
      out += ch;
    }
  }
  return out + '"';
}

/** A double-quoted byte string; bytes outside printable ASCII in octal. */
function quoteBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const code of bytes) {
    const escape = ESCAPES.get(code);
    if (escape !== undefined) {
      out += escape;
    } else if (code < 0x20 || code >= 0x7f) {
      out += octal(code);
    } else {
      out += String.fromCharCode(code);
    }
  }
  return out + '"';
}
