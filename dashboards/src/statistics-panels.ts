/** The panels of the statistics dashboard, one builder per question, for either DHCP family. Every
 * per-subnet query is bounded: top N (the `topn` variable) or the selected subnets. */
import { BarGaugeDisplayMode, TableCellDisplayMode, type TableBarGaugeCellOptions } from '@grafana/grafana-foundation-sdk/common';
import { barGauge, tablePanel, timeSeries, UTILISATION } from './panels.js';
import { m } from './shared.js';
import {
  BY_SUBNET,
  f,
  networkUtilisation,
  packetRate,
  perSubnetOf,
  pool,
  rateBySubnetFamily,
  RATE,
  sub,
  top,
  topOverRange,
  BY_NETWORK,
  increaseFromZero,
  perNetwork,
  type V,
} from './statistics-queries.js';

const GAUGE_CELL: TableBarGaugeCellOptions = { type: TableCellDisplayMode.Gauge, mode: BarGaugeDisplayMode.Gradient };
const TD = '{{target}} {{daemon}}';
const SUBNET = '{{target}} {{subnet}}';

interface Column {
  name: string;
  expr: string;
  ratio?: boolean;
}

/** A table of instant columns merged on their labels; ratio columns get gauges. */
function columnsTable(title: string, description: string, columns: readonly Column[]) {
  const names: Record<string, string> = {};
  columns.forEach((c, i) => (names[`Value #${String.fromCharCode(65 + i)}`] = c.name));
  const t = tablePanel({ title, description, unit: 'short', columns: names, hide: ['job', 'instance'], queries: columns.map((c) => ({ expr: c.expr })) });
  for (const c of columns.filter((x) => x.ratio)) {
    t.overrideByName(c.name, [
      { id: 'unit', value: 'percentunit' },
      { id: 'max', value: 1 },
      { id: 'thresholds', value: UTILISATION.build() },
      { id: 'custom.cellOptions', value: GAUGE_CELL },
    ]);
  }
  return t;
}

/** What a family allocates: its assigned, capacity and utilisation families. */
export interface Leases {
  what: string;
  assigned: string;
  capacity: string;
  utilisation: string;
}

export const ADDRESSES = (v: V): Leases => ({
  what: 'addresses',
  assigned: f(v, 'addresses_assigned'),
  capacity: f(v, 'addresses_capacity'),
  utilisation: f(v, 'subnet_utilization_ratio'),
});
export const PREFIXES: Leases = {
  what: 'delegated prefixes',
  assigned: f('6', 'prefixes_assigned'),
  capacity: f('6', 'prefixes_capacity'),
  utilisation: f('6', 'subnet_pd_utilization_ratio'),
};

export function fullestNetworks(v: V, l: Leases) {
  const util = networkUtilisation(l.assigned, l.capacity);
  const only = (expr: string) => `${expr} and on (${BY_NETWORK}) ${top(util)}`;
  return columnsTable(
    `DHCPv${v} fullest shared networks`,
    `Shared networks by ${l.what} allocated over capacity, summed over their subnets (Kea allocates from any subnet of the network): ` +
      'the network column is what matters; a full subnet in a network with room is not an emergency. Top N (topn variable).',
    [
      { name: 'network utilisation', expr: top(util), ratio: true },
      { name: 'fullest subnet', expr: only(perNetwork('max', l.utilisation)), ratio: true },
      { name: 'assigned', expr: only(perNetwork('sum', l.assigned)) },
      { name: 'capacity', expr: only(perNetwork('sum', l.capacity)) },
    ],
  );
}

export function fullestSubnets(v: V, l: Leases) {
  const selection = top(sub(l.utilisation));
  return columnsTable(
    `DHCPv${v} fullest subnets`,
    `Subnets by ${l.what} allocated over capacity (${l.utilisation}), with assigned (${l.assigned}) and capacity (${l.capacity}). Top N (topn variable) of the selected shared networks and subnets.`,
    [
      { name: 'utilisation', expr: `sum by (${BY_SUBNET}) (${selection})`, ratio: true },
      { name: 'assigned', expr: perSubnetOf(l.assigned, selection) },
      { name: 'capacity', expr: perSubnetOf(l.capacity, selection) },
    ],
  );
}

/** The fullest pools; subnets stand in where the daemon reports no pool statistics (Kea < 2.4),
 * so the panel is never empty on a Kea 2.2 fleet. */
export function topPools(title: string, poolRatio: string, subnetRatio: string) {
  return barGauge({
    title,
    description: `The fullest pools (${poolRatio}), top N (topn variable); a subnet (${subnetRatio}) stands in for its pools where the daemon reports no pool statistics (Kea < 2.4).`,
    unit: 'percentunit',
    steps: UTILISATION,
    queries: [{ expr: top(`${pool(poolRatio)} or on(target, daemon, subnet_id) ${sub(subnetRatio)}`), legend: '{{target}} {{subnet}} {{pool}}' }],
  })
    .min(0)
    .max(1);
}

export function utilisationOverTime(v: V, kinds: readonly Leases[]) {
  return timeSeries({
    title: `DHCPv${v} utilisation of the fullest subnets`,
    description: `Allocated over capacity per subnet (${kinds.map((k) => k.utilisation).join(', ')}) for the top N subnets at the end of the time range (topn variable), or the selected ones.`,
    unit: 'percentunit',
    legendTable: true,
    queries: kinds.map((k) => ({ expr: topOverRange(sub(k.utilisation)), legend: kinds.length > 1 ? `${SUBNET} ${k.what}` : SUBNET })),
  })
    .min(0)
    .max(1)
    .thresholds(UTILISATION);
}

/** The exchanges of a lease, in order: DHCPv4 DORA (and NAK), DHCPv6 solicit / advertise / request / reply. */
const EXCHANGE: Readonly<Record<V, readonly (readonly ['received' | 'sent', string])[]>> = {
  '4': [
    ['received', 'discover'],
    ['sent', 'offer'],
    ['received', 'request'],
    ['sent', 'ack'],
    ['sent', 'nak'],
  ],
  '6': [
    ['received', 'solicit'],
    ['sent', 'advertise'],
    ['received', 'request'],
    ['sent', 'reply'],
  ],
};

export function exchanges(v: V) {
  const steps = EXCHANGE[v];
  return timeSeries({
    title: v === '4' ? 'DHCPv4 DORA: discover, offer, request, ack, nak' : 'DHCPv6 solicit, advertise, request, reply',
    description: `The steps of a lease exchange per second (kea_dhcp${v}_packets_received_total and _sent_total by type). Offers below discovers (advertises below solicits) mean clients go unanswered.`,
    unit: 'pps',
    queries: steps.map(([dir, type]) => ({ expr: packetRate(v, dir, type), legend: `${TD} ${type}` })),
  });
}

/** Answers over questions: offer/discover and ack/request (advertise/solicit, reply/request). */
export function answerRatio(v: V) {
  const [q1, a1, q2, a2] = EXCHANGE[v].map(([dir, type]) => packetRate(v, dir, type));
  // No traffic: 0 / 0 is NaN, a gap in the graph rather than a false 0 %.
  const ratio = (a?: string, q?: string) => `${a} / ${q}`;
  const [n1, n2] = v === '4' ? ['offer / discover', 'ack / request'] : ['advertise / solicit', 'reply / request'];
  return timeSeries({
    title: `DHCPv${v} answered share`,
    description: `${n1} and ${n2} per daemon: below 1 when the server drops, ignores or cannot allocate for some clients (${v === '6' ? 'reply also answers renew and rebind, so it can exceed 1' : 'HA peers each see the packets of the clients the other serves'}).`,
    unit: 'percentunit',
    queries: [
      { expr: ratio(a1, q1), legend: `${TD} ${n1}` },
      { expr: ratio(a2, q2), legend: `${TD} ${n2}` },
    ],
  });
}

export function packetsByType(v: V, dir: 'received' | 'sent') {
  return timeSeries({
    title: `DHCPv${v} packets ${dir} by type`,
    description: `kea_dhcp${v}_packets_${dir}_total per message type.`,
    unit: 'pps',
    queries: [{ expr: `sum by (target, type) (rate(${m(f(v, `packets_${dir}_total`))}${RATE}))`, legend: '{{target}} {{type}}' }],
  });
}

const CAUSES = [
  ['shared_network', 'no address in the whole shared network'],
  ['subnet', 'no address in the subnet'],
  ['no_pools', 'subnet without pools'],
  ['classes', 'client classes exclude every pool'],
] as const;

export function allocationFailures(v: V) {
  return timeSeries({
    title: `DHCPv${v} allocation failures by cause`,
    description:
      `Leases each daemon could not allocate, per cause (kea_dhcp${v}_global_allocation_failures_<cause>_total; ` +
      `not narrowed by the subnet variables: Kea creates the per-subnet counters only at a subnet's first failure; after a reconfiguration it creates these at the next failure, which shows from the one after): ${CAUSES.map(([c, d]) => `${c}: ${d}`).join('; ')}.`,
    unit: 'ops',
    queries: CAUSES.map(([cause]) => ({
      expr: `sum by (target, daemon) (rate(${m(f(v, `global_allocation_failures_${cause}_total`))}${RATE}))`,
      legend: `${TD} ${cause.replace('_', ' ')}`,
    })),
  });
}

export function failingSubnets(v: V) {
  return barGauge({
    title: `DHCPv${v} subnets with the most allocation failures`,
    description: `Allocation failures per subnet over the time range (kea_dhcp${v}_allocation_failures_total), top N (topn variable). Empty while no subnet has failed: Kea creates a subnet's counters at its first failure (counted from zero here).`,
    unit: 'short',
    queries: [
      {
        expr: top(increaseFromZero(f(v, 'allocation_failures_total'), BY_SUBNET)),
        legend: SUBNET,
      },
    ],
  }).decimals(0);
}

export function declined(v: V) {
  return timeSeries({
    title: `DHCPv${v} declined addresses`,
    description: `Addresses clients declined (an address conflict on their link), held out of use until reclaimed (kea_dhcp${v}_addresses_declined).`,
    unit: 'short',
    queries: [{ expr: `sum by (target, daemon) (${sub(f(v, 'addresses_declined'))})`, legend: TD }],
  });
}

export function reclaimed(v: V) {
  return timeSeries({
    title: `DHCPv${v} reclaimed leases`,
    description: `Expired leases reclaimed (kea_dhcp${v}_leases_reclaimed_total) and declined addresses returned to use (kea_dhcp${v}_declined_addresses_reclaimed_total), per second.`,
    unit: 'ops',
    queries: [
      { expr: rateBySubnetFamily(f(v, 'leases_reclaimed_total')), legend: `${TD} expired` },
      { expr: rateBySubnetFamily(f(v, 'declined_addresses_reclaimed_total')), legend: `${TD} declined` },
    ],
  });
}

export function leaseReuses(v: V) {
  const families =
    v === '4'
      ? [['lease_reuses_total', 'reused']]
      : [
          ['address_lease_reuses_total', 'addresses'],
          ['prefix_lease_reuses_total', 'prefixes'],
        ];
  return timeSeries({
    title: `DHCPv${v} lease reuses`,
    description: `Renewals answered with the lease as it was (lease cache, cache-threshold), per second (${families.map(([n]) => f(v, n ?? '')).join(', ')}; Kea 2.4+).`,
    unit: 'ops',
    queries: families.map(([n, legend]) => ({ expr: rateBySubnetFamily(f(v, n ?? '')), legend: `${TD} ${legend}` })),
  });
}
