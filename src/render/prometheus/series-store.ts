import type { SeriesOwner } from '../../snapshot.js';
import { exportable, seriesId, type Collector, type MetricDef, type SeriesKey } from './collector.js';
import { FamilyWriter, lease, type Lease, type Written } from './family-bytes.js';
import { familyHeader, flat, labelPairs, sampleName, valueText, withExtra } from './family-text.js';
import { KeyedList, NO_SLOTS, type KeyedStore } from './keyed-series.js';

/** One series as the last poll of its owner set it: counters hold the absolute value Kea reports
 * (a lower one is a reset, written as it is, as client_golang's const metrics do). These are the
 * series a collector names by their labels; those it keys by an object of its own (Emit's `key`,
 * the statistics) are columns of their owner's KeyedList. */
interface Held {
  /** Its key among the owner's series: family name and the values of the family's own labels. */
  readonly key: string;
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
class Segment {
  /** Its series named by labels, in the order they appeared; made with the first (a fleet's
   * statistics segments, 60,000 of them, hold none). A list, not a set (~100 bytes less for the
   * one or two most hold): a series dropped stays in it, marked, until its owner's sweep, which
   * also gives a list that grew one of its own size (push leaves room for 16 more). */
  held: Held[] | undefined;
  /** Series of `held` dropped since the last sweep. */
  gone = 0;
  /** `held` grew or lost some since the last sweep. */
  untidy = false;
  /** Its keyed series: positions in the owner's KeyedList. */
  slots: readonly number[] = NO_SLOTS;
  /** Bumped whenever one of its series changes, appears or goes. */
  version = 0;

  constructor(
    readonly family: Family,
    readonly owner: Owner,
  ) {}

  /** Its lines: keyed series first, in their owner's order, then the others. */
  text(sample: string): string {
    let text = '';
    const { labels, values } = this.owner.keyed;
    for (const p of this.slots) text += `\n${sample}${labels[p]} ${valueText(values[p]!)}`;
    if (this.held) for (const held of this.held) if (held.seen !== DROPPED) text += `\n${sample}${held.labels} ${valueText(held.value)}`;
    return text;
  }

  get empty(): boolean {
    return this.slots.length === 0 && (this.held?.length ?? 0) === this.gone;
  }
}

interface Owner {
  /** Its label pairs (target, daemon, the target's labels) as of its last update. */
  base: string;
  /** `{base}`: the label text of its series that have no labels of their own, one string for all. */
  readonly baseLabels: string;
  readonly series: Map<string, Held>;
  readonly keyed: KeyedList<Family, Segment>;
  /** Its segments, one per family it has series in. */
  readonly segments: Set<Segment>;
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
 * the owners first reported one); an owner's keyed series in the order its last update emitted
 * them, then its others in the order they appeared.
 */
export class SeriesStore {
  private readonly families = new Map<string, Family>();
  private readonly owners = new Map<string, Owner>();
  private epoch = 0;

  constructor(defs: readonly MetricDef[]) {
    for (const def of defs) this.declare(def);
  }

  /** Replaces the series of one owner with what the collectors make of its snapshot. A series
   * whose value did not change costs a comparison (keyed) or a short key and a lookup; label
   * text is written only for a series that appears. */
  update<S extends SeriesOwner>(key: string, s: S, collectors: readonly Collector<S>[]): UpdateResult {
    const base: Record<string, string> = { target: s.target, daemon: s.daemon, ...s.labels };
    const basePairs = labelPairs(base, true);
    let owner = this.owners.get(key);
    // Other owner labels (a daemon detected, a target relabelled): other series altogether.
    if (owner && owner.base !== basePairs) this.remove(key);
    if (!owner || owner.base !== basePairs)
      this.owners.set(
        key,
        (owner = { base: basePairs, baseLabels: flat(`{${basePairs}}`), series: new Map(), keyed: new KeyedList(), segments: new Set(), texts: new WeakMap() }),
      );
    const mine = owner;
    const epoch = ++this.epoch;
    const dropped = this.dropped;
    let invalid = 0;
    let added = false;
    const keyedStore: KeyedStore<Family, Segment> = {
      segmentOf: (f) => this.segmentOf(f, mine),
      labelsOf: (extra) => {
        // Keyed series' labels never change under their object (Emit's `key`): their text is shared.
        if (!extra) return mine.baseLabels;
        let labels = mine.texts.get(extra);
        if (labels === undefined) mine.texts.set(extra, (labels = flat(`{${withExtra(base, basePairs, extra)}}`)));
        return labels;
      },
      changed: (segment) => {
        segment.version++;
        segment.family.version++;
      },
    };
    mine.keyed.begin();
    const emit = (name: string, value: number, extra?: Readonly<Record<string, string>>, def?: MetricDef, seriesKey?: SeriesKey) => {
      const f = this.families.get(name) ?? (def && this.declare(def));
      if (!f) throw new Error(`collector emitted undeclared metric ${name}`);
      // A broken or hostile daemon costs that series, never the update: it is swept below, and
      // absent until its value is valid again.
      if (!exportable(f.def.type, value)) {
        invalid++;
        if (seriesKey !== undefined) mine.keyed.skip();
        return;
      }
      if (seriesKey !== undefined) {
        mine.keyed.emit(keyedStore, f, seriesKey, value, extra);
        return;
      }
      const id = seriesId(name, extra);
      const held = mine.series.get(id);
      if (held) {
        held.seen = epoch;
        if (held.value === value || (value !== value && held.value !== held.value)) return;
        held.value = value;
        held.segment.version++;
      } else {
        const labels = extra ? flat(`{${withExtra(base, basePairs, extra)}}`) : mine.baseLabels;
        // Another series of the same labels: the last one wins, and /metrics shows it once.
        const other = f.series.get(labels);
        if (other) this.drop(other);
        const segment = this.segmentOf(f, mine);
        const fresh: Held = { key: flat(id), labels, value, seen: epoch, segment };
        if (segment.held) {
          segment.held.push(fresh);
          segment.untidy = true;
        } else segment.held = [fresh];
        segment.version++;
        f.series.set(labels, fresh);
        mine.series.set(id, fresh);
        added = true;
      }
      f.version++;
    };
    for (const c of collectors) c.collect(s, emit);
    mine.keyed.finish(keyedStore);
    for (const held of mine.series.values()) if (held.seen !== epoch) this.drop(held);
    this.dropped += mine.keyed.dropped;
    this.sweep(mine);
    return { invalid, reshaped: added || mine.keyed.added || this.dropped !== dropped };
  }

  /** Drops every series of an owner that is no longer watched. */
  remove(key: string): void {
    const owner = this.owners.get(key);
    if (!owner) return;
    for (const held of owner.series.values()) this.drop(held);
    for (const segment of owner.keyed.clear()) segment.family.version++;
    this.sweep(owner);
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
        f.cached[format] = cached = this.writer.write(f.header[format], f.sample[format], f.segments.values(), cached, f.version);
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

  /** The owner's segment of the family, made if missing. */
  private segmentOf(f: Family, owner: Owner): Segment {
    let segment = f.segments.get(owner);
    if (!segment) {
      f.segments.set(owner, (segment = new Segment(f, owner)));
      owner.segments.add(segment);
    }
    return segment;
  }

  /** An owner's segments lose their dropped series, and those left without series go (at the end
   * of its update: a segment is not made and dropped within one). */
  private sweep(owner: Owner): void {
    for (const segment of owner.segments) {
      if (segment.untidy) {
        segment.held = segment.held!.filter((held) => held.seen !== DROPPED);
        segment.gone = 0;
        segment.untidy = false;
      }
      if (!segment.empty) continue;
      owner.segments.delete(segment);
      if (segment.family.segments.get(owner) === segment) segment.family.segments.delete(owner);
      segment.family.version++;
    }
  }

  private drop(held: Held): void {
    this.dropped++;
    const { segment } = held;
    const { family: f, owner } = segment;
    if (held.seen !== DROPPED) {
      held.seen = DROPPED;
      segment.gone++;
      segment.untidy = true;
      segment.version++;
    }
    if (f.series.get(held.labels) === held) f.series.delete(held.labels);
    if (owner.series.get(held.key) === held) owner.series.delete(held.key);
    f.version++;
  }
}

/** Held.seen of a series dropped. */
const DROPPED = -1;
