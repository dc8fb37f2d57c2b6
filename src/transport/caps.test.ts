/** Issue 11 item 4, transport side: each request carries its own answer cap (src/kea/limits.ts)
 * and the transport stops reading there, so a hostile multi-megabyte answer is never held. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeaError } from '../errors.js';
import { FakeKea } from '../../test/support/fake-kea.js';
import { HttpTransport } from './http.js';
import { UnixTransport } from './unix.js';

const MB = 1 << 20;
let dir: string;
let kea: FakeKea;
let server: http.Server;
let url: string;
/** Bytes the HTTP fake managed to write before the client went away. */
let written = 0;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'caps-'));
  kea = await FakeKea.start({ path: path.join(dir, 'k.sock'), behaviour: { kind: 'oversized', bytes: 50 * MB } });
  // /declared: Content-Length of 50 MB (refused from the header); /chunked: no length, streamed.
  server = http.createServer((req, res) => {
    req.resume();
    const declared = req.url === '/declared';
    res.writeHead(200, declared ? { 'content-length': String(50 * MB) } : {});
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (written < 50 * MB && !res.destroyed) {
        written += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => {});
    pump();
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await kea.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof KeaError, String(err));
  return err.code;
}

test("unix: the per-request cap, below the transport's own, ends the read with too_large", async () => {
  const t = new UnixTransport(kea.path, 64 * MB);
  assert.equal(await code(t.request({ command: 'version-get' }, 10_000, 64 * 1024)), 'too_large');
  const small = new UnixTransport(kea.path, 64 * 1024);
  assert.equal(
    await code(small.request({ command: 'version-get' }, 10_000, 128 * MB)),
    'too_large',
    "the transport's own cap still holds when a request asks for more",
  );
});

for (const route of ['/declared', '/chunked']) {
  test(`http ${route}: too_large at the per-request cap, long before the 50 MB are sent`, async () => {
    written = 0;
    const t = new HttpTransport({ url: `${url}${route}` }, 1, 64 * MB);
    assert.equal(await code(t.request({ command: 'status-get' }, 10_000, 64 * 1024)), 'too_large');
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(written < 20 * MB, `the fake wrote ${written} bytes before the client stopped reading`);
    await t.close();
  });
}
