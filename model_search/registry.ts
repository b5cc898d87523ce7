/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Registries of named, constructible things (blocks, data providers).
 *
 * A registration happens when the module declaring the class loads: the
 * decorator runs then. That is how a provider library linked into a binary
 * by `model_search_oss_binary` becomes available to the trainer main.
 */

import {ValueError, didYouMean} from './errors';
import {sourceSite} from './source_site';

/** How one variant of a class is registered. */
export declare interface RegistrationArgs {
  /** The name used in specs and flags, e.g. 'FIXED_OUTPUT_FULLY_CONNECTED_128'. */
  lookupName: string;
  /** Arguments passed to the constructor for this variant. */
  initArgs?: Record<string, unknown>;
  /** A stable number for this variant (blocks use it in architectures). */
  enumId?: number;
}

/** One registered variant. */
export declare interface Registration<T> {
  lookupName: string;
  initArgs: Record<string, unknown>;
  enumId?: number;
  ctor: new (args: Record<string, unknown>) => T;
  /**
   * Where the decorator is, for duplicate-name errors: file:line, or
   * file:line:column of compiled code (siteText maps it to the source).
   */
  site: string;
}

/** The built-in blocks' enum ids lie below; users' from here up. */
const FIRST_USER_ENUM_ID = 20000;

/** A named collection of registrations of one base type. */
export class Registry<T> {
  private readonly entries = new Map<string, Registration<T>>();
  private readonly byEnumId = new Map<number, Registration<T>>();
  /**
   * The first registration a decorator could not make (a name or enum id
   * taken), thrown by every lookup: at module load it would surface as a
   * crash with a stack, before any binary can say what is wrong.
   */
  private refused?: Error;

  /** @param kind What is registered, for messages ('block', 'provider'). */
  constructor(readonly kind: string) {}

  /** Adds a variant; a duplicate name or enum id cites both sites. */
  add(args: RegistrationArgs, ctor: Registration<T>['ctor'], site: string):
      this {
    const earlier = this.entries.get(args.lookupName);
    if (earlier !== undefined) {
      const first = siteText(earlier.site);
      const again = siteText(site);
      // One of the project's own cannot be renamed by its user.
      const builtIn = [first, again].filter(isBuiltInSite);
      throw new ValueError(
          `${this.kind} "${args.lookupName}" registered twice: first at ` +
          `${first}, again at ${again}; ${
              builtIn.length === 1 ?
                  `the one at ${builtIn[0]} is built in: give yours ` +
                      'another name' :
                  'give one of them another name'}`);
    }
    if (args.enumId !== undefined) {
      const sameId = this.byEnumId.get(args.enumId);
      if (sameId !== undefined) {
        // Whichever loaded first: neither is told it was there first.
        throw new ValueError(
            `${this.kind}s "${sameId.lookupName}" (${
                siteText(sameId.site)}) and "${args.lookupName}" (${
                siteText(site)}) both have enum id ${args.enumId}; give one ` +
            `of them an unused id${this.kind === 'block' ?
                ` (ids from ${FIRST_USER_ENUM_ID} up are left to your own ` +
                    'blocks)' :
                ''}`);
      }
    }
    if (this.kind === 'block') checkBlockRegistration(args, site);
    const registration: Registration<T> = {
      lookupName: args.lookupName,
      initArgs: {...(args.initArgs ?? {})},
      enumId: args.enumId,
      ctor,
      site,
    };
    this.entries.set(args.lookupName, registration);
    if (args.enumId !== undefined) this.byEnumId.set(args.enumId, registration);
    return this;
  }

  /**
   * Keeps `error` of a registration made at module load, to be thrown by
   * the lookups; the first one is kept.
   */
  refuse(error: Error): void {
    this.refused ??= error;
  }

  private throwRefused(): void {
    if (this.refused !== undefined) throw this.refused;
  }

  has(lookupName: string): boolean {
    this.throwRefused();
    return this.entries.has(lookupName);
  }

  /** The registration, or an error listing the known names. */
  get(lookupName: string): Registration<T> {
    this.throwRefused();
    const entry = this.entries.get(lookupName);
    if (entry === undefined) {
      const known = [...this.entries.keys()];
      throw new ValueError(
          `unknown ${this.kind} "${lookupName}"` +
          `${didYouMean(lookupName, known)}; registered: ` +
          `${known.length ? known.join(', ') : '(none)'}`);
    }
    return entry;
  }

  /** The registration with this enum id, or an error. */
  getByEnumId(enumId: number): Registration<T> {
    this.throwRefused();
    const entry = this.byEnumId.get(enumId);
    if (entry === undefined) {
      throw new ValueError(`no ${this.kind} has enum id ${enumId}`);
    }
    return entry;
  }

  /** A new instance of the named variant with its registered init args. */
  create(lookupName: string): T {
    const entry = this.get(lookupName);
    return new entry.ctor({...entry.initArgs});
  }

  names(): string[] {
    this.throwRefused();
    return [...this.entries.keys()];
  }

  all(): Array<Registration<T>> {
    this.throwRefused();
    return [...this.entries.values()];
  }

  remove(lookupName: string): this {
    const entry = this.entries.get(lookupName);
    if (entry !== undefined) {
      this.entries.delete(lookupName);
      if (entry.enumId !== undefined) this.byEnumId.delete(entry.enumId);
    }
    return this;
  }
}

/**
 * Makes a class decorator that registers the class in `registry` under
 * `args`. Stack several to register variants with different init args.
 * A registration it cannot make (a name or enum id taken) is thrown by
 * the registry's next lookup (see Registry.refuse), where the binary
 * reports it as an error in the user's code, not at module load.
 */
export function makeRegisterDecorator<T>(registry: Registry<T>) {
  return (args: RegistrationArgs) => {
    const site = callerSite();
    return <C extends Registration<T>['ctor']>(
               target: C, _context: ClassDecoratorContext<C>): void => {
      try {
        registry.add(args, target, site);
      } catch (e) {
        registry.refuse(e as Error);
      }
    };
  };
}

/**
 * What a block's name may hold: it becomes part of the scope of its
 * layers' weights, and TensorFlow.js refuses names of other characters
 * (a space, say) only when a trial builds the block.
 */
const BLOCK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Throws for a block name or enum id a block of the user cannot have. */
function checkBlockRegistration(args: RegistrationArgs, site: string): void {
  const where = siteText(site);
  if (!BLOCK_NAME.test(args.lookupName)) {
    throw new ValueError(
        `block name ${JSON.stringify(args.lookupName)} (${where}) cannot ` +
        'name the scope of its layers: use letters, digits, _, . and - ' +
        '(the first a letter or digit), as in MY_DENSE_64');
  }
  if (args.enumId !== undefined && args.enumId < FIRST_USER_ENUM_ID &&
      !isBuiltInSite(where)) {
    throw new ValueError(
        `block "${args.lookupName}" (${where}) has enum id ${
            args.enumId}; ids below ${FIRST_USER_ENUM_ID} are the built-in ` +
        `blocks' (and those to come): give it one from ${
            FIRST_USER_ENUM_ID} up, or none (a spec names blocks by name)`);
  }
}

/** A registration's site as a message shows it: in the .ts source. */
/**
 * Whether a registration site (siteText) is one of the project's own
 * blocks or providers, which come with every binary.
 */
function isBuiltInSite(site: string): boolean {
  return /(^|\/)model_search\/(blocks|data)\/[^/]+\.(ts|js):\d+/.test(site);
}

function siteText(site: string): string {
  const compiled = /^(.+):(\d+):(\d+)$/.exec(site);
  return compiled === null ?
      site :
      sourceSite(compiled[1], Number(compiled[2]), Number(compiled[3]));
}

/**
 * file:line:column of the code that called the caller of this function,
 * as the stack gives it (mapped to its source only when shown: siteText).
 */
function callerSite(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  // [0] callerSite, [1] the decorator factory, [2] the decorated class.
  const frame = lines[2] ?? '';
  const match = /\(?([^()\s]+):(\d+):(\d+)\)?$/.exec(frame.trim());
  return match ? `${match[1]}:${match[2]}:${match[3]}` : '<unknown>';
}

/** Registries live on globalThis so that two copies of a module share one. */
export function globalRegistry<T>(key: string, kind: string): Registry<T> {
  const holder = globalThis as unknown as Record<string, Registry<T>>;
  const slot = `__model_search_registry_${key}`;
  if (holder[slot] === undefined) holder[slot] = new Registry<T>(kind);
  return holder[slot];
}
