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

/** Every metric name a trial reports; --optimization_metric takes these. */
export const METRIC_NAMES = [
  'loss', 'accuracy', 'auc_roc', 'auc_pr', 'precision', 'recall',
  'num_parameters',
] as const;

export function evaluationMetrics(
    labels: number[], probabilities: number[][],
    numClasses: number): Record<string, number> {
  const predicted = probabilities.map((p) => {
    let best = 0;
    for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
    return best;
  });
  const correct = predicted.filter((p, i) => p === labels[i]).length;
  const metrics: Record<string, number> = {
    accuracy: labels.length ? correct / labels.length : NaN,
  };
  const classes = numClasses === 2 ? [1] : range(numClasses);
  const rocs: number[] = [];
  const prs: number[] = [];
  for (const c of classes) {
    const positive = labels.map((l) => l === c);
    const scores = probabilities.map((p) => p[c]);
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
    for (let i = 0; i < labels.length; i++) {
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
 * Area under the ROC curve by the rank statistic (ties get half credit).
 * NaN when only one kind of example is present.
 */
export function aucRoc(positive: boolean[], scores: number[]): number {
  const order = scores.map((s, i) => [s, i] as const)
                    .sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let nPos = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (positive[order[k][1]]) {
        rankSum += midRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = positive.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - nPos * (nPos + 1) / 2) / (nPos * nNeg);
}

/**
 * Area under the precision-recall curve as average precision (the sum of
 * precision at each threshold times the recall gained). NaN without
 * positive examples.
 */
export function aucPr(positive: boolean[], scores: number[]): number {
  const nPos = positive.filter((p) => p).length;
  if (nPos === 0) return NaN;
  const order = scores.map((s, i) => [s, i] as const)
                    .sort((a, b) => b[0] - a[0]);
  let tp = 0;
  let fp = 0;
  let area = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    let gained = 0;
    while (j < order.length && order[j][0] === order[i][0]) {
      if (positive[order[j][1]]) {
        tp++;
        gained++;
      } else {
        fp++;
      }
      j++;
    }
    area += gained * (tp / (tp + fp));
    i = j;
  }
  // Divided once at the end, so that a perfect ranking gives exactly 1.
  return area / nPos;
}

function mean(values: number[]): number {
  return values.length ?
      values.reduce((a, b) => a + b, 0) / values.length :
      NaN;
}

function range(n: number): number[] {
  return Array.from({length: n}, (_, i) => i);
}
