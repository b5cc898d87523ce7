/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The message and enum types of the generated protos, read from the file
 * descriptors that ts-proto embeds (`protoMetadata`, outputSchema=true).
 *
 * The text-format parser, the printer and `applyDefaults` are driven by
 * these descriptors; nothing here restates the schema by hand.
 *
 * Porting note: ts-proto writes its embedded descriptor through
 * `FileDescriptorProto.fromPartial`, which turns an absent `oneof_index`
 * into 0, so every field of a message that declares a oneof looks like a
 * member of its first oneof. Membership is recovered from the source
 * locations ts-proto keeps (only those with comments): a field belongs to
 * the oneof whose declaration span encloses the field's span. Our .proto
 * files therefore comment every oneof and every oneof member, and
 * `build` checks that each scalar member found by ts-proto's own
 * `fromPartial` (which leaves oneof scalars undefined) was located.
 */

import {ValueError, didYouMean} from '../errors';

/** FieldDescriptorProto.Type numbers. */
export enum FieldType {
  DOUBLE = 1,
  FLOAT = 2,
  INT64 = 3,
  UINT64 = 4,
  INT32 = 5,
  FIXED64 = 6,
  FIXED32 = 7,
  BOOL = 8,
  STRING = 9,
  GROUP = 10,
  MESSAGE = 11,
  BYTES = 12,
  UINT32 = 13,
  ENUM = 14,
  SFIXED32 = 15,
  SFIXED64 = 16,
  SINT32 = 17,
  SINT64 = 18,
}

/** FieldDescriptorProto.Label numbers. */
export enum FieldLabel {
  OPTIONAL = 1,
  REQUIRED = 2,
  REPEATED = 3,
}

/** The generated encode/decode/JSON functions of one message type. */
export declare interface MessageCodec {
  encode(message: unknown): {finish(): Uint8Array};
  decode(input: Uint8Array): unknown;
  fromJSON(object: unknown): unknown;
  toJSON(message: unknown): unknown;
  fromPartial(object: unknown): unknown;
}

/** One field of a message type. */
export declare interface FieldInfo {
  /** The .proto name, e.g. 'minimum_depth'. */
  readonly name: string;
  /** The property of the generated TypeScript type, e.g. 'minimumDepth'. */
  readonly property: string;
  readonly number: number;
  readonly label: FieldLabel;
  readonly type: FieldType;
  /** Full name of the message or enum type, without a leading dot. */
  readonly typeName: string;
  /** The `[default = ...]` text as the descriptor holds it, if declared. */
  readonly declaredDefault: string|undefined;
  /** Name of the (non-synthetic) oneof this field belongs to. */
  readonly oneof: string|undefined;
  /**
   * Whether setting the field is remembered even when the value is the
   * type's zero: proto2 fields, message fields, oneof members and proto3
   * `optional` fields. Other proto3 scalars count as set only when nonzero.
   */
  readonly explicitPresence: boolean;
  /** Full name of the message type declaring this field. */
  readonly containingType: string;
}

/** One message type. */
export declare interface MessageInfo {
  /** e.g. 'learning.adanets.phoenix.proto.PhoenixSpec'. */
  readonly fullName: string;
  /** The .proto file declaring it, e.g. 'model_search/proto/x.proto'. */
  readonly file: string;
  readonly syntax: 'proto2'|'proto3';
  /** Fields in declaration order. */
  readonly fields: readonly FieldInfo[];
  readonly fieldsByName: ReadonlyMap<string, FieldInfo>;
  /** Names of the declared oneofs, in order. */
  readonly oneofs: readonly string[];
  /** True for the synthesized entry type of a map field. */
  readonly isMapEntry: boolean;
  /** The generated functions of this type. */
  readonly codec: MessageCodec;
}

/** One value of an enum type. */
export declare interface EnumValueInfo {
  readonly name: string;
  readonly number: number;
}

/** One enum type. */
export declare interface EnumInfo {
  readonly fullName: string;
  readonly file: string;
  /** Values in declaration order. */
  readonly values: readonly EnumValueInfo[];
  readonly byName: ReadonlyMap<string, EnumValueInfo>;
  readonly byNumber: ReadonlyMap<number, EnumValueInfo>;
  /**
   * Closed enums (proto2) reject numbers they do not declare; open ones
   * (proto3) keep them.
   */
  readonly closed: boolean;
}

// The subset of ts-proto's embedded descriptor objects read here.

interface FieldLike {
  name: string;
  number: number;
  label: number;
  type: number;
  typeName: string;
  defaultValue: string;
  jsonName: string;
  proto3Optional: boolean;
}

interface MessageLike {
  name: string;
  field: FieldLike[];
  nestedType: MessageLike[];
  enumType: EnumLike[];
  oneofDecl: Array<{name: string}>;
  options?: {mapEntry?: boolean}|undefined;
}

interface EnumLike {
  name: string;
  value: Array<{name: string; number: number}>;
}

interface LocationLike {
  path: number[];
  span: number[];
}

/** The shape of the `protoMetadata` export of a generated file. */
export declare interface ProtoMetadataLike {
  fileDescriptor: {
    name: string;
    package: string;
    syntax: string;
    messageType: MessageLike[];
    enumType: EnumLike[];
    sourceCodeInfo?: {location: LocationLike[]}|undefined;
  };
  references: {[key: string]: unknown};
  dependencies?: ProtoMetadataLike[];
}

// Field numbers of DescriptorProto / FileDescriptorProto used in paths.
const FILE_MESSAGE_TYPE = 4;
const MESSAGE_FIELD = 2;
const MESSAGE_NESTED_TYPE = 3;
const MESSAGE_ONEOF_DECL = 8;

/** Message and enum types by full name. */
export class DescriptorRegistry {
  private readonly messageTypes = new Map<string, MessageInfo>();
  private readonly enumTypes = new Map<string, EnumInfo>();

  /**
   * Collects the types of `metadata` and of every file it imports.
   *
   * @param metadata A generated file's `protoMetadata`, e.g. the one of
   *     phoenix_spec.ts (which lists its imports as dependencies).
   */
  static build(...metadata: ProtoMetadataLike[]): DescriptorRegistry {
    const registry = new DescriptorRegistry();
    const seen = new Set<string>();
    const visit = (file: ProtoMetadataLike) => {
      if (seen.has(file.fileDescriptor.name)) return;
      seen.add(file.fileDescriptor.name);
      for (const dependency of file.dependencies ?? []) visit(dependency);
      registry.addFile(file);
    };
    metadata.forEach(visit);
    return registry;
  }

  /** The message type `fullName`; throws naming close types if unknown. */
  message(fullName: string): MessageInfo {
    const info = this.messageTypes.get(stripDot(fullName));
    if (info === undefined) {
      const names = [...this.messageTypes.keys()];
      throw new ValueError(
          `unknown message type "${fullName}"${didYouMean(fullName, names)}` +
          `; known types: ${names.join(', ')}`);
    }
    return info;
  }

  /** The enum type `fullName`; throws if unknown. */
  enum(fullName: string): EnumInfo {
    const info = this.enumTypes.get(stripDot(fullName));
    if (info === undefined) {
      const names = [...this.enumTypes.keys()];
      throw new ValueError(
          `unknown enum type "${fullName}"${didYouMean(fullName, names)}` +
          `; known types: ${names.join(', ')}`);
    }
    return info;
  }

  /** Every message type, files in dependency order. */
  messages(): IterableIterator<MessageInfo> {
    return this.messageTypes.values();
  }

  /** Every enum type. */
  enums(): IterableIterator<EnumInfo> {
    return this.enumTypes.values();
  }

  private addFile(file: ProtoMetadataLike) {
    const descriptor = file.fileDescriptor;
    const syntax = fileSyntax(descriptor.syntax, descriptor.name);
    const spans = new Map<string, number[]>();
    for (const location of descriptor.sourceCodeInfo?.location ?? []) {
      spans.set(location.path.join('.'), location.span);
    }
    const prefix = descriptor.package === '' ? '' : descriptor.package + '.';
    const addEnum = (type: EnumLike, fullName: string) => {
      const values = type.value.map((v) => ({name: v.name, number: v.number}));
      const byNumber = new Map<number, EnumValueInfo>();
      // The first value declared for a number is its canonical name.
      for (const v of values) {
        if (!byNumber.has(v.number)) byNumber.set(v.number, v);
      }
      this.enumTypes.set(fullName, {
        fullName,
        file: descriptor.name,
        values,
        byName: new Map(values.map((v) => [v.name, v])),
        byNumber,
        closed: syntax === 'proto2',
      });
    };
    for (const type of descriptor.enumType) addEnum(type, prefix + type.name);
    const addMessage = (
        type: MessageLike, fullName: string, path: number[]) => {
      for (const nested of type.enumType) {
        addEnum(nested, `${fullName}.${nested.name}`);
      }
      type.nestedType.forEach((nested, i) => addMessage(
          nested, `${fullName}.${nested.name}`,
          [...path, MESSAGE_NESTED_TYPE, i]));
      const codec = file.references['.' + fullName] as MessageCodec|undefined;
      if (codec === undefined || typeof codec.decode !== 'function') {
        throw new ValueError(
            `${descriptor.name}: the generated module has no functions for ` +
            `message ${fullName}; regenerate it with ts-proto`);
      }
      const members = oneofMembers(type, path, spans);
      const fields = type.field.map((f, i): FieldInfo => {
        const oneof = members.get(i);
        const isMessage = f.type === FieldType.MESSAGE ||
            f.type === FieldType.GROUP;
        return {
          name: f.name,
          property: tsProtoPropertyName(f.name),
          number: f.number,
          label: f.label as FieldLabel,
          type: f.type as FieldType,
          typeName: stripDot(f.typeName),
          declaredDefault: f.defaultValue === '' ? undefined : f.defaultValue,
          oneof,
          explicitPresence: syntax === 'proto2' || isMessage ||
              oneof !== undefined || f.proto3Optional,
          containingType: fullName,
        };
      });
      checkAgainstGenerated(fullName, fields, type.field, codec);
      this.messageTypes.set(fullName, {
        fullName,
        file: descriptor.name,
        syntax,
        fields,
        fieldsByName: new Map(fields.map((f) => [f.name, f])),
        oneofs: type.oneofDecl.map((o) => o.name),
        isMapEntry: type.options?.mapEntry === true,
        codec,
      });
    };
    descriptor.messageType.forEach((type, i) => {
      addMessage(type, prefix + type.name, [FILE_MESSAGE_TYPE, i]);
    });
  }
}

function stripDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

function fileSyntax(syntax: string, file: string): 'proto2'|'proto3' {
  if (syntax === '' || syntax === 'proto2') return 'proto2';
  if (syntax === 'proto3') return 'proto3';
  throw new ValueError(
      `${file}: syntax "${syntax}" is not supported by the text-format ` +
      `parser; use proto2 or proto3`);
}

/** ts-proto's snakeToCamel=true property name for a field. */
function tsProtoPropertyName(name: string): string {
  if (!name.includes('_')) return name;
  const hasLowerCase = /[a-z]/.test(name);
  return name.split('_').map((word, i) => {
    const w = hasLowerCase ? word : word.toLowerCase();
    return i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1);
  }).join('');
}

/** [line, column] of a span's start and end (spans have 3 or 4 numbers). */
function spanBounds(span: number[]): [number, number, number, number] {
  return span.length === 3 ? [span[0], span[1], span[0], span[2]] :
                             [span[0], span[1], span[2], span[3]];
}

function encloses(outer: number[], inner: number[]): boolean {
  const [ol, oc, oel, oec] = spanBounds(outer);
  const [il, ic, iel, iec] = spanBounds(inner);
  const startsAfter = il > ol || (il === ol && ic >= oc);
  const endsBefore = iel < oel || (iel === oel && iec <= oec);
  return startsAfter && endsBefore;
}

/** Field index -> oneof name, from the commented source spans. */
function oneofMembers(
    type: MessageLike, path: number[],
    spans: Map<string, number[]>): Map<number, string> {
  const members = new Map<number, string>();
  type.oneofDecl.forEach((oneof, k) => {
    const oneofSpan = spans.get([...path, MESSAGE_ONEOF_DECL, k].join('.'));
    if (oneofSpan === undefined) return;
    type.field.forEach((_, i) => {
      const fieldSpan = spans.get([...path, MESSAGE_FIELD, i].join('.'));
      if (fieldSpan !== undefined && encloses(oneofSpan, fieldSpan)) {
        members.set(i, oneof.name);
      }
    });
  });
  return members;
}

/**
 * Checks the derived field properties and oneof scalars against the object
 * the generated `fromPartial({})` builds: every field is a key of it, and
 * exactly the singular scalars inside a oneof are left undefined there.
 */
function checkAgainstGenerated(
    fullName: string, fields: FieldInfo[], raw: FieldLike[],
    codec: MessageCodec) {
  const empty = codec.fromPartial({}) as Record<string, unknown>;
  fields.forEach((field, i) => {
    if (!(field.property in empty)) {
      throw new ValueError(
          `message ${fullName}: field "${field.name}" has no property ` +
          `"${field.property}" in the generated type; the ts-proto naming ` +
          `options changed (snakeToCamel=true is expected)`);
    }
    const isScalar = field.type !== FieldType.MESSAGE &&
        field.type !== FieldType.GROUP;
    // proto3 `optional` scalars are undefined too, in a synthetic oneof.
    if (!isScalar || field.label === FieldLabel.REPEATED ||
        raw[i].proto3Optional) {
      return;
    }
    const generatedSaysOneof = empty[field.property] === undefined;
    if (generatedSaysOneof !== (field.oneof !== undefined)) {
      throw new ValueError(
          `message ${fullName}: cannot tell whether field "${field.name}" ` +
          `is in a oneof; give the oneof and each of its members a comment ` +
          `in the .proto file (see descriptor_registry.ts)`);
    }
  });
}
