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

import {PNG} from 'pngjs';

import {tf} from '../backend/tf';
import {runHeldBackByPermissions, settleScript} from '../permissions_testing';
import {UsageError} from '../errors';
import {FLAGS} from '../flags';

import {Batch, DataError, PROVIDERS, setReadProgressInterval} from './data';
import {withUnopenedFifo} from './fifo_testing';
import {loadImage} from './image_decode';
import {encodeImageFile, heldOutPerClass, ImageDataArgs, ImageDataProvider} from './image_data';
import {Provider as FlagProvider} from './image_data_for_binary';

/** The committed test data, from Bazel runfiles or the source tree. */
function testdata(name: string): string {
  for (const dir of [path.join(__dirname, 'testdata'),
                     path.resolve('model_search/data/testdata')]) {
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  throw new Error(`test data ${name} not found`);
}

let tmpRoot: string|undefined;

function tmpDir(): string {
  tmpRoot ??= fs.mkdtempSync(
      path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'image_data_'));
  return fs.mkdtempSync(path.join(tmpRoot, 'case_'));
}

/** A 1x1 PNG whose red channel is `value`. */
function tinyPng(value: number): Buffer {
  const png = new PNG({width: 1, height: 1});
  png.data.set([value, 0, 0, 255]);
  return PNG.sync.write(png);
}

/** Writes `files` (relative path -> bytes) under a new folder. */
function folder(files: Record<string, Buffer|string>): string {
  const dir = tmpDir();
  for (const [name, bytes] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fs.writeFileSync(file, bytes);
  }
  return dir;
}

async function prepared(args: ImageDataArgs):
    Promise<{provider: ImageDataProvider, logged: string[]}> {
  const logged: string[] = [];
  const provider = new ImageDataProvider({...args, log: (l) => logged.push(l)});
  await provider.prepare();
  return {provider, logged};
}

/** Batches as [flat pixels per image, label]; disposes the tensors. */
async function take(batches: AsyncIterable<Batch>, count = Infinity):
    Promise<Array<{shape: number[], images: number[][], labels: number[]}>> {
  const out = [];
  for await (const batch of batches) {
    assert.equal(batch.features.dtype, 'float32');
    assert.equal(batch.labels.dtype, 'int32');
    const shape = batch.features.shape;
    const size = shape.slice(1).reduce((a, b) => a * b, 1);
    const flat = Array.from(batch.features.dataSync());
    const labels = Array.from(batch.labels.dataSync());
    out.push({
      shape,
      images: labels.map((_, i) => flat.slice(i * size, (i + 1) * size)),
      labels,
    });
    tf.dispose([batch.features, batch.labels]);
    if (out.length === count) break;
  }
  return out;
}

function key(pixels: number[]): string {
  return pixels.map((v) => v.toFixed(4)).join(',');
}

async function prepareError(args: ImageDataArgs): Promise<DataError> {
  const provider = new ImageDataProvider({...args, log: () => {}});
  try {
    await provider.prepare();
  } catch (e) {
    assert.ok(e instanceof DataError, `not a DataError: ${e}`);
    return e;
  }
  throw new Error('prepare() did not throw');
}

describe('ImageDataProvider', () => {
  const shape = {imageHeight: 16, imageWidth: 12};

  it('reads the original\'s two-class image folder', async () => {
    const dir = testdata('images');

    const {provider, logged} = await prepared({inputDir: dir, ...shape});

    assert.deepEqual(logged, [
      `image: ${dir}: 2 classes (0,1), 10 images, 8 for training, 2 held ` +
      'out for evaluation; input 16x12x3',
    ]);
    assert.equal(provider.numberOfClasses(), 2);
    const schema = provider.inputSchema();
    assert.equal(schema.kind, 'image');
    assert.deepEqual(schema.shape, [16, 12, 3]);
    assert.deepEqual(schema.labelVocabulary, ['0', '1']);
  });

  it('serves endless shuffled training batches and one eval pass',
     async () => {
       const dir = testdata('images');
       const {provider} = await prepared({inputDir: dir, ...shape});
       const truth = new Map<string, number>();
       for (const label of [0, 1]) {
         for (const name of fs.readdirSync(path.join(dir, String(label)))) {
           const pixels = await loadImage(
               path.join(dir, String(label), name),
               {height: 16, width: 12, channels: 3});
           truth.set(key(Array.from(pixels)), label);
         }
       }

       const train = await take(provider.getInputFn({}, 'train', 4)(), 6);
       const evaluation = await take(provider.getInputFn({}, 'eval', 4)());

       assert.equal(train.length, 6);
       assert.ok(train.every((b) => b.shape.join() === '4,16,12,3'));
       const seen = train.flatMap((b) => b.images.map((image, i) => {
         const k = key(image);
         assert.equal(truth.get(k), b.labels[i], 'label of its folder');
         return k;
       }));
       const epochs = [seen.slice(0, 8), seen.slice(8, 16)];
       assert.equal(new Set(epochs[0]).size, 8);
       assert.deepEqual([...epochs[0]].sort(), [...epochs[1]].sort());
       assert.notDeepEqual(epochs[0], epochs[1], 'reshuffled each epoch');
       assert.deepEqual(evaluation.map((b) => b.shape), [[2, 16, 12, 3]]);
       const held = evaluation[0].images.map(key);
       assert.ok(held.every((k) => truth.has(k) && !epochs[0].includes(k)));
       assert.equal(new Set([...epochs[0], ...held]).size, 10);
     });

  it('reads grey, palette, alpha, 16-bit, JPEG, BMP and GIF images',
     async () => {
       const dir = testdata('odd_images');

       const {provider, logged} = await prepared({
         inputDir: dir,
         imageHeight: 6,
         imageWidth: 5,
         channels: 1,
         evalFraction: 0,
       });
       const [batch] = await take(provider.getInputFn({}, 'eval', 100)());

       assert.deepEqual(logged, [
         `image: ${dir}: 2 classes (a,b), 8 images, 8 for training, ` +
         'evaluated on the training images; input 6x5x1',
       ]);
       assert.deepEqual(batch.shape, [8, 6, 5, 1]);
       assert.deepEqual([...batch.labels].sort(), [0, 0, 0, 0, 1, 1, 1, 1]);
       assert.ok(batch.images.flat().every((v) => v >= 0 && v <= 1));
     });

  it('takes classes from sorted folder names, any number of them',
     async () => {
       for (const classes of [3, 100]) {
         const files: Record<string, Buffer|string> = {};
         for (let i = 0; i < classes; i++) {
           files[`class_${i}/one.png`] = tinyPng(i);
           files[`class_${i}/deeper/two.PNG`] = tinyPng(i);
           files[`class_${i}/notes.txt`] = 'not an image';
           files[`class_${i}/.hidden.png`] = 'skipped';
         }
         const dir = folder(files);

         const {provider, logged} = await prepared({
           inputDir: dir,
           imageHeight: 2,
           imageWidth: 2,
           evalFraction: 0.25,
         });
         // The files that are not images are named; hidden ones are not.
         assert.equal(
             logged[logged.length - 1],
             `image: skipped ${classes} files that are not .png .jpg .jpeg ` +
                 '.jpe .jfif .bmp .dib .gif: class_0/notes.txt, class_1/notes.txt, ' +
                 (classes > 3 ? 'class_10/notes.txt, ...' :
                                'class_2/notes.txt'));
         const train = await take(provider.getInputFn({}, 'train', 10)(), 3);
         const evaluation = await take(provider.getInputFn({}, 'eval', 7)());

         const names = Array.from({length: classes}, (_, i) => `class_${i}`);
         const vocabulary = provider.inputSchema().labelVocabulary!;
         assert.deepEqual(vocabulary, [...names].sort());
         assert.equal(provider.numberOfClasses(), classes);
         for (const b of [...train, ...evaluation]) {
           b.images.forEach((image, i) => {
             const value = Math.round(image[0] * 255);
             assert.equal(vocabulary[b.labels[i]], `class_${value}`);
           });
         }
         const held = evaluation.reduce((n, b) => n + b.labels.length, 0);
         assert.equal(held, Math.floor(0.25 * 2 * classes));
       }
     });

  it('refuses a link back to a folder above, naming it', async () => {
    const dir = folder({
      'a/1.png': tinyPng(1), 'a/2.png': tinyPng(2), 'b/1.png': tinyPng(3),
    });
    fs.symlinkSync('..', path.join(dir, 'a', 'up'));

    await assert.rejects(
        prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
        (e: Error) => e instanceof DataError &&
            e.message === `${path.join(dir, 'a', 'up')}: links back to ${
                fs.realpathSync(dir)}, a folder above it, so its images ` +
                'would be read without end; remove the link');
  });

  it('skips the folders of copies other tools leave, saying so', async () => {
    const dir = folder({
      'a/1.png': tinyPng(1), 'a/2.png': tinyPng(2), 'b/1.png': tinyPng(3),
      'b/2.png': tinyPng(4), '__MACOSX/a/._1.png': '\u0000\u0005',
      'a/@eaDir/1.png/SYNOFILE_THUMB_M.png': tinyPng(5),
    });

    const {provider, logged} = await prepared(
        {inputDir: dir, imageHeight: 1, imageWidth: 1, evalFraction: 0});

    assert.equal(provider.numberOfClasses(), 2);
    assert.ok(logged.includes(
                  `image: skipped ${path.join(dir, '__MACOSX')}: no class, ` +
                  'a folder macOS\'s archiver leaves of file attributes'),
              logged.join('\n'));
    assert.ok(logged.some((l) => l.includes(
                  'skipped 1 folder of copies other tools keep (__MACOSX, ' +
                  `@eaDir): ${path.join('a', '@eaDir')}`)),
              logged.join('\n'));
    assert.ok(logged.some((l) => /\b4 images\b/.test(l)), logged.join('\n'));
  });

  it('refuses two class folders whose names read the same', async () => {
    const dir = folder({
      'Gr\u00f6\u00dfe/1.png': tinyPng(1),
      'Gro\u0308\u00dfe/1.png': tinyPng(2), 'b/1.png': tinyPng(3),
    });

    await assert.rejects(
        prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
        (e: Error) => e instanceof DataError &&
            e.message === `${dir}: class folders "Gro\u0308\u00dfe" and ` +
                '"Gr\u00f6\u00dfe" have names that read the same, spelt ' +
                'with other Unicode code points: merge them into one');
  });

  it('refuses a class folder or image whose name is not UTF-8', async () => {
    const utf8 = (dir: string) => Buffer.from(dir);
    // A Latin-1 "été" as a class folder, and "café.png" in a class.
    const classDir = folder({'a/1.png': tinyPng(1), 'b/1.png': tinyPng(2)});
    fs.renameSync(path.join(classDir, 'b'),
                  Buffer.concat([utf8(`${classDir}/`),
                                 Buffer.from([0xe9, 0x74, 0xe9])]));
    const fileDir = folder({'a/1.png': tinyPng(1), 'b/1.png': tinyPng(2)});
    fs.renameSync(path.join(fileDir, 'b', '1.png'),
                  Buffer.concat([utf8(`${fileDir}/b/caf`),
                                 Buffer.from([0xe9]), utf8('.png')]));

    for (const [dir, name] of [[classDir, '\ufffdt\ufffd'],
                               [fileDir, 'b/caf\ufffd.png']]) {
      await assert.rejects(
          prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
          (e: Error) => e instanceof DataError &&
              e.message === `${path.join(dir, name)}: its name is not ` +
                  'valid UTF-8 (shown with \ufffd for the bytes that are ' +
                  'not), so it cannot be opened by name; rename it ' +
                  '(convmv -f latin1 -t utf8 -r --notest FOLDER renames a ' +
                  'folder of Latin-1 names)');
    }
  });

  it('refuses a link into another class\'s folder, naming it', async () => {
    const dir = folder({
      'a/1.png': tinyPng(1), 'a/2.png': tinyPng(2), 'b/1.png': tinyPng(3),
    });
    fs.symlinkSync(path.join(dir, 'b'), path.join(dir, 'a', 'sib'));

    await assert.rejects(
        prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
        (e: Error) => e instanceof DataError &&
            e.message === `${path.join(dir, 'a', 'sib')}: links to ${
                fs.realpathSync(path.join(dir, 'b'))}, which class "b" ` +
                'reads too, so its images would count for two classes; ' +
                'remove the link');
  });

  it('refuses one outside folder linked into two classes', async () => {
    const dir = folder({
      'a/1.png': tinyPng(1), 'b/1.png': tinyPng(3), 'shared/x.png': tinyPng(5),
    });
    const inputDir = path.join(dir, 'in');
    fs.mkdirSync(inputDir);
    fs.renameSync(path.join(dir, 'a'), path.join(inputDir, 'a'));
    fs.renameSync(path.join(dir, 'b'), path.join(inputDir, 'b'));
    fs.symlinkSync(path.join(dir, 'shared'), path.join(inputDir, 'a', 'ext'));
    fs.symlinkSync(path.join(dir, 'shared'), path.join(inputDir, 'b', 'ext'));

    await assert.rejects(
        prepared({inputDir, imageHeight: 1, imageWidth: 1}),
        /b\/ext: links to .*shared, which class "a" reads too/);
  });

  it('refuses an image linked from another class, or read twice', async () => {
    const dir = folder({
      'a/1.png': tinyPng(1), 'a/sub/2.png': tinyPng(2), 'b/1.png': tinyPng(3),
    });
    fs.symlinkSync(path.join(dir, 'b', '1.png'), path.join(dir, 'a', 'x.png'));
    await assert.rejects(
        prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
        /a\/x\.png: links to .*b\/1\.png, which class "b" reads too/);

    fs.rmSync(path.join(dir, 'a', 'x.png'));
    fs.symlinkSync('sub', path.join(dir, 'a', 'again'));
    await assert.rejects(
        prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
        /a\/again: links to .*a\/sub, which class "a" reads already, so its images would be read twice/);
  });

  it('refuses a link that leads nowhere, in a class or as a class', async () => {
    const dir = folder({'a/1.png': tinyPng(1), 'b/1.png': tinyPng(3)});
    const nowhere = path.join(dir, 'gone');
    const says = (link: string) => (e: Error) => e instanceof DataError &&
        e.message === `${link}: a link to ${nowhere}, which does not exist; ` +
            'remove the link or put back what it leads to';
    for (const link of [path.join(dir, 'a', 'x.png'), path.join(dir, 'c')]) {
      fs.symlinkSync(nowhere, link);
      await assert.rejects(
          prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
          says(link));
      fs.rmSync(link);
    }
  });

  it('refuses a class folder that is a link to another class', async () => {
    const dir = folder({'a/1.png': tinyPng(1), 'b/1.png': tinyPng(3)});
    fs.symlinkSync('b', path.join(dir, 'c'));

    await assert.rejects(
        prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
        (e: Error) => e instanceof DataError &&
            e.message === `${path.join(dir, 'c')}: class folder "c" is the ` +
                'folder of class "b" too (through a link), so its images ' +
                'would count for two classes; remove the link');
  });

  it('warns when it holds out more images than it trains on', async () => {
    const dir = folder({
      'a/1.png': tinyPng(1), 'a/2.png': tinyPng(2), 'b/1.png': tinyPng(3),
      'b/2.png': tinyPng(4),
    });
    const warnings = async (evalFraction: number) =>
        (await prepared({inputDir: dir, imageHeight: 1, imageWidth: 1,
                         evalFraction, seed: 1}))
            .logged.filter((l) => l.includes('for training, fewer'));

    assert.deepEqual(await warnings(0.5), []);
    assert.deepEqual(await warnings(0.75), [
      'image: warning: --eval_fraction=0.75 leaves 1 of 4 images for ' +
          'training, fewer than it holds out for evaluation; lower ' +
          '--eval_fraction (default 0.2)',
    ]);
  });

  it('holds out images of every class it can, whatever the seed', async () => {
    const dir = folder({
      'a/1.png': tinyPng(1), 'a/2.png': tinyPng(2), 'a/3.png': tinyPng(3),
      'b/1.png': tinyPng(4), 'b/2.png': tinyPng(5), 'b/3.png': tinyPng(6),
    });
    for (let seed = 0; seed < 20; seed++) {
      const {provider, logged} = await prepared(
          {inputDir: dir, imageHeight: 1, imageWidth: 1, evalFraction: 0.34,
           seed});
      const [held] = await take(provider.getInputFn({}, 'eval', 4)());
      assert.deepEqual(held.labels.sort(), [0, 1], `seed ${seed}`);
      assert.deepEqual(
          logged.filter((l) => l.startsWith('image: warning')), [],
          `seed ${seed}`);
    }
  });

  it('warns when the held-out images are all of one class', async () => {
    const dir = folder({
      'a/1.png': tinyPng(1), 'a/2.png': tinyPng(2), 'a/3.png': tinyPng(3),
      'a/4.png': tinyPng(4), 'b/1.png': tinyPng(5),
    });

    const {logged} = await prepared(
        {inputDir: dir, imageHeight: 1, imageWidth: 1, evalFraction: 0.2});

    assert.deepEqual(logged.filter((l) => l.startsWith('image: warning')), [
      'image: warning: the 1 image held out for evaluation is of class a: ' +
          'accuracy on it says little and AUC cannot be computed; add ' +
          'images or raise --eval_fraction',
    ]);
  });

  it('warns of a class too small to be evaluated', async () => {
    // 2 of 9 held out, shared by the largest classes: one each of a, b.
    const files: Record<string, Buffer> = {'rare/1.png': tinyPng(0)};
    for (let i = 1; i <= 4; i++) {
      files[`a/${i}.png`] = tinyPng(i);
      files[`b/${i}.png`] = tinyPng(10 + i);
    }

    const {logged} = await prepared({inputDir: folder(files), imageHeight: 1,
                                     imageWidth: 1, evalFraction: 0.25});

    assert.deepEqual(logged.filter((l) => l.startsWith('image: warning')), [
      'image: warning: class rare (1) has too few images for any to be ' +
          'held out at --eval_fraction=0.25: trained on, never evaluated, ' +
          'so the metrics say nothing of it; add images',
    ]);
  });

  it('warns of images in no class folder, which it leaves out', async () => {
    const dir = folder({
      'a/1.png': tinyPng(1), 'b/1.png': tinyPng(2), 'stray.png': tinyPng(3),
      'notes.txt': 'not an image',
    });

    const {logged, provider} = await prepared(
        {inputDir: dir, imageHeight: 1, imageWidth: 1, evalFraction: 0});

    assert.ok(logged.includes(
                  `image: warning: 1 image directly in ${dir} (stray.png) ` +
                  'is in no class folder: not used; move each into the ' +
                  'folder of its class'),
              logged.join('\n'));
    const examples = provider.inputSchema().extra!['examples'] as
        {train: number, eval: number, evalDigest: string};
    assert.deepEqual({...examples, evalDigest: undefined},
                     {train: 2, eval: 0, evalDigest: undefined});
    assert.match(examples.evalDigest, /^[0-9a-f]{16}$/);
  });

  it('reads JPEGs named .jfif or .jpe; names images of formats it cannot read',
     async () => {
       const jpeg = fs.readFileSync(testdata('odd_images/b/photo.jpg'));
       const dir = folder({
         'a/1.jfif': jpeg, 'a/2.JPE': jpeg, 'a/3.webp': 'RIFF....WEBP',
         'b/1.png': tinyPng(2), 'b/2.TIFF': 'II*\0', 'b/notes.txt': 'text',
       });

       const {logged} = await prepared(
           {inputDir: dir, imageHeight: 1, imageWidth: 1, evalFraction: 0});

       assert.match(logged[0], /2 classes \(a,b\), 3 images/);
       assert.ok(logged.includes(
                     'image: warning: 2 images of .tiff .webp (a/3.webp, ' +
                     'b/2.TIFF) are not used: this reader decodes .png .jpg ' +
                     '.jpeg .jpe .jfif .bmp .dib .gif; convert them to PNG ' +
                     'or JPEG to use them'),
                 logged.join('\n'));
       assert.ok(logged.includes(
                     'image: skipped 1 file that is not .png .jpg .jpeg .jpe ' +
                     '.jfif .bmp .dib .gif: b/notes.txt'),
                 logged.join('\n'));
     });

  it('refuses a FIFO named as an image without opening it', async () => {
    const dir = folder({'a/1.png': tinyPng(1), 'b/1.png': tinyPng(2)});
    const fifo = path.join(dir, 'b', 'pipe.png');
    await withUnopenedFifo(fifo, () => assert.rejects(
        prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
        (e: Error) => e instanceof DataError &&
            e.message === `${fifo}: named as an image, but it is a named ` +
                'pipe (FIFO); remove it, or put the image file there'));
  });

  it('names the unread images of a class that has no others', async () => {
    const dir = folder({'a/1.png': tinyPng(1), 'b/x.webp': 'RIFF....WEBP'});
    await assert.rejects(
        prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
        (e: Error) => e instanceof DataError &&
            e.message === `${dir}/b: class folder "b" has no images (.png ` +
                '.jpg .jpeg .jpe .jfif .bmp .dib .gif) (it holds 1 image of ' +
                '.webp, x.webp, which this reader does not decode: convert ' +
                'them to PNG or JPEG); add some or remove the folder');
  });

  it('refuses a link named as an image that leads back to itself', async () => {
    const dir = folder({'a/1.png': tinyPng(1), 'b/1.png': tinyPng(2)});
    fs.symlinkSync('loop.png', path.join(dir, 'b', 'loop.png'));
    await assert.rejects(
        prepared({inputDir: dir, imageHeight: 1, imageWidth: 1}),
        (e: Error) => e instanceof DataError &&
            e.message === `${dir}/b/loop.png: named as an image, but it is ` +
                'a link that leads back to itself (or through too many ' +
                'links); remove it, or put the image file there');
  });

  it('warns of a data set\'s train and test parts given as classes',
     async () => {
       // The test part holds a class more.
       const dir = folder({
         'train/cat/1.png': tinyPng(1), 'train/dog/1.png': tinyPng(2),
         'test/cat/1.png': tinyPng(3), 'test/dog/1.png': tinyPng(4),
         'test/owl/1.png': tinyPng(5),
       });

       const {logged} = await prepared(
           {inputDir: dir, imageHeight: 1, imageWidth: 1, evalFraction: 0});

       assert.ok(logged.includes(
                     `image: warning: every class folder of ${dir} (test, ` +
                     'train) holds folders of the same names (cat, dog): if ' +
                     `those are the classes, give --input_dir=${dir}/train ` +
                     '(its sub-folders are the classes) rather than the ' +
                     'folder of the data set\'s parts'),
                 logged.join('\n'));
       // Classes whose folders hold sub-folders of their own names: none.
       const plain = folder({'cat/a/1.png': tinyPng(1),
                             'dog/b/1.png': tinyPng(2)});
       const other = await prepared(
           {inputDir: plain, imageHeight: 1, imageWidth: 1, evalFraction: 0});
       assert.ok(!other.logged.some((l) => l.includes('same names')));
     });

  it('says how far a long decoding got', async () => {
    const dir = folder({'a/1.png': tinyPng(1), 'b/1.png': tinyPng(2),
                        'b/2.png': tinyPng(3)});
    setReadProgressInterval(0);
    try {
      const {logged} = await prepared(
          {inputDir: dir, imageHeight: 1, imageWidth: 1, evalFraction: 0});
      assert.deepEqual(
          logged.filter((l) => l.startsWith('image: decoding'))
              .map((l) => l.replace(/\(\d+s\)$/, '(Ns)')),
          [0, 1, 2].map((done) => `image: decoding ${dir}: ${
                            done} of 3 images so far (Ns)`));
    } finally {
      setReadProgressInterval(10000);
    }
  });

  it('tells evaluation images apart by their pixels, not their names',
     async () => {
       const digest = async (files: Record<string, string|Buffer>) => {
         const {provider} = await prepared({
           inputDir: folder(files), imageHeight: 1, imageWidth: 1,
           evalFraction: 0.5,
         });
         return (provider.inputSchema().extra!['examples'] as
                 {evalDigest: string}).evalDigest;
       };
       const layout = (a: number, b: number) => ({
         'red/1.png': tinyPng(a), 'red/2.png': tinyPng(a),
         'blue/1.png': tinyPng(b), 'blue/2.png': tinyPng(b),
       });

       const first = await digest(layout(1, 2));

       assert.equal(await digest(layout(1, 2)), first, 'a copy elsewhere');
       assert.notEqual(await digest(layout(3, 2)), first, 'other pixels');
     });

  it('warns when a class has no training image left', async () => {
    // One image held out of two, shared alike: the lower class id's.
    const dir = folder({'alone/one.png': tinyPng(1), 'many/a.png': tinyPng(2)});

    const {provider, logged} = await prepared(
        {inputDir: dir, imageHeight: 1, imageWidth: 1, evalFraction: 0.5});

    const [held] = await take(provider.getInputFn({}, 'eval', 4)());
    assert.deepEqual(held.labels, [0]);
    assert.ok(logged.includes(
                  'image: warning: class alone has no training image ' +
                  '(--eval_fraction=0.5 holds all of its out); add images or ' +
                  'lower --eval_fraction'),
              logged.join('\n'));
  });

  it('splits the same way for the same seed only', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i++) files[`c${i % 4}/${i}.png`] = tinyPng(i);
    const dir = folder(files);
    const heldOut = async (seed: number) => {
      const {provider} = await prepared(
          {inputDir: dir, imageHeight: 1, imageWidth: 1, seed});
      const batches = await take(provider.getInputFn({}, 'eval', 100)());
      return batches[0].images.map((image) => Math.round(image[0] * 255));
    };

    const first = await heldOut(1);

    assert.equal(first.length, 8);
    assert.deepEqual(await heldOut(1), first);
    assert.notDeepEqual(await heldOut(2), first);
  });

  it('prepares single files for prediction like training', async () => {
    const dir = testdata('images');
    const {provider} = await prepared({inputDir: dir, ...shape});
    const file = path.join(dir, '0', '1.png');

    const pixels = await encodeImageFile(
        JSON.parse(JSON.stringify(provider.inputSchema())), file);

    assert.deepEqual(
        pixels, await loadImage(file, {height: 16, width: 12, channels: 3}));
  });

  describe('rejects bad folders naming the path', () => {
    const cases: Array<{
      name: string,
      files: Record<string, Buffer|string>,
      at?: string,
      args?: Partial<ImageDataArgs>,
      message: (dir: string) => string,
    }> = [
      {
        name: 'a folder without class folders',
        files: {'1.png': tinyPng(1), '2.png': tinyPng(2)},
        message: (d) => `${d}: no class folders (it holds 2 images ` +
            'directly); put the images in one sub-folder per class, e.g. ' +
            `${d}/cat/1.png and ${d}/dog/2.png`,
      },
      {
        name: 'a single class',
        files: {'cat/1.png': tinyPng(1), 'cat/2.png': tinyPng(2)},
        message: (d) => `${d}: only one class folder ("cat"); a classifier ` +
            'needs at least two',
      },
      {
        name: 'an empty class folder',
        files: {'cat/1.png': tinyPng(1), 'dog/readme.txt': 'no images'},
        message: (d) => `${d}/dog: class folder "dog" has no images (.png ` +
            '.jpg .jpeg .jpe .jfif .bmp .dib .gif); add some or remove the folder',
      },
      {
        name: 'a corrupt image',
        files: {
          'cat/1.png': tinyPng(1),
          'dog/2.png': tinyPng(2).subarray(0, 30),
        },
        args: {evalFraction: 0},
        message: (d) => `${d}/dog/2.png: cannot decode this PNG image ` +
            '(its image data is cut short or damaged (unexpected end of ' +
            'file)); ' +
            'replace or remove the file',
      },
      {
        name: 'a file that is not an image',
        files: {'cat/1.png': tinyPng(1), 'dog/2.jpg': 'GIF? no, text'},
        args: {evalFraction: 0},
        message: (d) => `${d}/dog/2.jpg: not a PNG, JPEG, BMP or GIF image ` +
            '(it starts with bytes 47 49 46 3f); replace or remove the file',
      },
      {
        name: 'several files that are not images, all named',
        files: {'cat/1.png': tinyPng(1), 'cat/2.jpg': 'text',
                'dog/3.jpg': 'more text', 'dog/4.png': tinyPng(2)},
        args: {evalFraction: 0},
        message: (d) => `2 images cannot be read; replace or remove them:\n` +
            `  ${d}/cat/2.jpg: not a PNG, JPEG, BMP or GIF image (it ` +
            'starts with bytes 74 65 78 74); replace or remove the file\n' +
            `  ${d}/dog/3.jpg: not a PNG, JPEG, BMP or GIF image (it ` +
            'starts with bytes 6d 6f 72 65); replace or remove the file',
      },
      {
        name: 'too few images to hold any out',
        files: {'cat/1.png': tinyPng(1), 'dog/2.png': tinyPng(2)},
        message: (d) => `${d}: --eval_fraction=0.2 of 2 images holds none ` +
            'out; add images, raise --eval_fraction, or pass ' +
            '--eval_fraction=0 to evaluate on the training images',
      },
      {
        name: 'a missing folder',
        files: {},
        at: 'nothing',
        message: (d) => `${d}: no such folder`,
      },
      {
        name: 'a file instead of a folder',
        files: {'file.png': tinyPng(1)},
        at: 'file.png',
        message: (d) => `${d}: not a folder; give the folder that holds one ` +
            'sub-folder per class',
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const root = folder(c.files);
        const dir = c.at === undefined ? root : path.join(root, c.at);

        const error = await prepareError(
            {inputDir: dir, imageHeight: 4, imageWidth: 4, ...c.args});

        assert.equal(error.message, c.message(dir));
      });
    }
  });

  it('rejects bad options before reading anything', () => {
    const cases: Array<{args: Partial<ImageDataArgs>, message: string}> = [
      {
        args: {inputDir: ''},
        message: '--input_dir is required: the folder with one sub-folder ' +
            'of images per class (the option inputDir, in a script)',
      },
      {
        args: {imageHeight: 0},
        message: '--image_height=0: must be a positive number of pixels ' +
            '(the option imageHeight, in a script)',
      },
      {
        args: {imageWidth: 2.5},
        message: '--image_width=2.5: must be a positive number of pixels ' +
            '(the option imageWidth, in a script)',
      },
      {
        args: {channels: 2},
        message: '--image_channels=2: must be 1 (grey), 3 (RGB) or 4 ' +
            '(RGBA) (the option channels, in a script)',
      },
      {
        args: {evalFraction: 1},
        message: '--eval_fraction=1: must be at least 0 and below 1 (the ' +
            'option evalFraction, in a script)',
      },
      {
        args: {imageHeigth: 16} as Partial<ImageDataArgs>,
        message: 'ImageDataProvider has no option "imageHeigth"; did you ' +
            'mean "imageHeight"?; its options are inputDir, imageHeight, ' +
            'imageWidth, channels, evalFraction, seed, log, cacheBytes',
      },
      {
        args: {seed: 1.5},
        message: 'seed=1.5: must be an integer (the split\'s seed, as ' +
            '--image_split_seed)',
      },
      {
        args: {cacheBytes: -1},
        message: 'cacheBytes=-1: must be a whole number of bytes, 0 or more',
      },
      {
        args: {imageHeight: '16' as unknown as number},
        message: '--image_height="16": must be a positive number of pixels ' +
            '(the option imageHeight, in a script)',
      },
      {
        args: {seed: '7' as unknown as number},
        message: 'seed="7": must be an integer (the split\'s seed, as ' +
            '--image_split_seed)',
      },
      {
        args: {imageHeight: 100000, imageWidth: 240},
        message: '--image_height=100000 --image_width=240: 24000000 pixels ' +
            'an image; the models take at most 16777216 (e.g. 4096x4096): ' +
            'give a smaller size',
      },
    ];
    for (const c of cases) {
      assert.throws(
          () => new ImageDataProvider(
              {inputDir: 'x', imageHeight: 4, imageWidth: 4, ...c.args}),
          new UsageError(c.message));
    }
    for (const notAnObject of [undefined, null, 'images/']) {
      assert.throws(
          () => new ImageDataProvider(notAnObject as unknown as ImageDataArgs),
          /^UsageError: ImageDataProvider takes an object of options \(\{inputDir, imageHeight, imageWidth, \.\.\.\}\), got (undefined|null|string)$/);
    }
  });
});

describe('image_data_for_binary Provider', () => {
  afterEach(() => {
    FLAGS.set('input_dir', '');
    FLAGS.set('image_height', '320');
    FLAGS.set('image_width', '240');
  });

  it('is registered as image_data_provider and reads the flags', async () => {
    FLAGS.set('input_dir', testdata('images'));
    FLAGS.set('image_height', '10');
    FLAGS.set('image_width', '8');
    const registration = PROVIDERS.get('image_data_provider');
    const logged: string[] = [];

    const provider = new registration.ctor(
        {...registration.initArgs, log: (l: string) => logged.push(l)});
    await provider.prepare();

    assert.equal(registration.ctor, FlagProvider);
    assert.deepEqual(provider.inputSchema().shape, [10, 8, 3]);
    assert.equal(logged.length, 1);
  });

  it('declares the original\'s flags and two more', () => {
    const want: Array<[string, unknown]> = [
      ['input_dir', ''], ['eval_fraction', 0.2], ['image_height', 320],
      ['image_width', 240], ['image_channels', 3], ['image_split_seed', 73],
    ];
    for (const [name, value] of want) {
      assert.ok(FLAGS.has(name), name);
      assert.equal(FLAGS.get(name), value, name);
    }
  });

  it('needs --input_dir, naming a folder that exists', () => {
    assert.throws(
        () => new FlagProvider(),
        new UsageError('--input_dir is required: the folder with one ' +
                       'sub-folder of images per class'));
    FLAGS.set('input_dir', '/no/such/images');
    assert.throws(
        () => new FlagProvider(),
        new UsageError('--input_dir=/no/such/images: no such folder'));
  });
});

describe('findImages', () => {
  /** How `call` (an expression of image_data's module, `m`) settles. */
  const settledAsUser = (call: string) => runHeldBackByPermissions(
      settleScript(path.join(__dirname, 'image_data.js'), call));

  it('names a folder or image closed to the user, not the system\'s EACCES',
     () => {
       const root = fs.mkdtempSync(path.join(os.tmpdir(), 'closed_images_'));
       const closed = path.join(root, 'cats');
       fs.mkdirSync(closed);
       // Listed, but not to be entered: its images cannot be looked at.
       const unentered = path.join(root, 'dogs');
       fs.mkdirSync(unentered);
       fs.copyFileSync(path.join(testdata('images'), '0', '1.png'),
                       path.join(unentered, '1.png'));
       const unreadable = path.join(root, 'birds', '1.png');
       fs.mkdirSync(path.dirname(unreadable));
       fs.copyFileSync(path.join(testdata('images'), '0', '1.png'),
                       unreadable);
       fs.chmodSync(closed, 0o000);
       fs.chmodSync(unentered, 0o644);
       fs.chmodSync(unreadable, 0o000);
       try {
         assert.equal(
             settledAsUser(`m.findImages(${JSON.stringify(closed)})`),
             `DataError: ${closed}: no permission to read this folder; ` +
                 'change its permissions, or run as a user who may read it');
         assert.equal(
             settledAsUser(`m.findImages(${JSON.stringify(unentered)})`),
             `DataError: ${path.join(unentered, '1.png')}: no permission ` +
                 `to enter ${unentered}; change the permissions, or run as ` +
                 'a user who may read it');
         assert.equal(
             settledAsUser(`m.encodeImageFile({kind: 'image', shape: ` +
                           `[4, 4, 3]}, ${JSON.stringify(unreadable)})`),
             `DataError: ${unreadable}: no permission to read it; change ` +
                 'its permissions, or run as a user who may read it');
       } finally {
         for (const dir of [closed, unentered]) fs.chmodSync(dir, 0o755);
         fs.rmSync(root, {recursive: true, force: true});
       }
     });
});

describe('heldOutPerClass', () => {
  const samples = (counts: number[]) => counts.flatMap(
      (n, label) => Array.from({length: n}, (_, i) => ({label, i})));

  it('shares by whole parts, then by the largest remainders', () => {
    // Exact shares 1.5, 0.9, 0.6: 1 + 0 + 0, then the 0.9 and 0.6.
    const held = heldOutPerClass(samples([5, 3, 2]), 3, 3);
    assert.deepEqual([...held].map((s) => [s.label, s.i]),
                     [[0, 4], [1, 2], [2, 1]]);
  });

  it('gives ties to the lower class id, and nothing when none is held', () => {
    assert.deepEqual([...heldOutPerClass(samples([1, 1]), 2, 1)],
                     [{label: 0, i: 0}]);
    assert.equal(heldOutPerClass(samples([3, 3]), 2, 0).size, 0);
  });
});
