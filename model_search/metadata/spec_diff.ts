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
/** Lines of an added or removed run quoted in the message. */
const SHOWN_LINES = 3;
/**
 * Above this many line pairs the texts are compared place by place rather
 * than aligned (the alignment's table grows with their product).
 */
const MAX_ALIGNED_PAIRS = 4_000_000;

/** One line as shown in a message: quoted, escapes visible, shortened. */
function show(line: string|undefined): string {
  if (line === undefined) return '(end of text)';
  const quoted = JSON.stringify(line);
  return quoted.length <= SHOWN_CHARS ? quoted :
                                        `${quoted.slice(0, SHOWN_CHARS)}...`;
}

function showLines(lines: string[]): string {
  const shown = lines.slice(0, SHOWN_LINES).map(show).join(', ');
  return lines.length > SHOWN_LINES ? `${shown}, ...` : shown;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/**
 * Undefined when the texts are equal; otherwise one line saying what the
 * given text changes first (lines it adds, lacks or has otherwise, with
 * the stored text's line numbers) and how many lines it adds and lacks in
 * all, e.g. `the given text has line 2 "b: 5" where the stored one has
 * "b: 2" (1 line added, 1 lacking in all)`. Lines are aligned (their
 * longest common subsequence), so that a list grown by a few entries reads
 * as those entries, not as every line below them.
 */
export function describeSpecDifference(
    stored: string, given: string): string|undefined {
  if (stored === given) return undefined;
  const a = stored.split('\n');
  const b = given.split('\n');
  if (a.length * b.length > MAX_ALIGNED_PAIRS) return placeByPlace(a, b);
  // common[i][j]: the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const common = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i * width + j] = a[i] === b[j] ?
          common[(i + 1) * width + j + 1] + 1 :
          Math.max(common[(i + 1) * width + j], common[i * width + j + 1]);
    }
  }
  const same = common[0];
  const totals = `(${count(b.length - same, 'line')} added, ${
      a.length - same} lacking in all)`;
  // The first run of lines that are not common to both.
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length && a[i] === b[j]) {
    i++;
    j++;
  }
  const lacking: string[] = [];
  const added: string[] = [];
  while (i + lacking.length < a.length || j + added.length < b.length) {
    const p = i + lacking.length;
    const q = j + added.length;
    if (p < a.length && q < b.length && a[p] === b[q] &&
        common[p * width + q] === common[(p + 1) * width + q + 1] + 1) {
      break;
    }
    if (q < b.length &&
        (p === a.length ||
         common[p * width + q + 1] >= common[(p + 1) * width + q])) {
      added.push(b[q]);
    } else {
      lacking.push(a[p]);
    }
  }
  const where = i === 0 ? 'at the start' :
      i === a.length ? 'at the end' : `after stored line ${i}`;
  if (lacking.length === 0) {
    return `the given text adds ${count(added.length, 'line')} ${where}: ${
        showLines(added)} ${totals}`;
  }
  const lines = lacking.length === 1 ? `line ${i + 1}` :
                                       `lines ${i + 1}-${i + lacking.length}`;
  if (added.length === 0) {
    return `the given text lacks stored ${lines}: ${showLines(lacking)} ${
        totals}`;
  }
  return `the given text has ${showLines(added)} where the stored one has ${
      lines} ${showLines(lacking)} ${totals}`;
}

/** The first place where the texts differ, for texts too long to align. */
function placeByPlace(a: string[], b: string[]): string {
  let first = 0;
  while (a[first] === b[first]) first++;
  return `line ${first + 1} differs (stored text has ${a.length} lines, ` +
      `given ${b.length}): stored ${show(a[first])}, given ${show(b[first])}`;
}
