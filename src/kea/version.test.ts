import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVersion } from './version.js';
import { fixture } from '../../test/support/fixture-files.js';
import type { KeaAnswer } from './types.js';

test('version from every release shape', () => {
  assert.equal(parseVersion(fixture('2.2.0', 'dhcp4.version-get') as KeaAnswer), '2.2.0');
  assert.equal(parseVersion(fixture('2.2.0', 'd2.version-get') as KeaAnswer), '2.2.0');
  assert.equal(parseVersion((fixture('2.2.0', 'ca.version-get') as KeaAnswer[])[0]!), '2.2.0');
  assert.equal(parseVersion(fixture('2.4', 'dhcp4.version-get') as KeaAnswer), '2.4.1');
  assert.equal(parseVersion(fixture('2.6', 'dhcp4.version-get') as KeaAnswer), '2.6.3');
  assert.equal(parseVersion(fixture('3.0', 'dhcp4.version-get') as KeaAnswer), '3.0.0');
});

test('falls back to the first word of extended', () => {
  assert.equal(parseVersion({ result: 0, arguments: { extended: '2.6.0 (abc123)\nlinked with' } }), '2.6.0');
});

test('an error answer is not a version', () => {
  assert.throws(() => parseVersion({ result: 2, text: "'version-get' command not supported." }), /no version/);
});
