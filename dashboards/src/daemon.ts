/** Daemon detail: one daemon (or a few) up close: uptime, reloads, threads, packet queues, sockets. */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { UP_DOWN } from './fleet.js';
import { stateTimeline, statPanel, thresholds, timeSeries, UTILISATION } from './panels.js';
import { dashboard, finish, m } from './shared.js';

const TD = '{{target}} {{daemon}}';

export function daemonDashboard(): Dashboard {
  const b = dashboard({
    uid: 'kea-telemetry-daemon',
    title: 'Kea / Daemon detail',
    description: 'Pick a target and daemon: uptime, configuration reloads, multi-threading, packet-queue load and DHCP sockets.',
    time: 'now-3h',
  })
    .withRow(new RowBuilder('Process').collapsed(false))
    .withPanel(
      statPanel({
        title: 'Up',
        description: 'Whether the last poll of the daemon succeeded (kea_up).',
        unit: 'short',
        w: 8,
        h: 5,
        mappings: UP_DOWN,
        queries: [{ expr: m('kea_up'), legend: TD }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Uptime',
        description: 'Seconds since the daemon started (kea_uptime_seconds).',
        unit: 's',
        w: 8,
        h: 5,
        queries: [{ expr: m('kea_uptime_seconds'), legend: TD }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Started',
        description: 'When the daemon started (kea_start_time_seconds).',
        unit: 'dateTimeAsIso',
        w: 8,
        h: 5,
        queries: [{ expr: `${m('kea_start_time_seconds')} * 1000`, legend: TD }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Uptime over time',
        description: 'A drop to zero is a restart.',
        unit: 's',
        queries: [{ expr: m('kea_uptime_seconds'), legend: TD }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Config reload age',
        description: 'Seconds since the daemon last committed a configuration (kea_config_reload_age_seconds).',
        unit: 's',
        queries: [{ expr: m('kea_config_reload_age_seconds'), legend: TD }],
      }),
    )
    .withRow(new RowBuilder('Multi-threading and packet queues').collapsed(false))
    .withPanel(
      statPanel({
        title: 'Multi-threading',
        description: 'Whether multi-threading is enabled (kea_multi_threading_enabled; DHCP daemons).',
        unit: 'short',
        w: 4,
        mappings: { 1: ['on', 'green'], 0: ['off', 'text'] },
        queries: [{ expr: m('kea_multi_threading_enabled'), legend: TD }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Thread pool size',
        description: 'Packet-processing threads (kea_thread_pool_size; with multi-threading on).',
        unit: 'short',
        w: 4,
        queries: [{ expr: m('kea_thread_pool_size'), legend: TD }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Packet queue: average occupancy vs capacity',
        description:
          "Average packets waiting in a thread's queue over the last 10, 100 and 1000 packets (kea_packet_queue_average), against the per-thread capacity (kea_packet_queue_size, dashed). Averages near the capacity mean packets are being dropped.",
        unit: 'short',
        w: 16,
        queries: [
          { expr: m('kea_packet_queue_average'), legend: `${TD} last {{window}}` },
          { expr: m('kea_packet_queue_size'), legend: `${TD} capacity` },
        ],
      }).overrideByQuery('B', [
        { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        { id: 'custom.fillOpacity', value: 0 },
      ]),
    )
    .withPanel(
      timeSeries({
        title: 'Packet queue fill',
        description: 'Average occupancy as a share of the queue capacity, per window.',
        unit: 'percentunit',
        w: 24,
        queries: [
          {
            expr: `${m('kea_packet_queue_average')} / ignoring(window) group_left() ${m('kea_packet_queue_size')}`,
            legend: `${TD} last {{window}}`,
          },
        ],
      })
        .min(0)
        .max(1)
        .thresholds(UTILISATION),
    )
    .withRow(new RowBuilder('Sockets').collapsed(false))
    .withPanel(
      stateTimeline({
        title: 'DHCP sockets ready',
        description: 'Whether Kea reports its DHCP sockets ready (kea_sockets_ready); not ready while it retries or failed to open them.',
        unit: 'short',
        h: 6,
        mappings: { 1: ['ready', 'green'], 0: ['not ready', 'red'] },
        queries: [{ expr: m('kea_sockets_ready'), legend: TD }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Socket errors',
        description: 'Socket errors Kea lists (kea_sockets_errors).',
        unit: 'short',
        h: 6,
        queries: [{ expr: m('kea_sockets_errors'), legend: TD }],
      }).thresholds(
        thresholds([
          [null, 'green'],
          [1, 'red'],
        ]),
      ),
    );
  return finish(b);
}
