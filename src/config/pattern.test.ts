import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesPattern } from './pattern.js';

test('patterns: exact, *, trailing-* prefix; a * elsewhere is literal', () => {
  assert.equal(matchesPattern('*', ''), true);
  assert.equal(matchesPattern('*', 'anything'), true);
  assert.equal(matchesPattern('lease4-*', 'lease4-get'), true);
  assert.equal(matchesPattern('lease4-*', 'lease4-'), true);
  assert.equal(matchesPattern('lease4-*', 'lease4'), false);
  assert.equal(matchesPattern('lease4-*', 'lease6-get'), false);
  assert.equal(matchesPattern('lease*-get', 'lease4-get'), false);
  assert.equal(matchesPattern('lease*-get', 'lease*-get'), true);
  assert.equal(matchesPattern('status-get', 'status-get'), true);
  assert.equal(matchesPattern('status-get', 'status-get-all'), false);
  assert.equal(matchesPattern('', ''), true);
  assert.equal(matchesPattern('', 'x'), false);
});
