/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Ends the process now, whatever its threads are doing, as `signal` ends
 * a process that does not handle it: a second Ctrl-C. process.exit waits
 * for worker threads to stop, and a thread inside a system call that a
 * slow or hung disk holds (the trial writer's rename) would hold the exit
 * until the disk answers. The signal's default action ends every thread
 * at once; a shell sees the same status (128 + the signal's number).
 *
 * @param fallbackCode the exit code should the signal not end the process
 *     (one a parent set to be ignored).
 */
export function exitAtOnce(signal: NodeJS.Signals, fallbackCode: number):
    never {
  // With no listener left, Node gives the signal its default action back.
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  process.exit(fallbackCode);
}
