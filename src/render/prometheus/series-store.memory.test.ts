/** What a series costs the store to hold: its label text is held flat, once. Label text is built
 * by `+` from many pieces; V8 keeps such a string as a tree of them (some 30 bytes a piece)
 * unless something flattens it, and the optimising compiler once dropped the read that did (a
 * fleet's 535,000 series held ~300 bytes each of trees). Runs in a process of its own
 * (scripts/test-files.sh: .memory. tests). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from './collector.js';
import { SeriesStore } from './series-store.js';
import type { SeriesOwner } from '../../snapshot.js';
import { memoryAfterGc } from '../../../test/support/heap.js';

const FAMILY = 'kea_test_gauge';
const PIECES = 12;
const PER_OWNER = 2000;

/** Series keyed by an object of the collector's (as the statistics are), labels in pieces. */
function collector(keys: object[], round: number): Collector<SeriesOwner> {
  return {
    metrics: [{ name: FAMILY, type: 'gauge', help: 'A test gauge.' }],
    collect(_s, emit) {
      for (let i = 0; i < keys.length; i++) {
        const labels: Record<string, string> = {};
        for (let p = 0; p < PIECES; p++) labels[`l${p}`] = `v${p}-${i}`;
        emit(FAMILY, round + i, labels, undefined, keys[i]);
      }
    },
  };
}

test('a series costs its label text held once, flat: no tree of the pieces it was built from', () => {
  const store = new SeriesStore([{ name: FAMILY, type: 'gauge', help: 'A test gauge.' }]);
  const owner = (n: number): SeriesOwner => ({ target: `t${n}`, daemon: 'dhcp4', labels: {} });
  // Warm-up owners: enough updates for the optimising compiler to take the store's hot path.
  for (let n = 0; n < 20; n++) {
    const keys = Array.from({ length: PER_OWNER }, () => ({}));
    for (let round = 0; round < 3; round++) store.update(`w${n}`, owner(n), [collector(keys, round)]);
    store.chunks(false);
  }
  const before = memoryAfterGc().heapUsed;
  const owners = 10;
  const keys = Array.from({ length: owners }, () => Array.from({ length: PER_OWNER }, () => ({})));
  for (let n = 0; n < owners; n++) store.update(`m${n}`, owner(100 + n), [collector(keys[n]!, 0)]);
  const body = Buffer.concat(store.chunks(false)).toString();
  const perSeries = (memoryAfterGc().heapUsed - before) / (owners * PER_OWNER);
  const line = body.split('\n').find((l) => l.includes('target="t100"'))!;
  // Held once as a flat one-byte string (its length and a header), plus the series' own objects
  // and map entries: ~410 bytes here (a line of ~170), against ~1,260 with the tree of
  // PIECES * 4 pieces kept.
  const bound = line.length + 400;
  assert.ok(perSeries < bound, `${perSeries.toFixed(0)} bytes of heap per series, over ${bound}`);
  assert.ok(keys.length > 0);
});

test("keyed series that share a labels object share its text: a subnet's statistics hold its label text once", () => {
  const families = Array.from({ length: 8 }, (_, f) => ({ name: `kea_test_family_${f}`, type: 'gauge' as const, help: 'A test gauge.' }));
  const store = new SeriesStore(families);
  const subnets = 2000;
  const make = (): Collector<SeriesOwner> => {
    const labels = Array.from({ length: subnets }, (_, i) => {
      const l: Record<string, string> = {};
      for (let p = 0; p < PIECES; p++) l[`l${p}`] = `v${p}-${i}`;
      return l;
    });
    const keys = families.map(() => labels.map(() => ({})));
    return {
      metrics: families,
      collect(_s, emit) {
        for (let i = 0; i < subnets; i++) for (let f = 0; f < families.length; f++) emit(families[f]!.name, i, labels[i], undefined, keys[f]![i]);
      },
    };
  };
  const owner = (n: number): SeriesOwner => ({ target: `t${n}`, daemon: 'dhcp4', labels: {} });
  for (let n = 0; n < 5; n++) store.update(`w${n}`, owner(n), [make()]);
  const collectors = Array.from({ length: 5 }, make);
  const before = memoryAfterGc().heapUsed;
  collectors.forEach((c, n) => store.update(`m${n}`, owner(100 + n), [c]));
  const perSeries = (memoryAfterGc().heapUsed - before) / (5 * subnets * families.length);
  const line = Buffer.concat(store.chunks(false))
    .toString()
    .split('\n')
    .find((l) => l.includes('target="t100"'))!;
  // The series' own objects and map entries (~190 bytes) and an eighth of a label text each:
  // ~210 bytes here; ~390 with a text of its own (a line of ~170).
  const bound = line.length + 110;
  assert.ok(perSeries < bound, `${perSeries.toFixed(0)} bytes of heap per series, over ${bound}`);
  assert.equal(collectors.length, 5);
});

test('series named by labels that come and go on every update leave nothing behind: a segment keeps only its live ones', () => {
  const store = new SeriesStore([{ name: FAMILY, type: 'gauge', help: 'A test gauge.' }]);
  const perUpdate = 1000;
  // An owner whose series all go and others come each update (a daemon reporting new HA
  // relationships, or a hostile one), and one that keeps a few, so that its segment stays.
  const churn = (round: number): Collector<SeriesOwner> => ({
    metrics: [{ name: FAMILY, type: 'gauge', help: 'A test gauge.' }],
    collect(_s, emit) {
      emit(FAMILY, 1, { kept: 'yes' });
      for (let i = 0; i < perUpdate; i++) emit(FAMILY, i, { id: `r${round}-${i}`.padEnd(60, '.') });
    },
  });
  const owner: SeriesOwner = { target: 't', daemon: 'dhcp4', labels: {} };
  const rounds = (from: number, to: number) => {
    for (let round = from; round < to; round++) {
      store.update('churn', owner, [churn(round)]);
      store.chunks(false);
    }
  };
  rounds(0, 10);
  const before = memoryAfterGc().heapUsed;
  rounds(10, 60);
  const grown = memoryAfterGc().heapUsed - before;
  // Fifty updates' dropped series (50,000 of ~200 bytes and a 90-byte label text) are ~15 MB
  // when kept; what is live is one update's (~0.3 MB).
  assert.ok(grown < 3e6, `${(grown / 1e6).toFixed(1)} MB of heap kept by 50 updates of churning series`);
  const body = Buffer.concat(store.chunks(false)).toString();
  assert.equal(body.split('\n').filter((l) => l.startsWith(FAMILY)).length, perUpdate + 1);
});

test("a fleet's keyed series hold one pointer each, their key: segment, label text and value are numbers off the heap", () => {
  // As a fleet's statistics: Kea's names shared by every daemon, a labels object per subnet.
  const families = Array.from({ length: 8 }, (_, f) => ({ name: `kea_test_family_${f}`, type: 'gauge' as const, help: 'A test gauge.' }));
  const subnets = 200;
  const names = families.map((_, f) => Array.from({ length: subnets }, (_, i) => `subnet[${i}].statistic-${f}`));
  const make = (): Collector<SeriesOwner> => {
    const labels = Array.from({ length: subnets }, (_, i) => ({ subnet: String(i) }));
    return {
      metrics: families,
      collect(_s, emit) {
        for (let i = 0; i < subnets; i++) for (let f = 0; f < families.length; f++) emit(families[f]!.name, i, labels[i], undefined, names[f]![i]);
      },
    };
  };
  const store = new SeriesStore(families);
  const owner = (n: number): SeriesOwner => ({ target: `t${n}`, daemon: 'dhcp4', labels: {} });
  for (let n = 0; n < 5; n++) store.update(`w${n}`, owner(n), [make()]);
  const owners = 100;
  const collectors = Array.from({ length: owners }, make);
  const before = memoryAfterGc();
  collectors.forEach((c, n) => store.update(`m${n}`, owner(100 + n), [c]));
  const after = memoryAfterGc();
  const series = owners * subnets * families.length;
  const heap = (after.heapUsed - before.heapUsed) / series;
  const offHeap = (after.arrayBuffers - before.arrayBuffers) / series;
  // Its key (8 bytes), an eighth of its subnet's label text and its map entry, its share of its
  // owner's segments: ~28 bytes here; a segment, a label text and a place in a list each as
  // pointers were ~51. Off the heap: its value (8), its segment's and label text's places and
  // its place in the order (4 each).
  assert.ok(heap < 40, `${heap.toFixed(1)} bytes of heap per keyed series, over 40`);
  assert.ok(offHeap < 24, `${offHeap.toFixed(1)} bytes off the heap per keyed series, over 24`);
  assert.equal(collectors.length, owners);
});
