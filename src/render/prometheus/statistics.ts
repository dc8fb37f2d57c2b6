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
  /** An assigned statistic: its utilisation ratio (a series of its own), Kea's name of the total
   * it is divided by, and that total's series once met (null: not met by the poll that looked). */
  readonly ratio: { readonly series: Series; readonly total: string; of: Series | null | undefined } | undefined;
  /** The value of the poll that last met it (`poll`): what a ratio divides by. */
  value: number;
  poll: number;
}
type Resolution = Series | 'ignored' | 'capped';

/** Resolutions for one daemon and one subnet table (a config change brings a new table, so new
 * labels): those of the last poll's statistics, in their order (Kea lists them in the same order
 * every time: each is found at its place, by the very string the reader keeps for its name; a map
 * only for a poll that strays); `labels`: one label set per content, shared by every statistic of
 * a subnet or pool (the store writes a label set's text once per owner, see Emit's `labels`). */
interface Resolved {
  /** The last poll's statistic names (the reader's own strings) and what each resolved to. */
  readonly names: string[];
  readonly resolutions: Resolution[];
  readonly labels: Map<string, Readonly<Record<string, string>>>;
}

/** Kea's statistic-get-all as metrics (names spelled out in statistics/names-*.ts), the derived
 * utilisation ratios, and how the statistics polls go. Nothing but the poll's own health while
 * the last statistics poll failed. A statistic's family and labels are worked out once per name
 * and subnet table: a poll of 35,000 statistics costs a lookup each. */
export function statisticsCollector(naming: Naming): Collector<StatisticsSnapshot> & { readonly labelSets: number } {
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
  let last: Resolved | undefined;
  const tables = new WeakMap<ReadonlyMap<number, SubnetInfo>, Partial<Record<StatsDaemon, Resolved>>>();
  const resolvedFor = (s: StatisticsSnapshot): Resolved => {
    let byDaemon = tables.get(s.subnets);
    if (!byDaemon) tables.set(s.subnets, (byDaemon = {}));
    // Bounded by what the daemon reports now: names it stopped reporting are forgotten with the
    // last poll's list; label sets of scopes it stopped reporting (a pool ID that changes every
    // poll) with the whole table, past twice what it reports (series keep their objects).
    const r = (byDaemon[s.daemon] ??= { names: [], resolutions: [], labels: new Map() });
    if (r.labels.size > 2 * s.samples.length + 1024) r.labels.clear();
    return (last = r);
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
    const ratio = of && { total: of.total, series: series(of.family, shared(r, scopeLabels(sample, s.subnets, 'default'))), of: undefined };
    return series(named.family, shared(r, named.labels), ratio);
  };
  let polls = 0;
  return {
    metrics,
    /** Label sets held for the daemon collected last (tests: bounded by what it reports). */
    get labelSets() {
      return last?.labels.size ?? 0;
    },
    collect(s, emit) {
      emit(STATS_POLL_DURATION, s.pollDurationSeconds);
      if (s.lastSuccessAt !== undefined) emit(STATS_LAST_SUCCESS, s.lastSuccessAt / 1000);
      for (const [reason, n] of Object.entries(s.errors)) emit(COMMAND_ERRORS, n ?? 0, { command: 'statistic-get-all', reason });
      if (!s.up) return;
      const r = resolvedFor(s);
      const poll = ++polls;
      let capped = 0;
      const ratios: Series[] = [];
      // Written over the last poll's in place (no new lists a poll): up to the first statistic
      // not at its place, the two are the same; from there on the last poll's are in byName.
      const { names, resolutions } = r;
      let at = 0;
      let byName: Map<string, Resolution> | undefined;
      for (const sample of s.samples) {
        let series = names[at] === sample.name ? resolutions[at] : undefined;
        if (series === undefined) {
          byName ??= indexed(r);
          series = byName.get(sample.name);
          if (series === undefined) byName.set(sample.name, (series = resolve(s, r, sample)));
        }
        names[at] = sample.name;
        resolutions[at++] = series;
        if (series === 'capped') capped++;
        else if (series !== 'ignored') {
          series.value = sample.value;
          series.poll = poll;
          emit(series.family.name, sample.value, series.labels, series.family, series);
          if (series.ratio) ratios.push(series);
        }
      }
      if (names.length > at) {
        names.length = at;
        resolutions.length = at;
      }
      emit(STATS_DROPPED, s.dropped + capped);
      // Ratios after all statistics: a total comes after its assigned one in Kea's order. A total
      // not met is looked for again only by a poll that met new statistics.
      let totals: Map<string, Resolution> | undefined;
      for (const assigned of ratios) {
        const ratio = assigned.ratio!;
        if (ratio.of === undefined || (ratio.of === null && byName)) {
          const total = (totals ??= indexed(r)).get(ratio.total);
          ratio.of = typeof total === 'object' ? total : null;
        }
        const total = ratio.of;
        if (!total || total.poll !== poll || !(total.value > 0)) continue;
        emit(ratio.series.family.name, assigned.value / total.value, ratio.series.labels, undefined, ratio.series);
      }
    },
  };
}

/** The resolutions of the last poll by name. */
function indexed(r: Resolved): Map<string, Resolution> {
  const map = new Map<string, Resolution>();
  for (let i = 0; i < r.names.length; i++) map.set(r.names[i]!, r.resolutions[i]!);
  return map;
}

/** One shape for every Series (properties in the object, none spread in afterwards). */
function series(family: StatFamily | MetricDef, labels: Readonly<Record<string, string>>, ratio?: Series['ratio']): Series {
  // 0, not NaN: a field first set to a small integer holds Kea's counts unboxed.
  return { family, labels, ratio, value: 0, poll: 0 };
}
