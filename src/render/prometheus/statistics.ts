import { StatisticNames, statFamilies, type Naming, type StatsDaemon } from './statistics/names.js';
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

/** What one statistic of one daemon becomes: a family (a place in the collector's table of the
 * families met, from FIRST_FAMILY on), or left out (kea-exporter naming drops some; past the cap
 * on families of unknown statistics). Its series' key in the store is Kea's name of it (the
 * reader's own string, shared by the daemons that report it): no object per statistic. */
const IGNORED = 0;
const CAPPED = 1;
const FIRST_FAMILY = 2;

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
  /** The last poll's statistics (its snapshot's own list of the reader's scopes). */
  last: readonly StatScope[];
  /** Per statistic: what it resolved to, and the places of its labels and its ratio in the lists
   * below (0: none). Numbers, off V8's heap: a fleet's statistics are half a million, and a
   * pointer each is a column more for the heap to hold and each full collection to mark. */
  family: Uint32Array;
  labels: Uint32Array;
  ratio: Uint32Array;
  labelSets: (Readonly<Record<string, string>> | undefined)[];
  ratios: (Ratio | undefined)[];
}

/** The places in a Resolved's labelSets of the label sets one poll resolves, one per content:
 * every statistic of a subnet or pool gets the same object, so the store writes its text once
 * per owner (see Emit's `labels`). Not held after the poll: a later one resolves few, if any. */
type LabelSets = Map<string, number>;

/** The part of the last poll's columns a poll that strayed sets aside, by name. */
interface Aside {
  readonly at: Map<string, number>;
  readonly family: Uint32Array;
  readonly labels: Uint32Array;
  readonly ratio: Uint32Array;
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
    return (byDaemon[s.daemon] ??= {
      last: [],
      family: new Uint32Array(0),
      labels: new Uint32Array(0),
      ratio: new Uint32Array(0),
      labelSets: [undefined],
      ratios: [undefined],
    });
  };
  // The families statistics resolved to (bounded: declared ones and the capped unknown ones).
  const defs: (MetricDef | undefined)[] = [undefined, undefined];
  const defAt = new Map<MetricDef, number>();
  const placeOf = (family: MetricDef): number => {
    let k = defAt.get(family);
    if (k === undefined) defAt.set(family, (k = defs.push(family) - 1));
    return k;
  };
  const shared = (r: Resolved, sets: LabelSets, labels: Readonly<Record<string, string>>): number => {
    let key = '';
    for (const n in labels) key += `${n}=${labels[n]!.length}:${labels[n]}\n`;
    let at = sets.get(key);
    if (at === undefined) sets.set(key, (at = r.labelSets.push(labels) - 1));
    return at;
  };
  /** Resolves the statistic at `at` into the columns. */
  const resolve = (s: StatisticsSnapshot, r: Resolved, sets: LabelSets, sample: StatScope, at: number): void => {
    const named = names.series(s.daemon, sample, s.subnets);
    r.family[at] = named ? placeOf(named.family) : names.pastUnmappedCap(s.daemon, sample) ? CAPPED : IGNORED;
    r.labels[at] = named ? shared(r, sets, named.labels) : 0;
    const of = named && ratioOf(s.daemon, sample);
    const labels = of && r.labelSets[shared(r, sets, scopeLabels(sample, s.subnets, 'default'))]!;
    r.ratio[at] = of && labels ? r.ratios.push({ family: of.family, labels, total: of.total, at: undefined }) - 1 : 0;
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
      const n = scopes.length;
      if (r.family.length < n) {
        r.family = grown(r.family, n);
        r.labels = grown(r.labels, n);
        r.ratio = grown(r.ratio, n);
      }
      let aside: Aside | undefined;
      let sets: LabelSets | undefined;
      for (let at = 0; at < n; at++) {
        const sample = scopes[at]!;
        const was = last[at];
        if (was !== sample && was?.name !== sample.name) {
          aside ??= setAside(r, at);
          const from = aside.at.get(sample.name);
          if (from === undefined) resolve(s, r, (sets ??= new Map<string, number>()), sample, at);
          else {
            r.family[at] = aside.family[from]!;
            r.labels[at] = aside.labels[from]!;
            r.ratio[at] = aside.ratio[from]!;
          }
        }
        const k = r.family[at]!;
        if (k === CAPPED) capped++;
        else if (k !== IGNORED) {
          const family = defs[k]!;
          emit(family.name, values[at]!, r.labelSets[r.labels[at]!], family, sample.name);
          if (r.ratio[at]) ratios++;
        }
      }
      r.last = scopes;
      // A poll that strayed or dropped some: the columns of their own size, and lists of only
      // the label sets and ratios they still name.
      if (aside || r.family.length > n) {
        r.family = r.family.slice(0, n);
        [r.labels, r.labelSets] = kept(r.labels, r.labelSets, n);
        [r.ratio, r.ratios] = kept(r.ratio, r.ratios, n);
      }
      emit(STATS_DROPPED, s.dropped + capped);
      if (ratios > 0) emitRatios(r, s.statistics, aside !== undefined, emit);
    },
  };
}

/** The last poll's columns from `from` on, by name: a poll that strayed writes over them. */
function setAside(r: Resolved, from: number): Aside {
  const at = new Map<string, number>();
  const end = r.last.length;
  for (let i = from; i < end; i++) at.set(r.last[i]!.name, i - from);
  return { at, family: r.family.slice(from, end), labels: r.labels.slice(from, end), ratio: r.ratio.slice(from, end) };
}

function grown(column: Uint32Array, n: number): Uint32Array {
  const room = new Uint32Array(n);
  room.set(column);
  return room;
}

/** The first n places of a column, with a list of only the items they name (0: none). */
function kept<T>(places: Uint32Array, items: (T | undefined)[], n: number): [Uint32Array, (T | undefined)[]] {
  const out = new Uint32Array(n);
  const list: (T | undefined)[] = [undefined];
  const moved = new Uint32Array(items.length);
  for (let i = 0; i < n; i++) {
    const k = places[i]!;
    if (k === 0) continue;
    if (moved[k] === 0) moved[k] = list.push(items[k]) - 1;
    out[i] = moved[k]!;
  }
  return [out, list];
}

/** Ratios after all statistics: a total comes after its assigned one in Kea's order. Each total
 * is found where the last look found it; a total not met is looked for again only by a poll that
 * strayed (met statistics not at their place). */
function emitRatios(r: Resolved, { scopes, values }: StatColumns, strayed: boolean, emit: Emit): void {
  let byName: Map<string, number> | undefined;
  for (let i = 0; i < scopes.length; i++) {
    const ratio = r.ratios[r.ratio[i]!];
    if (!ratio || r.family[i]! < FIRST_FAMILY) continue;
    let at = ratio.at;
    if (at === undefined || (at >= 0 && (scopes[at]?.name !== ratio.total || r.family[at]! < FIRST_FAMILY)) || (at < 0 && strayed)) {
      if (!byName) {
        byName = new Map();
        for (let j = 0; j < scopes.length; j++) if (r.family[j]! >= FIRST_FAMILY) byName.set(scopes[j]!.name, j);
      }
      ratio.at = at = byName.get(ratio.total) ?? -1;
      if (at >= 0) ratio.total = scopes[at]!.name;
    }
    if (at < 0) continue;
    const total = values[at]!;
    if (total > 0) emit(ratio.family.name, values[i]! / total, ratio.labels, undefined, ratio);
  }
}
