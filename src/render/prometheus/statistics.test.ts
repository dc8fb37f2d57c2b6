import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PrometheusRenderer } from './registry.js';
import { exporterCollector } from './exporter.js';
import { statisticsCollector } from './statistics.js';
import { parseStatistics } from '../../kea/statistics/parse.js';
import { parseSubnets } from '../../kea/statistics/subnets.js';
import type { Naming } from './statistics/names.js';
import type { StatisticsSnapshot } from '../../snapshot.js';

const fixture = (rel: string): unknown =>
  (JSON.parse(readFileSync(new URL(`../../../test/fixtures/kea/${rel}.json`, import.meta.url), 'utf8')) as { arguments: unknown }).arguments;

function snap(daemon: 'dhcp4' | 'dhcp6' | 'd2', stats: string, config?: string): StatisticsSnapshot {
  return {
    target: `kea-${daemon}`, daemon, labels: {}, up: true, polledAt: 1_800_000_000_000, lastSuccessAt: 1_800_000_000_000,
    pollDurationSeconds: 0.05, samples: parseStatistics(fixture(stats)),
    subnets: config ? parseSubnets(fixture(config)) : new Map(), dropped: 0, errors: {},
  };
}

const SNAPS = (): [string, StatisticsSnapshot][] => [
  ['a', snap('dhcp4', 'stats/dhcp4-3.2.statistic-get-all', 'stats/dhcp4-3.2.config-get')],
  ['b', snap('dhcp6', 'stats/dhcp6-3.2.statistic-get-all', 'stats/dhcp6-3.2.config-get')],
  ['c', snap('d2', 'stats/d2.statistic-get-all')],
  // A target of its own: two owners never report the same series (prom-client summed them).
  ['d', { ...snap('dhcp4', '2.2.0/dhcp4-after-load.statistic-get-all', '2.2.0/dhcp4-ha-primary.config-get'), target: 'kea-dhcp4-2.2' }],
];

/** kea-exporter 0.7's own names break conventions (gauges ending in _total, Kea's "-us"); kept
 * on purpose in that mode so its dashboards work. */
const KEA_EXPORTER_COMPAT = [
  'kea_dhcp4_addresses_assigned_total', 'kea_dhcp4_addresses_declined_total', 'kea_dhcp4_addresses_total',
  'kea_dhcp4_pkt4_not_for_us', 'kea_dhcp6_addresses_declined_total', 'kea_dhcp6_na_assigned_total',
  'kea_dhcp6_na_total', 'kea_dhcp6_pd_assigned_total', 'kea_dhcp6_pd_total', 'kea_dhcp6_pkt6_not_for_us',
];

/** Metric names promtool complains about (it exits non-zero then). */
function promtoolProblems(body: string): string[] {
  try {
    execFileSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return [];
  } catch (err) {
    const out = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    return [...new Set(out.split('\n').filter(Boolean).map((l) => l.split(' ')[0]!))].sort();
  }
}

async function render(naming: Naming, openMetrics = false): Promise<string> {
  const collectors = [statisticsCollector(naming)];
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [exporterCollector], collectors[0]!.metrics);
  for (const [k, s] of SNAPS()) r.update(k, s, collectors);
  return (await r.render(openMetrics)).body;
}

for (const naming of ['default', 'kea-exporter'] as const) {
  test(`golden statistics /metrics (${naming} naming), promtool-clean`, async () => {
    const body = await render(naming);
    const golden = fileURLToPath(new URL(`../../../test/golden/statistics-${naming}.prom`, import.meta.url));
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, body);
    assert.equal(body, readFileSync(golden, 'utf8'), 'golden file differs: run with UPDATE_GOLDEN=1 after checking the change');
    assert.deepEqual(promtoolProblems(body), naming === 'default' ? [] : KEA_EXPORTER_COMPAT);
    assert.ok((await render(naming, true)).endsWith('# EOF\n'));
  });
}

test('default naming: key series, labels from the config, 128-bit values, utilization', async () => {
  const body = await render('default');
  assert.match(body, /kea_dhcp4_packets_received_total\{target="kea-dhcp4",daemon="dhcp4",type="discover"\} \d+/);
  assert.match(body, /kea_dhcp4_addresses_assigned\{target="kea-dhcp4",daemon="dhcp4",subnet_id="\d+",subnet="[^"]+",shared_network="[^"]*"\} \d+/);
  assert.match(body, /kea_dhcp6_pd_pool_prefixes_assigned\{[^}]*pool="[0-9a-f:]+\/\d+"\}/);
  assert.match(body, /kea_dhcp6_pool_utilization_ratio\{[^}]*pool="[^"]+"\} [\d.e-]+/);
  assert.match(body, /kea_dhcp4_subnet_utilization_ratio\{target="kea-dhcp4",daemon="dhcp4",subnet_id="1"/);
  assert.match(body, /kea_d2_updates_sent_total\{target="kea-d2",daemon="d2"\} \d+/);
  assert.doesNotMatch(body, /NaN/);
});

test('kea-exporter naming: its names and labels, plus target', async () => {
  const body = await render('kea-exporter');
  assert.match(body, /kea_dhcp4_addresses_assigned_total\{target="kea-dhcp4",daemon="dhcp4",(pool="[^"]*",subnet="[^"]*",subnet_id="\d+"|subnet="[^"]*",subnet_id="\d+",pool="[^"]*")\}/);
  assert.match(body, /kea_dhcp4_packets_received_total\{target="kea-dhcp4",daemon="dhcp4",operation="discover"\}/);
});

test('a failed statistics poll keeps only the poll\'s own health; counts errors', async () => {
  const collectors = [statisticsCollector('default')];
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [exporterCollector], collectors[0]!.metrics);
  const s = snap('dhcp4', '2.2.0/dhcp4-after-load.statistic-get-all');
  r.update('a', s, collectors);
  r.update('a', { ...s, up: false, samples: [], error: { code: 'timeout', message: 't' }, errors: { timeout: 1 } }, collectors);
  const body = (await r.render(false)).body;
  assert.doesNotMatch(body, /kea_dhcp4_packets_received_total\{/);
  assert.match(body, /kea_exporter_command_errors_total\{target="kea-dhcp4",daemon="dhcp4",command="statistic-get-all",reason="timeout"\} 1/);
  assert.match(body, /kea_exporter_statistics_last_success_timestamp_seconds\{[^}]*\} 1800000000/);
});
