/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Protobuf text format -> plain objects of the ts-proto generated types,
 * driven by the embedded descriptors.
 *
 * It accepts what protoc 3.21 accepts (`protoc --encode` is the reference
 * the tests compare against) and rejects what it rejects: a non-repeated
 * field or a second member of a oneof set twice, unknown fields, enum
 * numbers a proto2 enum does not declare, integers out of their type's
 * range. The result keeps presence: a field the text does not set is
 * undefined (see `applyDefaults` for declared defaults).
 *
 * Porting notes:
 * - float and double fields keep the parsed double; the value is rounded to
 *   32 bits only when encoded, as protobuf does.
 * - 64-bit integer fields are JavaScript numbers (ts-proto forceLong=number),
 *   so values beyond +-(2^53 - 1) are rejected rather than rounded.
 * - String fields must decode as UTF-8; protoc accepts invalid bytes from
 *   `\x`/octal escapes there and only logs an error when serializing.
 * - `\U` escapes beyond U+10FFFF are rejected; protoc keeps their text.
 */

import {NotImplementedError, closestMatch} from '../errors';

import {DescriptorRegistry, FieldInfo, FieldLabel, FieldType, MessageInfo} from './descriptor_registry';
import {specRegistry} from './spec_registry';
import {Token, TokenKind, Tokenizer} from './text_format_tokenizer';

/** Options of `parseTextFormat`. */
export declare interface ParseOptions {
  /** Shown in error messages. Default: '<text>'. */
  filename?: string;
  /** Where message types are looked up. Default: the spec protos. */
  registry?: DescriptorRegistry;
}

type Message = Record<string, unknown>;

/** What one message being parsed has seen so far. */
interface MessageState {
  readonly type: MessageInfo;
  readonly value: Message;
  /** Dotted field path of this message from the top ('' at the top). */
  readonly path: string;
  /** Field number -> the name token where a singular field was set. */
  readonly firstSet: Map<number, Token>;
  /** Oneof name -> the member set and where. */
  readonly oneofSetBy: Map<string, {field: FieldInfo; token: Token}>;
}

interface IntegerKind {
  signed: boolean;
  bits: 32|64;
}

const INTEGER_KINDS = new Map<FieldType, IntegerKind>([
  [FieldType.INT32, {signed: true, bits: 32}],
  [FieldType.SINT32, {signed: true, bits: 32}],
  [FieldType.SFIXED32, {signed: true, bits: 32}],
  [FieldType.INT64, {signed: true, bits: 64}],
  [FieldType.SINT64, {signed: true, bits: 64}],
  [FieldType.SFIXED64, {signed: true, bits: 64}],
  [FieldType.UINT32, {signed: false, bits: 32}],
  [FieldType.FIXED32, {signed: false, bits: 32}],
  [FieldType.UINT64, {signed: false, bits: 64}],
  [FieldType.FIXED64, {signed: false, bits: 64}],
]);

const SCALAR_TYPE_NAMES = new Map<FieldType, string>([
  [FieldType.DOUBLE, 'double'], [FieldType.FLOAT, 'float'],
  [FieldType.INT64, 'int64'], [FieldType.UINT64, 'uint64'],
  [FieldType.INT32, 'int32'], [FieldType.FIXED64, 'fixed64'],
  [FieldType.FIXED32, 'fixed32'], [FieldType.BOOL, 'bool'],
  [FieldType.STRING, 'string'], [FieldType.BYTES, 'bytes'],
  [FieldType.UINT32, 'uint32'], [FieldType.SFIXED32, 'sfixed32'],
  [FieldType.SFIXED64, 'sfixed64'], [FieldType.SINT32, 'sint32'],
  [FieldType.SINT64, 'sint64'],
]);

const TRUE_WORDS = new Set(['true', 'True', 't']);
const FALSE_WORDS = new Set(['false', 'False', 'f']);

const utf8 = new TextDecoder('utf-8', {fatal: true});

/**
 * Parses `text` as a message of type `typeName`.
 *
 * @param text Protobuf text format.
 * @param typeName Full message name, e.g.
 *     'learning.adanets.phoenix.proto.PhoenixSpec'.
 * @param options filename for messages; registry to look types up in.
 * @returns A plain object of the generated type; unset fields undefined.
 * @throws TextFormatError naming file:line:column, the field or value and a
 *     fix.
 */
export function parseTextFormat<T = Message>(
    text: string, typeName: string, options: ParseOptions = {}): T {
  const registry = options.registry ?? specRegistry();
  const type = registry.message(typeName);
  const parser = new Parser(
      new Tokenizer(text, options.filename ?? '<text>'), registry);
  return parser.parseTop(type) as T;
}

class Parser {
  constructor(
      private readonly tokens: Tokenizer,
      private readonly registry: DescriptorRegistry) {}

  parseTop(type: MessageInfo): Message {
    return this.parseBody(type, '', undefined);
  }

  /**
   * Parses fields until `closing` (or the end of input when undefined) and
   * consumes the closing symbol.
   */
  private parseBody(
      type: MessageInfo, path: string,
      open: {token: Token; closing: string}|undefined): Message {
    const state: MessageState = {
      type,
      value: {},
      path,
      firstSet: new Map(),
      oneofSetBy: new Map(),
    };
    const tokens = this.tokens;
    while (true) {
      const token = tokens.current;
      if (open === undefined) {
        if (token.kind === TokenKind.END) break;
        if (isSymbol(token, '}') || isSymbol(token, '>')) {
          throw tokens.error(
              `unexpected "${token.text}": no message is open here; ` +
              `remove it or add the opening "{"`);
        }
      } else {
        if (isSymbol(token, open.closing)) {
          tokens.next();
          break;
        }
        const opened = `${describeField(path)} opened at ` +
            `${open.token.line}:${open.token.column}`;
        if (token.kind === TokenKind.END) {
          throw tokens.error(
              `unexpected end of input: ${opened} needs a closing ` +
              `"${open.closing}"`);
        }
        if (isSymbol(token, '}') || isSymbol(token, '>')) {
          throw tokens.error(
              `"${token.text}" does not match "${open.token.text}" of ` +
              `${opened}; close it with "${open.closing}"`);
        }
      }
      this.parseField(state);
    }
    this.checkRequired(state);
    return state.value;
  }

  private parseField(state: MessageState) {
    const tokens = this.tokens;
    const nameToken = tokens.current;
    if (isSymbol(nameToken, '[')) {
      throw tokens.error(
          `extension and Any fields ("[...]") are not supported, and ` +
          `${messageLabel(state)} declares none`);
    }
    if (nameToken.kind !== TokenKind.IDENTIFIER) {
      throw tokens.error(
          `expected a field name of ${messageLabel(state)}, found ` +
          `${describeToken(nameToken)}`, nameToken,
          {value: nameToken.text});
    }
    const field = state.type.fieldsByName.get(nameToken.text);
    const path = joinPath(state.path, nameToken.text);
    if (field === undefined) throw this.unknownField(state, nameToken, path);
    if (field.type === FieldType.GROUP) {
      // TODO: groups (proto2 `group` fields) are not parsed.
      throw new NotImplementedError(
          `${tokens.filename}:${nameToken.line}:${nameToken.column}: ` +
          `field "${path}" is a proto2 group, which the text-format ` +
          `parser does not support`);
    }
    tokens.next();
    const isMessage = field.type === FieldType.MESSAGE;
    const repeated = field.label === FieldLabel.REPEATED;
    const hasColon = tryConsume(tokens, ':');
    if (!hasColon && !isMessage) {
      throw tokens.error(
          `expected ":" after field "${path}", found ` +
          `${describeToken(tokens.current)}; write ${field.name}: <value>`,
          tokens.current, {field: path});
    }
    this.checkNotSetYet(state, field, nameToken, path);
    if (isSymbol(tokens.current, '[')) {
      if (!repeated) {
        throw tokens.error(
            `field "${path}" is not repeated, so it takes one value, not ` +
            `a [list]`, tokens.current, {field: path});
      }
      tokens.next();
      if (!tryConsume(tokens, ']')) {
        while (true) {
          this.parseElement(state, field, path);
          if (tryConsume(tokens, ']')) break;
          if (!isSymbol(tokens.current, ',')) {
            throw tokens.error(
                `expected "," or "]" in the list of field "${path}", found ` +
                `${describeToken(tokens.current)}`, tokens.current,
                {field: path});
          }
          tokens.next();
        }
      }
    } else {
      this.parseElement(state, field, path);
    }
    if (!repeated) state.firstSet.set(field.number, nameToken);
    if (field.oneof !== undefined) {
      state.oneofSetBy.set(field.oneof, {field, token: nameToken});
    }
    // Fields may be followed by one ';' or ','.
    if (!tryConsume(tokens, ';')) tryConsume(tokens, ',');
  }

  private unknownField(state: MessageState, token: Token, path: string) {
    const names = state.type.fields.map((f) => f.name);
    const match = closestMatch(token.text, names);
    const hint = match !== undefined ? `; did you mean "${match}"?` :
        `; the fields of ${state.type.fullName} are declared in ` +
            state.type.file;
    return this.tokens.error(
        `unknown field "${token.text}" in ${messageLabel(state)}${hint}`,
        token, {field: path, value: token.text});
  }

  private checkNotSetYet(
      state: MessageState, field: FieldInfo, nameToken: Token,
      path: string) {
    if (field.label !== FieldLabel.REPEATED) {
      const first = state.firstSet.get(field.number);
      const isSet = first !== undefined &&
          (field.explicitPresence ||
           !isZero(state.value[field.property], field));
      if (isSet) {
        throw this.tokens.error(
            `field "${path}" is set twice (first at ${first.line}:` +
            `${first.column}) but is not repeated; keep one of them`,
            nameToken, {field: path});
      }
    }
    if (field.oneof !== undefined) {
      const other = state.oneofSetBy.get(field.oneof);
      if (other !== undefined && other.field !== field) {
        throw this.tokens.error(
            `field "${path}" and field ` +
            `"${joinPath(state.path, other.field.name)}" (set at ` +
            `${other.token.line}:${other.token.column}) are members of ` +
            `oneof "${field.oneof}" of ${state.type.fullName}; set only one`,
            nameToken, {field: path});
      }
    }
  }

  /** Parses one value of `field` and stores it in `state.value`. */
  private parseElement(state: MessageState, field: FieldInfo, path: string) {
    const target = state.value;
    const repeated = field.label === FieldLabel.REPEATED;
    let value: unknown;
    if (field.type === FieldType.MESSAGE) {
      const subType = this.registry.message(field.typeName);
      const token = this.tokens.current;
      const closing = isSymbol(token, '{') ? '}' :
          isSymbol(token, '<') ? '>' : undefined;
      if (closing === undefined) {
        throw this.tokens.error(
            `field "${path}" is a message (${subType.fullName}): expected ` +
            `"{" or "<", found ${describeToken(token)}`, token,
            {field: path, value: token.text});
      }
      this.tokens.next();
      value = this.parseBody(subType, path, {token, closing});
      if (subType.isMapEntry) {
        const map = (target[field.property] ??= {}) as Message;
        const [key, mapValue] = mapEntryParts(value as Message, subType);
        map[String(key)] = mapValue;
        return;
      }
    } else {
      value = this.parseScalar(field, path);
    }
    if (repeated) {
      ((target[field.property] ??= []) as unknown[]).push(value);
    } else {
      target[field.property] = value;
    }
  }

  private parseScalar(field: FieldInfo, path: string): unknown {
    const integer = INTEGER_KINDS.get(field.type);
    if (integer !== undefined) return this.parseInteger(field, path, integer);
    switch (field.type) {
      case FieldType.FLOAT:
      case FieldType.DOUBLE:
        return this.parseFloat(field, path);
      case FieldType.BOOL:
        return this.parseBool(field, path);
      case FieldType.STRING:
      case FieldType.BYTES:
        return this.parseString(field, path);
      case FieldType.ENUM:
        return this.parseEnum(field, path);
      default:
        throw new NotImplementedError(
            `field "${path}": field type ${field.type} is not supported by ` +
            `the text-format parser`);
    }
  }

  private parseInteger(
      field: FieldInfo, path: string, kind: IntegerKind): number {
    const tokens = this.tokens;
    const start = tokens.current;
    const negative = tryConsume(tokens, '-');
    const token = tokens.current;
    if (token.kind !== TokenKind.INTEGER || (negative && !kind.signed)) {
      const expected = kind.signed ? 'an integer' : 'a non-negative integer';
      throw tokens.error(
          `field "${path}" (${typeLabel(field)}) expects ${expected}, ` +
          `found ${describeToken(token)}`, start,
          {field: path, value: token.text});
    }
    const magnitude = integerValue(token.text);
    const value = negative ? -magnitude : magnitude;
    const [min, max] = integerRange(kind);
    const written = (negative ? '-' : '') + token.text;
    if (value < min || value > max) {
      throw tokens.error(
          `integer ${written} is out of range for field "${path}" ` +
          `(${typeLabel(field)}: ${min} to ${max})`, start,
          {field: path, value: written});
    }
    if (value > BigInt(Number.MAX_SAFE_INTEGER) ||
        value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw tokens.error(
          `integer ${written} of field "${path}" (${typeLabel(field)}) is ` +
          `beyond what a JavaScript number holds exactly (+-` +
          `${Number.MAX_SAFE_INTEGER}); 64-bit fields are numbers here`,
          start, {field: path, value: written});
    }
    tokens.next();
    return Number(value);
  }

  private parseFloat(field: FieldInfo, path: string): number {
    const tokens = this.tokens;
    const start = tokens.current;
    const negative = tryConsume(tokens, '-');
    const token = tokens.current;
    let value: number;
    if (token.kind === TokenKind.INTEGER) {
      if (/^0[xX]/.test(token.text) || /^0\d/.test(token.text)) {
        throw tokens.error(
            `field "${path}" (${typeLabel(field)}) expects a decimal ` +
            `number, found "${token.text}"; hex and octal are for integer ` +
            `fields`, token, {field: path, value: token.text});
      }
      value = Number(token.text);
    } else if (token.kind === TokenKind.FLOAT) {
      value = Number(token.text.replace(/[fF]$/, ''));
    } else if (token.kind === TokenKind.IDENTIFIER &&
               /^(inf|infinity|nan)$/i.test(token.text)) {
      value = /^nan$/i.test(token.text) ? NaN : Infinity;
    } else {
      throw tokens.error(
          `field "${path}" (${typeLabel(field)}) expects a number (or inf, ` +
          `nan), found ${describeToken(token)}`, start,
          {field: path, value: token.text});
    }
    tokens.next();
    return negative ? -value : value;
  }

  private parseBool(field: FieldInfo, path: string): boolean {
    const tokens = this.tokens;
    const token = tokens.current;
    const fail = () => tokens.error(
        `field "${path}" (bool) expects true, false, True, False, t, f, 1 ` +
            `or 0, found ${describeToken(token)}`,
        token, {field: path, value: token.text});
    let value: boolean;
    if (token.kind === TokenKind.INTEGER) {
      const n = integerValue(token.text);
      if (n !== 0n && n !== 1n) throw fail();
      value = n === 1n;
    } else if (token.kind === TokenKind.IDENTIFIER &&
               TRUE_WORDS.has(token.text)) {
      value = true;
    } else if (token.kind === TokenKind.IDENTIFIER &&
               FALSE_WORDS.has(token.text)) {
      value = false;
    } else {
      throw fail();
    }
    tokens.next();
    return value;
  }

  /** A string or bytes value: one or more adjacent quoted strings. */
  private parseString(field: FieldInfo, path: string): string|Uint8Array {
    const tokens = this.tokens;
    const first = tokens.current;
    if (first.kind !== TokenKind.STRING) {
      throw tokens.error(
          `field "${path}" (${typeLabel(field)}) expects a quoted string, ` +
          `found ${describeToken(first)}`, first,
          {field: path, value: first.text});
    }
    const parts: Token[] = [];
    while (tokens.current.kind === TokenKind.STRING) {
      parts.push(tokens.current);
      tokens.next();
    }
    const isBytes = field.type === FieldType.BYTES;
    if (!isBytes && parts.every((p) => p.str !== undefined)) {
      return parts.map((p) => p.str).join('');
    }
    const bytes: number[] = [];
    for (const part of parts) {
      if (part.bytes !== undefined) {
        for (const b of part.bytes) bytes.push(b);
      } else {
        for (const b of new TextEncoder().encode(part.str)) bytes.push(b);
      }
    }
    const array = Uint8Array.from(bytes);
    if (isBytes) return array;
    try {
      return utf8.decode(array);
    } catch {
      throw tokens.error(
          `string field "${path}" holds bytes that are not valid UTF-8 ` +
          `(from \\x or octal escapes, or a lone \\u surrogate); escape ` +
          `whole UTF-8 characters or use a bytes field`, first,
          {field: path, value: parts.map((p) => p.text).join(' ')});
    }
  }

  private parseEnum(field: FieldInfo, path: string): number {
    const tokens = this.tokens;
    const enumType = this.registry.enum(field.typeName);
    const token = tokens.current;
    const label = `enum field "${path}" (${enumType.fullName})`;
    const names = enumType.values.map((v) => v.name);
    if (token.kind === TokenKind.IDENTIFIER) {
      const value = enumType.byName.get(token.text);
      if (value === undefined) {
        const match = closestMatch(token.text, names);
        const hint = match === undefined ? '' : `; did you mean "${match}"?`;
        throw tokens.error(
            `unknown value "${token.text}" for ${label}${hint}; valid ` +
            `values: ${names.join(', ')}`, token,
            {field: path, value: token.text});
      }
      tokens.next();
      return value.number;
    }
    if (token.kind === TokenKind.INTEGER || isSymbol(token, '-')) {
      const number = this.parseInteger(field, path, {signed: true, bits: 32});
      if (enumType.closed && !enumType.byNumber.has(number)) {
        const numbered = enumType.values.map((v) => `${v.name} = ${v.number}`);
        throw tokens.error(
            `unknown number ${number} for ${label}; valid values: ` +
            numbered.join(', '), token, {field: path, value: String(number)});
      }
      return number;
    }
    throw tokens.error(
        `${label} expects a value name (unquoted) or number, found ` +
        `${describeToken(token)}; valid values: ${names.join(', ')}`, token,
        {field: path, value: token.text});
  }

  private checkRequired(state: MessageState) {
    for (const field of state.type.fields) {
      if (field.label === FieldLabel.REQUIRED &&
          state.value[field.property] === undefined) {
        const path = joinPath(state.path, field.name);
        throw this.tokens.error(
            `required field "${path}" of ${state.type.fullName} is not set`,
            this.tokens.current, {field: path});
      }
    }
  }
}

function isSymbol(token: Token, symbol: string): boolean {
  return token.kind === TokenKind.SYMBOL && token.text === symbol;
}

function tryConsume(tokens: Tokenizer, symbol: string): boolean {
  if (!isSymbol(tokens.current, symbol)) return false;
  tokens.next();
  return true;
}

function joinPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function describeField(path: string): string {
  return path === '' ? 'the message' : `field "${path}"`;
}

function messageLabel(state: MessageState): string {
  return state.path === '' ? state.type.fullName :
                             `${state.path} (${state.type.fullName})`;
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case TokenKind.END:
      return 'the end of the input';
    case TokenKind.STRING:
      return `the string ${token.text}`;
    default:
      return `"${token.text}"`;
  }
}

function typeLabel(field: FieldInfo): string {
  if (field.type === FieldType.ENUM) return `enum ${field.typeName}`;
  return SCALAR_TYPE_NAMES.get(field.type) ?? `type ${field.type}`;
}

/** The value of an INTEGER token: decimal, 0x hex or 0 octal. */
function integerValue(text: string): bigint {
  if (/^0[xX]/.test(text)) return BigInt(text);
  if (text.length > 1 && text.startsWith('0')) {
    return BigInt('0o' + text.slice(1));
  }
  return BigInt(text);
}

function integerRange(kind: IntegerKind): [bigint, bigint] {
  const bits = BigInt(kind.bits);
  if (!kind.signed) return [0n, (1n << bits) - 1n];
  return [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

/** Whether a proto3 implicit-presence value is its type's zero. */
function isZero(value: unknown, field: FieldInfo): boolean {
  if (value === undefined || value === 0 || value === false || value === '') {
    return true;
  }
  return field.type === FieldType.BYTES && value instanceof Uint8Array &&
      value.length === 0;
}

/** Key and value of a parsed map entry; absent parts get their zero. */
function mapEntryParts(entry: Message, type: MessageInfo): [unknown, unknown] {
  const [keyField, valueField] = [
    type.fieldsByName.get('key')!, type.fieldsByName.get('value')!];
  const key = entry[keyField.property] ?? zeroOf(keyField);
  let value = entry[valueField.property];
  if (value === undefined) {
    value = valueField.type === FieldType.MESSAGE ? {} : zeroOf(valueField);
  }
  return [key, value];
}

function zeroOf(field: FieldInfo): unknown {
  switch (field.type) {
    case FieldType.BOOL:
      return false;
    case FieldType.STRING:
      return '';
    case FieldType.BYTES:
      return new Uint8Array(0);
    default:
      return 0;
  }
}
