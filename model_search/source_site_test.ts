/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {sourceSite, workspaceRelative} from './source_site';

/** Line and column (from 1) of the first `text` in `content`. */
function positionOf(content: string, text: string): [number, number] {
  const lines = content.split('\n');
  const line = lines.findIndex((l) => l.includes(text));
  assert.ok(line >= 0, `${text} not found`);
  return [line + 1, lines[line].indexOf(text) + 1];
}

/** A statement to find in this file and its compiled form. */
const MARKER_OF_SOURCE_SITE_TEST = 'marker';

describe('sourceSite', () => {
  it('maps a position of this compiled file to its .ts line', () => {
    const compiled = fs.realpathSync(__filename);
    const marker = 'MARKER_' + 'OF_SOURCE_SITE_TEST';
    const [line, column] =
        positionOf(fs.readFileSync(compiled, 'utf8'), marker);
    // The .ts, from the test's runfiles (the workspace root is the cwd).
    const [tsLine] = positionOf(
        fs.readFileSync('model_search/source_site_test.ts', 'utf8'), marker);

    const site = sourceSite(compiled, line, column);
    assert.equal(MARKER_OF_SOURCE_SITE_TEST, 'marker');

    // Named from the workspace when the compiled file is in the execroot.
    assert.match(site, /(^|\/)model_search\/source_site_test\.ts:\d+$/);
    assert.equal(site.slice(site.lastIndexOf(':') + 1), String(tsLine));
  });

  it('keeps a file without a map as it is', () => {
    const dir = fs.mkdtempSync(path.join(
        process.env['TEST_TMPDIR'] ?? '/tmp', 'source_site_test_'));
    try {
      const file = path.join(dir, 'plain.js');
      fs.writeFileSync(file, 'throw new Error();\n');
      // (Bazel's test directory may lie in an execroot too.)
      assert.equal(sourceSite(file, 1, 1), workspaceRelative(`${file}:1`));
      assert.equal(sourceSite(path.join(dir, 'gone.js'), 3, 1),
                   workspaceRelative(`${dir}/gone.js:3`));
      assert.ok(!sourceSite(file, 1, 1).endsWith('.ts:1'));
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });

  it('names files in the execroot from the workspace', () => {
    assert.equal(
        workspaceRelative('/x/_bazel_u/abc/execroot/ws/pkg/a.ts'), 'pkg/a.ts');
    assert.equal(workspaceRelative('/home/u/pkg/a.ts'), '/home/u/pkg/a.ts');
  });
});
