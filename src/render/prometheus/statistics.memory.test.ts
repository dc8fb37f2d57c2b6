/** What the statistics collector and the store hold stays bounded by what a daemon reports now:
 * a daemon whose pool IDs change every poll (a config reloaded each time) brings new statistics,
 * new label sets and new ratios every poll, and none of those it stopped reporting may stay.
 * Runs in a process of its own (scripts/test-files.sh: .memory. tests). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatistics } from '../../kea/statistics/parse.js';
import { StatisticsTextReader } from '../../kea/statistics/statistics-text.js';
import { parseSubnets } from '../../kea/statistics/subnets.js';
import type { StatisticsSnapshot } from '../../snapshot.js';
import { PrometheusRenderer } from './registry.js';
import { statisticsCollector } from './statistics.js';
import { memoryAfterGc } from '../../../test/support/heap.js';
import { statsSnap } from '../../../test/support/render-fleet.js';

const T = '2026-12-01 10:00:00.000000';
const POOLS = 50;

function snapshot(poll: number, subnets: StatisticsSnapshot['subnets']): StatisticsSnapshot {
  const values: Record<string, [[number, string]]> = { 'subnet[1].assigned-addresses': [[1, T]], 'subnet[1].total-addresses': [[100, T]] };
  for (let p = 0; p < POOLS; p++) {
    const id = poll * POOLS + p;
    values[`subnet[1].pool[${id}].assigned-addresses`] = [[p, T]];
    values[`subnet[1].pool[${id}].total-addresses`] = [[POOLS, T]];
  }
  return statsSnap({ target: 't', samples: parseStatistics(values), subnets });
}

test('a daemon whose pool IDs change every poll: the heap the exporter holds for it stays what one poll needs', async () => {
  const collector = statisticsCollector('default');
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collector.metrics);
  const subnets = parseSubnets({ subnet4: [{ id: 1, subnet: '192.0.2.0/24', pools: [{ pool: '192.0.2.10-192.0.2.99' }] }] });
  const run = async (from: number, to: number) => {
    for (let poll = from; poll < to; poll++) {
      r.update('t', snapshot(poll, subnets), [collector]);
      await r.renderChunks(false);
    }
  };
  // Past the first 6,000 polls: the heap grows by ~700 KB over them and then stays (old and new
  // code alike; bounded tables filling), which a shorter warm-up measured as growth.
  await run(0, 6200);
  const before = memoryAfterGc().heapUsed;
  await run(6200, 8200);
  const grown = memoryAfterGc().heapUsed - before;
  // 2,000 polls of 102 statistics and 51 ratios each, none of them met twice: what one poll's
  // series cost (~60 KB) may differ between the two moments, a few bytes per poll may not stay.
  assert.ok(grown < 256 * 1024, `${grown} bytes of heap more after 2,000 more polls`);
  const body = (await r.render(false)).body;
  assert.equal(body.match(/^kea_dhcp4_pool_addresses_assigned\{/gm)?.length, POOLS);
});

for (const [what, pad] of [
  ["names of Kea's length", ''],
  ['names of 500 characters', 'x'.repeat(450)],
] as const) {
  test(`the reader of a daemon whose pool IDs change every poll, ${what}: names shared between daemons stay bounded`, () => {
    // 2,000 reads of 100 names each, none met twice: the names shared between daemons are held up
    // to a cap (65,536 names or 4 Mi characters: ~6 MB), not one per name ever met (200,000 here:
    // ~20 MB of Kea's names, ~100 MB of long ones).
    const reader = new StatisticsTextReader();
    const read = (from: number, to: number) => {
      for (let poll = from; poll < to; poll++) {
        const parts: string[] = [];
        for (let p = 0; p < 100; p++) parts.push(`"subnet[1].pool[${poll * 100 + p}].assigned-addresses${pad}": [ [ ${p}, "${T}" ] ]`);
        const { statistics } = reader.read(`{ "arguments": { ${parts.join(', ')} }, "result": 0 }`, false, 't');
        assert.equal(statistics.scopes.length, 100);
      }
    };
    read(0, 10);
    const before = memoryAfterGc().heapUsed;
    // The most it held, looked at every 100 reads: the table fills and starts again in between.
    let most = 0;
    for (let poll = 10; poll < 2010; poll += 100) {
      read(poll, poll + 100);
      most = Math.max(most, memoryAfterGc().heapUsed - before);
    }
    assert.ok(most < 10 * 1024 * 1024, `up to ${most} bytes of heap more over 2,000 more reads`);
  });
}

test("a fleet's statistics: what the collector and the store hold per statistic is its key and numbers, not pointers", async () => {
  // 100 daemons of 20 subnets with 2 pools each, as bench/fleet-stats.ts's fleet: Kea's names
  // shared (as the reader shares them), a subnet table each.
  const daemons = 100;
  const values: Record<string, [[number, string]]> = {};
  const subnet4: { id: number; subnet: string; pools: { pool: string }[] }[] = [];
  for (let s = 1; s <= 20; s++) {
    subnet4.push({ id: s, subnet: `10.${s}.0.0/16`, pools: [{ pool: `10.${s}.1.0/24` }, { pool: `10.${s}.2.0/24` }] });
    for (const stat of ['assigned-addresses', 'total-addresses', 'declined-addresses', 'cumulative-assigned-addresses']) {
      values[`subnet[${s}].${stat}`] = [[s, T]];
      for (let p = 0; p < 2; p++) values[`subnet[${s}].pool[${p}].${stat}`] = [[p + 1, T]];
    }
  }
  const samples = parseStatistics(values);
  const snaps = Array.from({ length: daemons }, (_, d) =>
    statsSnap({ target: `t${d}`, samples, subnets: parseSubnets({ subnet4: structuredClone(subnet4) }) }),
  );
  const collector = statisticsCollector('default');
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], collector.metrics);
  r.update('warm', statsSnap({ target: 'warm', samples, subnets: parseSubnets({ subnet4 }) }), [collector]);
  await r.renderChunks(false);
  const before = memoryAfterGc().heapUsed;
  for (const s of snaps) r.update(s.target, s, [collector]);
  const heap = (memoryAfterGc().heapUsed - before) / (daemons * samples.length);
  // Its key (Kea's name, shared) and its share of its subnet's or pool's label sets and texts, of
  // its ratio and of its owner's segments: ~122 bytes here. Its family, labels, ratio, segment,
  // label text and place in a list each as a pointer (of 8 bytes) were ~162.
  assert.ok(heap < 140, `${heap.toFixed(1)} bytes of heap per statistic, over 140`);
  assert.equal(snaps.length, daemons);
});
