import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PrometheusRenderer } from './registry.js';
import { exporterCollector } from './exporter.js';
import { statisticsCollector } from './statistics.js';
import { parseStatistics, columnsOf, samplesOf, NO_STATISTICS } from '../../kea/statistics/parse.js';
import { parseSubnets } from '../../kea/statistics/subnets.js';
import type { Naming } from './statistics/names.js';
import type { StatisticsSnapshot } from '../../snapshot.js';
import { assertGolden } from '../../../test/support/golden.js';

const fixture = (rel: string): unknown =>
  (JSON.parse(readFileSync(new URL(`../../../test/fixtures/kea/${rel}.json`, import.meta.url), 'utf8')) as { arguments: unknown }).arguments;

function snap(daemon: 'dhcp4' | 'dhcp6' | 'd2', stats: string, config?: string): StatisticsSnapshot {
  return {
    target: `kea-${daemon}`,
    daemon,
    labels: {},
    up: true,
    polledAt: 1_800_000_000_000,
    lastSuccessAt: 1_800_000_000_000,
    pollDurationSeconds: 0.05,
    statistics: columnsOf(parseStatistics(fixture(stats))),
    subnets: config ? parseSubnets(fixture(config)) : new Map(),
    dropped: 0,
    errors: {},
  };
}

const SNAPS = (): [string, StatisticsSnapshot][] => [
  ['a', snap('dhcp4', 'stats/dhcp4-3.2.statistic-get-all', 'stats/dhcp4-3.2.config-get')],
  ['b', snap('dhcp6', 'stats/dhcp6-3.2.statistic-get-all', 'stats/dhcp6-3.2.config-get')],
  ['c', snap('d2', 'stats/d2.statistic-get-all')],
  // A target of its own: two owners never report the same series (prom-client summed them).
  ['d', { ...snap('dhcp4', '2.2.0/dhcp4-after-load.statistic-get-all', '2.2.0/dhcp4-ha-primary.config-get'), target: 'kea-dhcp4-2.2' }],
];

async function render(naming: Naming, openMetrics = false): Promise<string> {
  const collectors = [statisticsCollector(naming)];
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [exporterCollector], collectors[0]!.metrics);
  for (const [k, s] of SNAPS()) r.update(k, s, collectors);
  return (await r.render(openMetrics)).body;
}

for (const naming of ['default', 'kea-exporter'] as const) {
  // exposition.promtool.test.ts runs promtool on the golden files.
  test(`golden statistics /metrics (${naming} naming)`, async () => {
    const body = await render(naming);
    const golden = fileURLToPath(new URL(`../../../test/golden/statistics-${naming}.prom`, import.meta.url));
    assertGolden(golden, body);
    assert.ok((await render(naming, true)).endsWith('# EOF\n'));
  });
}

/** The series of one family in a /metrics body: label text → value text. */
function family(body: string, name: string): Record<string, string> {
  const lines = body.split('\n').filter((l) => l.startsWith(`${name}{`));
  return Object.fromEntries(lines.map((l) => [l.slice(name.length, l.lastIndexOf(' ')), l.slice(l.lastIndexOf(' ') + 1)]));
}

test('default naming: key series, labels from the config, 128-bit values, utilization', async () => {
  const body = await render('default');
  // Kea's values as captured (stats/*-3.2 and 2.2.0 fixtures), labels from the captured config-get.
  // Snapshot a (target kea-dhcp4) is the 3.2 capture's 500 discovers, d (kea-dhcp4-2.2) the 2.2 one's 17,999.
  assert.equal(family(body, 'kea_dhcp4_packets_received_total')['{target="kea-dhcp4",daemon="dhcp4",type="discover"}'], '500');
  assert.equal(family(body, 'kea_dhcp4_packets_received_total')['{target="kea-dhcp4-2.2",daemon="dhcp4",type="discover"}'], '17999');
  assert.deepEqual(family(body, 'kea_dhcp4_addresses_assigned'), {
    '{target="kea-dhcp4",daemon="dhcp4",subnet_id="1",subnet="192.0.2.0/24"}': '120',
    '{target="kea-dhcp4",daemon="dhcp4",subnet_id="2",subnet="198.51.100.0/24",shared_network="office"}': '30',
    '{target="kea-dhcp4",daemon="dhcp4",subnet_id="3",subnet="203.0.113.0/24",shared_network="office"}': '0',
    // Subnets absent from the config keep their id, with no names (empty labels are not written).
    '{target="kea-dhcp4",daemon="dhcp4",subnet_id="42"}': '7',
    // The 2.2 capture's subnet 7, absent from that daemon's config.
    '{target="kea-dhcp4-2.2",daemon="dhcp4",subnet_id="7"}': '1',
  });
  assert.deepEqual(family(body, 'kea_dhcp6_pd_pool_prefixes_assigned'), {
    '{target="kea-dhcp6",daemon="dhcp6",subnet_id="10",subnet="2001:db8:10::/64",shared_network="campus",pool="2001:db8:100::/48"}': '8',
    '{target="kea-dhcp6",daemon="dhcp6",subnet_id="10",subnet="2001:db8:10::/64",shared_network="campus",pool="2001:db8:200::/48"}': '2',
  });
  // A /0 subnet's 2^128 addresses, as Kea reports them (a double).
  assert.equal(family(body, 'kea_dhcp6_addresses_capacity')['{target="kea-dhcp6",daemon="dhcp6",subnet_id="12",subnet="::/0"}'], String(2 ** 128));
  // Utilization = assigned / total of the same scope: 25 of 2^48 addresses, 120 of 190.
  const pool6 = family(body, 'kea_dhcp6_pool_utilization_ratio')[
    '{target="kea-dhcp6",daemon="dhcp6",subnet_id="10",subnet="2001:db8:10::/64",shared_network="campus",pool="2001:db8:10::/80"}'
  ];
  assert.equal(Number(pool6), 25 / 2 ** 48);
  assert.equal(
    Number(family(body, 'kea_dhcp4_subnet_utilization_ratio')['{target="kea-dhcp4",daemon="dhcp4",subnet_id="1",subnet="192.0.2.0/24"}']),
    120 / 190,
  );
  assert.deepEqual(family(body, 'kea_d2_updates_sent_total'), { '{target="kea-d2",daemon="d2"}': '76' });
  assert.doesNotMatch(body, /NaN/);
});

test('kea-exporter naming: its names and labels, plus target', async () => {
  const body = await render('kea-exporter');
  const assigned = family(body, 'kea_dhcp4_addresses_assigned_total');
  // kea-exporter's label order; the subnet's own total has no pool (0.7's pool="", which Prometheus
  // reads as none), an unknown pool its index.
  assert.deepEqual(Object.fromEntries(Object.entries(assigned).filter(([k]) => k.includes('subnet_id="1"'))), {
    '{target="kea-dhcp4",daemon="dhcp4",subnet="192.0.2.0/24",subnet_id="1"}': '120',
    '{target="kea-dhcp4",daemon="dhcp4",subnet="192.0.2.0/24",subnet_id="1",pool="192.0.2.10-192.0.2.99"}': '70',
    '{target="kea-dhcp4",daemon="dhcp4",subnet="192.0.2.0/24",subnet_id="1",pool="192.0.2.100-192.0.2.199"}': '50',
    '{target="kea-dhcp4",daemon="dhcp4",subnet="192.0.2.0/24",subnet_id="1",pool="pool[9]"}': '4',
  });
  assert.equal(family(body, 'kea_dhcp4_packets_received_total')['{target="kea-dhcp4",daemon="dhcp4",operation="discover"}'], '500');
  assert.equal(family(body, 'kea_dhcp4_packets_received_total')['{target="kea-dhcp4-2.2",daemon="dhcp4",operation="discover"}'], '17999');
});

test("a failed statistics poll keeps only the poll's own health; counts errors", async () => {
  const collectors = [statisticsCollector('default')];
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [exporterCollector], collectors[0]!.metrics);
  const s = snap('dhcp4', '2.2.0/dhcp4-after-load.statistic-get-all');
  r.update('a', s, collectors);
  r.update('a', { ...s, up: false, statistics: NO_STATISTICS, error: { code: 'timeout', message: 't' }, errors: { timeout: 1 } }, collectors);
  const body = (await r.render(false)).body;
  assert.doesNotMatch(body, /kea_dhcp4_packets_received_total\{/);
  assert.match(body, /kea_exporter_command_errors_total\{target="kea-dhcp4",daemon="dhcp4",command="statistic-get-all",reason="timeout"\} 1/);
  assert.match(body, /kea_exporter_statistics_last_success_timestamp_seconds\{[^}]*\} 1800000000/);
});

test('after a poll that brought new series, the families it changed are written at once, in the formats asked for; a poll that only changed values leaves them to the next scrape', async () => {
  const collectors = [statisticsCollector('default')];
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collectors[0]!.metrics);
  const [key, s] = SNAPS()[0]!;
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  r.update(key, { ...s, statistics: columnsOf(samplesOf(s.statistics).slice(0, 3)) }, collectors);
  await tick();
  assert.equal(r.familiesWritten, 0, 'nothing asked for yet: nothing written ahead');
  await r.render(true);
  const asked = r.familiesWritten;
  // The whole answer now: new series in many families, written before any scrape.
  r.update(key, s, collectors);
  await tick();
  const ahead = r.familiesWritten;
  assert.ok(ahead > asked + 10, `${ahead - asked} families written ahead`);
  const first = (await r.render(true)).body;
  assert.equal(r.familiesWritten, ahead, 'the scrape wrote nothing');
  // Only a value changed: written by the scrape, not ahead.
  r.update(key, { ...s, pollDurationSeconds: 0.07 }, collectors);
  await tick();
  assert.equal(r.familiesWritten, ahead);
  const second = (await r.render(true)).body;
  assert.equal(r.familiesWritten, ahead + 1);
  assert.equal(second, first.replace(/(kea_exporter_statistics_poll_duration_seconds\{[^}]*\}) 0.05/, '$1 0.07'));
});

test("a scrape after one daemon's poll writes that daemon's lines again, not its families' other daemons'", async () => {
  const collectors = [statisticsCollector('default')];
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collectors[0]!.metrics);
  const [, s] = SNAPS()[0]!;
  const owners = ['a', 'b', 'c'].map((name) => [name, { ...s, target: name }] as const);
  for (const [key, snap] of owners) r.update(key, snap, collectors);
  const before = (await r.render(false)).body;
  const lines = r.linesWritten;
  const changed = samplesOf(owners[1]![1].statistics).map((x) => (x.stat === 'assigned-addresses' ? { ...x, value: x.value + 1 } : x));
  r.update('b', { ...owners[1]![1], statistics: columnsOf(changed) }, collectors);
  const after = (await r.render(false)).body;
  // b's lines of the families it changed (assigned, its ratios), nothing of a's or c's.
  const families = new Set(changed.filter((x) => x.stat === 'assigned-addresses').map((x) => (x.poolId === undefined ? 'subnet' : 'pool')));
  assert.equal(r.linesWritten - lines, families.size * 2, `${r.linesWritten - lines} owners' lines written`);
  assert.notEqual(after, before);
  assert.equal(after.split('\n').length, before.split('\n').length);
  assert.deepEqual(
    after.split('\n').filter((l) => !l.includes('target="b"')),
    before.split('\n').filter((l) => !l.includes('target="b"')),
  );
});

test('a family written again from its previous bytes is the text a fresh store writes, owners changing, going and coming', async () => {
  const collectors = [statisticsCollector('default')];
  const [, s] = SNAPS()[0]!;
  const snap = (target: string, bump: number) => ({
    ...s,
    target,
    statistics: columnsOf(samplesOf(s.statistics).map((x) => (x.stat === 'assigned-addresses' ? { ...x, value: x.value + bump } : x))),
  });
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collectors[0]!.metrics);
  const state = new Map<string, number>();
  const steps: [string, number | undefined][] = [
    ['a', 0],
    ['b', 0],
    ['c', 0],
    ['b', 1],
    ['a', 2],
    ['b', undefined],
    ['d', 3],
    ['b', 4],
    ['c', 5],
  ];
  for (const [key, bump] of steps) {
    if (bump === undefined) {
      r.remove(key);
      state.delete(key);
    } else {
      r.update(key, snap(key, bump), collectors);
      state.set(key, bump);
    }
    for (const om of [false, true]) {
      const fresh = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collectors[0]!.metrics);
      // Owners in the order they first reported a series, as the store keeps them.
      for (const [k, b] of state) fresh.update(k, snap(k, b), collectors);
      const expected = (await fresh.render(om)).body;
      assert.equal((await r.render(om)).body, expected, `after ${key} ${bump}, openMetrics ${om}`);
      // Deflated, the same text: one gzip member (gunzip checks its CRC and length).
      const gz = await r.renderChunks(om, true);
      gz.release();
      assert.equal(gz.length, Buffer.concat(gz.chunks).length);
      assert.equal(gunzipSync(Buffer.concat(gz.chunks)).toString(), expected, `gzip after ${key} ${bump}, openMetrics ${om}`);
    }
  }
});

test("a subnet's or pool's statistics and ratios pass one labels object, in both namings (the store writes its text once)", () => {
  for (const naming of ['default', 'kea-exporter'] as const) {
    const [, s] = SNAPS()[0]!;
    const byContent = new Map<string, Set<object>>();
    statisticsCollector(naming).collect(s, (_name, _value, labels, _def, key) => {
      if (!labels || key === undefined) return;
      const content = JSON.stringify(labels);
      if (!byContent.has(content)) byContent.set(content, new Set());
      byContent.get(content)!.add(labels);
    });
    assert.ok(
      [...byContent.keys()].some((c) => c.includes('pool')),
      naming,
    );
    for (const [content, objects] of byContent) assert.equal(objects.size, 1, `${naming}: ${content}`);
  }
});
