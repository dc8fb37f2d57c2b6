import type { StatDef, StatFamily, StatsDaemon } from './types.js';

/*
 * Every statistic name Kea 2.2–3.2 emits, and the default family it becomes.
 *
 * Sources (isc-projects/kea unless said otherwise):
 * - 2.2.0: the real captures in test/fixtures/kea/2.2.0/*statistic-get-all.json (dhcp4,
 *   dhcp4 after perfdhcp load, dhcp6) and the 2.2.0 release notes quoted in
 *   mweinelt/kea-exporter#25: v4-reservation-conflicts (global + subnet, #2419),
 *   v4-/v6-allocation-fail{,-shared-network,-subnet,-no-pools,-classes} (global + subnet, #2054).
 * - ChangeLog 2143 (2.3.8 → first stable 2.4.0, Gitlab #145): per-pool statistics
 *   subnet[id].pool[pid].{assigned,cumulative-assigned,declined,reclaimed-declined}-addresses,
 *   .reclaimed-leases, .total-addresses (v4); .pool[pid].{assigned,cumulative-assigned,total}-nas,
 *   .declined-addresses, .reclaimed-declined-addresses, .reclaimed-leases and
 *   .pd-pool[pid].{assigned,cumulative-assigned,total}-pds, .reclaimed-leases (v6).
 *   ChangeLog 2156 (2.4.0, #2898): the PID is the pool's optional `pool-id` (default 0; all
 *   pools sharing an ID are summed) — not the pool's position; doc/sphinx/arm/dhcp{4,6}-srv.rst.
 * - ChangeLog 2129 (2.4.0, #2797): v4-lease-reuses, v6-ia-na-lease-reuses, v6-ia-pd-lease-reuses
 *   (global + subnet). ChangeLog 2134 (2.4.0, #2658): total-nas/total-pds became 128-bit.
 * - doc/sphinx/arm/dhcp4-srv.rst, dhcp6-srv.rst "Statistics in the DHCPv4/DHCPv6 Server"
 *   (3.x revision): the full tables, pkt4-lease-query-* (Leasequery hook, older releases too).
 * - 3.0 (RFC 9686 address registration, dev 2.7.7; dhcp6-srv.rst): pkt6-addr-reg-inform-received,
 *   pkt6-addr-reg-reply-received, pkt6-addr-reg-reply-sent (initial set in
 *   src/bin/dhcp6/tests/http_control_socket_unittest.cc), subnet[id].registered-nas and
 *   cumulative-registered-nas (global + subnet; addr_reg_unittest.cc; the ARM table misspells
 *   them "registered"/"cumulative-registered"; a published 3.0 statistic-get-all shows the -nas names).
 * - 3.2: the initial dhcp4 set in src/bin/dhcp4/tests/http_control_socket_unittest.cc adds
 *   pkt4-{service-disabled,queue-full,duplicate,rfc-violation,admin-filtered,not-for-us,
 *   processing-failed,limit-exceeded} and pkt4-lease-query-* as always-present globals
 *   (also mweinelt/kea-exporter#64, "Unhandled metrics with Kea 3.2.0"). Each is counted
 *   together with pkt4-receive-drop (limits hook: limit-exceeded; RADIUS: duplicate, queue-full;
 *   HA: not-for-us, processing-failed; lease query: admin-filtered, rfc-violation). The pkt6-
 *   twins are in the same hooks' sources (pkt6-limit-exceeded, -duplicate, -queue-full,
 *   -admin-filtered, -rfc-violation, -not-for-us, -processing-failed; lease query hook:
 *   pkt6-lease-query-received, pkt6-lease-query-reply-sent). pkt6-service-disabled is assumed
 *   by symmetry (not found in the stored sources).
 * - kea-dhcp-ddns: src/lib/d2srv/d2_stats.cc (ncr-received, ncr-invalid, ncr-error;
 *   update-sent/-signed/-unsigned/-success/-timeout/-error; per key key[<name>].update-
 *   sent/-success/-timeout/-error), queue-mgr-queue-full (d2 queue manager); since Kea 1.9.
 * Packet statistics (pkt4-*, pkt6-*) are mapped by rule (names.ts) onto PACKET_FAMILIES.
 *
 * Each family name is spelled out, scope by scope, so that grep finds what /metrics shows. The
 * rule they follow (docs/statistics.md "Default naming", checked by names.test.ts): per subnet the
 * plain name; the global total of a statistic Kea also reports per subnet `global_`, so the two never
 * share a family (other labels, and a sum would count every lease twice); per pool `pool_`,
 * per pd-pool `pd_pool_`, per TSIG key `key_`; a statistic Kea only reports globally keeps the
 * plain name. A statistic at a scope not listed here is exported like an unknown one.
 */

/** pkt4-/pkt6-<reason>: drop causes counted apart, each also in pkt-receive-drop. */
export const DROP_REASONS: readonly string[] = [
  'parse-failed',
  'queue-full',
  'duplicate',
  'rfc-violation',
  'admin-filtered',
  'not-for-us',
  'processing-failed',
  'limit-exceeded',
  'service-disabled',
];

/** The packet families of one DHCP daemon (global statistics, one family per kind of count). */
export interface PacketFamilies {
  received: StatFamily;
  sent: StatFamily;
  receivedAll: StatFamily;
  sentAll: StatFamily;
  dropped: StatFamily;
  droppedByReason: StatFamily;
}
const packets = (v: 'DHCPv4' | 'DHCPv6', n: Record<keyof PacketFamilies, string>): PacketFamilies => ({
  received: { name: n.received, type: 'counter', labels: ['type'], help: `${v} packets received, by message type (pkt-<type>-received).` },
  sent: { name: n.sent, type: 'counter', labels: ['type'], help: `${v} packets sent, by message type (pkt-<type>-sent).` },
  receivedAll: { name: n.receivedAll, type: 'counter', labels: [], help: `All ${v} packets received, any type, valid or not (pkt-received).` },
  sentAll: { name: n.sentAll, type: 'counter', labels: [], help: `All ${v} packets sent (pkt-sent).` },
  dropped: { name: n.dropped, type: 'counter', labels: [], help: `${v} packets dropped, for any reason (pkt-receive-drop).` },
  droppedByReason: {
    name: n.droppedByReason,
    type: 'counter',
    labels: ['reason'],
    help: `${v} packets dropped, by the reasons Kea counts apart (pkt-<reason>); each is also in dropped_total.`,
  },
});
export const PACKET_FAMILIES: Record<'dhcp4' | 'dhcp6', PacketFamilies> = {
  dhcp4: packets('DHCPv4', {
    received: 'kea_dhcp4_packets_received_total',
    sent: 'kea_dhcp4_packets_sent_total',
    receivedAll: 'kea_dhcp4_packets_received_all_total',
    sentAll: 'kea_dhcp4_packets_sent_all_total',
    dropped: 'kea_dhcp4_packets_dropped_total',
    droppedByReason: 'kea_dhcp4_packets_dropped_by_reason_total',
  }),
  dhcp6: packets('DHCPv6', {
    received: 'kea_dhcp6_packets_received_total',
    sent: 'kea_dhcp6_packets_sent_total',
    receivedAll: 'kea_dhcp6_packets_received_all_total',
    sentAll: 'kea_dhcp6_packets_sent_all_total',
    dropped: 'kea_dhcp6_packets_dropped_total',
    droppedByReason: 'kea_dhcp6_packets_dropped_by_reason_total',
  }),
};

type Names = StatDef['names'];
const gauge = (stat: string, help: string, names: Names): StatDef => ({ stat, type: 'gauge', help, names });
const counter = (stat: string, help: string, names: Names): StatDef => ({ stat, type: 'counter', help, names });

// Statistics both DHCP daemons report, with one help text each.
const declined = (names: Names) => gauge('declined-addresses', 'Addresses currently declined (in probation).', names);
const declinedReclaimed = (names: Names) => counter('reclaimed-declined-addresses', 'Declined addresses recovered after probation.', names);
/** v4-/v6-allocation-fail*: -shared-network/-subnet split the total; -no-pools/-classes are
 * partial causes. Own families each, so no sum over a label counts a failure twice. */
const ALLOCATION_HELP = {
  total: 'Lease allocations that failed (all attempts exhausted).',
  sharedNetwork: 'Failed allocations for clients in a shared network.',
  subnet: 'Failed allocations for clients in a subnet outside any shared network.',
  noPools: 'Failed allocations because no pool could be used for the client.',
  classes: 'Failed allocations for clients in one or more classes (class-restricted pools).',
};

export const DEFAULT_STATS: Record<StatsDaemon, readonly StatDef[]> = {
  dhcp4: [
    gauge('total-addresses', 'Addresses in the configured pools (Kea total-addresses).', {
      subnet: 'kea_dhcp4_addresses_capacity',
      pool: 'kea_dhcp4_pool_addresses_capacity',
    }),
    gauge('assigned-addresses', 'Addresses currently leased (declined ones included until reclaimed).', {
      subnet: 'kea_dhcp4_addresses_assigned',
      pool: 'kea_dhcp4_pool_addresses_assigned',
    }),
    counter('cumulative-assigned-addresses', 'Address assignments since start (per scope: since the last reconfiguration).', {
      global: 'kea_dhcp4_global_address_assignments_total',
      subnet: 'kea_dhcp4_address_assignments_total',
      pool: 'kea_dhcp4_pool_address_assignments_total',
    }),
    counter('reclaimed-leases', 'Expired leases reclaimed.', {
      global: 'kea_dhcp4_global_leases_reclaimed_total',
      subnet: 'kea_dhcp4_leases_reclaimed_total',
      pool: 'kea_dhcp4_pool_leases_reclaimed_total',
    }),
    declined({
      global: 'kea_dhcp4_global_addresses_declined',
      subnet: 'kea_dhcp4_addresses_declined',
      pool: 'kea_dhcp4_pool_addresses_declined',
    }),
    declinedReclaimed({
      global: 'kea_dhcp4_global_declined_addresses_reclaimed_total',
      subnet: 'kea_dhcp4_declined_addresses_reclaimed_total',
      pool: 'kea_dhcp4_pool_declined_addresses_reclaimed_total',
    }),
    counter('v4-allocation-fail', ALLOCATION_HELP.total, {
      global: 'kea_dhcp4_global_allocation_failures_total',
      subnet: 'kea_dhcp4_allocation_failures_total',
    }),
    counter('v4-allocation-fail-shared-network', ALLOCATION_HELP.sharedNetwork, {
      global: 'kea_dhcp4_global_allocation_failures_shared_network_total',
      subnet: 'kea_dhcp4_allocation_failures_shared_network_total',
    }),
    counter('v4-allocation-fail-subnet', ALLOCATION_HELP.subnet, {
      global: 'kea_dhcp4_global_allocation_failures_subnet_total',
      subnet: 'kea_dhcp4_allocation_failures_subnet_total',
    }),
    counter('v4-allocation-fail-no-pools', ALLOCATION_HELP.noPools, {
      global: 'kea_dhcp4_global_allocation_failures_no_pools_total',
      subnet: 'kea_dhcp4_allocation_failures_no_pools_total',
    }),
    counter('v4-allocation-fail-classes', ALLOCATION_HELP.classes, {
      global: 'kea_dhcp4_global_allocation_failures_classes_total',
      subnet: 'kea_dhcp4_allocation_failures_classes_total',
    }),
    counter('v4-reservation-conflicts', 'Reserved addresses found leased to another client.', {
      global: 'kea_dhcp4_global_reservation_conflicts_total',
      subnet: 'kea_dhcp4_reservation_conflicts_total',
    }),
    counter('v4-lease-reuses', 'Lease renewals served from the lease cache (lease reuses, Kea 2.4+).', {
      global: 'kea_dhcp4_global_lease_reuses_total',
      subnet: 'kea_dhcp4_lease_reuses_total',
    }),
  ],
  dhcp6: [
    gauge('total-nas', 'IA_NA addresses in the configured pools (128-bit in Kea; float here).', {
      subnet: 'kea_dhcp6_addresses_capacity',
      pool: 'kea_dhcp6_pool_addresses_capacity',
    }),
    gauge('assigned-nas', 'IA_NA addresses currently leased.', {
      subnet: 'kea_dhcp6_addresses_assigned',
      pool: 'kea_dhcp6_pool_addresses_assigned',
    }),
    counter('cumulative-assigned-nas', 'IA_NA address assignments since start (per scope: since the last reconfiguration).', {
      global: 'kea_dhcp6_global_address_assignments_total',
      subnet: 'kea_dhcp6_address_assignments_total',
      pool: 'kea_dhcp6_pool_address_assignments_total',
    }),
    gauge('total-pds', 'Delegable prefixes in the configured pd-pools (128-bit in Kea; float here).', {
      subnet: 'kea_dhcp6_prefixes_capacity',
      'pd-pool': 'kea_dhcp6_pd_pool_prefixes_capacity',
    }),
    gauge('assigned-pds', 'Delegated prefixes currently leased.', {
      subnet: 'kea_dhcp6_prefixes_assigned',
      'pd-pool': 'kea_dhcp6_pd_pool_prefixes_assigned',
    }),
    counter('cumulative-assigned-pds', 'Prefix delegations since start (per scope: since the last reconfiguration).', {
      global: 'kea_dhcp6_global_prefix_assignments_total',
      subnet: 'kea_dhcp6_prefix_assignments_total',
      'pd-pool': 'kea_dhcp6_pd_pool_prefix_assignments_total',
    }),
    counter('reclaimed-leases', 'Expired leases reclaimed (NA and PD; per pool of its kind).', {
      global: 'kea_dhcp6_global_leases_reclaimed_total',
      subnet: 'kea_dhcp6_leases_reclaimed_total',
      pool: 'kea_dhcp6_pool_leases_reclaimed_total',
      'pd-pool': 'kea_dhcp6_pd_pool_leases_reclaimed_total',
    }),
    declined({
      global: 'kea_dhcp6_global_addresses_declined',
      subnet: 'kea_dhcp6_addresses_declined',
      pool: 'kea_dhcp6_pool_addresses_declined',
    }),
    declinedReclaimed({
      global: 'kea_dhcp6_global_declined_addresses_reclaimed_total',
      subnet: 'kea_dhcp6_declined_addresses_reclaimed_total',
      pool: 'kea_dhcp6_pool_declined_addresses_reclaimed_total',
    }),
    counter('v6-allocation-fail', ALLOCATION_HELP.total, {
      global: 'kea_dhcp6_global_allocation_failures_total',
      subnet: 'kea_dhcp6_allocation_failures_total',
    }),
    counter('v6-allocation-fail-shared-network', ALLOCATION_HELP.sharedNetwork, {
      global: 'kea_dhcp6_global_allocation_failures_shared_network_total',
      subnet: 'kea_dhcp6_allocation_failures_shared_network_total',
    }),
    counter('v6-allocation-fail-subnet', ALLOCATION_HELP.subnet, {
      global: 'kea_dhcp6_global_allocation_failures_subnet_total',
      subnet: 'kea_dhcp6_allocation_failures_subnet_total',
    }),
    counter('v6-allocation-fail-no-pools', ALLOCATION_HELP.noPools, {
      global: 'kea_dhcp6_global_allocation_failures_no_pools_total',
      subnet: 'kea_dhcp6_allocation_failures_no_pools_total',
    }),
    counter('v6-allocation-fail-classes', ALLOCATION_HELP.classes, {
      global: 'kea_dhcp6_global_allocation_failures_classes_total',
      subnet: 'kea_dhcp6_allocation_failures_classes_total',
    }),
    counter('v6-ia-na-lease-reuses', 'IA_NA renewals served from the lease cache (Kea 2.4+).', {
      global: 'kea_dhcp6_global_address_lease_reuses_total',
      subnet: 'kea_dhcp6_address_lease_reuses_total',
    }),
    counter('v6-ia-pd-lease-reuses', 'IA_PD renewals served from the lease cache (Kea 2.4+).', {
      global: 'kea_dhcp6_global_prefix_lease_reuses_total',
      subnet: 'kea_dhcp6_prefix_lease_reuses_total',
    }),
    gauge('registered-nas', 'Self-generated addresses currently registered (RFC 9686, Kea 3.0+).', {
      subnet: 'kea_dhcp6_addresses_registered',
    }),
    counter('cumulative-registered-nas', 'Address registrations since start (RFC 9686, Kea 3.0+).', {
      global: 'kea_dhcp6_global_address_registrations_total',
      subnet: 'kea_dhcp6_address_registrations_total',
    }),
  ],
  d2: [
    counter('ncr-received', 'Name change requests received from DHCP servers.', { global: 'kea_d2_ncr_received_total' }),
    counter('ncr-invalid', 'Name change requests that could not be decoded.', { global: 'kea_d2_ncr_invalid_total' }),
    counter('ncr-error', 'Name change requests that failed.', { global: 'kea_d2_ncr_errors_total' }),
    counter('queue-mgr-queue-full', 'Name change requests refused because the queue was full.', { global: 'kea_d2_ncr_queue_full_total' }),
    counter('update-sent', 'DNS updates sent.', { global: 'kea_d2_updates_sent_total', key: 'kea_d2_key_updates_sent_total' }),
    counter('update-signed', 'DNS updates sent TSIG-signed.', { global: 'kea_d2_updates_signed_total' }),
    counter('update-unsigned', 'DNS updates sent unsigned.', { global: 'kea_d2_updates_unsigned_total' }),
    counter('update-success', 'DNS updates that succeeded.', { global: 'kea_d2_updates_succeeded_total', key: 'kea_d2_key_updates_succeeded_total' }),
    counter('update-timeout', 'DNS updates that timed out.', { global: 'kea_d2_updates_timed_out_total', key: 'kea_d2_key_updates_timed_out_total' }),
    counter('update-error', 'DNS updates that failed.', { global: 'kea_d2_updates_failed_total', key: 'kea_d2_key_updates_failed_total' }),
  ],
};
