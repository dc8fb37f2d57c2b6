/** The store's family texts and the rooms they are written in: a room a scrape's response still
 * holds is never written again, and one released is, its lines moved within it (no new
 * allocation per scrape of a fleet's statistics). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from './collector.js';
import { SeriesStore } from './series-store.js';
import type { SeriesOwner } from '../../snapshot.js';

const FAMILY = { name: 'kea_test_gauge', type: 'gauge', help: 'A test gauge.' } as const;
const OWNER: SeriesOwner = { target: 't', daemon: 'dhcp4', labels: {} };

/** 50 series valued `value`, keyed as the statistics are. */
const keys = Array.from({ length: 50 }, () => ({}));
function collector(value: number): Collector<SeriesOwner> {
  return {
    metrics: [FAMILY],
    collect(_s, emit) {
      keys.forEach((key, i) => emit(FAMILY.name, value, { n: String(i) }, undefined, key));
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

test('lines moved within a room, left and right, held or not: the text reads as one written afresh', () => {
  // Owners whose values change in length (so later owners' lines move either way), one a step.
  const values = [1, 22, 333, 4444, 55555];
  const owner = (i: number): SeriesOwner => ({ target: `t${i}`, daemon: 'dhcp4', labels: {} });
  const store = new SeriesStore([FAMILY]);
  values.forEach((v, i) => store.update(`o${i}`, owner(i), [collector(v)]));
  let held: ReturnType<SeriesStore['lease']> | undefined;
  const lengths = [1, 1e21, 7, 123_456_789, 0.5, 42, 1e-7, 3];
  for (let step = 0; step < 40; step++) {
    const i = (step * 3) % values.length;
    values[i] = lengths[step % lengths.length]! * (step + 1);
    store.update(`o${i}`, owner(i), [collector(values[i])]);
    const lease = store.lease(false);
    const fresh = new SeriesStore([FAMILY]);
    values.forEach((v, k) => fresh.update(`o${k}`, owner(k), [collector(v)]));
    assert.deepEqual(lease.chunks[0], Buffer.concat(fresh.chunks(false)), `step ${step}`);
    held?.release();
    // Every third step's lease is kept over the next write: that one takes a new room.
    held = step % 3 === 0 ? lease : (lease.release(), undefined);
  }
});
