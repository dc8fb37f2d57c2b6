import type { StatScope } from '../../../kea/statistics/parse.js';
import { poolLabel, type SubnetInfo } from '../../../kea/statistics/subnets.js';
import type { Naming, Scope } from './types.js';

const SUBNET = ['subnet_id', 'subnet', 'shared_network'];
const KX_SUBNET = ['subnet', 'subnet_id'];

/** The label names of each scope, in order: default naming, and kea-exporter 0.7's names and
 * order. Every statistics family takes the set of its scope (kea-exporter's own families add
 * `pool` or `context` to some, see names-kea-exporter.ts). */
export const SCOPE_LABELS: Readonly<Record<Naming, Readonly<Record<Scope, readonly string[]>>>> = {
  default: { global: [], subnet: SUBNET, pool: [...SUBNET, 'pool'], 'pd-pool': [...SUBNET, 'pool'], key: ['key'] },
  'kea-exporter': { global: [], subnet: KX_SUBNET, pool: [...KX_SUBNET, 'pool'], 'pd-pool': [...KX_SUBNET, 'pool'], key: ['key'] },
};

export function scopeOf(s: StatScope): Scope {
  if (s.key !== undefined) return 'key';
  if (s.pdPoolId !== undefined) return 'pd-pool';
  if (s.poolId !== undefined) return 'pool';
  return s.subnetId !== undefined ? 'subnet' : 'global';
}

/** The labels of one sample's scope (SCOPE_LABELS), their values from the daemon's config. The
 * one place they are made: every statistics family and the utilization ratios label alike. */
export function scopeLabels(s: StatScope, subnets: ReadonlyMap<number, SubnetInfo>, naming: Naming): Record<string, string> {
  const scope = scopeOf(s);
  if (scope === 'global') return {};
  if (scope === 'key') return { key: s.key ?? '' };
  const id = s.subnetId ?? 0;
  const info = subnets.get(id);
  // A subnet missing from the config keeps its id and an empty prefix: never drop data.
  const labels: Record<string, string> =
    naming === 'kea-exporter'
      ? { subnet: info?.prefix ?? '', subnet_id: String(id) }
      : { subnet_id: String(id), subnet: info?.prefix ?? '', shared_network: info?.sharedNetwork ?? '' };
  if (scope === 'pool' || scope === 'pd-pool') {
    const pd = scope === 'pd-pool';
    const pid = (pd ? s.pdPoolId : s.poolId) ?? 0;
    // Unknown pool ids get Kea's own spelling, so two of them never collapse into one series.
    labels.pool = poolLabel(info, pid, pd) || (pd ? `pd-pool[${pid}]` : `pool[${pid}]`);
  }
  return labels;
}
