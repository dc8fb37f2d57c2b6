/** Answers read through the one buffer every UNIX connection reads into (unix.ts): pieces of
 * any size, characters cut between reads, many connections reading at once. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UnixTransport } from './unix.js';

let dir: string;
const servers: net.Server[] = [];
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'unix-read-'));
});
after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

/** A socket answering `answer` in pieces of `piece` bytes, one per turn of the event loop (so
 * each lands in a read of its own), then closing, as Kea does. */
async function server(name: string, answer: Buffer, piece: number): Promise<string> {
  const at = path.join(dir, name);
  const s = net.createServer((c) => {
    c.once('data', () => {
      let i = 0;
      const next = (): void => {
        if (c.destroyed) return;
        if (i >= answer.length) return void c.end();
        c.write(answer.subarray(i, (i += piece)), () => setImmediate(next));
      };
      next();
    });
    c.on('error', () => {});
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(at, r));
  return at;
}

const answerOf = (i: number) => JSON.stringify({ result: 0, text: `réseau ✓ 漢字 🙂 ${i} `.repeat(200) });

test('characters cut between reads, one byte a read or seven: the answer as sent', async () => {
  for (const piece of [1, 7]) {
    const answer = answerOf(piece);
    const at = await server(`cut-${piece}.sock`, Buffer.from(answer), piece);
    assert.equal(await new UnixTransport(at, 1 << 20).request({ command: 'status-get' }, 10_000), answer, `pieces of ${piece}`);
  }
});

test('twenty connections reading at once through the one buffer: each its own answer', async () => {
  const paths = await Promise.all(Array.from({ length: 20 }, (_, i) => server(`many-${i}.sock`, Buffer.from(answerOf(i)), 100 + i * 37)));
  const answers = await Promise.all(paths.map((at) => new UnixTransport(at, 1 << 20).request({ command: 'status-get' }, 10_000)));
  answers.forEach((a, i) => assert.equal(a, answerOf(i), `connection ${i}`));
});

test('a read that passes the cap ends the request with too_large, whatever was decoded', async () => {
  const at = await server('capped.sock', Buffer.from(answerOf(0)), 500);
  await assert.rejects(
    new UnixTransport(at, 1 << 20).request({ command: 'status-get' }, 10_000, 1200),
    (e: Error & { code?: string }) => e.code === 'too_large',
  );
});
