/** Families of unknown statistics are never forgotten by their collector, so they are capped: a
 * daemon inventing new statistic names every poll must not grow the exporter's memory without
 * bound. The cap is each collector's own (StatisticNames), not the process's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_UNMAPPED_FAMILIES } from '../../kea/limits.js';
import { parseStatistics } from '../../kea/statistics/parse.js';
import type { StatisticsSnapshot } from '../../snapshot.js';
import { PrometheusRenderer } from './registry.js';
import { STATS_DROPPED, statisticsCollector } from './statistics.js';
import { statsSnap } from '../../../test/support/render-fleet.js';

function snap(names: string[]): StatisticsSnapshot {
  const args = Object.fromEntries(names.map((n) => [n, [[1, '2026-12-01 10:00:00.000000']]]));
  return statsSnap({ target: 'inventive', samples: parseStatistics(args), subnets: new Map() });
}

test(`past ${MAX_UNMAPPED_FAMILIES} unknown statistic families, new names are left out and counted as dropped`, async () => {
  const collector = statisticsCollector('default');
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collector.metrics);
  const poll = (from: number, n: number) => r.update('k', snap(Array.from({ length: n }, (_, i) => `invented-${from + i}`)), [collector]);
  poll(0, MAX_UNMAPPED_FAMILIES - 5);
  poll(MAX_UNMAPPED_FAMILIES, 5_000); // 5 more fit, 4,995 do not
  const body = (await r.render(false)).body;
  assert.match(body, new RegExp(`^${STATS_DROPPED}\\{target="inventive",daemon="dhcp4"\\} 4995$`, 'm'));
  const families = new Set([...body.matchAll(/^# TYPE (kea_dhcp4_invented\S*)/gm)].map((m) => m[1]));
  assert.ok(families.size <= MAX_UNMAPPED_FAMILIES, `${families.size} families`);
  // Names already known keep their family: the cap refuses only new ones.
  poll(0, 3);
  assert.match((await r.render(false)).body, /^kea_dhcp4_invented_0\{target="inventive",daemon="dhcp4"\} 1$/m);
});

test('each collector has its own families of unknown statistics: a full one does not refuse names to the next', async () => {
  const full = statisticsCollector('default');
  const first = new PrometheusRenderer({ version: 't', processMetrics: false }, [], full.metrics);
  first.update('k', snap(Array.from({ length: MAX_UNMAPPED_FAMILIES + 1 }, (_, i) => `crowded-${i}`)), [full]);
  assert.match((await first.render(false)).body, new RegExp(`^${STATS_DROPPED}\\{target="inventive",daemon="dhcp4"\\} 1$`, 'm'));
  const fresh = statisticsCollector('default');
  const second = new PrometheusRenderer({ version: 't', processMetrics: false }, [], fresh.metrics);
  second.update('k', snap(['crowded-late']), [fresh]);
  const body = (await second.render(false)).body;
  assert.match(body, /^kea_dhcp4_crowded_late\{target="inventive",daemon="dhcp4"\} 1$/m);
  assert.match(body, new RegExp(`^${STATS_DROPPED}\\{target="inventive",daemon="dhcp4"\\} 0$`, 'm'));
});
