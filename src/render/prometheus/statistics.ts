import { StatisticNames, statFamilies, type Naming, type StatFamily, type StatsDaemon } from './statistics/names.js';
import type { StatisticsSnapshot } from '../../snapshot.js';
import type { StatSample } from '../../kea/statistics/parse.js';
import type { SubnetInfo } from '../../kea/statistics/subnets.js';
import type { Collector, MetricDef } from './collector.js';
import { COMMAND_ERRORS } from './exporter.js';
import { scopeLabels } from './statistics/scope-labels.js';
import { UTILIZATION_FAMILIES, utilization } from './utilization.js';

export const STATS_POLL_DURATION = 'kea_exporter_statistics_poll_duration_seconds';
export const STATS_LAST_SUCCESS = 'kea_exporter_statistics_last_success_timestamp_seconds';
export const STATS_DROPPED = 'kea_exporter_statistics_series_dropped';

const DAEMONS: readonly StatsDaemon[] = ['dhcp4', 'dhcp6', 'd2'];

/** What one statistic of one daemon becomes: its series (the object is also the series' key in
 * the store, see Emit), or left out (kea-exporter naming drops some; past the cap on families of
 * unknown statistics). */
interface Series {
  readonly family: StatFamily | MetricDef;
  readonly labels: Readonly<Record<string, string>>;
}
type Resolution = Series | 'ignored' | 'capped';

/** Resolutions by statistic name, for one daemon and one subnet table (a config change brings a
 * new table, so new labels). */
interface Resolved {
  readonly series: Map<string, Resolution>;
  readonly ratios: Map<string, Series>;
}

/** Kea's statistic-get-all as metrics (names spelled out in statistics/names-*.ts), the derived
 * utilisation ratios, and how the statistics polls go. Nothing but the poll's own health while
 * the last statistics poll failed. A statistic's family and labels are worked out once per name
 * and subnet table: a poll of 35,000 statistics costs a lookup each. */
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
  const tables = new WeakMap<ReadonlyMap<number, SubnetInfo>, Partial<Record<StatsDaemon, Resolved>>>();
  const resolvedFor = (s: StatisticsSnapshot): Resolved => {
    let byDaemon = tables.get(s.subnets);
    if (!byDaemon) tables.set(s.subnets, (byDaemon = {}));
    let r = byDaemon[s.daemon];
    // Bounded by what the daemon reports now: names it stopped reporting are forgotten.
    if (!r || r.series.size > 2 * s.samples.length + 1024) byDaemon[s.daemon] = r = { series: new Map(), ratios: new Map() };
    return r;
  };
  const resolve = (s: StatisticsSnapshot, sample: StatSample): Resolution => {
    const series = names.series(s.daemon, sample, s.subnets);
    if (series) return series;
    return names.pastUnmappedCap(s.daemon, sample) ? 'capped' : 'ignored';
  };
  return {
    metrics,
    collect(s, emit) {
      emit(STATS_POLL_DURATION, s.pollDurationSeconds);
      if (s.lastSuccessAt !== undefined) emit(STATS_LAST_SUCCESS, s.lastSuccessAt / 1000);
      for (const [reason, n] of Object.entries(s.errors)) emit(COMMAND_ERRORS, n ?? 0, { command: 'statistic-get-all', reason });
      if (!s.up) return;
      const r = resolvedFor(s);
      let capped = 0;
      for (const sample of s.samples) {
        let series = r.series.get(sample.name);
        if (series === undefined) r.series.set(sample.name, (series = resolve(s, sample)));
        if (series === 'capped') capped++;
        else if (series !== 'ignored') emit(series.family.name, sample.value, series.labels, series.family, series);
      }
      emit(STATS_DROPPED, s.dropped + capped);
      for (const u of utilization(s)) {
        let ratio = r.ratios.get(u.assigned.name);
        if (ratio?.family.name !== u.family.name)
          r.ratios.set(u.assigned.name, (ratio = { family: u.family, labels: scopeLabels(u.assigned, s.subnets, 'default') }));
        emit(u.family.name, u.ratio, ratio.labels, undefined, ratio);
      }
      if (r.ratios.size > 2 * s.samples.length + 1024) r.ratios.clear();
    },
  };
}
