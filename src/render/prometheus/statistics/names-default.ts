import type { Scope, StatDef, StatsDaemon } from './names.js';

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
 * Packet statistics (pkt4-*, pkt6-*) are mapped by rule in names.ts, not listed here.
 */

/** pkt4-/pkt6-<reason>: drop causes counted apart, each also in pkt-receive-drop. */
export const DROP_REASONS: readonly string[] = [
  'parse-failed', 'queue-full', 'duplicate', 'rfc-violation', 'admin-filtered', 'not-for-us',
  'processing-failed', 'limit-exceeded', 'service-disabled',
];

const G: readonly Scope[] = ['global'];
const GS: readonly Scope[] = ['global', 'subnet'];
const S: readonly Scope[] = ['subnet'];
const SP: readonly Scope[] = ['subnet', 'pool'];
const GSP: readonly Scope[] = ['global', 'subnet', 'pool'];
const SD: readonly Scope[] = ['subnet', 'pd-pool'];
const GSD: readonly Scope[] = ['global', 'subnet', 'pd-pool'];
const GK: readonly Scope[] = ['global', 'key'];

const gauge = (stat: string, base: string, scopes: readonly Scope[], help: string): StatDef => ({ stat, base, type: 'gauge', scopes, help });
const counter = (stat: string, base: string, scopes: readonly Scope[], help: string): StatDef => ({ stat, base, type: 'counter', scopes, help });

/** v4-/v6-allocation-fail*: -shared-network/-subnet split the total; -no-pools/-classes are
 * partial causes. Own families each, so no sum over a label counts a failure twice. */
const allocation = (v: 'v4' | 'v6'): StatDef[] => [
  counter(`${v}-allocation-fail`, 'allocation_failures_total', GS, 'Lease allocations that failed (all attempts exhausted).'),
  counter(`${v}-allocation-fail-shared-network`, 'allocation_failures_shared_network_total', GS, 'Failed allocations for clients in a shared network.'),
  counter(`${v}-allocation-fail-subnet`, 'allocation_failures_subnet_total', GS, 'Failed allocations for clients in a subnet outside any shared network.'),
  counter(`${v}-allocation-fail-no-pools`, 'allocation_failures_no_pools_total', GS, 'Failed allocations because no pool could be used for the client.'),
  counter(`${v}-allocation-fail-classes`, 'allocation_failures_classes_total', GS, 'Failed allocations for clients in one or more classes (class-restricted pools).'),
];

const common = [
  gauge('declined-addresses', 'addresses_declined', GSP, 'Addresses currently declined (in probation).'),
  counter('reclaimed-declined-addresses', 'declined_addresses_reclaimed_total', GSP, 'Declined addresses recovered after probation.'),
];

export const DEFAULT_STATS: Record<StatsDaemon, readonly StatDef[]> = {
  dhcp4: [
    gauge('total-addresses', 'addresses_capacity', SP, 'Addresses in the configured pools (Kea total-addresses).'),
    gauge('assigned-addresses', 'addresses_assigned', SP, 'Addresses currently leased (declined ones included until reclaimed).'),
    counter('cumulative-assigned-addresses', 'address_assignments_total', GSP, 'Address assignments since start (per scope: since the last reconfiguration).'),
    counter('reclaimed-leases', 'leases_reclaimed_total', GSP, 'Expired leases reclaimed.'),
    ...common,
    ...allocation('v4'),
    counter('v4-reservation-conflicts', 'reservation_conflicts_total', GS, 'Reserved addresses found leased to another client.'),
    counter('v4-lease-reuses', 'lease_reuses_total', GS, 'Lease renewals served from the lease cache (lease reuses, Kea 2.4+).'),
  ],
  dhcp6: [
    gauge('total-nas', 'addresses_capacity', SP, 'IA_NA addresses in the configured pools (128-bit in Kea; float here).'),
    gauge('assigned-nas', 'addresses_assigned', SP, 'IA_NA addresses currently leased.'),
    counter('cumulative-assigned-nas', 'address_assignments_total', GSP, 'IA_NA address assignments since start (per scope: since the last reconfiguration).'),
    gauge('total-pds', 'prefixes_capacity', SD, 'Delegable prefixes in the configured pd-pools (128-bit in Kea; float here).'),
    gauge('assigned-pds', 'prefixes_assigned', SD, 'Delegated prefixes currently leased.'),
    counter('cumulative-assigned-pds', 'prefix_assignments_total', GSD, 'Prefix delegations since start (per scope: since the last reconfiguration).'),
    counter('reclaimed-leases', 'leases_reclaimed_total', ['global', 'subnet', 'pool', 'pd-pool'], 'Expired leases reclaimed (NA and PD; per pool of its kind).'),
    ...common,
    ...allocation('v6'),
    counter('v6-ia-na-lease-reuses', 'address_lease_reuses_total', GS, 'IA_NA renewals served from the lease cache (Kea 2.4+).'),
    counter('v6-ia-pd-lease-reuses', 'prefix_lease_reuses_total', GS, 'IA_PD renewals served from the lease cache (Kea 2.4+).'),
    gauge('registered-nas', 'addresses_registered', S, 'Self-generated addresses currently registered (RFC 9686, Kea 3.0+).'),
    counter('cumulative-registered-nas', 'address_registrations_total', GS, 'Address registrations since start (RFC 9686, Kea 3.0+).'),
  ],
  d2: [
    counter('ncr-received', 'ncr_received_total', G, 'Name change requests received from DHCP servers.'),
    counter('ncr-invalid', 'ncr_invalid_total', G, 'Name change requests that could not be decoded.'),
    counter('ncr-error', 'ncr_errors_total', G, 'Name change requests that failed.'),
    counter('queue-mgr-queue-full', 'ncr_queue_full_total', G, 'Name change requests refused because the queue was full.'),
    counter('update-sent', 'updates_sent_total', GK, 'DNS updates sent.'),
    counter('update-signed', 'updates_signed_total', G, 'DNS updates sent TSIG-signed.'),
    counter('update-unsigned', 'updates_unsigned_total', G, 'DNS updates sent unsigned.'),
    counter('update-success', 'updates_succeeded_total', GK, 'DNS updates that succeeded.'),
    counter('update-timeout', 'updates_timed_out_total', GK, 'DNS updates that timed out.'),
    counter('update-error', 'updates_failed_total', GK, 'DNS updates that failed.'),
  ],
};
