/** Issue 11 item 1, transport side: a command nested 5,000 deep (what a proxy user can send)
 * overflowed JSON.stringify inside the UNIX transport's connect callback and killed the process.
 * Now it is refused before any connection, and nothing thrown inside a transport callback
 * escapes its request. The guard (test/support/guard.ts) fails this file on any escape. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeaError } from '../errors.js';
import { CommandQueue } from '../queue/command-queue.js';
import { Endpoint } from '../endpoint/endpoint.js';
import { probeQueue } from '../../test/support/queue-probe.js';
import { FakeKea } from '../../test/support/fake-kea.js';
import { FakeAgent } from '../../test/support/fake-agent.js';
import type { KeaCommand } from '../kea/types.js';
import { HttpTransport } from './http.js';
import type { Transport } from './transport.js';
import { UnixTransport } from './unix.js';

let dir: string;
let kea: FakeKea;
let agent: FakeAgent;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'callbacks-'));
  kea = await FakeKea.start({ path: path.join(dir, 'k.sock') });
  agent = await FakeAgent.start({ role: 'daemon' });
});
after(async () => {
  await kea.close();
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The body: {"command":"status-get","arguments":{"a": 5,000 x "[" ... "]"}}. */
function deep(levels: number): KeaCommand {
  let a: unknown = [];
  for (let i = 1; i < levels; i++) a = [a];
  return { command: 'status-get', arguments: { a } };
}

/** Built when a test runs (the fakes start in before()): transport and its fake's request count. */
const KINDS: [string, () => [Transport, () => number]][] = [
  ['unix', () => [new UnixTransport(kea.path, 1 << 20), () => kea.connections]],
  ['http', () => [new HttpTransport({ url: agent.url }, 1, 1 << 20), () => agent.requests]],
];

async function rejection(p: Promise<unknown>): Promise<KeaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof KeaError, `a KeaError, got ${String(err)}`);
  return err;
}

describe('a command nested 5,000 deep', () => {
  for (const [kind, make] of KINDS) {
    test(`${kind}: refused with too_deep before anything is sent; the next command works`, async () => {
      const [t, seen] = make();
      const before = seen();
      const err = await rejection(t.request(deep(5000), 2000));
      assert.equal(err.code, 'too_deep');
      assert.equal(seen(), before, 'nothing reached Kea');
      assert.match(await t.request({ command: 'status-get' }, 2000), /"result": 0/);
      await t.close();
    });

    test(`${kind}: 200 deep is within the cap and sent as usual`, async () => {
      const [t] = make();
      const text = await t.request(deep(200), 2000);
      assert.match(text, /"result"/);
      await t.close();
    });

    test(`${kind}: a command JSON.stringify throws on (BigInt) is internal, not connect`, async () => {
      const [t] = make();
      const err = await rejection(t.request({ command: 'x', arguments: { n: 1n } }, 2000));
      assert.equal(err.code, 'internal');
      await t.close();
    });
  }

  test("through Endpoint.forward (the proxy's path): too_deep, and the queue slot is released", async () => {
    const queue = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
    const seen = probeQueue(queue);
    const endpoint = new Endpoint(new UnixTransport(kea.path, 1 << 20), queue, undefined, 'k');
    const err = await rejection(endpoint.forward('status-get', 2000, deep(5000).arguments, async () => ({ result: 0, bytes: 0 })));
    assert.equal(err.code, 'too_deep');
    assert.equal(seen.running, 0);
    assert.equal((await endpoint.command('status-get', 2000)).result, 0);
  });
});

test('unix: a throw inside a socket callback settles that request with internal', async () => {
  // Only the transport's own socket throws (its write runs in the 'connect' callback).
  const create = net.createConnection;
  net.createConnection = ((...args: Parameters<typeof net.createConnection>) => {
    const sock = create(...args);
    sock.write = () => {
      throw new Error('boom in the connect callback');
    };
    return sock;
  }) as typeof net.createConnection;
  try {
    const err = await rejection(new UnixTransport(kea.path, 1 << 20).request({ command: 'status-get' }, 2000));
    assert.equal(err.code, 'internal');
    assert.match(err.message, /boom/);
  } finally {
    net.createConnection = create;
  }
});
