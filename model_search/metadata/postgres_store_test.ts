/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {numberPlaceholders} from './postgres_store';

describe('numberPlaceholders', () => {
  const cases = [
    {name: 'none', sql: 'SELECT 1', want: 'SELECT 1'},
    {
      name: 'in order',
      sql: 'UPDATE t SET a = ? WHERE b = ? AND c = ?',
      want: 'UPDATE t SET a = $1 WHERE b = $2 AND c = $3',
    },
    {
      name: 'quoted question marks kept',
      sql: 'SELECT \'?\', "a?b", ? FROM t WHERE x = \'it\'\'s?\' AND y = ?',
      want: 'SELECT \'?\', "a?b", $1 FROM t WHERE x = \'it\'\'s?\' AND y = $2',
    },
  ];
  for (const c of cases) {
    it(`numbers placeholders: ${c.name}`, () => {
      assert.equal(numberPlaceholders(c.sql), c.want);
    });
  }
});
