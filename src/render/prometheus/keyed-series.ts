import type { SeriesKey } from './collector.js';

/** What the keyed list needs of a segment (one owner's series of one family). */
export interface KeyedSegment<F> {
  readonly family: F;
  /** Its keyed series: the list's `order` from `from` to `to` (set when the list is reshaped). */
  from: number;
  to: number;
}

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
 * are half a million of them. A position's segment and label text are numbers, places in small
 * tables (a list names a few dozen of each), off V8's heap like its value: half a million
 * pointers fewer a column for the heap to hold and each full collection to mark. Positions are
 * in the order the last update emitted the keys: a collector emits the same keys in the same
 * order poll after poll, so an update that does compares each key with the one at its place and
 * its value with the held one, and builds nothing. The first key not at its place turns the rest
 * of the update to the slow way: the list from there on is set aside, and each key after is
 * found in it by a map. Invariants after an update: keys distinct, label texts in the table
 * distinct, and within a segment the live positions' labels distinct (two keys of the same
 * labels: the later one wins, the earlier is dead: no segment).
 */
export class KeyedList<F, S extends KeyedSegment<F>> {
  keys: SeriesKey[] = [];
  /** Its room may exceed `length` (as seg's and label's). */
  values = new Float64Array(0);
  /** The live positions grouped by segment, each segment's in list order (KeyedSegment). */
  order = new Uint32Array(0);
  length = 0;
  /** Per position: its segment's place in segTable (0: none, a series gone), its label text's
   * in labelTable. */
  private seg = new Uint32Array(0);
  private label = new Uint32Array(0);
  private segTable: (S | undefined)[] = [undefined];
  private labelTable: string[] = [];

  private n = 0;
  private slow: Slow<S> | undefined;
  added = false;
  dropped = 0;

  /** The label text of a live position. */
  labelAt(p: number): string {
    return this.labelTable[this.label[p]!]!;
  }

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
    if (this.slow === undefined && n < this.length && this.keys[n] === key) {
      const seg = this.segTable[this.seg[n]!];
      if (seg !== undefined && seg.family === f) {
        if (!sameValue(this.values[n]!, value)) {
          this.values[n] = value;
          store.changed(seg);
        }
        this.n++;
        return;
      }
    }
    const slow = (this.slow ??= this.setAside());
    // Emitted before in this update: one series, the last value.
    const p = slow.placed.get(key);
    const placedSeg = p === undefined ? undefined : this.segAt(p);
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
      const old = this.segTable[slow.seg[q]!]!;
      slow.seg[q] = 0;
      if (old.family === f) {
        // (Its segment is written again anyway: finish() remakes the order of a list that strayed.)
        this.place(store, slow, key, old, slow.label[q]!, value);
        return;
      }
      this.dropped++;
      store.changed(old);
    }
    const segment = store.segmentOf(f);
    this.place(store, slow, key, segment, labelIndex(slow, this.labelTable, store.labelsOf(extra)), value);
    this.added = true;
    store.changed(segment);
  }

  /** Ends an update: what it did not emit goes; the list remade if it changed. */
  finish(store: KeyedStore<F, S>): void {
    const { n, slow } = this;
    const last = this.length;
    this.slow = undefined;
    if (slow === undefined && n === last) return;
    // Reshaped or reordered: every segment the list held or holds gets its series again (and its
    // lines written again: they are written in list order).
    const touched = new Set<S>(slow?.segments);
    for (let i = 0; i < (slow ? n : last); i++) if (this.seg[i]) touched.add(this.segAt(i)!);
    if (slow === undefined) for (let i = n; i < last; i++) this.gone(this.seg[i]!);
    else for (const s of slow.seg) this.gone(s);
    // Copies of their own size (grown one series at a time, a list has up to as much room again),
    // with tables of only what the list still names.
    const segTable: (S | undefined)[] = [undefined];
    const labelTable: string[] = [];
    const segNew = new Uint32Array(this.segTable.length);
    const labelNew = new Int32Array(this.labelTable.length).fill(-1);
    const seg = new Uint32Array(n);
    const label = new Uint32Array(n);
    const count = [0];
    for (let i = 0; i < n; i++) {
      const s = this.seg[i]!;
      if (s === 0) continue;
      if (segNew[s] === 0) {
        segNew[s] = segTable.push(this.segTable[s]) - 1;
        count.push(0);
      }
      count[(seg[i] = segNew[s]!)]!++;
      const l = this.label[i]!;
      if (labelNew[l]! < 0) labelNew[l] = labelTable.push(this.labelTable[l]!) - 1;
      label[i] = labelNew[l]!;
    }
    for (const s of touched) s.from = s.to = 0;
    let at = 0;
    for (let k = 1; k < segTable.length; k++) {
      const s = segTable[k]!;
      s.from = s.to = at;
      at += count[k]!;
    }
    const order = new Uint32Array(at);
    for (let i = 0; i < n; i++) if (seg[i]) order[segTable[seg[i]!]!.to++] = i;
    this.keys = this.keys.slice(0, n);
    this.values = this.values.slice(0, n);
    this.seg = seg;
    this.label = label;
    this.segTable = segTable;
    this.labelTable = labelTable;
    this.order = order;
    this.length = n;
    for (const s of touched) store.changed(s);
  }

  /** Drops every series (the owner is no longer watched); returns the segments that held some. */
  clear(): Set<S> {
    const segments = new Set<S>();
    for (let i = 0; i < this.length; i++) if (this.seg[i]) segments.add(this.segAt(i)!);
    for (const s of segments) s.from = s.to = 0;
    this.keys = [];
    this.values = new Float64Array(0);
    this.order = new Uint32Array(0);
    this.seg = new Uint32Array(0);
    this.label = new Uint32Array(0);
    this.segTable = [undefined];
    this.labelTable = [];
    this.length = 0;
    return segments;
  }

  private segAt(p: number): S | undefined {
    return this.segTable[this.seg[p]!];
  }

  private gone(seg: number): void {
    if (seg !== 0) this.dropped++;
  }

  /** The slow way from position n: the list from n on set aside, found by key; the series placed
   * so far found by key, and by labels within their segment. */
  private setAside(): Slow<S> {
    const { n, length } = this;
    const slow: Slow<S> = {
      keys: this.keys.slice(n, length),
      seg: this.seg.slice(n, length),
      label: this.label.slice(n, length),
      index: new Map(),
      placed: new Map(),
      byLabels: new Map(),
      segments: new Set(),
      segAt: new Map(),
      labelAt: new Map(),
    };
    for (let k = 1; k < this.segTable.length; k++) slow.segAt.set(this.segTable[k]!, k);
    for (let k = 0; k < this.labelTable.length; k++) slow.labelAt.set(this.labelTable[k]!, k);
    for (let q = 0; q < slow.keys.length; q++) {
      if (slow.seg[q] === 0) continue;
      slow.segments.add(this.segTable[slow.seg[q]!]!);
      slow.index.set(slow.keys[q]!, q);
    }
    for (let p = 0; p < n; p++) {
      const seg = this.segAt(p);
      if (seg === undefined) continue;
      slow.placed.set(this.keys[p]!, p);
      labelsIn(slow, seg).set(this.label[p]!, p);
    }
    return slow;
  }

  private place(store: KeyedStore<F, S>, slow: Slow<S>, key: SeriesKey, seg: S, label: number, value: number): void {
    // Another key of the same labels in this segment: the later one wins, /metrics shows it once.
    const byLabels = labelsIn(slow, seg);
    const other = byLabels.get(label);
    if (other !== undefined && this.segAt(other) === seg) this.kill(store, slow, other);
    const n = this.n++;
    if (n >= this.values.length) {
      const room = Math.max(16, n * 2);
      this.values = grown(new Float64Array(room), this.values);
      this.seg = grown(new Uint32Array(room), this.seg);
      this.label = grown(new Uint32Array(room), this.label);
    }
    let s = slow.segAt.get(seg);
    if (s === undefined) slow.segAt.set(seg, (s = this.segTable.push(seg) - 1));
    this.keys[n] = key;
    this.seg[n] = s;
    this.label[n] = label;
    this.values[n] = value;
    slow.placed.set(key, n);
    byLabels.set(label, n);
  }

  /** A series placed in this update that goes after all. */
  private kill(store: KeyedStore<F, S>, slow: Slow<S>, p: number): void {
    const seg = this.segAt(p)!;
    this.seg[p] = 0;
    slow.placed.delete(this.keys[p]!);
    slow.segments.add(seg);
    this.dropped++;
    store.changed(seg);
  }
}

/** The state of an update that took the slow way. */
interface Slow<S> {
  /** The last update's list from where the slow way began; a series found in it is taken out
   * (its segment set to none). */
  readonly keys: SeriesKey[];
  readonly seg: Uint32Array;
  readonly label: Uint32Array;
  readonly index: Map<SeriesKey, number>;
  /** This update's series so far, by key and by segment and label text. */
  readonly placed: Map<SeriesKey, number>;
  readonly byLabels: Map<S, Map<number, number>>;
  /** The segments of the part set aside, and of series killed. */
  readonly segments: Set<S>;
  /** The tables' places of segments and label texts. */
  readonly segAt: Map<S, number>;
  readonly labelAt: Map<string, number>;
}

function labelsIn<S>(slow: Slow<S>, seg: S): Map<number, number> {
  let m = slow.byLabels.get(seg);
  if (!m) slow.byLabels.set(seg, (m = new Map<number, number>()));
  return m;
}

/** The place of a label text in the table, added if missing. */
function labelIndex<S>(slow: Slow<S>, table: string[], labels: string): number {
  let l = slow.labelAt.get(labels);
  if (l === undefined) slow.labelAt.set(labels, (l = table.push(labels) - 1));
  return l;
}

function grown<T extends Float64Array | Uint32Array>(room: T, from: T): T {
  room.set(from);
  return room;
}
