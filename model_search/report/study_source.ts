/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Where the `trials` and `report` commands read a study from: the store
 * of a model directory (its SQLite file, or a --metadata_db URL), the
 * study picked by name and owner, and the objective (from the flags, else
 * the study summary the search wrote, else the trainer's default).
 */

import * as fs from 'fs';
import * as path from 'path';

import {UsageError, ValueError, didYouMean} from '../errors';
import {FlagSet, parseCommandFlags} from '../flags';

export {parseCommandFlags};
import {localPid, machineName, processExists, workerAlive, workerHeartbeating} from '../metadata/worker_ids';
import {createStore, mlmdGiven} from '../metadata/create_store';
import type {StoreOptions} from '../metadata/create_store';
import {databaseFromFlags, DEFAULT_SQLITE_FILENAME, defineDatabaseFlags} from '../metadata/flags';
import {redactUrl} from '../metadata/redact';
import {otherStudyOfDirectory, STUDY_DATA_FILE, studyOfDirectory, studyText} from '../metadata/study_of_directory';
import type {MetadataStore, StudyInfo} from '../metadata/store';
import {HIGHER_IS_BETTER, LOWER_IS_BETTER} from '../metadata/trial';
import type {Objective, Trial} from '../metadata/trial';

import {holdsTrialFiles, isTrialDirectoryName, TRIAL_FILES, trialDirectoriesIn} from '../trial_files';
import {noSuchDirectory, whyUnreadable} from '../user_paths';
import {readStudySummary} from './study_summary';
import {metricNames} from './trial_columns';

/** The objective of the trainer when no flag sets one. */
export const DEFAULT_OBJECTIVE: Objective = {metric: 'loss', goal: 'minimize'};

/** A study read back from its store. */
export declare interface LoadedStudy {
  study: StudyInfo;
  trials: Trial[];
  objective: Objective;
  /**
   * Where the objective came from, for the reader of the output: `from
   * flags`, `from database`, `from study_summary.json` or `from default`
   * when metric and goal came from one place; else where each came from,
   * as `metric from flags, goal from database`.
   */
  objectiveSource: string;
  modelDir: string;
  /** The database, password hidden. */
  database: string;
  /** What the reader should know of it (see studyWarnings). */
  warnings: string[];
}

/**
 * What a listing of the study would hide: COMPLETED trials whose
 * directory in `modelDir` is gone or incomplete (no replay, prediction or
 * ensemble can use them), and RUNNING trials whose worker is gone: a
 * process of this machine that is not there, or any worker whose lease
 * has run out (the next search of the study takes them back).
 */
export function studyWarnings(
    trials: Trial[], modelDir: string,
    exists: (pid: number, startTicks?: number) => boolean = processExists,
    now = Date.now()): string[] {
  const warnings: string[] = [];
  if (modelDir !== '') {
    const completed = trials.filter(
        (t) => t.state === 'COMPLETED' && t.directory !== undefined);
    // There, but closed to this user: said so, not taken for gone.
    const closed = new Set<number>();
    for (const t of completed) {
      const unreadable = whyUnreadable(path.join(modelDir, t.directory!));
      if (unreadable !== undefined) {
        closed.add(t.id);
        warnings.push(`warning: trial ${t.id}: ${unreadable}`);
      }
    }
    // Found damaged by a search (a later trial could not load its files):
    // no prediction, ensemble or warm start can use them either.
    const damaged = completed.filter((t) => fs.existsSync(
        path.join(modelDir, t.directory!, TRIAL_FILES.unusable)));
    if (damaged.length > 0) {
      const ids = damaged.map((t) => t.id);
      const many = ids.length > 1;
      warnings.push(`warning: trial${many ? 's' : ''} ${
          ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''} ${
          many ? 'are' : 'is'} marked unusable (${TRIAL_FILES.unusable} in ${
          many ? 'each directory' : 'its directory'} says which files are ` +
          `damaged): searches plan without ${many ? 'them' : 'it'}, and ${
              many ? 'their models' : 'its model'} may not load`);
    }
    const missing = completed.filter(
        (t) => !closed.has(t.id) &&
            !fs.existsSync(path.join(
                modelDir, t.directory!, TRIAL_FILES.architecture)));
    if (missing.length > 0) {
      const ids = missing.map((t) => t.id);
      warnings.push(`warning: trial${ids.length > 1 ? 's' : ''} ${
          ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''} ${
          ids.length > 1 ? 'are' : 'is'} COMPLETED but ${modelDir} lacks ${
          ids.length > 1 ? 'their directories' : 'its directory'} (or ` +
          `architecture.json in it): no replay, prediction or ensemble can ` +
          `use ${ids.length > 1 ? 'them' : 'it'}`);
    }
    // A database restored from an older copy: the search refuses to
    // resume the study until they are moved (checkNoUnknownTrialDirectories).
    const known = new Set(trials.map((t) => t.directory ?? String(t.id)));
    const unknown = trialDirectoriesIn(modelDir)
                        .filter((name) => !known.has(name))
                        .sort((a, b) => Number(a) - Number(b));
    if (unknown.length > 0) {
      const many = unknown.length > 1;
      warnings.push(`warning: ${modelDir} holds the trial director${
          many ? 'ies' : 'y'} ${unknown.slice(0, 10).join(', ')}${
          unknown.length > 10 ? ', ...' : ''} of no trial the database ` +
          'holds (a database older than the directory, restored from a ' +
          `copy?): not listed, and a search of the study refuses to go on ` +
          `until ${many ? 'they are' : 'it is'} moved out`);
    }
  }
  for (const t of trials) {
    if (t.state !== 'RUNNING' ||
        workerHeartbeating(t, now, machineName(), exists)) {
      continue;
    }
    if (workerAlive(t, now, machineName(), exists)) {
      // A process of this machine that is there but heartbeats no more.
      warnings.push(`warning: trial ${t.id} shows RUNNING, but its worker (${
          t.workerId}) is stopped or hangs: its lease ran out at ${
          t.leaseExpiresAt} with no heartbeat since; the next worker that ` +
          'asks for a trial takes it back');
    } else if (localPid(t.workerId) !== undefined) {
      warnings.push(`warning: trial ${t.id} shows RUNNING, but its worker (${
          t.workerId}) is gone: the next search of the study takes it back`);
    } else if (t.leaseExpiresAt !== undefined) {
      // Another machine's worker: only its lease tells.
      warnings.push(`warning: trial ${t.id} shows RUNNING, but its ` +
          `worker's (${t.workerId ?? '?'}) lease ran out at ${
              t.leaseExpiresAt} with no heartbeat since: the next worker ` +
          'that asks for a trial takes it back');
    }
  }
  return warnings;
}


/** Declares the flags that locate a study (shared by both commands). */
export function defineStudyFlags(flags: FlagSet): void {
  flags.define('model_dir', {type: 'string', default: '',
    help: 'The --model_dir of the search; its model_search.db is read ' +
          'unless --metadata_db or the --mlmd_* flags name the database.'});
  // As the search takes them.
  defineDatabaseFlags(flags);
  flags.define('experiment_name', {type: 'string', default: '',
    help: 'The study to show; needed when the database holds several.'});
  flags.define('experiment_owner', {type: 'string', default: '',
    help: 'With --experiment_name, when several owners used the name.'});
  flags.define('optimization_metric', {type: 'string', default: '',
    help: 'The objective metric; default: the study\'s (kept in its ' +
          'database, or in study_summary.json), else loss.'});
  flags.define('optimization_goal', {type: 'string', default: '',
    choices: ['', 'minimize', 'maximize'],
    help: 'minimize or maximize the objective metric.'});
  flags.define('help', {type: 'bool', default: false, help: 'Show help.'});
}

/**
 * Throws a UsageError when `modelDir` holds the trial directories of
 * another study (its study_data.json names another name, owner or, for a
 * study of one name in two databases, creation time): trial ids count
 * from 1 in every study, so they would pass for this one's.
 */
function checkModelDirOfStudy(
    modelDir: string, study: StudyInfo, database: string): void {
  if (modelDir === '') return;
  const other = otherStudyOfDirectory(modelDir, study);
  if (other === undefined) return;
  throw new UsageError(other.differs === 'study' ?
      `--model_dir=${modelDir} holds the trial directories of ${
          studyText(other.recorded)} (its ${STUDY_DATA_FILE}), not of ${
          studyText(study)} of ${database}: give the --model_dir that ` +
          'study was searched in, or the database of the study that made ' +
          'this one' :
      `--model_dir=${modelDir} holds the trial directories of ${
          studyText(other.recorded)} created ${
          other.recorded.createdAt} (its ${STUDY_DATA_FILE}), but the ` +
          `study of that name in ${database} was created ${
              study.createdAt}: it is another database's study; give the ` +
          'database of the study that made this directory');
}

/**
 * Resolves a path flag against the directory where the user ran the
 * command (`bazel run` changes the working directory to the runfiles).
 */
export function userPath(value: string): string {
  if (value === '' || path.isAbsolute(value)) return value;
  return path.resolve(process.env['BUILD_WORKING_DIRECTORY'] ?? process.cwd(),
                      value);
}

/** Opens the store named by the flags and reads the chosen study. */
export async function loadStudy(flags: FlagSet): Promise<LoadedStudy> {
  const modelDir = userPath(flags.get<string>('model_dir'));
  const given = databaseFromFlags(flags);
  let url = given.url ?? '';
  const mlmd: StoreOptions = {
    ...given,
    url: undefined,
    mlmdDefaultSqlliteFilename:
        userPath(given.mlmdDefaultSqlliteFilename ?? '') || undefined,
  };
  const byMlmd = mlmdGiven(mlmd);
  if (byMlmd) {
    const file = mlmd.mlmdDefaultSqlliteFilename;
    if (url === '' && file !== undefined && mlmd.mlmdSocket === undefined &&
        !fs.existsSync(file)) {
      throw new UsageError(
          `--mlmd_default_sqllite_filename=${file}: no such file`);
    }
  } else if (url === '') {
    if (modelDir === '') {
      throw new UsageError('--model_dir is required (the --model_dir of ' +
                           'the search), or give --metadata_db');
    }
    const unreadable = whyUnreadable(modelDir);
    if (unreadable !== undefined) {
      throw new UsageError(
          `--model_dir=${modelDir}: ${unreadable}; change its permissions, ` +
          'or run as a user who may read it');
    }
    if (!fs.existsSync(modelDir)) {
      throw new UsageError(`--model_dir=${modelDir}: ${
          noSuchDirectory(modelDir)}`);
    }
    if (!fs.statSync(modelDir).isDirectory()) {
      throw new UsageError(`--model_dir=${modelDir} is a file, not a ` +
                           'directory; give the --model_dir of the search');
    }
    const file = path.join(modelDir, DEFAULT_SQLITE_FILENAME);
    if (!fs.existsSync(file)) {
      // A search kept in a database server writes its summary here all
      // the same.
      const searched =
          fs.existsSync(path.join(modelDir, 'study_summary.json')) ||
          trialDirectoriesIn(modelDir).length > 0;
      // One copied under another name, or one with files lost.
      if (fs.existsSync(path.join(modelDir, TRIAL_FILES.architecture)) ||
          (isTrialDirectoryName(path.basename(path.resolve(modelDir))) &&
           holdsTrialFiles(modelDir))) {
        throw new UsageError(
            `--model_dir=${modelDir} is a trial directory; give the ` +
            `--model_dir of its search, ${path.dirname(modelDir)}`);
      }
      throw new UsageError(
          `--model_dir=${modelDir} holds no ${DEFAULT_SQLITE_FILENAME}: ${
              searched ?
                  'its search kept its bookkeeping in another database ' +
                      '(give that one with --metadata_db, or the --mlmd_* ' +
                      'flags, as the search had it), or the file was ' +
                      'removed (each trial directory still serves `cli ' +
                      'predict`)' :
                  'run a search with this --model_dir first, or give the ' +
                      'database of the search with --metadata_db'}`);
    }
    url = `sqlite:${file}`;
  } else if (url.startsWith('sqlite:')) {
    const name = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (name === ':memory:') {
      throw new UsageError(
          `--metadata_db=${url}: an in-memory database lives and dies with ` +
          'the search that made it; give the database file of the search');
    }
    const file = userPath(name);
    if (!fs.existsSync(file)) {
      // Opening would create an empty database: say so instead.
      throw new UsageError(`--metadata_db=${url}: no such file ${file}`);
    }
    url = `sqlite:${file}`;
  }
  // Read-only: pointed at the wrong database, it must not set one up.
  let store: MetadataStore;
  try {
    store = await createStore({
      // Both given: refused by createStore, naming them.
      ...(byMlmd ? {...mlmd, url: url || undefined} : {url}),
      retry: {maxElapsedMs: 5000},
      readOnly: true,
    });
  } catch (e) {
    // A database that is not a search's (or not this version's): the
    // flags named the wrong one.
    if (e instanceof ValueError && !(e instanceof UsageError)) {
      throw new UsageError(e.message);
    }
    throw e;
  }
  const database = store.target ?? redactUrl(url);
  try {
    const studies = store.listStudies ? await store.listStudies() : [];
    let name = flags.get<string>('experiment_name');
    let owner = flags.get<string>('experiment_owner');
    // What the flags leave open, the study the model directory records
    // fills in when it agrees with them and the database holds it (a
    // database may hold several): a flag that names the same study only
    // narrows the choice.
    const recorded = modelDir === '' ? undefined : studyOfDirectory(modelDir);
    if (recorded !== undefined &&
        (name === '' || name === recorded.experimentName) &&
        (owner === '' || recorded.experimentOwner === undefined ||
         owner === recorded.experimentOwner) &&
        studies.some((s) => s.experimentName === recorded.experimentName &&
                         (recorded.experimentOwner === undefined ||
                          s.experimentOwner === recorded.experimentOwner))) {
      name = recorded.experimentName;
      if (owner === '') owner = recorded.experimentOwner ?? '';
    }
    const study = pickStudy(studies, name, owner, database);
    checkModelDirOfStudy(modelDir, study, database);
    const trials = await store.listTrials(study.studyId);
    const {objective, source, fromFlags, goalNote} =
        chooseObjective(flags, modelDir, study.objective);
    const metrics = metricNames(trials);
    if (fromFlags && metrics.length > 0 &&
        !metrics.includes(objective.metric)) {
      throw new UsageError(
          `--optimization_metric=${objective.metric}: no trial has this ` +
          `metric${didYouMean(objective.metric, metrics)}; the trials ` +
          `have ${metrics.join(', ')}`);
    }
    return {study, trials, objective, objectiveSource: source, modelDir,
            database,
            warnings: [...(goalNote === undefined ? [] : [goalNote]),
                       ...studyWarnings(trials, modelDir)]};
  } finally {
    await store.close();
  }
}

/** The study the flags name, or the only one; else a UsageError. */
export function pickStudy(
    studies: StudyInfo[], name: string, owner: string,
    database: string): StudyInfo {
  const describe = (list: StudyInfo[]) => list.map(
      (s) => `"${s.experimentName}" (owner ${s.experimentOwner})`).join(', ');
  if (studies.length === 0) {
    throw new UsageError(`${database} holds no study yet`);
  }
  const chosen = studies.filter(
      (s) => (name === '' || s.experimentName === name) &&
          (owner === '' || s.experimentOwner === owner));
  if (chosen.length === 1) return chosen[0];
  const given = [
    ...(name === '' ? [] : [`--experiment_name=${name}`]),
    ...(owner === '' ? [] : [`--experiment_owner=${owner}`]),
  ].join(' ');
  if (chosen.length === 0) {
    // A name that is there under other owners is not misspelt.
    const misspelt = !studies.some((s) => s.experimentName === name);
    throw new UsageError(`${given}: no such study in ${database}${
        misspelt && name !== '' ?
            didYouMean(name, studies.map((s) => s.experimentName)) :
            ''}; studies: ${describe(studies)}`);
  }
  // Several: the flag that would tell them apart.
  const names = new Set(chosen.map((s) => s.experimentName));
  const flag = names.size > 1 ? '--experiment_name' : '--experiment_owner';
  const where = given === '' ? `${database} holds` :
                               `${given} names, in ${database},`;
  throw new UsageError(`${where} ${chosen.length} studies: ${
      describe(chosen)}; choose one with ${flag}`);
}

/**
 * A warning when --optimization_goal ranks a metric the wrong way round
 * (accuracy minimized, loss maximized): the trial starred best is then
 * the worst, which a goal given alone, meant for another metric, does
 * without a word. Undefined otherwise, and for metrics of a provider's
 * own, whose direction is not known here.
 */
function againstTheGrain(
    objective: Objective, studyObjective: Objective|undefined): string|undefined {
  const {metric, goal} = objective;
  const wrongWay = goal === 'minimize' ? HIGHER_IS_BETTER.has(metric) :
                                         LOWER_IS_BETTER.has(metric);
  if (!wrongWay) return undefined;
  return `warning: --optimization_goal=${goal} ranks ${metric} from its ${
      goal === 'minimize' ? 'lowest' : 'highest'} value: the trial marked ` +
      `best has the ${goal === 'minimize' ? 'lowest' : 'highest'} ${metric}${
          studyObjective !== undefined && studyObjective.metric === metric &&
                  studyObjective.goal !== goal ?
              ` (the study ${studyObjective.goal}s it)` :
              ''}; give --optimization_goal=${
          goal === 'minimize' ? 'maximize' : 'minimize'} to rank the other way`;
}

/**
 * The objective to rank by: the flags', else the one the study keeps in
 * its database, else its summary's, else the trainer's default.
 */
function chooseObjective(
    flags: FlagSet, modelDir: string, stored: Objective|undefined):
    {objective: Objective, source: string, fromFlags: boolean,
     goalNote?: string} {
  const metric = flags.get<string>('optimization_metric');
  const goal = flags.get<string>('optimization_goal') as Objective['goal']|'';
  // Read only when the database keeps no objective (a study from before).
  let summary: ReturnType<typeof readStudySummary>;
  try {
    summary = stored !== undefined || modelDir === '' ?
        undefined :
        readStudySummary(modelDir);
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; give ` +
                         '--optimization_metric and --optimization_goal');
  }
  const studyObjective = stored ?? summary?.objective;
  const studySource = stored !== undefined ? 'database' :
      summary !== undefined                ? 'study_summary.json' :
                                             'default';
  if (metric !== '' || goal !== '') {
    const base = studyObjective ?? DEFAULT_OBJECTIVE;
    const chosen = metric || base.metric;
    // A metric given alone goes its own way (loss and the parameter count
    // down, the others up), not the study's metric's.
    const natural: Objective['goal'] =
        LOWER_IS_BETTER.has(chosen) ? 'minimize' : 'maximize';
    const goalFromStudy = goal === '' && chosen === base.metric;
    const objective: Objective = {
      metric: chosen,
      goal: goal || (goalFromStudy ? base.goal : natural),
    };
    const source = metric !== '' && goal !== '' ? 'from flags' :
        metric === '' ? `goal from flags, metric from ${studySource}` :
        goalFromStudy ? `metric from flags, goal from ${studySource}` :
                        `metric from flags, goal: ${
                            natural === 'minimize' ? 'lower' : 'higher'} ` +
                `${chosen} is better`;
    return {
      objective,
      source,
      fromFlags: true,
      goalNote: goal === '' ? undefined : againstTheGrain(objective, studyObjective),
    };
  }
  return {objective: studyObjective ?? DEFAULT_OBJECTIVE,
          source: `from ${studySource}`, fromFlags: false};
}
