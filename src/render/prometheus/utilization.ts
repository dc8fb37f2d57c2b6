import type { StatScope } from '../../kea/statistics/parse.js';
import type { MetricDef } from './collector.js';
import { SCOPE_LABELS } from './statistics/scope-labels.js';
import type { StatsDaemon } from './statistics/types.js';

/** assigned/total pairs: [assigned stat, total stat, family at subnet scope, at pool scope]. */
const PAIRS = {
  dhcp4: [['assigned-addresses', 'total-addresses', 'kea_dhcp4_subnet_utilization_ratio', 'kea_dhcp4_pool_utilization_ratio']],
  dhcp6: [
    ['assigned-nas', 'total-nas', 'kea_dhcp6_subnet_utilization_ratio', 'kea_dhcp6_pool_utilization_ratio'],
    ['assigned-pds', 'total-pds', 'kea_dhcp6_subnet_pd_utilization_ratio', 'kea_dhcp6_pd_pool_utilization_ratio'],
  ],
  d2: [],
} as const;

// The ratios carry the default naming's scope labels in both namings (kea-exporter had none).
const LABELS = SCOPE_LABELS.default;

export const UTILIZATION_FAMILIES: readonly MetricDef[] = Object.values(PAIRS).flatMap((pairs) =>
  pairs.flatMap(([assigned, total, subnetFamily, poolFamily]) => [
    { name: subnetFamily, type: 'gauge' as const, labels: LABELS.subnet, help: `${assigned} / ${total} of the subnet (0..1), for alerts on exhaustion.` },
    { name: poolFamily, type: 'gauge' as const, labels: LABELS.pool, help: `${assigned} / ${total} of the pool (0..1), for alerts on exhaustion.` },
  ]),
);
const FAMILY = new Map(UTILIZATION_FAMILIES.map((f) => [f.name, f]));

/** The ratio an assigned statistic of a subnet or pool makes with its total of the same scope:
 * the family, and Kea's name of that total. undefined for any other statistic. Pure. */
export function ratioOf(daemon: StatsDaemon, x: StatScope): { family: MetricDef; total: string } | undefined {
  if (x.subnetId === undefined) return undefined;
  for (const [assigned, total, subnetFamily, poolFamily] of PAIRS[daemon]) {
    if (x.stat !== assigned) continue;
    const pooled = x.poolId !== undefined || x.pdPoolId !== undefined;
    return { family: FAMILY.get(pooled ? poolFamily : subnetFamily)!, total: x.name.slice(0, x.name.length - assigned.length) + total };
  }
  return undefined;
}
