/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Where a stack frame lies in the TypeScript source. ts_project compiles
 * each .ts file with an inline source map, which this reads for the one
 * position asked about: the binaries do not run node with
 * --enable-source-maps, which would load the maps of every package at
 * start (0.2 s). A file in Bazel's execroot is named from its workspace
 * (`model_search/registry.ts:40`).
 */

import * as fs from 'node:fs';
import {SourceMap} from 'node:module';
import type {SourceMapPayload} from 'node:module';
import * as path from 'node:path';

const INLINE_MAP =
    /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/**
 * `file:line` of line `line`, column `column` (both from 1, as stack
 * traces give them) of the compiled `file`, in its source where the file
 * carries a source map, else in `file` itself.
 */
export function sourceSite(file: string, line: number, column: number):
    string {
  let site = `${file}:${line}`;
  if (file.endsWith('.js')) {
    try {
      const found = INLINE_MAP.exec(fs.readFileSync(file, 'utf8'));
      if (found !== null) {
        const map = new SourceMap(JSON.parse(
            Buffer.from(found[1], 'base64').toString('utf8')) as
            SourceMapPayload);
        const entry = map.findEntry(line - 1, column - 1);
        if ('originalSource' in entry && entry.originalSource) {
          site = `${path.resolve(path.dirname(file), entry.originalSource)}:${
              entry.originalLine + 1}`;
        }
      }
    } catch {
      // Unreadable, or no usable map: the compiled site.
    }
  }
  return workspaceRelative(site);
}

/** A path under Bazel's execroot from its workspace; others unchanged. */
export function workspaceRelative(file: string): string {
  return file.replace(/^.*\/execroot\/[^/]+\//, '');
}
