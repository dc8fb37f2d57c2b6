/** The keyed series as columns (KeyedList, through the store that holds them): whatever updates
 * came before, an owner's text is the text a fresh store writes for the last update alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Collector, SeriesKey } from './collector.js';
import { SeriesStore } from './series-store.js';
import type { SeriesOwner } from '../../snapshot.js';

const GAUGE = { name: 'kea_test_gauge', type: 'gauge', help: 'A test gauge.' } as const;
const COUNTER = { name: 'kea_test_total', type: 'counter', help: 'A test counter.' } as const;
const FAMILIES = [GAUGE, COUNTER];
const OWNER: SeriesOwner = { target: 't', daemon: 'dhcp4', labels: {} };

// Keys of both kinds; each always comes with the same labels object (Emit's contract), and some
// share label values (two keys of the same labels: the later one wins).
const KEYS: SeriesKey[] = [{}, {}, {}, {}, 'subnet[1].a', 'subnet[1].b', 'subnet[2].a'];
const LABELS = KEYS.map((_, i) => ({ n: String(i % 5) }));

type Emitted = { key: number; family: number; value: number };
const emittedArb = fc.record({ key: fc.nat(KEYS.length - 1), family: fc.nat(1), value: fc.integer({ min: -2, max: 3 }) });

function collector(update: readonly Emitted[]): Collector<SeriesOwner> {
  return {
    metrics: FAMILIES,
    collect(_s, emit) {
      for (const e of update) emit(FAMILIES[e.family]!.name, e.value, LABELS[e.key], undefined, KEYS[e.key]);
    },
  };
}

const text = (store: SeriesStore) =>
  store
    .chunks(false)
    .map((c) => c.toString())
    .join('\n');
const sampleLines = (store: SeriesStore) =>
  text(store)
    .split('\n')
    .filter((l) => l.startsWith('kea_test'));

/** What the store must show after an update, from that update alone: a key emitted again is one
 * series of the last value (another family under it: another series, emitted last); a series
 * appearing displaces an earlier one of its family and labels; a counter below 0 is left out. */
function model(update: readonly Emitted[]): { lines: string[]; invalid: number } {
  const alive: { key: SeriesKey; family: number; labels: string; value: number }[] = [];
  let invalid = 0;
  for (const e of update) {
    if (e.family === 1 && e.value < 0) {
      invalid++;
      continue;
    }
    const key = KEYS[e.key]!;
    const labels = LABELS[e.key]!.n;
    const same = alive.findIndex((x) => x.key === key);
    if (same >= 0 && alive[same]!.family === e.family) {
      alive[same]!.value = e.value;
      continue;
    }
    if (same >= 0) alive.splice(same, 1);
    const other = alive.findIndex((x) => x.family === e.family && x.labels === labels);
    if (other >= 0) alive.splice(other, 1);
    alive.push({ key, family: e.family, labels, value: e.value });
  }
  const lines = FAMILIES.flatMap((f, i) => alive.filter((x) => x.family === i).map((x) => `${f.name}{target="t",daemon="dhcp4",n="${x.labels}"} ${x.value}`));
  return { lines, invalid };
}

test("an owner's keyed series read as the last update alone makes them: order, values, repeats, collisions, invalid ones", () => {
  fc.assert(
    fc.property(fc.array(fc.array(emittedArb, { maxLength: 12 }), { minLength: 1, maxLength: 8 }), (updates) => {
      const store = new SeriesStore(FAMILIES);
      for (const [i, update] of updates.entries()) {
        const r = store.update('t', OWNER, [collector(update)]);
        const want = model(update);
        assert.deepEqual(sampleLines(store), want.lines, `update ${i}`);
        assert.equal(r.invalid, want.invalid);
        // And byte for byte what a fresh store writes for this update alone.
        const fresh = new SeriesStore(FAMILIES);
        fresh.update('t', OWNER, [collector(update)]);
        assert.equal(text(store), text(fresh), `update ${i}`);
        // Scraped or not in between: the same.
        if (i % 2 === 0) store.chunks(true);
      }
    }),
    { numRuns: 400 },
  );
});

test('an update that emits what the last one did, in its order, changes no segment and writes no line again', () => {
  const store = new SeriesStore(FAMILIES);
  const update: Emitted[] = KEYS.map((_, key) => ({ key, family: key % 2, value: key }));
  store.update('t', OWNER, [collector(update)]);
  store.chunks(false);
  const lines = store.linesWritten;
  const r = store.update('t', OWNER, [collector(update)]);
  assert.equal(r.reshaped, false);
  store.chunks(false);
  assert.equal(store.linesWritten, lines);
  // One value changed: that one owner's segment of that family is written again, nothing else.
  store.update('t', OWNER, [collector(update.map((e) => (e.key === 2 ? { ...e, value: 9 } : e)))]);
  store.chunks(false);
  assert.equal(store.linesWritten, lines + 1);
  assert.match(text(store), /kea_test_gauge\{target="t",daemon="dhcp4",n="2"\} 9/);
});

test('an owner removed takes its keyed series with it, and its segments', () => {
  const store = new SeriesStore(FAMILIES);
  const update: Emitted[] = KEYS.map((_, key) => ({ key, family: key % 2, value: 1 }));
  store.update('a', { ...OWNER, target: 'a' }, [collector(update)]);
  store.update('b', { ...OWNER, target: 'b' }, [collector(update)]);
  store.remove('a');
  assert.doesNotMatch(text(store), /target="a"/);
  const fresh = new SeriesStore(FAMILIES);
  fresh.update('b', { ...OWNER, target: 'b' }, [collector(update)]);
  assert.equal(text(store), text(fresh));
});
