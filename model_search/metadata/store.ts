/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The bookkeeping store: the only state that workers share. Three
 * implementations (SQLite, PostgreSQL, MySQL) behave the same.
 */

import type {HparamValue, Objective, Trial} from './trial';

/**
 * Seconds a RUNNING trial stays leased to its worker without a heartbeat
 * (--metadata_lease_seconds). Past it, the next startTrial of any worker
 * marks the trial FAILED as lost and hands out a new id in its place.
 */
export const DEFAULT_LEASE_SECONDS = 600;

/**
 * Prefix of the failure reason of a trial whose worker was lost (its lease
 * expired, or its process is gone); such a trial may still complete late.
 */
export const LEASE_LOST_PREFIX = 'worker lost:';

/** A study is identified by experiment name and owner. */
export declare interface StudyKey {
  experimentName: string;
  experimentOwner: string;
}

/** A study as `listStudies` describes it. */
export declare interface StudyInfo extends StudyKey {
  studyId: number;
  /** ISO 8601, when openStudy created it. */
  createdAt: string;
  /** What it ranks its trials by; absent for a study that never said. */
  objective?: Objective;
}

/** What `startTrial` can answer. */
export type StartTrialResult =
    {status: 'started', trial: Trial}|
    /** Budget reached counting RUNNING trials: wait for them, then ask again. */
    {status: 'wait', running: number}|
    /** experiment_max_num_trials trials are COMPLETED. */
    {status: 'done', completed: number};

/** The plan of a trial, recorded once it is chosen. */
export declare interface TrialPlan {
  architecture: string[];
  hparams: Record<string, HparamValue>;
  kind?: string;
  extra?: Record<string, unknown>;
  directory?: string;
}

export declare interface MetadataStore {
  /** The database as messages show it (password masked). */
  readonly target?: string;

  /**
   * Creates the study, or joins it when it exists. Joining with a spec text
   * different from the stored one throws, saying what differs; so does
   * joining with an `objective` other than the stored one (a study that
   * has none stored takes this one). `sameSpecAs`, when given, turns a
   * stored text into the form `specText` has (a text stored by another
   * version, which printed specs otherwise), for the comparison.
   * @returns the study id and whether this call created it.
   */
  openStudy(key: StudyKey, specText: string, objective?: Objective,
            sameSpecAs?: (stored: string) => string):
      Promise<{studyId: number, created: boolean}>;

  /**
   * Atomically: marks RUNNING trials whose lease expired as FAILED
   * ('worker lost: no heartbeat for N s'), then either hands out the next
   * trial id as a new RUNNING trial owned by `workerId`, or says wait/done.
   * Only COMPLETED trials count towards `maxTrials`. Ids are
   * max(id) + 1, never reused: a lost trial keeps its id and FAILED state,
   * and a new id takes its place. Safe to retry: one call starts at most
   * one trial even when the connection drops around its COMMIT.
   */
  startTrial(studyId: number, maxTrials: number, workerId: string,
             leaseSeconds: number): Promise<StartTrialResult>;

  /** Records the architecture and hparams chosen for a RUNNING trial. */
  planTrial(studyId: number, trialId: number, plan: TrialPlan): Promise<void>;

  /**
   * Extends the lease of a RUNNING trial. Resolves 'lost' (and extends
   * nothing) when the trial was marked FAILED for a lost lease meanwhile,
   * or completed from its directory by a worker that took it for lost:
   * further heartbeats are of no use.
   */
  heartbeat(studyId: number, trialId: number, workerId: string):
      Promise<'kept'|'lost'>;

  /**
   * Marks a RUNNING trial COMPLETED. A trial already marked FAILED because
   * its lease expired is accepted too (a late completion); repeating the
   * same completion is a no-op, anything else throws.
   *
   * @param finishedAt when the trial finished, in ms since the epoch, for
   *     a trial completed after the fact (from the directory of a lost
   *     worker); default now, by the store's clock.
   * @returns true when this call completed the trial, false when it was a
   *     repeat (two workers completing a lost trial from its directory at
   *     once: only one of them did).
   */
  completeTrial(studyId: number, trialId: number,
                metrics: Record<string, number>, directory: string,
                finishedAt?: number): Promise<boolean>;

  /** Marks a RUNNING trial FAILED with the reason. */
  failTrial(studyId: number, trialId: number, reason: string): Promise<void>;

  /** Every trial of the study, ordered by id. */
  listTrials(studyId: number): Promise<Trial[]>;

  /** Every study of the database, ordered by id (all three stores have it). */
  listStudies?(): Promise<StudyInfo[]>;

  close(): Promise<void>;
}
