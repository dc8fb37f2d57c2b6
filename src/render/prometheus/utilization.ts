import type { StatisticsSnapshot } from '../../snapshot.js';
import type { StatSample } from '../../kea/statistics/parse.js';
import type { MetricDef } from './collector.js';
import { SCOPE_LABELS } from './statistics/scope-labels.js';

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

export interface Utilization {
  family: MetricDef;
  /** The assigned sample it is made of: the ratio is labelled as that sample (scopeLabels). */
  assigned: StatSample;
  ratio: number;
}

/** A subnet's own scope, or one of its pools (pd-pools below zero): a number, no key text. */
const scopeId = (x: StatSample): number => (x.poolId !== undefined ? x.poolId : x.pdPoolId !== undefined ? -1 - x.pdPoolId : NaN);

/** Derived ratios from one statistics snapshot; scopes with a total of 0 are skipped. Pure. */
export function utilization(s: StatisticsSnapshot): Utilization[] {
  const out: Utilization[] = [];
  for (const [assigned, total, subnetFamily, poolFamily] of PAIRS[s.daemon]) {
    // subnet id -> scope id (NaN for the subnet itself: Map keys compare NaN equal) -> total.
    const totals = new Map<number, Map<number, number>>();
    for (const x of s.samples) {
      if (x.stat !== total || x.subnetId === undefined) continue;
      let scopes = totals.get(x.subnetId);
      if (!scopes) totals.set(x.subnetId, (scopes = new Map<number, number>()));
      scopes.set(scopeId(x), x.value);
    }
    for (const x of s.samples) {
      if (x.stat !== assigned || x.subnetId === undefined) continue;
      const t = totals.get(x.subnetId)?.get(scopeId(x));
      if (t === undefined || t <= 0) continue;
      const pooled = x.poolId !== undefined || x.pdPoolId !== undefined;
      out.push({ family: FAMILY.get(pooled ? poolFamily : subnetFamily)!, assigned: x, ratio: x.value / t });
    }
  }
  return out;
}
