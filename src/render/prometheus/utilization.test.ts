import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatistics, columnsOf } from '../../kea/statistics/parse.js';
import { parseSubnets } from '../../kea/statistics/subnets.js';
import type { StatisticsSnapshot } from '../../snapshot.js';
import { PrometheusRenderer } from './registry.js';
import { statisticsCollector } from './statistics.js';

const T = '2026-12-01 10:00:00.000000';
const stats = (values: Record<string, number>) => parseStatistics(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [[v, T]]])));

/** Subnet 1 has one pool (pool-id 0) in the config; Kea reports pools 5 and 6 as well (the
 * config changed since it was read, or has not been read yet). */
function snap(daemon: 'dhcp4' | 'dhcp6', values: Record<string, number>): StatisticsSnapshot {
  const subnet =
    daemon === 'dhcp4'
      ? { id: 1, subnet: '192.0.2.0/24', pools: [{ pool: '192.0.2.10-192.0.2.99' }] }
      : {
          id: 1,
          subnet: '2001:db8:1::/64',
          pools: [{ pool: '2001:db8:1::/80' }],
          'pd-pools': [{ prefix: '2001:db8:100::', 'prefix-len': 48, 'delegated-len': 56 }],
        };
  return {
    target: 't',
    daemon,
    labels: {},
    up: true,
    polledAt: 0,
    lastSuccessAt: 0,
    pollDurationSeconds: 0,
    statistics: columnsOf(stats(values)),
    subnets: parseSubnets({ [daemon === 'dhcp4' ? 'subnet4' : 'subnet6']: [subnet] }),
    dropped: 0,
    errors: {},
  };
}

const seriesOf = (body: string, family: string) => [...body.matchAll(new RegExp(`^${family}\\{([^}]*)\\} (\\S+)$`, 'gm'))].map((m) => [m[1]!, m[2]!]);

/** Every utilisation series of a snapshot's /metrics: family, its label values, value. */
async function ratioSeries(s: StatisticsSnapshot, naming: 'default' | 'kea-exporter' = 'default') {
  const collector = statisticsCollector(naming);
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collector.metrics);
  r.update('t', s, [collector]);
  const body = (await r.render(false)).body;
  return [...body.matchAll(/^(kea_\w+_utilization_ratio)\{([^}]*)\} (\S+)$/gm)].map((m) => [m[1]!, m[2]!, Number(m[3])] as const);
}
/** A series' own label values (without the owner's target and daemon). */
const values = (labels: string) =>
  Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].filter((m) => m[1] !== 'target' && m[1] !== 'daemon').map((m) => [m[1]!, m[2]!]));

test('pools absent from the config stay apart: labelled pool[PID], as the statistics families label them', async () => {
  const s = snap('dhcp4', {
    'subnet[1].pool[0].assigned-addresses': 9,
    'subnet[1].pool[0].total-addresses': 90,
    'subnet[1].pool[5].assigned-addresses': 1,
    'subnet[1].pool[5].total-addresses': 4,
    'subnet[1].pool[6].assigned-addresses': 3,
    'subnet[1].pool[6].total-addresses': 4,
  });
  assert.deepEqual(
    (await ratioSeries(s)).map(([family, labels, ratio]) => [family, values(labels).pool, ratio]),
    [
      ['kea_dhcp4_pool_utilization_ratio', '192.0.2.10-192.0.2.99', 0.1],
      ['kea_dhcp4_pool_utilization_ratio', 'pool[5]', 0.25],
      ['kea_dhcp4_pool_utilization_ratio', 'pool[6]', 0.75],
    ],
  );
  const collector = statisticsCollector('default');
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collector.metrics);
  r.update('t', s, [collector]);
  const body = (await r.render(false)).body;
  const ratios = seriesOf(body, 'kea_dhcp4_pool_utilization_ratio');
  assert.equal(ratios.length, 3, body);
  // The same label set as the assigned series each ratio is made of.
  assert.deepEqual(
    ratios.map(([labels]) => labels),
    seriesOf(body, 'kea_dhcp4_pool_addresses_assigned').map(([labels]) => labels),
  );
  assert.deepEqual(
    ratios.map(([, v]) => v),
    ['0.1', '0.25', '0.75'],
  );
});

test('pd-pools absent from the config: pd-pool[PID]; known ones their prefix', async () => {
  const s = snap('dhcp6', {
    'subnet[1].pd-pool[0].assigned-pds': 1,
    'subnet[1].pd-pool[0].total-pds': 256,
    'subnet[1].pd-pool[7].assigned-pds': 2,
    'subnet[1].pd-pool[7].total-pds': 8,
    'subnet[1].pd-pool[8].assigned-pds': 4,
    'subnet[1].pd-pool[8].total-pds': 8,
    'subnet[1].assigned-nas': 5,
    'subnet[1].total-nas': 10,
  });
  const subnet = { subnet_id: '1', subnet: '2001:db8:1::/64' };
  assert.deepEqual(
    (await ratioSeries(s)).map(([family, labels, ratio]) => ({ family, labels: values(labels), ratio })),
    [
      { family: 'kea_dhcp6_subnet_utilization_ratio', labels: subnet, ratio: 0.5 },
      { family: 'kea_dhcp6_pd_pool_utilization_ratio', labels: { ...subnet, pool: '2001:db8:100::/48' }, ratio: 1 / 256 },
      { family: 'kea_dhcp6_pd_pool_utilization_ratio', labels: { ...subnet, pool: 'pd-pool[7]' }, ratio: 0.25 },
      { family: 'kea_dhcp6_pd_pool_utilization_ratio', labels: { ...subnet, pool: 'pd-pool[8]' }, ratio: 0.5 },
    ],
  );
});

test('a subnet absent from the config keeps its id; kea-exporter naming keeps the default labels on ratios', async () => {
  const s = snap('dhcp4', { 'subnet[42].pool[3].assigned-addresses': 1, 'subnet[42].pool[3].total-addresses': 2 });
  assert.deepEqual(
    (await ratioSeries(s)).map(([, labels]) => values(labels)),
    [{ subnet_id: '42', pool: 'pool[3]' }],
  );
  const collector = statisticsCollector('kea-exporter');
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collector.metrics);
  r.update('t', s, [collector]);
  assert.deepEqual(seriesOf((await r.render(false)).body, 'kea_dhcp4_pool_utilization_ratio'), [
    ['target="t",daemon="dhcp4",subnet_id="42",pool="pool[3]"', '0.5'],
  ]);
});

test('statistics listed in another order keep their series and values; a ratio appears once its total does, and follows it', async () => {
  const collector = statisticsCollector('default');
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collector.metrics);
  const first = snap('dhcp4', { 'subnet[1].assigned-addresses': 10 });
  const poll = async (values: Record<string, number>) => {
    r.update('t', { ...first, statistics: columnsOf(stats(values)) }, [collector]);
    const body = (await r.render(false)).body;
    return {
      ratio: seriesOf(body, 'kea_dhcp4_subnet_utilization_ratio').map(([, v]) => Number(v)),
      assigned: seriesOf(body, 'kea_dhcp4_addresses_assigned').map(([, v]) => Number(v)),
      total: seriesOf(body, 'kea_dhcp4_addresses_capacity').map(([, v]) => Number(v)),
    };
  };
  assert.deepEqual(await poll({ 'subnet[1].assigned-addresses': 10 }), { ratio: [], assigned: [10], total: [] });
  // The total met later, and listed first.
  assert.deepEqual(await poll({ 'subnet[1].total-addresses': 40, 'subnet[1].assigned-addresses': 10 }), { ratio: [0.25], assigned: [10], total: [40] });
  assert.deepEqual(await poll({ 'subnet[1].assigned-addresses': 20, 'subnet[1].total-addresses': 40 }), { ratio: [0.5], assigned: [20], total: [40] });
  assert.deepEqual(await poll({ 'subnet[1].total-addresses': 80, 'subnet[1].assigned-addresses': 20 }), { ratio: [0.25], assigned: [20], total: [80] });
  // The total gone: no ratio (and none of a stale total).
  assert.deepEqual(await poll({ 'subnet[1].assigned-addresses': 30 }), { ratio: [], assigned: [30], total: [] });
});

test('polls that bring, drop and reorder statistics at random read as a fresh render of the same poll, line for line (the collector and store write over their last lists)', async () => {
  let seed = 16;
  const random = () => {
    // mulberry32: a seeded sequence, so a failure replays.
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const universe = [
    'assigned-addresses',
    'total-addresses',
    'declined-addresses',
    'pool[0].assigned-addresses',
    'pool[0].total-addresses',
    'pool[5].assigned-addresses',
  ].flatMap((stat) => [1, 2, 3].map((id) => `subnet[${id}].${stat}`));
  const collector = statisticsCollector('default');
  const kept = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collector.metrics);
  const base = snap('dhcp4', {});
  for (let poll = 0; poll < 300; poll++) {
    const names = universe.filter(() => random() < 0.7);
    // Mostly Kea's own order; now and then shuffled.
    if (random() < 0.3) names.sort(() => random() - 0.5);
    const values = Object.fromEntries(names.map((n) => [n, Math.floor(random() * 4) * 10]));
    const s = { ...base, statistics: columnsOf(stats(values)) };
    const fresh = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collector.metrics);
    kept.update('t', s, [collector]);
    fresh.update('t', s, [collector]);
    for (const openMetrics of [false, true]) {
      // A kept owner's series are in this poll's order, as a fresh store's: the same lines, in the
      // same order, each once.
      const lines = async (r: PrometheusRenderer) => (await r.render(openMetrics)).body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      const got = await lines(kept);
      assert.deepEqual(got, await lines(fresh), `poll ${poll}: ${names.join(' ')}`);
      assert.equal(new Set(got.map((l) => l.replace(/ \S+$/, ''))).size, got.length, `poll ${poll}: each series once`);
    }
  }
});
