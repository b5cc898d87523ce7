/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Writes TensorBoard event files: `events.out.tfevents.<seconds>.<host>`,
 * a TFRecord file of Event messages whose first record names the format
 * version. Scalars are written as `simple_value`, text as a string tensor
 * for TensorBoard's text plugin (which renders it as Markdown).
 */

import * as os from 'os';
import * as path from 'path';

import {DataClass, DataType, Event} from './event';
import type {Summary_Value} from './event';
import {TFRecordBuffer, TFRecordWriter} from './tfrecord';
import type {RecordSink} from './tfrecord';

/** The version string of the first record of every event file. */
export const FILE_VERSION = 'brain.Event:2';

/** The prefix of every event file's name, as TensorBoard looks for it. */
export const EVENT_FILE_PREFIX = 'events.out.tfevents.';

export declare interface EventFileWriterArgs {
  /** Seconds since the epoch, for names and wall times; default: now. */
  clock?: () => number;
  /** The host part of the file name; default os.hostname(). */
  hostname?: string;
}

/** One event file in a directory, or in memory; close it when done. */
export class EventFileWriter {
  /** The path of the file being written; in memory, its name. */
  readonly file: string;
  private readonly records: RecordSink;
  private readonly clock: () => number;
  private readonly tagsWithMetadata = new Set<string>();

  /**
   * Creates the file in `dir` (which must exist) and writes its header.
   * With `dir` undefined the file is made in memory (`bytes`), to be
   * written elsewhere whole under the name `file`.
   */
  constructor(dir: string|undefined, args: EventFileWriterArgs = {}) {
    this.clock = args.clock ?? (() => Date.now() / 1000);
    const host = (args.hostname ?? os.hostname()).replace(/[/\\]/g, '_');
    const seconds = Math.floor(this.clock());
    const name = `${EVENT_FILE_PREFIX}${seconds}.${host}`;
    this.file = dir === undefined ? name : path.join(dir, name);
    this.records =
        dir === undefined ? new TFRecordBuffer() : new TFRecordWriter(this.file);
    this.writeEvent({wallTime: this.clock(), step: 0,
                     fileVersion: FILE_VERSION});
  }

  /** A scalar point of series `tag` (stored as a 32-bit float). */
  addScalar(tag: string, value: number, step: number): void {
    this.addValues(step, [{tag, simpleValue: value}]);
  }

  /** Several scalars recorded at the same step, in one event. */
  addScalars(values: Record<string, number>, step: number): void {
    this.addValues(step, Object.entries(values).map(
        ([tag, simpleValue]) => ({tag, simpleValue})));
  }

  /** Text (Markdown) for TensorBoard's text plugin. */
  addText(tag: string, text: string, step: number): void {
    const value: Summary_Value = {
      tag,
      tensor: {
        dtype: DataType.DT_STRING,
        tensorShape: {},
        stringVal: [Buffer.from(text, 'utf8')],
      },
    };
    if (!this.tagsWithMetadata.has(tag)) {
      // The plugin needs to be named once per tag and file; version 0 of
      // the text plugin's options serializes to no bytes.
      value.metadata = {
        pluginData: {pluginName: 'text', content: new Uint8Array(0)},
        dataClass: DataClass.DATA_CLASS_TENSOR,
      };
      this.tagsWithMetadata.add(tag);
    }
    this.addValues(step, [value]);
  }

  /** Flushes and closes the file. */
  close(): void {
    this.records.close();
  }

  /** The contents of a file made in memory. */
  bytes(): Uint8Array {
    if (!(this.records instanceof TFRecordBuffer)) {
      throw new Error(`${this.file} is written to disk, not kept in memory`);
    }
    return this.records.bytes();
  }

  private addValues(step: number, values: Summary_Value[]): void {
    if (!Number.isInteger(step) || step < 0) {
      throw new RangeError(`event step must be an integer >= 0, got ${step}`);
    }
    this.writeEvent({wallTime: this.clock(), step, summary: {value: values}});
  }

  private writeEvent(event: Event): void {
    this.records.write(Event.encode(event).finish());
  }
}
