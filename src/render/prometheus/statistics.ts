import { StatisticNames, statFamilies, type Naming, type StatFamily, type StatsDaemon } from './statistics/names.js';
import type { StatisticsSnapshot } from '../../snapshot.js';
import type { StatSample } from '../../kea/statistics/parse.js';
import type { SubnetInfo } from '../../kea/statistics/subnets.js';
import type { Collector, MetricDef } from './collector.js';
import { COMMAND_ERRORS } from './exporter.js';
import { scopeLabels } from './statistics/scope-labels.js';
import { UTILIZATION_FAMILIES, ratioOf } from './utilization.js';

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
  /** An assigned statistic: its utilisation ratio (a series of its own) and Kea's name of the
   * total it is divided by. */
  readonly ratio: { readonly series: Series; readonly total: string } | undefined;
  /** The value of the poll that last met it (`poll`): what a ratio divides by. */
  value: number;
  poll: number;
}
type Resolution = Series | 'ignored' | 'capped';

/** Resolutions by statistic name, for one daemon and one subnet table (a config change brings a
 * new table, so new labels); `labels`: one label set per content, shared by every statistic of
 * a subnet or pool (the store writes a label set's text once per owner, see Emit's `labels`). */
interface Resolved {
  readonly names: Map<string, Resolution>;
  readonly labels: Map<string, Readonly<Record<string, string>>>;
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
    if (!r || r.names.size > 2 * s.samples.length + 1024) byDaemon[s.daemon] = r = { names: new Map(), labels: new Map() };
    return r;
  };
  const shared = (r: Resolved, labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> => {
    let key = '';
    for (const n in labels) key += `${n}=${labels[n]!.length}:${labels[n]}\n`;
    const known = r.labels.get(key);
    if (known) return known;
    r.labels.set(key, labels);
    return labels;
  };
  const resolve = (s: StatisticsSnapshot, r: Resolved, sample: StatSample): Resolution => {
    const named = names.series(s.daemon, sample, s.subnets);
    if (!named) return names.pastUnmappedCap(s.daemon, sample) ? 'capped' : 'ignored';
    const of = ratioOf(s.daemon, sample);
    const ratio = of && { total: of.total, series: series(of.family, shared(r, scopeLabels(sample, s.subnets, 'default'))) };
    return series(named.family, shared(r, named.labels), ratio);
  };
  let polls = 0;
  return {
    metrics,
    collect(s, emit) {
      emit(STATS_POLL_DURATION, s.pollDurationSeconds);
      if (s.lastSuccessAt !== undefined) emit(STATS_LAST_SUCCESS, s.lastSuccessAt / 1000);
      for (const [reason, n] of Object.entries(s.errors)) emit(COMMAND_ERRORS, n ?? 0, { command: 'statistic-get-all', reason });
      if (!s.up) return;
      const r = resolvedFor(s);
      const poll = ++polls;
      let capped = 0;
      const ratios: Series[] = [];
      for (const sample of s.samples) {
        let series = r.names.get(sample.name);
        if (series === undefined) r.names.set(sample.name, (series = resolve(s, r, sample)));
        if (series === 'capped') capped++;
        else if (series !== 'ignored') {
          series.value = sample.value;
          series.poll = poll;
          emit(series.family.name, sample.value, series.labels, series.family, series);
          if (series.ratio) ratios.push(series);
        }
      }
      emit(STATS_DROPPED, s.dropped + capped);
      // Ratios after all statistics: a total comes after its assigned one in Kea's order.
      for (const assigned of ratios) {
        const total = r.names.get(assigned.ratio!.total);
        if (typeof total !== 'object' || total.poll !== poll || !(total.value > 0)) continue;
        const { series } = assigned.ratio!;
        emit(series.family.name, assigned.value / total.value, series.labels, undefined, series);
      }
    },
  };
}

/** One shape for every Series (properties in the object, none spread in afterwards). */
function series(family: StatFamily | MetricDef, labels: Readonly<Record<string, string>>, ratio?: Series['ratio']): Series {
  return { family, labels, ratio, value: NaN, poll: 0 };
}
