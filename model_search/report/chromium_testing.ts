/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Test helpers: headless Chromium from Debian's `chromium` package, run
 * once per page with a fresh profile and no network (every host name
 * resolves to nothing). Tests only.
 */

import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {PNG} from 'pngjs';

/** The Debian package that provides the browser (CI installs it). */
export const CHROMIUM_PACKAGE = 'chromium';

const NAMES = ['chromium', 'chromium-browser'];

/**
 * The browser to run: $CHROMIUM_BIN, else chromium on PATH. Throws saying
 * how to install it when there is none.
 */
export function findChromium(): string {
  const fromEnv = process.env['CHROMIUM_BIN'];
  if (fromEnv) {
    try {
      fs.accessSync(fromEnv, fs.constants.X_OK);
    } catch {
      throw new Error(`CHROMIUM_BIN=${fromEnv} is not an executable file: ` +
                      'point it at a Chromium binary, or unset it to use ' +
                      `Debian's package "${CHROMIUM_PACKAGE}" (apt-get ` +
                      `install -y ${CHROMIUM_PACKAGE})`);
    }
    return fromEnv;
  }
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    for (const name of NAMES) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // Not here; keep looking.
      }
    }
  }
  throw new Error(
      `headless Chromium is needed for this test and none was found on ` +
      `PATH (looked for ${NAMES.join(', ')}; or set CHROMIUM_BIN): install ` +
      `Debian's package "${CHROMIUM_PACKAGE}" (apt-get install -y ${
          CHROMIUM_PACKAGE})`);
}

/** What one headless run of a page gave. */
export declare interface PageRun {
  /** --dump-dom output: the DOM after the page's scripts ran. */
  dom: string;
  /** Console messages and uncaught errors the page produced. */
  console: string[];
  /** The PNG screenshot, when asked for. */
  screenshot?: PNG;
}

function tempRoot(): string {
  return process.env['TEST_TMPDIR'] ?? os.tmpdir();
}

function run(args: string[], userDataDir: string): {stdout: string,
                                                    stderr: string} {
  const result = spawnSync(findChromium(), [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND',
    `--user-data-dir=${userDataDir}`, '--enable-logging=stderr', '--v=0',
    ...args,
  ], {encoding: 'utf8', timeout: 60000, maxBuffer: 64 * 1024 * 1024});
  if (result.error !== undefined) {
    throw new Error(`running chromium failed: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(`chromium exited with ${result.status}: ${
        result.stderr.slice(-2000)}`);
  }
  return {stdout: result.stdout, stderr: result.stderr};
}

/** Lines Chromium logs for the page's console (and uncaught errors). */
export function consoleMessages(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /:CONSOLE[:(\]]/.test(l));
}

/**
 * Loads `htmlFile` headless: once for the DOM and console, once more for
 * a screenshot of the given size when `screenshot` is set.
 */
export function loadPage(
    htmlFile: string,
    screenshot?: {width: number, height: number}): PageRun {
  const url = 'file://' + path.resolve(htmlFile);
  const dir = fs.mkdtempSync(path.join(tempRoot(), 'chromium_'));
  try {
    const first = run(['--dump-dom', url], path.join(dir, 'profile1'));
    const page: PageRun = {
      dom: first.stdout,
      console: consoleMessages(first.stderr),
    };
    if (screenshot !== undefined) {
      const png = path.join(dir, 'shot.png');
      const second = run([
        '--hide-scrollbars', `--window-size=${screenshot.width},${
            screenshot.height}`, `--screenshot=${png}`, url,
      ], path.join(dir, 'profile2'));
      page.console.push(...consoleMessages(second.stderr));
      page.screenshot = PNG.sync.read(fs.readFileSync(png));
    }
    return page;
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

/** Pixels not (near) white. */
export function countNonWhite(png: PNG): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (png.data[i] < 240 || png.data[i + 1] < 240 || png.data[i + 2] < 240) {
      n++;
    }
  }
  return n;
}

/** Pixels within `tolerance` of the colour `#rrggbb`. */
export function countColor(png: PNG, hex: string, tolerance = 24): number {
  const r = parseInt(hex.slice(1, 3), 16);
  const g = parseInt(hex.slice(3, 5), 16);
  const b = parseInt(hex.slice(5, 7), 16);
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (Math.abs(png.data[i] - r) <= tolerance &&
        Math.abs(png.data[i + 1] - g) <= tolerance &&
        Math.abs(png.data[i + 2] - b) <= tolerance) {
      n++;
    }
  }
  return n;
}
