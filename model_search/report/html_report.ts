/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The study report: one self-contained HTML page (inline CSS, SVG and a
 * few lines of script to sort the table; nothing loaded from anywhere).
 * It shows the study at a glance, the objective over trials, the best
 * architecture, which blocks the best trials use, and every trial.
 */

import {rankTrials} from '../metadata/trial';
import type {Objective, Trial} from '../metadata/trial';

import {trialSeconds} from './study_summary';
import {architectureDiagram, blockFrequencies, blockFrequencyChart, escapeXml, objectivePlot} from './svg_charts';
import {architectureCell, distillationTeacher, formatMetric, formatSeconds, metricNames, modelBlocks, recordedTowers, trainedNothing} from './trial_columns';

export declare interface ReportInput {
  experimentName: string;
  experimentOwner: string;
  /** The database the trials came from, password hidden. */
  database: string;
  modelDir: string;
  objective: Objective;
  trials: Trial[];
  /** How many of the best trials the block frequencies count; default 5. */
  topK?: number;
  /** When the page was made; default now. */
  generatedAt?: Date;
  /**
   * What a reader should know of the study (directories gone, workers
   * gone: study_source.ts studyWarnings), shown above the figures.
   */
  warnings?: string[];
  /** Trials whose directory is no longer in modelDir. */
  removedDirectories?: ReadonlySet<number>;
}

/**
 * The width a full-width section gives its content (main's 1180 px less
 * its and the section's padding): the objective plot is drawn to it, so
 * that it fills the section at its own text size (it shrinks on narrower
 * screens).
 */
const PAGE_WIDTH = 1100;

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: #222; margin: 0; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 0 0 8px; }
.meta { color: #555; margin: 0 0 16px; overflow-wrap: anywhere; }
.warnings { background: #fff4e5; border: 1px solid #f0b45b;
  border-radius: 6px; padding: 8px 14px 8px 32px; margin: 0 0 16px;
  overflow-wrap: anywhere; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 16px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px;
  padding: 8px 14px; min-width: 140px; }
.card .value { font-size: 20px; font-weight: 600; }
.card .what { color: #666; font-size: 12px; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px;
  padding: 14px 16px; margin-bottom: 16px; overflow-x: auto; }
.row { display: flex; gap: 16px; flex-wrap: wrap; }
.row > section { flex: 1 1 420px; }
/* Charts shrink with their section; their viewBox keeps the drawing.
   TODO: long block names shrink the block chart's text with it; wrap or
   abbreviate them instead. */
section svg { max-width: 100%; height: auto; }
svg text { font-family: ui-monospace, "DejaVu Sans Mono", monospace;
  font-size: 12px; fill: #222; }
svg text.label, svg text.legend { font-family: system-ui, sans-serif; }
svg text.tick { fill: #555; font-size: 11px; }
svg text.empty { fill: #888; font-family: system-ui, sans-serif; }
svg text.block-index { fill: #555; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eee; text-align: left;
  vertical-align: top; white-space: nowrap; }
th { background: #f3f3f3; cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.arch { white-space: normal; font-family: ui-monospace, monospace;
  font-size: 12px; min-width: 260px; overflow-wrap: anywhere; }
/* One line per trial: the whole list is in the cell's tooltip. */
td.hparams { font-size: 12px; color: #444; max-width: 24em;
  overflow: hidden; text-overflow: ellipsis; }
tr.best td { background: #fff4e5; }
tr.state-FAILED td { color: #999; }
td.arch .reason { color: #b03030; font-family: system-ui, sans-serif;
  white-space: normal; }
tr.state-RUNNING td { color: #1f5fa8; }
.note { color: #666; font-size: 12px; margin: 6px 0 0; }
dl.hparams { display: grid; grid-template-columns: max-content 1fr;
  gap: 2px 12px; margin: 8px 0 0; font-size: 13px; }
dl.hparams dt { color: #555; }
dl.hparams dd { margin: 0; font-family: ui-monospace, monospace;
  overflow-wrap: anywhere; min-width: 0; }
`;

/** Sorts the table by a clicked header; numbers by their data-v value. */
const SCRIPT = `
(function () {
  var table = document.getElementById('trials-table');
  if (!table) return;
  var heads = table.tHead.rows[0].cells;
  function key(cell) {
    var v = cell.getAttribute('data-v');
    return v === null ? cell.textContent : (v === '' ? null : Number(v));
  }
  function sortBy(col) {
    var head = heads[col];
    var ascending = head.getAttribute('aria-sort') !== 'ascending';
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute('aria-sort');
    head.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (x === null || y === null) return x === y ? 0 : (x === null ? 1 : -1);
      var c = typeof x === 'number' ? x - y : String(x).localeCompare(y);
      return ascending ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  for (var i = 0; i < heads.length; i++) {
    heads[i].addEventListener('click', sortBy.bind(null, i));
  }
})();
`;

/** The metric columns of the table: the objective first, then by name. */
function tableMetrics(trials: Trial[], objective: Objective): string[] {
  return metricNames(trials).sort((a, b) =>
      Number(b === objective.metric) - Number(a === objective.metric) ||
      a.localeCompare(b));
}

function cell(text: string, value?: number|string|undefined,
              className?: string, title?: string): string {
  const v = value === undefined ? '' : ` data-v="${escapeXml(String(value))}"`;
  const c = className ? ` class="${className}"` : '';
  const t = title ? ` title="${escapeXml(title)}"` : '';
  return `<td${c}${v}${t}>${escapeXml(text)}</td>`;
}

function trialsTable(trials: Trial[], objective: Objective,
                     bestId: number|undefined, rank: Map<number, number>):
    string {
  const metrics = tableMetrics(trials, objective);
  // A trial's directory is its id but where a study said otherwise: the
  // column is shown only then (it pushed the table past the page).
  const directories = trials.some(
      (t) => t.directory !== undefined && t.directory !== String(t.id));
  // The hyperparameters, one long line a trial, last.
  const heads = ['rank', 'id', 'state', 'depth', 'architecture', ...metrics,
                 'seconds', ...(directories ? ['directory'] : []),
                 'hyperparameters'];
  const rows = [...trials].sort((a, b) => a.id - b.id).map((t) => {
    const classes = [`state-${t.state}`];
    if (t.id === bestId) classes.push('best');
    const r = rank.get(t.id);
    const hparams = trainedNothing(t) ? NOT_TRAINED :
        Object.entries(t.hparams).sort(([a], [b]) =>
        a.localeCompare(b)).map(([k, v]) =>
        `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
        .join(', ');
    const seconds = trialSeconds(t);
    return `<tr class="${classes.join(' ')}" data-trial-id="${t.id}">` + [
      cell(r === undefined ? '' : String(r), r ?? '', 'num'),
      cell(String(t.id), t.id, 'num'),
      cell(t.state, undefined, undefined, t.failureReason),
      cell(String(t.architecture.length), t.architecture.length, 'num'),
      architectureWithReason(t),
      ...metrics.map((m) => {
        const v = t.metrics?.[m];
        return cell(formatMetric(m, v), v === undefined || Number.isNaN(v) ?
                    '' : v, 'num');
      }),
      cell(formatSeconds(seconds), seconds ?? '', 'num'),
      ...(directories ? [cell(t.directory ?? '', undefined)] : []),
      cell(hparams, undefined, 'hparams', hparams),
    ].join('') + '</tr>';
  });
  return `<table id="trials-table"><thead><tr>${
      heads.map((h) => `<th scope="col">${escapeXml(h)}</th>`).join('')
      }</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/**
 * The architecture cell; a failed trial's reason below it, where it is
 * seen without hovering (its metric cells are empty).
 */
function architectureWithReason(t: Trial): string {
  const text = architectureCell(t, t.architecture.join(' \u2192 '));
  if (t.state !== 'FAILED' || !t.failureReason) {
    return cell(text, undefined, 'arch');
  }
  return `<td class="arch">${escapeXml(text)}<div class="reason">${
      escapeXml(t.failureReason)}</div></td>`;
}

function card(value: string, what: string): string {
  return `<div class="card"><div class="value">${escapeXml(value)}</div>` +
         `<div class="what">${escapeXml(what)}</div></div>`;
}

/** The whole page. */
/** What the best-trial card says under the trial's id. */
/**
 * The page's generator meta tag: `cli report` replaces an existing --out
 * file only if it holds this (or an older page's owner line), so that a
 * slip of the name cannot overwrite a study's database or models.
 */
export const REPORT_GENERATOR = 'model_search cli report';

/**
 * Shown for an ensemble that trained nothing instead of its hyperparameters,
 * which were drawn (the tuner sees every trial's) but never used.
 */
const NOT_TRAINED = '(none used: an average of frozen towers trains nothing)';

function bestTrialCaption(best: Trial): string {
  const towers = recordedTowers(best).length;
  if (towers > 0) return `best trial: ${towers} tower${towers === 1 ? '' : 's'}`;
  const blocks = best.architecture.length;
  return `best trial: ${blocks} block${blocks === 1 ? '' : 's'}`;
}

export function renderReport(input: ReportInput): string {
  const {objective, trials} = input;
  const generatedAt = input.generatedAt ?? new Date();
  const ranked = rankTrials(trials, objective).filter(
      (t) => Number.isFinite(t.metrics?.[objective.metric]));
  const rank = new Map(ranked.map((t, i) => [t.id, i + 1]));
  const best = ranked[0];
  const topK = Math.min(Math.max(1, input.topK ?? 5), ranked.length);
  const count = (s: Trial['state']) =>
      trials.filter((t) => t.state === s).length;
  const title = `Model Search: ${input.experimentName}`;

  const cards = [
    card(String(trials.length), `trials (${count('COMPLETED')} completed, ${
        count('FAILED')} failed, ${count('RUNNING')} running)`),
    card(best ? formatMetric(objective.metric,
                             best.metrics![objective.metric]) : 'n/a',
         `best ${objective.metric} (${objective.goal})`),
    card(best ? `trial ${best.id}` : 'none', best ?
         bestTrialCaption(best) : 'best trial'),
  ];
  if (best?.metrics?.['accuracy'] !== undefined &&
      objective.metric !== 'accuracy') {
    cards.push(card(formatMetric('accuracy', best.metrics['accuracy']),
                    'accuracy of the best trial'));
  }

  let bestSection = '<p class="note">No completed trial yet.</p>';
  if (best !== undefined) {
    const hparams = Object.entries(best.hparams).sort(([a], [b]) =>
        a.localeCompare(b)).map(([k, v]) =>
        `<dt>${escapeXml(k)}</dt><dd>${escapeXml(String(v))}</dd>`).join('');
    const towers = recordedTowers(best);
    const teacher = distillationTeacher(best);
    const diagrams = towers.length === 0 ?
        architectureDiagram(best.architecture) :
        towers.map((tower) => `<h3>${escapeXml(tower.name)} (${
            tower.sourceTrialId === undefined ?
                (teacher === undefined ? 'trained from scratch' :
                                         `trained from scratch, distilled ` +
                                             `from trial ${teacher}`) :
                `from trial ${tower.sourceTrialId}${
                    tower.frozen ? ', frozen' : ''}`})</h3>\n${
            architectureDiagram(tower.architecture)}`).join('\n');
    bestSection = `${diagrams}\n` +
        (trainedNothing(best) ?
             `<p class="note">${escapeXml(NOT_TRAINED)}</p>` :
             `<dl class="hparams">${hparams}</dl>`) +
        (best.directory ? `<p class="note">In ${escapeXml(
            `${input.modelDir}/${best.directory}`)}${
            input.removedDirectories?.has(best.id) ?
                ' (directory removed: no model to predict with)' :
                ''}</p>` :
                          '');
  }
  // An ensemble's blocks are its towers', its members' included.
  const frequencies = blockFrequencies(ranked.slice(0, topK).map(
      (t) => ({...t, architecture: modelBlocks(t)})));

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${REPORT_GENERATOR}">
<title>${escapeXml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeXml(title)}</h1>
<p class="meta">Owner ${escapeXml(input.experimentOwner)} &middot; ${
    escapeXml(input.database)} &middot; model_dir ${
    escapeXml(input.modelDir)} &middot; generated ${
    escapeXml(generatedAt.toISOString())}</p>
${(input.warnings ?? []).length === 0 ? '' :
      `<ul class="warnings">${input.warnings!.map(
          (w) => `<li>${escapeXml(w.replace(/^warning: /, ''))}</li>`)
          .join('')}</ul>\n`}<div class="cards">${cards.join('')}</div>
<section id="objective">
<h2>${escapeXml(objective.metric)} over trials</h2>
${objectivePlot(trials, objective, PAGE_WIDTH)}
<p class="note">Each point is one completed trial (hover for its value);
the line is the best ${escapeXml(objective.metric)} found so far
(${objective.goal === 'maximize' ? 'higher' : 'lower'} is better).</p>
</section>
<div class="row">
<section id="best-architecture">
<h2>Best architecture${best ? ` (trial ${best.id})` : ''}</h2>
${bestSection}
</section>
<section id="blocks">
<h2>Blocks in the best ${topK} trial${topK === 1 ? '' : 's'}</h2>
${blockFrequencyChart(frequencies, topK)}
<p class="note">How often each block appears in the ${topK} best trials by
${escapeXml(objective.metric)}, repeats counted; an ensemble counts the
towers of its members.</p>
</section>
</div>
<section id="trials">
<h2>Trials</h2>
${trialsTable(trials, objective, best?.id, rank)}
<p class="note">Click a column to sort; the best trial is highlighted.</p>
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
