import type { SeriesOwner } from '../../snapshot.js';
import { exportable, seriesId, type Collector, type MetricDef, type SeriesKey } from './collector.js';
import { FamilyWriter, lease, type Head, type Lease, type Written } from './family-bytes.js';
import { deflatePiece, textPiece } from './gzip.js';
import { familyHeader, flat, labelPairs, sampleName, withExtra } from './family-text.js';
import { KeyedList, type KeyedStore } from './keyed-series.js';
import { DROPPED, Segment, type Family, type Held, type Owner } from './series-segment.js';

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

  /** Each family's text, encoded (gzip: as pieces of one deflate stream, gzip.ts), in
   * declaration order (unchanged ones as written before). Not held: for a body sent as it is,
   * see lease(). */
  chunks(openMetrics: boolean, gzip = false): Buffer[] {
    return this.current(openMetrics, gzip).map((w) => w.bytes);
  }

  /** chunks(), held until released (by a scrape's response, once sent or aborted). */
  lease(openMetrics: boolean, gzip = false): Lease {
    this.leases++;
    return lease(this.current(openMetrics, gzip), () => this.leases--);
  }

  /** Lets go of every family's text in a format and encoding (no scrape asks for it any more);
   * a response still sending one keeps it until released. */
  forget(openMetrics: boolean, gzip: boolean): void {
    const key = cacheKey(openMetrics, gzip);
    for (const f of this.families.values()) delete f.cached[key];
  }

  /** The formats and encodings some family's text is held in (tests). */
  held(): string[] {
    const keys = new Set<string>();
    for (const f of this.families.values()) for (const key of Object.keys(f.cached)) keys.add(key);
    return [...keys].sort();
  }

  /** Leases not yet released (tests: every response gives its own back). */
  leases = 0;

  /** Owners' lines written into family texts since the store was made (tests). */
  get linesWritten(): number {
    return this.writers.plain.linesWritten + this.writers.gzip.linesWritten;
  }

  private readonly writers = { plain: new FamilyWriter(), gzip: new FamilyWriter(true) };

  private current(openMetrics: boolean, gzip: boolean): Written[] {
    const format = openMetrics ? 'openMetrics' : 'text';
    const key = cacheKey(openMetrics, gzip);
    const writer = this.writers[gzip ? 'gzip' : 'plain'];
    const out: Written[] = [];
    for (const f of this.families.values()) {
      let cached = f.cached[key];
      if (cached?.version !== f.version) {
        f.cached[key] = cached = writer.write(f.header[format], f.sample[format], f.segments.values(), cached, f.version);
        this.written++;
      }
      out.push(cached);
    }
    writer.trim();
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
      header: { text: heads(familyHeader(def.name, def.help, def.type, false)), openMetrics: heads(familyHeader(def.name, def.help, def.type, true)) },
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
      segment.untidy = true;
      segment.version++;
    }
    if (f.series.get(held.labels) === held) f.series.delete(held.labels);
    if (owner.series.get(held.key) === held) owner.series.delete(held.key);
    f.version++;
  }
}

function cacheKey(openMetrics: boolean, gzip: boolean): keyof Family['cached'] {
  const format = openMetrics ? 'openMetrics' : 'text';
  return gzip ? `${format}+gzip` : format;
}

function heads(text: string): Head {
  const plain = textPiece(text);
  return { plain, gzip: deflatePiece(plain.bytes) };
}
