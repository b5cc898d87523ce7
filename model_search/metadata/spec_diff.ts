/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Says where two spec texts differ, line by line, for the error a worker
 * gets when it joins a study with another spec than the stored one.
 */

const SHOWN_CHARS = 120;

/** One line as shown in a message: quoted, escapes visible, shortened. */
function show(line: string|undefined): string {
  if (line === undefined) return '(end of text)';
  const quoted = JSON.stringify(line);
  return quoted.length <= SHOWN_CHARS ? quoted :
                                        `${quoted.slice(0, SHOWN_CHARS)}...`;
}

/**
 * Undefined when the texts are equal; otherwise one line naming the first
 * differing line (1-based), both versions of it, and how many lines differ
 * in all, e.g.
 * `line 3 differs (2 of 40 lines differ): stored "a: 1", given "a: 2"`.
 */
export function describeSpecDifference(
    stored: string, given: string): string|undefined {
  if (stored === given) return undefined;
  const a = stored.split('\n');
  const b = given.split('\n');
  const length = Math.max(a.length, b.length);
  let first = -1;
  let differing = 0;
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) {
      differing++;
      if (first < 0) first = i;
    }
  }
  return `line ${first + 1} differs (${differing} of ${length} lines ` +
      `differ; stored text has ${a.length} lines, given ${b.length}): ` +
      `stored ${show(a[first])}, given ${show(b[first])}`;
}
