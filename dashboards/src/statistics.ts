/** Statistics (statistic-get-all, default naming): what is full, what is failing, the exchanges
 * and DDNS. Built for sites of thousands of subnets: shared network, subnet and pool variables,
 * and top-N panels, so that no default query returns more than a few dozen series. */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { timeSeries } from './panels.js';
import { responseTimeMax, responseTimeMean } from './perfmon-panels.js';
import { dashboard, finish, labelVariable, m, topNVariable } from './shared.js';
import {
  ADDRESSES,
  PREFIXES,
  allocationFailures,
  answerRatio,
  declined,
  exchanges,
  failingSubnets,
  fullestNetworks,
  fullestSubnets,
  leaseReuses,
  packetsByType,
  reclaimed,
  topPools,
  utilisationOverTime,
} from './statistics-panels.js';
import { f, RATE, type V } from './statistics-queries.js';

const CAPACITY = '{__name__=~"kea_dhcp[46]_addresses_capacity", target=~"$target", daemon=~"$daemon"';

/** Variables driven by label values of the capacity families (every subnet has them), each
 * narrowed by the ones before it. */
const VARIABLES = [
  topNVariable(),
  labelVariable('shared_network', 'Shared network', `label_values(${CAPACITY}}, shared_network)`),
  labelVariable('subnet', 'Subnet', `label_values(${CAPACITY}, shared_network=~"$shared_network"}, subnet)`),
  labelVariable(
    'pool',
    'Pool',
    'label_values({__name__=~"kea_dhcp[46]_(pd_)?pool_utilization_ratio", target=~"$target", daemon=~"$daemon", shared_network=~"$shared_network", subnet=~"$subnet"}, pool)',
  ),
];

function family(b: ReturnType<typeof dashboard>, v: V): void {
  const kinds = v === '4' ? [ADDRESSES('4')] : [ADDRESSES('6'), PREFIXES];
  b.withRow(new RowBuilder(`DHCPv${v}: what is full`).collapsed(false))
    .withPanel(fullestNetworks(v, ADDRESSES(v)))
    .withPanel(fullestSubnets(v, ADDRESSES(v)))
    .withPanel(topPools(`Fullest DHCPv${v} ${v === '6' ? 'address ' : ''}pools`, f(v, 'pool_utilization_ratio'), f(v, 'subnet_utilization_ratio')))
    .withPanel(utilisationOverTime(v, kinds));
  if (v === '6') {
    b.withPanel(fullestSubnets('6', PREFIXES).title('DHCPv6 fullest subnets by delegated prefixes')).withPanel(
      topPools('Fullest DHCPv6 prefix-delegation pools', f('6', 'pd_pool_utilization_ratio'), f('6', 'subnet_pd_utilization_ratio')),
    );
  }
  b.withRow(new RowBuilder(`DHCPv${v}: exchanges`).collapsed(false))
    .withPanel(exchanges(v))
    .withPanel(answerRatio(v))
    .withPanel(packetsByType(v, 'received'))
    .withPanel(packetsByType(v, 'sent'))
    .withRow(new RowBuilder(`DHCPv${v}: what is failing`).collapsed(false))
    .withPanel(allocationFailures(v))
    .withPanel(failingSubnets(v))
    .withPanel(declined(v))
    .withPanel(reclaimed(v))
    .withPanel(leaseReuses(v).span(24));
}

export function statisticsDashboard(): Dashboard {
  const b = dashboard({
    uid: 'kea-telemetry-statistics',
    title: 'Kea / Statistics',
    description:
      'Kea statistics (statistic-get-all, default naming): the fullest shared networks, subnets and pools, the lease exchanges, allocation failures, declines, reclaims, response times (PerfMon), drops and DDNS. Per-subnet panels show the top N (topn) or the selected shared networks, subnets and pools.',
    variables: VARIABLES,
  });
  family(b, '4');
  family(b, '6');
  b.withRow(new RowBuilder('DHCP response time (PerfMon)').collapsed(false)).withPanel(responseTimeMean()).withPanel(responseTimeMax());
  b.withRow(new RowBuilder('Drops and DDNS').collapsed(false))
    .withPanel(
      timeSeries({
        title: 'Dropped packets',
        description: 'Packets the DHCP daemons dropped, all causes (kea_dhcp4_packets_dropped_total, kea_dhcp6_packets_dropped_total).',
        unit: 'pps',
        queries: (['4', '6'] as const).map((v) => ({
          expr: `sum by (target) (rate(${m(f(v, 'packets_dropped_total'))}${RATE}))`,
          legend: `{{target}} DHCPv${v}`,
        })),
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Dropped packets by reason',
        description:
          'The drops Kea counts by reason (kea_dhcp4/6_packets_dropped_by_reason_total): parse-failed (malformed packets), and from Kea 3.2 queue-full, duplicate, rfc-violation, not-for-us, admin-filtered, ….',
        unit: 'pps',
        queries: (['4', '6'] as const).map((v) => ({
          expr: `sum by (target, reason) (rate(${m(f(v, 'packets_dropped_by_reason_total'))}${RATE}))`,
          legend: `{{target}} DHCPv${v} {{reason}}`,
        })),
      }),
    )
    .withPanel(
      timeSeries({
        title: 'DDNS',
        description: 'kea-dhcp-ddns: name change requests received and DNS updates sent, failed and timed out.',
        unit: 'ops',
        w: 24,
        queries: [
          { expr: `sum by (target) (rate(${m('kea_d2_ncr_received_total')}${RATE}))`, legend: '{{target}} NCRs received' },
          { expr: `sum by (target) (rate(${m('kea_d2_updates_sent_total')}${RATE}))`, legend: '{{target}} updates sent' },
          { expr: `sum by (target) (rate(${m('kea_d2_updates_failed_total')}${RATE}))`, legend: '{{target}} updates failed' },
          { expr: `sum by (target) (rate(${m('kea_d2_updates_timed_out_total')}${RATE}))`, legend: '{{target}} updates timed out' },
        ],
      }),
    );
  return finish(b);
}
