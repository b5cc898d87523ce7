/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The search binaries' log is read by people and by scripts (`^trial N
 * [...]` lines): a message must stay one entry of it, whatever names of
 * the user's data or text of the user's code it quotes.
 */

/**
 * Characters a terminal or a script acts on rather than shows: the
 * controls but tab and the line breaks (a vertical tab or form feed splits
 * lines for Python's splitlines(), an escape moves the cursor or erases a
 * line), and the format characters that reorder or hide the text around
 * them (bidirectional marks, embeddings, overrides and isolates, the
 * zero-width ones).
 */
const UNSHOWN_CHARACTERS =
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** The line breaks a terminal or a script splits lines at. */
const LINE_BREAKS = /\r\n|[\n\r\u2028\u2029\u0085]/g;

/**
 * `message` as one entry of the log: a line break in it continues the
 * entry on a line indented by two spaces, so that no part of it reads as
 * a line of the log's own (a class name holding "\ntrial 1 [1/1] ..."),
 * and the characters a terminal acts on are written as \u escapes.
 */
export function logEntry(message: string): string {
  return message
      .replace(UNSHOWN_CHARACTERS,
               (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replace(LINE_BREAKS, '\n  ');
}
