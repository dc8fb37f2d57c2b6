import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canonicalJson, configGetHash, parseConfigGet, parseConfigHash } from './config-hash.js';
import { keaConfigHash } from './printed-hash.js';
import { CAPTURES_DIR } from '../../test/support/captures.js';
import { fixtureArgs, type FixtureVersion } from '../../test/support/fixture-files.js';

test('canonical JSON sorts keys at every depth and keeps array order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
});

const text = (v: FixtureVersion, name: string): string => readFileSync(`${CAPTURES_DIR}${v}/${name}.json`, 'utf8');

test("2.2 config-get: daemon detected, no hash carried: the computed one is Kea's rule over the text as printed", () => {
  const cases = [
    ['dhcp4-ha-primary.config-get', 'dhcp4'],
    ['dhcp6.config-get', 'dhcp6'],
    ['d2.config-get', 'd2'],
    ['ca.config-get', 'ca'],
  ] as const;
  for (const [name, daemon] of cases) {
    const info = parseConfigGet(fixtureArgs('2.2.0', name));
    assert.equal(info.daemon, daemon);
    assert.equal(info.keaHash, undefined);
    const t = text('2.2.0', name);
    assert.deepEqual(configGetHash(info, t), { hash: keaConfigHash(t), source: 'computed' });
  }
});

test('the computed hash follows the text: key order as printed counts (Kea prints sorted), a changed value changes it', () => {
  const t = text('2.2.0', 'dhcp6.config-get');
  const info = parseConfigGet(fixtureArgs('2.2.0', 'dhcp6.config-get'));
  assert.ok(t.includes('"valid-lifetime": 7200'), 'the capture as the test expects it');
  assert.notEqual(configGetHash(info, t.replace('"valid-lifetime": 7200', '"valid-lifetime": 7201')).hash, configGetHash(info, t).hash);
});

test("2.6.3 / 3.0.4 config-get carries Kea's hash (its config-hash-get value), and it is the one used", () => {
  const cases = [
    ['2.6.3', 'dhcp4-ha-primary', 'dhcp4'],
    ['2.6.3', 'dhcp6', 'dhcp6'],
    ['2.6.3', 'd2', 'd2'],
    ['2.6.3', 'ca', 'ca'],
    ['3.0.4', 'dhcp4-ha-lb-primary', 'dhcp4'],
    ['3.0.4', 'dhcp6-http', 'dhcp6'],
    ['3.0.4', 'd2', 'd2'],
    ['3.0.4', 'ca', 'ca'],
  ] as const;
  for (const [v, name, daemon] of cases) {
    const info = parseConfigGet(fixtureArgs(v, `${name}.config-get`));
    assert.equal(info.daemon, daemon);
    const kea = parseConfigHash(fixtureArgs(v, `${name}.config-hash-get`));
    assert.equal(info.keaHash, kea, `${v} ${name}`);
    // Not recomputed when carried, whatever the text says.
    assert.deepEqual(configGetHash(info, '{ "result": 0 }'), { hash: kea, source: 'kea' });
  }
});

test('config-hash-get', () => {
  assert.match(parseConfigHash(fixtureArgs('2.6.3', 'dhcp4-ha-primary.config-hash-get')), /^[0-9A-F]{64}$/);
  assert.throws(() => parseConfigHash({}), /no hash/);
  assert.throws(() => parseConfigGet({ Foo: {} }), /no Dhcp4/);
});
