import type { SeriesKey } from './collector.js';

/** What the keyed list needs of a segment (one owner's series of one family). */
export interface KeyedSegment<F> {
  readonly family: F;
  /** Positions of its keyed series in its owner's list, in the list's order (remade when the
   * list is reshaped). */
  slots: readonly number[];
}

/** The slots of a segment without keyed series (most of a fleet's status segments): one list
 * for all, not an empty one each. */
export const NO_SLOTS: readonly number[] = Object.freeze([]);

/** What the store does for the keyed list during one update. */
export interface KeyedStore<F, S extends KeyedSegment<F>> {
  /** The owner's segment of the family, made if missing. */
  segmentOf(f: F): S;
  /** The label text of a keyed series appearing. */
  labelsOf(extra: Readonly<Record<string, string>> | undefined): string;
  /** One of the segment's lines changed, appeared or went. */
  changed(segment: S): void;
}

const sameValue = (a: number, b: number): boolean => a === b || (a !== a && b !== b);

/**
 * One owner's keyed series (Emit's `key`) as columns, not an object each: a fleet's statistics
 * are half a million of them, and an object, a boxed value and a set entry each cost ~140 bytes
 * a series more than these arrays. Positions are in the order the last update emitted the keys:
 * a collector emits the same keys in the same order poll after poll, so an update that does
 * compares each key with the one at its place and its value with the held one, and builds
 * nothing. The first key not at its place turns the rest of the update to the slow way: the
 * list from there on is set aside, and each key after is found in it by a map. Invariants after
 * an update: keys distinct, and within a segment the live positions' labels distinct (two keys
 * of the same labels: the later one wins, the earlier is dead: segs[i] undefined).
 */
export class KeyedList<F, S extends KeyedSegment<F>> {
  keys: SeriesKey[] = [];
  segs: (S | undefined)[] = [];
  labels: string[] = [];
  /** Off V8's heap: a fleet's statistics are half a million values, and what the heap holds it
   * grows by a third again before each full collection. Its room may exceed `length`. */
  values = new Float64Array(0);
  length = 0;

  private n = 0;
  private slow: Slow<S> | undefined;
  added = false;
  dropped = 0;

  /** Starts an update. */
  begin(): void {
    this.n = 0;
    this.slow = undefined;
    this.added = false;
    this.dropped = 0;
  }

  /** A key whose value cannot be exported this update: absent until it can again. */
  skip(): void {
    this.slow ??= this.setAside();
  }

  emit(store: KeyedStore<F, S>, f: F, key: SeriesKey, value: number, extra: Readonly<Record<string, string>> | undefined): void {
    const n = this.n;
    const seg = n < this.length ? this.segs[n] : undefined;
    if (this.slow === undefined && this.keys[n] === key && seg !== undefined && seg.family === f) {
      if (!sameValue(this.values[n]!, value)) {
        this.values[n] = value;
        store.changed(seg);
      }
      this.n++;
      return;
    }
    const slow = (this.slow ??= this.setAside());
    // Emitted before in this update: one series, the last value.
    const p = slow.placed.get(key);
    const placedSeg = p === undefined ? undefined : this.segs[p];
    if (placedSeg !== undefined) {
      if (placedSeg.family === f) {
        if (!sameValue(this.values[p!]!, value)) {
          this.values[p!] = value;
          store.changed(placedSeg);
        }
        return;
      }
      // A key stands for one family's series: another family under it is another series.
      this.kill(store, slow, p!);
    }
    const q = slow.index.get(key);
    if (q !== undefined) {
      slow.index.delete(key);
      const old = slow.segs[q]!;
      slow.segs[q] = undefined;
      if (old.family === f) {
        // (Its segment is written again anyway: finish() remakes the slots of a list that strayed.)
        this.place(store, slow, key, old, slow.labels[q]!, value);
        return;
      }
      this.dropped++;
      store.changed(old);
    }
    const segment = store.segmentOf(f);
    this.place(store, slow, key, segment, store.labelsOf(extra), value);
    this.added = true;
    store.changed(segment);
  }

  /** Ends an update: what it did not emit goes; segments' slots remade if the list changed. */
  finish(store: KeyedStore<F, S>): void {
    const { n, slow } = this;
    const last = this.length;
    this.slow = undefined;
    if (slow === undefined && n === last) return;
    // Reshaped or reordered: every segment the list held or holds gets its slots remade (and its
    // lines written again: they are written in slot order).
    const touched = new Set<S>(slow?.segments);
    for (let i = 0; i < (slow ? n : last); i++) if (this.segs[i]) touched.add(this.segs[i]!);
    if (slow === undefined) for (let i = n; i < last; i++) this.gone(this.segs[i]);
    else for (const seg of slow.segs) this.gone(seg);
    // Copies of their own size: grown one series at a time, a list has up to half as much room
    // again, kept for as long as the owner reports the same series.
    this.keys = this.keys.slice(0, n);
    this.segs = this.segs.slice(0, n);
    this.labels = this.labels.slice(0, n);
    this.values = this.values.slice(0, n);
    this.length = n;
    const slots = new Map<S, number[]>();
    for (const seg of touched) slots.set(seg, []);
    for (let i = 0; i < n; i++) if (this.segs[i]) slots.get(this.segs[i]!)!.push(i);
    for (const [seg, list] of slots) {
      seg.slots = list.length > 0 ? list.slice() : NO_SLOTS;
      store.changed(seg);
    }
  }

  /** Drops every series (the owner is no longer watched); returns the segments that held some. */
  clear(): Set<S> {
    const segments = new Set<S>();
    for (let i = 0; i < this.length; i++) if (this.segs[i]) segments.add(this.segs[i]!);
    for (const seg of segments) seg.slots = NO_SLOTS;
    this.keys = [];
    this.segs = [];
    this.labels = [];
    this.values = new Float64Array(0);
    this.length = 0;
    return segments;
  }

  private gone(seg: S | undefined): void {
    if (seg !== undefined) this.dropped++;
  }

  /** The slow way from position n: the list from n on set aside, found by key; the series placed
   * so far found by key, and by labels within their segment. */
  private setAside(): Slow<S> {
    const { n, length } = this;
    const slow: Slow<S> = {
      keys: this.keys.slice(n, length),
      segs: this.segs.slice(n, length),
      labels: this.labels.slice(n, length),
      index: new Map(),
      placed: new Map(),
      byLabels: new Map(),
      segments: new Set(),
    };
    for (let q = 0; q < slow.keys.length; q++) {
      const seg = slow.segs[q];
      if (seg === undefined) continue;
      slow.segments.add(seg);
      slow.index.set(slow.keys[q]!, q);
    }
    for (let p = 0; p < n; p++) {
      const seg = this.segs[p];
      if (seg === undefined) continue;
      slow.placed.set(this.keys[p]!, p);
      labelsIn(slow, seg).set(this.labels[p]!, p);
    }
    return slow;
  }

  private place(store: KeyedStore<F, S>, slow: Slow<S>, key: SeriesKey, seg: S, labels: string, value: number): void {
    // Another key of the same labels in this segment: the later one wins, /metrics shows it once.
    const byLabels = labelsIn(slow, seg);
    const other = byLabels.get(labels);
    if (other !== undefined && this.segs[other] === seg) this.kill(store, slow, other);
    const n = this.n++;
    this.keys[n] = key;
    this.segs[n] = seg;
    this.labels[n] = labels;
    if (n >= this.values.length) {
      const grown = new Float64Array(Math.max(16, n * 2));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[n] = value;
    slow.placed.set(key, n);
    byLabels.set(labels, n);
  }

  /** A series placed in this update that goes after all. */
  private kill(store: KeyedStore<F, S>, slow: Slow<S>, p: number): void {
    const seg = this.segs[p]!;
    this.segs[p] = undefined;
    slow.placed.delete(this.keys[p]!);
    slow.segments.add(seg);
    this.dropped++;
    store.changed(seg);
  }
}

/** The state of an update that took the slow way. */
interface Slow<S> {
  /** The last update's list from where the slow way began; a series found in it is taken out. */
  readonly keys: SeriesKey[];
  readonly segs: (S | undefined)[];
  readonly labels: string[];
  readonly index: Map<SeriesKey, number>;
  /** This update's series so far, by key and by segment and labels. */
  readonly placed: Map<SeriesKey, number>;
  readonly byLabels: Map<S, Map<string, number>>;
  /** The segments of the part set aside, and of series killed. */
  readonly segments: Set<S>;
}

function labelsIn<S>(slow: Slow<S>, seg: S): Map<string, number> {
  let m = slow.byLabels.get(seg);
  if (!m) slow.byLabels.set(seg, (m = new Map<string, number>()));
  return m;
}
