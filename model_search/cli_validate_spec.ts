/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * `validate-spec FILE`: parses a PhoenixSpec .pbtxt, applies the declared
 * defaults and prints the result as proto3 JSON, every field included; or
 * prints why the file is not a valid spec.
 */

import {UsageError, ValueError} from './errors';
import {checkTrainable, problemTypeName} from './oss_trainer_lib';
import {loadSpecFile, messageToJson, PHOENIX_SPEC_TYPE} from './proto/text_format';
import {checkBlockNames} from './spec_blocks';
import {unreadSpecSettings} from './spec_unread';
import {TrialPlanner} from './trial_planner';
import {resolveUserPath} from './user_paths';

/** Exit status for success. */
const OK = 0;
/** Exit status for a bad spec, a missing file or a wrong command line. */
const BAD_INPUT = 2;

const USAGE = 'usage: validate-spec FILE\n' +
    '  Parses FILE (a PhoenixSpec in protobuf text format), applies the ' +
    'declared defaults\n  and prints the spec as JSON. Exit status: 0 if ' +
    'valid, 2 otherwise.';

/**
 * Runs `validate-spec`.
 *
 * @param args The arguments after the command name: one file path.
 * @param out Receives the JSON (one string, several lines).
 * @param err Receives the error or usage message.
 * @returns 0 when the spec is valid, 2 for a bad spec, a file that cannot
 *     be read or a wrong number of arguments.
 */
export function validateSpecCommand(
    args: string[], out: (s: string) => void,
    err: (s: string) => void): number {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    out(USAGE);
    return OK;
  }
  if (args.length !== 1 || args[0].startsWith('-')) {
    err(`validate-spec: expected one spec file, got ${
        args.length === 0 ? 'none' : JSON.stringify(args)}\n${USAGE}`);
    return BAD_INPUT;
  }
  try {
    const file = resolveUserPath(args[0]);
    const spec = loadSpecFile(file);
    checkBlockNames(spec, file);
    // What the binary checks of the search settings before it starts.
    try {
      checkTrainable(spec);
    } catch (e) {
      throw new ValueError(`${file}: ${(e as Error).message}`);
    }
    let planner: TrialPlanner;
    try {
      planner = new TrialPlanner({
        spec, problemType: problemTypeName(spec),
        objective: {metric: 'loss', goal: 'minimize'},
        hypertuningMethod: 'random', trainSteps: 1,
      });
    } catch (e) {
      if (e instanceof ValueError && !(e instanceof UsageError)) {
        throw new ValueError(`${file}: ${e.message}`);
      }
      throw e;
    }
    for (const line of [...unreadSpecSettings(spec),
                        ...planner.unreadHparamLines()]) {
      err(`validate-spec: warning: ${line}`);
    }
    out(JSON.stringify(messageToJson(spec, PHOENIX_SPEC_TYPE), null, 2));
    return OK;
  } catch (e) {
    // TextFormatError is a ValueError too.
    if (e instanceof ValueError) {
      err(`validate-spec: ${e.message}`);
      return BAD_INPUT;
    }
    throw e;
  }
}
