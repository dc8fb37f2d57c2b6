/** Statistics (statistic-get-all, default naming): packet rates, lease utilisation, DDNS. */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { BarGaugeDisplayMode, TableCellDisplayMode, type TableBarGaugeCellOptions } from '@grafana/grafana-foundation-sdk/common';
import { barGauge, tablePanel, timeSeries, UTILISATION } from './panels.js';
import { dashboard, finish, m } from './shared.js';

const RATE = '[$__rate_interval]';
const SUBNET = '{{target}} {{subnet}}';
const BY_SUBNET = 'target, subnet_id, subnet, shared_network';
const GAUGE_CELL: TableBarGaugeCellOptions = { type: TableCellDisplayMode.Gauge, mode: BarGaugeDisplayMode.Gradient };

function packets(v: '4' | '6', dir: 'received' | 'sent') {
  return timeSeries({
    title: `DHCPv${v} packets ${dir} by type`,
    description: `kea_dhcp${v}_packets_${dir}_total per message type.`,
    unit: 'pps',
    queries: [{ expr: `sum by (target, type) (rate(${m(`kea_dhcp${v}_packets_${dir}_total`)}${RATE}))`, legend: '{{target}} {{type}}' }],
  });
}

/**
 * The fullest pools; subnets stand in where the daemon reports no pool statistics (Kea < 2.4),
 * so the panel is never empty on a Kea 2.2 fleet.
 */
function topPools(title: string, pool: string, subnet: string) {
  return barGauge({
    title,
    description: `The 10 fullest pools (${pool}); a subnet (${subnet}) stands in for its pools where the daemon reports no pool statistics (Kea < 2.4).`,
    unit: 'percentunit',
    steps: UTILISATION,
    queries: [
      {
        expr: `topk(10, ${m(pool)} or on(target, daemon, subnet_id) ${m(subnet)})`,
        legend: '{{target}} {{subnet}} {{pool}}',
      },
    ],
  })
    .min(0)
    .max(1);
}

/** Assigned / capacity / utilisation per subnet, one row per subnet. */
function leaseTable(title: string, description: string, families: readonly (readonly [string, string])[]) {
  const columns: Record<string, string> = {};
  const queries = families.map(([metric, name], i) => {
    columns[`Value #${String.fromCharCode(65 + i)}`] = name;
    return { expr: `sum by (${BY_SUBNET}) (${m(metric)})` };
  });
  const t = tablePanel({ title, description, unit: 'short', columns, queries });
  for (const [metric, name] of families) {
    if (metric.endsWith('_ratio')) {
      t.overrideByName(name, [
        { id: 'unit', value: 'percentunit' },
        { id: 'max', value: 1 },
        { id: 'thresholds', value: UTILISATION.build() },
        { id: 'custom.cellOptions', value: GAUGE_CELL },
      ]);
    }
  }
  return t;
}

export function statisticsDashboard(): Dashboard {
  const b = dashboard({
    uid: 'kea-telemetry-statistics',
    title: 'Kea / Statistics',
    description: 'Kea statistics (statistic-get-all, default naming): packets by type, lease utilisation per subnet and pool, DDNS updates.',
  })
    .withRow(new RowBuilder('DHCPv4').collapsed(false))
    .withPanel(packets('4', 'received'))
    .withPanel(packets('4', 'sent'))
    .withPanel(
      timeSeries({
        title: 'DHCPv4 subnet utilisation',
        description: 'Assigned / total addresses per subnet (kea_dhcp4_subnet_utilization_ratio).',
        unit: 'percentunit',
        legendTable: true,
        queries: [{ expr: m('kea_dhcp4_subnet_utilization_ratio'), legend: SUBNET }],
      })
        .min(0)
        .max(1)
        .thresholds(UTILISATION),
    )
    .withPanel(topPools('Top 10 fullest DHCPv4 pools', 'kea_dhcp4_pool_utilization_ratio', 'kea_dhcp4_subnet_utilization_ratio'))
    .withPanel(
      leaseTable('DHCPv4 addresses: assigned vs capacity', 'Per subnet: kea_dhcp4_addresses_assigned, kea_dhcp4_addresses_capacity and their ratio.', [
        ['kea_dhcp4_addresses_assigned', 'assigned'],
        ['kea_dhcp4_addresses_capacity', 'capacity'],
        ['kea_dhcp4_subnet_utilization_ratio', 'utilisation'],
      ]).span(24),
    )
    .withRow(new RowBuilder('DHCPv6').collapsed(false))
    .withPanel(packets('6', 'received'))
    .withPanel(packets('6', 'sent'))
    .withPanel(
      timeSeries({
        title: 'DHCPv6 subnet utilisation',
        description:
          'Per subnet: assigned / total addresses (kea_dhcp6_subnet_utilization_ratio) and delegated / total prefixes (kea_dhcp6_subnet_pd_utilization_ratio).',
        unit: 'percentunit',
        legendTable: true,
        queries: [
          { expr: m('kea_dhcp6_subnet_utilization_ratio'), legend: `${SUBNET} addresses` },
          { expr: m('kea_dhcp6_subnet_pd_utilization_ratio'), legend: `${SUBNET} prefixes` },
        ],
      })
        .min(0)
        .max(1)
        .thresholds(UTILISATION),
    )
    .withPanel(
      leaseTable(
        'DHCPv6 leases: assigned vs capacity',
        'Per subnet: addresses (kea_dhcp6_addresses_*) and delegated prefixes (kea_dhcp6_prefixes_*), assigned and capacity.',
        [
          ['kea_dhcp6_addresses_assigned', 'addresses assigned'],
          ['kea_dhcp6_addresses_capacity', 'addresses capacity'],
          ['kea_dhcp6_prefixes_assigned', 'prefixes assigned'],
          ['kea_dhcp6_prefixes_capacity', 'prefixes capacity'],
        ],
      ),
    )
    .withPanel(topPools('Top 10 fullest DHCPv6 address pools', 'kea_dhcp6_pool_utilization_ratio', 'kea_dhcp6_subnet_utilization_ratio'))
    .withPanel(topPools('Top 10 fullest DHCPv6 prefix-delegation pools', 'kea_dhcp6_pd_pool_utilization_ratio', 'kea_dhcp6_subnet_pd_utilization_ratio'))
    .withRow(new RowBuilder('Drops and DDNS').collapsed(false))
    .withPanel(
      timeSeries({
        title: 'Dropped packets',
        description: 'Packets the DHCP daemons dropped, all causes (kea_dhcp4_packets_dropped_total, kea_dhcp6_packets_dropped_total).',
        unit: 'pps',
        queries: [
          { expr: `sum by (target) (rate(${m('kea_dhcp4_packets_dropped_total')}${RATE}))`, legend: '{{target}} DHCPv4' },
          { expr: `sum by (target) (rate(${m('kea_dhcp6_packets_dropped_total')}${RATE}))`, legend: '{{target}} DHCPv6' },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'DDNS',
        description: 'kea-dhcp-ddns: name change requests received and DNS updates sent, failed and timed out.',
        unit: 'ops',
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
