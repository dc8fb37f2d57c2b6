/** The big kea-dhcp4 config generator (pure; the real daemon runs in bench/stats-kea.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bigDhcp4Config, bigSubnetPrefix } from './big-config.js';

type Subnet4 = { id: number; subnet: string; pools: { pool: string }[] };
type Dhcp4 = { subnet4: Subnet4[]; 'shared-networks'?: { name: string; subnet4: Subnet4[] }[]; 'interfaces-config': unknown };

const gen = (subnets: number, sharedNetworks?: number) =>
  bigDhcp4Config({ subnets, socket: '/tmp/x.sock', logFile: '/tmp/x.log', sharedNetworks }).Dhcp4 as unknown as Dhcp4;

test('5,000 subnets: ids 1..N once each, distinct /24s, one pool each, 10% in 50 shared networks', () => {
  const d = gen(5000);
  const shared = d['shared-networks'] ?? [];
  const all = [...d.subnet4, ...shared.flatMap((n) => n.subnet4)];
  assert.equal(all.length, 5000);
  assert.deepEqual(
    all.map((s) => s.id).sort((a, b) => a - b),
    Array.from({ length: 5000 }, (_, i) => i + 1),
  );
  assert.equal(new Set(all.map((s) => s.subnet)).size, 5000);
  assert.ok(all.every((s) => s.pools.length === 1 && /^10\.\d+\.\d+\.0\/24$/.test(s.subnet)));
  assert.equal(shared.length, 50);
  assert.ok(shared.every((n) => n.subnet4.length === 10));
  assert.deepEqual(shared[0]?.subnet4.map((s) => s.id).slice(0, 2), [10, 510]);
  assert.deepEqual(d['interfaces-config'], { interfaces: [] });
});

test('addressing and limits', () => {
  assert.equal(bigSubnetPrefix(1), '10.0.0');
  assert.equal(bigSubnetPrefix(257), '10.1.0');
  assert.equal(bigSubnetPrefix(65_536), '10.255.255');
  assert.equal(gen(3)['shared-networks'], undefined);
  assert.equal(gen(100, 0)['shared-networks'], undefined);
  assert.throws(() => gen(0), /subnets must be/);
  assert.throws(() => gen(65_537), /subnets must be/);
  assert.throws(() => gen(100, 11), /sharedNetworks must be/);
});
