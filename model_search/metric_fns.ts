/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Classification metrics on host arrays: accuracy, AUC ROC and AUC PR
 * (binary, or the mean over classes one-vs-rest), macro precision and
 * recall. Plain functions, testable without TensorFlow.js.
 */

export {HIGHER_IS_BETTER} from './metadata/trial';

/** Every metric name a trial reports; --optimization_metric takes these. */
export const METRIC_NAMES = [
  'loss', 'accuracy', 'auc_roc', 'auc_pr', 'precision', 'recall',
  'num_parameters',
] as const;

/**
 * Class probabilities of many examples in one flat array, row-major:
 * example i, class c at `values[i * classes + c]`. A large evaluation
 * set takes 4 bytes per value here rather than an array per example.
 */
export declare interface ProbabilityMatrix {
  values: Float32Array|Float64Array;
  classes: number;
}

/** Rows of probabilities as a ProbabilityMatrix (values kept exactly). */
export function probabilityMatrix(rows: number[][]): ProbabilityMatrix {
  const classes = rows.length > 0 ? rows[0].length : 0;
  const values = new Float64Array(rows.length * classes);
  rows.forEach((row, i) => values.set(row, i * classes));
  return {values, classes};
}

/** The most probable class of each example. */
export function argmaxRows(m: ProbabilityMatrix): Int32Array {
  const n = m.classes > 0 ? m.values.length / m.classes : 0;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * m.classes;
    let best = 0;
    for (let c = 1; c < m.classes; c++) {
      if (m.values[at + c] > m.values[at + best]) best = c;
    }
    out[i] = best;
  }
  return out;
}

/**
 * The metrics of one evaluation: accuracy, auc_roc, auc_pr, precision and
 * recall, from the class id of each example and its probabilities.
 */
export function evaluationMetrics(
    labels: ArrayLike<number>, probabilities: number[][]|ProbabilityMatrix,
    numClasses: number): Record<string, number> {
  const matrix = Array.isArray(probabilities) ?
      probabilityMatrix(probabilities) :
      probabilities;
  const n = labels.length;
  const predicted = argmaxRows(matrix);
  let correct = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === labels[i]) correct++;
  const metrics: Record<string, number> = {
    accuracy: n ? correct / n : NaN,
  };
  const classes = numClasses === 2 ? [1] : range(numClasses);
  const rocs: number[] = [];
  const prs: number[] = [];
  const positive = new Uint8Array(n);
  const scores = new Float64Array(n);
  for (const c of classes) {
    for (let i = 0; i < n; i++) {
      positive[i] = labels[i] === c ? 1 : 0;
      scores[i] = matrix.values[i * matrix.classes + c];
    }
    const roc = aucRoc(positive, scores);
    const pr = aucPr(positive, scores);
    if (!Number.isNaN(roc)) rocs.push(roc);
    if (!Number.isNaN(pr)) prs.push(pr);
  }
  metrics['auc_roc'] = mean(rocs);
  metrics['auc_pr'] = mean(prs);
  const precisions: number[] = [];
  const recalls: number[] = [];
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      if (predicted[i] === c && labels[i] === c) tp++;
      else if (predicted[i] === c) fp++;
      else if (labels[i] === c) fn++;
    }
    if (tp + fp > 0) precisions.push(tp / (tp + fp));
    else if (tp + fn > 0) precisions.push(0);
    if (tp + fn > 0) recalls.push(tp / (tp + fn));
  }
  metrics['precision'] = mean(precisions);
  metrics['recall'] = mean(recalls);
  return metrics;
}

/**
 * The scores of the positive and of the negative examples, each sorted
 * ascending. Sorting plain float arrays needs no index array and no
 * comparator, so large evaluation sets cost 8 bytes per example here.
 */
function splitSorted(
    positive: ArrayLike<boolean|number>, scores: ArrayLike<number>):
    {pos: Float64Array, neg: Float64Array} {
  let nPos = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) nPos++;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(positive.length - nPos);
  let p = 0;
  let q = 0;
  for (let i = 0; i < positive.length; i++) {
    if (positive[i]) {
      pos[p++] = scores[i];
    } else {
      neg[q++] = scores[i];
    }
  }
  return {pos: pos.sort(), neg: neg.sort()};
}

/**
 * Area under the ROC curve by the rank statistic (ties get half credit).
 * NaN when only one kind of example is present.
 */
export function aucRoc(
    positive: ArrayLike<boolean|number>, scores: ArrayLike<number>): number {
  // A score that is no number ranks nowhere: the area is none either.
  if (anyNaN(scores)) return NaN;
  const {pos, neg} = splitSorted(positive, scores);
  if (pos.length === 0 || neg.length === 0) return NaN;
  // For each positive, the negatives below it count 1 and those level
  // with it 1/2; both pointers only move up as the positives do.
  let below = 0;
  let level = 0;
  let credit = 0;
  for (let i = 0; i < pos.length; i++) {
    const s = pos[i];
    while (below < neg.length && neg[below] < s) below++;
    if (level < below) level = below;
    while (level < neg.length && neg[level] === s) level++;
    credit += 2 * below + (level - below);
  }
  return credit / 2 / (pos.length * neg.length);
}

/**
 * Area under the precision-recall curve as average precision (the sum of
 * precision at each threshold times the recall gained). NaN without
 * positive examples.
 */
export function aucPr(
    positive: ArrayLike<boolean|number>, scores: ArrayLike<number>): number {
  // As aucRoc; the walk below also needs every score equal to itself.
  if (anyNaN(scores)) return NaN;
  const {pos, neg} = splitSorted(positive, scores);
  if (pos.length === 0) return NaN;
  // Thresholds from the highest score down; examples level with one
  // another enter together.
  let p = pos.length - 1;
  let q = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let area = 0;
  while (p >= 0) {
    const t = q >= 0 && neg[q] > pos[p] ? neg[q] : pos[p];
    let gained = 0;
    while (p >= 0 && pos[p] === t) {
      gained++;
      p--;
    }
    while (q >= 0 && neg[q] === t) {
      fp++;
      q--;
    }
    tp += gained;
    area += gained * (tp / (tp + fp));
  }
  // Divided once at the end, so that a perfect ranking gives exactly 1.
  return area / pos.length;
}

function anyNaN(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) return true;
  }
  return false;
}

function mean(values: number[]): number {
  return values.length ?
      values.reduce((a, b) => a + b, 0) / values.length :
      NaN;
}

function range(n: number): number[] {
  return Array.from({length: n}, (_, i) => i);
}
