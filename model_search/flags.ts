/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Command-line flags in the absl style the original uses (`--name=value`,
 * `--name value`, `--bool`, `--nobool`). Modules declare their flags when
 * they load, so a provider linked into a binary brings its flags along and
 * `--help` lists them. Only binaries parse flags: library code receives
 * plain options and never reads this module.
 */

import {UsageError, didYouMean} from './errors';

export type FlagType = 'string'|'int'|'float'|'bool'|'list';
export type FlagValue = string|number|boolean|string[];

export declare interface FlagArgs {
  type: FlagType;
  default: FlagValue;
  help: string;
  /** Where the flag was declared, shown in --help ('csv_data_for_binary'). */
  module?: string;
  /** For 'string' flags: the accepted values. */
  choices?: string[];
  /**
   * Values users write for a choice under another name ('gpu' for
   * 'tensorflow-gpu'): refused like any other, naming the choice meant
   * rather than the closest spelling.
   */
  choiceAliases?: Record<string, string>;
}

interface FlagEntry extends FlagArgs {
  name: string;
  value: FlagValue;
  /** True once set on the command line. */
  present: boolean;
}

/** A set of declared flags and their parsed values. */
export class FlagSet {
  private readonly flags = new Map<string, FlagEntry>();
  /** Names refused with a message of their own (hintFor). */
  private readonly hints = new Map<string, string>();
  private parsed = false;

  /** Declares a flag; declaring one name twice is an error. */
  define(name: string, args: FlagArgs): void {
    if (this.flags.has(name)) {
      throw new Error(`flag --${name} declared twice (${
          this.flags.get(name)!.module ?? '?'} and ${args.module ?? '?'})`);
    }
    this.flags.set(name, {...args, name, value: args.default, present: false});
  }

  /**
   * Declares a flag of `args.module` unless that module declared it
   * already (its declarations may run more than once in a process).
   *
   * @throws UsageError when another module declared the name: a provider's
   *     flag of the same name as the trainer's would otherwise replace it
   *     silently (its type, default and meaning).
   */
  defineOnce(name: string, args: FlagArgs): void {
    const existing = this.flags.get(name);
    if (existing === undefined) {
      this.define(name, args);
    } else if (existing.module !== args.module) {
      throw new UsageError(
          `flag --${name} belongs to ${args.module ?? 'the binary'}, but ${
              existing.module === undefined ?
                  'a module linked into this binary (a data provider, say)' :
                  `module ${existing.module}`} declares it too: give that ` +
          'flag a name of its own');
    }
  }

  has(name: string): boolean {
    return this.flags.has(name);
  }

  /**
   * A name that is no flag here but one a user may bring from elsewhere
   * (the original's API): given, it is refused with `hint`, which says
   * what to give instead.
   */
  hintFor(name: string, hint: string): void {
    this.hints.set(name, hint);
  }

  /** The value of a declared flag (its default until parsed). */
  get<T extends FlagValue = FlagValue>(name: string): T {
    const entry = this.flags.get(name);
    if (entry === undefined) {
      throw new Error(`flag --${name} is not declared${
          didYouMean(name, this.flags.keys())}`);
    }
    return entry.value as T;
  }

  /** Whether the flag was given on the command line. */
  isPresent(name: string): boolean {
    return this.flags.get(name)?.present ?? false;
  }

  /** Sets a value as if given on the command line (tests, macros). */
  set(name: string, raw: string): void {
    const entry = this.entryFor(name);
    entry.value = convert(entry, raw);
    entry.present = true;
  }

  /**
   * Parses argv (without node and script). Returns the positional
   * arguments. Throws UsageError naming the flag and the closest match.
   */
  parse(argv: string[]): string[] {
    // A new command line starts from the defaults (tests parse many).
    for (const entry of this.flags.values()) {
      entry.value = entry.default;
      entry.present = false;
    }
    const positional: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '--') {
        positional.push(...argv.slice(i + 1));
        break;
      }
      if (!arg.startsWith('-') || arg === '-') {
        positional.push(arg);
        continue;
      }
      const body = arg.replace(/^--?/, '');
      const eq = body.indexOf('=');
      let name = eq >= 0 ? body.slice(0, eq) : body;
      let raw: string|undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
      if (raw === undefined && !this.flags.has(name) && name.startsWith('no') &&
          this.flags.get(name.slice(2))?.type === 'bool') {
        name = name.slice(2);
        raw = 'false';
      }
      const entry = this.entryFor(name);
      if (raw === undefined) {
        if (entry.type === 'bool') {
          raw = 'true';
        } else if (i + 1 < argv.length) {
          raw = argv[++i];
          // A value forgotten: the next flag would be taken for it, and
          // that flag's own setting lost (a search in a directory named
          // "--experiment_max_num_trials=1", with the default budget).
          if (raw.startsWith('--')) {
            throw new UsageError(
                `flag --${name} needs a value, but the next argument is the ` +
                `flag ${raw}; give --${name}=VALUE`);
          }
        } else {
          throw new UsageError(`flag --${name} needs a value`);
        }
      }
      entry.value = convert(entry, raw);
      entry.present = true;
    }
    this.parsed = true;
    return positional;
  }

  get isParsed(): boolean {
    return this.parsed;
  }

  /** Every flag, grouped by declaring module, for --help. */
  helpText(): string {
    const groups = new Map<string, FlagEntry[]>();
    for (const entry of this.flags.values()) {
      const group = entry.module ?? 'general';
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group)!.push(entry);
    }
    const lines: string[] = [];
    for (const [group, entries] of groups) {
      lines.push(`${group}:`);
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const shown = Array.isArray(e.default) ? e.default.join(',') :
                                                 String(e.default);
        lines.push(`  --${e.name}: ${e.help}`);
        lines.push(`    (default: '${shown}')${
            e.choices ? ` one of: ${e.choices.join(', ')}` : ''}`);
      }
    }
    return lines.join('\n');
  }

  /** Every declared flag name. */
  names(): string[] {
    return [...this.flags.keys()];
  }

  private entryFor(name: string): FlagEntry {
    const entry = this.flags.get(name);
    if (entry === undefined) {
      const hint = this.hints.get(name);
      throw new UsageError(`unknown flag --${name}${
          hint === undefined ? didYouMean(name, this.flags.keys()) :
                               `: ${hint}`} (--help lists them all)`);
    }
    return entry;
  }
}

function convert(entry: FlagEntry, raw: string): FlagValue {
  const bad = (what: string) => new UsageError(
      `flag --${entry.name}=${JSON.stringify(raw)}: ${what}`);
  switch (entry.type) {
    case 'string':
      if (entry.choices && !entry.choices.includes(raw)) {
        // An empty choice stands for "not given": not one to offer.
        const offered = entry.choices.filter((c) => c !== '');
        const meant = entry.choiceAliases?.[raw.toLowerCase()];
        throw bad(`must be one of ${offered.join(', ')}${
            meant === undefined ? didYouMean(raw, offered) :
                                  `; did you mean "${meant}"?`}`);
      }
      return raw;
    case 'int': {
      if (!/^[-+]?\d+$/.test(raw.trim())) {
        // What the number stands for: --label_index=diagnosis wants the
        // column's index, which its help says.
        throw bad(`expected an integer (${entry.help.replace(/\.$/, '')})`);
      }
      const value = Number.parseInt(raw, 10);
      // Beyond 2^53 neighbouring integers read as one number.
      if (!Number.isSafeInteger(value)) {
        throw bad(`expected an integer of at most ${
            Number.MAX_SAFE_INTEGER} in magnitude`);
      }
      return value;
    }
    case 'float': {
      const value = Number(raw);
      if (raw.trim() === '' || Number.isNaN(value)) {
        throw bad(`expected a number (${entry.help.replace(/\.$/, '')})`);
      }
      return value;
    }
    case 'bool': {
      const lower = raw.toLowerCase();
      if (['true', 't', '1', 'yes'].includes(lower)) return true;
      if (['false', 'f', '0', 'no'].includes(lower)) return false;
      throw bad('expected true or false');
    }
    case 'list':
      return raw === '' ? [] : raw.split(',');
    default:
      throw new Error(`unhandled flag type ${entry.type}`);
  }
}

/** The process-wide flags of a binary, shared by every module that loads. */
export const FLAGS: FlagSet = (() => {
  const holder = globalThis as unknown as {__model_search_flags?: FlagSet};
  if (holder.__model_search_flags === undefined) {
    holder.__model_search_flags = new FlagSet();
  }
  return holder.__model_search_flags;
})();

/**
 * Parses a command's flags; prints the usage and flags and returns true
 * for --help (declared here when the command has not). Positional
 * arguments are refused (UsageError).
 */
export function parseCommandFlags(
    flags: FlagSet, args: string[], usage: string,
    out: (s: string) => void): boolean {
  if (!flags.has('help')) {
    flags.define('help', {type: 'bool', default: false, help: 'Show help.'});
  }
  const positional = flags.parse(args);
  if (flags.get<boolean>('help')) {
    out(`${usage}\n\nflags:\n${flags.helpText()}`);
    return true;
  }
  if (positional.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(
        positional[0])}; flags take the form --name=value`);
  }
  return false;
}
