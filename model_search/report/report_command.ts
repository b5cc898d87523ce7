/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * `cli report`: writes the study report, one self-contained HTML page.
 *
 *   cli report --model_dir=DIR [--out=DIR/report.html] [--experiment_name=NAME]
 */

import * as fs from 'fs';
import * as path from 'path';

import {UsageError} from '../errors';
import {FlagSet} from '../flags';

import {isTrialDirectoryName} from '../trial_files';
import {renderReport, REPORT_GENERATOR} from './html_report';
import {defineStudyFlags, loadStudy, parseCommandFlags, userPath} from './study_source';
import {writeFileAtomically} from './study_summary';

/** Exit status for success. */
const OK = 0;
/** Exit status for a wrong command line or a study that is not there. */
const BAD_INPUT = 2;

const USAGE = [
  'usage: report --model_dir=DIR [--out=FILE] [--experiment_name=NAME]',
  '  Writes one HTML page (no network needed to view it) with the trials,',
  '  the objective over trials, the best architecture and the blocks the',
  '  best trials use. --out defaults to DIR/report.html; --out=- writes',
  '  the page to standard output.',
].join('\n');

/**
 * Runs `report`.
 *
 * @param args The arguments after the command name.
 * @param out Receives one line naming the file written (or, with
 *     --out=-, the page itself).
 * @param err Receives errors and usage.
 * @returns 0 on success, 2 for a wrong command line or missing study.
 */
export async function reportCommand(
    args: string[], out: (s: string) => void,
    err: (s: string) => void): Promise<number> {
  const flags = new FlagSet();
  defineStudyFlags(flags);
  flags.define('out', {type: 'string', default: '',
    help: 'The HTML file to write (- for standard output); default: ' +
          'report.html in --model_dir.'});
  flags.define('top_k', {type: 'int', default: 5,
    help: 'How many of the best trials the block frequencies count.'});
  try {
    if (parseCommandFlags(flags, args, USAGE, out)) return OK;
    const topK = flags.get<number>('top_k');
    if (topK < 1) throw new UsageError(`--top_k must be >= 1, got ${topK}`);
    const loaded = await loadStudy(flags);
    const toStdout = flags.get<string>('out') === '-';
    let file = toStdout ? '' : userPath(flags.get<string>('out'));
    if (file === '' && !toStdout) {
      if (loaded.modelDir === '') {
        throw new UsageError('--out is required with --metadata_db and no ' +
                             '--model_dir');
      }
      file = path.join(loaded.modelDir, 'report.html');
    }
    if (!toStdout) checkOutFile(file, loaded.modelDir);
    const html = renderReport({
      experimentName: loaded.study.experimentName,
      experimentOwner: loaded.study.experimentOwner,
      database: loaded.database,
      modelDir: loaded.modelDir,
      objective: loaded.objective,
      trials: loaded.trials,
      topK,
      warnings: loaded.warnings,
      removedDirectories: new Set(
          loaded.trials
              .filter((t) => loaded.modelDir !== '' &&
                          t.directory !== undefined &&
                          !fs.existsSync(path.join(loaded.modelDir,
                                                   t.directory)))
              .map((t) => t.id)),
    });
    if (toStdout) {
      // `out` ends each line it is given: the page as the file holds it.
      out(html.endsWith('\n') ? html.slice(0, -1) : html);
      loaded.warnings.forEach((w) => err(`report: ${w}`));
      return OK;
    }
    try {
      await writeFileAtomically(file, html);
    } catch (e) {
      const {code, message} = e as NodeJS.ErrnoException;
      if (typeof code !== 'string') throw e;
      const full = code === 'ENOSPC' || code === 'EDQUOT';
      throw new UsageError(`--out=${file}: cannot write it (${
          code === 'EROFS' ? 'a read-only file system' :
          code === 'EACCES' ? 'no permission' :
          code === 'ENOTDIR' ? `${path.dirname(file)} is not a directory` :
          full ? 'the disk is full' :
                 message.replace(/, \S+ '.*'$/, '')}); ${
          full ? 'free space on that disk, or give a file on another' :
                 'give a file in a directory you can write to'}`);
    }
    const count = loaded.trials.length;
    out(`wrote ${file} (${count} trial${count === 1 ? '' : 's'}, objective ${
        loaded.objective.metric} ${loaded.objective.goal}, ${
        loaded.objectiveSource})`);
    loaded.warnings.forEach((w) => err(`report: ${w}`));
    return OK;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`report: ${e.message}`);
      return BAD_INPUT;
    }
    throw e;
  }
}

/**
 * Throws a UsageError where the page cannot or must not be written to
 * `file`: its directory missing, a directory there, the name of a trial
 * directory of the study in `modelDir`, or a file this command did not
 * write (a database, say).
 */
function checkOutFile(file: string, modelDir: string): void {
  if (!fs.existsSync(path.dirname(file))) {
    throw new UsageError(`--out=${file}: directory ${
        path.dirname(file)} does not exist`);
  }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    throw new UsageError(`--out=${file} is a directory; name the page ` +
                         `to write, e.g. --out=${
                             path.join(file, 'report.html')}`);
  }
  // Through links too: the same directory by another path.
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  if (modelDir !== '' && real(path.dirname(file)) === real(modelDir) &&
      isTrialDirectoryName(path.basename(file))) {
    // The study's next trial of that id would find its name taken.
    throw new UsageError(
        `--out=${file} takes the name of a trial directory of the study; ` +
        `name the page otherwise, e.g. --out=${
            path.join(modelDir, 'report.html')}`);
  }
  if (fs.existsSync(file) && !isEarlierReport(file)) {
    throw new UsageError(
        `--out=${file} exists and is not a page this command wrote; it ` +
        'is left as it is: name a new file (or remove that one first)');
  }
}

/**
 * Whether `file` is a page `cli report` wrote (its generator tag, or the
 * owner line of pages from before the tag), read from its first 8 KB.
 */
function isEarlierReport(file: string): boolean {
  let head: string;
  try {
    // A FIFO or device is no page, and opening one could block.
    if (!fs.statSync(file).isFile()) return false;
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(8192);
      head = buffer.subarray(0, fs.readSync(fd, buffer, 0, buffer.length, 0))
                 .toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
  return head.startsWith('<!DOCTYPE html>') &&
      (head.includes(`<meta name="generator" content="${REPORT_GENERATOR}">`) ||
       head.includes('<p class="meta">Owner '));
}
