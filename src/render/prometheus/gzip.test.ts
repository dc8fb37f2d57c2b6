/** Pieces deflated apart made one gzip member, and the CRC-32 combined from theirs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { EMPTY, GZIP_HEADER, STORED_BELOW, appendCrc, deflatePiece, gzipTrailer, piece, shiftOf, textPiece, type Piece } from './gzip.js';

/** A seeded generator (mulberry32): a failing case can be run again. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function member(pieces: readonly Piece[]): Buffer {
  let crc: number = EMPTY.crc;
  let length = 0;
  for (const p of pieces) {
    crc = appendCrc(crc, p.crc, p.shift);
    length += p.length;
  }
  return Buffer.concat([GZIP_HEADER, ...pieces.map((p) => p.bytes), gzipTrailer(crc, length)]);
}

test("the CRC of A then B, from A's and B's, is zlib's CRC of both, for lengths 0 to 70,000", () => {
  const next = random(16);
  for (let i = 0; i < 500; i++) {
    const a = randomBytes(Math.floor(next() * (i % 50 === 0 ? 70_000 : 3000)));
    const b = randomBytes(i % 9 === 0 ? 0 : Math.floor(next() * (i % 50 === 1 ? 70_000 : 3000)));
    const combined = appendCrc(zlib.crc32(a), zlib.crc32(b), shiftOf(b.length)) >>> 0;
    assert.equal(combined, zlib.crc32(Buffer.concat([a, b])), `lengths ${a.length} and ${b.length}`);
  }
  assert.equal(shiftOf(0), EMPTY.shift, 'nothing appended: the CRC unchanged');
  assert.equal(appendCrc(12345, EMPTY.crc, EMPTY.shift), 12345);
});

test('text cut anywhere, the pieces stored or deflated apart and laid end to end, gunzips to the text (gunzip checks CRC and length)', () => {
  let stored = 0;
  let deflated = 0;
  const next = random(7);
  const line = (i: number) => `\nkea_dhcp4_pool_addresses_assigned{target="kea-${i}",daemon="dhcp4",subnet_id="${i}",pool_id="0"} ${i * 7}`;
  for (let round = 0; round < 40; round++) {
    const text = Buffer.from(Array.from({ length: Math.floor(next() * 400) }, (_, i) => line(i)).join('') + 'é ü 漢\n');
    const cuts = Array.from({ length: Math.floor(next() * 12) }, () => Math.floor(next() * text.length)).sort((a, b) => a - b);
    const pieces: Piece[] = [];
    let from = 0;
    for (const cut of [...cuts, text.length]) {
      const p = piece(text.subarray(from, cut));
      if (cut - from < STORED_BELOW) stored++;
      else deflated++;
      pieces.push(p);
      from = cut;
    }
    assert.deepEqual(zlib.gunzipSync(member(pieces)), text, `round ${round}, cuts ${cuts.join(',')}`);
  }
  assert.deepEqual(zlib.gunzipSync(member([])), Buffer.alloc(0), 'no pieces: the empty text');
  assert.ok(stored > 20 && deflated > 20, `${stored} stored, ${deflated} deflated`);
});

test('a wrong CRC or length fails gunzip: the trailer is checked, so the tests above can fail', () => {
  const piece = deflatePiece(Buffer.from('kea_up 1\n'));
  const good = member([piece]);
  assert.equal(zlib.gunzipSync(good).toString(), 'kea_up 1\n');
  const badCrc = Buffer.concat([GZIP_HEADER, piece.bytes, gzipTrailer(piece.crc ^ 1, piece.length)]);
  assert.throws(() => zlib.gunzipSync(badCrc), /incorrect data check/);
  const badLength = Buffer.concat([GZIP_HEADER, piece.bytes, gzipTrailer(piece.crc, piece.length + 1)]);
  assert.throws(() => zlib.gunzipSync(badLength), /incorrect length check/);
});

test("the trailer holds the length modulo 2^32 (a body past 4 GiB), as RFC 1952's ISIZE", () => {
  const t = gzipTrailer(-1, 2 ** 32 + 5);
  assert.deepEqual([t[0], t[1]], [3, 0], 'an empty final block first');
  assert.equal(t.readUInt32LE(2), 0xffffffff);
  assert.equal(t.readUInt32LE(6), 5);
});

test('a piece is text as it is with its own CRC (textPiece), deflated and full-flushed (deflatePiece), or below STORED_BELOW a stored block (piece)', () => {
  const text = 'kea_up{target="a"} 1\n';
  const plain = textPiece(text);
  assert.deepEqual([plain.bytes.toString(), plain.crc >>> 0, plain.length], [text, zlib.crc32(text), text.length]);
  const deflated = deflatePiece(Buffer.from(text));
  assert.deepEqual([deflated.crc, deflated.length, deflated.shift], [plain.crc, plain.length, plain.shift]);
  // A full flush ends with an empty stored block: the next piece starts on a byte of its own.
  assert.deepEqual([...deflated.bytes.subarray(-4)], [0, 0, 0xff, 0xff]);
  const stored = piece(Buffer.from(text));
  assert.deepEqual([...stored.bytes.subarray(0, 5)], [0, text.length, 0, ~text.length & 0xff, 0xff]);
  assert.deepEqual([stored.bytes.subarray(5).toString(), stored.crc, stored.length], [text, plain.crc, plain.length]);
  assert.notEqual(piece(Buffer.alloc(STORED_BELOW, 'a')).bytes[0], 0, 'from STORED_BELOW on, deflated');
});
