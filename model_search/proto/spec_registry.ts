/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** The registry of the spec protos (phoenix_spec.proto and its imports). */

import {DescriptorRegistry, ProtoMetadataLike} from './descriptor_registry';
import {protoMetadata} from './phoenix_spec';

/** Full name of the PhoenixSpec message. */
export const PHOENIX_SPEC_TYPE = 'learning.adanets.phoenix.proto.PhoenixSpec';

let registry: DescriptorRegistry|undefined;

/** Every message and enum of phoenix_spec.proto and the files it imports. */
export function specRegistry(): DescriptorRegistry {
  if (registry === undefined) {
    registry = DescriptorRegistry.build(
        protoMetadata as unknown as ProtoMetadataLike);
  }
  return registry;
}
