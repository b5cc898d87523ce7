/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** The error thrown for a text-format input that does not parse. */

import {ValueError} from '../errors';

/**
 * `line:column` (1-based; columns in UTF-16 code units, as TextFormatError
 * counts them) of offset `offset` of `text`, for messages that name a
 * place in a spec file found after it parsed.
 */
export function lineColumnAt(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

/** Where and why a text-format input is wrong. */
export declare interface TextFormatErrorArgs {
  /** The file name shown in the message (or '<text>'). */
  filename: string;
  /** 1-based line of the offending token. */
  line: number;
  /** 1-based column (in UTF-16 code units) of the offending token. */
  column: number;
  /** What is wrong and how to fix it, without the location. */
  reason: string;
  /** Dotted path of the field concerned, e.g. 'ensemble_spec.width'. */
  field?: string;
  /** The offending value or token as written. */
  value?: string;
}

/**
 * A text-format input is invalid. The message reads
 * `file:line:column: reason`; the parts are also kept as properties.
 */
export class TextFormatError extends ValueError {
  readonly filename: string;
  readonly line: number;
  readonly column: number;
  readonly reason: string;
  readonly field: string|undefined;
  readonly value: string|undefined;

  constructor(args: TextFormatErrorArgs) {
    super(`${args.filename}:${args.line}:${args.column}: ${args.reason}`);
    this.name = 'TextFormatError';
    Object.setPrototypeOf(this, new.target.prototype);
    this.filename = args.filename;
    this.line = args.line;
    this.column = args.column;
    this.reason = args.reason;
    this.field = args.field;
    this.value = args.value;
  }
}
