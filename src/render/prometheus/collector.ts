import type { DaemonSnapshot, SeriesOwner } from '../../snapshot.js';

/** One metric family: its labels are the per-daemon labels (target, daemon, configured ones)
 * plus `labels`. Counters end in _total, info metrics in _info (value 1). */
export interface MetricDef {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly labels?: readonly string[];
}

/** Sets one series of this daemon. For counters, value is the running total. A family not
 * declared up front (an unknown Kea statistic) is created from `def` on first use. `key`: an
 * object or string that stands for this one series of this daemon (this family, these labels)
 * for as long as the collector passes it, so the store finds the series by it and not by its
 * label values (the statistics: tens of thousands a poll, keyed by Kea's name). Keyed series
 * that pass the same `labels` object share one label text, so such an object must not change
 * while its keys are in use. */
export type Emit = (name: string, value: number, labels?: Readonly<Record<string, string>>, def?: MetricDef, key?: SeriesKey) => void;
export type SeriesKey = object | string;

/** A small unit that turns part of a snapshot into series (node_exporter's collectors). */
export interface Collector<S extends SeriesOwner = DaemonSnapshot> {
  readonly metrics: readonly MetricDef[];
  collect(s: S, emit: Emit): void;
}

/** A state set: 1 for the current state, 0 for each other known one. The known states' label
 * objects are made once per family and label values and passed as their series' keys (Emit's
 * `key`): state sets are most of a fleet's status series, and a key is found at its place
 * without building a label key per series and poll. */
export function emitStateSet(emit: Emit, name: string, known: readonly string[], current: string, labels: Readonly<Record<string, string>>): void {
  const sets = stateLabels(name, known, labels);
  for (let i = 0; i < known.length; i++) emit(name, known[i] === current ? 1 : 0, sets[i], undefined, sets[i]);
  // Object.assign, not a spread into a literal: V8 (Node 20) takes a slow path for that.
  if (!known.includes(current)) emit(name, 1, Object.assign({}, labels, { state: current }));
}

/** Label objects of state sets by family and label values: as many as there are HA
 * relationships in the fleet; cleared past MAX_STATE_LABELS (a key that changes is a new series
 * to the store, the old one swept: correct, only slower). */
const STATE_LABELS = new Map<string, readonly Readonly<Record<string, string>>[]>();
export const MAX_STATE_LABELS = 4096;
/** Tests: the label sets held now. */
export const stateLabelsHeld = (): number => STATE_LABELS.size;

function stateLabels(name: string, known: readonly string[], labels: Readonly<Record<string, string>>): readonly Readonly<Record<string, string>>[] {
  const id = seriesId(name, labels);
  let sets = STATE_LABELS.get(id);
  if (sets?.length !== known.length) {
    if (STATE_LABELS.size >= MAX_STATE_LABELS) STATE_LABELS.clear();
    sets = known.map((state) => Object.freeze(Object.assign({}, labels, { state })));
    STATE_LABELS.set(id, sets);
  }
  return sets;
}

/** A family's series by its label values (a family's series all carry the same label names, in
 * the same order): each value with its length, so that no value can pass for two. */
export function seriesId(name: string, labels: Readonly<Record<string, string>> | undefined): string {
  let id = name;
  if (labels) for (const k in labels) id += ` ${labels[k]!.length}:${labels[k]}`;
  return id;
}

export const bool = (b: boolean): number => (b ? 1 : 0);

/** Whether a sample can be exported: a counter finite and >= 0, a gauge any number (NaN and
 * ±Inf are valid samples of a gauge). Anything else is left out and counted, in /metrics and in
 * OTLP alike. */
export function exportable(type: MetricDef['type'], value: unknown): value is number {
  if (typeof value !== 'number') return false;
  return type === 'gauge' || (value >= 0 && value < Infinity);
}
