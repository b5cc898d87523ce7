/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {DescriptorRegistry, FieldLabel, FieldType, ProtoMetadataLike} from './descriptor_registry';
import {protoMetadata as hparamMetadata} from './hparam';
import {protocDescriptorText, readProtocText, TextNode} from './protoc_testing';
import {PHOENIX_SPEC_TYPE, specRegistry} from './text_format';

const PROTO_FILES = [
  'model_search/proto/distillation_spec.proto',
  'model_search/proto/ensembling_spec.proto',
  'model_search/proto/hparam.proto',
  'model_search/proto/phoenix_spec.proto',
  'model_search/proto/transfer_learning_spec.proto',
];

/** A field as protoc's own descriptor describes it. */
interface ProtocField {
  number: number;
  label: FieldLabel;
  type: FieldType;
  typeName: string;
  declaredDefault: string|undefined;
  oneof: string|undefined;
}

function child(node: TextNode, name: string): string|undefined {
  return node.children.find((c) => c.name === name)?.value;
}

function unquote(value: string): string {
  return JSON.parse(value) as string;
}

/** Message full name -> field name -> field, from protoc's descriptor. */
function protocFields(): Map<string, Map<string, ProtocField>> {
  const result = new Map<string, Map<string, ProtocField>>();
  const visit = (message: TextNode, prefix: string) => {
    const fullName = `${prefix}.${unquote(child(message, 'name')!)}`;
    const oneofs = message.children.filter((c) => c.name === 'oneof_decl')
        .map((o) => unquote(child(o, 'name')!));
    const fields = new Map<string, ProtocField>();
    for (const f of message.children.filter((c) => c.name === 'field')) {
      const oneofIndex = child(f, 'oneof_index');
      const synthetic = child(f, 'proto3_optional') === 'true';
      const typeName = child(f, 'type_name');
      const declared = child(f, 'default_value');
      fields.set(unquote(child(f, 'name')!), {
        number: Number(child(f, 'number')),
        label: FieldLabel[child(f, 'label')!.replace('LABEL_', '') as
                          keyof typeof FieldLabel],
        type: FieldType[child(f, 'type')!.replace('TYPE_', '') as
                        keyof typeof FieldType],
        typeName: typeName === undefined ? '' : unquote(typeName).slice(1),
        declaredDefault:
            declared === undefined ? undefined : unquote(declared),
        oneof: oneofIndex === undefined || synthetic ?
            undefined :
            oneofs[Number(oneofIndex)],
      });
    }
    result.set(fullName, fields);
    for (const nested of message.children) {
      if (nested.name === 'nested_type') visit(nested, fullName);
    }
  };
  for (const file of readProtocText(protocDescriptorText(PROTO_FILES))) {
    const pkg = unquote(child(file, 'package')!);
    for (const message of file.children) {
      if (message.name === 'message_type') visit(message, pkg);
    }
  }
  return result;
}

describe('DescriptorRegistry', () => {
  const registry = specRegistry();
  const reference = protocFields();

  it('holds every message type protoc declares', () => {
    assert.deepStrictEqual(
        [...registry.messages()].map((m) => m.fullName).sort(),
        [...reference.keys()].sort());
  });

  for (const [typeName, fields] of reference) {
    it(`describes the fields of ${typeName} as protoc does`, () => {
      const type = registry.message(typeName);

      assert.deepStrictEqual(
          type.fields.map((f) => f.name), [...fields.keys()]);
      for (const field of type.fields) {
        const expected = fields.get(field.name)!;
        assert.deepStrictEqual({
          number: field.number,
          label: field.label,
          type: field.type,
          typeName: field.typeName,
          declaredDefault: field.declaredDefault,
          oneof: field.oneof,
        }, expected, field.name);
      }
    });
  }

  it('finds the members of each oneof', () => {
    const members = (typeName: string) => registry.message(typeName).fields
        .filter((f) => f.oneof !== undefined)
        .map((f) => `${f.oneof}.${f.name}`);

    assert.deepStrictEqual(members(PHOENIX_SPEC_TYPE),
                           ['search_spec.linear_model']);
    assert.deepStrictEqual(
        members('learning.adanets.phoenix.proto.ensembling_spec.' +
                'EnsemblingSpec'),
        ['search_spec.nonadaptive_search', 'search_spec.adaptive_search',
         'search_spec.intermixed_search']);
    assert.equal(members('model_search.HParamDef.HParamType').length, 8);
  });

  it('tells proto2 from proto3 and map entries from messages', () => {
    const entry = registry.message('model_search.HParamDef.HparamEntry');

    assert.equal(registry.message(PHOENIX_SPEC_TYPE).syntax, 'proto2');
    assert.equal(entry.syntax, 'proto3');
    assert.equal(entry.isMapEntry, true);
    assert.equal(registry.message('model_search.HParamDef').isMapEntry, false);
    assert.equal(
        registry.enum(`${PHOENIX_SPEC_TYPE}.SearchType`).closed, true);
    assert.equal(entry.fieldsByName.get('key')!.explicitPresence, false);
    assert.equal(
        registry.message(PHOENIX_SPEC_TYPE).fieldsByName.get('beam_size')!
            .explicitPresence,
        true);
  });

  it('uses the property names of the generated types', () => {
    const spec = registry.message(PHOENIX_SPEC_TYPE);

    assert.equal(spec.fieldsByName.get('blocks_to_use')!.property,
                 'blocksToUse');
    assert.equal(
        registry.message('learning.adanets.phoenix.proto.LearningSpec')
            .fieldsByName.get('min_l2_regularization')!.property,
        'minL2Regularization');
  });

  it('names the known types for an unknown one', () => {
    assert.throws(
        () => registry.message('learning.adanets.phoenix.proto.Phoenix'),
        new RegExp(
            'unknown message type "learning\\.adanets\\.phoenix\\.proto' +
            '\\.Phoenix"; did you mean "learning\\.adanets\\.phoenix\\.' +
            'proto\\.PhoenixSpec"\\?; known types: .*TaskSpec'));
  });

  it('refuses a oneof whose scalar members it cannot locate', () => {
    const metadata = hparamMetadata as unknown as ProtoMetadataLike;
    const withoutLocations: ProtoMetadataLike = {
      ...metadata,
      fileDescriptor: {...metadata.fileDescriptor, sourceCodeInfo: undefined},
    };

    assert.throws(
        () => DescriptorRegistry.build(withoutLocations),
        {
          message: 'message model_search.HParamDef.HParamType: cannot tell ' +
              'whether field "int64_value" is in a oneof; give the oneof ' +
              'and each of its members a comment in the .proto file (see ' +
              'descriptor_registry.ts)',
        });
  });
});
