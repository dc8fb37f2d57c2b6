import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, parseConfigGet, parseConfigHash } from './config-hash.js';
import { fixtureArgs } from '../../test/support/fixture-files.js';

test('canonical JSON sorts keys at every depth and keeps array order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
});

test('2.2 config-get: daemon detected and a stable computed hash', () => {
  const cases = [
    ['dhcp4-ha-primary.config-get', 'dhcp4'],
    ['dhcp6.config-get', 'dhcp6'],
    ['d2.config-get', 'd2'],
    ['ca.config-get', 'ca'],
  ] as const;
  for (const [name, daemon] of cases) {
    const info = parseConfigGet(fixtureArgs('2.2.0', name));
    assert.equal(info.daemon, daemon);
    assert.match(info.computedHash, /^[0-9A-F]{64}$/);
    assert.equal(info.keaHash, undefined);
  }
});

test('equal configs hash equal whatever the key order; a changed value changes the hash', () => {
  const args = fixtureArgs('2.2.0', 'dhcp6.config-get') as { Dhcp6: Record<string, unknown> };
  const reordered = { Dhcp6: Object.fromEntries(Object.entries(args.Dhcp6).reverse()) };
  assert.equal(parseConfigGet(args).computedHash, parseConfigGet(reordered).computedHash);
  const changed = { Dhcp6: { ...args.Dhcp6, 'valid-lifetime': 1234567 } };
  assert.notEqual(parseConfigGet(args).computedHash, parseConfigGet(changed).computedHash);
});

test('2.6.3 / 3.0.4 config-get carries Kea\'s hash (its config-hash-get value), which the computed hash ignores', () => {
  const cases = [['2.6.3', 'dhcp4-ha-primary', 'dhcp4'], ['2.6.3', 'dhcp6', 'dhcp6'], ['2.6.3', 'd2', 'd2'], ['2.6.3', 'ca', 'ca'],
    ['3.0.4', 'dhcp4-ha-lb-primary', 'dhcp4'], ['3.0.4', 'dhcp6-http', 'dhcp6'], ['3.0.4', 'd2', 'd2'], ['3.0.4', 'ca', 'ca']] as const;
  for (const [v, name, daemon] of cases) {
    const args = fixtureArgs(v, `${name}.config-get`) as Record<string, unknown>;
    const info = parseConfigGet(args);
    assert.equal(info.daemon, daemon);
    assert.equal(info.keaHash, parseConfigHash(fixtureArgs(v, `${name}.config-hash-get`)), `${v} ${name}`);
    const { hash: _dropped, ...withoutHash } = args;
    assert.equal(parseConfigGet(withoutHash).computedHash, info.computedHash);
  }
});

test('config-hash-get', () => {
  assert.match(parseConfigHash(fixtureArgs('2.6.3', 'dhcp4-ha-primary.config-hash-get')), /^[0-9A-F]{64}$/);
  assert.throws(() => parseConfigHash({}), /no hash/);
  assert.throws(() => parseConfigGet({ Foo: {} }), /no Dhcp4/);
});
