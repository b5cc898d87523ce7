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

import {child, one, readEventFile, readRecords} from './event_file_testing';
import type {TextMessage} from './event_file_testing';
import {EventFileWriter} from './event_writer';
import {frameRecord} from './tfrecord';

function tempDir(): string {
  return fs.mkdtempSync(path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(),
                                  'event_writer_test_'));
}

/** The values of an event's summary. */
function values(event: TextMessage): TextMessage[] {
  return child(event, 'summary')['value'] as TextMessage[];
}

describe('EventFileWriter', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('names the file events.out.tfevents.<seconds>.<host>', () => {
    const writer = new EventFileWriter(
        dir, {clock: () => 1700000000.75, hostname: 'box-1'});
    writer.close();

    assert.equal(path.basename(writer.file),
                 'events.out.tfevents.1700000000.box-1');
    assert.deepEqual(fs.readdirSync(dir),
                     ['events.out.tfevents.1700000000.box-1']);
  });

  it('writes the file version first, then scalars and text', () => {
    let now = 1700000000;
    const writer = new EventFileWriter(
        dir, {clock: () => now += 0.5, hostname: 'h'});
    writer.addScalar('loss', 0.25, 10);
    writer.addScalars({'eval/accuracy': 0.875, 'eval/loss': 1.5}, 20);
    writer.addText('architecture', 'line "1"\n2. `Ä`', 20);
    writer.addText('architecture', 'again', 30);
    writer.close();

    const events = readEventFile(fs.readFileSync(writer.file));

    assert.equal(events.length, 5);
    assert.equal(one(events[0], 'file_version'), 'brain.Event:2');
    assert.equal(Number(one(events[0], 'wall_time')), 1700000001);
    assert.equal(one(events[1], 'step'), '10');
    assert.equal(Number(one(events[1], 'wall_time')), 1700000001.5);
    const [loss] = values(events[1]);
    assert.equal(one(loss, 'tag'), 'loss');
    assert.equal(Number(one(loss, 'simple_value')), 0.25);
    assert.equal(one(events[2], 'step'), '20');
    assert.deepEqual(values(events[2]).map((v) =>
        [one(v, 'tag'), Number(one(v, 'simple_value'))]),
        [['eval/accuracy', 0.875], ['eval/loss', 1.5]]);
    const [text] = values(events[3]);
    assert.equal(one(text, 'tag'), 'architecture');
    const plugin = child(child(text, 'metadata'), 'plugin_data');
    assert.equal(one(plugin, 'plugin_name'), 'text');
    assert.equal(one(child(text, 'metadata'), 'data_class'),
                 'DATA_CLASS_TENSOR');
    const tensor = child(text, 'tensor');
    assert.equal(one(tensor, 'dtype'), 'DT_STRING');
    assert.equal(one(tensor, 'string_val'), 'line "1"\n2. `Ä`');
    // The plugin is named once per tag.
    const [again] = values(events[4]);
    assert.equal(again['metadata'], undefined);
    assert.equal(one(child(again, 'tensor'), 'string_val'), 'again');
  });

  it('makes in memory the bytes it writes to disk, under the same name',
     () => {
       const fill = (writer: EventFileWriter) => {
         writer.addScalar('loss', 0.25, 10);
         writer.addScalars({'eval/accuracy': 0.875}, 20);
         writer.addText('architecture', '1. `A`', 20);
         writer.close();
       };
       const args = {clock: () => 1700000000, hostname: 'h'};
       const onDisk = new EventFileWriter(dir, args);
       fill(onDisk);
       const inMemory = new EventFileWriter(undefined, args);
       fill(inMemory);

       assert.equal(inMemory.file, path.basename(onDisk.file));
       const bytes = inMemory.bytes();
       // Its own buffer, to be handed to the thread that writes trials.
       assert.equal(bytes.byteLength, bytes.buffer.byteLength);
       assert.deepEqual(Buffer.from(bytes), fs.readFileSync(onDisk.file));
       assert.throws(() => onDisk.bytes(), /written to disk/);
     });

  it('stores scalars as 32-bit floats', () => {
    const writer = new EventFileWriter(dir, {clock: () => 1, hostname: 'h'});
    writer.addScalar('x', 0.1, 1);
    writer.close();

    const file = fs.readFileSync(writer.file);
    const [, event] = readEventFile(file);
    const float32 = Buffer.alloc(4);
    float32.writeFloatLE(0.1);

    // protoc prints a float by its shortest decimal form.
    assert.equal(one(values(event)[0], 'simple_value'), '0.1');
    // Summary.Value.simple_value is field 2, wire type 5 (fixed 32 bits).
    const record = readRecords(file)[1];
    assert.ok(record.includes(Buffer.concat([Buffer.from([0x15]), float32])),
              `no 32-bit simple_value in ${record.toString('hex')}`);
  });

  it('refuses negative or fractional steps', () => {
    const writer = new EventFileWriter(dir, {hostname: 'h'});
    try {
      assert.throws(() => writer.addScalar('x', 1, -1), /integer >= 0, got -1/);
      assert.throws(() => writer.addScalar('x', 1, 1.5), /got 1.5/);
    } finally {
      writer.close();
    }
  });
});

describe('frameRecord', () => {
  it('frames data the reference reader accepts', () => {
    const payloads = [Buffer.alloc(0), Buffer.from('x'),
                      Buffer.alloc(100000, 7)];
    const file = Buffer.concat(payloads.map((p) => frameRecord(p)));

    const records = readRecords(file);

    assert.deepEqual(records.map((r) => r.length), [0, 1, 100000]);
    assert.ok(records[2].every((b) => b === 7));
  });

  const damages: Array<{name: string, at: (n: number) => number,
                        error: RegExp}> = [
    {name: 'length', at: () => 0, error: /record 0 at byte 0: length CRC/},
    {name: 'length CRC', at: () => 9, error: /length CRC/},
    {name: 'data', at: () => 14, error: /data CRC/},
    {name: 'data CRC', at: (n) => n - 1, error: /data CRC/},
  ];
  for (const damage of damages) {
    it(`is rejected by the reference reader when its ${damage.name} is ` +
       'damaged', () => {
      const record = frameRecord(Buffer.from('some event bytes'));
      record[damage.at(record.length)] ^= 0x10;

      assert.throws(() => readRecords(record), damage.error);
    });
  }
});
