import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSubnets, poolLabel } from './subnets.js';
import { fixtureArgs } from '../../../test/support/fixture-files.js';

const built = (name: string): unknown =>
  (JSON.parse(readFileSync(new URL(`../../../test/fixtures/kea/stats/${name}.json`, import.meta.url), 'utf8')) as { arguments: unknown }).arguments;

test('2.2 dhcp4 (HA primary) config-get: two top-level subnets, pools as Kea prints them', () => {
  const subnets = parseSubnets(fixtureArgs('2.2.0', 'dhcp4-ha-primary.config-get'));
  assert.deepEqual([...subnets.keys()], [1, 2]);
  assert.deepEqual(subnets.get(1), {
    id: 1,
    prefix: '192.0.2.0/24',
    sharedNetwork: '',
    pools: ['192.0.2.10-192.0.2.200'],
    pdPools: [],
    poolIds: [0],
    pdPoolIds: [],
  });
  assert.deepEqual(subnets.get(2)?.pools, ['198.51.100.10-198.51.100.200']);
});

test('2.2 dhcp6 config-get: address pool prefix and pd-pool as prefix/prefix-len', () => {
  const subnets = parseSubnets(fixtureArgs('2.2.0', 'dhcp6.config-get'));
  assert.deepEqual(subnets.get(1), {
    id: 1,
    prefix: '2001:db8:1::/64',
    sharedNetwork: '',
    pools: ['2001:db8:1::/80'],
    pdPools: ['2001:db8:8::/56'],
    poolIds: [0],
    pdPoolIds: [0],
  });
});

test('real 2.6.3 / 3.0.4 config-get ("hash" beside "Dhcp4"): shared network, pool-ids, 0 when absent', () => {
  for (const name of ['2.6.3/dhcp4-ha-primary', '3.0.4/dhcp4-ha-lb-primary'] as const) {
    const [v, file] = name.split('/') as ['2.6.3' | '3.0.4', string];
    const subnets = parseSubnets(fixtureArgs(v, `${file}.config-get`));
    assert.deepEqual(
      [...subnets.keys()].sort((a, b) => a - b),
      [1, 10, 11, 20],
      name,
    );
    assert.deepEqual(subnets.get(1)?.poolIds, [5, 5, 7, 0], name);
    assert.equal(subnets.get(1)?.sharedNetwork, '', name);
    assert.equal(subnets.get(10)?.sharedNetwork, 'net-a', name);
    assert.deepEqual(subnets.get(20)?.pools, ['10.20.0.10-10.20.0.200'], name);
  }
  const v6 = parseSubnets(fixtureArgs('2.6.3', 'dhcp6.config-get'));
  assert.deepEqual(v6.get(1)?.poolIds, [3, 0]);
  assert.deepEqual(v6.get(1)?.pdPoolIds, [9, 0]);
  assert.equal(v6.get(2)?.sharedNetwork, 'net6');
});

test('built dhcp4: shared network members, configured pool-ids, subnet without pools', () => {
  const subnets = parseSubnets(built('dhcp4-3.2.config-get'));
  assert.deepEqual([...subnets.keys()].sort(), [1, 2, 3]);
  assert.equal(subnets.get(1)?.sharedNetwork, '');
  assert.deepEqual(subnets.get(1)?.poolIds, [1, 2]);
  assert.equal(subnets.get(2)?.sharedNetwork, 'office');
  assert.deepEqual(subnets.get(2)?.poolIds, [0, 0]);
  assert.deepEqual(subnets.get(3), { id: 3, prefix: '203.0.113.0/24', sharedNetwork: 'office', pools: [], pdPools: [], poolIds: [], pdPoolIds: [] });
});

test('built dhcp6: pd-pools with and without pool-id inside a shared network', () => {
  const subnets = parseSubnets(built('dhcp6-3.2.config-get'));
  assert.deepEqual(subnets.get(10), {
    id: 10,
    prefix: '2001:db8:10::/64',
    sharedNetwork: 'campus',
    pools: ['2001:db8:10::/80'],
    pdPools: ['2001:db8:100::/48', '2001:db8:200::/48'],
    poolIds: [0],
    pdPoolIds: [0, 5],
  });
  assert.deepEqual(subnets.get(12)?.pools, ['::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);
});

test('poolLabel: by pool-id, every pool sharing the ID, "" when none', () => {
  const v4 = parseSubnets(built('dhcp4-3.2.config-get'));
  assert.equal(poolLabel(v4.get(1), 2, false), '192.0.2.100-192.0.2.199');
  assert.equal(poolLabel(v4.get(1), 0, false), '');
  assert.equal(poolLabel(v4.get(2), 0, false), '198.51.100.10-198.51.100.49,198.51.100.50-198.51.100.99');
  assert.equal(poolLabel(undefined, 0, false), '');
  const v6 = parseSubnets(built('dhcp6-3.2.config-get'));
  assert.equal(poolLabel(v6.get(10), 5, true), '2001:db8:200::/48');
  assert.equal(poolLabel(v6.get(10), 0, true), '2001:db8:100::/48');
  assert.equal(poolLabel(v6.get(10), 0, false), '2001:db8:10::/80');
});

test('bare Dhcp6 map, garbage, missing ids, malformed pools and duplicate ids', () => {
  for (const bad of [undefined, null, 'x', [], {}, { Dhcp4: 'x' }]) assert.equal(parseSubnets(bad).size, 0);
  const subnets = parseSubnets({
    subnet6: [
      { subnet: '2001:db8::/64' }, // no id: skipped
      { id: 'x', subnet: '2001:db8:1::/64' },
      {
        id: 7,
        subnet: '2001:db8:7::/64',
        pools: [null, { pool: '2001:db8:7::/80', 'pool-id': -1 }, { pool: 5 }],
        'pd-pools': [{ prefix: '2001:db8:70::' }, { prefix: '2001:db8:71::', 'prefix-len': 48, 'pool-id': 3 }],
      },
      { id: 7, subnet: 'duplicate' },
      'junk',
    ],
    'shared-networks': [null, { subnet6: [{ id: 8 }] }, { name: 'n', subnet6: 'junk' }],
  });
  assert.deepEqual([...subnets.keys()], [7, 8]);
  assert.deepEqual(subnets.get(7), {
    id: 7,
    prefix: '2001:db8:7::/64',
    sharedNetwork: '',
    pools: ['', '2001:db8:7::/80', ''],
    poolIds: [0, 0, 0],
    pdPools: ['', '2001:db8:71::/48'],
    pdPoolIds: [0, 3],
  });
  assert.deepEqual(subnets.get(8), { id: 8, prefix: '', sharedNetwork: '', pools: [], pdPools: [], poolIds: [], pdPoolIds: [] });
});

test("IDs beyond uint32 (Kea's SubnetID) are not IDs: found by the fuzz, 2^53+2 lost its precision", () => {
  const subnets = parseSubnets({
    subnet4: [
      { id: 2 ** 53 + 2, subnet: '10.0.0.0/8' },
      { id: 0xffff_ffff, subnet: '10.0.0.0/9', pools: [{ pool: 'p', 'pool-id': 2 ** 32 }] },
    ],
  });
  assert.deepEqual([...subnets.keys()], [0xffff_ffff]);
  assert.deepEqual(subnets.get(0xffff_ffff)!.poolIds, [0]);
});
