/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What a resumed study must share with its start, besides its spec and
 * objective (which the store compares): its model directory
 * (checkTrialDirectoriesPresent), its data (checkSameData), and for a
 * study from before the store kept objectives, the objective of its
 * summary (checkSummaryObjective).
 *
 * A study resumed on other data would rank models trained on different
 * data against each other, and its trials' exported models would read
 * inputs differently: a resumed study must see the data it started with.
 * The data is known by the input schema each trial saves (columns,
 * encoding, label classes); moments of numeric columns may change, as
 * when rows are added to the file.
 */

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {listedName} from './data/data';
import type {FeatureColumn, InputSchema} from './data/data';
import {otherStudyOfDirectory, STUDY_DATA_FILE, type StudyOfDirectory, studyText} from './metadata/study_of_directory';
import {UsageError, ValueError} from './errors';
import type {Objective, Trial} from './metadata/trial';
import {readStudySummary, SUMMARY_JSON} from './report';
import {markUnusable, temporaryTag} from './trial_directory';
import {TRIAL_FILES} from './trial_files';

/** The parts of a schema that must match: no moments, no defaults. */
function essentials(schema: InputSchema): unknown {
  return {
    kind: schema.kind,
    shape: schema.shape,
    labelVocabulary: schema.labelVocabulary ?? null,
    columns: (schema.columns ?? []).map((c: FeatureColumn) => ({
      name: c.name, kind: c.kind, vocabulary: c.vocabulary ?? null,
    })),
  };
}

/**
 * Whether two schemas describe the same data: their essentials, and the
 * evaluation split where both say it (schemas saved before it was kept
 * do not).
 */
function sameData(a: InputSchema, b: InputSchema): boolean {
  const splitA = a.extra?.['split'];
  const splitB = b.extra?.['split'];
  return JSON.stringify(essentials(a)) === JSON.stringify(essentials(b)) &&
      (splitA === undefined || splitB === undefined ||
       JSON.stringify(splitA) === JSON.stringify(splitB));
}

/** The study's data, as its first worker gave it, in its model directory. */
export {STUDY_DATA_FILE} from './metadata/study_of_directory';

/**
 * Records the study's data in `modelDir` when no worker has yet, else
 * throws when `schema` differs from it: workers started together, before
 * any trial completed, must not train one study on different data.
 * Created whole and at most once (a link of a complete file), unless
 * `onlyFailedTrials`: none of the study's trials completes (each failed,
 * or was left running by a worker of this machine that is gone), so its
 * data may change (a smaller image size after running out of memory), and
 * this worker's settings (a smaller batch) become the study's.
 *
 * @returns warnings when the data has the study's columns and classes
 *     but other numbers (moments of its numeric columns, the evaluation
 *     set, the number of examples), or the record was replaced; else
 *     undefined.
 */
/** The records recordOrCheckStudyData made in this process, by path. */
const recordedHere = new Set<string>();

/**
 * Whether this process made `modelDir`'s study_data.json: a refused run
 * removes what it wrote, not the record of another worker of the study
 * that started at the same moment.
 */
export function studyDataRecordedHere(modelDir: string): boolean {
  return recordedHere.has(path.resolve(modelDir, STUDY_DATA_FILE));
}

let temporaries = 0;

/**
 * Where `file` is written before it is linked or renamed into place:
 * named as the search's other temporaries (trial_directory.ts), so that
 * one a killed worker left is removed at a later start.
 */
function temporaryFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${
      temporaryTag()}-${++temporaries}`);
}

export function recordOrCheckStudyData(
    modelDir: string, study: StudyOfDirectory&{settings?: TrialSettings},
    schema: InputSchema, onlyFailedTrials = false,
    classes?: number): string[]|undefined {
  const experimentName = study.experimentName;
  const file = path.join(modelDir, STUDY_DATA_FILE);
  if (!fs.existsSync(file)) {
    const tmp = temporaryFor(file);
    // The directory's own id, which trial plans record: workers that
    // race to write this file all take the one that won. A directory
    // whose record was removed keeps the id its trials recorded.
    const directoryId =
        study.directoryId ?? crypto.randomBytes(8).toString('hex');
    fs.writeFileSync(
        tmp, JSON.stringify({...study, directoryId, schema, classes}, null, 2));
    try {
      fs.linkSync(tmp, file);
      recordedHere.add(path.resolve(file));
      return undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      fs.rmSync(tmp, {force: true});
    }
  }
  let recorded: InputSchema;
  // The provider's number of classes, which a schema without class names
  // (a provider of one's own) does not tell; records of before it was
  // kept lack it.
  let recordedClasses: number|undefined;
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as
        {schema: InputSchema, classes?: unknown}|null;
    recorded = record?.schema as InputSchema;
    if (typeof recorded?.kind !== 'string') throw new Error('no schema');
    if (typeof record?.classes === 'number') recordedClasses = record.classes;
  } catch (e) {
    // The record also keeps the study's seed, lost with it unless given.
    const seed = /"seed"\s*:\s*(\d+)/.exec(
        fs.readFileSync(file, 'latin1'))?.[1];
    throw new ValueError(`${file}: not the study's data record (${
        (e as Error).message}); remove it to record the data given now, ${
        seed === undefined ?
            'and pass --phoenix_tf_random_seed=<the seed the study\'s ' +
                'first run printed> to plan its next trials from that seed' :
            `and pass --phoenix_tf_random_seed=${seed} (the study's seed, ` +
                'read from what is left of it) to plan its next trials ' +
                'from that seed'}`);
  }
  // A worker of another study that started at the same moment may have
  // written the record since this one's start checked the directory.
  const other = otherStudyOfDirectory(modelDir, study);
  if (other !== undefined) {
    throw new UsageError(
        `--model_dir=${modelDir} belongs to ${studyText(other.recorded)}${
            other.differs === 'creation' ?
                ` created ${other.recorded.createdAt}` :
                ''} (its ${STUDY_DATA_FILE}, written by a worker of that ` +
        `study as this one started), not to ${studyText(study)}: give ` +
        'each study a --model_dir of its own');
  }
  // A study none of whose trials completed takes this worker's data and
  // settings as its own: nothing was ranked with the recorded ones.
  const takeOver = () => {
    const tmp = temporaryFor(file);
    const before = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(
        tmp, JSON.stringify({...before, ...study, schema, classes}, null, 2));
    fs.renameSync(tmp, file);
  };
  const sameClasses = recordedClasses === undefined ||
      classes === undefined || recordedClasses === classes;
  const before = {schema: recorded, classes: recordedClasses};
  const now = {schema, classes};
  if (sameData(recorded, schema) && sameClasses) {
    if (onlyFailedTrials) {
      takeOver();
    } else if (recordedClasses === undefined && classes !== undefined) {
      // A record of before the number was kept: kept from now on (the
      // trials so far cannot tell it, their models aside).
      const tmp = temporaryFor(file);
      const before = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(tmp, JSON.stringify({...before, classes}, null, 2));
      fs.renameSync(tmp, file);
    }
    const warnings = [
      evaluationWarning(recorded, schema), momentsWarning(recorded, schema),
      examplesWarning(recorded, schema),
    ].filter((w): w is string => w !== undefined);
    return warnings.length === 0 ? undefined : warnings;
  }
  if (onlyFailedTrials) {
    takeOver();
    return [`the study's data changes from ${describe(before)} to ${
        givenData(before, now)}: none of its ` +
        'trials completed, so the data given now is the study\'s from here ' +
        'on'];
  }
  throw new ValueError(
      `study "${experimentName}" in ${modelDir} is trained on ${
          describe(before)} (${file}), but the data given now is ${
          givenData(before, now)}; give every ` +
      'worker the same data, or a new --model_dir or --experiment_name for ' +
      'a new study');
}

/** How each worker trains a trial: what every worker should share. */
export declare interface TrialSettings {
  trainSteps: number;
  batchSize: number;
  evalSteps: number;
}

const SETTING_FLAGS: Record<keyof TrialSettings, string> = {
  trainSteps: '--phoenix_train_steps',
  batchSize: '--phoenix_batch_size',
  evalSteps: '--phoenix_eval_steps',
};

/**
 * A warning when `settings` differ from those the study's first worker
 * recorded in `modelDir` (undefined when they agree, or none are
 * recorded): each worker trains with its own, and its trials are ranked
 * with the others'.
 */
export function settingsWarning(modelDir: string, settings: TrialSettings):
    string|undefined {
  const change = settingsChange(modelDir, settings);
  return change === undefined ? undefined :
      `this worker trains with ${change.given}, the study's first worker ` +
          `with ${change.recorded}: its trials are ranked with the ` +
          'others\'; give every worker the same ones unless that is meant';
}

/**
 * A note when `settings` replace other recorded ones in a study none of
 * whose trials completed (it takes this worker's as its own, as it does
 * the data): said as a change of data is, rather than not at all.
 */
export function settingsTakenOverNote(
    modelDir: string, settings: TrialSettings): string|undefined {
  const change = settingsChange(modelDir, settings);
  return change === undefined ? undefined :
      `the study's trial settings change from ${change.recorded} to ${
          change.given}: none of its trials completed, so these are the ` +
          'study\'s from here on';
}

/** The settings that differ from those recorded, as flags, if any. */
function settingsChange(modelDir: string, settings: TrialSettings):
    {given: string, recorded: string}|undefined {
  let recorded: Partial<TrialSettings>|undefined;
  try {
    recorded = (JSON.parse(fs.readFileSync(
                    path.join(modelDir, STUDY_DATA_FILE), 'utf8')) as
                {settings?: Partial<TrialSettings>}).settings;
  } catch {
    return undefined;
  }
  if (recorded === undefined) return undefined;
  const differ = (Object.keys(SETTING_FLAGS) as Array<keyof TrialSettings>)
                     .filter((k) => typeof recorded![k] === 'number' &&
                                 recorded![k] !== settings[k]);
  if (differ.length === 0) return undefined;
  return {
    given: differ.map((k) => `${SETTING_FLAGS[k]}=${settings[k]}`).join(' '),
    recorded:
        differ.map((k) => `${SETTING_FLAGS[k]}=${recorded![k]}`).join(' '),
  };
}

/**
 * Moments of the numeric columns that differ between the study's data and
 * the data given now (rows added or changed), said as a warning: each
 * worker standardizes with its own data's moments, so its trials train
 * and evaluate on other inputs than the study's other trials, and its
 * ensembles feed earlier towers inputs scaled otherwise than they learnt.
 */
function momentsWarning(recorded: InputSchema, given: InputSchema):
    string|undefined {
  const before = new Map((recorded.columns ?? []).map((c) => [c.name, c]));
  const differ = (given.columns ?? []).filter((c) => {
    const b = before.get(c.name);
    return c.kind === 'numeric' && b !== undefined &&
        (!close(c.mean ?? 0, b.mean ?? 0) || !close(c.std ?? 1, b.std ?? 1));
  });
  if (differ.length === 0) return undefined;
  const first = differ[0];
  const was = before.get(first.name)!;
  const num = (x: number|undefined, none: number) =>
      Number((x ?? none).toPrecision(4));
  return `the data given now has the study's columns but other numbers ` +
      `(column ${first.name}: mean ${num(first.mean, 0)}, std ${
          num(first.std, 1)}, against ${num(was.mean, 0)}, ${
          num(was.std, 1)} when the study started${
          differ.length > 1 ? `; ${differ.length - 1} more column${
              differ.length > 2 ? 's' : ''}` : ''}): ` +
      'this run\'s trials train and evaluate on other inputs than the ' +
      'study\'s others, and are ranked with them; give every worker the ' +
      'same data unless rows were added on purpose';
}

/**
 * A warning when the data given now evaluates trials on another set than
 * the study's first worker did (a CSV study resumed with another or no
 * --validation_filename): their metrics do not compare, yet are ranked
 * together.
 */
function evaluationWarning(recorded: InputSchema, given: InputSchema):
    string|undefined {
  type Evaluation = {file: string|null, rows: number, digest?: string};
  const before = recorded.extra?.['evaluation'] as Evaluation|undefined;
  const now = given.extra?.['evaluation'] as Evaluation|undefined;
  if (before === undefined || now === undefined ||
      (before.file === now.file && before.rows === now.rows &&
       (before.digest === undefined || now.digest === undefined ||
        before.digest === now.digest))) {
    return undefined;
  }
  const same = before.file === now.file && before.rows === now.rows;
  const said = (e: Evaluation) => e.file === null ?
      `the training rows (${e.rows})` :
      `${e.file} (${e.rows} rows${same ? `, contents ${e.digest}` : ''})`;
  return `this run evaluates trials on ${said(now)}, the study's first ` +
      `worker on ${said(before)}: their metrics do not compare, yet are ` +
      'ranked together; give the study\'s --validation_filename';
}

/**
 * A warning when the data given now holds another number of examples than
 * the study's did (an image folder with images added or removed).
 */
function examplesWarning(recorded: InputSchema, given: InputSchema):
    string|undefined {
  type Examples = {train: number, eval: number, evalDigest?: string};
  const before = recorded.extra?.['examples'] as Examples|undefined;
  const now = given.extra?.['examples'] as Examples|undefined;
  if (before === undefined || now === undefined) return undefined;
  if (before.train === now.train && before.eval === now.eval) {
    if (before.evalDigest === undefined || now.evalDigest === undefined ||
        before.evalDigest === now.evalDigest) {
      return undefined;
    }
    return `the data given now has as many examples as the study's, but ` +
        `other evaluation images (their pixels differ: digest ${
            now.evalDigest}, against ${before.evalDigest} when the study ` +
        'started): this run\'s trials are evaluated on other images than ' +
        'the study\'s others, and are ranked with them; give every worker ' +
        'the same images';
  }
  return `the data given now has ${now.train} training and ${
      now.eval} evaluation examples, against ${before.train} and ${
      before.eval} when the study started: this run's trials train and ` +
      'evaluate on other examples than the study\'s others, and are ranked ' +
      'with them; give every worker the same data unless examples were ' +
      'added on purpose';
}

/** Equal up to rounding (moments of the same rows, summed otherwise). */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * The data given, for a message that has just described the recorded:
 * where only the evaluation split differs, said so rather than the same
 * description twice.
 */
function givenData(recorded: DataOf, given: DataOf): string {
  const same = JSON.stringify(essentials(recorded.schema)) ===
          JSON.stringify(essentials(given.schema)) &&
      recorded.classes === given.classes;
  return `${same ? 'the same data split otherwise for evaluation' :
                   `${describe(given)}${
                       differences(recorded.schema, given.schema)}`}${
      splitText(recorded.schema, given.schema)}`;
}

/**
 * What differs in columns and classes, which the descriptions cut after
 * a few names: ` (columns missing: a; new: b)`, or '' when the names are
 * the same.
 */
function differences(recorded: InputSchema, given: InputSchema): string {
  const names = (schema: InputSchema) =>
      (schema.columns ?? []).map((c) => c.name);
  const compare = (what: string, before: string[], now: string[]) => {
    const missing = before.filter((n) => !now.includes(n));
    const added = now.filter((n) => !before.includes(n));
    const list = (items: string[]) => `${
        items.slice(0, 8).map(listedName).join(', ')}${
        items.length > 8 ? ', ...' : ''}`;
    if (missing.length > 0 || added.length > 0) {
      return [missing.length > 0 ? `${what} missing: ${list(missing)}` : '',
              added.length > 0 ? `new ${what}: ${list(added)}` : '']
          .filter((part) => part !== '').join('; ');
    }
    return before.join('\u0000') === now.join('\u0000') ? '' :
                                                        `${what} in another order`;
  };
  const parts = [
    compare('columns', names(recorded), names(given)),
    ...columnChanges(recorded, given),
    compare('classes', (recorded.labelVocabulary ?? []).map(String),
            (given.labelVocabulary ?? []).map(String)),
  ].filter((part) => part !== '');
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

/**
 * How the columns of both schemas changed in kind or values: a new value
 * of a categorical column widens its one-hot, so the models of the study
 * would not take the data (rows appended with a new city, say).
 */
function columnChanges(recorded: InputSchema, given: InputSchema): string[] {
  const now = new Map((given.columns ?? []).map((c) => [c.name, c]));
  const quoted = (values: string[]) =>
      `${values.slice(0, 5).map((v) => JSON.stringify(v)).join(', ')}${
          values.length > 5 ? `, ... (${values.length})` : ''}`;
  const out: string[] = [];
  for (const before of recorded.columns ?? []) {
    const after = now.get(before.name);
    if (after === undefined) continue;
    const name = `column ${listedName(before.name)}`;
    if (after.kind !== before.kind) {
      out.push(`${name} is ${after.kind}, was ${before.kind}`);
      continue;
    }
    const was = before.vocabulary ?? [];
    const is = after.vocabulary ?? [];
    const added = is.filter((v) => !was.includes(v));
    const gone = was.filter((v) => !is.includes(v));
    if (added.length > 0) out.push(`${name} has new values ${quoted(added)}`);
    if (gone.length > 0) out.push(`${name} lacks values ${quoted(gone)}`);
  }
  return out;
}

/** How the evaluation splits differ, when they do. */
function splitText(recorded: InputSchema, given: InputSchema): string {
  const a = recorded.extra?.['split'];
  const b = given.extra?.['split'];
  return a !== undefined && b !== undefined &&
          JSON.stringify(a) !== JSON.stringify(b) ?
      ` (evaluation split: the study's ${splitFlags(a)}, now ${
          splitFlags(b)})` :
      '';
}

/**
 * An image split as the flags that make it; a split of before the
 * per-class rule, or of another provider, as recorded.
 */
function splitFlags(split: unknown): string {
  const s = split as {evalFraction?: unknown, seed?: unknown, method?: unknown};
  if (typeof s?.evalFraction !== 'number' || typeof s.seed !== 'number') {
    return JSON.stringify(split);
  }
  return `--eval_fraction=${s.evalFraction} --image_split_seed=${s.seed}${
      s.method === undefined ? ' (split before classes were held out in ' +
                               'proportion)' :
                               ''}`;
}

/** A schema, and the provider's number of classes where known. */
declare interface DataOf {
  schema: InputSchema;
  classes?: number;
}

/**
 * The data as messages name it: kind, shape, columns, and the classes by
 * name, or their number for a provider that names none.
 */
function describe({schema, classes}: DataOf): string {
  const names = schema.labelVocabulary ?? [];
  const columns = (schema.columns ?? []).map((c) => listedName(c.name));
  return `${schema.kind} data of shape [${schema.shape.join(', ')}]` +
      (columns.length ? `, columns ${columns.slice(0, 6).join(',')}${
                            columns.length > 6 ? ',...' : ''}` : '') +
      (names.length > 0 ?
           `, classes ${names.slice(0, 6).map((c) => listedName(String(c)))
                            .join(',')}${names.length > 6 ? ',...' : ''}` :
       classes !== undefined ? `, ${classes} classes` : '');
}

/** A completed trial whose saved input schema cannot be read. */
export declare interface DamagedSchema {
  trialId: number;
  /** What is wrong with the file, naming it. */
  why: string;
}

/**
 * Throws when `schema` (the provider's now) differs from the one the
 * first completed trial of the study saved. A trial whose file cannot be
 * read (cut or emptied by a crash of the machine) is marked unusable:
 * nothing could load its model. Trials in `unusable` (marked already) are
 * passed over.
 *
 * @returns the trials found damaged, for the caller to say and plan
 *     without.
 */
export function checkSameData(
    modelDir: string, experimentName: string, trials: Trial[],
    schema: InputSchema,
    unusable: ReadonlySet<number> = new Set()): DamagedSchema[] {
  const damaged: DamagedSchema[] = [];
  let compared = false;
  for (const trial of trials) {
    if (trial.state !== 'COMPLETED' || trial.directory === undefined ||
        unusable.has(trial.id)) {
      continue;
    }
    const file = path.join(modelDir, trial.directory, TRIAL_FILES.inputSchema);
    if (!fs.existsSync(file)) continue;
    const saved = readSavedSchema(file);
    if (typeof saved === 'string') {
      markUnusable(modelDir, trial.directory, saved);
      damaged.push({trialId: trial.id, why: saved});
      continue;
    }
    // Every trial saved the study's data (study_data.json holds the
    // search to it); one comparison tells, the others are read for damage.
    if (compared || sameData(saved, schema)) {
      compared = true;
      continue;
    }
    throw new ValueError(
        `study "${experimentName}" in ${modelDir} was trained on ${
            describe({schema: saved})} (trial ${trial.id}), but the data ` +
        `given now is ${givenData({schema: saved}, {schema})}; give the same ` +
        'data to resume it, or a new --model_dir or --experiment_name for ' +
        'a new study');
  }
  return damaged;
}

/** A trial's saved input schema, or what is wrong with its file. */
function readSavedSchema(file: string): InputSchema|string {
  let saved: Partial<InputSchema>|null;
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8')) as InputSchema|null;
  } catch (e) {
    return `${file} cannot be read as JSON (${(e as Error).message})`;
  }
  return saved !== null && typeof saved === 'object' &&
          typeof saved.kind === 'string' && Array.isArray(saved.shape) ?
      saved as InputSchema :
      `${file} is not an input schema (it needs "kind" and "shape")`;
}

/**
 * Refuses trial directories (trialDirectoriesIn, read before the study's
 * trials were listed, so that a trial another worker writes meanwhile is
 * among them) of no trial of the study: its next trials would find their
 * directory taken, one failed trial after another.
 */
export function checkNoUnknownTrialDirectories(
    modelDir: string, experimentName: string, directories: string[],
    trials: Trial[], database: string): void {
  const known = new Set(trials.map((t) => t.directory ?? String(t.id)));
  const unknown = directories.filter((name) => !known.has(name))
                      .sort((a, b) => Number(a) - Number(b));
  if (unknown.length === 0) return;
  const many = unknown.length > 1;
  throw new UsageError(
      `--model_dir=${modelDir} holds the trial director${
          many ? 'ies' : 'y'} ${unknown.slice(0, 8).join(', ')}${
          unknown.length > 8 ? ', ...' : ''}, but ${database} has no such ` +
      `trial of study "${experimentName}": the database is older than the ` +
      'directory (restored from a copy?), or another study wrote ' +
      `${many ? 'them' : 'it'}. Move ${many ? 'them' : 'it'} out of ` +
      '--model_dir to go on, or give the database the study was run with');
}

/**
 * Throws when completed trials of the study have no directory in
 * `modelDir`: the study was started in another model directory. Its
 * ensembles, warm starts and teachers read those directories, so the
 * search would fail later, half way. Returns the ids of the completed
 * trials whose directories were written here and are gone (removed, or
 * lost with a disk): those recorded with the model directory id of a
 * trial whose directory is here.
 */
export function checkTrialDirectoriesPresent(
    modelDir: string, experimentName: string, trials: Trial[]): number[] {
  const missing = trials.filter(
      (t) => t.state === 'COMPLETED' && t.directory !== undefined &&
          !fs.existsSync(
              path.join(modelDir, t.directory, TRIAL_FILES.architecture)));
  if (missing.length === 0) return [];
  const directoryOf = (t: Trial) => {
    const id = t.extra?.['directoryId'];
    return typeof id === 'string' ? id : undefined;
  };
  const here = new Set<string|undefined>(
      trials.filter((t) => t.state === 'COMPLETED' && !missing.includes(t))
          .map(directoryOf)
          .filter((id) => id !== undefined));
  if (missing.every((t) => here.has(directoryOf(t)))) {
    return missing.map((t) => t.id);
  }
  const ids = missing.map((t) => t.id);
  const completed = trials.filter((t) => t.state === 'COMPLETED').length;
  throw new UsageError(
      `study "${experimentName}" has ${completed} completed trial${
          completed === 1 ? '' : 's'}, but ` +
      `--model_dir=${modelDir} lacks the directories of ${
          missing.length === completed ? 'all of them' :
                                         `${missing.length} of them`} ` +
      `(trial${ids.length > 1 ? 's' : ''} ${ids.slice(0, 8).join(', ')}${
          ids.length > 8 ? ', ...' : ''}): give the --model_dir the study ` +
      'was started with (its workers share one), or a new ' +
      '--experiment_name for a new study');
}

/**
 * Throws when the study summary in `modelDir` ranks by another objective
 * than `objective`. The database keeps a study's objective since schema
 * version 3 (and refuses another in openStudy); a study made before kept
 * it only in its summary, and would otherwise take the objective of the
 * first run after, without a word. Called before the study is opened, so
 * that a refused run records nothing. A missing or unreadable summary
 * says nothing.
 */
export function checkSummaryObjective(
    modelDir: string, experimentName: string, objective: Objective): void {
  let summary: {objective?: Partial<Objective>}|undefined;
  try {
    summary = readStudySummary(modelDir);
  } catch {
    return;
  }
  const before = summary?.objective;
  if (before?.metric === undefined ||
      (before.metric === objective.metric && before.goal === objective.goal)) {
    return;
  }
  throw new UsageError(
      `study "${experimentName}" in ${modelDir} was searched with ` +
      `--optimization_metric=${before.metric} --optimization_goal=${
          before.goal} (its ${SUMMARY_JSON}), but this run has ` +
      `--optimization_metric=${objective.metric} --optimization_goal=${
          objective.goal}; give the same to resume it, or a new ` +
      '--experiment_name for a new study');
}
