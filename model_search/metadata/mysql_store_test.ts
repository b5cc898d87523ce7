/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {keyCollationFor} from './mysql_store';

describe('keyCollationFor', () => {
  const cases = [
    {version: '10.11.19-MariaDB-0+deb12u1', want: 'utf8mb4_nopad_bin'},
    {version: '8.0.36', want: 'utf8mb4_0900_bin'},
    {version: '5.7.44-log', want: 'utf8mb4_bin'},
  ];
  for (const c of cases) {
    it(`picks a binary collation for ${c.version}`, () => {
      assert.equal(keyCollationFor(c.version), c.want);
    });
  }
});
