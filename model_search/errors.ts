/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Error types shared by every package; each message says what, where, fix. */

/** A value given by the user (flag, spec field, data cell) is invalid. */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** An option or value names behaviour that is not implemented. */
export class NotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotImplementedError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Bad user input found before any training started. The binary maps it to
 * exit code 2 and writes nothing to the model directory.
 */
export class UsageError extends ValueError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * The search cannot go on, for a reason its message names (trial after
 * trial failing, say). The binary prints the message without a stack trace
 * and exits with 1.
 */
export class SearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * A block could not build one tower: its build() threw, or returned
 * something other than a non-empty list of tensors. Like a failed training,
 * it fails that trial (the message names the block and why) and the search
 * goes on: another architecture may put the block where it fits.
 */
export class BlockBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockBuildError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Returns the candidate closest to `name` by edit distance, or undefined
 * when none is close enough to be a plausible typo.
 */
export function closestMatch(
    name: string, candidates: Iterable<string>): string|undefined {
  // Read twice below; an iterator (a Map's keys) would be spent.
  const list = [...candidates];
  let best: string|undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Short names are wholly changed by 2 edits ("f1" is 2 from "id"): 1.
  const limit =
      name.length <= 3 ? 1 : Math.max(2, Math.floor(name.length / 3));
  if (bestDistance <= limit) return best;
  // An abbreviation ("acc" for "accuracy"), when only one name starts so
  // and is not much longer (a line read as one cell starts with anything).
  const lower = name.toLowerCase();
  const extending = name.length >= 3 ?
      list.filter((c) => c.length <= 3 * name.length &&
                      c.toLowerCase().startsWith(lower)) :
      [];
  return extending.length === 1 ? extending[0] : undefined;
}

/** Levenshtein distance with unit costs. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** `; did you mean "x"?` or the empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const match = closestMatch(name, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}
