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

import {loadModel} from './backend/file_io';
import {tf} from './backend/tf';
import {boundedLines, predictCommand, sameRows} from './cli_predict';
import {DEFAULT_CNN, DEFAULT_DNN, DEFAULT_RNN_ALL, DEFAULT_RNN_LAST, resolveWorkspacePath} from './constants';
import {CsvDataProvider} from './data/csv_data';
import {readCsvFile} from './data/csv_reader';
import {Batch, DataError, InputSchema, Provider, setReadProgressInterval} from './data/data';
import {withUnopenedFifo} from './data/fifo_testing';
import {ImageDataProvider, encodeImageFile} from './data/image_data';
import {SingleTrainer} from './single_trainer';
import {RunningSumProvider} from './testing/sequence_labels/running_sum_provider';

const FRUITS = resolveWorkspacePath('model_search/data/testdata/fruits.csv');
const IMAGES = resolveWorkspacePath('model_search/data/testdata/images');
const CLASSES = ['apple', 'banana', 'cherry'];

/** Runs the command, collecting what it writes. */
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status =
      await predictCommand(args, (s) => out.push(s), (s) => err.push(s));
  return {status, out, err};
}

/** Trains one trial through the library; returns its directory. */
async function trainOneTrial(
    data: Provider, spec: string, rootDir: string, trainSteps: number,
    batchSize: number): Promise<string> {
  const trainer = new SingleTrainer({
    data,
    spec: resolveWorkspacePath(spec),
    log: () => {},
  });
  const trials = await trainer.tryModels({
    numberModels: 1,
    trainSteps,
    evalSteps: 0,
    rootDir,
    batchSize,
    experimentName: 'predict_test',
    experimentOwner: 'test',
    seed: 7,
  });
  assert.equal(trials.length, 1);
  assert.equal(trials[0].state, 'COMPLETED');
  return path.join(rootDir, trials[0].directory!);
}

/** Softmax probabilities of the model on one batch of features. */
async function probabilitiesOf(
    model: tf.LayersModel,
    features: tf.Tensor|tf.Tensor[]): Promise<number[][]> {
  const probabilities = tf.tidy(() => tf.softmax(
      model.apply(features, {training: false}) as tf.Tensor));
  const values = await probabilities.array() as number[][];
  probabilities.dispose();
  return values;
}

function argmax(values: number[]): number {
  return values.indexOf(Math.max(...values));
}

/** A predict output line split into its id, prediction and numbers. */
function parseLine(line: string): {id: string, label: string, p: number[]} {
  const fields = line.split(',');
  return {id: fields[0], label: fields[1], p: fields.slice(2).map(Number)};
}

/**
 * Sequences of 4 steps of 2 numbers, of 1 to 4 steps, and the class of
 * each: whether the first number summed over its steps is positive.
 */
class SequenceProvider implements Provider {
  async prepare(): Promise<void> {}

  getInputFn(_hparams: unknown, mode: string, batchSize: number):
      () => AsyncIterable<Batch> {
    return async function*() {
      let seed = 1;
      const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      for (let batch = 0; mode === 'train' || batch < 2; batch++) {
        const x = Array.from({length: batchSize * 8}, () => 2 * next() - 1);
        const lengths = Array.from(
            {length: batchSize}, () => 1 + Math.floor(4 * next()));
        const labels = lengths.map((steps, i) => {
          let sum = 0;
          for (let t = 0; t < steps; t++) sum += x[i * 8 + t * 2];
          return sum > 0 ? 1 : 0;
        });
        yield {
          features: tf.tensor3d(x, [batchSize, 4, 2]),
          labels: tf.tensor1d(labels, 'int32') as tf.Tensor1D,
          lengths: tf.tensor1d(lengths, 'int32') as tf.Tensor1D,
        };
      }
    };
  }

  inputSchema(): InputSchema {
    return {kind: 'sequence', shape: [4, 2], labelVocabulary: ['no', 'yes']};
  }

  numberOfClasses(): number {
    return 2;
  }
}

function evaluationOf(trialDir: string): Record<string, number> {
  return JSON.parse(
      fs.readFileSync(path.join(trialDir, 'evaluation.json'), 'utf8'));
}

/** A CSV line, fields quoted when needed. */
function csvLine(cells: string[]): string {
  return cells.map((c) => /[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` :
                                             c).join(',');
}

async function readRecords(file: string): Promise<string[][]> {
  const records: string[][] = [];
  for await (const record of readCsvFile(file)) records.push(record.cells);
  return records;
}

describe('predictCommand', function() {
  this.timeout(120_000);
  let root: string;
  let csvTrial: string;
  let imageTrial: string;
  let sequenceTrial: string;
  let stepsTrial: string;

  before(async () => {
    root = fs.mkdtempSync(
        path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'cli_predict_'));
    csvTrial = await trainOneTrial(
        new CsvDataProvider({
          filename: FRUITS,
          labelIndex: 4,
          logitsDimension: 3,
          log: () => {},
        }),
        DEFAULT_DNN, path.join(root, 'csv'), 30, 16);
    imageTrial = await trainOneTrial(
        new ImageDataProvider({
          inputDir: IMAGES,
          imageHeight: 8,
          imageWidth: 8,
          evalFraction: 0,
          log: () => {},
        }),
        DEFAULT_CNN, path.join(root, 'image'), 4, 4);
    sequenceTrial = await trainOneTrial(
        new SequenceProvider(), DEFAULT_RNN_LAST, path.join(root, 'sequence'),
        4, 4);
    stepsTrial = await trainOneTrial(
        new RunningSumProvider({seed: 3}), DEFAULT_RNN_ALL,
        path.join(root, 'steps'), 4, 4);
  });

  after(() => {
    fs.rmSync(root, {recursive: true, force: true});
  });

  describe('on CSV', () => {
    it('predicts what evaluation computed, as the original labels',
       async () => {
         // Recompute evaluation: the saved model on the provider's eval
         // batches (the training file, in order, as no validation file).
         const provider = new CsvDataProvider({
           filename: FRUITS,
           labelIndex: 4,
           logitsDimension: 3,
           log: () => {},
         });
         await provider.prepare();
         const model = await loadModel(path.join(csvTrial, 'model'));
         const expected: number[][] = [];
         const labels: number[] = [];
         let lossSum = 0;
         for await (const batch of provider.getInputFn({}, 'eval', 16)()) {
           const p = await probabilitiesOf(model, batch.features);
           const y = Array.from(await batch.labels.data());
           p.forEach((row, i) => lossSum -= Math.log(row[y[i]]));
           expected.push(...p);
           labels.push(...y);
           tf.dispose([batch.features, batch.labels]);
         }
         model.dispose();
         const evaluation = evaluationOf(csvTrial);

         const result = await run(
             [`--model_dir=${csvTrial}`, `--input=${FRUITS}`]);

         assert.equal(result.status, 0, result.err.join('\n'));
         // The saved model is the evaluated one.
         assert.equal(labels.length, 90);
         assert.ok(Math.abs(lossSum / 90 - evaluation['loss']) < 1e-4,
                   `loss ${lossSum / 90} vs ${evaluation['loss']}`);
         assert.equal(result.out[0], 'row,prediction,p_apple,p_banana,p_cherry');
         const lines = result.out.slice(1).map(parseLine);
         assert.equal(lines.length, 90);
         lines.forEach((line, i) => {
           assert.equal(line.id, String(i + 1));
           assert.equal(line.label, CLASSES[argmax(expected[i])], line.id);
           assert.equal(line.p.length, 3);
           line.p.forEach((p, k) => assert.ok(
               Math.abs(p - expected[i][k]) <= 1e-6, `row ${line.id}`));
         });
         // So that the checks above can tell labels apart.
         assert.ok(new Set(lines.map((l) => l.label)).size >= 2,
                   'the model predicts a single class');
         const correct =
             lines.filter((line, i) => line.label === CLASSES[labels[i]]);
         assert.equal(correct.length / 90, evaluation['accuracy']);
         assert.equal(result.err.length, 2);
         assert.match(result.err[0], /^backend: /);
         assert.equal(result.err[1],
                      `predict: 90 rows of ${FRUITS} with the model of ${
                          csvTrial}`);
       });

    it('matches columns by name, with or without the label', async () => {
      const records = await readRecords(FRUITS);
      // fruits.csv: color,weight_g,length_cm,origin,fruit
      const order = [3, 2, 0, 1];
      const file = path.join(root, 'reordered.csv');
      fs.writeFileSync(
          file,
          records.map((r) => csvLine(order.map((i) => r[i]))).join('\n') +
              '\n');
      const plain = await run([`--model_dir=${csvTrial}`, `--input=${FRUITS}`]);

      const reordered = await run(
          ['--model_dir', csvTrial, '--input', file, '--batch_size=7']);

      assert.equal(reordered.status, 0, reordered.err.join('\n'));
      assert.deepEqual(reordered.out.map((l) => parseLine(l).label),
                       plain.out.map((l) => parseLine(l).label));
      reordered.out.slice(1).forEach((line, i) => {
        const [a, b] = [parseLine(line).p, parseLine(plain.out[i + 1]).p];
        a.forEach((p, k) => assert.ok(Math.abs(p - b[k]) <= 2e-6, line));
      });
    });

    it('reads the file it trained on when a header name is empty',
       async () => {
         // A trailing comma, as spreadsheets export: column 3 has no name.
         const file = path.join(root, 'trailing.csv');
         fs.writeFileSync(
             file, 'y,a,b,\n0,1,2,\n1,2,3,\n0,3,1,\n1,4,5,\n');
         const trial = await trainOneTrial(
             new CsvDataProvider({filename: file, log: () => {}}),
             DEFAULT_DNN, path.join(root, 'trailing'), 2, 2);

         const result = await run([`--model_dir=${trial}`, `--input=${file}`]);

         assert.equal(result.status, 0, result.err.join('\n'));
         assert.equal(result.out.length, 5, result.out.join('\n'));
         // The empty column is no feature: files without the label, with
         // the trailing comma or without it, predict the same.
         const schema = JSON.parse(fs.readFileSync(
             path.join(trial, 'input_schema.json'), 'utf8'));
         assert.deepEqual(
             schema.columns.map((c: {name: string}) => c.name), ['a', 'b']);
         for (const text of ['a,b,\n1,2,\n2,3,\n', 'b,a\n2,1\n3,2\n']) {
           const other = path.join(root, 'trailing_unlabelled.csv');
           fs.writeFileSync(other, text);
           const again =
               await run([`--model_dir=${trial}`, `--input=${other}`]);
           assert.equal(again.status, 0, again.err.join('\n'));
           assert.deepEqual(again.out.slice(1).map((l) => parseLine(l).p),
                            result.out.slice(1, 3).map((l) => parseLine(l).p),
                            text);
         }
       });

    it('reads a file of another separator given --field_delim', async () => {
      const records = await readRecords(FRUITS);
      const file = path.join(root, 'semicolons.csv');
      fs.writeFileSync(file, records.map((r) => r.join(';')).join('\n') + '\n');
      const plain = await run([`--model_dir=${csvTrial}`, `--input=${FRUITS}`]);

      const semi = await run([`--model_dir=${csvTrial}`, `--input=${file}`,
                              '--field_delim=;']);

      assert.equal(semi.status, 0, semi.err.join('\n'));
      assert.deepEqual(semi.out, plain.out);
    });

    it('predicts categories training never saw, and says so', async () => {
      const file = path.join(root, 'unseen.csv');
      fs.writeFileSync(file, 'color,weight_g,length_cm,origin\n' +
                                 'red,120,7,local\npurple,130,8,local\n' +
                                 'purple,110,9,mars\n');

      const result = await run([`--model_dir=${csvTrial}`, `--input=${file}`]);

      assert.equal(result.status, 0, result.err.join('\n'));
      assert.equal(result.out.length, 4);
      assert.equal(result.err[result.err.length - 1],
                   `predict: warning: ${file}: 2 of 3 rows have categorical ` +
                       'values the training file lacks (column "color" in 2 ' +
                       'rows, first "purple" at line 3; column "origin" in 1 ' +
                       'row, first "mars" at line 4); the models never learnt ' +
                       'them and read them as no value of the column');
    });

    it('points a model of a user\'s layer to the binary that knows it',
       async () => {
         const copy = path.join(root, 'custom_layer');
         fs.cpSync(csvTrial, copy, {recursive: true});
         const json = path.join(copy, 'model', 'model.json');
         fs.writeFileSync(json, fs.readFileSync(json, 'utf8').replace(
             '"class_name":"Dense"', '"class_name":"MyOwnLayer"'));

         const result = await run([`--model_dir=${copy}`,
                                   `--input=${FRUITS}`]);

         assert.equal(result.status, 2);
         assert.equal(
             result.err[result.err.length - 1],
             `predict: --model_dir=${copy}: the model has a layer of class ` +
                 'MyOwnLayer, which this cli does not know: a block of your ' +
                 'own made it; run the cli of the binary whose library ' +
                 'registers that block (model_search_oss_binary(name = "x") ' +
                 'makes x_cli: `tools/bazel run //your/pkg:x_cli -- predict ' +
                 '...`)');
       });

    it('reads names and values written in another Unicode form', async () => {
      // Trained on "Âge" and "Zürich" as one character each (NFC); read
      // with the accents as characters of their own (NFD).
      const rows = ['Âge,ville,label'];
      for (let i = 0; i < 24; i++) {
        rows.push(i % 2 ? `${i},Zürich,oui` : `${i},Genève,non`);
      }
      const train = path.join(root, 'accents.csv');
      fs.writeFileSync(train, rows.join('\n') + '\n');
      const trial = await trainOneTrial(
          new CsvDataProvider({filename: train, labelIndex: 2,
                               logitsDimension: 2, log: () => {}}),
          DEFAULT_DNN, path.join(root, 'accents'), 5, 8);
      const nfc = path.join(root, 'nfc.csv');
      fs.writeFileSync(nfc, 'Âge,ville,label\n3,Zürich,oui\n4,Genève,non\n');
      const nfd = path.join(root, 'nfd.csv');
      fs.writeFileSync(nfd, fs.readFileSync(nfc, 'utf8').normalize('NFD'));

      const composed = await run([`--model_dir=${trial}`, `--input=${nfc}`]);
      const decomposed = await run([`--model_dir=${trial}`, `--input=${nfd}`]);

      assert.equal(decomposed.status, 0, decomposed.err.join('\n'));
      assert.deepEqual(decomposed.out, composed.out);
      // No value read as unseen.
      assert.ok(!decomposed.err.some((l) => /lacks/.test(l)),
                decomposed.err.join('\n'));
    });

    it('predicts rows without feature values, and says so', async () => {
      const file = path.join(root, 'blank.csv');
      fs.writeFileSync(file, 'color,weight_g,length_cm,origin\n' +
                                 'red,120,7,local\n,,,\n,,,\n');

      const result = await run([`--model_dir=${csvTrial}`, `--input=${file}`]);

      assert.equal(result.status, 0, result.err.join('\n'));
      assert.equal(result.out.length, 4);
      assert.equal(result.err[result.err.length - 1],
                   `predict: warning: ${file}: lines 3, 4 have no feature ` +
                       'values: their predictions are that of every ' +
                       'column\'s default (empty cells take the defaults the ' +
                       'model was trained with)');
    });

    it('prints nothing when a row past the first batches is bad',
       async () => {
         const file = path.join(root, 'late_bad.csv');
         fs.writeFileSync(file, 'color,weight_g,length_cm,origin\n' +
                                    'red,120,7,local\n'.repeat(30) +
                                    'red,heavy,7,local\n');

         const result = await run([`--model_dir=${csvTrial}`,
                                   `--input=${file}`, '--batch_size=4']);

         assert.equal(result.status, 2);
         assert.deepEqual(result.out, []);
         assert.match(result.err.join('\n'), /late_bad\.csv:32: column "weight_g" .*is numeric but has "heavy"/);
       });

    it('names a row repeating the header', async () => {
      const file = path.join(root, 'joined.csv');
      const header = 'color,weight_g,length_cm,origin\n';
      fs.writeFileSync(file, `${header}red,120,7,local\n${header}` +
                                 'red,120,7,local\n');

      const result = await run([`--model_dir=${csvTrial}`, `--input=${file}`]);

      assert.equal(result.status, 2);
      assert.deepEqual(result.out, []);
      assert.match(result.err.join('\n'), /joined\.csv:3: the row repeats the header \(line 1\)/);
    });

    it('stops, saying so, when the file changes between its two reads',
       async () => {
         const example = {id: '1', features: new Float32Array(1)};
         async function* rows(n: number, bad = false) {
           for (let i = 0; i < n; i++) yield example;
           if (bad) throw new DataError('f.csv:9: column "x" is numeric');
         }
         const drain = async (it: AsyncIterable<unknown>) => {
           let n = 0;
           for await (const _ of it) n++;
           return n;
         };

         assert.equal(await drain(sameRows(rows(3), 3, 'f.csv', 'rows')), 3);
         await assert.rejects(drain(sameRows(rows(4), 3, 'f.csv', 'rows')),
                              /^DataError: f\.csv: the file changed while it was predicted \(3 rows when its rows were checked, more now\)/);
         await assert.rejects(drain(sameRows(rows(2), 3, 'f.csv', 'rows')),
                              /\(3 rows when its rows were checked, 2 now\)/);
         await assert.rejects(
             drain(sameRows(rows(2, true), 3, 'f.csv', 'rows')),
             /\(3 rows when its rows were checked, then f\.csv:9: column "x" is numeric\)/);
       });

    it('gives the same predictions for any batch size', async () => {
      const outputs = [];
      for (const batchSize of [1, 13, 1000]) {
        const result = await run([
          `--model_dir=${csvTrial}`, `--input=${FRUITS}`,
          `--batch_size=${batchSize}`,
        ]);
        assert.equal(result.status, 0, result.err.join('\n'));
        outputs.push(result.out.map((l) => parseLine(l).label));
      }

      assert.deepEqual(outputs[1], outputs[0]);
      assert.deepEqual(outputs[2], outputs[0]);
    });

    it('reads relative paths from the directory of `bazel run`', async () => {
      const saved = process.env['BUILD_WORKING_DIRECTORY'];
      process.env['BUILD_WORKING_DIRECTORY'] = path.dirname(csvTrial);
      fs.copyFileSync(FRUITS, path.join(path.dirname(csvTrial), 'mine.csv'));
      try {
        const relative = await run(
            [`--model_dir=${path.basename(csvTrial)}`, '--input=mine.csv']);
        const absolute = await run(
            [`--model_dir=${csvTrial}`, `--input=${FRUITS}`]);

        assert.equal(relative.status, 0, relative.err.join('\n'));
        assert.deepEqual(relative.out, absolute.out);
      } finally {
        if (saved === undefined) {
          delete process.env['BUILD_WORKING_DIRECTORY'];
        } else {
          process.env['BUILD_WORKING_DIRECTORY'] = saved;
        }
      }
    });
  });

  describe('on images', () => {
    it('predicts every image of a folder, sorted, as class names',
       async () => {
         const files = [
           '0/1.png', '0/2.png', '0/3.png', '0/4.png', '0/5.png', '1/10.png',
           '1/6.png', '1/7.png', '1/8.png', '1/9.png',
         ];
         const schema = JSON.parse(fs.readFileSync(
             path.join(imageTrial, 'input_schema.json'), 'utf8')) as
             InputSchema;
         const model = await loadModel(path.join(imageTrial, 'model'));
         const expected: number[][] = [];
         for (const file of files) {
           const pixels = await encodeImageFile(schema, path.join(IMAGES, file));
           const features = tf.tensor4d(pixels, [1, 8, 8, 3]);
           expected.push(...await probabilitiesOf(model, features));
           features.dispose();
         }
         model.dispose();

         const result = await run(
             [`--model_dir=${imageTrial}`, `--input=${IMAGES}`]);

         assert.equal(result.status, 0, result.err.join('\n'));
         assert.equal(result.out[0], 'file,prediction,p_0,p_1');
         const lines = result.out.slice(1).map(parseLine);
         assert.deepEqual(lines.map((l) => l.id), files);
         lines.forEach((line, i) => {
           assert.equal(line.label, String(argmax(expected[i])), line.id);
           line.p.forEach((p, k) => assert.ok(
               Math.abs(p - expected[i][k]) <= 1e-6, line.id));
         });
         // Evaluation ran on these same ten images (eval_fraction 0).
         const correct = lines.filter((l) => l.label === l.id.split('/')[0]);
         assert.equal(correct.length / 10,
                      evaluationOf(imageTrial)['accuracy']);
         assert.match(result.err[1], /^predict: 10 images of /);
       });

    it('says which files of a folder it skipped', async () => {
      const dir = path.join(root, 'mixed');
      fs.mkdirSync(dir, {recursive: true});
      fs.copyFileSync(path.join(IMAGES, '1', '7.png'), path.join(dir, 'a.png'));
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');

      const result = await run([`--model_dir=${imageTrial}`, `--input=${dir}`]);

      assert.equal(result.status, 0, result.err.join('\n'));
      assert.equal(result.out.length, 2);
      assert.equal(result.err[result.err.length - 1],
                   'predict: skipped 1 file that is not .png .jpg .jpeg ' +
                       '.jpe .jfif .bmp .dib .gif: notes.txt');
    });

    it('names every unreadable image of a folder before printing a line',
       async () => {
         const dir = path.join(root, 'some_bad');
         fs.mkdirSync(dir, {recursive: true});
         for (const name of ['a.png', 'b.png', 'c.png']) {
           fs.copyFileSync(path.join(IMAGES, '1', '7.png'),
                           path.join(dir, name));
         }
         const whole = fs.readFileSync(path.join(IMAGES, '1', '7.png'));
         fs.writeFileSync(path.join(dir, 'y.png'), whole.subarray(0, 40));
         fs.writeFileSync(path.join(dir, 'z.png'), whole.subarray(0, 60));

         const result = await run([`--model_dir=${imageTrial}`,
                                   `--input=${dir}`, '--batch_size=1']);

         assert.equal(result.status, 2, result.out.join('\n'));
         assert.deepEqual(result.out, []);
         const err = result.err.join('\n');
         assert.match(err, /2 images cannot be read, so nothing was predicted/);
         assert.match(err, /y\.png: cannot decode this PNG image/);
         assert.match(err, /z\.png: cannot decode this PNG image/);
       });

    it('says how far a long read of a folder of images got', async () => {
      setReadProgressInterval(0);
      try {
        const result = await run([`--model_dir=${imageTrial}`,
                                  `--input=${path.join(IMAGES, '1')}`]);
        assert.equal(result.status, 0, result.err.join('\n'));
        const said = result.err.filter((l) => l.includes('reading the images'))
                         .map((l) => l.replace(/\(\d+s\)$/, '(Ns)'));
        const images = result.out.length - 1;
        assert.deepEqual(
            said, Array.from({length: images}, (_, done) =>
                `predict: reading the images: ${done} of ${images} so far (Ns)`));
      } finally {
        setReadProgressInterval(10000);
      }
    });

    it('refuses a named pipe as --input without opening it', async () => {
      const fifo = path.join(root, 'pipe.png');
      await withUnopenedFifo(fifo, async () => {
        const result = await run([`--model_dir=${imageTrial}`,
                                  `--input=${fifo}`]);
        assert.equal(result.status, 2, result.out.join('\n'));
        assert.equal(result.err[result.err.length - 1],
                     `predict: --input=${fifo}: a named pipe (FIFO), not an ` +
                         'image file or a folder of images; give one of those');
      });
    });

    it('names images of formats it cannot read in a folder of no others',
       async () => {
         const dir = path.join(root, 'webp_only');
         fs.mkdirSync(dir, {recursive: true});
         fs.writeFileSync(path.join(dir, 'a.webp'), 'RIFF....WEBP');

         const result = await run([`--model_dir=${imageTrial}`,
                                   `--input=${dir}`]);

         assert.equal(result.status, 2, result.out.join('\n'));
         assert.match(result.err.join('\n'),
                      /no images \(.*\) in this folder or below it \(it holds 1 image of \.webp, a\.webp, which this reader does not decode: convert them to PNG or JPEG\); give a folder of images/);
       });

    it('predicts one image file', async () => {
      const file = path.join(IMAGES, '1', '7.png');
      const folder = await run(
          [`--model_dir=${imageTrial}`, `--input=${IMAGES}`]);

      const single =
          await run([`--model_dir=${imageTrial}`, `--input=${file}`]);

      assert.equal(single.status, 0, single.err.join('\n'));
      assert.equal(single.out.length, 2);
      const want = folder.out.find((l) => l.startsWith('1/7.png,'))!;
      assert.equal(single.out[1], want.replace('1/7.png', file));
      // A CSV flag given for an image model is said to be ignored.
      const delimited = await run([`--model_dir=${imageTrial}`,
                                   `--input=${file}`, '--field_delim=;']);
      assert.equal(delimited.status, 0, delimited.err.join('\n'));
      assert.deepEqual(delimited.out, single.out);
      assert.ok(delimited.err.includes(
                    'predict: warning: --field_delim is for models of CSV ' +
                    'data; this one reads images: ignored'),
                delimited.err.join('\n'));
    });
  });

  describe('rejects bad input with exit status 2', () => {
    const cases: Array<{
      name: string,
      args: () => string[],
      /** Files to write first, relative to the test folder. */
      files?: Record<string, string>,
      message: () => RegExp | string,
    }> = [
      {
        name: 'no --model_dir',
        args: () => [`--input=${FRUITS}`],
        message: () => /^predict: --model_dir is required: a trial directory/,
      },
      {
        name: 'no --input',
        args: () => [`--model_dir=${csvTrial}`],
        message: () => /^predict: --input is required/,
      },
      {
        name: 'standard input',
        args: () => [`--model_dir=${csvTrial}`, '--input=-'],
        message: () => 'predict: --input=-: standard input is not read; ' +
            'save the rows to a file and give its path',
      },
      {
        name: 'an unknown flag',
        args: () => [`--model-dir=${csvTrial}`, `--input=${FRUITS}`],
        message: () => /^predict: unknown flag --model-dir; did you mean "model_dir"\?/,
      },
      {
        name: 'a positional argument',
        args: () => [csvTrial],
        message: () => /^predict: unexpected argument ".*"; give the trial/,
      },
      {
        name: 'a bad batch size',
        args: () => [`--model_dir=${csvTrial}`, `--input=${FRUITS}`,
                     '--batch_size=0'],
        message: () => /^predict: --batch_size=0: must be a positive integer/,
      },
      {
        name: 'a missing model directory',
        args: () => [`--model_dir=${root}/nothing`, `--input=${FRUITS}`],
        message: () => `predict: --model_dir=${root}/nothing: no such directory`,
      },
      {
        name: 'the search directory instead of a trial directory',
        args: () => [`--model_dir=${root}/csv`, `--input=${FRUITS}`],
        message: () => `predict: --model_dir=${root}/csv: not a trial ` +
            'directory (no input_schema.json); it holds the trials 1: pass ' +
            `one, e.g. the best, --model_dir=${root}/csv/1`,
      },
      {
        name: 'the model directory inside a trial directory',
        args: () => [`--model_dir=${root}/csv/1/model`, `--input=${FRUITS}`],
        message: () => `predict: --model_dir=${root}/csv/1/model: not a ` +
            'trial directory (no input_schema.json); it is the model of ' +
            `trial directory ${root}/csv/1: pass --model_dir=${root}/csv/1`,
      },
      {
        name: 'the search directory, whose summary names the best trial',
        files: {
          'study/1/input_schema.json': '{"kind":"csv","shape":[1]}',
          'study/2/input_schema.json': '{"kind":"csv","shape":[1]}',
          'study/study_summary.json': JSON.stringify({
            objective: {metric: 'loss', goal: 'minimize'},
            bestTrialId: 2,
            trials: [],
          }),
        },
        args: () => [`--model_dir=${root}/study`, `--input=${FRUITS}`],
        message: () => `predict: --model_dir=${root}/study: not a trial ` +
            'directory (no input_schema.json); it holds the trials 1, 2: ' +
            `pass one, e.g. the best, --model_dir=${root}/study/2`,
      },
      {
        name: 'a trial directory without its model',
        files: {'nomodel/input_schema.json': '{"kind":"csv","shape":[1]}'},
        args: () => [`--model_dir=${root}/nomodel`, `--input=${FRUITS}`],
        message: () => `predict: --model_dir=${root}/nomodel: not a trial ` +
            'directory (no model/model.json); pass a trial directory of a ' +
            'search (<model_dir>/<trial id>)',
      },
      {
        name: 'a missing input file',
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/none.csv`],
        message: () => `predict: --input=${root}/none.csv: no such file or ` +
            'folder',
      },
      {
        name: 'a folder for a CSV model',
        args: () => [`--model_dir=${csvTrial}`, `--input=${IMAGES}`],
        message: () => `predict: --input=${IMAGES}: a folder; the model ` +
            'reads CSV, give a CSV file with a header row',
      },
      {
        name: 'a CSV file for an image model',
        args: () => [`--model_dir=${imageTrial}`, `--input=${FRUITS}`],
        message: () => `predict: --input=${FRUITS}: not an image (.png .jpg ` +
            '.jpeg .jpe .jfif .bmp .dib .gif), but this model was trained ' +
            'on images: give an image file or a folder of images',
      },
      {
        name: 'a text file named as an image',
        files: {'fake.png': 'not a picture\n'},
        args: () => [`--model_dir=${imageTrial}`, `--input=${root}/fake.png`],
        message: () => `predict: --input=${root}/fake.png: named as an ` +
            'image, but its bytes are no .png .jpg .jpeg .jpe .jfif .bmp ' +
            '.dib .gif image; give an image file or a folder of images',
      },
      {
        name: 'an empty image file',
        files: {'empty.png': ''},
        args: () => [`--model_dir=${imageTrial}`, `--input=${root}/empty.png`],
        message: () => `predict: --input=${root}/empty.png: the file is ` +
            'empty; give an image file or a folder of images',
      },
      {
        name: 'an empty CSV file',
        files: {'empty.csv': ''},
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/empty.csv`],
        message: () => `predict: ${root}/empty.csv: the file is empty; give ` +
            'a header row naming the columns, then the rows',
      },
      {
        name: 'a CSV without a column the model needs',
        files: {'short.csv': 'color,length_cm,origin\nred,9,local\n'},
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/short.csv`],
        message: () => `predict: ${root}/short.csv:1: the header has no ` +
            'column "weight_g"; the model\'s columns are color,weight_g,' +
            'length_cm,origin and optionally the label "fruit": add or ' +
            'rename the column',
      },
      {
        name: 'a CSV with a misspelt column',
        files: {
          'typo.csv': 'color,wieght_g,length_cm,origin\nred,1,9,local\n',
        },
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/typo.csv`],
        message: () => new RegExp(`^predict: ${root}/typo.csv:1: the header ` +
                                  'has no column "weight_g" \\(did you ' +
                                  'mean "wieght_g"\\?\\); the model'),
      },
      {
        name: 'an image given to a CSV model',
        args: () => [`--model_dir=${csvTrial}`,
                     `--input=${path.join(IMAGES, '0', '1.png')}`],
        message: () => new RegExp(
            '^predict: --input=.*1\\.png: a PNG image, but this model was ' +
            'trained on CSV data: give a CSV file with a header row naming ' +
            'its columns$'),
      },
      {
        name: 'a CSV separated otherwise than the model\'s',
        files: {
          'semi.csv': 'color;weight_g;length_cm;origin\nred;1;9;local\n',
        },
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/semi.csv`],
        message: () => new RegExp(
            `^predict: ${root}/semi.csv:1: the header has no column "color" ` +
            '\\(read as one column: the file looks separated by ";" \\(3 in ' +
            'its header\\), not ",": give --field_delim=";"\\?\\); the model'),
      },
      {
        name: 'a CSV with no header',
        files: {'rows.csv': 'red,1,9,local\nblue,2,8,local\n'},
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/rows.csv`],
        message: () => new RegExp(
            `^predict: ${root}/rows.csv:1: the first line holds values ` +
            '\\(red,1,9,\\.\\.\\.\\), not column names: the file has no ' +
            'header; add a first line naming the columns \\(the model\'s ' +
            'columns are '),
      },
      {
        name: 'a CSV of quoted names separated otherwise',
        files: {
          'quoted.csv': '"color";"weight_g";"length_cm";"origin"\n' +
              'red;1;9;local\n',
        },
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/quoted.csv`],
        message: () => new RegExp(
            `^predict: ${root}/quoted.csv:1:8: ";" after the closing quote ` +
            'of a field; .* \\(its first line holds no "," but 3 ";": give ' +
            '--field_delim=";"\\?\\)$'),
      },
      {
        name: 'a separator of more than one character',
        args: () => [`--model_dir=${csvTrial}`, `--input=${FRUITS}`,
                     '--field_delim=;;'],
        message: () => new RegExp(
            '^predict: --field_delim=";;": the delimiter must be one ' +
            'character'),
      },
      {
        name: 'a CSV with a column the model does not know',
        files: {
          'extra.csv': 'id,color,weight_g,length_cm,origin\n' +
              '7,red,1,9,local\n',
        },
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/extra.csv`],
        message: () => `predict: ${root}/extra.csv:1: column "id" (index 0) ` +
            'is not an input of the model; the model\'s columns are color,' +
            'weight_g,length_cm,origin and optionally the label "fruit": ' +
            'remove the column',
      },
      {
        name: 'a CSV with a column twice',
        files: {
          'twice.csv': 'color,weight_g,length_cm,origin,color\n' +
              'red,1,9,local,red\n',
        },
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/twice.csv`],
        message: () => `predict: ${root}/twice.csv:1: column "color" ` +
            'appears twice in the header (index 0 and 4); give every ' +
            'column a name of its own, or keep one',
      },
      {
        name: 'an unnamed column with a value the model has no column for',
        files: {
          'unnamed.csv': 'color,weight_g,length_cm,origin,\n' +
              'red,1,9,local,\nred,1,9,local,7\n',
        },
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/unnamed.csv`],
        message: () => `predict: ${root}/unnamed.csv:3: column 4 has no name ` +
            'in the header but holds "7", and the model has no unnamed ' +
            'column there: name it as a column of the model, or remove it',
      },
      {
        name: 'a ragged CSV row',
        files: {
          'ragged.csv': 'color,weight_g,length_cm,origin\nred,1,9,local\n' +
              'red,1,9\n',
        },
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/ragged.csv`],
        message: () => `predict: ${root}/ragged.csv:3: 3 fields, expected 4 ` +
            'like the header (line 1); fix the row, or quote fields that ' +
            'contain ","',
      },
      {
        name: 'a header and no rows',
        files: {'header_only.csv': 'color,weight_g,length_cm,origin\n'},
        args: () => [`--model_dir=${csvTrial}`,
                     `--input=${root}/header_only.csv`],
        message: () => `predict: ${root}/header_only.csv: only a header ` +
            '(line 1), no rows to predict; add rows below the header',
      },
      {
        name: 'text in a numeric column',
        files: {
          'text.csv': 'origin,weight_g,length_cm,color\nlocal,1,9,red\n' +
              'local,heavy,9,red\n',
        },
        args: () => [`--model_dir=${csvTrial}`, `--input=${root}/text.csv`],
        message: () => `predict: ${root}/text.csv:3: column "weight_g" ` +
            '(index 1) is numeric but has "heavy"; fix the value (leave a ' +
            'missing value empty)',
      },
      {
        name: 'a folder without images',
        files: {'noimages/notes.txt': 'none here'},
        args: () => [`--model_dir=${imageTrial}`, `--input=${root}/noimages`],
        message: () => `predict: --input=${root}/noimages: no images (.png ` +
            '.jpg .jpeg .jpe .jfif .bmp .dib .gif) in this folder or below it; give a ' +
            'folder of images',
      },
      {
        name: 'a file that is not an image',
        files: {'broken/a.png': 'not a png'},
        args: () => [`--model_dir=${imageTrial}`, `--input=${root}/broken`],
        message: () => new RegExp(`^predict: .*${root}/broken/a.png`),
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        for (const [name, text] of Object.entries(c.files ?? {})) {
          const file = path.join(root, name);
          fs.mkdirSync(path.dirname(file), {recursive: true});
          fs.writeFileSync(file, text);
        }

        const result = await run(c.args());

        assert.equal(result.status, 2, result.out.join('\n'));
        // Every case fails within the first batch: not even the header.
        assert.deepEqual(result.out, []);
        const message = result.err[result.err.length - 1];
        const want = c.message();
        if (typeof want === 'string') {
          assert.equal(message.split('\n')[0], want);
        } else {
          assert.match(message, want);
        }
      });
    }

    const jsonCases: Array<{name: string, lines: string, trial?: () => string,
                            message: (file: string) => string}> = [
      {
        name: 'JSON Lines: a line that is not JSON',
        lines: '{"features": [[1,2],[3,4],[5,6],[7,8]], "length": 4}\n{"features": [1,\n',
        message: (f) => `predict: ${f}:2: not JSON (`,
      },
      {
        name: 'JSON Lines: no "features"',
        lines: '{"x": [1, 2]}\n',
        message: (f) => `predict: ${f}:1: expected an object with "features" ` +
            '(an array of shape [4,2]), got {"x": [1, 2]}',
      },
      {
        name: 'JSON Lines: features of another shape',
        lines: '\n{"features": [[1,2,3],[4,5,6]], "length": 2}\n',
        message: (f) => `predict: ${f}:2: "features" is an array of shape ` +
            '[2,3], the model takes [4,2] (nested, or flat with 8 numbers)',
      },
      {
        name: 'JSON Lines: a sequence of fewer steps',
        lines: '{"features": [[1,2],[4,5],[7,8]], "length": 3}\n',
        message: (f) => `predict: ${f}:1: "features" is an array of shape ` +
            '[3,2], the model takes [4,2] (nested, or flat with 8 numbers): ' +
            'pad a sequence of 3 steps to 4 with any numbers and give ' +
            '"length": 3',
      },
      {
        name: 'JSON Lines: ragged features',
        lines: '{"features": [[1,2],[4,5,6],[7,8],[9,10]], "length": 3}\n',
        message: (f) => `predict: ${f}:1: "features" must be numbers in ` +
            'an array of shape [4,2] (nested, or flat with 8 numbers), got ' +
            '[[1,2],[4,5,6],[7,8],[9,10]]',
      },
      {
        name: 'JSON Lines: a feature that is not a number',
        lines: '{"features": [1,2,3,4,5,6,7,"8"], "length": 2}\n',
        message: (f) => `predict: ${f}:1: "features"[7] is "8"; features ` +
            'are numbers, finite and within the ±3.4e38 of 32-bit floats',
      },
      {
        name: 'JSON Lines: a number beyond 32-bit floats',
        lines: '{"features": [1,2,3,4,5,6,7,1e39], "length": 2}\n',
        message: (f) => `predict: ${f}:1: "features"[7] is 1e+39; ` +
            'features are numbers, finite and within the ±3.4e38 of 32-bit ' +
            'floats',
      },
      {
        name: 'JSON Lines: a nested feature that is not a number',
        lines: '{"features": [[1,2],[3,null],[5,6],[7,8]], "length": 2}\n',
        message: (f) => `predict: ${f}:1: "features"[1][1] is null; ` +
            'features are numbers, finite and within the ±3.4e38 of 32-bit ' +
            'floats',
      },
      {
        name: 'JSON Lines: a flat sequence not padded',
        lines: '{"features": [1,2,3,4,5,6], "length": 3}\n',
        message: (f) => `predict: ${f}:1: "features" is a flat array of 6 ` +
            'numbers, the model takes 8 (shape [4,2], nested or flat): pad ' +
            'a sequence of 3 steps to 4 with any numbers and give "length": 3',
      },
      {
        name: 'JSON Lines: NaN, as Python writes it',
        lines: '{"features": [1, 2, 3, 4, 5, 6, NaN, NaN], "length": 3}\n',
        message: (f) => `predict: ${f}:1: not JSON (`,
      },
      {
        name: 'JSON Lines: a bad line after the first batch',
        lines: '{"features": [1,2,3,4,5,6,7,8], "length": 4}\n'.repeat(300) +
            '{"features": [1,2,3,4,5,6,7,8], "length": 9}\n',
        message: (f) => `predict: ${f}:301: "length" is 9; give the ` +
            'sequence\'s time steps, a whole number in [1, 4]',
      },
      {
        name: 'JSON Lines: a misspelt key',
        lines: '\uFEFF{"features": [1,2,3,4,5,6,7,8], "lengths": 2}\n',
        message: (f) => `predict: ${f}:1: unknown key "lengths" (did you ` +
            'mean "length"?); a line holds "features" and, for a model of ' +
            'sequences, "length" (a "label" is allowed and not read)',
      },
      {
        name: 'JSON Lines: a length beyond the time steps',
        lines: '{"features": [1,2,3,4,5,6,7,8], "length": 5}\n',
        message: (f) => `predict: ${f}:1: "length" is 5; give the ` +
            'sequence\'s time steps, a whole number in [1, 4]',
      },
      {
        name: 'JSON Lines: no length for a model of sequences',
        lines: '{"features": [1,2,3,4,5,6,7,8]}\n',
        message: (f) => `predict: ${f}:1: no "length"; the model reads ` +
            'sequences of up to 4 time steps and needs each one\'s length, ' +
            'e.g. {"features": [...], "length": 4}',
      },
      {
        name: 'JSON Lines: a length for a model without',
        lines: '{"features": [1,2,3,4,5,6,7,8,9], "length": 2}\n',
        trial: () => ownKindTrial(),
        message: (f) => `predict: ${f}:1: "length" is given, but the model ` +
            'takes no sequence lengths; remove it',
      },
      {
        // Not "give a whole number in [1, 9]": its 9 features are no steps.
        name: 'JSON Lines: a length beyond the features, for a model without',
        lines: '{"features": [1,2,3,4,5,6,7,8,9], "length": 30}\n',
        trial: () => ownKindTrial(),
        message: (f) => `predict: ${f}:1: "length" is given, but the model ` +
            'takes no sequence lengths; remove it',
      },
      {
        name: 'JSON Lines: an empty file',
        lines: '\n\n',
        message: (f) => `predict: ${f}: no examples; give one JSON object a ` +
            'line, {"features": [...]}',
      },
    ];
    for (const c of jsonCases) {
      it(c.name, async () => {
        const file = path.join(root, `${c.name.replace(/\W+/g, '_')}.jsonl`);
        fs.writeFileSync(file, c.lines);

        const result = await run([`--model_dir=${(c.trial ?? (() => sequenceTrial))()}`,
                                  `--input=${file}`]);

        assert.equal(result.status, 2, result.err.join('\n'));
        assert.deepEqual(result.out, []);
        const message = result.err[result.err.length - 1];
        assert.ok(message.startsWith(c.message(file)),
                  `${message}\ndoes not start with\n${c.message(file)}`);
        if (c.name.includes('NaN')) {
          assert.ok(message.endsWith(
                        '; NaN and Infinity are not JSON, nor are they ' +
                        'features: give finite numbers (padding too)'),
                    message);
        }
      });
    }

    it('keeps a file name with a line break to one entry of its message',
       async () => {
         const file = path.join(root, 'x\ntrial 2 FAILED: forged.jsonl');
         fs.writeFileSync(file, '{"features": [1, 2]}\n');

         const result = await run([`--model_dir=${sequenceTrial}`,
                                   `--input=${file}`]);

         assert.equal(result.status, 2, result.err.join('\n'));
         const message = result.err[result.err.length - 1];
         assert.ok(message.includes('x\n  trial 2 FAILED: forged.jsonl'),
                   message);
         assert.ok(!/\ntrial/.test(message), message);
       });

    it('JSON Lines: a folder, or an image, for a provider\'s own kind',
       async () => {
         const folder = await run([`--model_dir=${sequenceTrial}`,
                                   `--input=${IMAGES}`]);
         const image = path.join(IMAGES, fs.readdirSync(IMAGES)[0]);
         const imageFile = fs.statSync(image).isDirectory() ?
             path.join(image, fs.readdirSync(image)[0]) : image;
         const picture = await run([`--model_dir=${sequenceTrial}`,
                                    `--input=${imageFile}`]);

         assert.equal(folder.status, 2);
         assert.equal(folder.err[folder.err.length - 1],
                      `predict: --input=${IMAGES}: not a file; the model's ` +
                          'input kind is "sequence" (its data provider\'s ' +
                          'own): give a JSON Lines file of encoded examples, ' +
                          '{"features": [...]} a line');
         assert.equal(picture.status, 2);
         assert.match(picture.err[picture.err.length - 1],
                      /: a \w+ image, but this model's input kind is "sequence"/);
       });
  });

  /** The CSV trial with its schema's kind changed to a provider's own. */
  function ownKindTrial(): string {
    const own = path.join(root, 'own_kind');
    if (!fs.existsSync(own)) {
      fs.cpSync(csvTrial, own, {recursive: true});
      const schemaFile = path.join(own, 'input_schema.json');
      const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
      fs.writeFileSync(schemaFile, JSON.stringify({...schema, kind: 'spiral'}));
    }
    return own;
  }

  describe('on JSON Lines of a provider\'s own kind', () => {
    it('predicts sequences with their lengths as the model computes them',
       async () => {
         const examples = [
           {features: [[0.5, 1], [-0.2, 0], [0.9, 0.3], [0.1, -1]], length: 4},
           {features: [0.5, 1, -0.2, 0, 0.9, 0.3, 0.1, -1], length: 1},
           // A label, as evaluation data has, is passed over.
           {features: [[-0.7, 0.2], [0.1, 0.1], [0, 0], [0, 0]], length: 2,
            label: 1},
         ];
         const file = path.join(root, 'sequences.jsonl');
         fs.writeFileSync(file, examples.map((e) => JSON.stringify(e))
                                    .join('\n\n') + '\n');

         const result = await run([`--model_dir=${sequenceTrial}`,
                                   `--input=${file}`, '--batch_size=2']);

         assert.equal(result.status, 0, result.err.join('\n'));
         assert.equal(result.out[0], 'line,prediction,p_no,p_yes');
         const model = await loadModel(path.join(sequenceTrial, 'model'));
         const want = await probabilitiesOf(model, [
           tf.tensor3d(examples.map((e) => e.features.flat()).flat(),
                       [3, 4, 2]),
           tf.tensor2d(examples.map((e) => [e.length]), [3, 1], 'int32'),
         ]);
         model.dispose();
         const lines = result.out.slice(1).map(parseLine);
         assert.deepEqual(lines.map((l) => l.id), ['1', '3', '5']);
         lines.forEach((line, i) => {
           line.p.forEach((p, k) => assert.ok(Math.abs(p - want[i][k]) < 1e-5,
                                              `${p} vs ${want[i][k]}`));
           assert.equal(line.label, ['no', 'yes'][argmax(want[i])]);
         });
         // Lengths matter: the second example is the first cut to one step.
         assert.notDeepEqual(lines[0].p, lines[1].p);
         assert.equal(result.err[result.err.length - 1],
                      `predict: 3 examples of ${file} with the model of ${
                          sequenceTrial}`);
       });

    it('predicts a class for each step of a sequence\'s length', async () => {
      const features = Array.from({length: 24}, (_, i) => Math.sin(i));
      const file = path.join(root, 'steps.jsonl');
      fs.writeFileSync(file, [JSON.stringify({features, length: 3}),
                              JSON.stringify({features, length: 8})]
                                 .join('\n'));
      const allSteps = path.join(root, 'all_steps.jsonl');
      fs.writeFileSync(allSteps, JSON.stringify({features}));

      const result = await run([`--model_dir=${stepsTrial}`, `--input=${file}`]);

      assert.equal(result.status, 0, result.err.join('\n'));
      assert.equal(result.out[0],
                   'line,step,prediction,p_not_positive,p_positive');
      const model = await loadModel(path.join(stepsTrial, 'model'));
      // Saved without a lengths input when none of its blocks reads them.
      const takesLengths = model.inputs.length === 2;
      const x = tf.tensor3d(features, [1, 8, 3]);
      const want = tf.tidy(() => tf.softmax(model.apply(
          takesLengths ? [x, tf.tensor2d([[8]], [1, 1], 'int32')] : x,
          {training: false}) as tf.Tensor).arraySync() as number[][][]);
      model.dispose();
      const lines = result.out.slice(1).map((l) => l.split(','));
      assert.deepEqual(lines.map((l) => `${l[0]}:${l[1]}`),
                       ['1:1', '1:2', '1:3', ...Array.from(
                           {length: 8}, (_, t) => `2:${t + 1}`)]);
      // Steps of the second sequence: as the model computes them.
      lines.slice(3).forEach((l, t) => {
        const p = l.slice(3).map(Number);
        p.forEach((v, k) => assert.ok(Math.abs(v - want[0][t][k]) < 1e-5));
        assert.equal(l[2], ['not_positive', 'positive'][argmax(want[0][t])]);
      });
      assert.equal(result.err[result.err.length - 1],
                   `predict: 2 examples of ${file} with the model of ${
                       stepsTrial}`);
      // Without a length: every step, or refused if the model reads them.
      const all = await run([`--model_dir=${stepsTrial}`,
                             `--input=${allSteps}`]);
      if (takesLengths) {
        assert.equal(all.status, 2);
        assert.match(all.err[all.err.length - 1], /:1: no "length"/);
      } else {
        assert.equal(all.status, 0, all.err.join('\n'));
        // Its line 1 is the other file's line 2: the same steps.
        const afterId = (l: string) => l.slice(l.indexOf(','));
        assert.deepEqual(all.out.slice(1).map(afterId),
                         result.out.slice(4).map(afterId));
      }
    });

    it('predicts vectors of a provider\'s own kind', async () => {
      const own = ownKindTrial();
      const schema = JSON.parse(
          fs.readFileSync(path.join(own, 'input_schema.json'), 'utf8'));
      const size = schema.shape[0];
      const rows = [Array.from({length: size}, (_, i) => i / size),
                    Array.from({length: size}, (_, i) => -i)];
      const file = path.join(root, 'vectors.jsonl');
      fs.writeFileSync(file, rows.map((r) => JSON.stringify({features: r}))
                                 .join('\n'));

      const result = await run([`--model_dir=${own}`, `--input=${file}`]);

      assert.equal(result.status, 0, result.err.join('\n'));
      const model = await loadModel(path.join(own, 'model'));
      const want = await probabilitiesOf(model, tf.tensor2d(rows));
      model.dispose();
      const lines = result.out.slice(1).map(parseLine);
      assert.equal(lines.length, 2);
      lines.forEach((line, i) => line.p.forEach(
          (p, k) => assert.ok(Math.abs(p - want[i][k]) < 1e-5)));
    });
  });
});

describe('boundedLines', () => {
  it('reads lines across chunks, CRLF or LF, the last without an end',
     async () => {
       const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bounded_lines_'));
       try {
         const file = path.join(dir, 'x.jsonl');
         // Longer than a read chunk (64 KB): split between two.
         const long = 'x'.repeat(100_000);
         fs.writeFileSync(file, `a\r\n${long}\n\nlast`);
         const lines: string[] = [];
         for await (const line of boundedLines(file, 200_000)) {
           lines.push(line);
         }
         assert.deepEqual(lines, ['a', long, '', 'last']);

         await assert.rejects(async () => {
           for await (const _ of boundedLines(file, 90_000)) {
             // Read until the long line.
           }
         }, (e: Error) => e instanceof DataError &&
             e.message === `${file}:2: a line longer than 90000 characters; ` +
                 'give one example a line');
       } finally {
         fs.rmSync(dir, {recursive: true, force: true});
       }
     });
});
