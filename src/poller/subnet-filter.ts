import type { StatisticsConfig } from '../config/types.js';

/** `statistics.subnets` as a test of one subnet id: deny wins, then allow (every id when there is
 * no allow list). The one reading of it, for the statistics and the PerfMon pollers alike. */
export function subnetFilter(subnets: StatisticsConfig['subnets']): (id: number) => boolean {
  const allow = subnets?.allow && new Set(subnets.allow);
  const deny = new Set(subnets?.deny ?? []);
  return (id) => !deny.has(id) && (allow === undefined || allow.has(id));
}
