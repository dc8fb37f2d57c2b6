/** The store's family texts and the rooms they are written in: a room a scrape's response still
 * holds is never written again, and one released is, its lines moved within it (no new
 * allocation per scrape of a fleet's statistics). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from './collector.js';
import { gunzipSync } from 'node:zlib';
import { WHOLE_BELOW, type Lease } from './family-bytes.js';
import { GZIP_HEADER, gzipTrailer } from './gzip.js';
import { SeriesStore } from './series-store.js';
import type { SeriesOwner } from '../../snapshot.js';

const FAMILY = { name: 'kea_test_gauge', type: 'gauge', help: 'A test gauge.' } as const;
const OWNER: SeriesOwner = { target: 't', daemon: 'dhcp4', labels: {} };

/** `n` series (50 unless given) valued `value`, keyed as the statistics are. */
const keys = Array.from({ length: 1600 }, () => ({}));
function collector(value: number, n = 50): Collector<SeriesOwner> {
  return {
    metrics: [FAMILY],
    collect(_s, emit) {
      for (let i = 0; i < n; i++) emit(FAMILY.name, value, { n: String(i) }, undefined, keys[i]);
    },
  };
}

/** The store's text of the family after an update to `value`, held. */
function scrape(store: SeriesStore, value: number) {
  store.update('t', OWNER, [collector(value)]);
  const lease = store.lease(false);
  return { lease, bytes: lease.chunks[0]!, copy: Buffer.from(lease.chunks[0]!) };
}

test('a text a response holds is never written over; once released, its room is written again', () => {
  const store = new SeriesStore([FAMILY]);
  const first = scrape(store, 1);
  // Held: the next text is written in a room of its own, and the held bytes stay as sent.
  const later = new Set<ArrayBufferLike>();
  for (let v = 2; v < 12; v++) {
    const s = scrape(store, v);
    later.add(s.bytes.buffer);
    assert.ok(s.copy.toString().includes(` ${v}`));
    s.lease.release();
  }
  assert.deepEqual(first.bytes, first.copy, 'the held text is as it was sent');
  assert.equal(later.size, 1, 'one room, written again once released');
  assert.ok(!later.has(first.bytes.buffer), 'never the one still held');
  first.lease.release();
});

/** A family's text as the store wrote it: as it is, or its deflated pieces made one gzip member. */
function textOf(lease: Lease, gzip: boolean): Buffer {
  const w = lease.texts[0]!;
  if (!gzip) return w.bytes;
  return gunzipSync(Buffer.concat([GZIP_HEADER, w.bytes, gzipTrailer(w.gzip!.text.crc, w.gzip!.text.length)]));
}

const MODES = [
  { gzip: false, series: 50, name: '' },
  { gzip: true, series: 50, name: ', deflated whole (a small family)' },
  // Past WHOLE_BELOW (5 owners of ~80 KB each, 4 while one is gone): deflated owner by owner, the unchanged kept.
  { gzip: true, series: 1600, name: ', deflated owner by owner (a large family)' },
];

for (const { gzip, series, name } of MODES)
  test(`lines moved within a room, left and right, held or not, owners going and coming: the text reads as one written afresh${name}`, () => {
    // Owners whose values change in length (so later owners' lines move either way), one a step;
    // every seventh step one goes (and comes back last, at its next update).
    const values = [1, 22, 333, 4444, 55555];
    const owner = (i: number): SeriesOwner => ({ target: `t${i}`, daemon: 'dhcp4', labels: {} });
    const store = new SeriesStore([FAMILY]);
    const present = values.map((_, i) => i);
    values.forEach((v, i) => store.update(`o${i}`, owner(i), [collector(v, series)]));
    let held: Lease | undefined;
    const lengths = [1, 1e21, 7, 123_456_789, 0.5, 42, 1e-7, 3];
    for (let step = 0; step < 40; step++) {
      const i = (step * 3) % values.length;
      if (step % 7 === 6 && present.length > 1) {
        store.remove(`o${i}`);
        present.splice(present.indexOf(i), 1);
      } else {
        values[i] = lengths[step % lengths.length]! * (step + 1);
        store.update(`o${i}`, owner(i), [collector(values[i], series)]);
        if (!present.includes(i)) present.push(i);
      }
      const lease = store.lease(false, gzip);
      const fresh = new SeriesStore([FAMILY]);
      for (const k of present) fresh.update(`o${k}`, owner(k), [collector(values[k]!, series)]);
      const expected = Buffer.concat(fresh.chunks(false));
      if (series > 50) assert.ok(expected.length > WHOLE_BELOW, 'large enough to be written owner by owner');
      assert.deepEqual(textOf(lease, gzip), expected, `step ${step}`);
      if (gzip) assert.equal(lease.texts[0]!.gzip!.whole, step === 0 ? true : series === 50, `step ${step}`);
      held?.release();
      // Every third step's lease is kept over the next write: that one takes a new room.
      held = step % 3 === 0 ? lease : (lease.release(), undefined);
    }
  });

/** A collector emitting `keys` in the order given, each with its own labels and `value(i)`. */
function keyedCollector(order: readonly number[], value: (i: number) => number, labelOf = (i: number) => String(i)): Collector<SeriesOwner> {
  return {
    metrics: [FAMILY],
    collect(_s, emit) {
      for (const i of order) emit(FAMILY.name, value(i), { n: labelOf(i) }, undefined, keys[i]);
    },
  };
}

const lines = (store: SeriesStore) =>
  Buffer.concat(store.chunks(false))
    .toString()
    .split('\n')
    .filter((l) => l.startsWith(FAMILY.name));

test('keyed series found whatever the order they come in: no series appears or goes, values follow their key', () => {
  const store = new SeriesStore([FAMILY]);
  const order = Array.from({ length: 50 }, (_, i) => i);
  assert.equal(store.update('t', OWNER, [keyedCollector(order, (i) => i)]).reshaped, true);
  const shuffled = [...order.slice(25).reverse(), ...order.slice(0, 25)];
  for (const round of [1, 2, 3]) {
    const r = store.update('t', OWNER, [keyedCollector(round === 2 ? shuffled : order, (i) => i * 10 + round)]);
    assert.equal(r.reshaped, false, `round ${round}`);
    const body = lines(store);
    assert.equal(body.length, order.length);
    for (const i of [0, 7, 49]) assert.ok(body.includes(`${FAMILY.name}{target="t",daemon="dhcp4",n="${i}"} ${i * 10 + round}`), `round ${round}, key ${i}`);
  }
  // Some keys gone, one new: exactly those go and come.
  const r = store.update('t', OWNER, [keyedCollector([3, 1, 4], (i) => i)]);
  assert.equal(r.reshaped, true);
  assert.deepEqual(
    lines(store).sort(),
    [1, 3, 4].map((i) => `${FAMILY.name}{target="t",daemon="dhcp4",n="${i}"} ${i}`),
  );
});

test('a key emitted twice in one update is one series of the last value; two keys of the same labels show once', () => {
  const store = new SeriesStore([FAMILY]);
  for (const round of [0, 1]) {
    store.update('t', OWNER, [keyedCollector([0, 1, 0], (i) => i + round * 100 + (i === 0 ? 0 : 1))]);
    assert.deepEqual(lines(store), [
      `${FAMILY.name}{target="t",daemon="dhcp4",n="0"} ${round * 100}`,
      `${FAMILY.name}{target="t",daemon="dhcp4",n="1"} ${round * 100 + 2}`,
    ]);
  }
  // Keys 2 and 3 under one label text: the later one wins, every round.
  for (const round of [0, 1, 2]) {
    store.update('t', OWNER, [
      keyedCollector(
        [2, 3],
        (i) => i + round,
        () => 'same',
      ),
    ]);
    assert.deepEqual(lines(store), [`${FAMILY.name}{target="t",daemon="dhcp4",n="same"} ${3 + round}`], `round ${round}`);
  }
});

test('a keyed series whose value cannot be exported is absent until it can again, its neighbours untouched', () => {
  const counter = { name: 'kea_test_total', type: 'counter', help: 'A test counter.' } as const;
  const store = new SeriesStore([counter]);
  const emitAll = (bad: boolean): Collector<SeriesOwner> => ({
    metrics: [counter],
    collect(_s, emit) {
      for (let i = 0; i < 4; i++) emit(counter.name, i === 1 && bad ? -1 : i, { n: String(i) }, undefined, keys[i]);
    },
  });
  assert.equal(store.update('t', OWNER, [emitAll(false)]).invalid, 0);
  assert.equal(store.update('t', OWNER, [emitAll(true)]).invalid, 1);
  const body = () => Buffer.concat(store.chunks(false)).toString();
  assert.doesNotMatch(body(), /n="1"/);
  assert.match(body(), /n="3"\} 3/);
  store.update('t', OWNER, [emitAll(false)]);
  assert.match(body(), /n="1"\} 1/);
});

test('labels of an empty value are not written: a series with one is the series without it', () => {
  const family = { name: 'kea_test_info', type: 'gauge', help: 'A test gauge.' } as const;
  const store = new SeriesStore([family]);
  const emitting = (series: [Record<string, string>, number][]): Collector<SeriesOwner> => ({
    metrics: [family],
    collect(_s, emit) {
      for (const [labels, value] of series) emit(family.name, value, labels);
    },
  });
  store.update('a', { target: 'a', daemon: 'dhcp4', labels: { site: '' } }, [
    emitting([
      [{ subnet: '', pool: 'p' }, 1],
      // Prometheus' series of pool="p" again: the last value wins, written once.
      [{ pool: 'p' }, 2],
    ]),
  ]);
  store.update('b', { target: 'b', daemon: 'dhcp6', labels: { site: '' } }, [emitting([[{ subnet: '' }, 3]])]);
  const text = Buffer.concat(store.chunks(false)).toString();
  assert.equal(
    text,
    '# HELP kea_test_info A test gauge.\n# TYPE kea_test_info gauge\nkea_test_info{target="a",daemon="dhcp4",pool="p"} 2\nkea_test_info{target="b",daemon="dhcp6"} 3',
  );
});
