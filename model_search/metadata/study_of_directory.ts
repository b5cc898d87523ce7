/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Which study a model directory belongs to, as its study_data.json says:
 * the study's name, owner and the time its database created it. Trial
 * ids count from 1 in every study and trial directories do not name
 * their study, so two studies (two owners of one name, or one name in two
 * databases) writing one directory would overwrite each other's trials
 * and summaries; the search and the commands that read a study check the
 * directory against the database's study before anything else.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import type {Trial} from './trial';

/** The file in a model directory naming its study (and its data). */
export const STUDY_DATA_FILE = 'study_data.json';

/** A study as its model directory records it. */
export declare interface StudyOfDirectory {
  experimentName: string;
  /** Absent in files written before it was recorded. */
  experimentOwner?: string;
  /** ISO 8601, when the database created the study; absent as above. */
  createdAt?: string;
  /**
   * Made at random when the file is written: this directory's id, which
   * each trial's plan records (studyDirectoryOwner). Absent as above.
   */
  directoryId?: string;
  /**
   * The seed its first worker planned trials from (given or the clock's),
   * which a worker given none plans from too. Absent as above.
   */
  seed?: number;
}

/**
 * The study `modelDir`'s study_data.json names; undefined when there is
 * none or it cannot be read (another check names an unreadable one).
 */
export function studyOfDirectory(modelDir: string): StudyOfDirectory|
    undefined {
  let recorded: Partial<Record<keyof StudyOfDirectory, unknown>>;
  try {
    recorded = JSON.parse(
        fs.readFileSync(path.join(modelDir, STUDY_DATA_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof recorded?.experimentName !== 'string') return undefined;
  return {
    experimentName: recorded.experimentName,
    ...(typeof recorded.experimentOwner === 'string' ?
            {experimentOwner: recorded.experimentOwner} :
            {}),
    ...(typeof recorded.createdAt === 'string' ?
            {createdAt: recorded.createdAt} :
            {}),
    ...(typeof recorded.directoryId === 'string' ?
            {directoryId: recorded.directoryId} :
            {}),
    ...(Number.isInteger(recorded.seed) && (recorded.seed as number) >= 0 ?
            {seed: recorded.seed as number} :
            {}),
  };
}

/**
 * The seed the study `study` planned its trials from, as `modelDir`'s
 * study_data.json keeps it; undefined when the directory holds another
 * study, or a record without one (written before seeds were kept).
 */
export function recordedSeed(modelDir: string, study: StudyOfDirectory):
    number|undefined {
  if (otherStudyOfDirectory(modelDir, study) !== undefined) return undefined;
  return studyOfDirectory(modelDir)?.seed;
}

/** How a directory's study differs from the one a command is given. */
export declare interface OtherStudy {
  /** What the directory's study_data.json says. */
  recorded: StudyOfDirectory;
  /**
   * 'study': another name or owner; 'creation': the same name and owner,
   * created at another time (a study of that name in another database).
   */
  differs: 'study'|'creation';
}

/** `study "x" (owner o)`, the owner left out when unknown. */
export function studyText(study: StudyOfDirectory): string {
  return `study "${study.experimentName}"${
      study.experimentOwner === undefined ? '' :
                                            ` (owner ${study.experimentOwner})`}`;
}

/**
 * How the study `modelDir` belongs to differs from `study` (the one a
 * command is given, with its creation time when the database holds it);
 * undefined when it does not, or the directory names no study. What a file
 * from before owners and times were recorded lacks is not compared.
 */
export function otherStudyOfDirectory(
    modelDir: string, study: StudyOfDirectory): OtherStudy|undefined {
  return otherStudy(studyOfDirectory(modelDir), study);
}

/** otherStudyOfDirectory of a record read already. */
export function otherStudy(
    recorded: StudyOfDirectory|undefined,
    study: StudyOfDirectory): OtherStudy|undefined {
  if (recorded === undefined) return undefined;
  if (recorded.experimentName !== study.experimentName ||
      (recorded.experimentOwner !== undefined &&
       study.experimentOwner !== undefined &&
       recorded.experimentOwner !== study.experimentOwner)) {
    return {recorded, differs: 'study'};
  }
  if (recorded.createdAt !== undefined && study.createdAt !== undefined &&
      recorded.createdAt !== study.createdAt) {
    return {recorded, differs: 'creation'};
  }
  return undefined;
}

/**
 * Which model directory the study's trials go to, as their plans record
 * it: the `directoryId` of the lowest trial id that has one (each model
 * directory's study_data.json holds an id of its own, and each trial's
 * plan records its worker's). Workers started at one moment with
 * different --model_dir values pass the checks at their start (each finds
 * a directory with no trial of the study); this tells them apart as their
 * first trials are planned.
 *
 * @returns `other`, a trial of the study planned for another directory
 *     that decides (undefined when this worker's directory is the study's
 *     or none is known yet); and `settled`, whether the answer can no
 *     longer change: every trial below `trialId` has recorded its
 *     directory or failed unplanned.
 */
export function studyDirectoryOwner(
    trials: readonly Trial[], trialId: number, directoryId: string):
    {other?: Trial, settled: boolean} {
  // One pass, no sort: it runs for every trial of a long search.
  const settled = trials.every(
      (t) => t.id >= trialId || typeof t.extra?.['directoryId'] === 'string' ||
          t.state === 'FAILED');
  const owner = directoryOwnerTrial(trials, trialId);
  const ownerId = owner?.extra?.['directoryId'];
  return {
    other: owner !== undefined && ownerId !== directoryId ? owner : undefined,
    settled,
  };
}

/**
 * The trial of the lowest id below `below` whose plan recorded a model
 * directory's id: the one that decides the study's directory.
 */
export function directoryOwnerTrial(
    trials: readonly Trial[], below = Infinity): Trial|undefined {
  let owner: Trial|undefined;
  for (const trial of trials) {
    if (trial.id < below && typeof trial.extra?.['directoryId'] === 'string' &&
        (owner === undefined || trial.id < owner.id)) {
      owner = trial;
    }
  }
  return owner;
}
