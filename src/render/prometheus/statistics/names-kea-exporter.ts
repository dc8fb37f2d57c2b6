import { SCOPE_LABELS } from './scope-labels.js';
import type { Scope, StatFamily } from './types.js';

/*
 * kea-exporter 0.7 compatibility (mweinelt/kea-exporter, kea_exporter/exporter.py, the
 * Exporter class with setup_dhcp4_metrics/setup_dhcp6_metrics/parse_metrics; __version__
 * "0.7.0" in kea_exporter/__init__.py). Same family names, label names and label values:
 * - packet families are global with label `operation`; subnet families have `subnet` (the
 *   prefix) and `subnet_id`; families that also take per-pool statistics add `pool`, the pool's range
 *   for `subnet[ID].pool[PID].*` (0.7's "" on the subnet-level series is not written: Prometheus
 *   reads an empty label as none, so the series are the same).
 * - the global/subnet ignore lists below are dropped on purpose by 0.7 (sums of exported series
 *   or cumulative counts): StatisticNames.series returns undefined for them.
 * Deliberate differences, all additive: a subnet missing from the config keeps its series without
 * `subnet` (0.7 drops it); `pool` is looked up by Kea's pool-id (0.7 used the list position);
 * statistics 0.7 does not know (Kea 2.6–3.2 additions, pd-pool scope) become generic gauges
 * instead of "Unhandled metric" log lines; TYPE is counter where Kea's statistic is cumulative
 * (0.7.0 declared every family a Gauge; an unreleased variant, PR #53, makes packets counters).
 */

export interface KxEntry {
  family: StatFamily;
  scopes: readonly Scope[];
  fixed: Record<string, string>;
}
export interface KxTable {
  families: StatFamily[];
  map: Map<string, KxEntry>;
  ignoreGlobal: ReadonlySet<string>;
  ignoreScoped: ReadonlySet<string>;
}

const SUBNET = SCOPE_LABELS['kea-exporter'].subnet;
const POOL = SCOPE_LABELS['kea-exporter'].pool;
const ALLOC = [...SUBNET, 'context'];

function table(
  defs: Array<[name: string, type: 'gauge' | 'counter', labels: readonly string[], help: string]>,
  entries: Array<[stat: string, family: string, fixed?: Record<string, string>]>,
  ignoreGlobal: string[],
  ignoreScoped: string[],
): KxTable {
  const families = defs.map(([name, type, labels, help]): StatFamily => ({ name, type, labels, help }));
  const map = new Map<string, KxEntry>();
  for (const [stat, name, fixed] of entries) {
    const family = families.find((f) => f.name === name);
    if (!family) throw new Error(`kea-exporter table: ${stat} maps to undeclared ${name}`); // a typo in the table below
    const scopes: readonly Scope[] = family.labels.includes('operation') ? ['global'] : family.labels.includes('pool') ? ['subnet', 'pool'] : ['subnet'];
    map.set(stat, { family, scopes, fixed: fixed ?? {} });
  }
  return { families, map, ignoreGlobal: new Set(ignoreGlobal), ignoreScoped: new Set(ignoreScoped) };
}

const ops = (prefix: string, suffix: string, family: string, names: string[]): Array<[string, string, Record<string, string>]> =>
  names.map((op) => [`${prefix}-${op}-${suffix}`, family, { operation: op }]);
const contexts = (v: string, family: string): Array<[string, string, Record<string, string>]> =>
  ['subnet', 'shared-network', 'no-pools', 'classes'].map((c) => [`${v}-allocation-fail-${c}`, family, { context: c }]);

export const KEA_EXPORTER: Record<'dhcp4' | 'dhcp6', KxTable> = {
  dhcp4: table(
    [
      ['kea_dhcp4_packets_sent_total', 'counter', ['operation'], 'Packets sent'],
      ['kea_dhcp4_packets_received_total', 'counter', ['operation'], 'Packets received'],
      ['kea_dhcp4_allocations_failed_total', 'counter', ALLOC, 'Allocation fail count'],
      ['kea_dhcp4_addresses_assigned_total', 'gauge', POOL, 'Assigned addresses'],
      ['kea_dhcp4_addresses_declined_total', 'gauge', POOL, 'Declined counts'],
      ['kea_dhcp4_addresses_declined_reclaimed_total', 'counter', POOL, 'Declined addresses that were reclaimed'],
      ['kea_dhcp4_addresses_reclaimed_total', 'counter', POOL, 'Expired addresses that were reclaimed'],
      ['kea_dhcp4_addresses_total', 'gauge', POOL, 'Size of subnet address pool'],
      ['kea_dhcp4_reservation_conflicts_total', 'counter', SUBNET, 'Reservation conflict count'],
      ['kea_dhcp4_leases_reused_total', 'counter', SUBNET, 'Number of times an IPv4 lease has been renewed in memory'],
    ],
    [
      ...ops('pkt4', 'sent', 'kea_dhcp4_packets_sent_total', ['ack', 'nak', 'offer']),
      ...ops('pkt4', 'received', 'kea_dhcp4_packets_received_total', ['discover', 'offer', 'request', 'ack', 'nak', 'release', 'decline', 'inform', 'unknown']),
      ['pkt4-parse-failed', 'kea_dhcp4_packets_received_total', { operation: 'parse-failed' }],
      ['pkt4-receive-drop', 'kea_dhcp4_packets_received_total', { operation: 'drop' }],
      ...contexts('v4', 'kea_dhcp4_allocations_failed_total'),
      ['v4-lease-reuses', 'kea_dhcp4_leases_reused_total'],
      ['assigned-addresses', 'kea_dhcp4_addresses_assigned_total'],
      ['declined-addresses', 'kea_dhcp4_addresses_declined_total'],
      ['reclaimed-declined-addresses', 'kea_dhcp4_addresses_declined_reclaimed_total'],
      ['reclaimed-leases', 'kea_dhcp4_addresses_reclaimed_total'],
      ['total-addresses', 'kea_dhcp4_addresses_total'],
      ['v4-reservation-conflicts', 'kea_dhcp4_reservation_conflicts_total'],
    ],
    [
      'cumulative-assigned-addresses',
      'declined-addresses',
      'reclaimed-declined-addresses',
      'reclaimed-leases',
      'v4-reservation-conflicts',
      'v4-allocation-fail',
      'v4-allocation-fail-subnet',
      'v4-allocation-fail-shared-network',
      'v4-allocation-fail-no-pools',
      'v4-allocation-fail-classes',
      'pkt4-sent',
      'pkt4-received',
      'v4-lease-reuses',
    ],
    ['cumulative-assigned-addresses', 'v4-allocation-fail'],
  ),
  dhcp6: table(
    [
      ['kea_dhcp6_packets_sent_total', 'counter', ['operation'], 'Packets sent'],
      ['kea_dhcp6_packets_received_total', 'counter', ['operation'], 'Packets received'],
      ['kea_dhcp6_packets_sent_dhcp4_total', 'counter', ['operation'], 'DHCPv4-over-DHCPv6 Packets sent'],
      ['kea_dhcp6_packets_received_dhcp4_total', 'counter', ['operation'], 'DHCPv4-over-DHCPv6 Packets received'],
      ['kea_dhcp6_allocations_failed_total', 'counter', ALLOC, 'Allocation fail count'],
      ['kea_dhcp6_addresses_declined_total', 'gauge', POOL, 'Declined addresses'],
      ['kea_dhcp6_addresses_declined_reclaimed_total', 'counter', POOL, 'Declined addresses that were reclaimed'],
      ['kea_dhcp6_addresses_reclaimed_total', 'counter', POOL, 'Expired addresses that were reclaimed'],
      ['kea_dhcp6_reservation_conflicts_total', 'counter', SUBNET, 'Reservation conflict count'],
      ['kea_dhcp6_na_assigned_total', 'gauge', POOL, 'Assigned non-temporary addresses (IA_NA)'],
      ['kea_dhcp6_na_total', 'gauge', POOL, 'Size of non-temporary address pool'],
      ['kea_dhcp6_na_reuses_total', 'counter', POOL, 'Number of IA_NA lease reuses'],
      ['kea_dhcp6_pd_assigned_total', 'gauge', SUBNET, 'Assigned prefix delegations (IA_PD)'],
      ['kea_dhcp6_pd_total', 'gauge', SUBNET, 'Size of prefix delegation pool'],
      ['kea_dhcp6_pd_reuses_total', 'counter', POOL, 'Number of IA_PD lease reuses'],
    ],
    [
      ...ops('pkt6', 'sent', 'kea_dhcp6_packets_sent_total', ['advertise', 'reply']),
      ['pkt6-receive-drop', 'kea_dhcp6_packets_received_total', { operation: 'drop' }],
      ['pkt6-parse-failed', 'kea_dhcp6_packets_received_total', { operation: 'parse-failed' }],
      ...ops('pkt6', 'received', 'kea_dhcp6_packets_received_total', [
        'solicit',
        'advertise',
        'request',
        'reply',
        'renew',
        'rebind',
        'release',
        'decline',
        'infrequest',
        'unknown',
      ]),
      ['pkt6-dhcpv4-response-sent', 'kea_dhcp6_packets_sent_dhcp4_total', { operation: 'response' }],
      ['pkt6-dhcpv4-query-received', 'kea_dhcp6_packets_received_dhcp4_total', { operation: 'query' }],
      ['pkt6-dhcpv4-response-received', 'kea_dhcp6_packets_received_dhcp4_total', { operation: 'response' }],
      ...contexts('v6', 'kea_dhcp6_allocations_failed_total'),
      ['assigned-nas', 'kea_dhcp6_na_assigned_total'],
      ['assigned-pds', 'kea_dhcp6_pd_assigned_total'],
      ['declined-addresses', 'kea_dhcp6_addresses_declined_total'],
      ['declined-reclaimed-addresses', 'kea_dhcp6_addresses_declined_reclaimed_total'], // 0.7 maps both spellings
      ['reclaimed-declined-addresses', 'kea_dhcp6_addresses_declined_reclaimed_total'],
      ['reclaimed-leases', 'kea_dhcp6_addresses_reclaimed_total'],
      ['total-nas', 'kea_dhcp6_na_total'],
      ['total-pds', 'kea_dhcp6_pd_total'],
      ['v6-reservation-conflicts', 'kea_dhcp6_reservation_conflicts_total'],
      ['v6-ia-na-lease-reuses', 'kea_dhcp6_na_reuses_total'],
      ['v6-ia-pd-lease-reuses', 'kea_dhcp6_pd_reuses_total'],
    ],
    [
      'cumulative-assigned-addresses',
      'declined-addresses',
      'cumulative-assigned-nas',
      'cumulative-assigned-pds',
      'reclaimed-declined-addresses',
      'reclaimed-leases',
      'v6-reservation-conflicts',
      'v6-allocation-fail',
      'v6-allocation-fail-subnet',
      'v6-allocation-fail-shared-network',
      'v6-allocation-fail-no-pools',
      'v6-allocation-fail-classes',
      'v6-ia-na-lease-reuses',
      'v6-ia-pd-lease-reuses',
      'pkt6-sent',
      'pkt6-received',
    ],
    ['cumulative-assigned-addresses', 'cumulative-assigned-nas', 'cumulative-assigned-pds', 'v6-allocation-fail'],
  ),
};
