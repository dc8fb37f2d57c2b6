import { StatisticNames, statFamilies, type Naming, type StatFamily, type StatsDaemon } from './statistics/names.js';
import type { StatisticsSnapshot } from '../../snapshot.js';
import type { StatColumns, StatScope } from '../../kea/statistics/parse.js';
import type { SubnetInfo } from '../../kea/statistics/subnets.js';
import type { Collector, Emit, MetricDef } from './collector.js';
import { COMMAND_ERRORS } from './exporter.js';
import { scopeLabels } from './statistics/scope-labels.js';
import { UTILIZATION_FAMILIES, ratioOf } from './utilization.js';

export const STATS_POLL_DURATION = 'kea_exporter_statistics_poll_duration_seconds';
export const STATS_LAST_SUCCESS = 'kea_exporter_statistics_last_success_timestamp_seconds';
export const STATS_DROPPED = 'kea_exporter_statistics_series_dropped';

const DAEMONS: readonly StatsDaemon[] = ['dhcp4', 'dhcp6', 'd2'];

/** What one statistic of one daemon becomes: its family, or left out (kea-exporter naming drops
 * some; past the cap on families of unknown statistics). Its series' key in the store is Kea's
 * name of it (the reader's own string, shared by the daemons that report it): no object per
 * statistic. */
type Resolution = StatFamily | MetricDef | 'ignored' | 'capped';

/** An assigned statistic's utilisation ratio: a series of its own (the object is its key), Kea's
 * name of the total it is divided by (once met, the reader's own string, not a copy per ratio),
 * and where that total was in the poll that last looked (-1: not met). */
interface Ratio {
  readonly family: MetricDef;
  readonly labels: Readonly<Record<string, string>>;
  total: string;
  at: number | undefined;
}

/** Resolutions for one daemon and one subnet table (a config change brings a new table, so new
 * labels), as columns: those of the last poll's statistics, in their order (Kea lists them in the
 * same order every time: each is found at its place, by the very scope the reader keeps for it;
 * a map only for a poll that strays). */
interface Resolved {
  /** The last poll's statistics (its snapshot's own list of the reader's scopes), what each
   * resolved to, its labels and its ratio. */
  last: readonly StatScope[];
  resolutions: Resolution[];
  labels: (Readonly<Record<string, string>> | undefined)[];
  ratios: (Ratio | undefined)[];
}

/** The label sets of the statistics one poll resolves, one per content: every statistic of a
 * subnet or pool gets the same object, so the store writes its text once per owner (see Emit's
 * `labels`). Not held after the poll: a later one resolves few, if any. */
type LabelSets = Map<string, Readonly<Record<string, string>>>;

/** The part of the last poll's columns a poll that strayed sets aside, by name. */
interface Aside {
  readonly at: Map<string, number>;
  readonly resolutions: Resolution[];
  readonly labels: (Readonly<Record<string, string>> | undefined)[];
  readonly ratios: (Ratio | undefined)[];
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
    // Bounded by what the daemon reports now: names it stopped reporting are forgotten with the
    // last poll's list.
    return (byDaemon[s.daemon] ??= { last: [], resolutions: [], labels: [], ratios: [] });
  };
  const shared = (sets: LabelSets, labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> => {
    let key = '';
    for (const n in labels) key += `${n}=${labels[n]!.length}:${labels[n]}\n`;
    const known = sets.get(key);
    if (known) return known;
    sets.set(key, labels);
    return labels;
  };
  /** Resolves the statistic at `at` into the columns. */
  const resolve = (s: StatisticsSnapshot, r: Resolved, sets: LabelSets, sample: StatScope, at: number): void => {
    const named = names.series(s.daemon, sample, s.subnets);
    r.resolutions[at] = named ? named.family : names.pastUnmappedCap(s.daemon, sample) ? 'capped' : 'ignored';
    r.labels[at] = named && shared(sets, named.labels);
    const of = named && ratioOf(s.daemon, sample);
    r.ratios[at] = of ? { family: of.family, labels: shared(sets, scopeLabels(sample, s.subnets, 'default')), total: of.total, at: undefined } : undefined;
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
      let ratios = 0;
      // Written over the last poll's in place (no new lists a poll): up to the first statistic
      // not at its place, the two are the same; from there on the last poll's are set aside.
      const { scopes, values } = s.statistics;
      const { last } = r;
      let aside: Aside | undefined;
      let sets: LabelSets | undefined;
      for (let at = 0; at < scopes.length; at++) {
        const sample = scopes[at]!;
        const was = last[at];
        if (was !== sample && was?.name !== sample.name) {
          aside ??= setAside(r, at);
          const from = aside.at.get(sample.name);
          if (from === undefined) resolve(s, r, (sets ??= new Map<string, Readonly<Record<string, string>>>()), sample, at);
          else {
            r.resolutions[at] = aside.resolutions[from]!;
            r.labels[at] = aside.labels[from];
            r.ratios[at] = aside.ratios[from];
          }
        }
        const family = r.resolutions[at]!;
        if (family === 'capped') capped++;
        else if (family !== 'ignored') {
          emit(family.name, values[at]!, r.labels[at], family, sample.name);
          if (r.ratios[at]) ratios++;
        }
      }
      // A poll that strayed or dropped some: the columns as copies of their own size (grown one
      // statistic at a time, a list has up to half as much room again).
      r.last = scopes;
      if (aside || r.resolutions.length > scopes.length) {
        const n = scopes.length;
        r.resolutions = r.resolutions.slice(0, n);
        r.labels = r.labels.slice(0, n);
        r.ratios = r.ratios.slice(0, n);
      }
      emit(STATS_DROPPED, s.dropped + capped);
      if (ratios > 0) emitRatios(r, s.statistics, aside !== undefined, emit);
    },
  };
}

/** The last poll's columns from `from` on, by name: a poll that strayed writes over them. */
function setAside(r: Resolved, from: number): Aside {
  const at = new Map<string, number>();
  for (let i = from; i < r.last.length; i++) at.set(r.last[i]!.name, i - from);
  return { at, resolutions: r.resolutions.slice(from), labels: r.labels.slice(from), ratios: r.ratios.slice(from) };
}

/** Ratios after all statistics: a total comes after its assigned one in Kea's order. Each total
 * is found where the last look found it; a total not met is looked for again only by a poll that
 * strayed (met statistics not at their place). */
function emitRatios(r: Resolved, { scopes, values }: StatColumns, strayed: boolean, emit: Emit): void {
  let byName: Map<string, number> | undefined;
  for (let i = 0; i < scopes.length; i++) {
    const ratio = r.ratios[i];
    if (!ratio || typeof r.resolutions[i] !== 'object') continue;
    let at = ratio.at;
    if (at === undefined || (at >= 0 && (scopes[at]?.name !== ratio.total || typeof r.resolutions[at] !== 'object')) || (at < 0 && strayed)) {
      if (!byName) {
        byName = new Map();
        for (let j = 0; j < scopes.length; j++) if (typeof r.resolutions[j] === 'object') byName.set(scopes[j]!.name, j);
      }
      ratio.at = at = byName.get(ratio.total) ?? -1;
      if (at >= 0) ratio.total = scopes[at]!.name;
    }
    if (at < 0) continue;
    const total = values[at]!;
    if (total > 0) emit(ratio.family.name, values[i]! / total, ratio.labels, undefined, ratio);
  }
}
