/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Retries an operation on transient database failures (connection refused
 * or reset, server restart, deadlock, serialization failure, SQLITE_BUSY)
 * with exponential backoff and jitter, bounded in total time.
 */

export type Logger = (line: string) => void;

export declare interface RetryOptions {
  /** Give up once this much time has passed since the first attempt. */
  maxElapsedMs: number;
  /** The first wait; each further wait doubles, up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxElapsedMs: 60_000,
  initialDelayMs: 50,
  maxDelayMs: 5_000,
};

/**
 * Whether a driver's error code says a table is not there (PostgreSQL's
 * undefined_table, MySQL's ER_NO_SUCH_TABLE): after the store made its
 * tables, the database was dropped, recreated or restored under it.
 */
export function isTableGone(code: string|undefined): boolean {
  return code === '42P01' || code === 'ER_NO_SUCH_TABLE';
}

/** A database failure that retrying did not (or could not) fix. */
export class StoreError extends Error {
  /** The driver's error code ('ECONNREFUSED', '40P01', 'SQLITE_BUSY'). */
  readonly code?: string;

  constructor(message: string, code?: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export declare interface RetryArgs {
  options: RetryOptions;
  /** A short reason ('ECONNRESET') for a transient error, else undefined. */
  transientReason: (err: unknown) => string|undefined;
  /** Text safe to show for an error (passwords removed). */
  describeError: (err: unknown) => string;
  /** Redacted name of the database, first in every line. */
  target: string;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

const defaultSleep = (ms: number) =>
    new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The wait before retry number `attempt` (1-based): the capped exponential
 * delay, of which a random half is kept ("equal jitter"), so that workers
 * that failed together do not retry together.
 */
export function backoffDelay(
    attempt: number, options: RetryOptions, random: () => number): number {
  const ceiling = Math.min(
      options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + random() * ceiling / 2;
}

/**
 * Runs `attempt` until it succeeds, throws a non-transient error (rethrown
 * as is), or the time budget is spent (then a StoreError saying how many
 * attempts over how long, and the last reason).
 *
 * `attempt` must be safe to repeat: every caller here runs one database
 * transaction per attempt, and the transactions are written so that a
 * repeat after an unseen COMMIT changes nothing.
 */
export async function withRetry<T>(
    operation: string, attempt: () => Promise<T>, args: RetryArgs): Promise<T> {
  const sleep = args.sleep ?? defaultSleep;
  const now = args.now ?? Date.now;
  const random = args.random ?? Math.random;
  const start = now();
  for (let tries = 1;; tries++) {
    try {
      return await attempt();
    } catch (err) {
      const reason = args.transientReason(err);
      if (reason === undefined) throw err;
      const elapsed = now() - start;
      // The last wait is cut to what is left of the budget, so that the
      // retries go on for all of it: a 5 s budget gave up after 2 s when
      // the next full wait would have passed its end.
      const left = args.options.maxElapsedMs - elapsed;
      const delay = Math.min(backoffDelay(tries, args.options, random), left);
      if (left <= 0) {
        const check = args.target.startsWith('sqlite:') ?
            'that no other program holds the database file locked' :
            'that the database server is running and reachable';
        throw new StoreError(
            `${args.target}: ${operation} failed after ${tries} attempt${
                tries === 1 ? '' : 's'} over ${seconds(elapsed)} s (${
                reason}): ${args.describeError(err)}; check ${check}, or ` +
                'raise the retry budget (--metadata_retry_seconds)',
            errorCode(err));
      }
      // Attempts 1, 2, 4, 8, ...: an outage of a minute takes a few lines.
      if ((tries & (tries - 1)) === 0) {
        args.logger(`metadata: ${args.target}: ${operation} hit ${reason} ` +
                    `(attempt ${tries}); retrying${
                        tries === 1 ?
                            ` for up to ${
                                seconds(args.options.maxElapsedMs)} s` :
                            ''}, next in ${seconds(delay)} s`);
      }
      await sleep(delay);
    }
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 2 : 0);
}

/** The `code` of a driver error, when it has one. */
export function errorCode(err: unknown): string|undefined {
  const code = (err as {code?: unknown}|null)?.code;
  return typeof code === 'string' ? code :
      typeof code === 'number' ? String(code) : undefined;
}

/** Node socket errors that mean "the server went away or is not there". */
export const SOCKET_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT',
  'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOENT',
]);
