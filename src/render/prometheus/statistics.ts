import { StatisticNames, statFamilies, type Naming, type StatsDaemon } from './statistics/names.js';
import type { StatisticsSnapshot } from '../../snapshot.js';
import type { Collector, MetricDef } from './collector.js';
import { COMMAND_ERRORS } from './exporter.js';
import { UTILIZATION_FAMILIES, utilization } from './utilization.js';

export const STATS_POLL_DURATION = 'kea_exporter_statistics_poll_duration_seconds';
export const STATS_LAST_SUCCESS = 'kea_exporter_statistics_last_success_timestamp_seconds';
export const STATS_DROPPED = 'kea_exporter_statistics_series_dropped';

const DAEMONS: readonly StatsDaemon[] = ['dhcp4', 'dhcp6', 'd2'];

/** Kea's statistic-get-all as metrics (names spelled out in statistics/names-*.ts), the derived
 * utilisation ratios, and how the statistics polls go. Nothing but the poll's own health while
 * the last statistics poll failed. */
export function statisticsCollector(naming: Naming): Collector<StatisticsSnapshot> {
  const names = new StatisticNames(naming);
  const families = new Map<string, MetricDef>();
  for (const d of DAEMONS) for (const f of statFamilies(d, naming)) families.set(f.name, f);
  const metrics: MetricDef[] = [
    ...families.values(),
    ...UTILIZATION_FAMILIES,
    { name: STATS_POLL_DURATION, type: 'gauge', help: 'Duration of the last statistics poll (statistic-get-all).' },
    { name: STATS_LAST_SUCCESS, type: 'gauge', help: 'Unix time of the last successful statistics poll.' },
    {
      name: STATS_DROPPED,
      type: 'gauge',
      help: 'Statistics left out of the last poll by statistics.maxSeries, or past the cap on families of unknown statistics.',
    },
  ];
  return {
    metrics,
    collect(s, emit) {
      emit(STATS_POLL_DURATION, s.pollDurationSeconds);
      if (s.lastSuccessAt !== undefined) emit(STATS_LAST_SUCCESS, s.lastSuccessAt / 1000);
      for (const [reason, n] of Object.entries(s.errors)) emit(COMMAND_ERRORS, n ?? 0, { command: 'statistic-get-all', reason });
      if (!s.up) return;
      let capped = 0;
      for (const sample of s.samples) {
        const series = names.series(s.daemon, sample, s.subnets);
        if (series) emit(series.family.name, sample.value, series.labels, series.family);
        else if (names.pastUnmappedCap(s.daemon, sample)) capped++;
      }
      emit(STATS_DROPPED, s.dropped + capped);
      for (const u of utilization(s)) emit(u.family, u.ratio, u.labels);
    },
  };
}
