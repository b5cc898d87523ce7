/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The store logic shared by the SQLite, PostgreSQL and MySQL stores: every
 * rule of the MetadataStore contract is written once here, in SQL the three
 * databases run alike; the subclasses bring the connection, transactions,
 * locking and what counts as a transient error.
 *
 * Decisions (the same in the three stores):
 * - Trial ids are `max(trial_id) + 1` within the study, taken while the
 *   study row is locked, so they are sequential and never reused.
 * - A RUNNING trial whose lease ran out is marked FAILED ('worker lost: no
 *   heartbeat for N s') by the next startTrial; a NEW id is handed out in
 *   its place: a lost trial is never run again under its id. Only
 *   COMPLETED trials count towards the budget, so the study still ends with
 *   maxTrials COMPLETED trials. The lease length is the caller's (the
 *   trainer's --metadata_lease_seconds); heartbeat renews it for as long
 *   again.
 * - A late completion is accepted: completeTrial (and planTrial, failTrial)
 *   on a trial that was marked FAILED for a lost lease turns it COMPLETED.
 *   The work is not wasted; the study may then end with a few more
 *   COMPLETED trials than maxTrials. A heartbeat for such a trial does not
 *   revive it (its place has been given away) and is logged, not thrown.
 * - Every write runs in one transaction, retried as a whole on transient
 *   failures. startTrial carries a random token stored with the trial, so a
 *   retry after a COMMIT the client never heard of returns the trial that
 *   COMMIT created instead of starting a second one; the other writes are
 *   idempotent (repeating the same completion or failure is a no-op).
 * - Lease times come from this process's clock (injectable): workers
 *   sharing a database need clocks in sync to well within the lease.
 */

import {randomUUID} from 'node:crypto';

import {ValueError} from '../errors';

import {Redactor} from './redact';
import {DEFAULT_RETRY, Logger, RetryOptions, StoreError, errorCode, isTableGone, withRetry} from './retry';
import {LATEST_SCHEMA_VERSION, LIMITS, MIGRATIONS, SqlTypes, schemaVersionTable} from './schema';
import {SettledTrials} from './settled_trials';
import {describeSpecDifference} from './spec_diff';
import type {MetadataStore, StartTrialResult, StudyInfo, StudyKey, TrialPlan} from './store';
import {LEASE_LOST_PREFIX} from './store';
import type {Objective, Trial} from './trial';
import {Row, TRIAL_COLUMNS, encodeMetrics, rowToTrial, toNumber} from './trial_rows';

export type SqlParam = string|number|null;

/** Runs statements inside one transaction. SQL uses `?` placeholders. */
export declare interface Sql {
  all(sql: string, params?: SqlParam[]): Promise<Row[]>;
  /**
   * Returns the number of rows changed (openStudy relies on 1 for an
   * inserted study and 0 for an insert that found it).
   */
  run(sql: string, params?: SqlParam[]): Promise<number>;
}

/** 'write' takes the write lock early; 'schema' also serializes DDL. */
export type TransactionMode = 'read'|'write'|'schema';

/** Test seams around each write transaction; `operation` names the call. */
export declare interface StoreHooks {
  /** Runs inside the transaction, just before COMMIT. */
  beforeCommit?: (operation: string) => Promise<void>|void;
  /** Runs after COMMIT succeeded, before the result is returned. */
  afterCommit?: (operation: string) => Promise<void>|void;
}

/** Options every store takes. */
/**
 * How long a statement of a server's store may wait for its answer, by
 * default, before the call counts as failed and is retried.
 */
export const QUERY_TIMEOUT_MS = 30_000;

export declare interface SqlStoreOptions {
  /** One line per event worth knowing (retries, lost leases). */
  logger?: Logger;
  /** Milliseconds since the epoch; Date.now unless a test sets it. */
  clock?: () => number;
  retry?: Partial<RetryOptions>;
  hooks?: StoreHooks;
  /**
   * Migrate only up to this schema version (tests of the migration path);
   * a store opened this way is not meant for use beyond openStudy.
   */
  targetSchemaVersion?: number;
  /**
   * Open a database a search made, changing nothing: no table is created or
   * migrated. A database without this program's tables, or with another
   * schema version, is refused (ValueError) rather than set up. For the
   * commands that only read (trials, report).
   */
  readOnly?: boolean;
}

export {LEASE_LOST_PREFIX};

function isLeaseLost(state: unknown, reason: unknown): boolean {
  return state === 'FAILED' && typeof reason === 'string' &&
      reason.startsWith(LEASE_LOST_PREFIX);
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function checkText(
    value: unknown, what: string, limit: number, allowEmpty: boolean): string {
  if (typeof value !== 'string') {
    throw new ValueError(`${what} must be a string, got ${typeof value}`);
  }
  if (!allowEmpty && value === '') {
    throw new ValueError(`${what} is empty; give a non-empty value`);
  }
  if (codePoints(value) > limit) {
    throw new ValueError(`${what} is ${codePoints(value)} characters long; ` +
                         `the store keeps at most ${limit}`);
  }
  return value;
}

function checkId(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ValueError(
        `${what} must be a positive integer, got ${String(value)}`);
  }
}

/**
 * The stored spec text as `specText` would have it: as it is when equal,
 * else through `sameSpecAs` (the caller's printing of the same spec), or
 * as it is when that cannot read it.
 */
function comparableSpec(
    stored: string, specText: string,
    sameSpecAs?: (stored: string) => string): string {
  if (stored === specText || sameSpecAs === undefined) return stored;
  try {
    return sameSpecAs(stored);
  } catch {
    return stored;
  }
}

export abstract class SqlStore implements MetadataStore {
  protected readonly logger: Logger;
  protected readonly clock: () => number;
  private readonly retryOptions: RetryOptions;
  private readonly hooks: StoreHooks;
  /** The schema read and written: the latest, or an older one's. */
  private targetSchemaVersion: number;
  private readonly readOnly: boolean;
  private closed = false;
  private readonly settledTrials = new SettledTrials();

  /**
   * @param types the dialect's column types.
   * @param target the database as shown in messages, password removed.
   * @param redactor masks the password in any text that leaves the store.
   */
  protected constructor(
      protected readonly types: SqlTypes, readonly target: string,
      protected readonly redactor: Redactor, options: SqlStoreOptions) {
    this.logger =
        options.logger ?? ((line) => process.stderr.write(`${line}\n`));
    this.clock = options.clock ?? Date.now;
    this.retryOptions = {...DEFAULT_RETRY, ...options.retry};
    this.hooks = options.hooks ?? {};
    this.targetSchemaVersion =
        options.targetSchemaVersion ?? LATEST_SCHEMA_VERSION;
    this.readOnly = options.readOnly ?? false;
  }

  /** Runs `fn` in one transaction, committed when it resolves. */
  protected abstract transaction<T>(
      mode: TransactionMode, fn: (sql: Sql) => Promise<T>): Promise<T>;

  /** A short reason when `err` is worth retrying, else undefined. */
  protected abstract transientReason(err: unknown): string|undefined;

  /**
   * Whether a migration statement failed because what it makes is there
   * already: a migration an earlier worker was stopped in the middle of,
   * where each statement commits on its own (MySQL's DDL). Where the
   * statements of a migration commit together, never.
   */
  protected appliedBefore(_err: unknown): boolean {
    return false;
  }

  /** Appended to a SELECT that must lock its rows (`FOR UPDATE` or ''). */
  protected abstract readonly forUpdate: string;

  /** INSERT of a study that does nothing when (name, owner) exists. */
  protected abstract readonly insertStudySql: string;

  /** A query that returns a row when the schema_version table exists. */
  protected abstract readonly schemaVersionExistsSql: string;

  /** Releases connections; called once by close(). */
  protected abstract closeConnections(): Promise<void>;

  /**
   * Brings the schema to the target version; subclasses call it on open.
   * Read-only, checks that it is at the latest version instead.
   */
  protected async migrate(): Promise<void> {
    if (this.readOnly) {
      await this.checkSchema();
      return;
    }
    await this.transact('migrate schema', async (sql) => {
      await sql.run(schemaVersionTable(this.types));
      let current = toNumber(
          (await sql.all('SELECT MAX(version) AS v FROM schema_version'))[0]?.[
              'v']);
      if (current > LATEST_SCHEMA_VERSION) {
        throw new ValueError(`${this.target}: database schema version ${
            current} is newer than this program's ${LATEST_SCHEMA_VERSION}; ` +
            'run a newer model_search against it');
      }
      for (const migration of MIGRATIONS) {
        if (migration.version <= current ||
            migration.version > this.targetSchemaVersion) {
          continue;
        }
        for (const statement of migration.statements(this.types)) {
          try {
            await sql.run(statement);
          } catch (e) {
            if (!this.appliedBefore(e)) throw e;
            // What an earlier worker stopped half way through committed.
          }
        }
        await sql.run(
            'INSERT INTO schema_version (version, description, applied_at) ' +
                'VALUES (?, ?, ?)',
            [migration.version, migration.description, this.clock()]);
        current = migration.version;
      }
    }, 'schema');
  }

  /**
   * Throws unless the schema is one this program reads: its latest, or an
   * older one (read as it is, without the columns added since: a reader
   * never migrates), not a newer one.
   */
  private async checkSchema(): Promise<void> {
    const version = await this.transact('read schema version', async (sql) => {
      if ((await sql.all(this.schemaVersionExistsSql)).length === 0) {
        return undefined;
      }
      return toNumber(
          (await sql.all('SELECT MAX(version) AS v FROM schema_version'))[0]?.[
              'v']);
    }, 'read');
    if (version === undefined) {
      throw new ValueError(`${this.target} holds no model_search tables: no ` +
                           'search has used this database; check the URL');
    }
    if (version > LATEST_SCHEMA_VERSION) {
      throw new ValueError(`${this.target}: database schema version ${
          version} is newer than this program's ${LATEST_SCHEMA_VERSION}; ` +
          'run a newer model_search against it');
    }
    this.targetSchemaVersion = Math.min(this.targetSchemaVersion, version);
  }

  /** The versions recorded in schema_version, ascending. */
  async schemaVersions(): Promise<number[]> {
    const rows = await this.transact(
        'read schema version',
        (sql) => sql.all('SELECT version FROM schema_version ORDER BY version'),
        'read');
    return rows.map((r) => toNumber(r['version']));
  }

  async openStudy(
      key: StudyKey, specText: string, objective?: Objective,
      sameSpecAs?: (stored: string) => string):
      Promise<{studyId: number, created: boolean}> {
    const name = checkText(
        key.experimentName, 'experiment name (--experiment_name)',
        LIMITS.experimentName, false);
    const owner = checkText(
        key.experimentOwner, 'experiment owner (--experiment_owner)',
        LIMITS.experimentOwner, true);
    if (typeof specText !== 'string') {
      throw new ValueError('spec text must be a string');
    }
    const objectiveText =
        objective === undefined ? null : objectiveJson(objective);
    return this.transact('openStudy', async (sql) => {
      // A database opened at an older schema for a test has no objectives.
      const objectives = this.targetSchemaVersion >= 3;
      const select = () => sql.all(
          `SELECT id, spec_text${objectives ? ', objective' : ''} ` +
              'FROM studies WHERE experiment_name = ? AND ' +
              'experiment_owner = ?',
          [name, owner]);
      let rows = await select();
      // Inserted only when missing: an insert that does nothing still
      // advances SQLite's id sequence, so that a resume refused later (its
      // data differs, say) would have changed the database file.
      let inserted = 0;
      if (rows.length === 0) {
        inserted = await sql.run(
            this.insertStudySql, [name, owner, specText, this.clock()]);
        rows = await select();
      }
      if (rows.length !== 1) {
        throw new StoreError(`${this.target}: study ${JSON.stringify(name)} ` +
                             `of ${JSON.stringify(owner)} not found after ` +
                             'inserting it');
      }
      const difference = describeSpecDifference(
          comparableSpec(String(rows[0]['spec_text']), specText, sameSpecAs),
          specText);
      if (inserted === 0 && difference !== undefined) {
        throw new ValueError(
            `study ${JSON.stringify(name)} of owner ${JSON.stringify(owner)} ` +
            `in ${this.target} was started with another spec (the texts ` +
            `compared are the specs as printed, without comments or blank ` +
            `lines, so lines are counted there): ${difference}; ` +
            'run with the same --phoenix_spec_filename contents, or start ' +
            'a new study: a new --experiment_name with a --model_dir of ' +
            'its own');
      }
      const id = toNumber(rows[0]['id']);
      const stored = rows[0]['objective'];
      if (objectives && objectiveText !== null) {
        if (stored === null || stored === undefined) {
          // Created now, or before studies kept their objective: it takes
          // this one. (In this transaction: another worker's openStudy
          // reads the study with its objective.)
          await sql.run('UPDATE studies SET objective = ? ' +
                            'WHERE id = ? AND objective IS NULL',
                        [objectiveText, id]);
        } else if (String(stored) !== objectiveText) {
          const before = parseObjective(String(stored));
          throw new ValueError(
              `study ${JSON.stringify(name)} of owner ${
                  JSON.stringify(owner)} in ${this.target} ranks its ` +
              `trials by --optimization_metric=${before?.metric} ` +
              `--optimization_goal=${before?.goal}, not ${
                  objective!.metric} (${objective!.goal}); run with those ` +
              'flags, or start a new study: a new --experiment_name with a ' +
              '--model_dir of its own');
        }
      }
      return {studyId: id, created: inserted > 0};
    });
  }

  async startTrial(studyId: number, maxTrials: number, workerId: string,
                   leaseSeconds: number): Promise<StartTrialResult> {
    checkId(studyId, 'study id');
    checkId(maxTrials, 'maxTrials (--experiment_max_num_trials)');
    checkText(workerId, 'worker id', LIMITS.workerId, false);
    if (!(leaseSeconds > 0) || !Number.isFinite(leaseSeconds)) {
      throw new ValueError(
          `leaseSeconds must be a positive number, got ${leaseSeconds}`);
    }
    // One token for every attempt of this call: see the file comment.
    const token = randomUUID();
    return this.transact('startTrial', async (sql, notes) => {
      await this.lockStudy(sql, studyId);
      const mine = await sql.all(
          `SELECT ${TRIAL_COLUMNS} FROM trials ` +
              'WHERE study_id = ? AND start_token = ?',
          [studyId, token]);
      if (mine.length > 0) {
        return {status: 'started', trial: rowToTrial(mine[0])};
      }
      const now = this.clock();
      await this.expireLeases(sql, studyId, now, notes);
      const counts = (await sql.all(
          'SELECT COALESCE(MAX(trial_id), 0) AS last_id, ' +
              "SUM(CASE WHEN state = 'COMPLETED' THEN 1 ELSE 0 END) " +
              'AS completed, ' +
              "SUM(CASE WHEN state = 'RUNNING' THEN 1 ELSE 0 END) AS running " +
              'FROM trials WHERE study_id = ?',
          [studyId]))[0];
      const completed = toNumber(counts['completed']);
      const running = toNumber(counts['running']);
      if (completed >= maxTrials) return {status: 'done', completed};
      if (completed + running >= maxTrials) return {status: 'wait', running};
      const id = toNumber(counts['last_id']) + 1;
      await sql.run(
          'INSERT INTO trials (study_id, trial_id, state, architecture, ' +
              'hparams, worker_id, lease_expires_at, heartbeat_at, ' +
              'started_at, start_token) ' +
              "VALUES (?, ?, 'RUNNING', '[]', '{}', ?, ?, ?, ?, ?)",
          [
            studyId, id, workerId, now + Math.round(leaseSeconds * 1000), now,
            now, token
          ]);
      const trial: Trial = {
        id,
        state: 'RUNNING',
        architecture: [],
        hparams: {},
        workerId,
        startedAt: new Date(now).toISOString(),
        leaseExpiresAt:
            new Date(now + Math.round(leaseSeconds * 1000)).toISOString(),
      };
      return {status: 'started', trial};
    });
  }

  async planTrial(studyId: number, trialId: number, plan: TrialPlan):
      Promise<void> {
    checkId(studyId, 'study id');
    checkId(trialId, 'trial id');
    if (!Array.isArray(plan.architecture) ||
        plan.architecture.some((b) => typeof b !== 'string')) {
      throw new ValueError('plan.architecture must be an array of block names');
    }
    if (plan.kind !== undefined) {
      checkText(plan.kind, 'plan.kind', LIMITS.kind, false);
    }
    await this.transact('planTrial', async (sql) => {
      const row = await this.lockTrial(sql, studyId, trialId);
      if (row['state'] !== 'RUNNING' &&
          !isLeaseLost(row['state'], row['failure_reason'])) {
        throw this.wrongState('plan', studyId, trialId, row);
      }
      await sql.run(
          'UPDATE trials SET architecture = ?, hparams = ?, kind = ?, ' +
              'extra = ?, directory = COALESCE(?, directory) ' +
              'WHERE study_id = ? AND trial_id = ?',
          [
            JSON.stringify(plan.architecture),
            JSON.stringify(plan.hparams ?? {}),
            plan.kind ?? null,
            plan.extra === undefined ? null : JSON.stringify(plan.extra),
            plan.directory ?? null,
            studyId,
            trialId,
          ]);
    });
  }

  async heartbeat(studyId: number, trialId: number, workerId: string):
      Promise<'kept'|'lost'> {
    checkId(studyId, 'study id');
    checkId(trialId, 'trial id');
    return this.transact('heartbeat', async (sql, notes) => {
      const row = await this.lockTrial(sql, studyId, trialId);
      if (row['worker_id'] !== workerId) {
        throw new ValueError(`heartbeat from worker ${
            JSON.stringify(workerId)} for trial ${trialId} of study ${
            studyId}, which worker ${
            JSON.stringify(row['worker_id'])} started`);
      }
      if (isLeaseLost(row['state'], row['failure_reason'])) {
        notes.push(`heartbeat for trial ${trialId} of study ${studyId} came ` +
                   `after its lease expired (${String(row['failure_reason'])
                   }); it stays FAILED unless completed`);
        return 'lost';
      }
      if (row['state'] === 'COMPLETED') {
        // Not by this worker, which stops beating before it completes:
        // by one that took the trial for lost and found its directory.
        notes.push(`heartbeat for trial ${trialId} of study ${studyId} came ` +
                   'after another worker completed it from its directory ' +
                   '(its lease had run out)');
        return 'lost';
      }
      if (row['state'] !== 'RUNNING') {
        throw this.wrongState('heartbeat', studyId, trialId, row);
      }
      const now = this.clock();
      const lease =
          toNumber(row['lease_expires_at']) - toNumber(row['heartbeat_at']);
      await sql.run(
          'UPDATE trials SET heartbeat_at = ?, lease_expires_at = ? ' +
              'WHERE study_id = ? AND trial_id = ?',
          [now, now + lease, studyId, trialId]);
      return 'kept';
    });
  }

  async completeTrial(studyId: number, trialId: number,
                      metrics: Record<string, number>, directory: string,
                      finishedAt?: number): Promise<boolean> {
    checkId(studyId, 'study id');
    checkId(trialId, 'trial id');
    for (const [name, value] of Object.entries(metrics ?? {})) {
      if (typeof value !== 'number') {
        throw new ValueError(`metric ${JSON.stringify(name)} of trial ${
            trialId} must be a number, got ${JSON.stringify(value)}`);
      }
    }
    if (typeof directory !== 'string') {
      throw new ValueError(`directory of trial ${trialId} must be a string`);
    }
    if (finishedAt !== undefined && !Number.isSafeInteger(finishedAt)) {
      throw new ValueError(`finishing time of trial ${trialId} must be ms ` +
                           `since the epoch, got ${finishedAt}`);
    }
    const encoded = encodeMetrics(metrics);
    return this.transact('completeTrial', async (sql, notes) => {
      const row = await this.lockTrial(sql, studyId, trialId);
      if (row['state'] === 'COMPLETED' && row['metrics'] === encoded &&
          row['directory'] === directory) {
        return false;  // A repeat of a completion that already committed.
      }
      const late = isLeaseLost(row['state'], row['failure_reason']);
      if (row['state'] !== 'RUNNING' && !late) {
        throw this.wrongState('complete', studyId, trialId, row);
      }
      if (late) {
        notes.push(`trial ${trialId} of study ${studyId} completed after ` +
                   `its lease expired (${String(row['failure_reason'])}); ` +
                   'accepted as COMPLETED');
      }
      await sql.run(
          "UPDATE trials SET state = 'COMPLETED', metrics = ?, " +
              'directory = ?, failure_reason = NULL, finished_at = ?, ' +
              'lease_expires_at = NULL WHERE study_id = ? AND trial_id = ?',
          [encoded, directory, finishedAt ?? this.clock(), studyId, trialId]);
      return true;
    });
  }

  async failTrial(studyId: number, trialId: number, reason: string):
      Promise<void> {
    checkId(studyId, 'study id');
    checkId(trialId, 'trial id');
    if (typeof reason !== 'string') {
      throw new ValueError(`failure reason of trial ${trialId} must be text`);
    }
    await this.transact('failTrial', async (sql) => {
      const row = await this.lockTrial(sql, studyId, trialId);
      if (row['state'] === 'FAILED' && row['failure_reason'] === reason) {
        return;  // A repeat of a failure that already committed.
      }
      if (row['state'] !== 'RUNNING' &&
          !isLeaseLost(row['state'], row['failure_reason'])) {
        throw this.wrongState('fail', studyId, trialId, row);
      }
      await sql.run(
          "UPDATE trials SET state = 'FAILED', failure_reason = ?, " +
              'finished_at = ?, lease_expires_at = NULL ' +
              'WHERE study_id = ? AND trial_id = ?',
          [reason, this.clock(), studyId, trialId]);
    });
  }

  async listTrials(studyId: number): Promise<Trial[]> {
    checkId(studyId, 'study id');
    // Settled trials read before are not read again (settled_trials.ts).
    const asked = this.settledTrials.toRead(studyId);
    const rows = await this.transact('listTrials', async (sql) => {
      await this.requireStudy(sql, studyId, '');
      const lost = asked.ids.length === 0 ?
          '' :
          ` OR trial_id IN (${asked.ids.map(() => '?').join(', ')})`;
      return sql.all(
          `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND ` +
              `(trial_id >= ?${lost}) ORDER BY trial_id`,
          [studyId, asked.fromId, ...asked.ids]);
    }, 'read');
    return this.settledTrials.merge(studyId, asked, rows.map(rowToTrial));
  }

  async listStudies(): Promise<StudyInfo[]> {
    const rows = await this.transact(
        'listStudies',
        (sql) => sql.all(
            'SELECT id, experiment_name, experiment_owner, created_at' +
                (this.targetSchemaVersion >= 3 ? ', objective' : '') +
                ' FROM studies ORDER BY id'),
        'read');
    return rows.map((row) => {
      const objective = row['objective'] === null ||
              row['objective'] === undefined ?
          undefined :
          parseObjective(String(row['objective']));
      return {
        studyId: toNumber(row['id']),
        experimentName: String(row['experiment_name']),
        experimentOwner: String(row['experiment_owner']),
        createdAt: new Date(toNumber(row['created_at'])).toISOString(),
        ...(objective === undefined ? {} : {objective}),
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeConnections();
  }

  /**
   * Runs one transaction with retries; logs the notes it left once it
   * committed.
   */
  protected async transact<T>(
      operation: string, fn: (sql: Sql, notes: string[]) => Promise<T>,
      mode: TransactionMode = 'write'): Promise<T> {
    let notes: string[] = [];
    const result = await this.retrying(operation, async () => {
      notes = [];
      const value = await this.transaction(mode, async (sql) => {
        const result = await fn(sql, notes);
        if (mode !== 'read') await this.hooks.beforeCommit?.(operation);
        return result;
      });
      if (mode !== 'read') await this.hooks.afterCommit?.(operation);
      return value;
    });
    for (const note of notes) this.logger(`metadata: ${note}`);
    return result;
  }

  /**
   * Runs `attempt` with retries on transient errors. Errors other than
   * ValueError and StoreError leave as a StoreError naming the database,
   * with the password masked.
   */
  protected async retrying<T>(operation: string, attempt: () => Promise<T>):
      Promise<T> {
    if (this.closed) {
      throw new StoreError(
          `${this.target}: ${operation} called after close()`);
    }
    try {
      return await withRetry(operation, attempt, {
        options: this.retryOptions,
        transientReason: (err) => this.transientReason(err),
        describeError: (err) => this.describeError(err),
        target: this.target,
        logger: (line) => this.logger(this.redactor.redact(line)),
      });
    } catch (err) {
      if (err instanceof ValueError) throw err;
      if (err instanceof StoreError) {
        throw new StoreError(this.redactor.redact(err.message), err.code);
      }
      throw new StoreError(`${this.target}: ${operation} failed: ${
          this.describeError(err)}${
          isTableGone(errorCode(err)) ?
              ' (the database lost the tables this search made: dropped, ' +
                  'recreated or restored from a copy while it ran? The ' +
                  'study\'s bookkeeping there is gone)' :
              ''}`, errorCode(err));
    }
  }

  /** `CODE: message` of an error, password masked. */
  protected describeError(err: unknown): string {
    const code = errorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    const text = code !== undefined && !message.includes(code) ?
        `${code}: ${message}` :
        message;
    return this.redactor.redact(text);
  }

  private async requireStudy(sql: Sql, studyId: number, lock: string):
      Promise<void> {
    const rows =
        await sql.all(`SELECT id FROM studies WHERE id = ?${lock}`, [studyId]);
    if (rows.length === 0) {
      throw new ValueError(`no study with id ${studyId} in ${
          this.target}; open it with openStudy first`);
    }
  }

  /** Locks the study row: trial hand-out for one study is serialized. */
  private lockStudy(sql: Sql, studyId: number): Promise<void> {
    return this.requireStudy(sql, studyId, this.forUpdate);
  }

  private async lockTrial(sql: Sql, studyId: number, trialId: number):
      Promise<Row> {
    const rows = await sql.all(
        'SELECT state, failure_reason, worker_id, metrics, directory, ' +
            'lease_expires_at, heartbeat_at FROM trials ' +
            `WHERE study_id = ? AND trial_id = ?${this.forUpdate}`,
        [studyId, trialId]);
    if (rows.length === 0) {
      await this.requireStudy(sql, studyId, '');
      throw new ValueError(`no trial ${trialId} in study ${studyId} of ${
          this.target}; trial ids come from startTrial`);
    }
    return rows[0];
  }

  private async expireLeases(
      sql: Sql, studyId: number, now: number, notes: string[]): Promise<void> {
    const expired = await sql.all(
        'SELECT trial_id, worker_id, heartbeat_at FROM trials ' +
            "WHERE study_id = ? AND state = 'RUNNING' AND lease_expires_at < ?",
        [studyId, now]);
    for (const row of expired) {
      const silent = Math.round((now - toNumber(row['heartbeat_at'])) / 1000);
      const reason = `${LEASE_LOST_PREFIX} no heartbeat for ${silent} s`;
      await sql.run(
          "UPDATE trials SET state = 'FAILED', failure_reason = ?, " +
              'finished_at = ?, lease_expires_at = NULL ' +
              "WHERE study_id = ? AND trial_id = ? AND state = 'RUNNING'",
          [reason, now, studyId, toNumber(row['trial_id'])]);
      notes.push(`trial ${toNumber(row['trial_id'])} of study ${studyId} ` +
                 `(worker ${JSON.stringify(row['worker_id'])}) marked ` +
                 `FAILED: ${reason}`);
    }
  }

  private wrongState(action: string, studyId: number, trialId: number,
                     row: Row): ValueError {
    const reason = row['failure_reason'] ?
        ` (${String(row['failure_reason'])})` :
        '';
    return new ValueError(`cannot ${action} trial ${trialId} of study ${
        studyId}: it is ${String(row['state'])}${reason}; only a RUNNING ` +
        'trial (or one whose lease expired) can change');
  }
}

/** An objective as the studies table keeps it: one canonical JSON text. */
function objectiveJson(objective: Objective): string {
  return JSON.stringify({metric: objective.metric, goal: objective.goal});
}

/** The stored objective; undefined for a text that is not one. */
function parseObjective(text: string): Objective|undefined {
  try {
    const value = JSON.parse(text) as Partial<Objective>;
    if (typeof value.metric === 'string' &&
        (value.goal === 'minimize' || value.goal === 'maximize')) {
      return {metric: value.metric, goal: value.goal};
    }
  } catch {
    // Not written by this store.
  }
  return undefined;
}
