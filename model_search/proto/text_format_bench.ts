/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Parsing speed of the text-format parser on the largest ready config.
 *
 *   node .dev_out/model_search/proto/text_format_bench.js [iterations]
 *
 * Run from the workspace root (or through Bazel, which runs it there).
 * Prints one line: the file, its size, ms per parse and ms per KB.
 */

import * as fs from 'fs';
import * as path from 'path';

import {parsePhoenixSpec} from './text_format';

const CONFIG_DIR = 'model_search/configs';

function largestConfig(): string {
  const dir = path.resolve(CONFIG_DIR);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.pbtxt'))
      .map((f) => path.join(dir, f));
  files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
  return files[0];
}

/** Parses the largest config `iterations` times; returns the summary. */
export function benchmark(iterations: number): string {
  const file = largestConfig();
  const text = fs.readFileSync(file, 'utf8');
  const kb = Buffer.byteLength(text) / 1024;
  for (let i = 0; i < Math.min(iterations, 200); i++) {
    parsePhoenixSpec(text, file);
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) parsePhoenixSpec(text, file);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const perParse = ms / iterations;
  return `${path.basename(file)} (${kb.toFixed(2)} KB): ` +
      `${perParse.toFixed(4)} ms/parse, ${(perParse / kb).toFixed(4)} ms/KB ` +
      `over ${iterations} iterations`;
}

if (require.main === module) {
  const iterations = Number(process.argv[2] ?? 5000);
  if (!Number.isInteger(iterations) || iterations <= 0) {
    process.stderr.write(
        `text_format_bench: iterations must be a positive integer, got ` +
        `"${process.argv[2]}"\n`);
    process.exit(2);
  }
  process.stdout.write(benchmark(iterations) + '\n');
}
