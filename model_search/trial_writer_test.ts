/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {once} from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {SearchError} from './errors';
import {TrialDirectoryWriter} from './trial_writer';
import {RequestRunner} from './trial_writer_requests';
import type {WriterReply} from './trial_writer_requests';
import {machineName} from './metadata/worker_ids';

/** Entries of `dir` but the directory made ahead for the next trial. */
function trialEntries(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => !n.startsWith('.tmp-next-')).sort();
}

for (const thread of [true, false]) {
  describe(`TrialDirectoryWriter (${thread ? 'on a thread' : 'inline'})`,
           () => {
    let root: string;
    let writer: TrialDirectoryWriter;

    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'trial_writer_test_'));
      writer = new TrialDirectoryWriter(
          root, {thread, subdirectories: ['model']});
    });

    afterEach(async () => {
      await writer.close();
      fs.rmSync(root, {recursive: true, force: true});
    });

    it('writes the files under a temporary name and renames it on commit',
       () => {
         const job = writer.begin('7');
         job.write('model/model.json', '{"a":1}');
         job.write('hparams.json', 'text\n');
         job.sync();
         // Whole in its temporary directory; nothing under the final name.
         assert.match(path.basename(job.tmpDir),
                      new RegExp(`^\\.tmp-7-${process.pid}@${
                          machineName()}-\\d+$`));
         assert.equal(
             fs.readFileSync(path.join(job.tmpDir, 'hparams.json'), 'utf8'),
             'text\n');
         assert.ok(!fs.existsSync(path.join(root, '7')));

         assert.equal(job.commit(), path.join(root, '7'));
         assert.deepEqual(trialEntries(root), ['7']);
         assert.deepEqual(fs.readdirSync(path.join(root, '7')).sort(),
                          ['hparams.json', 'model']);
         assert.equal(
             fs.readFileSync(path.join(root, '7', 'model', 'model.json'),
                             'utf8'),
             '{"a":1}');
       });

    it('writes bytes as they were when written (thread) or handed over',
       () => {
         const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);
         const view = new Uint8Array(new ArrayBuffer(16), 4, 5);
         view.set([9, 8, 7, 6, 5]);
         const job = writer.begin('1');
         job.write('weights.bin', bytes);
         job.write('part.bin', view);
         // A thread's copy was taken at write; inline, nothing is written
         // before the job hands its requests over.
         view[0] = 42;
         job.send();
         assert.equal(bytes.byteLength, 9, 'the caller\'s buffer stays');
         job.commit();
         assert.deepEqual(
             [...fs.readFileSync(path.join(root, '1', 'weights.bin'))],
             [0, 1, 2, 250, 251, 252, 253, 254, 255]);
         assert.deepEqual(
             [...fs.readFileSync(path.join(root, '1', 'part.bin'))],
             [thread ? 9 : 42, 8, 7, 6, 5]);
       });

    it('writes parts back to back as they were when written', () => {
      const memory = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
      const job = writer.begin('3');
      job.write('model/weights.bin',
                [memory.subarray(5), new Uint8Array(0), memory.subarray(0, 2)]);
      job.write('empty.bin', []);
      // The parts are views a backend reuses at once.
      memory.fill(0);
      job.commit();
      assert.deepEqual(
          new Uint8Array(
              fs.readFileSync(path.join(root, '3', 'model', 'weights.bin'))),
          new Uint8Array([6, 7, 8, 1, 2]));
      assert.equal(fs.statSync(path.join(root, '3', 'empty.bin')).size, 0);
    });

    it('keeps the bytes of a job while another one commits', () => {
      const first = writer.begin('1');
      first.write('a.bin', new Uint8Array([1, 2, 3]));
      first.write('a.txt', 'first');
      const second = writer.begin('2');
      second.write('b.bin', new Uint8Array([9, 9, 9, 9]));
      second.commit();
      first.write('c.txt', 'more');
      first.commit();

      assert.deepEqual([...fs.readFileSync(path.join(root, '1', 'a.bin'))],
                       [1, 2, 3]);
      assert.equal(fs.readFileSync(path.join(root, '1', 'a.txt'), 'utf8'),
                   'first');
      assert.equal(fs.readFileSync(path.join(root, '1', 'c.txt'), 'utf8'),
                   'more');
      assert.deepEqual([...fs.readFileSync(path.join(root, '2', 'b.bin'))],
                       [9, 9, 9, 9]);
    });

    it('writes the bytes of trial after trial, small and large', () => {
      // Past the staging area's first size, within one job and across
      // jobs, and with a job aborted before it handed anything over,
      // whose bytes needed a larger area, before each.
      const sizes = [[10, 3 << 20], [5 << 20, 7], [1 << 20, 1 << 20, 100]];
      const fill = (size: number, seed: number) => {
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = (i * 7 + seed) & 255;
        return bytes;
      };
      sizes.forEach((files, j) => {
        const dropped = writer.begin(`x${j}`);
        dropped.write('big', fill((2 << 20) + (6 << 20) * j, 0));
        dropped.abort();
        const job = writer.begin(`${j}`);
        files.forEach((size, f) => job.write(`f${f}`, fill(size, j + f)));
        job.commit();
      });
      // Text, as UTF-8, past the area's size too.
      const text = `{"name": "été ☃ ${'é'.repeat(400_000)}"}\n`;
      const job = writer.begin('3');
      job.write('a.json', 'plain');
      job.write('b.json', text);
      job.write('c.bin', fill(10, 3));
      job.commit();
      assert.equal(fs.readFileSync(path.join(root, '3', 'a.json'), 'utf8'),
                   'plain');
      assert.equal(fs.readFileSync(path.join(root, '3', 'b.json'), 'utf8'),
                   text);
      assert.ok(fs.readFileSync(path.join(root, '3', 'c.bin'))
                    .equals(fill(10, 3)));
      assert.deepEqual(trialEntries(root), ['0', '1', '2', '3']);
      sizes.forEach((files, j) => files.forEach((size, f) => {
        const read = fs.readFileSync(path.join(root, `${j}`, `f${f}`));
        assert.equal(read.length, size);
        assert.ok(read.equals(fill(size, j + f)), `${j}/f${f} differs`);
      }));
    });

    it('lets files be added to the temporary directory after sync', () => {
      const job = writer.begin('2');
      job.write('a.json', '{}\n');
      job.sync();
      fs.writeFileSync(path.join(job.tmpDir, 'events.out'), 'x');
      job.commit();
      assert.deepEqual(fs.readdirSync(path.join(root, '2')).sort(),
                       ['a.json', 'events.out', 'model']);
    });

    it('reports the first failed write on commit and leaves nothing behind',
       () => {
         const job = writer.begin('3');
         job.write('fine.json', '{}');
         // No directory "missing" was made: the write fails with ENOENT.
         job.write('missing/model.json', '{}');
         job.write('later.json', '{}');
         assert.throws(() => job.commit(), (e: NodeJS.ErrnoException) => {
           assert.equal(e.code, 'ENOENT');
           assert.match(e.message, /missing[/\\]model\.json/);
           return true;
         });
         assert.deepEqual(trialEntries(root), []);
         // The failure was this job's: the next one is written as usual.
         const next = writer.begin('4');
         next.write('ok.json', '{}');
         next.commit();
         assert.deepEqual(trialEntries(root), ['4']);
       });

    it('says so when another study\'s worker made the directory meanwhile',
       () => {
         const job = writer.begin('5');
         job.write('hparams.json', '{}');
         job.sync();
         // Another worker's trial 5, renamed into place first.
         fs.mkdirSync(path.join(root, '5'));
         fs.writeFileSync(path.join(root, '5', 'theirs.json'), '{}');

         assert.throws(
             () => job.commit(),
             (e: Error) => e instanceof SearchError &&
                 e.message === `trial directory ${path.join(root, '5')} ` +
                     'appeared while this trial was written: another study ' +
                     'writes into the same model directory; give each study ' +
                     'a --model_dir of its own');
         assert.deepEqual(fs.readdirSync(path.join(root, '5')),
                          ['theirs.json']);
       });

    it('names the file a write failed on, with the system\'s code',
       function() {
         if (!fs.existsSync('/dev/full')) this.skip();
         const job = writer.begin('14');
         job.sync();
         // A file whose writes find the disk full.
         const full = path.join(job.tmpDir, 'weights.bin');
         fs.symlinkSync('/dev/full', full);
         job.write('weights.bin', new Uint8Array(100));
         assert.throws(() => job.commit(), (e: NodeJS.ErrnoException) => {
           assert.equal(e.code, 'ENOSPC');
           assert.equal(e.syscall, 'write');
           assert.ok(e.message.includes(full), e.message);
           return true;
         });
         assert.deepEqual(trialEntries(root), []);
       });

    it('reports a failed write on sync too', () => {
      const job = writer.begin('5');
      job.write('missing/x', 'x');
      assert.throws(() => job.sync(), /ENOENT/);
      job.abort();
      assert.deepEqual(trialEntries(root), []);
    });

    it('removes the temporary directory of an aborted job', () => {
      const job = writer.begin('6');
      job.write('model/weights.bin', new Uint8Array(1000));
      job.send();
      job.abort();
      assert.deepEqual(trialEntries(root), []);
      // Aborting twice does nothing; committing after is refused.
      job.abort();
      assert.throws(() => job.commit(), /already ended/);
    });

    it('writes nothing for a job aborted before anything was handed over',
       () => {
         const job = writer.begin('12');
         job.write('a.json', '{}');
         job.abort();
         assert.deepEqual(trialEntries(root), []);
         // The next job is written as usual.
         const next = writer.begin('13');
         next.commit();
         assert.deepEqual(trialEntries(root), ['13']);
       });

    it('refuses names that lead out of the directory', () => {
      const job = writer.begin('11');
      for (const name of ['../x', '/etc/x', 'a/../../x', '.', '']) {
        assert.throws(() => job.write(name, 'x'), /is not a name inside it/,
                      name);
      }
      job.write('a/../b.json', '{}');
      job.commit();
      assert.deepEqual(fs.readdirSync(path.join(root, '11')).sort(),
                       ['b.json', 'model']);
    });

    it('refuses a directory that exists already', () => {
      fs.mkdirSync(path.join(root, '8'));
      assert.throws(() => writer.begin('8'), (e: Error) =>
          e instanceof SearchError &&
          /8 exists already, though this study just started that trial: another study writes into the same model directory; give each study a --model_dir of its own$/
              .test(e.message));
    });

    it('says the model directory is gone when it was removed meanwhile, ' +
           'and does not make it again',
       async () => {
         const modelDir = path.join(root, 'gone');
         fs.mkdirSync(modelDir);
         const other = new TrialDirectoryWriter(
             modelDir, {thread, subdirectories: ['model']});
         try {
           other.prepareAhead();
           other.begin('9').commit();
           other.prepareAhead();
           other.settle();
           fs.rmSync(modelDir, {recursive: true});
           const again = other.begin('10');
           again.write('b.json', '{}');
           assert.throws(() => again.commit(), (e: Error) => {
             assert.ok(e instanceof SearchError, String(e));
             assert.match(e.message, new RegExp(
                 `^the model directory ${modelDir} was removed ` +
                 '\\(or replaced\\) while the search ran'));
             return true;
           });
           assert.ok(!fs.existsSync(modelDir));
           // Nor by the directory made ahead for the next trial.
           other.prepareAhead();
           other.settle();
           assert.ok(!fs.existsSync(modelDir));
         } finally {
           await other.close();
         }
       });
  });
}

describe('TrialDirectoryWriter on a thread', () => {
  let root: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'trial_writer_test_'));
  });

  afterEach(() => {
    fs.rmSync(root, {recursive: true, force: true});
  });

  it('makes the next temporary directory ahead and removes it at the end',
     async () => {
       const writer =
           new TrialDirectoryWriter(root, {subdirectories: ['model']});
       try {
         writer.begin('1').commit();
         writer.settle();
         // Only when asked (as a trial starts training).
         assert.deepEqual(fs.readdirSync(root), ['1']);
         writer.prepareAhead();
         writer.prepareAhead();
         writer.settle();
         const ahead = fs.readdirSync(root).filter(
             (n) => n.startsWith('.tmp-next-'));
         assert.equal(ahead.length, 1, fs.readdirSync(root).join(', '));
         // No spares: the first trial wrote nothing.
         assert.deepEqual(fs.readdirSync(path.join(root, ahead[0])),
                          ['model']);
         // The next trial's directory is that one, renamed.
         const job = writer.begin('2');
         job.write('model/model.json', '{}');
         job.sync();
         assert.ok(!fs.existsSync(path.join(root, ahead[0])));
         job.commit();
       } finally {
         await writer.close();
       }
       assert.deepEqual(fs.readdirSync(root).sort(), ['1', '2']);
     });

  it('lets the event loop turn while a commit waits for a held-up disk',
     async function() {
       // A write into a FIFO holds the thread until a reader opens it,
       // which only the event loop of this thread can do here.
       const writer = new TrialDirectoryWriter(root);
       try {
         const job = writer.begin('1');
         job.write('a.txt', 'a');
         job.sync();
         const fifo = path.join(job.tmpDir, 'pipe');
         if (spawnSync('mkfifo', [fifo]).status !== 0) this.skip();
         job.write('pipe', 'through the pipe');
         const committing = job.commitAsync();
         let turned = false;
         const read = new Promise<string>((resolve, reject) => {
           setTimeout(() => {
             turned = true;
             let text = '';
             fs.createReadStream(fifo, 'utf8')
                 .on('data', (chunk) => text += chunk)
                 .on('end', () => resolve(text))
                 .on('error', reject);
           }, 100);
         });
         assert.equal(await committing, path.join(root, '1'));
         assert.ok(turned);
         assert.equal(await read, 'through the pipe');
         assert.deepEqual(fs.readdirSync(path.join(root, '1')).sort(),
                          ['a.txt', 'pipe']);
       } finally {
         await writer.close();
       }
     });

  it('answers a wait overtaken by a later request', async function() {
    const writer = new TrialDirectoryWriter(root);
    try {
      const job = writer.begin('1');
      job.sync();
      const fifo = path.join(job.tmpDir, 'pipe');
      if (spawnSync('mkfifo', [fifo]).status !== 0) this.skip();
      job.write('pipe', 'through the pipe');
      const committing = job.commitAsync();
      // Another process lets the thread go on while this one waits for a
      // later request, reading the commit's answer on the way.
      const reader =
          spawn('cat', [fifo], {stdio: ['ignore', 'pipe', 'inherit']});
      let text = '';
      reader.stdout.on('data', (chunk) => text += chunk);
      writer.settle();
      assert.equal(await committing, path.join(root, '1'));
      await once(reader, 'close');
      assert.equal(text, 'through the pipe');
    } finally {
      await writer.close();
    }
  });

  it('makes as many spare files ahead as the last trial wrote, and one more',
     async () => {
       const writer =
           new TrialDirectoryWriter(root, {subdirectories: ['model']});
       const aheadEntries = () => {
         writer.prepareAhead();
         writer.settle();
         const ahead = fs.readdirSync(root).filter(
             (n) => n.startsWith('.tmp-next-'));
         assert.equal(ahead.length, 1);
         return fs.readdirSync(path.join(root, ahead[0])).sort();
       };
       try {
         const first = writer.begin('1');
         first.write('model/model.json', '{}');
         first.write('a.txt', 'a');
         first.commit();
         assert.deepEqual(aheadEntries(),
                          ['.spare-0', '.spare-1', '.spare-2', 'model']);
         const second = writer.begin('2');
         for (const name of ['model/model.json', 'a.txt', 'b.txt', 'c.txt']) {
           second.write(name, name);
         }
         second.commit();
         assert.equal(aheadEntries().length, 6);
         // A job that ends without writing hands its directory back whole.
         writer.begin('3').abort();
         assert.equal(aheadEntries().length, 6);
         const third = writer.begin('3');
         third.write('model/model.json', '{}');
         third.commit();
       } finally {
         await writer.close();
       }
       assert.deepEqual(fs.readdirSync(root).sort(), ['1', '2', '3']);
       assert.deepEqual(fs.readdirSync(path.join(root, '2')).sort(),
                        ['a.txt', 'b.txt', 'c.txt', 'model']);
       assert.equal(fs.readFileSync(path.join(root, '2', 'b.txt'), 'utf8'),
                    'b.txt');
       assert.deepEqual(fs.readdirSync(path.join(root, '3')), ['model']);
     });

  it('makes the directory itself when the one made ahead was removed ' +
         '(stale, by another worker)',
     async () => {
       const writer =
           new TrialDirectoryWriter(root, {subdirectories: ['model']});
       try {
         writer.prepareAhead();
         writer.begin('1').commit();
         writer.prepareAhead();
         writer.begin('2').commit();
         writer.prepareAhead();
         writer.settle();
         assert.equal(fs.readdirSync(root).length, 3);
         for (const name of fs.readdirSync(root)) {
           if (name.startsWith('.tmp-')) {
             fs.rmSync(path.join(root, name), {recursive: true});
           }
         }
         const job = writer.begin('3');
         job.write('model/model.json', '{}');
         job.commit();
       } finally {
         await writer.close();
       }
       assert.deepEqual(fs.readdirSync(root).sort(), ['1', '2', '3']);
       assert.deepEqual(fs.readdirSync(path.join(root, '3', 'model')),
                        ['model.json']);
     });
});

describe('RequestRunner', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'trial_writer_test_'));
  });
  afterEach(() => {
    fs.rmSync(root, {recursive: true, force: true});
  });

  it('makes a directory ahead whole or not at all, and adopt makes it then',
     () => {
       const replies: WriterReply[] = [];
       const runner = new RequestRunner((reply) => replies.push(reply));
       const ahead = path.join(root, '.tmp-next-1-1');
       // A subdirectory that cannot be made (as on a disk out of inodes).
       runner.runAll([{op: 'prepare', job: 0, path: ahead,
                       subdirectories: ['model', 'bad\0name']},
                      {op: 'spares', job: 0, path: ahead, count: 2}]);
       assert.deepEqual(fs.readdirSync(root), []);

       const tmp = path.join(root, '.tmp-1-1-1');
       runner.runAll([
         {op: 'adopt', job: 1, from: ahead, path: tmp,
          subdirectories: ['model']},
         {op: 'write', job: 1, path: path.join(tmp, 'model', 'a'), data: 'x'},
         {op: 'commit', job: 1, path: tmp, to: path.join(root, '1'), seq: 1},
       ]);
       assert.deepEqual(replies, [{seq: 1}]);
       assert.deepEqual(fs.readdirSync(path.join(root, '1', 'model')), ['a']);
     });

  it('writes files into spares made ahead, and leaves none in the trial',
     () => {
       const replies: WriterReply[] = [];
       const runner = new RequestRunner((reply) => replies.push(reply));
       const ahead = path.join(root, '.tmp-next-1-1');
       runner.runAll([{op: 'prepare', job: 0, path: ahead,
                       subdirectories: ['model']},
                      {op: 'spares', job: 0, path: ahead, count: 2},
                      // Asked again: only the missing one is made.
                      {op: 'spares', job: 0, path: ahead, count: 3}]);
       assert.deepEqual(fs.readdirSync(ahead).sort(),
                        ['.spare-0', '.spare-1', '.spare-2', 'model']);
       const inodes = new Set(['.spare-0', '.spare-1', '.spare-2'].map(
           (name) => fs.statSync(path.join(ahead, name)).ino));

       const tmp = path.join(root, '.tmp-1-1-1');
       const write = (name: string, data: string) =>
           ({op: 'write' as const, job: 1, path: path.join(tmp, name), data});
       runner.runAll([
         {op: 'adopt', job: 1, from: ahead, path: tmp,
          subdirectories: ['model']},
         write('model/model.json', 'long text, longer than the next'),
         write('model/model.json', 'short'),
         write('a.txt', 'a'),
         // No spare is left for this one: it is made.
         write('b.txt', 'b'),
         {op: 'commit', job: 1, path: tmp, to: path.join(root, '1'), seq: 1},
       ]);
       assert.deepEqual(replies, [{seq: 1}]);
       const done = path.join(root, '1');
       assert.deepEqual(fs.readdirSync(done).sort(),
                        ['a.txt', 'b.txt', 'model']);
       assert.deepEqual(fs.readdirSync(path.join(done, 'model')),
                        ['model.json']);
       // Rewritten whole, not over the longer text.
       assert.equal(
           fs.readFileSync(path.join(done, 'model', 'model.json'), 'utf8'),
           'short');
       assert.equal(fs.readFileSync(path.join(done, 'a.txt'), 'utf8'), 'a');
       assert.ok(inodes.has(fs.statSync(path.join(done, 'a.txt')).ino),
                 'a.txt is a spare renamed');

       // Unused spares are removed before the rename.
       const ahead2 = path.join(root, '.tmp-next-1-2');
       const tmp2 = path.join(root, '.tmp-2-1-1');
       runner.runAll([
         {op: 'prepare', job: 0, path: ahead2, subdirectories: []},
         {op: 'spares', job: 0, path: ahead2, count: 4},
         {op: 'adopt', job: 2, from: ahead2, path: tmp2, subdirectories: []},
         {op: 'write', job: 2, path: path.join(tmp2, 'x'), data: 'x'},
         {op: 'commit', job: 2, path: tmp2, to: path.join(root, '2'), seq: 2},
       ]);
       assert.deepEqual(replies, [{seq: 1}, {seq: 2}]);
       assert.deepEqual(fs.readdirSync(path.join(root, '2')), ['x']);
     });

  it('makes a directory ahead anew over a dead worker\'s of the same name',
     () => {
       const runner = new RequestRunner(() => {});
       const ahead = path.join(root, '.tmp-next-1-1');
       // Left by a killed process that had this pid.
       fs.mkdirSync(path.join(ahead, 'model'), {recursive: true});
       for (let i = 0; i < 5; i++) {
         fs.writeFileSync(path.join(ahead, `.spare-${i}`), '');
       }
       fs.writeFileSync(path.join(ahead, 'model', 'old.bin'), 'old');
       runner.runAll([
         {op: 'prepare', job: 0, path: ahead, subdirectories: ['model']},
         {op: 'spares', job: 0, path: ahead, count: 2},
       ]);
       assert.deepEqual(fs.readdirSync(ahead).sort(),
                        ['.spare-0', '.spare-1', 'model']);
       assert.deepEqual(fs.readdirSync(path.join(ahead, 'model')), []);
     });

  it('removes a directory made ahead that could not be adopted', () => {
    const replies: WriterReply[] = [];
    const runner = new RequestRunner((reply) => replies.push(reply));
    const ahead = path.join(root, '.tmp-next-1-1');
    const tmp = path.join(root, '.tmp-1-1-1');
    // The rename fails: its target is a directory holding a file.
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'x'), 'x');
    runner.runAll([
      {op: 'prepare', job: 0, path: ahead, subdirectories: ['model']},
      {op: 'spares', job: 0, path: ahead, count: 2},
      {op: 'adopt', job: 1, from: ahead, path: tmp, subdirectories: ['model']},
      {op: 'write', job: 1, path: path.join(tmp, 'a'), data: 'a'},
      {op: 'commit', job: 1, path: tmp, to: path.join(root, '1'), seq: 1},
    ]);
    assert.deepEqual(replies, [{seq: 1}]);
    assert.deepEqual(fs.readdirSync(root), ['1']);
    assert.deepEqual(fs.readdirSync(path.join(root, '1')).sort(),
                     ['a', 'model', 'x']);
  });

  it('makes no directory above a trial\'s', () => {
    const replies: WriterReply[] = [];
    const runner = new RequestRunner((reply) => replies.push(reply));
    const gone = path.join(root, 'gone');
    const tmp = path.join(gone, '.tmp-1-1-1');
    runner.runAll([
      {op: 'prepare', job: 0, path: path.join(gone, '.tmp-next-1-1'),
       subdirectories: ['model']},
      {op: 'adopt', job: 1, from: path.join(gone, '.tmp-next-1-1'), path: tmp,
       subdirectories: ['model']},
      {op: 'write', job: 1, path: path.join(tmp, 'a'), data: 'a'},
      {op: 'commit', job: 1, path: tmp, to: path.join(gone, '1'), seq: 1},
    ]);
    assert.equal(replies[0].error?.code, 'ENOENT');
    assert.deepEqual(fs.readdirSync(root), []);
  });

  it('writes into a missing subdirectory fail as without spares', () => {
    const replies: WriterReply[] = [];
    const runner = new RequestRunner((reply) => replies.push(reply));
    const ahead = path.join(root, '.tmp-next-1-1');
    const tmp = path.join(root, '.tmp-1-1-1');
    runner.runAll([
      {op: 'prepare', job: 0, path: ahead, subdirectories: []},
      {op: 'spares', job: 0, path: ahead, count: 2},
      {op: 'adopt', job: 1, from: ahead, path: tmp, subdirectories: []},
      {op: 'write', job: 1, path: path.join(tmp, 'nowhere', 'a'), data: 'a'},
      {op: 'commit', job: 1, path: tmp, to: path.join(root, '1'), seq: 1},
    ]);
    assert.equal(replies.length, 1);
    assert.equal(replies[0].error?.code, 'ENOENT');
    assert.match(replies[0].error!.message, /nowhere/);
    // Nothing left: neither the trial nor its temporary with the spares.
    assert.deepEqual(fs.readdirSync(root), []);
  });

  it('reads staged bytes from their area until the area is let go', () => {
    const replies: WriterReply[] = [];
    const runner = new RequestRunner((reply) => replies.push(reply));
    const area = (id: number, text: string) => {
      const buffer = new SharedArrayBuffer(16);
      new Uint8Array(buffer).set(Buffer.from(text));
      return {op: 'staging' as const, job: 0 as const, area: id, buffer};
    };
    const job = (id: number, writes: Array<[string, number]>) => {
      const tmp = path.join(root, `.tmp-${id}`);
      return [
        {op: 'adopt' as const, job: id, from: undefined, path: tmp,
         subdirectories: []},
        ...writes.map(([name, area]) => ({
          op: 'write' as const, job: id, path: path.join(tmp, name),
          data: {area, offset: 0, length: 3},
        })),
        {op: 'commit' as const, job: id, path: tmp,
         to: path.join(root, `${id}`), seq: id},
      ];
    };

    runner.runAll([area(1, 'one'), area(2, 'two'),
                   ...job(1, [['a', 1], ['b', 2]]),
                   {op: 'release', job: 0, area: 2},
                   ...job(2, [['c', 2], ['d', 1]])]);

    assert.equal(fs.readFileSync(path.join(root, '1', 'a'), 'utf8'), 'one');
    assert.equal(fs.readFileSync(path.join(root, '1', 'b'), 'utf8'), 'two');
    assert.deepEqual(replies.map((r) => r.seq), [1, 2]);
    assert.equal(replies[0].error, undefined);
    assert.match(replies[1].error?.message ?? '',
                 /^staged bytes of an unknown staging area 1 \(.*\/d\)$/);
  });
});
