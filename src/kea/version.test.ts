import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVersion } from './version.js';
import { fixture } from '../../test/support/fixture-files.js';
import type { KeaAnswer } from './types.js';

test('version from every release shape', () => {
  assert.equal(parseVersion(fixture('2.2.0', 'dhcp4.version-get') as KeaAnswer), '2.2.0');
  assert.equal(parseVersion(fixture('2.2.0', 'd2.version-get') as KeaAnswer), '2.2.0');
  assert.equal(parseVersion((fixture('2.2.0', 'ca.version-get') as KeaAnswer[])[0]!), '2.2.0');
  for (const v of ['2.6.3', '3.0.4'] as const) {
    for (const name of ['dhcp4.version-get', 'dhcp6.version-get', 'd2.version-get']) {
      assert.equal(parseVersion(fixture(v, name) as KeaAnswer), v, `${v} ${name}`);
    }
    assert.equal(parseVersion((fixture(v, 'ca.version-get') as KeaAnswer[])[0]!), v);
  }
  // A Kea 3 daemon's own HTTP socket wraps the same answer in a list.
  assert.equal(parseVersion((fixture('3.0.4', 'dhcp4-http.version-get') as KeaAnswer[])[0]!), '3.0.4');
});

test('falls back to the first word of extended', () => {
  assert.equal(parseVersion({ result: 0, arguments: { extended: '2.6.0 (abc123)\nlinked with' } }), '2.6.0');
});

test('an error answer is not a version', () => {
  assert.throws(() => parseVersion({ result: 2, text: "'version-get' command not supported." }), /no version/);
});
