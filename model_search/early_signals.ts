/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Says so when Ctrl-C (or SIGTERM, SIGHUP) stops a search binary before
 * its main has started. The binaries load this module first (node
 * --require, trainer.bzl): loading TensorFlow.js and a provider takes
 * from a third of a second to several seconds on a busy machine, and a
 * signal meanwhile ended the process without a word. The main removes
 * these handlers when it installs its own (removeEarlySignalHandlers).
 * Importing this module installs nothing: install_early_signals.ts does.
 */

import {exitAtOnce} from './exit_at_once';

/** The signals that stop a search (Ctrl-C, kill, a closed terminal). */
export const STOP_SIGNALS: readonly NodeJS.Signals[] =
    ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The exit code of a process a signal ended, as a shell shows it (128 +
 * the signal's number); SIGPIPE's, for a log reader gone, too.
 */
export const STOP_SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGPIPE: 141,
  SIGTERM: 143,
};

/**
 * Marks the handlers installed here. A global symbol, so that a copy of
 * this module loaded under another path still finds them.
 */
const EARLY = Symbol.for('model_search.earlySignalHandler');

type Handler = ((signal: NodeJS.Signals) => void)&{[EARLY]?: true};

/** Installs the handlers (once a process). */
export function installEarlySignalHandlers(): void {
  for (const signal of STOP_SIGNALS) {
    if (process.listeners(signal).some((l) => (l as Handler)[EARLY])) continue;
    const handler: Handler = () => {
      process.stderr.write(`${signal}: stopped before the search started\n`);
      exitAtOnce(signal, STOP_SIGNAL_EXIT_CODES[signal]);
    };
    handler[EARLY] = true;
    process.on(signal, handler);
  }
}

/** Removes the handlers installed by installEarlySignalHandlers. */
export function removeEarlySignalHandlers(): void {
  for (const signal of STOP_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if ((listener as Handler)[EARLY]) process.removeListener(signal, listener);
    }
  }
}
