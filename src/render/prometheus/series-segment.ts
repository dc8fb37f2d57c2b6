/** What the series store holds, owner by owner and family by family (series-store.ts). */
import type { MetricDef } from './collector.js';
import type { Format, Head, Written } from './family-bytes.js';
import { valueText } from './family-text.js';
import type { KeyedList } from './keyed-series.js';

/** Held.seen of a series dropped. */
export const DROPPED = -1;

/** One series as the last poll of its owner set it: counters hold the absolute value Kea reports
 * (a lower one is a reset, written as it is, as client_golang's const metrics do). These are the
 * series a collector names by their labels; those it keys by an object of its own (Emit's `key`,
 * the statistics) are columns of their owner's KeyedList. */
export interface Held {
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
export class Segment {
  /** Its series named by labels, in the order they appeared; made with the first (a fleet's
   * statistics segments, 60,000 of them, hold none). A list, not a set (~100 bytes less for the
   * one or two most hold): a series dropped stays in it, marked, until its owner's sweep, which
   * also gives a list that grew one of its own size (push leaves room for 16 more). */
  held: Held[] | undefined;
  /** `held` grew or lost some since the last sweep. */
  untidy = false;
  /** Its keyed series: positions in the owner's KeyedList, `order[from, to)` (no list each). */
  from = 0;
  to = 0;
  /** Bumped whenever one of its series changes, appears or goes. */
  version = 0;

  constructor(
    readonly family: Family,
    readonly owner: Owner,
  ) {}

  /** Its lines: keyed series first, in their owner's order, then the others. */
  text(sample: string): string {
    let text = '';
    const keyed = this.owner.keyed;
    const { order, values } = keyed;
    for (let k = this.from; k < this.to; k++) {
      const p = order[k]!;
      text += `\n${sample}${keyed.labelAt(p)} ${valueText(values[p]!)}`;
    }
    if (this.held) for (const held of this.held) if (held.seen !== DROPPED) text += `\n${sample}${held.labels} ${valueText(held.value)}`;
    return text;
  }

  get empty(): boolean {
    // Read by the sweep only, after it took out the dropped series.
    return this.from === this.to && !this.held?.length;
  }
}

export interface Owner {
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

export interface Family {
  readonly def: MetricDef;
  /** Every owner's series but keyed ones, by label text. */
  readonly series: Map<string, Held>;
  /** Each owner's series, owners in the order they first reported one. */
  readonly segments: Map<Owner, Segment>;
  /** Bumped whenever one of its series changes, appears or goes. */
  version: number;
  /** Its header as text and deflated, per format. */
  readonly header: Record<Format, Head>;
  readonly sample: Record<Format, string>;
  /** Its text as last written, per format and encoding. */
  cached: Partial<Record<`${Format}${'' | '+gzip'}`, Written>>;
}
