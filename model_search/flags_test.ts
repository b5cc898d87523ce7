/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */


import * as assert from 'node:assert/strict';

import {UsageError} from './errors';
import {FlagSet, parseCommandFlags} from './flags';

function flags(): FlagSet {
  const set = new FlagSet();
  set.define('phoenix_train_steps', {type: 'int', default: 1000, help: 'steps'});
  set.define('learning', {type: 'float', default: 0.1, help: 'lr'});
  set.define('model_dir', {type: 'string', default: '', help: 'dir'});
  set.define('verbose', {type: 'bool', default: false, help: 'v'});
  set.define('goal', {type: 'string', default: 'minimize', help: 'g',
                      choices: ['minimize', 'maximize'],
                      choiceAliases: {least: 'minimize'}});
  set.define('record_defaults', {type: 'list', default: [], help: 'r'});
  set.define('optional_goal', {type: 'string', default: '', help: 'og',
                               choices: ['', 'minimize', 'maximize']});
  return set;
}

describe('FlagSet', () => {
  const cases: Array<[string, string[], Record<string, unknown>]> = [
    ['--name=value', ['--phoenix_train_steps=5'], {phoenix_train_steps: 5}],
    ['--name value', ['--model_dir', '/tmp/x'], {model_dir: '/tmp/x'}],
    ['single dash', ['-learning=0.5'], {learning: 0.5}],
    ['bare bool', ['--verbose'], {verbose: true}],
    ['--nobool', ['--noverbose'], {verbose: false}],
    ['bool value', ['--verbose=false'], {verbose: false}],
    ['list', ['--record_defaults=0,0,a'], {record_defaults: ['0', '0', 'a']}],
    ['choice', ['--goal=maximize'], {goal: 'maximize'}],
  ];
  for (const [name, argv, expected] of cases) {
    it(`parses ${name}`, () => {
      const set = flags();
      set.parse(argv);
      for (const [flag, value] of Object.entries(expected)) {
        assert.deepEqual(set.get(flag), value);
        assert.equal(set.isPresent(flag), true);
      }
    });
  }

  it('keeps defaults and positional arguments', () => {
    const set = flags();
    assert.deepEqual(set.parse(['a', '--verbose', 'b', '--', '--c']),
                     ['a', 'b', '--c']);
    assert.equal(set.get('phoenix_train_steps'), 1000);
    assert.equal(set.isPresent('phoenix_train_steps'), false);
  });

  const errors: Array<[string, string[], string]> = [
    ['unknown flag with a close match', ['--phoenix_train_step=3'],
     'unknown flag --phoenix_train_step; did you mean "phoenix_train_steps"? ' +
         '(--help lists them all)'],
    ['a bad integer', ['--phoenix_train_steps=ten'],
     'flag --phoenix_train_steps="ten": expected an integer (steps)'],
    ['a bad number', ['-learning=fast'],
     'flag --learning="fast": expected a number (lr)'],
    ['an integer past 2^53', ['--phoenix_train_steps=9007199254740993'],
     'flag --phoenix_train_steps="9007199254740993": expected an integer ' +
         'of at most 9007199254740991 in magnitude'],
    ['a bad choice', ['--goal=maximise'],
     'flag --goal="maximise": must be one of minimize, maximize; did you ' +
         'mean "maximize"?'],
    ['an abbreviated choice', ['--goal=max'],
     'flag --goal="max": must be one of minimize, maximize; did you mean ' +
         '"maximize"?'],
    ['an abbreviation of several choices', ['--goal=m'],
     'flag --goal="m": must be one of minimize, maximize'],
    ['another name of a choice', ['--goal=Least'],
     'flag --goal="Least": must be one of minimize, maximize; did you mean ' +
         '"minimize"?'],
    ['a bad choice where none may be given', ['--optional_goal=up'],
     'flag --optional_goal="up": must be one of minimize, maximize'],
    ['a missing value', ['--model_dir'], 'flag --model_dir needs a value'],
    ['a missing value before another flag',
     ['--model_dir', '--phoenix_train_steps=5'],
     'flag --model_dir needs a value, but the next argument is the flag ' +
         '--phoenix_train_steps=5; give --model_dir=VALUE'],
  ];
  for (const [name, argv, message] of errors) {
    it(`rejects ${name}`, () => {
      assert.throws(() => flags().parse(argv),
                    (e: Error) => e instanceof UsageError &&
                        e.message === message);
    });
  }

  it('lists every flag with its default in the help text', () => {
    const text = flags().helpText();
    assert.match(text, /--phoenix_train_steps: steps\n\s+\(default: '1000'\)/);
    assert.match(text, /one of: minimize, maximize/);
  });
});

describe('FlagSet.defineOnce', () => {
  const args = {type: 'int' as const, default: 1, help: 'steps'};

  it('declares once however often its module asks', () => {
    const set = new FlagSet();
    set.defineOnce('steps', {...args, module: 'trainer'});
    set.defineOnce('steps', {...args, default: 2, module: 'trainer'});
    assert.equal(set.get('steps'), 1);
  });

  it('refuses a name another module declared, naming both', () => {
    const set = new FlagSet();
    set.define('steps', {type: 'string', default: '7', help: 'mine'});
    assert.throws(
        () => set.defineOnce('steps', {...args, module: 'trainer'}),
        new RegExp('^UsageError: flag --steps belongs to trainer, but a ' +
                   'module linked into this binary \\(a data provider, ' +
                   'say\\) declares it too: give that flag a name of its ' +
                   'own$'));
    set.define('other', {...args, module: 'csv'});
    assert.throws(() => set.defineOnce('other', {...args, module: 'trainer'}),
                  /but module csv declares it too/);
  });
});

describe('parseCommandFlags', () => {
  it('prints the usage and every flag for --help, declared or not', () => {
    const out: string[] = [];
    const set = flags();
    assert.equal(set.has('help'), false);

    assert.equal(parseCommandFlags(set, ['--help'], 'usage: x', (s) => out.push(s)),
                 true);
    assert.match(out.join(''), /^usage: x\n\nflags:\n[\s\S]*--phoenix_train_steps/);
  });

  it('parses flags and refuses positional arguments', () => {
    const set = flags();
    assert.equal(parseCommandFlags(set, ['--phoenix_train_steps=3'], 'u',
                                   () => {}), false);
    assert.equal(set.get('phoenix_train_steps'), 3);
    assert.throws(() => parseCommandFlags(flags(), ['extra'], 'u', () => {}),
                  /unexpected argument "extra"; flags take the form/);
  });
});
