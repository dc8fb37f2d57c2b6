import type { SeriesOwner } from '../../snapshot.js';
import { exportable, seriesId, type Collector, type MetricDef } from './collector.js';
import { FamilyWriter, lease, type Lease, type Place, type Written } from './family-bytes.js';
import { familyHeader, flat, labelPairs, sampleName, withExtra } from './family-text.js';

/** One series as the last poll of its owner set it: counters hold the absolute value Kea reports
 * (a lower one is a reset, written as it is, as client_golang's const metrics do). Keyed series
 * are not in their family's `series`: their labels carry their owner's target and daemon (no
 * collector label takes those names), so two of them meet only within one segment. */
interface Held {
  /** Its key among the owner's series: family name and the values of the family's own labels,
   * or the object the collector keys it by (Emit). */
  readonly key: string | object;
  /** `{name="value",...}` as the sample line writes it; also the series' key in its family. */
  readonly labels: string;
  value: number;
  /** The owner's update that last emitted it; older ones are swept. DROPPED once dropped. */
  seen: number;
  /** Its owner's series of its family (which knows both). */
  readonly segment: Segment;
}

/** One owner's series of one family, and where their lines sit in the family's text as last
 * written: a scrape after one daemon's poll writes that daemon's lines again, not its whole
 * family's (a fleet's statistics families hold 1,000 daemons' series); the others are copied
 * from the family's previous bytes, so no line is held twice (family-bytes.ts). */
interface Segment {
  readonly family: Family;
  readonly owner: Owner;
  readonly held: Set<Held>;
  /** Bumped whenever one of its series changes, appears or goes. */
  version: number;
  at: { text?: Place; openMetrics?: Place };
  /** Its keyed series by label text, made by an update that adds one (two keys of the same
   * labels: the last one wins) and dropped at its end. */
  labels?: Map<string, Held>;
}

interface Owner {
  /** Its label pairs (target, daemon, the target's labels) as of its last update. */
  base: string;
  readonly series: Map<string, Held>;
  /** Series a collector keys by an object of its own (Emit's `key`), in the order the last
   * update emitted their keys (undefined: a key whose value was not exportable, or emitted
   * twice). A collector emits the same keys in the same order poll after poll, so each is found
   * at its place; a map of them is made only for an update that strays. */
  keyed: (Held | undefined)[];
  /** The list before that, written over by the next update (no new list an update). */
  spare: (Held | undefined)[];
  /** Keyed series' label text by their labels' object: a collector that passes one object for
   * many series (the statistics of one subnet) gets one string for all of them. */
  readonly texts: WeakMap<object, string>;
}

interface Family {
  readonly def: MetricDef;
  /** Every owner's series but keyed ones, by label text. */
  readonly series: Map<string, Held>;
  /** Each owner's series, owners in the order they first reported one. */
  readonly segments: Map<Owner, Segment>;
  /** Bumped whenever one of its series changes, appears or goes. */
  version: number;
  readonly header: { text: Buffer; openMetrics: Buffer };
  readonly sample: { text: string; openMetrics: string };
  cached: { text?: Written; openMetrics?: Written };
}

/** What one update left out: samples whose value cannot be exported. */
export interface UpdateResult {
  invalid: number;
  /** Series appeared or went (not only values changed). */
  reshaped: boolean;
}

/**
 * Kea's series as values held per family, fed by the collectors when a poll lands, and each
 * family's text written from them when a scrape finds it changed (the const-metric model of
 * client_golang's collectors; no prom-client metric object per family). A family's text is kept
 * encoded until one of its series changes: HA state sets, versions and hashes are written once,
 * not per scrape, and within a family each owner's lines are kept until one of its series
 * changes. Families are written in declaration order; a family's series by owner (in the order
 * the owners first reported one), each owner's in the order they appeared.
 */
export class SeriesStore {
  private readonly families = new Map<string, Family>();
  private readonly owners = new Map<string, Owner>();
  private epoch = 0;

  constructor(defs: readonly MetricDef[]) {
    for (const def of defs) this.declare(def);
  }

  /** Replaces the series of one owner with what the collectors make of its snapshot. A series
   * whose value did not change costs a short key and a lookup; label text is written only for
   * a series that appears. */
  update<S extends SeriesOwner>(key: string, s: S, collectors: readonly Collector<S>[]): UpdateResult {
    const base: Record<string, string> = { target: s.target, daemon: s.daemon, ...s.labels };
    const basePairs = labelPairs(base, true);
    let owner = this.owners.get(key);
    // Other owner labels (a daemon detected, a target relabelled): other series altogether.
    if (owner && owner.base !== basePairs) this.remove(key);
    if (!owner || owner.base !== basePairs) this.owners.set(key, (owner = { base: basePairs, series: new Map(), keyed: [], spare: [], texts: new WeakMap() }));
    const mine = owner;
    const epoch = ++this.epoch;
    const dropped = this.dropped;
    const last = mine.keyed;
    const keyed = mine.spare;
    let n = 0;
    let byKey: Map<object, Held> | undefined;
    const indexed: Segment[] = [];
    let invalid = 0;
    let added = false;
    const emit = (name: string, value: number, extra?: Readonly<Record<string, string>>, def?: MetricDef, seriesKey?: object) => {
      const f = this.families.get(name) ?? (def && this.declare(def));
      if (!f) throw new Error(`collector emitted undeclared metric ${name}`);
      // A broken or hostile daemon costs that series, never the update: it is left unmarked, so
      // swept below, and absent until its value is valid again.
      if (!exportable(f.def.type, value)) {
        invalid++;
        if (seriesKey !== undefined) keyed[n++] = undefined;
        return;
      }
      let id: string | undefined;
      let held: Held | undefined;
      if (seriesKey !== undefined) {
        held = last[n];
        if (held?.key !== seriesKey) held = (byKey ??= keyIndex(last, last.length, keyed, n)).get(seriesKey);
        if (held?.seen === DROPPED) held = undefined;
      } else {
        id = seriesId(name, extra);
        held = mine.series.get(id);
      }
      // A key stands for one family's series: another family under it is another series.
      if (held && held.segment.family !== f) {
        this.drop(held);
        held = undefined;
      }
      if (held) {
        // A key emitted twice in one update: one series, the last value.
        if (seriesKey !== undefined) keyed[n++] = held.seen === epoch ? undefined : held;
        held.seen = epoch;
        if (held.value === value || (value !== value && held.value !== held.value)) return;
        held.value = value;
        held.segment.version++;
      } else {
        // Keyed series' labels never change under their object (Emit's `key`): their text is shared.
        const shared = seriesKey !== undefined ? extra : undefined;
        let labels = shared && mine.texts.get(shared);
        if (labels === undefined) {
          labels = flat(`{${extra ? withExtra(base, basePairs, extra) : basePairs}}`);
          if (shared) mine.texts.set(shared, labels);
        }
        // Another series of the same labels (for keyed ones: two keys of one owner), the last one
        // wins, and /metrics shows it once. (Dropped before the segment is looked up: it may
        // have been the segment's last series.)
        const other = seriesKey !== undefined ? sameLabels(f.segments.get(mine), labels, indexed) : f.series.get(labels);
        if (other) this.drop(other);
        let segment = f.segments.get(mine);
        if (!segment) f.segments.set(mine, (segment = { family: f, owner: mine, held: new Set(), version: 0, at: {} }));
        const fresh: Held = { key: seriesKey ?? flat(id!), labels, value, seen: epoch, segment };
        segment.held.add(fresh);
        segment.version++;
        if (seriesKey !== undefined) {
          keyed[n++] = fresh;
          byKey?.set(seriesKey, fresh);
          segment.labels?.set(labels, fresh);
        } else {
          f.series.set(labels, fresh);
          mine.series.set(id!, fresh);
        }
        added = true;
      }
      f.version++;
    };
    for (const c of collectors) c.collect(s, emit);
    for (const held of mine.series.values()) if (held.seen !== epoch) this.drop(held);
    for (const held of last) if (held && held.seen !== epoch && held.seen !== DROPPED) this.drop(held);
    keyed.length = n;
    mine.keyed = keyed;
    mine.spare = last;
    for (const segment of indexed) segment.labels = undefined;
    return { invalid, reshaped: added || this.dropped !== dropped };
  }

  /** Drops every series of an owner that is no longer watched. */
  remove(key: string): void {
    const owner = this.owners.get(key);
    if (!owner) return;
    for (const held of owner.series.values()) this.drop(held);
    for (const held of owner.keyed) if (held && held.seen !== DROPPED) this.drop(held);
    this.owners.delete(key);
  }

  /** Family texts written since the store was made (tests: what a scrape had to write). */
  written = 0;

  /** Each family's text, encoded, in declaration order (unchanged ones as written before). Not
   * held: for a body sent as it is, see lease(). */
  chunks(openMetrics: boolean): Buffer[] {
    return this.current(openMetrics).map((w) => w.bytes);
  }

  /** chunks(), held until released (by a scrape's response, once sent or aborted). */
  lease(openMetrics: boolean): Lease {
    this.leases++;
    return lease(this.current(openMetrics), () => this.leases--);
  }

  /** Leases not yet released (tests: every response gives its own back). */
  leases = 0;

  /** Owners' lines written into family texts since the store was made (tests). */
  get linesWritten(): number {
    return this.writer.linesWritten;
  }

  private readonly writer = new FamilyWriter();

  private current(openMetrics: boolean): Written[] {
    const format = openMetrics ? 'openMetrics' : 'text';
    const out: Written[] = [];
    for (const f of this.families.values()) {
      let cached = f.cached[format];
      if (cached?.version !== f.version) {
        f.cached[format] = cached = this.writer.write(f.header[format], f.sample[format], f.segments.values(), format, cached, f.version);
        this.written++;
      }
      out.push(cached);
    }
    this.writer.trim();
    return out;
  }

  private declare(def: MetricDef): Family {
    const known = this.families.get(def.name);
    if (known) return known;
    const f: Family = {
      def,
      series: new Map(),
      segments: new Map(),
      version: 0,
      cached: {},
      header: {
        text: Buffer.from(familyHeader(def.name, def.help, def.type, false)),
        openMetrics: Buffer.from(familyHeader(def.name, def.help, def.type, true)),
      },
      sample: { text: sampleName(def.name, def.type, false), openMetrics: sampleName(def.name, def.type, true) },
    };
    this.families.set(def.name, f);
    return f;
  }

  /** Series dropped since the store was made. */
  private dropped = 0;

  private drop(held: Held): void {
    this.dropped++;
    held.seen = DROPPED;
    const { segment } = held;
    const { family: f, owner } = segment;
    if (segment.held.delete(held)) segment.version++;
    if (segment.labels?.get(held.labels) === held) segment.labels.delete(held.labels);
    if (segment.held.size === 0 && f.segments.get(owner) === segment) f.segments.delete(owner);
    if (typeof held.key === 'string') {
      if (f.series.get(held.labels) === held) f.series.delete(held.labels);
      if (owner.series.get(held.key) === held) owner.series.delete(held.key);
    }
    f.version++;
  }
}

/** Held.seen of a series dropped (a keyed one stays in its owner's list until the next update). */
const DROPPED = -1;

/** The segment's keyed series of these labels; its index is made on first use in an update
 * (`indexed`: to be dropped at the update's end). */
function sameLabels(segment: Segment | undefined, labels: string, indexed: Segment[]): Held | undefined {
  if (!segment) return undefined;
  if (!segment.labels) {
    segment.labels = new Map();
    for (const held of segment.held) if (typeof held.key !== 'string') segment.labels.set(held.labels, held);
    indexed.push(segment);
  }
  return segment.labels.get(labels);
}

/** The keyed series of the last update and of this one so far (the first `n` of its list), by
 * their key. */
function keyIndex(last: readonly (Held | undefined)[], lastN: number, now: readonly (Held | undefined)[], n: number): Map<object, Held> {
  const map = new Map<object, Held>();
  const add = (held: Held | undefined) => {
    if (held && held.seen !== DROPPED) map.set(held.key as object, held);
  };
  for (let i = 0; i < lastN; i++) add(last[i]);
  for (let i = 0; i < n; i++) add(now[i]);
  return map;
}
