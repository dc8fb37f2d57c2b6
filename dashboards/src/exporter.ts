/** Exporter health: how polling each daemon goes, and which exporter build runs. */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { statPanel, tablePanel, thresholds, timeSeries, valueMappings } from './panels.js';
import { dashboard, finish, m } from './shared.js';

const TD = '{{target}} {{daemon}}';
/** One 0 per watched daemon: the fallback of series that only exist once something failed, so a
 * healthy fleet shows zeros instead of "No data". */
const ZERO_PER_DAEMON = `(0 * max by (target, daemon) (${m('kea_up')}))`;

export function exporterDashboard(): Dashboard {
  const b = dashboard({
    uid: 'kea-telemetry-exporter',
    title: 'Kea / Exporter health',
    description: 'kea-telemetry itself: poll failures and their reasons, poll durations, time since the last good poll, build.',
    time: 'now-3h',
  })
    .withRow(new RowBuilder('Polling').collapsed(false))
    .withPanel(
      tablePanel({
        title: 'Poll status',
        description: 'Every daemon with why its last poll failed (kea_exporter_poll_error_info); reason "none" while it is up.',
        unit: 'short',
        columns: { Value: 'failing' },
        queries: [
          {
            expr:
              `max by (target, daemon, reason) (${m('kea_exporter_poll_error_info')})` +
              ` or on(target, daemon) label_replace(${ZERO_PER_DAEMON}, "reason", "none", "", "")`,
          },
        ],
      }).mappings(valueMappings({ 0: ['no', 'green'], 1: ['yes', 'red'] })),
    )
    .withPanel(
      timeSeries({
        title: 'Time since last successful poll',
        description:
          'time() - kea_exporter_last_success_timestamp_seconds (status polls) and - kea_exporter_statistics_last_success_timestamp_seconds (statistics polls). Grows while a daemon is down.',
        unit: 's',
        queries: [
          { expr: `time() - ${m('kea_exporter_last_success_timestamp_seconds')}`, legend: `${TD} status` },
          { expr: `time() - ${m('kea_exporter_statistics_last_success_timestamp_seconds')}`, legend: `${TD} statistics` },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Poll duration',
        description: 'Duration of the last poll of each daemon, all its commands (kea_exporter_poll_duration_seconds).',
        unit: 's',
        queries: [{ expr: m('kea_exporter_poll_duration_seconds'), legend: TD }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Statistics poll duration',
        description: 'Duration of the last statistic-get-all poll (kea_exporter_statistics_poll_duration_seconds).',
        unit: 's',
        queries: [{ expr: m('kea_exporter_statistics_poll_duration_seconds'), legend: TD }],
      }),
    )
    .withRow(new RowBuilder('Errors').collapsed(false))
    .withPanel(
      timeSeries({
        title: 'Command errors by command and reason',
        description: 'Failed Kea commands per second (kea_exporter_command_errors_total) by command and reason; 0 per daemon while none failed.',
        unit: 'ops',
        queries: [
          {
            expr:
              `sum by (target, daemon, command, reason) (rate(${m('kea_exporter_command_errors_total')}[$__rate_interval]))` +
              ` or on(target, daemon) ${ZERO_PER_DAEMON}`,
            legend: `${TD} {{command}} {{reason}}`,
          },
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Command errors in the time range',
        description: "All failed commands over the dashboard's time range.",
        unit: 'short',
        w: 6,
        steps: thresholds([
          [null, 'green'],
          [1, 'orange'],
        ]),
        queries: [
          {
            expr: `sum(increase(${m('kea_exporter_command_errors_total')}[$__range])) or (0 * count(${m('kea_up')}))`,
            instant: true,
          },
        ],
      }).decimals(0),
    )
    .withPanel(
      statPanel({
        title: 'Statistics series dropped',
        description: 'Statistics series left out by statistics.maxSeries (kea_exporter_statistics_series_dropped).',
        unit: 'short',
        w: 6,
        steps: thresholds([
          [null, 'green'],
          [1, 'orange'],
        ]),
        queries: [{ expr: `sum(${m('kea_exporter_statistics_series_dropped')})` }],
      }),
    )
    .withRow(new RowBuilder('Build').collapsed(false))
    .withPanel(
      tablePanel({
        title: 'Exporter build',
        description:
          'kea-telemetry and Node.js versions of every exporter scraped (kea_exporter_build_info, only the series with nodejs_version: ISC Stork agents export one of the same name; not per daemon, so not filtered by target).',
        unit: 'short',
        w: 24,
        h: 5,
        columns: {},
        hide: ['Value'],
        queries: [{ expr: 'max by (job, instance, version, nodejs_version) (kea_exporter_build_info{nodejs_version!=""})' }],
      }),
    );
  return finish(b);
}
