/** Fleet overview: is every daemon up, what runs where, do HA partners run the same config. */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { stateTimeline, statPanel, tablePanel, thresholds, timeSeries } from './panels.js';
import { dashboard, finish, m } from './shared.js';

export const UP_DOWN = { 1: ['up', 'green'], 0: ['down', 'red'] } as const;
const TD = '{{target}} {{daemon}}';

/** Shared hashes per HA group (daemon + peer names): more than one means the partners drifted. */
const DRIFTED_GROUPS = `count(count by (daemon, ha_peers) (count by (daemon, ha_peers, hash) (${m('kea_config_shared_hash_info', 'ha_peers!=""')})) > 1)`;

export function fleetDashboard(): Dashboard {
  const b = dashboard({
    uid: 'kea-telemetry-fleet',
    title: 'Kea / Fleet overview',
    description: 'Every Kea daemon kea-telemetry watches: up or down, versions, configuration hashes, restarts and reloads.',
  })
    .withRow(new RowBuilder('Status').collapsed(false))
    .withPanel(
      statPanel({
        title: 'Daemons up',
        description: 'Daemons whose last poll succeeded (kea_up).',
        unit: 'short',
        w: 4,
        h: 4,
        queries: [{ expr: `sum(${m('kea_up')})` }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Daemons down',
        description: 'Daemons whose last poll failed; the Exporter health dashboard says why.',
        unit: 'short',
        w: 4,
        h: 4,
        steps: thresholds([
          [null, 'green'],
          [1, 'red'],
        ]),
        queries: [{ expr: `sum(1 - ${m('kea_up')})` }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Restarts',
        description: 'Daemon restarts in the time range: changes of the start time the exporter derives from uptime.',
        unit: 'short',
        w: 4,
        h: 4,
        steps: thresholds([
          [null, 'green'],
          [1, 'orange'],
        ]),
        queries: [{ expr: `sum(changes(${m('kea_start_time_seconds')}[$__range]))`, instant: true }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'HA groups with config drift',
        description:
          'HA groups (same daemon, same HA peer names) whose members report different shared config hashes, i.e. partners that do not run the same configuration.',
        unit: 'short',
        w: 4,
        h: 4,
        steps: thresholds([
          [null, 'green'],
          [1, 'red'],
        ]),
        // 0 rather than no data when nothing drifted.
        queries: [{ expr: `${DRIFTED_GROUPS} or (0 * count(${m('kea_up')}))` }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Kea versions',
        description: 'Distinct Kea versions running.',
        unit: 'short',
        w: 4,
        h: 4,
        queries: [{ expr: `count(count by (version) (${m('kea_version_info')}))` }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Targets',
        description: 'Configured targets (a Control Agent target counts once for all its daemons).',
        unit: 'short',
        w: 4,
        h: 4,
        queries: [{ expr: `count(count by (target) (${m('kea_up')}))` }],
      }),
    )
    .withPanel(
      stateTimeline({
        title: 'Up / down',
        description: 'kea_up per target and daemon.',
        unit: 'short',
        w: 24,
        h: 8,
        mappings: UP_DOWN,
        queries: [{ expr: m('kea_up'), legend: TD }],
      }),
    )
    .withRow(new RowBuilder('Versions and configuration').collapsed(false))
    .withPanel(
      tablePanel({
        title: 'Versions',
        description: 'Kea version of every daemon (kea_version_info).',
        unit: 'short',
        columns: {},
        hide: ['Value'],
        queries: [{ expr: `max by (target, daemon, version) (${m('kea_version_info')})` }],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Daemons per config hash',
        description:
          'Daemons running each configuration (kea_config_hash_info). HA partners differ here by design (this-server-name, sockets); compare the shared hash instead.',
        unit: 'short',
        columns: { Value: 'daemons' },
        queries: [{ expr: `count by (daemon, hash, source) (${m('kea_config_hash_info')})` }],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Daemons per shared config hash',
        description:
          'Daemons per hash of the configuration without the fields HA partners differ in (kea_config_shared_hash_info). Partners in sync form one row per HA group (ha_peers); two rows with the same ha_peers mean drift.',
        unit: 'short',
        columns: { Value: 'daemons' },
        queries: [{ expr: `count by (daemon, ha_peers, hash) (${m('kea_config_shared_hash_info')})` }],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Shared config hash per daemon',
        description: 'Which daemon runs which shared hash: finds the partner that drifted.',
        unit: 'short',
        columns: {},
        hide: ['Value'],
        queries: [{ expr: `max by (target, daemon, ha_peers, hash) (${m('kea_config_shared_hash_info')})` }],
      }),
    )
    .withRow(new RowBuilder('Restarts and reloads').collapsed(false))
    .withPanel(
      tablePanel({
        title: 'Restarts and config changes in the time range',
        description:
          'Restarts: changes of kea_start_time_seconds. Config changes: increase of kea_config_changes_observed_total (config-set, config-reload, or a restart with another file).',
        unit: 'short',
        columns: { 'Value #A': 'restarts', 'Value #B': 'config changes' },
        queries: [
          { expr: `sum by (target, daemon) (changes(${m('kea_start_time_seconds')}[$__range]))` },
          { expr: `sum by (target, daemon) (increase(${m('kea_config_changes_observed_total')}[$__range]))` },
        ],
      }).decimals(0),
    )
    .withPanel(
      timeSeries({
        title: 'Config reload age',
        description: 'Seconds since each daemon last committed a configuration (kea_config_reload_age_seconds); drops to 0 on every reload or restart.',
        unit: 's',
        queries: [{ expr: m('kea_config_reload_age_seconds'), legend: TD }],
      }),
    );
  return finish(b);
}
