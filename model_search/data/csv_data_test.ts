/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {tf} from '../backend/tf';
import {UsageError} from '../errors';
import {FLAGS} from '../flags';

import {CsvDataArgs, CsvDataProvider, CsvRowEncoder, encodeCsvRow} from './csv_data';
import {readCsvFile} from './csv_reader';
import {Provider as FlagProvider} from './csv_data_for_binary';
import {Batch, DataError, FeatureColumn, InputSchema, PROVIDERS, setReadProgressInterval} from './data';
import {withUnopenedFifo} from './fifo_testing';

/** The committed test data, from Bazel runfiles or the source tree. */
function testdata(name: string): string {
  for (const dir of [path.join(__dirname, 'testdata'),
                     path.resolve('model_search/data/testdata')]) {
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  throw new Error(`test data ${name} not found`);
}

let tmpRoot: string|undefined;

/** Writes `text` to a new file in a temporary folder; returns its path. */
function csvFile(text: string, name = 'data.csv'): string {
  tmpRoot ??= fs.mkdtempSync(
      path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'csv_data_'));
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'case_'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** A prepared provider and the lines it logged. */
async function prepared(args: CsvDataArgs):
    Promise<{provider: CsvDataProvider, logged: string[]}> {
  const logged: string[] = [];
  const provider = new CsvDataProvider({...args, log: (l) => logged.push(l)});
  await provider.prepare();
  return {provider, logged};
}

/** The first `count` batches as plain arrays; disposes the tensors. */
async function take(batches: AsyncIterable<Batch>, count = Infinity):
    Promise<Array<{x: number[][], y: number[]}>> {
  const out: Array<{x: number[][], y: number[]}> = [];
  if (count === 0) return out;
  for await (const batch of batches) {
    assert.equal(batch.features.dtype, 'float32');
    assert.equal(batch.labels.dtype, 'int32');
    out.push({
      x: batch.features.arraySync() as number[][],
      y: batch.labels.arraySync() as number[],
    });
    tf.dispose([batch.features, batch.labels]);
    if (out.length === count) break;
  }
  return out;
}

async function prepareError(args: CsvDataArgs): Promise<DataError> {
  const provider = new CsvDataProvider({...args, log: () => {}});
  try {
    await provider.prepare();
  } catch (e) {
    assert.ok(e instanceof DataError, `not a DataError: ${e}`);
    return e;
  }
  throw new Error('prepare() did not throw');
}

/** The data lines of a committed CSV file, header dropped. */
function dataLines(name: string): string[] {
  return fs.readFileSync(testdata(name), 'utf8').trim().split('\n').slice(1);
}

/**
 * Each line as the provider must serve it: the label id, then the features
 * through encodeCsvRow (numeric labels only; the label is column 0).
 */
function encodedLines(schema: InputSchema, lines: string[]): string[] {
  return lines.map((line) => {
    const cells = line.split(',');
    return [cells[0], ...encodeCsvRow(schema, cells)].join(',');
  });
}

/** Batches as rows of `label,feature,...`, as encodedLines gives them. */
function batchRows(batches: Array<{x: number[][], y: number[]}>): string[] {
  return batches.flatMap(
      (b) => b.x.map((x, i) => [b.y[i], ...x].join(',')));
}

/** Mean and population standard deviation, the plain two-pass way. */
function moments(values: number[]): {mean: number, std: number} {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance =
      values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return {mean, std: Math.sqrt(variance)};
}

/** (x - mean) / std of each value. */
function standardize(values: number[]): number[] {
  const {mean, std} = moments(values);
  return values.map((v) => (v - mean) / std);
}

function assertClose(
    actual: number[], expected: number[], tolerance: number,
    what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => {
    assert.ok(Math.abs(a - expected[i]) <= tolerance,
              `${what}[${i}]: ${a} vs ${expected[i]}`);
  });
}

/** The columns without their statistics, for exact comparison. */
function withoutMoments(columns: FeatureColumn[]): FeatureColumn[] {
  return columns.map(({mean: _m, std: _s, ...rest}) => rest);
}

/** Checks the mean and std a numeric column carries against `values`. */
function assertMoments(column: FeatureColumn, values: number[]): void {
  const want = moments(values);
  assert.equal(column.kind, 'numeric', column.name);
  assertClose([column.mean!, column.std!], [want.mean, want.std],
              1e-9 * (1 + Math.abs(want.mean) + want.std), column.name);
}

describe('CsvDataProvider', () => {
  it('infers the schema of the original\'s csv_random_data.csv', async () => {
    const file = testdata('csv_random_data.csv');
    for (const recordDefaults of ['', '0,0,0,0']) {
      const {provider, logged} = await prepared({filename: file,
                                                 recordDefaults});

      assert.deepEqual(logged, [
        `csv: ${file}: 4 columns, label "one" (column 0, 2 classes: 0,1), ` +
        '3 numeric features (standardized), 0 categorical; 3 inputs; 20 rows' +
        '; no validation file: trials are evaluated on the training rows ' +
        '(give --validation_filename to rank them on others)',
        // The original's file: its column "four" is 1 in every row.
        'csv: numeric column "four" is 1 in every training row: it ' +
        'tells the models nothing and enters them as 0 (also at ' +
        'prediction, whatever the value)',
      ]);
      const schema = provider.inputSchema();
      assert.equal(schema.kind, 'csv');
      assert.deepEqual(schema.shape, [3]);
      assert.deepEqual(schema.labelVocabulary, ['0', '1']);
      assert.deepEqual(withoutMoments(schema.columns!), [
        {name: 'two', kind: 'numeric', defaultValue: 0},
        {name: 'three', kind: 'numeric', defaultValue: 0},
        {name: 'four', kind: 'numeric', defaultValue: 0},
      ]);
      const cells = dataLines('csv_random_data.csv').map(
          (line) => line.split(',').map(Number));
      schema.columns!.forEach(
          (column, i) => assertMoments(column, cells.map((c) => c[i + 1])));
      assert.equal(provider.numberOfClasses(), 2);
    }
  });

  it('says how far it got while it reads a large file', async () => {
    const rows = Array.from({length: 70000}, (_, i) => `${i % 2},${i % 5}`);
    const file = csvFile(['y,x', ...rows].join('\n'));
    setReadProgressInterval(0);
    try {
      const {logged} = await prepared({filename: file});
      assert.match(logged[0],
                   /^csv: reading .*: 65,536 rows so far \(\d+s\)$/);
      assert.equal(logged.filter((l) => l.includes('rows so far')).length, 1);
    } finally {
      setReadProgressInterval(10000);
    }
  });

  it('refuses a FIFO without opening it (no writer would block Ctrl-C)',
     async () => {
       const fifo = path.join(path.dirname(csvFile('')), 'rows.csv');
       await withUnopenedFifo(fifo, () => assert.rejects(
           prepared({filename: fifo}),
           (e: Error) => e instanceof DataError &&
               e.message === `${fifo}: a pipe (as <(command) makes), ` +
                   'which can be read only once; give the path of a CSV ' +
                   'file (write the command\'s output to one)'));
       // A folder is named as one.
       const folder = path.dirname(fifo);
       await assert.rejects(
           prepared({filename: folder}),
           (e: Error) => e instanceof DataError &&
               e.message === `${folder}: a folder; give the path of a CSV ` +
                   'file');
     });

  it('evaluates the training file in order when no validation file is given',
     async () => {
       const file = testdata('csv_random_data.csv');
       const {provider} = await prepared({filename: file});

       const batches = await take(provider.getInputFn({}, 'eval', 8)());

       assert.deepEqual(batches.map((b) => b.y.length), [8, 8, 4]);
       assert.deepEqual(
           batchRows(batches),
           encodedLines(provider.inputSchema(),
                        dataLines('csv_random_data.csv')));
     });

  it('evaluates the validation file when one is given', async () => {
    const validation = csvFile('a,b\n1,0.5\n0,-2\n1,3\n');
    const {provider, logged} = await prepared({
      filename: csvFile('a,b\n0,1\n1,2\n'),
      validationFilename: validation,
    });

    const batches = await take(provider.getInputFn({}, 'eval', 2)());

    // Standardized by the training file's b: mean 1.5, std 0.5.
    assert.deepEqual(batches, [
      {x: [[-2], [-7]], y: [1, 0]},
      {x: [[3]], y: [1]},
    ]);
    assert.match(logged[0], new RegExp(`; validation ${validation}: 3 rows$`));
  });

  it('serves endless, shuffled, seeded training batches', async () => {
    const file = testdata('csv_random_data.csv');
    const {provider} = await prepared({filename: file, seed: 3});
    const lines =
        encodedLines(provider.inputSchema(), dataLines('csv_random_data.csv'));
    const input = provider.getInputFn({}, 'train', 4);

    const batches = await take(input(), 30);

    assert.equal(batches.length, 30);
    assert.ok(batches.every((b) => b.y.length === 4));
    const rows = batchRows(batches);
    for (let epoch = 0; epoch < 6; epoch++) {
      const seen = rows.slice(20 * epoch, 20 * epoch + 20);
      assert.deepEqual([...seen].sort(), [...lines].sort(), `epoch ${epoch}`);
    }
    assert.notDeepEqual(rows.slice(0, 20), lines);
    assert.deepEqual(await take(input(), 30), batches, 'same seed');
    const other = await prepared({filename: file, seed: 4});
    assert.notDeepEqual(
        await take(other.provider.getInputFn({}, 'train', 4)(), 30), batches);
  });

  it('shuffles a file larger than the buffer through passes', async () => {
    const file = testdata('blobs_3class.csv');
    const {provider} = await prepared({
      filename: file,
      logitsDimension: 3,
      shuffleBufferSize: 50,
    });
    const lines =
        encodedLines(provider.inputSchema(), dataLines('blobs_3class.csv'));

    const batches = await take(provider.getInputFn({}, 'train', 10)(), 150);

    const rows = batchRows(batches);
    assert.equal(rows.length, 1500);
    assert.notDeepEqual(rows.slice(0, 600), lines);
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row, (counts.get(row) ?? 0) + 1);
    assert.equal(counts.size, 600, 'every row served');
    for (const line of lines) assert.ok(counts.has(line), line);
  });

  it('mixes the classes of a file sorted by label from the first batch',
     async () => {
       // 400 rows, class 0 then class 1: a buffer of 20 filled from the
       // top would serve class 0 alone for the first ~200 rows.
       const rows = Array.from(
           {length: 400}, (_, i) => `${i < 200 ? 0 : 1},${i},${i % 7}`);
       const file = csvFile(['label,a,b', ...rows].join('\n') + '\n');
       const {provider} = await prepared({filename: file,
                                          shuffleBufferSize: 20});

       const batches = await take(provider.getInputFn({}, 'train', 4)(), 300);

       const labels = batches.flatMap((b) => b.y);
       const early = labels.slice(0, 40);
       const ones = early.filter((l) => l === 1).length;
       assert.ok(ones >= 10 && ones <= 30,
                 `class 1 in ${ones} of the first 40 rows`);
       // Every row is served, each pass once.
       const served = new Map<string, number>();
       for (const row of batchRows(batches)) {
         served.set(row, (served.get(row) ?? 0) + 1);
       }
       assert.equal(served.size, 400);
     });

  it('serves a quarter of a pass from all over a file of many sorted classes',
     async () => {
       // 50 classes of 40 rows, sorted: parts of 2 rows (a buffer of 200),
       // read in a random order, reach nearly every class in 500 rows.
       const rows = Array.from({length: 2000},
                               (_, i) => `${Math.floor(i / 40)},${i},${i % 7}`);
       const file = csvFile(['label,a,b', ...rows].join('\n') + '\n');
       const {provider} = await prepared({filename: file, logitsDimension: 50,
                                          shuffleBufferSize: 200});

       const batches = await take(provider.getInputFn({}, 'train', 5)(), 100);

       const classes = new Set(batches.flatMap((b) => b.y));
       assert.ok(classes.size >= 45, `${classes.size} classes of 50`);
     });

  for (const [what, text] of [
           ['a blank line before the header', '\nlabel,a,b\n'],
           ['lines that end in CR alone', 'label,a,b\r']] as const) {
    it(`serves every row of a large file with ${what}`, async () => {
      const end = text.endsWith('\r') ? '\r' : '\n';
      const rows = Array.from({length: 300}, (_, i) => `${i % 2},${i},${i % 7}`);
      const file = csvFile(text + rows.join(end) + end);
      const {provider} = await prepared({filename: file, shuffleBufferSize: 20});

      const batches = await take(provider.getInputFn({}, 'train', 10)(), 60);

      assert.equal(new Set(batchRows(batches)).size, 300);
    });
  }

  it('says a large file changed under the search, not a line of a part',
     async () => {
       const rows = Array.from({length: 300}, (_, i) => `${i % 2},${i},${i % 7}`);
       const file = csvFile(['label,a,b', ...rows].join('\n') + '\n');
       const {provider} = await prepared({filename: file, shuffleBufferSize: 20});
       // Of the same size, a row short of a field.
       const before = fs.readFileSync(file, 'utf8');
       const after = before.replace('\n1,5,5\n', '\n1,5;5\n');
       assert.notEqual(after, before);
       fs.writeFileSync(file, after);

       await assert.rejects(
           take(provider.getInputFn({}, 'train', 10)(), 40),
           (e: Error) => e instanceof DataError &&
               e.message === `${file}: the file changed since the ` +
                   'search first read it; restart the search');
     });

  it('serves every row of a large file with quoted line breaks', async () => {
    const rows = Array.from(
        {length: 60}, (_, i) => `${i % 2},${i},"x${i % 3 ? '' : '\ny'}"`);
    const file = csvFile(['label,a,note', ...rows].join('\n'));
    const {provider} = await prepared({filename: file, shuffleBufferSize: 8});

    const batches = await take(provider.getInputFn({}, 'train', 6)(), 40);

    assert.equal(new Set(batchRows(batches)).size, 60);
  });

  it('reads the learnable blobs file with default flags but the classes',
     async () => {
       const file = testdata('blobs_3class.csv');
       const {provider, logged} = await prepared({
         filename: file,
         logitsDimension: 3,
       });

       assert.deepEqual(logged, [
         `csv: ${file}: 9 columns, label "label" (column 0, 3 classes: ` +
         '0,1,2), 8 numeric features (standardized), 0 categorical; 8 ' +
         'inputs; 600 rows; no validation file: trials are evaluated on ' +
         'the training rows (give --validation_filename to rank them on ' +
         'others)',
       ]);
       assert.deepEqual(provider.inputSchema().labelVocabulary,
                        ['0', '1', '2']);
     });

  it('warns when a mostly numeric column reads as categorical', async () => {
    const size = (i: number) => i === 7 ? 'n/a' : (i * 1.5).toFixed(1);
    const rows = Array.from(
        {length: 30}, (_, i) => `${i % 2},${size(i)},${i % 3 ? 'x' : 'y'}`);
    const file = csvFile(['label,size,kind', ...rows].join('\n'));

    const {logged} = await prepared({filename: file});

    assert.equal(logged.length, 2, logged.join('\n'));
    assert.equal(logged[1],
                 'csv: warning: column "size" (index 1) reads as ' +
                 'categorical, but 29 of its 30 values are numbers; the ' +
                 'first that is not is "n/a" at line 9. If the column is ' +
                 'numeric, fix that value (leave a missing one empty) or ' +
                 'give the column a number in --record_defaults: its ' +
                 'empty or blank cells and the words for a missing number ' +
                 '(NA, N/A, #N/A, nan, null, none, ? and -, in any case) ' +
                 'then read as that number');
  });

  it('warns of numbers written with a decimal comma', async () => {
    // A file of a locale that writes 1,5: fields split by ';'.
    const rows = Array.from(
        {length: 30}, (_, i) => `${i % 2};${i},${i % 4 * 25};${i % 3}`);
    const file = csvFile(['label;size;kind', ...rows].join('\n'));

    const {logged} = await prepared({filename: file, fieldDelim: ';'});

    // Not also warned of as an identifier (30 distinct values).
    assert.deepEqual(
        logged.filter((l) => /warning/.test(l)),
        ['csv: warning: column "size" (index 1) reads as categorical: its ' +
         'values are numbers written with a comma ("0,0" at line 2), read ' +
         'as text, each a category of its own; to make the column ' +
         'numeric, write a decimal comma as a point (0.0) and leave out a ' +
         'comma that separates thousands']);
    // Words with commas are not numbers.
    const words = csvFile(['label;place', ...Array.from(
        {length: 30}, (_, i) => `${i % 2};${'ab'[i % 2]},${i % 3}x`)]
                              .join('\n'));
    assert.deepEqual(
        (await prepared({filename: words, fieldDelim: ';'})).logged.filter(
            (l) => /decimal comma/.test(l)),
        []);
  });

  it('warns of a text column of a different value in nearly every row',
     async () => {
       // 28 distinct names of 30 (a few repeat): an identifier; "kind" of
       // 3 values and "score", numbers all distinct, are features.
       const rows = Array.from({length: 30}, (_, i) => `${i % 2},${
           i < 3 ? 'ann' : `user_${i}`},${'xyz'[i % 3]},${i * 1.25}`);
       const file = csvFile(['label,name,kind,score', ...rows].join('\n'));

       const {logged} = await prepared({filename: file});

       assert.deepEqual(
           logged.filter((l) => /identifier/.test(l)),
           ['csv: warning: column "name" (index 1) has 28 distinct values ' +
            'in 30 training rows ("ann", "user_3", "user_4", ...): an ' +
            'identifier rather than a feature? One-hot encoded, it lets ' +
            'the models memorize the training rows and tells them nothing ' +
            'of new ones; drop the column if so']);
       // Fewer rows say too little.
       const few = csvFile(['label,name', ...rows.slice(0, 19).map(
           (r) => r.split(',').slice(0, 2).join(','))].join('\n'));
       assert.deepEqual(
           (await prepared({filename: few})).logged.filter(
               (l) => /identifier/.test(l)),
           []);
     });

  it('quotes names that hold commas in its lists', async () => {
    const file = csvFile('"city, name",plan,label\n' +
                         'a,x,"high, very"\nb,y,low\n');

    const {logged} = await prepared({filename: file, labelIndex: 2});

    assert.match(logged[0], /label "label" \(column 2, 2 classes: "high, very",low\), 0 numeric features, 2 categorical \("city, name": 2 values, plan: 2 values\)/);
  });

  it('warns when one class is nearly every training row', async () => {
    const rows = (rare: number) => Array.from(
        {length: 100}, (_, i) => `${i < rare ? 'fraud' : 'ok'},${i % 7}`);
    const imbalanced = csvFile(['label,x', ...rows(3)].join('\n'));

    const {logged} = await prepared({filename: imbalanced});

    assert.deepEqual(
        logged.filter((l) => /^csv: warning: .* training rows \(/.test(l)),
        [`csv: warning: ${imbalanced}: label "label" (column 0) is "ok" in ` +
         '97 of 100 training rows (97.0%): a model that always answers ' +
         '"ok" has accuracy 0.970 on them (and about that on evaluation ' +
         'rows drawn alike), and the loss ranks it well too; ' +
         '--optimization_metric=auc_pr with --optimization_goal=maximize ' +
         'ranks the trials by how well they find the rare classes']);
    // 90:10 is not warned of.
    const balanced = csvFile(['label,x', ...rows(10)].join('\n'));
    assert.deepEqual(
        (await prepared({filename: balanced})).logged.filter(
            (l) => /^csv: warning: .* training rows \(/.test(l)),
        []);
  });

  it('warns of another column named as a label is', async () => {
    const text = (header: string) => [header, '0,31,1', '1,45,0', '0,52,1',
                                      '1,38,1'].join('\n');
    const elsewhere = csvFile(text('sex,age,Target'));

    const {logged} = await prepared({filename: elsewhere});

    assert.deepEqual(
        logged.filter((l) => /named "Target"/.test(l)),
        [`csv: warning: ${elsewhere}: the label is column 0 ("sex", ` +
         '--label_index=0), but column 2 is named "Target" and is trained ' +
         'on as a feature; if that is the label, pass --label_index=2']);
    // Not where the label column is named as one, nor without such a name.
    for (const header of ['class,age,target', 'sex,age,income']) {
      assert.deepEqual(
          (await prepared({filename: csvFile(text(header))}))
              .logged.filter((l) => /is named/.test(l)),
          [], header);
    }
  });

  it('takes a repeated row for data where the header holds numbers',
     async () => {
       // A file without a header: its first row is data, which a later
       // row may repeat.
       const headerless =
           csvFile(['0,1.0,red', '1,2.0,blue', '0,1.0,red'].join('\n'));

       const {provider} = await prepared({filename: headerless});

       assert.deepEqual(provider.numberOfClasses(), 2);
     });

  it('refuses a numeric default beyond 32-bit floats, naming it', async () => {
    const file = csvFile('y,a,c\n0,1,\n1,2,3\n');

    await assert.rejects(
        new CsvDataProvider({filename: file, recordDefaults: '0,0,1e40',
                             log: () => {}}).prepare(),
        new UsageError(
            '--record_defaults entry 3 (1e40, for column "c") is beyond the ' +
            'range of the 32-bit floats training uses (about ±3.4e38); ' +
            'give a smaller default'));
  });

  it('warns of numbers of many values made categorical by their default',
     async () => {
       const rows = Array.from(
           {length: 30}, (_, i) => `${i % 2},${i * 1.5},${i % 4}`);
       const file = csvFile(['label,size,code', ...rows].join('\n'));

       const {logged} = await prepared(
           {filename: file, recordDefaults: '0,unknown,unknown'});

       assert.deepEqual(
           logged.filter((l) => l.includes('warning')),
           ['csv: warning: column "size" (index 1) is categorical, one-hot ' +
            'over 30 values, as its --record_defaults entry "unknown" is ' +
            'not a number, but every value it holds is one; if the column ' +
            'is numeric, give it a number in --record_defaults']);
     });

  it('warns of a few numbers beside "nan", however few', async () => {
    const file = csvFile(
        ['label,b,kind', '0,1.5,x', '1,nan,y', '0,2.5,x', '1,NaN,y'].join('\n'));

    const {logged} = await prepared({filename: file});

    assert.ok(logged.includes(
                  'csv: warning: column "b" (index 1) reads as categorical, ' +
                  'but 2 of its 4 values are numbers; the first that is not ' +
                  'is "nan" at line 3. If the column is numeric, fix that ' +
                  'value (leave a missing one empty) or give the column a ' +
                  'number in --record_defaults: its empty or blank cells ' +
                  'and the words for a missing number (NA, N/A, #N/A, nan, ' +
                  'null, none, ? and -, in any case) then read as that ' +
                  'number'),
              logged.join('\n'));
    // A column of words is not warned of.
    assert.equal(logged.filter((l) => l.includes('"kind"')).length, 0);
    // Nor is a blank cell (spaces only) counted as a word against it.
    const blank = csvFile(['label,b', '0,1.5', '1,  ', '0,2.5'].join('\n'));
    assert.match((await prepared({filename: blank})).logged.join('\n'),
                 /column "b" \(index 1\) reads as categorical, but 2 of its 3 values are numbers; the first that is not is "  " at line 3/);
  });

  it('reads the words for a missing number as the column\'s default',
     async () => {
       const rows = ['label,b,kind', '0,1.5,x', '1,nan,y', '0,2.5,x',
                     '1, NA ,y', '0,?,x', '1,  ,y'];
       const file = csvFile(rows.join('\n'));

       // As the warning above advises.
       const {provider, logged} =
           await prepared({filename: file, recordDefaults: ',2,'});

       assert.ok(!logged.some((l) => /reads as categorical/.test(l)),
                 logged.join('\n'));
       const encoder = new CsvRowEncoder(provider.inputSchema());
       const empty = encoder.encode(['0', '', 'x']);
       // A blank cell (spaces only) is an empty one.
       for (const missing of ['nan', ' NA ', '?', 'null', '#N/A', '   ',
                              '\t']) {
         assert.deepEqual(encoder.encode(['0', missing, 'x']), empty, missing);
       }
       // Any other word is still refused, in training and after.
       assert.throws(() => encoder.encode(['0', 'inf', 'x']),
                     /is numeric but has "inf"/);
       // A column of numbers only, given no entry (an empty cell reads as
       // 0): a word for a missing number is refused, not read as 0.
       const inferred = await prepared({filename: csvFile(
           ['label,b', '0,1.5', '1,2.5', '0,3'].join('\n'))});
       assert.throws(
           () => new CsvRowEncoder(inferred.provider.inputSchema())
                     .encode(['0', 'NA']),
           /is numeric but has "NA"/);
       await assert.rejects(
           prepared({filename: csvFile([...rows, '1,many,y'].join('\n')),
                     recordDefaults: ',2,'}),
           /:8: column "b" \(index 1\) is numeric \(its --record_defaults value is "2"\) but has "many"/);
     });

  it('maps string labels and one-hot encodes categorical features',
     async () => {
       const file = testdata('fruits.csv');
       const {provider, logged} = await prepared({
         filename: file,
         labelIndex: 4,
         logitsDimension: 3,
       });

       assert.deepEqual(logged, [
         `csv: ${file}: 5 columns, label "fruit" (column 4, 3 classes: ` +
         'apple,banana,cherry), 2 numeric features (standardized), 2 ' +
         'categorical (color: 5 values, origin: 2 values); 9 inputs; 90 ' +
         'rows; no validation file: trials are evaluated on the training ' +
         'rows (give --validation_filename to rank them on others)',
       ]);
       const schema = provider.inputSchema();
       assert.deepEqual(schema.labelVocabulary, ['apple', 'banana', 'cherry']);
       assert.deepEqual(withoutMoments(schema.columns!), [
         {
           name: 'color',
           kind: 'categorical',
           vocabulary: ['', 'dark red, almost black', 'green', 'red', 'yellow'],
           defaultValue: '',
         },
         {name: 'weight_g', kind: 'numeric', defaultValue: 0},
         {name: 'length_cm', kind: 'numeric', defaultValue: 0},
         {
           name: 'origin',
           kind: 'categorical',
           vocabulary: ['imported', 'local'],
           defaultValue: '',
         },
       ]);
       // fruits.csv line 2: red,175.8,9.0,local,apple
       const [first] = await take(provider.getInputFn({}, 'eval', 1)(), 1);
       assert.deepEqual(first.y, [0]);
       const [weight, length] = [schema.columns![1], schema.columns![2]];
       assertClose(first.x[0], [
         0, 0, 0, 1, 0, (175.8 - weight.mean!) / weight.std!,
         (9 - length.mean!) / length.std!, 0, 1,
       ], 1e-6, 'line 2');
     });

  it('names the delimiter of a file read with another', async () => {
    // Quoted cells of a ';' file: read with ',', a quote lands inside.
    const semicolons = csvFile('"y";"a";"b"\n0;"x,1";2\n1;"y";3\n');
    const error = await prepareError({filename: semicolons});
    assert.match(error.message, / \(its first line holds no "," but 2 ";": give --field_delim=";"\?\)$/);
    // A label index past the one column read says so too.
    const tabs = await prepareError(
        {filename: csvFile('y,a,b,c\n0,1,2,3\n1,2,3,4\n'), fieldDelim: '\t',
         labelIndex: 3});
    assert.match(tabs.message, /--label_index=3 is out of range: .* has 1 column \(0\.\.0\) \(read as one column: the file looks separated by "," \(3 in its header\), not "\\t"\)$/);
    // The file's separator, not the first common one, and where a name
    // holds the one given: a ';' file with a comma in a name.
    const semi = await prepareError(
        {filename: csvFile('y;a,b;c;d\n0;1;2;3\n'), labelIndex: 3});
    assert.match(semi.message, /has 2 columns \(0\.\.1\) \(read as 2 columns: the file looks separated by ";" \(3 in its header\), not ","\)$/);
    const quoted = await prepareError(
        {filename: csvFile('y;"a,b";c;d\n0;1;2;3\n'), labelIndex: 3});
    assert.match(quoted.message, /a quote inside an unquoted field; .* \(its first line holds 1 "," but 3 ";": give --field_delim=";"\?\)$/);
    const tabbed = await prepareError(
        {filename: csvFile('y;a,b;c;d\n0;1;2;3\n'), fieldDelim: '\t',
         labelIndex: 3});
    assert.match(tabbed.message, /separated by ";" \(3 in its header\), not "\\t"\)$/);
    // A file of the delimiter given gets no such hint.
    const commas = csvFile('y,a\n0,1\n1,"2"x\n');
    assert.doesNotMatch((await prepareError({filename: commas})).message,
                        /first line holds/);
  });

  it('reads quotes, CRLF, a byte order mark and another delimiter',
     async () => {
       const file = csvFile(
           '\ufeff"size;cm";label;"note"\r\n' +
           '"1.5";0;"a ""quoted"" note; with a\r\nline break"\r\n' +
           '2.5;1;plain\r\n');
       const {provider} = await prepared({
         filename: file,
         labelIndex: 1,
         fieldDelim: ';',
       });

       const schema = provider.inputSchema();
       assert.deepEqual(schema.columns!.map((c) => c.name),
                        ['size;cm', 'note']);
       assert.deepEqual(schema.columns![1].vocabulary,
                        ['a "quoted" note; with a\r\nline break', 'plain']);
       assert.deepEqual(await take(provider.getInputFn({}, 'eval', 5)()), [
         {x: [[-1, 1, 0], [1, 0, 1]], y: [0, 1]},
       ]);
     });

  it('fills an empty label from its record_defaults entry', async () => {
    for (const [text, defaults, want] of [
      ['y,x\n0,1\n,2\n1,3\n', '1,0', [0, 1, 1]],
      ['y,x\nno,1\n,2\nyes,3\n', 'yes,0', [0, 1, 1]],
    ] as Array<[string, string, number[]]>) {
      const file = csvFile(text);
      const {provider} = await prepared(
          {filename: file, recordDefaults: defaults, logitsDimension: 2});

      const [batch] = await take(provider.getInputFn({}, 'eval', 3)(), 1);
      assert.deepEqual(batch.y, want, `${text} with ${defaults}`);
    }
  });

  it('fills empty cells from record_defaults, else 0 or ""', async () => {
    const text = 'y,n,c\n1,,red\n0,2,\n1,3,blue\n';
    const cases = [
      {
        name: 'inferred',
        recordDefaults: '',
        // The empty cell counts as its default in the statistics too.
        n: [0, 2, 3],
        columns: [
          {name: 'n', kind: 'numeric', defaultValue: 0},
          {
            name: 'c',
            kind: 'categorical',
            vocabulary: ['', 'blue', 'red'],
            defaultValue: '',
          },
        ],
        x: [[0, 0, 1], [1, 0, 0], [0, 1, 0]],
      },
      {
        name: 'given',
        recordDefaults: '0,5,unknown',
        n: [5, 2, 3],
        columns: [
          {name: 'n', kind: 'numeric', defaultValue: 5},
          {
            name: 'c',
            kind: 'categorical',
            vocabulary: ['blue', 'red', 'unknown'],
            defaultValue: 'unknown',
          },
        ],
        x: [[0, 1, 0], [0, 0, 1], [1, 0, 0]],
      },
    ];
    for (const c of cases) {
      const {provider} = await prepared({
        filename: csvFile(text),
        recordDefaults: c.recordDefaults,
      });

      const columns = provider.inputSchema().columns!;
      assert.deepEqual(withoutMoments(columns), c.columns, c.name);
      assertMoments(columns[0], c.n);
      const [batch] = await take(provider.getInputFn({}, 'eval', 10)());
      assert.deepEqual(batch.y, [1, 0, 1], c.name);
      assert.deepEqual(batch.x.map((x) => x.slice(1)), c.x, c.name);
      assertClose(batch.x.map((x) => x[0]), standardize(c.n), 1e-6, c.name);
    }
  });

  it('standardizes numeric features to mean 0 and std 1', async () => {
    // Features from 0.001 to about 4000.
    const file = testdata('breast_cancer_train.csv');
    const {provider} = await prepared({filename: file});
    const columns = provider.inputSchema().columns!;
    const raw = dataLines('breast_cancer_train.csv').map(
        (line) => line.split(',').slice(1).map(Number));
    const passes = [
      {name: 'eval', batches: await take(provider.getInputFn({}, 'eval', 64)())},
      // 91 batches of 5: exactly one epoch of the 455 rows.
      {
        name: 'train',
        batches: await take(provider.getInputFn({}, 'train', 5)(), 91),
      },
    ];

    assert.equal(columns.length, 30);
    columns.forEach((column, i) => assertMoments(column, raw.map((r) => r[i])));
    for (const pass of passes) {
      const x = pass.batches.flatMap((b) => b.x);
      assert.equal(x.length, 455, pass.name);
      columns.forEach((column, i) => {
        const got = moments(x.map((row) => row[i]));
        assertClose([got.mean, got.std], [0, 1], 1e-5,
                    `${pass.name} ${column.name}`);
      });
    }
  });

  it('reads a column with one value in every row as 0, and says so',
     async () => {
       const {provider, logged} = await prepared({
         filename: csvFile('y,c,n\n0,7,1\n1,7,3\n'),
       });

       const [c] = provider.inputSchema().columns!;
       assert.deepEqual([c.mean, c.std], [7, 0]);
       assert.deepEqual(await take(provider.getInputFn({}, 'eval', 5)()), [
         {x: [[0, -1], [0, 1]], y: [0, 1]},
       ]);
       // At prediction too: a value training never had moves nothing.
       assert.deepEqual(
           encodeCsvRow(provider.inputSchema(), ['0', '100', '2']), [0, 0]);
       assert.deepEqual(
           encodeCsvRow(provider.inputSchema(), ['0', '', '2']), [0, 0]);
       assert.ok(
           logged.includes(
               'csv: numeric column "c" is 7 in every training row: ' +
               'it tells the models nothing and enters them as 0 (also at ' +
               'prediction, whatever the value)'),
           logged.join('\n'));
     });

  it('says which categorical columns hold one value', async () => {
    const {logged} = await prepared({
      filename: csvFile('y,country,n,empty\n0,FR,1,\n1,FR,3,\n'),
      recordDefaults: '0,,0,none',
    });

    assert.ok(
        logged.includes(
            'csv: categorical columns "country" is "FR", "empty" is "none" ' +
            'in every training row: they tell the models nothing and enter ' +
            'them as one constant input (a value training never saw, at ' +
            'prediction, as no value)'),
        logged.join('\n'));
  });

  it('leaves out an unnamed empty column, as a trailing comma makes',
     async () => {
       const file = csvFile('y,a,,b,\n0,1,,x,\n1,2,,z,\n');
       const {provider, logged} = await prepared({filename: file});

       const schema = provider.inputSchema();
       assert.deepEqual(schema.columns!.map((c) => c.name), ['a', 'b']);
       assert.deepEqual(schema.extra!['ignoredColumns'], [2, 4]);
       assert.deepEqual(await take(provider.getInputFn({}, 'eval', 5)()), [
         {x: [[-1, 1, 0], [1, 0, 1]], y: [0, 1]},
       ]);
       assert.deepEqual(encodeCsvRow(schema, ['1', '2', '', 'z', '']),
                        [1, 0, 1]);
       assert.ok(logged.includes(
                     'csv: columns 2, 4 have no name and no values (a ' +
                     'delimiter at the end of every line?): left out'),
                 logged.join('\n'));
       // Only in the middle (columns aligned with spaces): no such guess.
       const aligned = await prepared(
           {filename: csvFile('y a  b\n0 1  x\n1 2  z\n'), fieldDelim: ' '});
       assert.ok(aligned.logged.includes(
                     'csv: column 2 has no name and no values: left out'),
                 aligned.logged.join('\n'));
     });

  it('warns of a header that looks like data or has spaced names',
     async () => {
       const noHeader = csvFile('0,1.5,3,a\n1,2,4,b\n0,1,2,a\n1,3,3,b\n');
       const spaced = csvFile('y, x1, x2,cat\n0,1,2,a\n1,2,4,b\n');
       const fine = csvFile('y,x1,x2,cat\n0,1,2,a\n1,2,4,b\n');

       const warned = async (file: string) =>
           (await prepared({filename: file})).logged.filter(
               (line) => line.startsWith('csv: warning:') &&
                   line.includes(':1: '));

       assert.deepEqual(await warned(noHeader), [
         `csv: warning: ${noHeader}:1: 3 of 4 names in the header are ` +
             'numbers ("0", "1.5", "3"): is it a row of data? The first line names ' +
             'the columns and is not trained on; put a line of column names ' +
             'above the data',
       ]);
       assert.deepEqual(await warned(spaced), [
         `csv: warning: ${spaced}:1: column names " x1", " x2" begin or end ` +
             'with spaces, which stay part of the name (files given to ' +
             'predict must spell it so); write the header without spaces ' +
             'around the delimiters',
       ]);
       const allNumbers = csvFile('0,1,2\n1,2,3\n0,3,4\n');
       assert.match((await warned(allNumbers))[0],
                    /:1: every name in the header is a number \("0", "1", "2"\)/);
       assert.deepEqual(await warned(fine), []);
     });

  it('names an unnamed column with values by its place, with a warning',
     async () => {
       const file = csvFile('y,a,\n0,1,5\n1,2,\n');
       const {provider, logged} = await prepared({filename: file});

       assert.deepEqual(provider.inputSchema().columns!.map((c) => c.name),
                        ['a', 'column_2']);
       assert.ok(logged.includes(
                     'csv: warning: column 2 has no name in the header but ' +
                     'has values (line 2: "5"); it is called column_2 after ' +
                     'its place, so files given to predict need it at the ' +
                     'same place: name it in the header to be free of that'),
                 logged.join('\n'));
     });

  it('lists every class id when some do not occur', async () => {
    const file = csvFile('y,x\n0,1\n2,2\n0,3\n');
    const {provider, logged} = await prepared({
      filename: file,
      logitsDimension: 4,
    });

    assert.deepEqual(provider.inputSchema().labelVocabulary,
                     ['0', '1', '2', '3']);
    assert.equal(provider.numberOfClasses(), 4);
    assert.match(logged[0],
                 /\(column 0, 2 classes of --logits_dimension=4: 0,2\)/);
    assert.ok(logged.includes(
                  'csv: warning: --logits_dimension=4 but no training row ' +
                  'has classes 1,3; the models will never predict them. If ' +
                  'the labels have only the classes 0,2, pass ' +
                  '--logits_dimension=3'),
              logged.join('\n'));
  });

  it('encodes rows for prediction like training does', async () => {
    const {provider} = await prepared({
      filename: testdata('fruits.csv'),
      labelIndex: 4,
      logitsDimension: 3,
    });
    // As input_schema.json holds it.
    const schema = JSON.parse(JSON.stringify(provider.inputSchema()));
    const [weight, length] = [schema.columns[1], schema.columns[2]];
    const w = (v: number) => (v - weight.mean) / weight.std;
    const l = (v: number) => (v - length.mean) / length.std;

    const rows: Array<{name: string, cells: string[], want: number[]}> = [
      {
        name: 'features only',
        cells: ['green', '120', '17', 'imported'],
        want: [0, 0, 1, 0, 0, w(120), l(17), 1, 0],
      },
      {
        name: 'a full row, label ignored',
        cells: ['yellow', '1', '2', 'local', 'banana'],
        want: [0, 0, 0, 0, 1, w(1), l(2), 0, 1],
      },
      {
        name: 'empty cells and an unseen category',
        cells: ['', '', '3', 'mars'],
        want: [1, 0, 0, 0, 0, w(0), l(3), 0, 0],
      },
    ];
    for (const row of rows) {
      assertClose(encodeCsvRow(schema, row.cells), row.want, 1e-6, row.name);
    }
    // Every training row encodes exactly as the evaluation batches have it.
    const batches = await take(provider.getInputFn({}, 'eval', 16)());
    // Through the CSV reader: fruits.csv quotes a color holding a comma.
    const records: string[][] = [];
    for await (const record of readCsvFile(testdata('fruits.csv'))) {
      records.push(record.cells);
    }
    assert.equal(records.length, 91);
    assert.deepEqual(batches.flatMap((b) => b.x),
                     records.slice(1).map((cells) => encodeCsvRow(schema,
                                                                  cells)));
    // A row laid out unlike the training file, its columns located.
    const encoder = new CsvRowEncoder(schema);
    const reordered = ['imported', '17', 'id-7', 'green', '120'];
    assert.deepEqual(
        encoder.encode(reordered, 'in.csv:2', [3, 4, 1, 0]),
        encoder.encode(['green', '120', '17', 'imported']));
    assert.throws(
        () => encoder.encode(['local', '1', 'x', 'red', 'heavy'], 'in.csv:3',
                             [3, 4, 1, 0]),
        new DataError(
            'in.csv:3: column "weight_g" (index 4) is numeric but has ' +
            '"heavy"; fix the value (leave a missing value empty)'));
    assert.throws(
        () => encoder.encode(['local', '1', 'x', 'red', '-4e38'], 'in.csv:5',
                             [3, 4, 1, 0]),
        new DataError(
            'in.csv:5: column "weight_g" (index 4) has -4e38, beyond the ' +
            'range of the 32-bit floats training uses (about ±3.4e38); ' +
            'rescale the column or fix the value'));
    // A schema saved before standardization (no mean, no std) reads raw.
    const old = JSON.parse(JSON.stringify(schema));
    for (const column of old.columns) {
      delete column.mean;
      delete column.std;
    }
    assert.deepEqual(encodeCsvRow(old, ['green', '120', '17', 'imported']),
                     [0, 0, 1, 0, 0, 120, 17, 1, 0]);
    assert.throws(
        () => encodeCsvRow(schema, ['red', 'heavy', '1', 'local'], 'in.csv:4'),
        new DataError(
            'in.csv:4: column "weight_g" (index 1) is numeric but has ' +
            '"heavy"; fix the value (leave a missing value empty)'));
    assert.throws(
        () => encodeCsvRow(schema, ['red', '1']),
        new DataError(
            'row: 2 fields, expected 4 features (color,weight_g,length_cm,' +
            'origin) or 5 as the training file\'s rows'));
  });

  describe('rejects bad data naming file and line', () => {
    const cases: Array<{
      name: string,
      text: string,
      /** Written in Latin-1 rather than UTF-8. */
      latin1?: boolean,
      args?: Partial<CsvDataArgs>,
      message: (file: string) => string,
    }> = [
      {
        name: 'an empty file',
        text: '',
        message: (f) => `${f}: the file is empty; a CSV needs a header row ` +
            'and at least one data row',
      },
      {
        name: 'a file of blank lines',
        text: '\ufeff\n\r\n\n',
        message: (f) => `${f}: the file is empty; a CSV needs a header row ` +
            'and at least one data row',
      },
      {
        name: 'a header without rows',
        text: 'a,b,c\n',
        message: (f) =>
            `${f}: only a header (line 1), no data rows; add rows below the ` +
            'header',
      },
      {
        name: 'a header after blank lines, without rows',
        text: '\n\r\na,b\n\n',
        message: (f) =>
            `${f}: only a header (line 3), no data rows; add rows below the ` +
            'header',
      },
      {
        name: 'a ragged row',
        text: 'a,b,c,d\n0,1,2,3\n1,2,3\n',
        message: (f) => `${f}:3: 3 fields, expected 4 like the header (line ` +
            '1); fix the row, or quote fields that contain ","',
      },
      {
        name: 'a row of only blanks and delimiters',
        text: 'label,a,b\n0,1,2\n1,2,3\n , , \n',
        message: (f) => `${f}:4: the row is empty (only delimiters), as a ` +
            'spreadsheet leaves below its data; remove such rows',
      },
      {
        name: 'a row of only delimiters, as a spreadsheet leaves',
        text: 'label,a,b\n0,1,2\n1,2,3\n,,\n,,\n',
        message: (f) => `${f}:4: the row is empty (only delimiters), as a ` +
            'spreadsheet leaves below its data; remove such rows',
      },
      {
        name: 'the header again, of two files joined',
        text: '\ufefflabel,a\n0,1\n1,2\n\ufefflabel,a\n0,3\n',
        message: (f) => `${f}:4: the row repeats the header (line 1): ` +
            'files joined with their headers? Remove it. (Or has the file ' +
            'no header? Its first line names the columns: put a line of ' +
            'column names above the data)',
      },
      {
        name: 'a label out of range, another column named label',
        text: ',label,a\n0,1,5\n1,0,6\n2,1,7\n',
        message: (f) => `${f}:4: label "column_0" (column 0) is 2, outside ` +
            '[0, 2) set by --logits_dimension=2; column 1 is named ' +
            '"label": if that is the label, pass --label_index=1; else pass ' +
            '--logits_dimension=N with N above the largest class id, ' +
            'number the classes from 0, or read the labels as class names ' +
            '(-1 and 1, say): give the label\'s --record_defaults entry a ' +
            'text value such as "unknown"',
      },
      {
        name: 'a line of only blanks',
        text: 'a,b,c,d\n0,1,2,3\n  \t\n1,2,3,4\n',
        message: (f) => `${f}:3: a line of only spaces or tabs, where a row ` +
            'of 4 fields like the header (line 1) was expected; remove it',
      },
      {
        name: 'record_defaults of another width',
        text: 'a,b,c\n0,1,2\n',
        args: {recordDefaults: '0,0,0,0'},
        message: (f) => `${f}:1: the header has 3 columns but ` +
            '--record_defaults has 4 values; give one per column (an empty ' +
            'entry infers that column\'s type), e.g. ' +
            "--record_defaults='0,0,0', or leave it empty to infer them all",
      },
      {
        name: 'record_defaults too short, of text columns',
        text: 'a,b,kind,plan\n0,1,x,basic\n',
        args: {recordDefaults: '0,0,a'},
        message: (f) => `${f}:1: the header has 4 columns but ` +
            '--record_defaults has 3 values; give one per column (an empty ' +
            'entry infers that column\'s type), e.g. ' +
            "--record_defaults='0,0,a,', or leave it empty to infer them all",
      },
      {
        name: 'a file of another delimiter',
        text: 'a;b;c\n0;1;2\n',
        args: {recordDefaults: '0,0,0'},
        message: (f) => `${f}:1: the header has 1 column (is ` +
            '--field_delim="," right?) but --record_defaults has 3 ' +
            'values; give one per column (an empty entry infers that ' +
            'column\'s type), e.g. --record_defaults=\'0\', or leave it empty ' +
            'to infer them all',
      },
      {
        name: 'text in a numeric column',
        text: 'one,two\n0,1\n1,\n0,abc\n',
        args: {recordDefaults: '0,0'},
        message: (f) => `${f}:4: column "two" (index 1) is numeric (its ` +
            '--record_defaults value is "0") but has "abc"; fix the value, ' +
            'or give the column a non-numeric default such as "unknown" to ' +
            'make it categorical',
      },
      {
        name: 'a label above --logits_dimension',
        text: 'x,y\n1,0\n2,1\n3,2\n4,1\n',
        args: {labelIndex: 1},
        message: (f) => `${f}:4: label "y" (column 1) is 2, outside [0, 2) ` +
            'set by --logits_dimension=2; pass --logits_dimension=N with N ' +
            'above the largest class id, number the classes from 0, or ' +
            'read the labels as class names (-1 and 1, say): give the ' +
            'label\'s --record_defaults entry a text value such as "unknown"',
      },
      {
        name: 'a blank label, the label numeric by its default',
        text: 'y,x\n0,1\n  ,2\n1,3\n',
        args: {recordDefaults: '0,0'},
        message: (f) => `${f}:3: label "y" (column 0) is blank ("  "); give ` +
            'the row its class id, 0..1, or remove the row',
      },
      {
        name: 'a blank label, the label inferred',
        text: 'y,x\n0,1\n1,2\n \t,3\n',
        message: (f) => `${f}:4: label "y" (column 0) is " \\t", no class; ` +
            'fill it in or remove the row',
      },
      {
        name: 'NA among class ids, the label inferred',
        text: 'y,x\n0,1\nNA,2\n1,3\n',
        message: (f) => `${f}:3: label "y" (column 0) is "NA", no class; ` +
            'fill it in or remove the row',
      },
      {
        name: 'a negative label',
        text: 'y,x\n0,1\n-1,2\n',
        message: (f) => `${f}:3: label "y" (column 0) is -1, outside [0, 2) ` +
            'set by --logits_dimension=2; pass --logits_dimension=N with N ' +
            'above the largest class id, number the classes from 0, or ' +
            'read the labels as class names (-1 and 1, say): give the ' +
            'label\'s --record_defaults entry a text value such as "unknown"',
      },
      {
        name: 'a fractional label',
        text: 'y,x\n0,1\n0.5,2\n',
        message: (f) => `${f}:3: label "y" (column 0) is "0.5", not an ` +
            'integer class id (the search trains classifiers: labels are ' +
            'classes, not values to regress); use ids 0..1, or class names ' +
            'throughout the column',
      },
      {
        name: 'an empty label',
        text: 'y,x\n0,1\n,2\n',
        message: (f) => `${f}:3: label "y" (column 0) is empty; fill it in, ` +
            'remove the row, or give the label a --record_defaults entry',
      },
      {
        name: 'a single class',
        text: 'y,x\n1,1\n1,2\n1,3\n',
        message: (f) => `${f}: label "y" (column 0) has a single class ` +
            '("1") in all 3 rows; a classifier needs at least two: check ' +
            '--label_index and the data',
      },
      {
        name: 'more string classes than --logits_dimension',
        text: 'y,x\ncat,1\ndog,2\nemu,3\n',
        message: (f) => `${f}: label "y" (column 0) has 3 classes ` +
            '(cat,dog,emu) but --logits_dimension=2; pass ' +
            '--logits_dimension=3',
      },
      {
        name: 'a label column past the last',
        text: 'y,x\n0,1\n',
        args: {labelIndex: 2},
        message: (f) => `--label_index=2 is out of range: ${f} has 2 ` +
            'columns (0..1)',
      },
      {
        name: 'a single column',
        text: 'y\n0\n1\n',
        message: (f) => `${f}:1: only one column; a CSV needs a label ` +
            'column and at least one feature column (is --field_delim="," ' +
            'right?)',
      },
      {
        name: 'a single column of a file separated by semicolons',
        text: 'y;a;b\n0;1;2\n1;2;3\n',
        message: (f) => `${f}:1: only one column; a CSV needs a label ` +
            'column and at least one feature column (read as one column: ' +
            'the file looks separated by ";" (2 in its header), not ",": ' +
            'give --field_delim=";"?)',
      },
      {
        name: 'a stray quote',
        text: 'y,x\n0,"1"2\n',
        message: (f) => `${f}:2:6: "2" after the closing quote of a field; ` +
            'a quote inside a quoted field is written as ""',
      },
      {
        name: 'a header naming two columns alike',
        text: 'y,num,num\n0,1,2\n1,2,3\n',
        message: (f) => `${f}:1: column "num" appears twice in the header ` +
            '(index 1 and 2); give every column a name of its own, or keep ' +
            'one',
      },
      {
        name: 'a header naming two columns alike in two Unicode forms',
        text: 'y,caf\u00e9,cafe\u0301\n0,1,2\n1,2,3\n',
        message: (f) => `${f}:1: column "cafe\u0301" appears twice in the ` +
            'header (index 1 and 2) (spelt with other Unicode code points, ' +
            'which read the same); give every column a name of its own, or ' +
            'keep one',
      },
      {
        name: 'a first row of data repeating a value, as a header',
        text: '0,1.0,1.0,red\n1,2.0,0.5,blue\n0,1.2,2.1,red\n',
        message: (f) => `${f}:1: column "1.0" appears twice in the header ` +
            '(index 1 and 2); give every column a name of its own, or keep ' +
            'one; the header is mostly numbers: is it a row of data? Put a ' +
            'line of column names above the data',
      },
      {
        name: 'string labels fewer than --logits_dimension',
        text: 'y,x\nchurn,1\nstay,2\nmaybe,3\n',
        args: {logitsDimension: 5},
        message: (f) => `${f}: label "y" (column 0) has 3 classes (churn,` +
            'maybe,stay) but --logits_dimension=5; pass ' +
            '--logits_dimension=3 (labels that are names make one class each)',
      },
      {
        name: 'a label spelt otherwise in one row of many',
        text: 'y,x\n' +
            Array.from({length: 150}, (_, i) =>
                           `${i === 56 ? 'Yes' : i % 2 ? 'yes' : 'no'},${i}\n`)
                .join(''),
        message: (f) => `${f}: label "y" (column 0) has 3 classes (Yes,no,` +
            'yes) but --logits_dimension=2; pass --logits_dimension=3; ' +
            '"Yes" is in 1 row only (first at line 58): if that is a ' +
            'misspelling, fix the file instead',
      },
      {
        name: 'bytes that are not UTF-8',
        text: 'y,city\n0,S\u00e3o Paulo\n',
        latin1: true,
        message: (f) => `${f}:2:4: byte 0xE3, not UTF-8: the file is in ` +
            'another encoding (Latin-1 or Windows-1252, as older ' +
            'spreadsheet exports are); save it as UTF-8 CSV, e.g. `iconv ' +
            `-f latin1 -t utf-8 ${path.basename(f)} > utf8.csv\``,
      },
      {
        name: 'a categorical column too wide to one-hot encode',
        text: 'y,id\n' +
            Array.from({length: 1001}, (_, i) => `${i % 2},v${i + 1}\n`)
                .join(''),
        message: (f) => `${f}:1002: column "id" (index 1) is categorical (it ` +
            'has the non-numeric value "v1" at line 2) and has more than ' +
            '1000 distinct values, too many to one-hot encode; drop the ' +
            'column, or fix its non-numeric values if it is numeric',
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const file = csvFile(c.text);
        if (c.latin1) fs.writeFileSync(file, Buffer.from(c.text, 'latin1'));

        const error = await prepareError({filename: file, ...c.args});

        assert.equal(error.message, c.message(file));
        assert.equal(error.file, c.message(file).includes(file) ?
                         file : undefined);
      });
    }

    it('a missing file', async () => {
      const file = path.join(path.dirname(csvFile('')), 'nothing.csv');

      const error = await prepareError({filename: file});

      assert.equal(error.message, `${file}: no such file`);
    });
  });

  describe('checks the validation file against the training file', () => {
    const train = 'y,n,c\ncat,1,red\ndog,2,blue\n';
    const cases: Array<{
      name: string,
      text: string,
      message: (file: string) => string,
    }> = [
      {
        name: 'other columns',
        text: 'y,n\ncat,1\n',
        message: (f) => `${f}:1: the header has 2 columns but the training ` +
            'file TRAIN has 3; both need the same columns',
      },
      {
        name: 'the same columns in another order',
        text: 'y,c,n\ncat,red,1\n',
        message: (f) => `${f}:1: the header is y,c,n but the training file ` +
            'TRAIN has y,n,c; give the validation file the training file\'s ' +
            'columns in the same order',
      },
      {
        name: 'columns of other names',
        text: 'label,count,colour\ncat,1,red\n',
        message: (f) => `${f}:1: the header is label,count,colour but the ` +
            'training file TRAIN has y,n,c; give the validation file the ' +
            'training file\'s columns',
      },
      {
        name: 'a column name that holds the delimiter',
        text: 'y,"n,1",c\ncat,1,red\n',
        message: (f) => `${f}:1: the header is y,"n,1",c but the training ` +
            'file TRAIN has y,n,c; give the validation file the training ' +
            'file\'s columns',
      },
      {
        name: 'another separator',
        text: 'y;n;c\ncat;1;red\n',
        message: (f) => `${f}:1: the header is y;n;c (read as one column: ` +
            'the file looks separated by ";" (2 in its header), not ",") ' +
            'but the training ' +
            'file TRAIN has y,n,c; give the validation file the training ' +
            'file\'s columns',
      },
      {
        name: 'a ragged row',
        text: 'y,n,c\ncat,1,red\ncat,1\n',
        message: (f) => `${f}:3: 2 fields, expected 3 like the header (line ` +
            '1); fix the row, or quote fields that contain ","',
      },
      {
        name: 'a class training never saw',
        text: 'y,n,c\ncat,1,red\nemu,1,red\n',
        message: (f) => `${f}:3: label "y" (column 0) is "emu", not one of ` +
            'the training classes (cat,dog); fix the label or add training ' +
            'rows of that class',
      },
      {
        name: 'text in a numeric column',
        text: 'y,n,c\ncat,one,red\n',
        message: (f) => `${f}:2: column "n" (index 1) is numeric but has ` +
            '"one"; fix the value (leave a missing value empty)',
      },
      {
        name: 'no rows',
        text: 'y,n,c\n',
        message: (f) => `${f}: only a header (line 1), no data rows; add ` +
            'rows below the header',
      },
    ];
    for (const c of cases) {
      it(`rejects ${c.name}`, async () => {
        const trainFile = csvFile(train, 'train.csv');
        const file = csvFile(c.text, 'eval.csv');

        const error = await prepareError({
          filename: trainFile,
          validationFilename: file,
        });

        assert.equal(error.message,
                     c.message(file).replace('TRAIN', trainFile));
      });
    }

    it('takes names in another Unicode form as the same', async () => {
      const composed = 'y,caf\u00e9,c\n0,1,red\n1,2,blue\n';
      const trainFile = csvFile(composed, 'train.csv');
      const file = csvFile(composed.replace('\u00e9', 'e\u0301'), 'eval.csv');

      const {logged} = await prepared(
          {filename: trainFile, validationFilename: file});

      assert.match(logged[0], /validation .*eval\.csv: 2 rows/);
    });

    it('names the first column that differs in headers too wide to show',
       async () => {
         const names = Array.from({length: 12}, (_, i) => `f${i}`);
         const rows = [0, 1].map(
             (label) => Array.from({length: 12}, (_, i) => i === 0 ? label : i)
                            .join(','));
         const swapped = [...names];
         [swapped[5], swapped[6]] = [swapped[6], swapped[5]];
         const trainFile =
             csvFile(`${names}\n${rows.join('\n')}\n`, 'train.csv');
         const file = csvFile(`${swapped}\n${rows.join('\n')}\n`, 'eval.csv');

         const error = await prepareError({
           filename: trainFile,
           validationFilename: file,
         });

         assert.equal(error.message,
                      `${file}:1: the header has 12 columns, the training ` +
                      `file ${trainFile} 12; the first that differs is ` +
                      'column 5 (from 0): "f6" here, "f5" in the training ' +
                      'file; give the validation file the training file\'s ' +
                      'columns in the same order');
       });

    it('accepts categories training never saw, with a warning', async () => {
      const validation = csvFile('y,n,c\ndog,3,green\ncat,1,red\ndog,2,purple\n');
      const {provider, logged} = await prepared({
        filename: csvFile(train),
        validationFilename: validation,
      });

      assert.deepEqual(await take(provider.getInputFn({}, 'eval', 4)()),
                       [{x: [[3, 0, 0], [-1, 0, 1], [1, 0, 0]], y: [1, 0, 1]}]);
      assert.equal(
          logged[logged.length - 1],
          `csv: warning: ${validation}: 2 of 3 rows have categorical ` +
              'values the training file lacks (column "c" in 2 rows, ' +
              'first "green" at line 2); the models never learnt them and ' +
              'read them as no value of the column');
    });

    it('warns of a validation file of one class', async () => {
      const validation = csvFile('y,n,c\ndog,3,red\ndog,1,blue\n');
      const {logged} = await prepared({
        filename: csvFile(train),
        validationFilename: validation,
      });

      assert.equal(
          logged[1],
          `csv: warning: ${validation}: every row is of class "dog": the ` +
              'trials\' auc_roc and auc_pr will be n/a, and accuracy ' +
              'rewards a model that always answers that class; give a ' +
              'validation file of every class');
    });

    it('warns of a validation file lacking a class', async () => {
      const three = csvFile('y,n,c\ncat,1,red\ndog,2,blue\nemu,3,red\n');
      const validation = csvFile('y,n,c\ndog,3,red\ncat,1,blue\n');
      const {logged} = await prepared({
        filename: three, logitsDimension: 3, validationFilename: validation,
      });

      assert.equal(
          logged[1],
          `csv: warning: ${validation}: no row is of class "emu" (1 of the ` +
              'training file\'s 3): the trials\' metrics say nothing of it; ' +
              'give a validation file of every class');
    });

    it('names a value that standardizes beyond the float32 range', async () => {
      const validation = csvFile('y,n,c\ndog,1e-30,red\ncat,3e38,red\n');
      const file = csvFile('y,n,c\ncat,1e-30,red\ndog,2e-30,blue\n');
      let error: unknown;
      try {
        const {provider} = await prepared(
            {filename: file, validationFilename: validation});
        await take(provider.getInputFn({}, 'eval', 4)());
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof DataError, String(error));
      assert.match(
          (error as Error).message,
          new RegExp(`^${validation}:3: column "n" \\(index 1\\) has 3e38, ` +
                     'which standardized with the training file\'s moments ' +
                     '\\(mean 1\\.5e-30, standard deviation 5e-31\\) is ' +
                     'beyond the range of the 32-bit floats training uses; ' +
                     'rescale the column or fix the value$'));
    });

    it('calls an empty category cell training never had an empty cell',
       async () => {
         const validation = csvFile('y,n,c\ndog,3,\ncat,1,red\n');
         const {logged} = await prepared({
           filename: csvFile(train),
           validationFilename: validation,
         });

         assert.equal(
             logged[logged.length - 1],
             `csv: warning: ${validation}: 1 of 2 rows has categorical ` +
                 'values the training file lacks (column "c" in 1 row, first ' +
                 'an empty cell (no value, which no training row had) at ' +
                 'line 2); the models never learnt them and read them as no ' +
                 'value of the column');
       });
  });

  it('says a numeric --record_defaults entry made string labels numeric',
     async () => {
       const file = csvFile('label,a\nyes,1\nno,2\n');

       const given = await prepareError(
           {filename: file, recordDefaults: '0,0'});

       assert.equal(
           given.message,
           `${file}:2: label "label" (column 0) is "yes", not an integer ` +
               'class id; use ids 0..1, or, for class names, give the label ' +
               'a text --record_defaults entry instead of 0 (e.g. "" or ' +
               '"unknown")');
     });

  it('rejects bad options before reading anything', () => {
    const cases: Array<{args: CsvDataArgs, message: string}> = [
      {
        args: {filename: ''},
        message: '--filename is required: the CSV file to search on (the ' +
            'option filename, in a script)',
      },
      {
        args: {fileName: 'x.csv'} as unknown as CsvDataArgs,
        message: 'CsvDataProvider has no option "fileName"; did you mean ' +
            '"filename"?; its options are filename, validationFilename, ' +
            'labelIndex, logitsDimension, recordDefaults, fieldDelim, seed, ' +
            'log, shuffleBufferSize',
      },
      {
        args: {filename: 'x.csv', logitsDimension: 1},
        message: '--logits_dimension=1 (logitsDimension): must be the ' +
            'number of classes, an integer from 2 to 10000',
      },
      {
        // Its logits layer and label names would not fit in memory.
        args: {filename: 'x.csv', logitsDimension: 100000000},
        message: '--logits_dimension=100000000 (logitsDimension): must be ' +
            'the number of classes, an integer from 2 to 10000',
      },
      {
        args: {filename: 'x.csv', labelIndex: -1},
        message: '--label_index=-1 (labelIndex): must be a column number, ' +
            'an integer of 0 or more',
      },
      {
        args: {filename: 'x.csv', labelIndex: '0' as unknown as number},
        message: '--label_index="0" (labelIndex): must be a column number, ' +
            'an integer of 0 or more',
      },
      {
        args: {filename: 'x.csv', recordDefaults: '[0,0,unknown,0]'},
        message: '--record_defaults=[0,0,unknown,0] (recordDefaults): give ' +
            'the defaults separated by commas, without brackets: ' +
            '--record_defaults=0,0,unknown,0',
      },
      {
        args: {filename: 'x.csv', recordDefaults: ['0', '0)']},
        message: '--record_defaults=0,0) (recordDefaults): give the ' +
            'defaults separated by commas, without brackets: ' +
            '--record_defaults=0,0',
      },
      {
        args: null as unknown as CsvDataArgs,
        message: 'CsvDataProvider takes an object of options ({filename, ' +
            '...}), got null',
      },
    ];
    for (const c of cases) {
      assert.throws(() => new CsvDataProvider(c.args),
                    new UsageError(c.message));
    }
  });

  it('asks for prepare() before serving data', () => {
    const provider = new CsvDataProvider({filename: 'x.csv'});

    assert.throws(() => provider.getInputFn({}, 'train', 2),
                  /csv provider for x.csv: call prepare\(\) first/);
  });
});

describe('csv_data_for_binary Provider', () => {
  afterEach(() => {
    for (const name of ['filename', 'validation_filename', 'record_defaults']) {
      FLAGS.set(name, '');
    }
    FLAGS.set('label_index', '0');
    FLAGS.set('logits_dimension', '2');
    FLAGS.set('field_delim', ',');
  });

  it('is registered as csv_data_provider and reads the flags', async () => {
    FLAGS.set('filename', testdata('fruits.csv'));
    FLAGS.set('label_index', '4');
    FLAGS.set('logits_dimension', '3');

    const registration = PROVIDERS.get('csv_data_provider');
    const logged: string[] = [];
    const provider = new registration.ctor(
        {...registration.initArgs, log: (l: string) => logged.push(l)});

    assert.equal(registration.ctor, FlagProvider);
    assert.ok(provider instanceof CsvDataProvider);
    await provider.prepare();
    assert.equal(logged.length, 1);
    assert.deepEqual(provider.inputSchema().labelVocabulary,
                     ['apple', 'banana', 'cherry']);
    assert.equal(provider.numberOfClasses(), 3);
  });

  it('declares the original\'s flags with their defaults', () => {
    const want: Array<[string, unknown]> = [
      ['label_index', 0], ['logits_dimension', 2], ['record_defaults', ''],
      ['filename', ''], ['validation_filename', ''], ['field_delim', ','],
    ];
    for (const [name, value] of want) {
      assert.ok(FLAGS.has(name), name);
      assert.equal(FLAGS.get(name), value, name);
    }
    assert.match(FLAGS.helpText(), /^csv_data_for_binary:$/m);
  });

  it('needs --filename, naming a file that exists', () => {
    assert.throws(
        () => new FlagProvider(),
        new UsageError('--filename is required: the CSV file to search on'));
    FLAGS.set('filename', '/no/such/file.csv');
    assert.throws(
        () => new FlagProvider(),
        new UsageError('--filename=/no/such/file.csv: no such file'));
    FLAGS.set('filename', testdata('csv_random_data.csv'));
    FLAGS.set('validation_filename', '/no/such/eval.csv');
    assert.throws(
        () => new FlagProvider(),
        new UsageError(
            '--validation_filename=/no/such/eval.csv: no such file'));
  });
});
