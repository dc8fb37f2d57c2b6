/** The store's family texts and the rooms they are written in: a room a scrape's response still
 * holds is never written again, and one released is (no new allocation per scrape of a fleet's
 * statistics). */
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

test('a text a response holds is never written over; its room is written again once released', () => {
  const store = new SeriesStore([FAMILY]);
  const first = scrape(store, 1);
  // Held: the texts of the next updates are written elsewhere, the held bytes stay as sent.
  const rooms = new Set<ArrayBufferLike>([first.bytes.buffer]);
  for (let v = 2; v < 6; v++) {
    const s = scrape(store, v);
    rooms.add(s.bytes.buffer);
    s.lease.release();
    assert.ok(s.copy.toString().includes(` ${v}`));
  }
  assert.deepEqual(first.bytes, first.copy, 'the held text is as it was sent');
  // Released ones are taken again: two rooms in turn, whatever the number of scrapes.
  const later = new Set<ArrayBufferLike>();
  for (let v = 6; v < 16; v++) {
    const s = scrape(store, v);
    later.add(s.bytes.buffer);
    s.lease.release();
  }
  assert.equal(later.size, 2, 'the released rooms are written again');
  assert.ok(!later.has(first.bytes.buffer), 'never the one still held');
  first.lease.release();
});

test('a text outgrowing its spare room is written in a new one, and reads the same as one written afresh', () => {
  const store = new SeriesStore([FAMILY]);
  for (const value of [1, 22, 333_333, 4, 1e21, 5.5]) {
    const s = scrape(store, value);
    const fresh = new SeriesStore([FAMILY]);
    fresh.update('t', OWNER, [collector(value)]);
    assert.deepEqual(s.bytes, Buffer.concat(fresh.chunks(false)));
    s.lease.release();
  }
});
