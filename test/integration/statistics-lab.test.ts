/** Statistics against real Kea 2.2 with real DHCP traffic (perfdhcp on loopback), through the
 * exporter's own config, poller and /metrics. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { DHCP6_SHARED_NETWORK, TRAFFIC_SHARED_NETWORK, TRAFFIC_SUBNETS } from '../../src/lab/kea-configs.js';
import { MemoryLog } from '../../src/log.js';
import { buildServer } from '../../src/server/server.js';

let lab: Lab;
let app: App;

/** Value of the one series whose name and labels match (labels as a substring). */
function value(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function metrics(): Promise<string> {
  await app.scheduler.pollNow();
  await app.scheduler.pollStatisticsNow();
  const res = await buildServer(app).inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  return res.body;
}

async function statistic(name: string): Promise<number> {
  const a = (await lab.command('traffic', 'statistic-get', { name })) as { arguments: Record<string, [number, string][]> };
  return a.arguments[name]![0]![0];
}

before(async () => {
  lab = await startLab({ daemons: ['traffic', 'dhcp6'] });
  const yaml = `poll: { interval: 1h, timeout: 3s }
statistics: { interval: 1h }
targets:
  - { name: traffic, socket: ${lab.sockets.traffic}, daemon: dhcp4 }
  - { name: v6, socket: ${lab.sockets.dhcp6} }`;
  app = new App(parseConfigText(yaml, 'stats.yaml'), { log: new MemoryLog(), version: 'test' });
  await app.start();
  await lab.perfdhcp({ rate: 100, count: 300 });
});

after(async () => {
  await app?.stop();
  await lab?.stop();
});

describe('statistics on a real Kea lab', () => {
  test('after real traffic, exported counters equal the daemon\'s statistic-get values', async () => {
    const text = await metrics();
    const pairs: [string, string, string][] = [
      ['pkt4-discover-received', 'kea_dhcp4_packets_received_total', 'type="discover"'],
      ['pkt4-request-received', 'kea_dhcp4_packets_received_total', 'type="request"'],
      ['pkt4-offer-sent', 'kea_dhcp4_packets_sent_total', 'type="offer"'],
      ['pkt4-ack-sent', 'kea_dhcp4_packets_sent_total', 'type="ack"'],
      ['pkt4-received', 'kea_dhcp4_packets_received_all_total', 'target="traffic"'],
      ['subnet[1].assigned-addresses', 'kea_dhcp4_addresses_assigned', 'subnet_id="1",'],
      ['subnet[1].cumulative-assigned-addresses', 'kea_dhcp4_address_assignments_total', 'subnet_id="1",'],
      ['subnet[1].total-addresses', 'kea_dhcp4_addresses_capacity', 'subnet_id="1",'],
    ];
    for (const [stat, metric, labels] of pairs) {
      const kea = await statistic(stat);
      assert.equal(value(text, metric, labels), kea, `${metric}{${labels}} vs ${stat}`);
    }
    assert.ok((await statistic('pkt4-ack-sent')) > 0, 'perfdhcp produced DORA exchanges');
    assert.match(text, /# TYPE kea_dhcp4_packets_received_total counter/);
    assert.match(text, /# TYPE kea_dhcp4_addresses_assigned gauge/);
    const ratio = value(text, 'kea_dhcp4_subnet_utilization_ratio', 'subnet_id="1",')!;
    assert.equal(ratio, (await statistic('subnet[1].assigned-addresses')) / (await statistic('subnet[1].total-addresses')));
  });

  test('subnets carry their prefix and shared network; dhcp6 too', async () => {
    const text = await metrics();
    assert.match(text, new RegExp(`kea_dhcp4_addresses_capacity\\{target="traffic",daemon="dhcp4",subnet_id="10",subnet="10.10.0.0/24",shared_network="${TRAFFIC_SHARED_NETWORK}"\\} 191`));
    assert.match(text, /kea_dhcp4_addresses_capacity\{target="traffic",daemon="dhcp4",subnet_id="1",subnet="127.0.0.0\/8",shared_network=""\} /);
    assert.match(text, new RegExp(`kea_dhcp6_addresses_capacity\\{target="v6",daemon="dhcp6",subnet_id="2",subnet="[^"]+",shared_network="${DHCP6_SHARED_NETWORK}"\\}`));
    // Kea 2.2 has no per-pool statistics; its per-subnet prefix-delegation capacity is there.
    assert.match(text, /kea_dhcp6_prefixes_capacity\{target="v6",daemon="dhcp6",subnet_id="1",[^}]*\} 256/);
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(out.trim(), '');
  });

  test('a subnet removed with config-set disappears from /metrics', async () => {
    const removed = `subnet_id="${TRAFFIC_SUBNETS.removable}"`;
    assert.match(await metrics(), new RegExp(removed));
    const got = (await lab.command('traffic', 'config-get')) as { arguments: { Dhcp4: { subnet4: { id: number }[] } } };
    const Dhcp4 = { ...got.arguments.Dhcp4, subnet4: got.arguments.Dhcp4.subnet4.filter((s) => s.id !== TRAFFIC_SUBNETS.removable) };
    const set = (await lab.command('traffic', 'config-set', { Dhcp4 })) as { result: number; text?: string };
    assert.equal(set.result, 0, set.text);
    // Kea reports reload in whole seconds: let one pass so the commit is visibly new.
    await new Promise((r) => setTimeout(r, 1100));
    const text = await metrics();
    assert.doesNotMatch(text, new RegExp(removed));
    assert.match(text, /subnet_id="10"/);
  });
});
