/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Fills in the values that unset fields have in protobuf: the declared
 * `[default = ...]`, else the type's zero.
 *
 * Decision: a field without a declared default gets what the ts-proto
 * decoder gives it (0, false, '', an empty Uint8Array, the first enum value,
 * [] for repeated fields, {} for maps), so that `applyDefaults(parse(text))`
 * equals `PhoenixSpec.decode(bytes)` of the same spec. Message fields keep
 * their presence: an unset `replay`, `learning_spec`, `ensemble_spec`... stays
 * undefined, and defaults are applied inside the messages that are present.
 * Members of a oneof stay unset too.
 */

import {ValueError} from '../errors';

import {DescriptorRegistry, FieldInfo, FieldLabel, FieldType} from './descriptor_registry';
import {PHOENIX_SPEC_TYPE, specRegistry} from './spec_registry';
import {TokenKind, Tokenizer} from './text_format_tokenizer';

type Message = Record<string, unknown>;

/**
 * Returns a copy of `message` with every unset scalar and repeated field of
 * every present message filled in. The input is not changed.
 *
 * @param message A parsed or decoded message of type `typeName`.
 * @param typeName Full message name. Default: PhoenixSpec.
 * @param registry Where types are looked up. Default: the spec protos.
 */
export function applyDefaults<T>(
    message: T, typeName: string = PHOENIX_SPEC_TYPE,
    registry: DescriptorRegistry = specRegistry()): T {
  return fill(message as Message, typeName, registry) as T;
}

function fill(
    message: Message, typeName: string,
    registry: DescriptorRegistry): Message {
  const type = registry.message(typeName);
  const result: Message = {};
  for (const field of type.fields) {
    const value = message[field.property];
    const isMessage = field.type === FieldType.MESSAGE;
    if (field.label === FieldLabel.REPEATED) {
      const entryType = isMessage ? registry.message(field.typeName) : null;
      if (entryType?.isMapEntry) {
        result[field.property] = fillMap(
            (value ?? {}) as Message, entryType.fieldsByName.get('value')!,
            registry);
      } else if (isMessage) {
        result[field.property] = ((value ?? []) as Message[])
            .map((element) => fill(element, field.typeName, registry));
      } else {
        result[field.property] = [...((value ?? []) as unknown[])];
      }
    } else if (isMessage) {
      if (value !== undefined) {
        result[field.property] = fill(
            value as Message, field.typeName, registry);
      }
    } else if (value !== undefined) {
      result[field.property] = value;
    } else if (field.oneof === undefined) {
      result[field.property] = defaultValue(field, registry);
    }
  }
  return result;
}

function fillMap(
    map: Message, valueField: FieldInfo,
    registry: DescriptorRegistry): Message {
  const result: Message = {};
  for (const [key, value] of Object.entries(map)) {
    result[key] = valueField.type === FieldType.MESSAGE ?
        fill(value as Message, valueField.typeName, registry) :
        value;
  }
  return result;
}

/**
 * The value an unset singular scalar field reads as: its declared default
 * converted to the field's type, or the type's zero.
 */
export function defaultValue(
    field: FieldInfo, registry: DescriptorRegistry = specRegistry()): unknown {
  const text = field.declaredDefault;
  switch (field.type) {
    case FieldType.BOOL:
      return text === 'true';
    case FieldType.STRING:
      return text ?? '';
    case FieldType.BYTES:
      return text === undefined ? new Uint8Array(0) : unescapeBytes(text);
    case FieldType.ENUM: {
      const enumType = registry.enum(field.typeName);
      if (text === undefined) return enumType.values[0].number;
      const value = enumType.byName.get(text);
      if (value === undefined) {
        throw new ValueError(
            `${field.containingType}.${field.name}: declared default ` +
            `"${text}" is not a value of ${enumType.fullName}`);
      }
      return value.number;
    }
    case FieldType.FLOAT:
    case FieldType.DOUBLE:
      if (text === 'inf') return Infinity;
      if (text === '-inf') return -Infinity;
      if (text === 'nan') return NaN;
      return text === undefined ? 0 : Number(text);
    default:
      return text === undefined ? 0 : Number(text);
  }
}

/** Decodes the C-escaped text a descriptor holds for a bytes default. */
function unescapeBytes(text: string): Uint8Array {
  const token = new Tokenizer(`"${text}"`, '<default>').current;
  if (token.kind !== TokenKind.STRING) {
    throw new ValueError(`cannot read the bytes default "${text}"`);
  }
  return token.bytes !== undefined ? Uint8Array.from(token.bytes) :
                                     new TextEncoder().encode(token.str);
}
