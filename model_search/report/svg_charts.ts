/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The pictures of the HTML report as inline SVG strings: the objective of
 * each trial with the best so far, an architecture as its stack of
 * blocks, and how often each block appears among the best trials. Pure
 * functions of the trials; no DOM, no script.
 */

import {rankTrials} from '../metadata/trial';
import type {Objective, Trial} from '../metadata/trial';

import {distillationTeacher, ensembleMembers, formatMetric} from './trial_columns';

/** Colours of the plot, also used by the page's legend and tests. */
export const COLORS = {
  point: '#1f77b4',
  ensemble: '#9467bd',
  student: '#17becf',
  best: '#ff7f0e',
  bestSoFar: '#2ca02c',
  failed: '#d62728',
  axis: '#555555',
  grid: '#e6e6e6',
  io: '#e0e0e0',
} as const;

/**
 * Format characters that reorder or hide the text around them (the
 * bidirectional marks, overrides and isolates, the zero-width ones): a
 * name holding one (a right-to-left override in a path) would reverse
 * the rest of its line on the page.
 */
const FORMAT_CHARACTERS =
    /[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Escapes text for HTML and SVG content and attribute values; format
 * characters are shown as their \u escapes, as the log shows them.
 */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;')
      .replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
      .replace(FORMAT_CHARACTERS,
               (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A stable pastel fill and a darker stroke for a block name. */
export function blockColor(name: string): {fill: string, stroke: string} {
  let hash = 0;
  for (let i = 0; i < name.length; i++) {
    hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  }
  const hue = hash % 360;
  return {fill: `hsl(${hue}, 60%, 86%)`, stroke: `hsl(${hue}, 45%, 40%)`};
}

/**
 * About `count` round tick values covering [min, max] (steps of 1, 2 or 5
 * times a power of ten).
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  // Of the round steps around `raw`, the one whose tick count is closest
  // to `count` (the coarser one on a tie).
  let best: number[] = [];
  for (const multiple of [10, 5, 2, 1]) {
    const ticks = ticksWithStep(min, max, multiple * power);
    if (best.length === 0 ||
        Math.abs(ticks.length - count) < Math.abs(best.length - count)) {
      best = ticks;
    }
  }
  return best;
}

function ticksWithStep(min: number, max: number, step: number): number[] {
  const ticks: number[] = [];
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9;
       i++) {
    ticks.push(Number((i * step).toPrecision(12)));
  }
  return ticks;
}

const f = (x: number) => Number(x.toFixed(2)).toString();

/** The objective value of a trial, when it has a finite one. */
function objectiveValue(trial: Trial, objective: Objective): number|undefined {
  const v = trial.metrics?.[objective.metric];
  return trial.state === 'COMPLETED' && typeof v === 'number' &&
          Number.isFinite(v) ? v : undefined;
}

/**
 * Each trial's objective against its id, the best so far as a step line,
 * the best trial ringed and failed trials as crosses on the x axis.
 */
export function objectivePlot(
    trials: Trial[], objective: Objective, width = 760, height = 320):
    string {
  const margin = {left: 70, right: 20, top: 34, bottom: 46};
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const byId = [...trials].sort((a, b) => a.id - b.id);
  const scored = byId.filter((t) => objectiveValue(t, objective) !== undefined);
  const parts: string[] = [
    `<svg id="objective-plot" xmlns="http://www.w3.org/2000/svg" ` +
        `width="${width}" height="${height}" viewBox="0 0 ${width} ${
        height}" role="img" aria-label="${escapeXml(
        `${objective.metric} of each trial`)}">`,
  ];
  if (scored.length === 0) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" ` +
               `text-anchor="middle" class="empty">no completed trial has ${
                   escapeXml(objective.metric)} yet</text></svg>`);
    return parts.join('\n');
  }
  const values = scored.map((t) => objectiveValue(t, objective)!);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.08;
    lo -= pad;
    hi += pad;
  }
  const minId = byId[0].id;
  const maxId = byId[byId.length - 1].id;
  const x = (id: number) =>
      margin.left + (id - minId + 0.5) / (maxId - minId + 1) * plotW;
  const y = (v: number) => margin.top + (hi - v) / (hi - lo) * plotH;
  const bottom = margin.top + plotH;

  // Grid, axes and ticks.
  for (const tick of niceTicks(lo, hi, 5)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${
        f(y(tick))}" y2="${f(y(tick))}" stroke="${COLORS.grid}"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${f(y(tick) + 4)}" ` +
               `text-anchor="end" class="tick">${tick}</text>`);
  }
  const idStep = Math.max(1, Math.ceil((maxId - minId + 1) / 15));
  for (let id = minId; id <= maxId; id += idStep) {
    parts.push(`<line x1="${f(x(id))}" x2="${f(x(id))}" y1="${bottom}" ` +
               `y2="${bottom + 5}" stroke="${COLORS.axis}"/>`);
    parts.push(`<text x="${f(x(id))}" y="${bottom + 18}" ` +
               `text-anchor="middle" class="tick">${id}</text>`);
  }
  parts.push(`<path d="M${margin.left},${margin.top}V${bottom}H${
      margin.left + plotW}" fill="none" stroke="${COLORS.axis}"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 6}" ` +
             `text-anchor="middle" class="label">trial id</text>`);
  parts.push(`<text transform="translate(16 ${margin.top + plotH / 2}) ` +
             `rotate(-90)" text-anchor="middle" class="label">${
                 escapeXml(objective.metric)} (${objective.goal})</text>`);

  // Best so far, in the order trials were handed out.
  const better = (a: number, b: number) =>
      objective.goal === 'maximize' ? a > b : a < b;
  let best: number|undefined;
  let bestTrial: Trial|undefined;
  const steps: string[] = [];
  for (const t of scored) {
    const v = objectiveValue(t, objective)!;
    if (best === undefined) {
      best = v;
      bestTrial = t;
      steps.push(`M${f(x(t.id))},${f(y(v))}`);
    } else if (better(v, best)) {
      best = v;
      bestTrial = t;
      steps.push(`H${f(x(t.id))}V${f(y(v))}`);
    }
  }
  steps.push(`H${f(x(maxId))}`);
  parts.push(`<path class="best-so-far" d="${steps.join('')}" fill="none" ` +
             `stroke="${COLORS.bestSoFar}" stroke-width="2"/>`);

  // The best as every list ranks it (ties by loss), which the step line,
  // drawn in id order, may reach first at an equal earlier trial.
  const ringed = rankTrials(scored, objective)[0] ?? bestTrial!;
  const kinds = new Set<string>();
  for (const t of scored) {
    const v = objectiveValue(t, objective)!;
    const isBest = t.id === ringed.id;
    const kind = pointKind(t);
    kinds.add(kind);
    const tip = `trial ${t.id}${kind === 'trial' ? '' : ` (${kind})`}: ${
        objective.metric}=${formatMetric(objective.metric, v)}${
        isBest ? ' (best)' : ''}`;
    const [cx, cy] = [x(t.id), y(v)];
    if (isBest) {
      parts.push(`<circle cx="${f(cx)}" cy="${f(cy)}" r="9" ` +
                 `fill="none" stroke="${COLORS.best}" stroke-width="3"/>`);
    }
    parts.push(`<g class="trial-point" data-trial-id="${t.id}" data-kind="${
        kind}">${pointMark(kind, cx, cy)}<title>${
        escapeXml(tip)}</title></g>`);
  }
  const failed = byId.filter((t) => t.state === 'FAILED');
  for (const t of failed) {
    const cx = x(t.id);
    const cy = bottom - 8;
    parts.push(`<path class="failed-mark" d="M${f(cx - 4)},${f(cy - 4)}L${
        f(cx + 4)},${f(cy + 4)}M${f(cx - 4)},${f(cy + 4)}L${f(cx + 4)},${
        f(cy - 4)}" stroke="${COLORS.failed}" stroke-width="2">` +
        `<title>${escapeXml(`trial ${t.id} FAILED${
            t.failureReason ? `: ${t.failureReason}` : ''}`)}</title></path>`);
  }

  // Legend.
  const legend: Array<[string, string]> = [
    ...POINT_KINDS.filter((k) => kinds.has(k))
        .map((k): [string, string] => [pointMark(k, 6, 0), k]),
    [`<line x1="0" x2="14" y1="0" y2="0" stroke="${COLORS.bestSoFar}" ` +
         'stroke-width="2"/>', 'best so far'],
    [`<circle cx="6" cy="0" r="6" fill="none" stroke="${COLORS.best}" ` +
         'stroke-width="3"/>', `best: trial ${ringed.id}`],
  ];
  if (failed.length > 0) {
    legend.push([`<path d="M2,-4L10,4M2,4L10,-4" stroke="${COLORS.failed}" ` +
                 'stroke-width="2"/>', `failed (${failed.length})`]);
  }
  let lx = margin.left;
  for (const [mark, label] of legend) {
    parts.push(`<g transform="translate(${lx} 16)">${mark}<text x="20" ` +
               `y="4" class="legend">${escapeXml(label)}</text></g>`);
    lx += 34 + label.length * 7;
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** What a point of the objective plot stands for, each its own mark. */
const POINT_KINDS = ['trial', 'ensemble', 'student'] as const;
type PointKind = typeof POINT_KINDS[number];

function pointKind(t: Trial): PointKind {
  if (distillationTeacher(t) !== undefined) return 'student';
  return ensembleMembers(t).length > 0 ? 'ensemble' : 'trial';
}

/** A dot for a searched trial, a diamond for an ensemble, a triangle for a
 * distillation student, centred on (cx, cy). */
function pointMark(kind: PointKind, cx: number, cy: number): string {
  switch (kind) {
    case 'ensemble':
      return `<path d="M${f(cx)},${f(cy - 6)}L${f(cx + 6)},${f(cy)}L${
          f(cx)},${f(cy + 6)}L${f(cx - 6)},${f(cy)}Z" fill="${
          COLORS.ensemble}"/>`;
    case 'student':
      return `<path d="M${f(cx)},${f(cy - 6)}L${f(cx + 6)},${f(cy + 5)}L${
          f(cx - 6)},${f(cy + 5)}Z" fill="${COLORS.student}"/>`;
    default:
      return `<circle cx="${f(cx)}" cy="${f(cy)}" r="5" fill="${
          COLORS.point}"/>`;
  }
}

/** Approximate width of monospace text at the page's 12px. */
const CHAR_WIDTH = 7.4;

/**
 * An architecture as boxes from the input (top) to the logits (bottom),
 * one per block, numbered in order.
 */
export function architectureDiagram(blocks: string[]): string {
  const boxH = 30;
  const gap = 18;
  const labels = ['input', ...blocks, 'logits'];
  const boxW = Math.max(240, Math.ceil(
      Math.max(...labels.map((l) => l.length)) * CHAR_WIDTH + 56));
  const width = boxW + 20;
  const height = labels.length * (boxH + gap) - gap + 20;
  const parts = [
    `<svg id="architecture" xmlns="http://www.w3.org/2000/svg" width="${
        width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
        `role="img" aria-label="architecture: ${escapeXml(
        blocks.join(', '))}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" ' +
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
        `<path d="M0,0L10,5L0,10z" fill="${COLORS.axis}"/></marker></defs>`,
  ];
  labels.forEach((label, i) => {
    const top = 10 + i * (boxH + gap);
    const io = i === 0 || i === labels.length - 1;
    const {fill, stroke} = io ? {fill: COLORS.io, stroke: '#999999'} :
                                blockColor(label);
    parts.push(`<g class="${io ? 'io-box' : 'block-box'}" data-block="${
        escapeXml(label)}">` +
        `<rect x="10" y="${top}" width="${boxW}" height="${boxH}" rx="5" ` +
        `fill="${fill}" stroke="${stroke}"/>` +
        (io ? '' : `<text x="22" y="${top + 19}" class="block-index">${
            i}</text>`) +
        `<text x="${io ? 10 + boxW / 2 : 44}" y="${top + 19}" ${
            io ? 'text-anchor="middle" ' : ''}class="block-name">${
            escapeXml(label)}</text></g>`);
    if (i > 0) {
      parts.push(`<line x1="${10 + boxW / 2}" x2="${10 + boxW / 2}" y1="${
          top - gap}" y2="${top - 2}" stroke="${COLORS.axis}" ` +
          'marker-end="url(#arrow)"/>');
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** How often a block appears among some trials. */
export declare interface BlockCount {
  block: string;
  /** Times it appears, counting repeats within a trial. */
  occurrences: number;
  /** Trials holding it at least once. */
  trials: number;
}

/** Block counts over `trials`, most frequent first (then by name). */
export function blockFrequencies(trials: Trial[]): BlockCount[] {
  const counts = new Map<string, BlockCount>();
  for (const t of trials) {
    for (const block of t.architecture) {
      const c = counts.get(block) ?? {block, occurrences: 0, trials: 0};
      c.occurrences++;
      counts.set(block, c);
    }
    for (const block of new Set(t.architecture)) counts.get(block)!.trials++;
  }
  return [...counts.values()].sort((a, b) => b.occurrences - a.occurrences ||
                                   b.trials - a.trials ||
                                   a.block.localeCompare(b.block));
}

/** Horizontal bars: each block's occurrences among `trialCount` trials. */
export function blockFrequencyChart(
    counts: BlockCount[], trialCount: number): string {
  // Each name above its bar: beside it, long names (32 characters, as
  // FIXED_OUTPUT_FULLY_CONNECTED_128) made the chart wider than its half
  // of the page, which then shrank its text to 8 px.
  const rowH = 40;
  const labelW = Math.ceil(
      Math.max(8, ...counts.map((c) => c.block.length)) * CHAR_WIDTH + 16);
  const barMax = 260;
  const width = Math.max(labelW, barMax + 170);
  const height = Math.max(1, counts.length) * rowH + 16;
  const parts = [
    `<svg id="block-frequency" xmlns="http://www.w3.org/2000/svg" width="${
        width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
        'role="img" aria-label="block frequency among the best trials">',
  ];
  if (counts.length === 0) {
    parts.push(`<text x="8" y="24" class="empty">no completed trial ` +
               'yet</text></svg>');
    return parts.join('\n');
  }
  const most = counts[0].occurrences;
  counts.forEach((c, i) => {
    const top = 8 + i * rowH;
    const w = Math.max(2, c.occurrences / most * barMax);
    const {fill, stroke} = blockColor(c.block);
    parts.push(`<g class="frequency-bar" data-block="${escapeXml(c.block)}" ` +
        `data-occurrences="${c.occurrences}">` +
        `<text x="0" y="${top + 11}" class="block-name">${
            escapeXml(c.block)}</text>` +
        `<rect x="0" y="${top + 16}" width="${f(w)}" height="16" fill="${
            fill}" stroke="${stroke}"/>` +
        `<text x="${f(w + 8)}" y="${top + 29}" class="count">${
            c.occurrences}&#215; in ${c.trials} of ${trialCount}</text></g>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
