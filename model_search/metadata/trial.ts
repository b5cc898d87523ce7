/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Trials as plain data. The search algorithms and tuners see only these
 * types, never a store or a tensor.
 */

export type TrialState = 'RUNNING'|'COMPLETED'|'FAILED';

export type HparamValue = number|string|boolean;

/** One trial as the store keeps it. */
export declare interface Trial {
  /** 1-based, handed out by the store, unique within a study. */
  id: number;
  state: TrialState;
  /** Block lookup names of the searched tower, input side first. */
  architecture: string[];
  hparams: Record<string, HparamValue>;
  /** Evaluation metrics, present once COMPLETED. */
  metrics?: Record<string, number>;
  /** The trial directory, relative to the study's model_dir. */
  directory?: string;
  /** Why the trial FAILED. */
  failureReason?: string;
  /** What kind of trial: 'search', 'ensemble', 'distillation', 'replay'. */
  kind?: string;
  /** Extra data a generator wants to keep (ensemble members, ...). */
  extra?: Record<string, unknown>;
  /** The worker that started the trial (the store's `workerId`). */
  workerId?: string;
  startedAt?: string;
  finishedAt?: string;
  /**
   * A RUNNING trial's lease: until when its worker holds it, moved on by
   * each heartbeat (the clock of the worker that wrote it).
   */
  leaseExpiresAt?: string;
}

/** The objective a study optimizes. */
export declare interface Objective {
  metric: string;
  goal: 'maximize'|'minimize';
}

/** Metrics a user most likely wants maximized. */
export const HIGHER_IS_BETTER: ReadonlySet<string> = new Set(
    ['accuracy', 'auc_roc', 'auc_pr', 'precision', 'recall']);

/** Metrics a user most likely wants minimized. */
export const LOWER_IS_BETTER: ReadonlySet<string> =
    new Set(['loss', 'num_parameters']);

/**
 * COMPLETED trials ordered best first by the objective; trials lacking the
 * metric (or with a non-finite value) sort last.
 */
export function rankTrials(trials: Trial[], objective: Objective): Trial[] {
  const sign = objective.goal === 'maximize' ? -1 : 1;
  const value = (t: Trial): number => {
    const v = t.metrics?.[objective.metric];
    return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
  };
  // Equal values of the objective (accuracy 1 on a small validation set,
  // say) are told apart by the evaluation loss, lower first: the trial
  // more sure of its right answers. Then the earlier trial.
  const loss = (t: Trial): number => {
    const v = t.metrics?.['loss'];
    return typeof v === 'number' && Number.isFinite(v) ? v : Infinity;
  };
  return trials.filter((t) => t.state === 'COMPLETED').sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (Number.isNaN(va) && Number.isNaN(vb)) return a.id - b.id;
    if (Number.isNaN(va)) return 1;
    if (Number.isNaN(vb)) return -1;
    if (va !== vb) return sign * (va - vb);
    const [la, lb] = [loss(a), loss(b)];
    return la !== lb && objective.metric !== 'loss' ?
        (la < lb ? -1 : 1) :
        a.id - b.id;
  });
}
