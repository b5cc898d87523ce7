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

/** The file in a model directory naming its study (and its data). */
export const STUDY_DATA_FILE = 'study_data.json';

/** A study as its model directory records it. */
export declare interface StudyOfDirectory {
  experimentName: string;
  /** Absent in files written before it was recorded. */
  experimentOwner?: string;
  /** ISO 8601, when the database created the study; absent as above. */
  createdAt?: string;
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
  };
}

/**
 * How the study `modelDir` belongs to differs from `study` (the one a
 * command is given, with its creation time when the database holds it),
 * said as "study "x" (owner alice)..."; undefined when it does not, or
 * the directory names no study. What a file from before owners and times
 * were recorded lacks is not compared.
 */
export function otherStudyOfDirectory(
    modelDir: string, study: StudyOfDirectory): string|undefined {
  const recorded = studyOfDirectory(modelDir);
  if (recorded === undefined) return undefined;
  const owner = (s: StudyOfDirectory) =>
      s.experimentOwner === undefined ? '' : ` (owner ${s.experimentOwner})`;
  if (recorded.experimentName !== study.experimentName ||
      (recorded.experimentOwner !== undefined &&
       study.experimentOwner !== undefined &&
       recorded.experimentOwner !== study.experimentOwner)) {
    return `study "${recorded.experimentName}"${owner(recorded)}`;
  }
  if (recorded.createdAt !== undefined && study.createdAt !== undefined &&
      recorded.createdAt !== study.createdAt) {
    // One name and owner, but another study: another database's.
    return `study "${recorded.experimentName}"${owner(recorded)} created ${
        recorded.createdAt}, while the database's study of that name was ` +
        `created ${study.createdAt}`;
  }
  return undefined;
}
