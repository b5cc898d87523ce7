/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Tests of tools/private/ts_compile.js, the action behind ts_project: it
 * must fail on type errors (naming file:line:column) and on imports that no
 * declared dep provides, and emit .js/.d.ts otherwise.
 */

import * as assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const COMPILER = path.resolve('tools/private/ts_compile.js');
const NODE_MODULES = (process.env['NODE_PATH'] ?? '').split(':')[0];

declare interface Case {
  files: Record<string, string>;
  srcs: string[];
  allowed?: string[];
  npm?: string[];
}

/** Compiles a small package in a fresh directory, as the action would. */
function compile(c: Case): {status: number, stderr: string, dir: string} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts_compile_test-'));
  for (const [name, text] of Object.entries(c.files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), {recursive: true});
    fs.writeFileSync(path.join(dir, name), text);
  }
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {target: 'ES2022', module: 'node16',
                      moduleResolution: 'node16', strict: true},
  }));
  const outputs = c.srcs.flatMap((s) => {
    const stem = path.join('bin', s.replace(/\.ts$/, ''));
    return [stem + '.js', stem + '.d.ts'];
  });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({
    label: '//pkg:lib',
    srcs: c.srcs,
    outputs,
    allowedFiles: c.allowed ?? [],
    npm: (c.npm ?? ['@types/node']).map(
        (name) => ({name, path: path.join(NODE_MODULES, name)})),
    npmTransitive: [],
    nodeModules: NODE_MODULES,
    tsconfig: 'tsconfig.json',
    rootDir: '.',
    outDir: 'bin',
    binDir: 'bin',
  }));
  const result = spawnSync('node', [COMPILER, 'config.json'],
                           {cwd: dir, encoding: 'utf8'});
  return {status: result.status ?? -1, stderr: result.stderr, dir};
}

describe('ts_compile', () => {
  it('emits .js and .d.ts for a correct package', () => {
    const {status, stderr, dir} = compile({
      files: {'pkg/a.ts': 'export const a: number = 1;\n'},
      srcs: ['pkg/a.ts'],
    });
    assert.equal(status, 0, stderr);
    assert.ok(fs.existsSync(path.join(dir, 'bin/pkg/a.js')));
    assert.match(fs.readFileSync(path.join(dir, 'bin/pkg/a.d.ts'), 'utf8'),
                 /declare const a: number/);
  });

  it('fails on a type error, naming file:line:column', () => {
    const {status, stderr} = compile({
      files: {'pkg/a.ts': 'export const ok = 1;\nexport const a: number = "x";\n'},
      srcs: ['pkg/a.ts'],
    });
    assert.equal(status, 1);
    assert.match(stderr, /^pkg\/a\.ts:2:14: error TS2322: Type 'string' is not assignable to type 'number'\./m);
  });

  it('fails on an import of a file that no dep provides', () => {
    const {status, stderr} = compile({
      files: {
        'pkg/a.ts': 'import {b} from "../other/b";\nexport const a = b;\n',
        'other/b.ts': 'export const b = 2;\n',
      },
      srcs: ['pkg/a.ts'],
    });
    assert.equal(status, 1);
    assert.match(stderr, /pkg\/a\.ts:1:17: error: "\.\.\/other\/b" resolves to other\/b\.ts, which is in no dep of \/\/pkg:lib; add the target that compiles it to deps/);
  });

  it('fails on a side-effect import that no dep provides', () => {
    // Inside the sandbox only declared deps exist, so the file is absent.
    const {status, stderr} = compile({
      files: {'pkg/a.ts': 'import "../other/provider";\nexport const a = 1;\n'},
      srcs: ['pkg/a.ts'],
    });
    assert.equal(status, 1);
    assert.match(stderr, /^pkg\/a\.ts:1:8: error TS2307: Cannot find module '\.\.\/other\/provider'/m);
    // And what to do: the dep, or the path.
    assert.match(stderr, /^pkg\/a\.ts:1:8: error: "\.\.\/other\/provider" is in no dep of \/\/pkg:lib: if other\/provider\.ts exists, add the target that compiles it \(in other\/BUILD\.bazel\) to deps; else fix the path$/m);
  });

  it('accepts that import once the file is a declared dep', () => {
    const {status, stderr} = compile({
      files: {
        'pkg/a.ts': 'import {b} from "../other/b";\nexport const a = b;\n',
        'bin/other/b.d.ts': 'export declare const b = 2;\n',
      },
      srcs: ['pkg/a.ts'],
      allowed: ['bin/other/b.d.ts'],
    });
    assert.equal(status, 0, stderr);
  });

  it('fails on an npm package that is not a dep', () => {
    const {status, stderr} = compile({
      files: {'pkg/a.ts': 'import * as pg from "pg";\nexport const a = pg;\n'},
      srcs: ['pkg/a.ts'],
    });
    assert.equal(status, 1);
    assert.match(stderr, /pkg\/a\.ts:1:21: error: npm package "pg" is not a dep of \/\/pkg:lib; add "@npm\/\/pg" to deps/);
  });
});
