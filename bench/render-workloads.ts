/** The snapshots bench/render.ts feeds both renderers: a 1,000-daemon fleet (half of it HA) and
 * one kea-dhcp4 whose statistic-get-all makes 50,000 series. Deterministic: round r of a workload
 * is the same for every renderer. */
import { readFileSync } from 'node:fs';
import { parseStatistics, columnsOf } from '../src/kea/statistics/parse.js';
import type { SubnetInfo } from '../src/kea/statistics/subnets.js';
import { parseStatus } from '../src/kea/status.js';
import type { Collector } from '../src/render/prometheus/collector.js';
import { COLLECTORS } from '../src/render/prometheus/registry.js';
import { statisticsCollector } from '../src/render/prometheus/statistics.js';
import type { DaemonSnapshot, SeriesOwner, StatisticsSnapshot } from '../src/snapshot.js';

export type Owner = readonly [key: string, snapshot: SeriesOwner, collectors: readonly Collector<SeriesOwner>[]];

export interface Workload {
  name: string;
  /** What one poll round delivers: every owner's snapshot. `changed`: values move (a busy
   * server) or stay (a quiet one). */
  poll(round: number, changed: boolean): Owner[];
}

const args = (name: string) =>
  (JSON.parse(readFileSync(new URL(`../test/fixtures/kea/2.2.0/${name}.json`, import.meta.url), 'utf8')) as { arguments: unknown }).arguments;
const T0 = 1_800_000_000_000;

export const statistics = statisticsCollector('default');

/** n daemons, every other one an HA primary (state sets, 12 states x 2), the rest plain. A poll
 * moves uptime, reload age, poll duration and last success, as every real poll does. */
export function fleet(n: number): Workload {
  const ha = parseStatus(args('dhcp4-ha-primary.status-get'));
  const plain = parseStatus(args('dhcp4-mt-after-load.status-get'));
  return {
    name: `${n} daemons`,
    poll(round, changed) {
      const tick = changed ? round : 0;
      return Array.from({ length: n }, (_, i): Owner => {
        const status = i % 2 === 0 ? ha : plain;
        const s: DaemonSnapshot = {
          target: `kea-${i}`,
          daemon: 'dhcp4',
          labels: { site: `site-${i % 10}` },
          transport: 'unix',
          up: true,
          status: { ...status, uptime: status.uptime + tick, reload: status.reload + tick },
          version: '2.2.0',
          startTime: 1_800_000_000,
          configHash: { hash: 'A'.repeat(64), source: 'computed' },
          lastConfigChangeAt: T0,
          configChanges: 0,
          haTransitions: {},
          commandErrors: {},
          polledAt: T0 + tick * 5000,
          lastSuccessAt: T0 + tick * 5000,
          pollDurationSeconds: 0.0004 + (tick % 7) / 10_000,
        };
        return [`kea-${i}|self`, s, COLLECTORS];
      });
    },
  };
}

/** Per subnet: Kea 2.x/3.x kea-dhcp4's subnet statistics and one pool's. */
const SUBNET_STATS = [
  'assigned-addresses',
  'cumulative-assigned-addresses',
  'declined-addresses',
  'reclaimed-declined-addresses',
  'reclaimed-leases',
  'total-addresses',
  'v4-allocation-fail',
  'v4-allocation-fail-classes',
  'v4-allocation-fail-no-pools',
  'v4-allocation-fail-shared-network',
  'v4-allocation-fail-subnet',
  'v4-lease-reuses',
  'v4-reservation-conflicts',
];
const POOL_STATS = [
  'assigned-addresses',
  'cumulative-assigned-addresses',
  'declined-addresses',
  'reclaimed-declined-addresses',
  'reclaimed-leases',
  'total-addresses',
];
/** Series per subnet: its statistics, its pool's, and the two utilization ratios. */
const PER_SUBNET = SUBNET_STATS.length + POOL_STATS.length + 2;

/** One kea-dhcp4 with enough subnets for `series` series. A busy poll moves every statistic (the
 * worst case: every family written again); a quiet one none. */
export function statisticsOf(series: number): Workload {
  const subnets = Math.ceil(series / PER_SUBNET);
  const info = new Map<number, SubnetInfo>();
  for (let id = 1; id <= subnets; id++) {
    const net = `10.${id >> 8}.${id & 255}`;
    info.set(id, {
      id,
      prefix: `${net}.0/24`,
      sharedNetwork: id % 4 === 0 ? `net-${id >> 2}` : '',
      pools: [`${net}.10-${net}.250`],
      pdPools: [],
      poolIds: [0],
      pdPoolIds: [],
    });
  }
  return {
    name: `${subnets * PER_SUBNET} statistics series`,
    poll(round, changed) {
      const tick = changed ? round : 0;
      const all: Record<string, [[number, string]]> = {};
      const at = '2026-01-01 00:00:00.000000';
      for (let id = 1; id <= subnets; id++) {
        for (const stat of SUBNET_STATS) all[`subnet[${id}].${stat}`] = [[value(stat, id, tick), at]];
        for (const stat of POOL_STATS) all[`subnet[${id}].pool[0].${stat}`] = [[value(stat, id, tick), at]];
      }
      const s: StatisticsSnapshot = {
        target: 'big',
        daemon: 'dhcp4',
        labels: {},
        up: true,
        polledAt: T0 + tick * 60_000,
        lastSuccessAt: T0 + tick * 60_000,
        pollDurationSeconds: 0.2,
        statistics: columnsOf(parseStatistics(all)),
        subnets: info,
        dropped: 0,
        errors: {},
      };
      return [['big|dhcp4|statistics', s, [statistics]]];
    },
  };
}

function value(stat: string, id: number, tick: number): number {
  if (stat === 'total-addresses') return 241;
  if (stat === 'assigned-addresses') return (id * 7 + tick) % 241;
  return id * 13 + tick * 3;
}
