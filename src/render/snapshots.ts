import type { SeriesOwner } from '../snapshot.js';
import type { Collector, MetricDef } from './prometheus/collector.js';

/** An owner's latest snapshot and the collectors that turn it into series. */
export interface HeldSnapshot {
  readonly snapshot: SeriesOwner;
  readonly collectors: readonly Collector<SeriesOwner>[];
}

/** What every renderer of the series reads: the latest snapshot of each owner (a daemon, or a
 * daemon's statistics), by key, in the order the owners first reported. */
export interface SnapshotSource {
  snapshots(): Iterable<HeldSnapshot>;
  /** Every family declared up front, by name (a collector may emit a family another declares;
   * families of unknown statistics come with the sample that needs them). */
  readonly declared: ReadonlyMap<string, MetricDef>;
}

/** The latest snapshot per owner. Holds references only: a snapshot is replaced whole by the
 * next poll, never changed. */
export class Snapshots implements SnapshotSource {
  private readonly latest = new Map<string, HeldSnapshot>();
  readonly declared: ReadonlyMap<string, MetricDef>;

  constructor(defs: readonly MetricDef[]) {
    this.declared = new Map(defs.map((d) => [d.name, d]));
  }

  set<S extends SeriesOwner>(key: string, snapshot: S, collectors: readonly Collector<S>[]): void {
    // The collectors are kept beside the snapshot they came with and only ever run on it.
    this.latest.set(key, { snapshot, collectors });
  }

  delete(key: string): void {
    this.latest.delete(key);
  }

  snapshots(): Iterable<HeldSnapshot> {
    return this.latest.values();
  }
}
