import type { StatisticsSnapshot } from '../../snapshot.js';
import type { StatSample } from '../../kea/statistics/parse.js';
import { poolLabel } from '../../kea/statistics/subnets.js';
import type { MetricDef } from './collector.js';

const SUBNET = ['subnet_id', 'subnet', 'shared_network'] as const;
const POOL = [...SUBNET, 'pool'] as const;

/** assigned/total pairs: [assigned stat, total stat, family at subnet scope, at pool scope]. */
const PAIRS = {
  dhcp4: [['assigned-addresses', 'total-addresses', 'kea_dhcp4_subnet_utilization_ratio', 'kea_dhcp4_pool_utilization_ratio']],
  dhcp6: [
    ['assigned-nas', 'total-nas', 'kea_dhcp6_subnet_utilization_ratio', 'kea_dhcp6_pool_utilization_ratio'],
    ['assigned-pds', 'total-pds', 'kea_dhcp6_subnet_pd_utilization_ratio', 'kea_dhcp6_pd_pool_utilization_ratio'],
  ],
  d2: [],
} as const;

export const UTILIZATION_FAMILIES: readonly MetricDef[] = Object.values(PAIRS).flatMap((pairs) =>
  pairs.flatMap(([assigned, total, subnetFamily, poolFamily]) => [
    { name: subnetFamily, type: 'gauge' as const, labels: SUBNET, help: `${assigned} / ${total} of the subnet (0..1), for alerts on exhaustion.` },
    { name: poolFamily, type: 'gauge' as const, labels: POOL, help: `${assigned} / ${total} of the pool (0..1), for alerts on exhaustion.` },
  ]),
);

export interface Utilization {
  family: string;
  labels: Record<string, string>;
  ratio: number;
}

/** Derived ratios from one statistics snapshot; scopes with a total of 0 are skipped. Pure. */
export function utilization(s: StatisticsSnapshot): Utilization[] {
  const out: Utilization[] = [];
  for (const [assigned, total, subnetFamily, poolFamily] of PAIRS[s.daemon]) {
    const totals = new Map<string, { sample: StatSample; value: number }>();
    const scope = (x: StatSample) => `${x.subnetId}/${x.poolId ?? ''}/${x.pdPoolId ?? ''}`;
    for (const x of s.samples) if (x.stat === total && x.subnetId !== undefined) totals.set(scope(x), { sample: x, value: x.value });
    for (const x of s.samples) {
      if (x.stat !== assigned || x.subnetId === undefined) continue;
      const t = totals.get(scope(x));
      if (!t || t.value <= 0) continue;
      const info = s.subnets.get(x.subnetId);
      const labels: Record<string, string> = {
        subnet_id: String(x.subnetId), subnet: info?.prefix ?? '', shared_network: info?.sharedNetwork ?? '',
      };
      const poolId = x.poolId ?? x.pdPoolId;
      if (poolId !== undefined) labels.pool = poolLabel(info, poolId, x.pdPoolId !== undefined);
      out.push({ family: poolId === undefined ? subnetFamily : poolFamily, labels, ratio: x.value / t.value });
    }
  }
  return out;
}
