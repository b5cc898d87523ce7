/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * `cli <subcommand>`: tools around a search.
 *
 *   validate-spec FILE   parse a PhoenixSpec, print it as JSON with defaults
 *   blocks               list the registered blocks
 *   predict --model_dir=TRIAL_DIR --input=PATH   run a trial's model on data
 *   trials --model_dir=DIR [--sort=METRIC]        the trials as a table
 *   report --model_dir=DIR [--out=FILE]           the study as an HTML page
 *
 * Exit codes: 0 success, 2 bad input or usage, 1 other errors.
 */

import {listBlocks} from './blocks';
import {predictCommand} from './cli_predict';
import {reportCommand} from './cli_report';
import {trialsCommand} from './cli_trials';
import {validateSpecCommand} from './cli_validate_spec';
import {ValueError, didYouMean} from './errors';

export type Output = (text: string) => void;

declare interface Subcommand {
  summary: string;
  run(args: string[], out: Output, err: Output): Promise<number>|number;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  'validate-spec': {
    summary: 'FILE: parse a PhoenixSpec (.pbtxt); print it as JSON with ' +
             'defaults filled, or the error',
    run: validateSpecCommand,
  },
  'blocks': {
    summary: 'list the registered blocks: name, enum id, problem types',
    run: (args, out, err) => {
      if (args.length > 0) {
        const help = args.length === 1 &&
            ['--help', '-h', '--helpfull'].includes(args[0]);
        (help ? out : err)(
            'usage: cli blocks\n  Lists the registered blocks: name, enum ' +
            'id (- for none), problem types. It takes no arguments.');
        if (!help) err(`cli blocks: unexpected ${args.join(' ')}`);
        return help ? 0 : 2;
      }
      // A user's block that cannot say its problem types is named after
      // the others are listed.
      const broken: string[] = [];
      const rows = listBlocks((_name, why) => broken.push(why));
      const width = Math.max(...rows.map((r) => r.name.length));
      for (const row of rows) {
        // A user block registered without an enum id has -1.
        const id = row.enumId >= 0 ? String(row.enumId) : '-';
        out(`${row.name.padEnd(width)}  ${id.padStart(5)}  ${
            row.problemTypes.join(',')}`);
      }
      out(`${rows.length} blocks`);
      for (const why of broken) err(`cli blocks: ${why}`);
      return broken.length > 0 ? 2 : 0;
    },
  },
  'predict': {
    summary: '--model_dir=TRIAL_DIR --input=CSV_OR_FOLDER [--batch_size=N] ' +
             '[--field_delim=C]: predict with the model of one trial',
    run: predictCommand,
  },
  'trials': {
    summary: '--model_dir=DIR [--sort=METRIC] [--desc|--asc] ' +
             '[--metrics=A,B] [--full]: the trials of a search as a table, ' +
             '* on the best',
    run: trialsCommand,
  },
  'report': {
    summary: '--model_dir=DIR [--out=report.html] [--top_k=5]: the study ' +
             'as one self-contained HTML page',
    run: reportCommand,
  },
};

function usage(): string {
  const lines = ['usage: cli <subcommand> [args]', '', 'subcommands:'];
  for (const [name, command] of Object.entries(SUBCOMMANDS)) {
    lines.push(`  ${name.padEnd(14)} ${command.summary}`);
  }
  lines.push(
      '', 'trials and report also take the database (--metadata_db or the ' +
          '--mlmd_* flags), the study (--experiment_name, ' +
          '--experiment_owner) and the objective (--optimization_metric, ' +
          '--optimization_goal); `cli <subcommand> --help` lists every flag.');
  return lines.join('\n');
}

export async function cliMain(
    argv: string[], out: Output = (s) => process.stdout.write(s + '\n'),
    err: Output = (s) => process.stderr.write(s + '\n')): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === 'help') {
    out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = SUBCOMMANDS[name];
  if (command === undefined) {
    err(`cli: unknown subcommand "${name}"${
        didYouMean(name, Object.keys(SUBCOMMANDS))}\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, out, err);
  } catch (e) {
    err(`cli ${name}: ${(e as Error).message}`);
    // Bad input (a block registered twice, say) exits as the search
    // binary does for it.
    return e instanceof ValueError ? 2 : 1;
  }
}

if (require.main === module) {
  // `cli trials | head`: the reader went away, which is no error. Output
  // that cannot be written (a full disk, /dev/full) is said plainly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`cli: cannot write to standard output (${
        e.code === 'ENOSPC' ? 'no space left on the device' :
                              e.message}); nothing more was written\n`);
    process.exit(1);
  });
  cliMain(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
