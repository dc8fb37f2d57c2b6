/** Statistics after real perfdhcp traffic on a real lab of one version: exported values equal
 * statistic-get-all; subnet, shared-network, pool and pd-pool labels (pools by pool-id on 2.6+). */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { DHCP6_POOL_IDS, DHCP6_SHARED_NETWORK, TRAFFIC_POOL_ID, TRAFFIC_SHARED_NETWORK, TRAFFIC_SUBNETS } from '../../../src/lab/kea-configs.js';
import { keaStat, value, type MatrixLab } from './setup.js';

export function statisticsScenarios(m: () => MatrixLab): void {
  before(async () => {
    await m().lab.perfdhcp({ rate: 100, count: 200 });
    if (m().features.v6Traffic) await m().lab.perfdhcp({ family: 6, rate: 100, count: 50 });
  });

  test("after real v4 traffic, exported counters and gauges equal the daemon's statistics", async () => {
    const { lab, features } = m();
    const text = await m().metrics();
    const all = await lab.command('traffic', 'statistic-get-all');
    const pairs: [string, string, string][] = [
      ['pkt4-discover-received', 'kea_dhcp4_packets_received_total', 'target="traffic",daemon="dhcp4",type="discover"'],
      ['pkt4-request-received', 'kea_dhcp4_packets_received_total', 'target="traffic",daemon="dhcp4",type="request"'],
      ['pkt4-ack-sent', 'kea_dhcp4_packets_sent_total', 'target="traffic",daemon="dhcp4",type="ack"'],
      ['subnet[1].assigned-addresses', 'kea_dhcp4_addresses_assigned', 'target="traffic",daemon="dhcp4",subnet_id="1",'],
      ['subnet[1].cumulative-assigned-addresses', 'kea_dhcp4_address_assignments_total', 'target="traffic",daemon="dhcp4",subnet_id="1",'],
      ['subnet[1].total-addresses', 'kea_dhcp4_addresses_capacity', 'target="traffic",daemon="dhcp4",subnet_id="1",'],
    ];
    if (features.poolIds) {
      // Kea names the pool by its pool-id; the exporter labels it by its range.
      pairs.push([
        `subnet[1].pool[${TRAFFIC_POOL_ID}].assigned-addresses`,
        'kea_dhcp4_pool_addresses_assigned',
        'target="traffic",daemon="dhcp4",subnet_id="1",subnet="127.0.0.0/8",pool="127.1.0.1-127.1.255.254"',
      ]);
    }
    for (const [stat, metric, labels] of pairs) assert.equal(value(text, metric, labels), keaStat(all, stat), `${metric}{${labels}} vs ${stat}`);
    assert.ok(keaStat(all, 'pkt4-ack-sent') > 0, 'perfdhcp produced DORA exchanges');
    assert.match(
      text,
      new RegExp(
        `kea_dhcp4_addresses_capacity\\{target="traffic",daemon="dhcp4",subnet_id="10",subnet="10.10.0.0/24",shared_network="${TRAFFIC_SHARED_NETWORK}"\\} 191`,
      ),
    );
    if (!features.poolIds) assert.doesNotMatch(text, /kea_dhcp4_pool_addresses_assigned\{target="traffic"/, 'no pool statistics before 2.6');
  });

  test('dhcp6: shared network and pd capacity everywhere; after v6 traffic (2.6+) pools and pd-pools by pool-id', async () => {
    const { lab, features } = m();
    const text = await m().metrics();
    assert.match(
      text,
      new RegExp(
        `kea_dhcp6_addresses_capacity\\{target="dhcp6",daemon="dhcp6",subnet_id="2",subnet="2001:db8:2::/64",shared_network="${DHCP6_SHARED_NETWORK}"\\}`,
      ),
    );
    assert.match(text, /kea_dhcp6_prefixes_capacity\{target="dhcp6",daemon="dhcp6",subnet_id="1",[^}]*\} 256/);
    if (!features.v6Traffic) return;
    const all = await lab.command('traffic6', 'statistic-get-all');
    const l = 'target="traffic6",daemon="dhcp6",subnet_id="1",subnet="2001:db8:1::/64"';
    assert.ok(keaStat(all, `subnet[1].pool[${DHCP6_POOL_IDS.address}].assigned-nas`) > 0);
    assert.equal(
      value(text, 'kea_dhcp6_pool_addresses_assigned', `${l},pool="2001:db8:1::/80"`),
      keaStat(all, `subnet[1].pool[${DHCP6_POOL_IDS.address}].assigned-nas`),
    );
    assert.equal(
      value(text, 'kea_dhcp6_pd_pool_prefixes_assigned', `${l},pool="2001:db8:8::/56"`),
      keaStat(all, `subnet[1].pd-pool[${DHCP6_POOL_IDS.prefix}].assigned-pds`),
    );
    assert.equal(value(text, 'kea_dhcp6_addresses_assigned', `${l}}`), keaStat(all, 'subnet[1].assigned-nas'));
  });

  test('a subnet removed with config-set disappears from /metrics', async () => {
    const { lab } = m();
    const removed = `target="traffic",daemon="dhcp4",subnet_id="${TRAFFIC_SUBNETS.removable}"`;
    assert.ok((await m().metrics()).includes(removed));
    const got = (await lab.command('traffic', 'config-get')) as { arguments: { Dhcp4: { subnet4: { id: number }[] } } };
    const Dhcp4 = { ...got.arguments.Dhcp4, subnet4: got.arguments.Dhcp4.subnet4.filter((s) => s.id !== TRAFFIC_SUBNETS.removable) };
    const set = (await lab.command('traffic', 'config-set', { Dhcp4 })) as { result: number; text?: string };
    assert.equal(set.result, 0, set.text);
    await new Promise((r) => setTimeout(r, 1100)); // Kea reports reload in whole seconds
    const text = await m().metrics();
    assert.ok(!text.includes(removed));
    assert.ok(text.includes('target="traffic",daemon="dhcp4",subnet_id="10"'));
  });
}
