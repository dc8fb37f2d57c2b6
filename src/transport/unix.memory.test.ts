/** A settled UNIX request lets go of its answer even while something still holds its socket (as
 * an object already in V8's old generation does until the next full collection: at 1,000
 * daemons with statistics, every answer was otherwise promoted, and collected only by a full
 * collection). It measures the process's own heap, so it runs in a process of its own
 * (scripts/test-files.sh). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { memoryAfterGc } from '../../test/support/heap.js';
import { UnixTransport } from './unix.js';

const ANSWER_BYTES = 1 << 20;
const REQUESTS = 24;

let dir: string;
let server: net.Server;
let socketPath: string;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'unix-memory-'));
  socketPath = path.join(dir, 'kea.sock');
  // Kea's way: read the command, answer, close. Each answer is its own text (no two alike).
  let n = 0;
  server = net.createServer((c) => {
    c.once('data', () => c.end(`{ "result": 0, "text": "${String(n++).padStart(ANSWER_BYTES, 'x')}" }`));
    c.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
});
after(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

test('settled requests hold neither their answers nor their promises, though their sockets are held', async () => {
  const held: net.Socket[] = [];
  const createConnection = net.createConnection;
  // The sockets, and through their listeners every closure of their requests, stay reachable.
  net.createConnection = ((...args: Parameters<typeof net.createConnection>) => {
    const s = createConnection(...args);
    held.push(s);
    return s;
  }) as typeof net.createConnection;
  try {
    const t = new UnixTransport(socketPath, 4 * ANSWER_BYTES);
    await t.request({ command: 'status-get' }, 5000); // warm-up: code, buffers
    const before = memoryAfterGc().heapUsed;
    for (let i = 0; i < REQUESTS; i++) {
      const text = await t.request({ command: 'status-get' }, 5000);
      assert.ok(text.length > ANSWER_BYTES);
    }
    const grown = memoryAfterGc().heapUsed - before;
    assert.equal(held.length, REQUESTS + 1);
    // Held, the answers would be REQUESTS MiB (24 MiB); a few hundred KB is the sockets themselves.
    assert.ok(grown < 4 * ANSWER_BYTES, `heap grew ${(grown / 2 ** 20).toFixed(1)} MiB over ${REQUESTS} settled requests`);
  } finally {
    net.createConnection = createConnection;
    for (const s of held) s.destroy();
  }
});
