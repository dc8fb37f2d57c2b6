/** readableStream: the AnswerStream of a socket or an HTTP body, read with the stream's own
 * events. A PassThrough stands in for the socket. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { KeaError } from '../errors.js';
import { readableStream } from './stream.js';

const classify = (err: unknown): KeaError => (err instanceof KeaError ? err : new KeaError('closed', `x: ${(err as NodeJS.ErrnoException).code ?? 'gone'}`));

function open(maxBytes = 1 << 20) {
  const r = new PassThrough();
  const stop = new AbortController();
  let closed = 0;
  const s = readableStream(
    r,
    () => {
      closed++;
      r.destroy();
    },
    { maxBytes, what: 'x', signal: stop.signal, classify },
  );
  return { r, s, stop, closed: () => closed };
}

const tick = () => new Promise((res) => setImmediate(res));
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (err: unknown) => (err instanceof KeaError ? err.code : 'not a KeaError'),
  );

test('a chunk nobody asked for yet is kept and the stream paused (no more is read); then read in order, to the end', async () => {
  const { r, s } = open();
  r.write('one');
  await tick();
  assert.equal(r.isPaused(), true);
  r.write('two');
  await tick();
  assert.equal(r.readableLength, 3, 'the second chunk waits in the stream, not in the reader');
  assert.equal(String(await s.next()), 'one');
  assert.equal(String(await s.next()), 'two');
  const waiting = s.next();
  r.end('three');
  assert.equal(String(await waiting), 'three');
  assert.equal(await s.next(), undefined);
  assert.equal(await s.next(), undefined);
});

test('past maxBytes: too_large, and the stream is closed', async () => {
  const { r, s, closed } = open(5);
  const first = s.next();
  r.write('abc');
  assert.equal(String(await first), 'abc');
  const second = s.next();
  r.write('def');
  assert.equal(await codeOf(second), 'too_large');
  assert.equal(closed(), 1);
});

test('closed without its end, or with an error: the reader is told (classified); an abort wins with its reason', async () => {
  {
    const { r, s } = open();
    const waiting = s.next();
    r.destroy();
    assert.equal(await codeOf(waiting), 'closed');
  }
  {
    const { r, s } = open();
    r.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    await tick();
    await assert.rejects(s.next(), /x: ECONNRESET/);
  }
  {
    const { r, s, stop, closed } = open();
    const waiting = s.next();
    const reason = new KeaError('timeout', 'x: not done in time');
    stop.abort(reason);
    r.destroy(reason);
    assert.equal(await waiting.catch((e: unknown) => e), reason);
    assert.equal(await s.next().catch((e: unknown) => e), reason);
    assert.ok(closed() >= 1);
  }
});
