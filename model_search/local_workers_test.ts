/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Stopping and restarting a search on one machine: Ctrl-C marks the
 * running trial FAILED, and a restart takes back at once the trials of a
 * process of this machine that is gone, instead of waiting out its lease.
 */

import Database from 'better-sqlite3';
import * as assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {failTrialsOfDeadLocalWorkers, markRunningHere} from './local_workers';
import {localPid, localWorkerId, machineName, processExists, processStartTicks, workerAlive, workerHeartbeating} from './metadata/worker_ids';
import {completeWrittenTrials} from './lost_trials';
import {createStore} from './metadata/create_store';
import type {MetadataStore} from './metadata/store';
import type {Trial} from './metadata/trial';
import {storedTrials} from './study_testing';
import {evaluationText, readEvaluationMetrics} from './trial_directory';

const RANDOM_CSV = 'model_search/data/testdata/csv_random_data.csv';

function running(id: number, workerId: string): Trial {
  return {id, state: 'RUNNING', architecture: [], hparams: {}, workerId};
}

/** A pid that no process has: one that has just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

describe('machineName', () => {
  it('is the host name, with the process-id namespace of a container', () => {
    const namespace =
        /^pid:\[(\d+)\]$/.exec(fs.readlinkSync('/proc/self/ns/pid'))![1];
    // 4026531836: the first namespace, whose pids are the machine's own.
    assert.equal(machineName(),
                 namespace === '4026531836' ?
                     os.hostname() :
                     `${os.hostname()}~${namespace}`);
    assert.equal(localWorkerId(), `${machineName()}:${process.pid}+${
                                      processStartTicks(process.pid)}`);
  });

  it('tells a worker of another namespace of this host by its lease', () => {
    const trial = {
      id: 1, state: 'RUNNING' as const, architecture: [], hparams: {},
      workerId: `${os.hostname()}~4026532999:${process.pid}`,
      leaseExpiresAt: new Date(Date.now() - 1000).toISOString(),
    };
    // Its pid is this process's here: read as local, it would look alive.
    assert.equal(localPid(trial.workerId), undefined);
    assert.equal(workerAlive(trial), false);
  });
});

describe('localPid', () => {
  const rows: Array<[string|undefined, number|undefined]> = [
    ['host:123', 123], ['other:123', undefined], ['host:abc', undefined],
    ['host:', undefined], ['my-tuner', undefined], [undefined, undefined],
    ['my-tuner@host:123', 123], ['a@b@host:77', 77],
    ['my-tuner@other:123', undefined], ['host:123@other:5', undefined],
    ['host:0', undefined], ['host:12x', undefined], ['host:1e3', undefined],
    ['host:123+4567', 123], ['t@host:123+0', 123], ['host:123+', undefined],
    ['host:123+4x', undefined], ['host:+4', undefined],
  ];
  for (const [workerId, pid] of rows) {
    it(`reads ${pid} from worker id ${workerId} on host "host"`, () => {
      assert.equal(localPid(workerId, 'host'), pid);
    });
  }
});

describe('workerAlive', () => {
  const now = Date.UTC(2026, 0, 1);
  const later = new Date(now + 1000).toISOString();
  const earlier = new Date(now - 1000).toISOString();
  const trial = (workerId: string, leaseExpiresAt?: string): Trial =>
      ({id: 1, state: 'RUNNING', architecture: [], hparams: {}, workerId,
        leaseExpiresAt});
  const exists = (pid: number) => pid === 10;
  const rows: Array<[string, Trial, boolean]> = [
    ['a process of this machine that exists', trial('host:10', earlier),
     true],
    ['a process of this machine that is gone, its lease kept',
     trial('t@host:11', later), false],
    ['a worker elsewhere whose lease is kept', trial('other:10', later), true],
    ['a worker elsewhere whose lease ran out', trial('other:10', earlier),
     false],
    ['a worker elsewhere with no lease recorded', trial('other:10'), false],
  ];
  for (const [what, t, alive] of rows) {
    it(`takes ${what} for ${alive ? 'alive' : 'gone'}`, () => {
      assert.equal(workerAlive(t, now, 'host', exists), alive);
    });
  }

  it('takes a process of this machine whose lease ran out for one that ' +
     'heartbeats no more', () => {
    const heartbeating = (t: Trial) =>
        workerHeartbeating(t, now, 'host', exists);
    assert.equal(heartbeating(trial('host:10', later)), true);
    assert.equal(heartbeating(trial('host:10')), true);
    assert.equal(heartbeating(trial('host:10', earlier)), false);
    assert.equal(heartbeating(trial('host:11', later)), false);
    assert.equal(heartbeating(trial('other:10', later)), true);
    assert.equal(heartbeating(trial('other:10', earlier)), false);
  });
});

describe('failTrialsOfDeadLocalWorkers', () => {
  it('marks only RUNNING trials of gone processes of this host', async () => {
    const failed: Array<[number, string]> = [];
    const store = {
      failTrial: async (_: number, id: number, reason: string) => {
        failed.push([id, reason]);
      },
    } as unknown as MetadataStore;
    const host = machineName();
    const trials = [
      running(1, `${host}:1001`),               // gone
      running(2, `${host}:1002`),               // alive
      running(3, `elsewhere:1001`),             // another machine
      running(4, `${host}:${process.pid}`),     // this very process runs it
      {...running(5, `${host}:1001`), state: 'COMPLETED' as const},
      running(6, 'tuner-7'),                    // named by a script
      running(7, `tuner-7@${host}:1001`),       // named by --tuner_id, gone
      // This process's id, but not run here: an earlier process's that
      // had this pid.
      running(8, `${host}:${process.pid}`),
    ];
    const done = markRunningHere(1, 4);
    try {
      const marked = await failTrialsOfDeadLocalWorkers(
          store, 1, trials, (pid) => pid === 1002);

      assert.deepEqual(marked, [1, 7, 8]);
      assert.deepEqual(failed, [
        [1, 'worker lost: process 1001 of this machine is gone'],
        [7, 'worker lost: process 1001 of this machine is gone'],
        [8, `worker lost: an earlier process ${process.pid} of this ` +
                'machine is gone (this one has its pid)']]);
    } finally {
      done();
    }
    // Trial 4 of another study is not run here.
    failed.length = 0;
    assert.deepEqual(
        await failTrialsOfDeadLocalWorkers(store, 2, [trials[3]]), [4]);
  });

  it('passes over a trial its process completed since it was listed',
     async () => {
       const store = await createStore({url: 'sqlite::memory:'});
       try {
         const {studyId} = await store.openStudy(
             {experimentName: 'e', experimentOwner: 'o'}, 'spec');
         const gone = `${machineName()}:1001`;
         await store.startTrial(studyId, 5, gone, 60);
         const listed = await store.listTrials(studyId);
         // The process completes it, then ends.
         await store.completeTrial(studyId, 1, {loss: 0.5}, '1');

         assert.deepEqual(
             await failTrialsOfDeadLocalWorkers(store, studyId, listed,
                                                () => false),
             []);
         assert.equal((await store.listTrials(studyId))[0].state, 'COMPLETED');
       } finally {
         await store.close();
       }
     });

  it('tells a live process from a gone one', () => {
    assert.equal(processExists(process.pid), true);
    assert.equal(processExists(deadPid()), false);
  });

  it('tells a process given a dead worker\'s pid from that worker', () => {
    const start = processStartTicks(process.pid)!;
    assert.ok(Number.isSafeInteger(start) && start > 0, String(start));
    assert.equal(processExists(process.pid, start), true);
    // This pid, another start: the worker it names is gone.
    assert.equal(processExists(process.pid, start + 1), false);
    const trial = (workerId: string): Trial =>
        ({id: 1, state: 'RUNNING', architecture: [], hparams: {}, workerId});
    assert.equal(workerAlive(trial(localWorkerId())), true);
    assert.equal(
        workerAlive(trial(`${machineName()}:${process.pid}+${start + 1}`)),
        false);
    // An id of an earlier version, with no start: the pid alone tells.
    assert.equal(workerAlive(trial(`${machineName()}:${process.pid}`)), true);
  });

  it('names this process, after --tuner_id when given', () => {
    const local = `${machineName()}:${process.pid}+${
        processStartTicks(process.pid)}`;
    assert.equal(localWorkerId(), local);
    assert.equal(localWorkerId('gpu-box'), `gpu-box@${local}`);
    assert.equal(localPid(localWorkerId('gpu-box')), process.pid);
  });
});

describe('completeWrittenTrials', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lost_trials_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  const run = {train_steps: 5, eval_examples: 8, train_seconds: 0.5,
               eval_seconds: 0.1, seconds: 0.7};

  /** A whole trial directory, as the writer leaves it. */
  function writeTrial(name: string, text: string): void {
    fs.mkdirSync(path.join(dir, name, 'model'), {recursive: true});
    for (const file of ['architecture.json', 'hparams.json',
                        'input_schema.json']) {
      fs.writeFileSync(path.join(dir, name, file), '{}');
    }
    // A model of one weight of two floats.
    fs.writeFileSync(path.join(dir, name, 'model', 'model.json'),
                     JSON.stringify({
                       modelTopology: {},
                       weightsManifest: [{
                         paths: ['weights.bin'],
                         weights: [{name: 'w', shape: [2], dtype: 'float32'}],
                       }],
                     }));
    fs.writeFileSync(path.join(dir, name, 'model', 'weights.bin'),
                     new Uint8Array(8));
    fs.writeFileSync(path.join(dir, name, 'evaluation.json'), text);
  }

  it('reads back the metrics evaluation.json was written with', () => {
    const metrics = {accuracy: 0.75, loss: NaN, num_parameters: 12};
    writeTrial('1', evaluationText(metrics, run));

    assert.deepEqual(readEvaluationMetrics(path.join(dir, '1')), metrics);
    writeTrial('2', '{"accuracy": "high"}');
    writeTrial('3', '[1, 2]');
    writeTrial('4', '{"accuracy": 0.5');
    for (const name of ['2', '3', '4', 'none']) {
      assert.equal(readEvaluationMetrics(path.join(dir, name)), undefined);
    }
  });

  it('completes lost trials whose directory is whole, and no other',
     async () => {
       const done:
           Array<[number, Record<string, number>, string, number?]> = [];
       const store = {
         completeTrial: async (
             _: number, id: number, metrics: Record<string, number>,
             directory: string, finishedAt?: number) => {
           done.push([id, metrics, directory, finishedAt]);
           return true;
         },
       } as unknown as MetadataStore;
       const host = machineName();
       const leaseLost = (id: number): Trial => ({
         ...running(id, 'elsewhere:5'), state: 'FAILED', directory: `${id}`,
         failureReason: 'worker lost: no heartbeat for 700 s',
       });
       for (const name of ['1', '2', '3', '4', '5', '6', '8', '9', '10',
                           '11']) {
         writeTrial(name, evaluationText({accuracy: Number(name) / 10}, run));
       }
       fs.rmSync(path.join(dir, '8', 'model', 'weights.bin'));
       // Cut short by a disk that lost the last writes.
       fs.truncateSync(path.join(dir, '11', 'model', 'weights.bin'), 4);
       // They finished when their evaluation was written, not when found.
       const writtenAt = (id: number) => Date.UTC(2026, 0, 1, 12, id);
       for (const id of [1, 2]) {
         const when = new Date(writtenAt(id));
         fs.utimesSync(path.join(dir, `${id}`, 'evaluation.json'), when, when);
       }
       const trials: Trial[] = [
         leaseLost(1),
         {...running(2, `${host}:1001`), directory: '2'},   // gone
         {...running(3, `${host}:1002`), directory: '3'},   // alive
         {...leaseLost(4), failureReason: 'out of memory'},
         {...leaseLost(5), state: 'COMPLETED', failureReason: undefined},
         {...leaseLost(6), directory: undefined},           // never planned
         leaseLost(7),                                      // no directory
         {...running(8, `${host}:1001`), directory: '8'},   // not whole
         // An earlier process that had this one's pid: gone.
         {...running(9, `${host}:${process.pid}+${
              processStartTicks(process.pid)! + 1}`), directory: '9'},
         // This process itself: training it.
         {...running(10, localWorkerId()), directory: '10'},
         {...running(11, `${host}:1001`), directory: '11'}, // model cut
       ];
       const logged: string[] = [];

       const completed = await completeWrittenTrials(
           store, 1, dir, trials, (l) => logged.push(l),
           (pid) => pid === 1002);
       await completeWrittenTrials(
           store, 1, dir, trials.slice(7, 8), (l) => logged.push(l));

       assert.deepEqual(completed, [1, 2, 9]);
       assert.deepEqual(done.slice(0, 2),
                        [[1, {accuracy: 0.1}, '1', writtenAt(1)],
                         [2, {accuracy: 0.2}, '2', writtenAt(2)]]);
       assert.deepEqual(done.slice(2).map(([id]) => id), [9]);
       assert.deepEqual(logged, [
         `trial 8: its worker was lost and its directory ${
             path.join(dir, '8')} is not whole (no model/weights.bin); not ` +
             'completed from it',
         `trial 11: its worker was lost and its directory ${
             path.join(dir, '11')} is not whole (${
             path.join(dir, '11', 'model', 'weights.bin')}: 4 bytes, but ` +
             'model.json lists weights of 8; the file is damaged: copy the ' +
             'whole model directory again); not completed from it',
       ]);
     });
});

describe('a search stopped and started again on one machine', function() {
  this.timeout(240000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local_workers_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  const flags = (modelDir: string, trials: number, steps: number) => [
    `--filename=${RANDOM_CSV}`, '--record_defaults=0,0,0,0',
    '--phoenix_dataset=csv_data_provider', '--logits_dimension=2',
    `--model_dir=${modelDir}`, `--phoenix_train_steps=${steps}`,
    '--phoenix_eval_steps=2', '--phoenix_batch_size=4', '--backend=cpu',
    `--experiment_max_num_trials=${trials}`, '--phoenix_tf_random_seed=3',
  ];

  /** The binary's main, as `bazel run` starts it (for node -e). */
  const BINARY_SCRIPT =
      'require("./model_search/data/csv_data_for_binary");' +
      'require("./model_search/oss_trainer").main(process.argv.slice(1))' +
      '.then((code) => { process.exitCode = code; });';

  /** The binary's main in a child process. */
  function startBinary(args: string[]) {
    return spawn(process.execPath, ['-e', BINARY_SCRIPT, '--', ...args],
                 {stdio: ['ignore', 'ignore', 'pipe']});
  }

  /** The binary's main in a child process, run to its end. */
  function runBinary(args: string[]) {
    return spawnSync(process.execPath, ['-e', BINARY_SCRIPT, '--', ...args],
                     {encoding: 'utf8', timeout: 120000});
  }

  /** Starts a trial of the study in `modelDir` as worker `workerId`. */
  async function startTrialAs(
      modelDir: string, workerId: string, budget: number): Promise<void> {
    const store = await createStore(
        {url: `sqlite:${path.join(modelDir, 'model_search.db')}`});
    const [study] = await store.listStudies!();
    const started =
        await store.startTrial(study.studyId, budget, workerId, 600);
    await store.close();
    assert.equal(started.status, 'started');
  }

  it('marks the running trial FAILED on Ctrl-C and resumes at once',
     async () => {
       const modelDir = path.join(dir, 'run');
       // Trial 1 trains long enough to be interrupted.
       const child = startBinary(flags(modelDir, 2, 200000));
       let stderr = '';
       const exited = new Promise<number|null>((resolve) => {
         child.on('exit', (code) => resolve(code));
       });
       await new Promise<void>((resolve, reject) => {
         child.stderr!.on('data', (chunk: Buffer) => {
           stderr += chunk.toString();
           // The study exists once the spec line is out; let a trial start.
           if (/^spec /m.test(stderr)) resolve();
         });
         child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
       });
       for (let i = 0; i < 200; i++) {
         const trials = fs.existsSync(path.join(modelDir, 'model_search.db')) ?
             await storedTrials(modelDir) : [];
         if (trials.some((t) => t.state === 'RUNNING')) break;
         await new Promise((r) => setTimeout(r, 50));
       }

       child.kill('SIGINT');
       const code = await exited;

       assert.equal(code, 130, stderr);
       assert.match(stderr, /^SIGINT: search stopped; trial 1 marked FAILED; run the same command to resume$/m);
       const after = await storedTrials(modelDir);
       assert.deepEqual(after.map((t) => [t.id, t.state, t.failureReason]),
                        [[1, 'FAILED', 'interrupted by SIGINT']]);
       const summary = JSON.parse(fs.readFileSync(
           path.join(modelDir, 'study_summary.json'), 'utf8'));
       assert.deepEqual(
           summary.trials.map((t: {id: number, state: string}) =>
               [t.id, t.state]),
           [[1, 'FAILED']]);

       const again = runBinary(flags(modelDir, 1, 5));

       assert.equal(again.status, 0, again.stderr);
       assert.doesNotMatch(again.stderr, /waiting for trials/);
       assert.deepEqual((await storedTrials(modelDir)).map((t) => [t.id, t.state]),
                        [[1, 'FAILED'], [2, 'COMPLETED']]);
     });

  it('resumes, not joins, a study whose one trial a killed search left',
     async () => {
       const modelDir = path.join(dir, 'killed');
       const child = startBinary(flags(modelDir, 2, 200000));
       const exited = new Promise<void>((resolve) => {
         child.on('exit', () => resolve());
       });
       for (let i = 0; i < 400; i++) {
         const trials = fs.existsSync(path.join(modelDir, 'model_search.db')) ?
             await storedTrials(modelDir) : [];
         if (trials.some((t) => t.state === 'RUNNING')) break;
         await new Promise((r) => setTimeout(r, 50));
       }
       child.kill('SIGKILL');
       await exited;

       const again = runBinary(flags(modelDir, 1, 5));

       assert.equal(again.status, 0, again.stderr);
       assert.match(again.stderr, /^resuming study "model_search": reloaded 1 trial \(0 completed, 0 failed, 1 running\)$/m);
     });

  it('stops cleanly when the reader of its log goes away', async () => {
    const modelDir = path.join(dir, 'run');
    // As `binary 2>&1 | head -1`: the pipe closes after the first line;
    // the next line the search writes (trial 1's) meets a closed pipe.
    const child = spawn(
        process.execPath,
        ['-e', 'require("./model_search/oss_trainer")' +
                   '.stopWhenTheLogReaderGoes();' + BINARY_SCRIPT,
         '--', ...flags(modelDir, 3, 20)],
        {stdio: ['ignore', 'ignore', 'pipe']});
    const exited = new Promise<number|null>((resolve) => {
      child.on('exit', (code) => resolve(code));
    });
    await new Promise<void>((resolve) => {
      child.stderr!.once('data', () => resolve());
    });
    child.stderr!.destroy();

    const code = await exited;

    assert.equal(code, 141);
    const trials = await storedTrials(modelDir);
    assert.ok(trials.every((t) => t.state !== 'RUNNING'),
              JSON.stringify(trials));
    assert.deepEqual(
        fs.readdirSync(modelDir).filter(
            (f) => f.startsWith('.') || /-(wal|shm|journal)$/.test(f)),
        []);
  });

  it('takes back the trial of a killed search without waiting for its lease',
     async () => {
       const modelDir = path.join(dir, 'run');
       const first = runBinary(flags(modelDir, 1, 5));
       assert.equal(first.status, 0, first.stderr);
       // A trial left RUNNING by a process of this machine that is gone,
       // as SIGKILL leaves it.
       await startTrialAs(modelDir, `${machineName()}:${deadPid()}`, 5);

       const start = Date.now();
       const again = runBinary(flags(modelDir, 2, 5));

       assert.equal(again.status, 0, again.stderr);
       assert.match(again.stderr, /^trial 2 of a search that stopped on this machine marked FAILED; new trials take their place$/m);
       assert.ok(Date.now() - start < 60000, 'it waited for the lease');
       const trials = await storedTrials(modelDir);
       assert.deepEqual(trials.map((t) => [t.id, t.state]),
                        [[1, 'COMPLETED'], [2, 'FAILED'], [3, 'COMPLETED']]);
       assert.match(trials[1].failureReason!, /^worker lost: process \d+ of this machine is gone$/);
     });

  it('completes trials lost after their directory was written', async () => {
    const modelDir = path.join(dir, 'run');
    const first = runBinary(flags(modelDir, 3, 5));
    assert.equal(first.status, 0, first.stderr);
    const before = await storedTrials(modelDir);
    // As a database out of reach after the directories were renamed into
    // place leaves them: trial 2 RUNNING in a process that is gone, trial
    // 3 FAILED by its lease.
    const db = new Database(path.join(modelDir, 'model_search.db'));
    const undo = db.prepare(
        'UPDATE trials SET state = ?, metrics = NULL, finished_at = NULL, ' +
        'failure_reason = ?, worker_id = ? WHERE trial_id = ?');
    undo.run('RUNNING', null, `${machineName()}:${deadPid()}`, 2);
    undo.run('FAILED', 'worker lost: no heartbeat for 700 s', 'elsewhere:1',
             3);
    db.close();

    const again = runBinary(flags(modelDir, 3, 5));

    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /^trials 2, 3: worker lost after the trial directories were written; completed with the metrics of their evaluation.json$/m);
    const after = await storedTrials(modelDir);
    assert.deepEqual(after.map((t) => [t.id, t.state]),
                     [[1, 'COMPLETED'], [2, 'COMPLETED'], [3, 'COMPLETED']]);
    assert.deepEqual(after.map((t) => t.metrics), before.map((t) => t.metrics));
  });

  it('takes back the trial of a worker that dies while it waits',
     async () => {
       const modelDir = path.join(dir, 'run');
       const first = runBinary(flags(modelDir, 1, 5));
       assert.equal(first.status, 0, first.stderr);
       // Trial 2 RUNNING in a live process of this machine, which exits
       // after the search below has started waiting for it.
       const worker = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 3000)']);
       await startTrialAs(modelDir, `${machineName()}:${worker.pid}`, 2);

       const start = Date.now();
       const child = startBinary(flags(modelDir, 2, 5));
       let stderr = '';
       child.stderr!.on('data', (chunk: Buffer) => {
         stderr += chunk.toString();
       });
       const code = await new Promise<number|null>((resolve) => {
         child.on('exit', (c) => resolve(c));
       });

       assert.equal(code, 0, stderr);
       assert.ok(stderr.includes(
                     `waiting for trial 2 (worker ${machineName()}:${
                         worker.pid}) running in other workers; `),
                 stderr);
       assert.match(stderr, /^trial 2 of a search that stopped on this machine marked FAILED; new trials take their place$/m);
       assert.ok(Date.now() - start < 60000, 'it waited for the lease');
       const trials = await storedTrials(modelDir);
       assert.deepEqual(trials.map((t) => [t.id, t.state]),
                        [[1, 'COMPLETED'], [2, 'FAILED'], [3, 'COMPLETED']]);
     });
});
