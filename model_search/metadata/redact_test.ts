/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {Redactor, redactUrl} from './redact';

describe('redactUrl', () => {
  const cases = [
    {
      name: 'postgres URL',
      text: 'postgres://me:hunter2@db:5432/x',
      want: 'postgres://me:***@db:5432/x',
    },
    {
      name: 'inside a sentence',
      text: 'cannot reach mysql://root:p%40ss@127.0.0.1/db: refused',
      want: 'cannot reach mysql://root:***@127.0.0.1/db: refused',
    },
    {
      name: 'no password',
      text: 'postgres://me@db:5432/x',
      want: 'postgres://me@db:5432/x',
    },
    {
      name: 'empty user',
      text: 'mysql://:secret@host/db',
      want: 'mysql://:***@host/db',
    },
    {
      name: 'unencoded @ and / in the password',
      text: 'url postgres://me:p@s/s@db:5432/x failed',
      want: 'url postgres://me:***@db:5432/x failed',
    },
    {
      name: 'two URLs',
      text: 'a://u:1@h b://v:2@k',
      want: 'a://u:***@h b://v:***@k',
    },
  ];
  for (const c of cases) {
    it(`masks the password: ${c.name}`, () => {
      assert.equal(redactUrl(c.text), c.want);
    });
  }
});

describe('Redactor', () => {
  it('masks the secret raw and URL-encoded', () => {
    const redactor = new Redactor(['p@ss word']);

    const text = redactor.redact('raw p@ss word, encoded p%40ss%20word.');

    assert.equal(text, 'raw ***, encoded ***.');
  });

  it('ignores empty and missing secrets', () => {
    const redactor = new Redactor(['', undefined]);

    assert.equal(redactor.redact('nothing to hide'), 'nothing to hide');
  });
});
