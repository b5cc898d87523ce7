/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * proto3 JSON of a message, keeping fields whose value is the default.
 *
 * The generated `toJSON` leaves out every field equal to its default, so a
 * spec with defaults applied would print as if they were unset. This walks
 * the descriptor instead: each defined field appears (like protobuf's
 * "always print fields with no presence" option), formatted by the generated
 * `toJSON` wherever that emits the field (enum names, float `Infinity`/`NaN`
 * strings, base64 bytes) and the same way where it does not.
 */

import {DescriptorRegistry, FieldInfo, FieldLabel, FieldType} from './descriptor_registry';
import {PHOENIX_SPEC_TYPE, specRegistry} from './spec_registry';

type Message = Record<string, unknown>;

/**
 * The proto3 JSON object of `message` with every defined field present.
 *
 * @param message A message of the generated type, e.g. after
 *     `applyDefaults`.
 * @param typeName Full message name. Default: PhoenixSpec.
 * @param registry Where types are looked up. Default: the spec protos.
 */
export function messageToJson(
    message: unknown, typeName: string = PHOENIX_SPEC_TYPE,
    registry: DescriptorRegistry = specRegistry()): Message {
  const type = registry.message(typeName);
  const generated = type.codec.toJSON(message) as Message;
  const source = message as Message;
  const result: Message = {};
  for (const field of type.fields) {
    const value = source[field.property];
    if (value === undefined) continue;
    const key = field.property;
    if (field.type === FieldType.MESSAGE) {
      const subType = registry.message(field.typeName);
      if (subType.isMapEntry) {
        result[key] = mapToJson(
            value as Message, subType.fieldsByName.get('value')!, registry);
      } else if (field.label === FieldLabel.REPEATED) {
        result[key] = (value as unknown[])
            .map((element) => messageToJson(element, field.typeName, registry));
      } else {
        result[key] = messageToJson(value, field.typeName, registry);
      }
    } else if (key in generated) {
      result[key] = generated[key];
    } else if (field.label === FieldLabel.REPEATED) {
      result[key] = (value as unknown[])
          .map((element) => scalarToJson(element, field, registry));
    } else {
      result[key] = scalarToJson(value, field, registry);
    }
  }
  return result;
}

function mapToJson(
    map: Message, valueField: FieldInfo,
    registry: DescriptorRegistry): Message {
  const result: Message = {};
  for (const [key, value] of Object.entries(map)) {
    result[key] = valueField.type === FieldType.MESSAGE ?
        messageToJson(value, valueField.typeName, registry) :
        scalarToJson(value, valueField, registry);
  }
  return result;
}

function scalarToJson(
    value: unknown, field: FieldInfo, registry: DescriptorRegistry): unknown {
  switch (field.type) {
    case FieldType.ENUM: {
      const known = registry.enum(field.typeName).byNumber.get(value as number);
      return known === undefined ? value : known.name;
    }
    case FieldType.FLOAT:
    case FieldType.DOUBLE:
      return Number.isFinite(value) ? value : String(value);
    case FieldType.BYTES:
      return Buffer.from(value as Uint8Array).toString('base64');
    case FieldType.BOOL:
    case FieldType.STRING:
      return value;
    default:
      return Math.round(value as number);
  }
}
