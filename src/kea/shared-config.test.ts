import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedConfig } from './shared-config.js';
import { keaConfigHash } from './printed-hash.js';
import { keaStringify } from '../../test/support/kea-json.js';
import { fixtureArgs } from '../../test/support/fixture-files.js';

type Obj = Record<string, unknown>;
const primary = () => structuredClone(fixtureArgs('2.2.0', 'dhcp4-ha-primary.config-get')) as { Dhcp4: Obj };

/** The object at `path` in a captured config; throws, naming the path, when the capture has none. */
function at(v: unknown, ...path: (string | number)[]): Obj {
  for (const k of path) v = (v as Record<string | number, unknown> | undefined)?.[k];
  if (typeof v !== 'object' || v === null) throw new Error(`the capture has no object at ${path.join('.')}`);
  return v as Obj;
}
const HA = ['hooks-libraries', 1, 'parameters', 'high-availability', 0] as const;

/** What the standby of the captured pair runs: the same config, naming itself and its own files. */
function standby(): { Dhcp4: Obj } {
  const c = primary();
  at(c.Dhcp4, 'control-socket')['socket-name'] = '/run/kea-lab/server2.sock';
  at(c.Dhcp4, 'loggers', 0, 'output_options', 0).output = '/run/kea-lab/server2.log';
  at(c.Dhcp4, ...HA)['this-server-name'] = 'server2';
  at(c.Dhcp4, 'lease-database').name = '/var/lib/kea/server2-leases4.csv';
  return c;
}

test('HA partners with the same configuration: Kea-style hashes differ, shared hashes agree', () => {
  const [a, b] = [primary(), standby()];
  assert.notEqual(keaConfigHash(keaStringify({ arguments: a, result: 0 })), keaConfigHash(keaStringify({ arguments: b, result: 0 })));
  const sa = sharedConfig(a);
  const sb = sharedConfig(b);
  assert.ok(sa && sb);
  assert.match(sa.hash, /^[0-9A-F]{64}$/);
  assert.equal(sa.hash, sb.hash);
  assert.equal(sa.haPeers, 'server1,server2');
  assert.equal(sb.haPeers, 'server1,server2');
});

test('a real difference between partners changes the shared hash', () => {
  const b = standby();
  b.Dhcp4['valid-lifetime'] = 1234;
  assert.notEqual(sharedConfig(primary())?.hash, sharedConfig(b)?.hash);
  const c = standby();
  at(c.Dhcp4, ...HA)['max-unacked-clients'] = 7;
  assert.notEqual(sharedConfig(primary())?.hash, sharedConfig(c)?.hash);
});

test('the input is not modified and non-HA daemons have no peers', () => {
  const a = primary();
  const before = JSON.stringify(a);
  sharedConfig(a);
  assert.equal(JSON.stringify(a), before);
  for (const name of ['dhcp6.config-get', 'd2.config-get', 'ca.config-get']) {
    const s = sharedConfig(fixtureArgs('2.2.0', name));
    assert.ok(s, name);
    assert.equal(s.haPeers, '');
  }
  // dhcp6's generated DUID (server-id) is per server.
  const d6 = structuredClone(fixtureArgs('2.2.0', 'dhcp6.config-get')) as { Dhcp6: Obj };
  const other = structuredClone(d6);
  other.Dhcp6['server-id'] = { type: 'LLT', identifier: 'AABBCC', time: 1 };
  assert.equal(sharedConfig(d6)?.hash, sharedConfig(other)?.hash);
});

test('no daemon configuration: undefined', () => {
  assert.equal(sharedConfig(undefined), undefined);
  assert.equal(sharedConfig({ Foo: {} }), undefined);
  assert.equal(sharedConfig([1]), undefined);
});
