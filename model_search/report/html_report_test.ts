/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import type {Trial} from '../metadata/trial';

import {renderReport} from './html_report';
import type {ReportInput} from './html_report';
import {architectureDiagram, blockFrequencies, escapeXml, niceTicks, objectivePlot} from './svg_charts';

const TRIALS: Trial[] = [
  {id: 1, state: 'COMPLETED', architecture: ['A', 'B'], hparams: {lr: 0.1},
   metrics: {loss: 0.5, accuracy: 0.7}, directory: '1'},
  {id: 2, state: 'COMPLETED', architecture: ['B', 'B', 'C'], hparams: {},
   metrics: {loss: 0.2, accuracy: 0.9}, directory: '2'},
  {id: 3, state: 'FAILED', architecture: ['<script>x</script>'], hparams: {},
   failureReason: 'bad & worse'},
  {id: 4, state: 'COMPLETED', architecture: ['A'], hparams: {},
   metrics: {loss: 0.3, accuracy: 0.8}, directory: '4'},
];

function input(trials: Trial[]): ReportInput {
  return {
    experimentName: 'study <1>',
    experimentOwner: 'me',
    database: 'sqlite:/x/model_search.db',
    modelDir: '/x',
    objective: {metric: 'loss', goal: 'minimize'},
    trials,
    generatedAt: new Date('2026-01-01T00:00:00Z'),
  };
}

/** The <tr> elements of the trials table body. */
function bodyRows(html: string): string[] {
  const body = /<table id="trials-table">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/
      .exec(html)![1];
  return body.match(/<tr[\s>][\s\S]*?<\/tr>/g) ?? [];
}

describe('renderReport', () => {
  it('draws every tower of a best trial that is an ensemble', () => {
    const ensemble: Trial = {
      id: 5, state: 'COMPLETED', kind: 'ensemble', architecture: ['D'],
      hparams: {}, metrics: {loss: 0.1}, directory: '5',
      extra: {
        members: [2],
        towers: [
          {name: 'prior_generator_0', architecture: ['B', 'C'],
           hparams: {}, source: {trialId: 2, tower: 'search_generator_0'},
           frozen: true},
          {name: 'search_generator_0', architecture: ['D'], hparams: {},
           frozen: false},
        ],
      },
    };
    const html = renderReport(input([...TRIALS, ensemble]));
    const best = /<section id="best-architecture">([\s\S]*?)<\/section>/
        .exec(html)![1];

    assert.ok(best.includes(
        '<h3>prior_generator_0 (from trial 2, frozen)</h3>'), best);
    assert.ok(best.includes(
        '<h3>search_generator_0 (trained from scratch)</h3>'), best);
    assert.ok(best.includes(architectureDiagram(['B', 'C'])), best);
    assert.ok(best.includes(architectureDiagram(['D'])), best);
    assert.ok(html.includes('best trial: 2 towers'));
  });

  it('counts the towers of an ensemble\'s members among the best blocks',
     () => {
       const ensemble: Trial = {
         id: 5, state: 'COMPLETED', kind: 'ensemble', architecture: [],
         hparams: {}, metrics: {loss: 0.1}, directory: '5',
         extra: {
           members: [2, 4],
           towers: [
             {name: 'prior_generator_0', architecture: ['B', 'B', 'C'],
              hparams: {}, source: {trialId: 2, tower: 'search_generator_0'},
              frozen: true},
             {name: 'prior_generator_1', architecture: ['A'], hparams: {},
              source: {trialId: 4, tower: 'search_generator_0'},
              frozen: true},
           ],
         },
       };
       const html = renderReport({...input([...TRIALS, ensemble]), topK: 2});
       const bars = /<svg id="block-frequency"[\s\S]*?<\/svg>/.exec(html)![0];

       // Trials 5 and 2: B twice in each, C once in each, A in trial 5.
       assert.deepEqual(
           [...bars.matchAll(/data-block="([^"]+)" data-occurrences="(\d+)"/g)]
               .map((m) => [m[1], Number(m[2])]),
           [['B', 4], ['C', 2], ['A', 1]]);
     });

  it('says which trial a best distillation student learned from', () => {
    const student: Trial = {
      id: 6, state: 'COMPLETED', kind: 'distillation', architecture: ['E'],
      hparams: {}, metrics: {loss: 0.05}, directory: '6',
      extra: {
        teacherTrialId: 2,
        towers: [{name: 'search_generator_0', architecture: ['E'],
                  hparams: {}, frozen: false}],
      },
    };
    const html = renderReport(input([...TRIALS, student]));

    assert.ok(html.includes('<h3>search_generator_0 (trained from scratch, ' +
                            'distilled from trial 2)</h3>'));
    const row = bodyRows(html).find((r) => r.includes('data-trial-id="6"'))!;
    assert.ok(row.includes('E (student of trial 2)'), row);
  });

  it('shows no hyperparameters for an ensemble that trained nothing', () => {
    const average: Trial = {
      id: 7, state: 'COMPLETED', kind: 'ensemble', architecture: [],
      hparams: {learning_rate: 2e-6, optimizer: 'sgd'},
      metrics: {loss: 0.01}, directory: '7', extra: {members: [1, 2]},
    };
    const trained: Trial = {...average, id: 8, metrics: {loss: 0.02,
                                                       train_loss: 0.03}};
    const html = renderReport(input([...TRIALS, average, trained]));
    const best = /<section id="best-architecture">([\s\S]*?)<\/section>/
        .exec(html)![1];
    const rows = bodyRows(html);
    const row = (id: number) =>
        rows.find((r) => r.includes(`data-trial-id="${id}"`))!;

    assert.ok(!best.includes('learning_rate'), best);
    assert.ok(best.includes('(none used: an average of frozen towers ' +
                            'trains nothing)'), best);
    assert.ok(!row(7).includes('learning_rate'), row(7));
    assert.ok(row(8).includes('learning_rate=0.000002'), row(8));
  });

  it('says when the best trial\'s directory was removed', () => {
    const kept = renderReport(input(TRIALS));
    const removed = renderReport(
        {...input(TRIALS), removedDirectories: new Set([2])});

    assert.ok(kept.includes('<p class="note">In /x/2</p>'), kept);
    assert.ok(removed.includes(
        '<p class="note">In /x/2 (directory removed: no model to predict ' +
        'with)</p>'));
  });

  it('has one table row per trial, the best highlighted', () => {
    const rows = bodyRows(renderReport(input(TRIALS)));

    assert.equal(rows.length, 4);
    assert.deepEqual(rows.map((r) => /data-trial-id="(\d+)"/.exec(r)![1]),
                     ['1', '2', '3', '4']);
    assert.match(rows[1], /class="state-COMPLETED best"/);
    assert.equal(rows.filter((r) => r.includes(' best"')).length, 1);
  });

  it('shows why a trial failed below its architecture', () => {
    const rows = bodyRows(renderReport(input(TRIALS)));

    assert.match(rows[2], /<td class="arch">&lt;script&gt;x&lt;\/script&gt;<div class="reason">bad &amp; worse<\/div><\/td>/);
    // Directories equal to the ids get no column; hyperparameters last.
    const html = renderReport(input(TRIALS));
    assert.doesNotMatch(html, />directory<\/th>/);
    assert.match(html, />seconds<\/th><th scope="col">hyperparameters<\/th><\/tr>/);
  });

  it('escapes names from the study', () => {
    const html = renderReport(input(TRIALS));

    assert.ok(!html.includes('<script>x</script>'));
    assert.ok(html.includes('&lt;script&gt;x&lt;/script&gt;'));
    assert.ok(html.includes('study &lt;1&gt;'));
    assert.ok(html.includes('title="bad &amp; worse"'));
  });

  it('shows the study\'s warnings above the figures, escaped', () => {
    const html = renderReport({
      ...input(TRIALS),
      warnings: ['warning: trial 2 is COMPLETED but /x lacks <its> directory'],
    });

    assert.match(html, /<ul class="warnings"><li>trial 2 is COMPLETED but \/x lacks &lt;its&gt; directory<\/li><\/ul>\s*<div class="cards">/);
    assert.ok(!renderReport(input(TRIALS)).includes('class="warnings"'));
  });

  it('loads nothing from elsewhere', () => {
    const html = renderReport(input(TRIALS));

    const references = html.match(/\b(?:src|href)\s*=|url\((?!#)|@import/g);
    assert.equal(references, null);
    const urls = (html.match(/https?:\/\/[^\s"']+/g) ?? []).filter(
        (u) => u !== 'http://www.w3.org/2000/svg');
    assert.deepEqual(urls, []);
  });

  it('draws the best architecture and the block counts', () => {
    const html = renderReport({...input(TRIALS), topK: 2});

    assert.match(html, /Best architecture \(trial 2\)/);
    const arch = /<svg id="architecture"[\s\S]*?<\/svg>/.exec(html)![0];
    assert.deepEqual(
        [...arch.matchAll(/class="block-box" data-block="([^"]+)"/g)]
            .map((m) => m[1]), ['B', 'B', 'C']);
    const bars = /<svg id="block-frequency"[\s\S]*?<\/svg>/.exec(html)![0];
    assert.deepEqual(
        [...bars.matchAll(/data-block="([^"]+)" data-occurrences="(\d+)"/g)]
            .map((m) => [m[1], Number(m[2])]),
        [['B', 2], ['A', 1], ['C', 1]]);
    assert.match(html, /Blocks in the best 2 trials/);
  });

  it('says so when no trial completed', () => {
    const html = renderReport(input([TRIALS[2]]));

    assert.match(html, /no completed trial has loss yet/);
    assert.match(html, /No completed trial yet\./);
    assert.equal(bodyRows(html).length, 1);
  });
});

describe('objectivePlot', () => {
  it('draws a point per completed trial and steps down to the best', () => {
    const svg = objectivePlot(TRIALS, {metric: 'loss', goal: 'minimize'});

    const points = [...svg.matchAll(/class="trial-point" data-trial-id="(\d+)"/g)]
        .map((m) => Number(m[1]));
    assert.deepEqual(points, [1, 2, 4]);
    assert.equal(svg.match(/class="failed-mark"/g)!.length, 1);
    // Best so far: starts at trial 1, improves at trial 2, then flat.
    const d = /class="best-so-far" d="([^"]+)"/.exec(svg)![1];
    assert.equal(d.match(/V/g)!.length, 1);
    assert.match(svg, /<title>trial 2: loss=0\.2000 \(best\)<\/title>/);
  });

  it('marks ensembles and students apart, and rings the best by rank', () => {
    const trials: Trial[] = [
      {id: 1, state: 'COMPLETED', architecture: ['A'], hparams: {},
       metrics: {accuracy: 1, loss: 0.3}},
      {id: 2, state: 'COMPLETED', architecture: [], hparams: {},
       metrics: {accuracy: 0.9, loss: 0.2}, kind: 'ensemble',
       extra: {members: [1], towers: [], mode: 'ENSEMBLE_SEARCH'}},
      {id: 3, state: 'COMPLETED', architecture: ['A'], hparams: {},
       metrics: {accuracy: 1, loss: 0.1}, kind: 'distillation',
       extra: {teacherTrialId: 1}},
    ];

    const svg = objectivePlot(trials, {metric: 'accuracy', goal: 'maximize'});

    assert.deepEqual(
        [...svg.matchAll(/data-trial-id="(\d+)" data-kind="(\w+)"/g)]
            .map((m) => `${m[1]}:${m[2]}`),
        ['1:trial', '2:ensemble', '3:student']);
    // Accuracy 1 twice: the lower loss, trial 3, is the best, as ranked.
    assert.match(svg, /<title>trial 3 \(student\): accuracy=1\.0000 \(best\)<\/title>/);
    assert.match(svg, />best: trial 3</);
    assert.match(svg, />ensemble<\/text>/);
  });

  it('follows a maximized objective', () => {
    const svg = objectivePlot(TRIALS, {metric: 'accuracy', goal: 'maximize'});

    assert.match(svg, /<title>trial 2: accuracy=0\.9000 \(best\)<\/title>/);
  });
});

describe('niceTicks', () => {
  const rows: Array<[number, number, number[]]> = [
    [0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0.13, 0.71, [0.2, 0.3, 0.4, 0.5, 0.6, 0.7]],
    [5, 5, [5]],
  ];
  for (const [lo, hi, expected] of rows) {
    it(`covers [${lo}, ${hi}] with round values`, () => {
      assert.deepEqual(niceTicks(lo, hi, 5), expected);
    });
  }
});

describe('blockFrequencies', () => {
  it('counts repeats and trials', () => {
    assert.deepEqual(blockFrequencies(TRIALS.slice(0, 2)), [
      {block: 'B', occurrences: 3, trials: 2},
      {block: 'A', occurrences: 1, trials: 1},
      {block: 'C', occurrences: 1, trials: 1},
    ]);
  });
});

describe('architectureDiagram', () => {
  it('stacks input, the blocks in order, and logits', () => {
    const svg = architectureDiagram(['X', 'Y']);

    assert.deepEqual([...svg.matchAll(/data-block="([^"]+)"/g)].map((m) => m[1]),
                     ['input', 'X', 'Y', 'logits']);
    assert.equal(svg.match(/marker-end/g)!.length, 3);
  });
});

describe('escapeXml', () => {
  it('escapes markup and quotes', () => {
    assert.equal(escapeXml(`<a href="x">'&'</a>`),
                 '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('shows the characters that reorder text as escapes', () => {
    // A path with a right-to-left override would reverse the rest of its
    // line on the page.
    assert.equal(escapeXml('/tmp/d\u202eRTL\u202c/\u200bx'),
                 '/tmp/d\\u202eRTL\\u202c/\\u200bx');
    assert.equal(escapeXml('עברית Größe'), 'עברית Größe');
  });
});
