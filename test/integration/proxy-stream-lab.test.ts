/** Streamed proxy answers from a real kea-dhcp4 2.2 with 10,000 subnets (config-get ~4.4 MB,
 * statistic-get-all ~5.6 MB; src/lab/big-config.ts): the client gets exactly the bytes Kea
 * sent, wrapped as the Control Agent wraps them; a read-only config-get is parsed and redacted
 * whole; a client that stops reading releases the daemon at proxy.timeout, Kea keeps serving
 * and never sees more than one connection from the exporter. A counting, hashing relay sits
 * between the exporter and Kea. Fails loudly when Kea cannot be started. */
import { hashedPost, type Got, type PostOptions } from '../support/hashed-post.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { MemoryLog } from '../support/memory-log.js';
import { buildServer } from '../../src/server/server.js';
import { rawCommand, startBigKea, type BigKea } from '../../bench/stats-kea.js';
import { HashingRelay } from '../support/hashing-relay.js';
import { pollAll } from '../support/poll.js';

const SUBNETS = 10_000;
const ADMIN = `Basic ${Buffer.from('ops:ops-pw').toString('base64')}`;
const VIEWER = `Basic ${Buffer.from('viewer:viewer-pw').toString('base64')}`;

let kea: BigKea;
let relay: HashingRelay;
let app: App;
let server: ReturnType<typeof buildServer>;
let port: number;
let dir: string;

type PostOpts = Omit<PostOptions, 'auth'> & { auth?: string };
/** POSTs a command to the big target, as the admin unless told otherwise. */
const post = (body: string, opts: PostOpts = {}): Promise<Got> => hashedPost(port, 'big', body, { ...opts, auth: opts.auth ?? ADMIN });

before(async () => {
  kea = await startBigKea(SUBNETS);
  dir = mkdtempSync(path.join(tmpdir(), 'proxy-stream-lab-'));
  relay = await HashingRelay.start(path.join(dir, 'relay.sock'), kea.socket);
  app = new App(
    parseConfigText(
      `poll: { interval: 1h, timeout: 10s }
statistics: { enabled: false }
proxy:
  enabled: true
  timeout: 5s
  users: [ { name: ops, password: ops-pw, role: admin }, { name: viewer, password: viewer-pw } ]
targets: [ { name: big, socket: ${relay.path}, daemon: dhcp4 } ]`,
      'lab.yaml',
    ),
    { log: new MemoryLog(), version: 't' },
  );
  await app.start();
  server = buildServer(app);
  await server.listen({ host: '127.0.0.1', port: 0 });
  port = (server.server.address() as AddressInfo).port;
});

after(async () => {
  await server?.close();
  await app?.stop();
  await relay?.close();
  await kea?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`proxy streaming against a real kea-dhcp4 2.2 with ${SUBNETS} subnets`, () => {
  test('config-get and statistic-get-all, asked at once: each the bytes Kea sent, in [ ]; one connection at a time', async () => {
    const from = relay.exchanges.length;
    const got = await Promise.all([post('{ "command": "config-get" }'), post('{ "command": "statistic-get-all", "service": [ "dhcp4" ] }')]);
    const sent = relay.exchanges.slice(from);
    assert.deepEqual(sent.map((e) => e.command).sort(), ['config-get', 'statistic-get-all']);
    for (const [i, command] of ['config-get', 'statistic-get-all'].entries()) {
      const s = sent.find((e) => e.command === command)!;
      console.log(`# ${command}: Kea sent ${s.bytes} bytes, the client got ${got[i]!.bytes}`);
      assert.ok(s.bytes > 4_000_000, `${command}: ${s.bytes} bytes`);
      assert.equal(got[i]!.status, 200);
      assert.equal(got[i]!.sha, s.wrapped, `${command}: byte for byte what Kea sent, wrapped`);
    }
    assert.equal(relay.maxOpen, 1);
  });

  test('config-get for a read-only role: parsed, redacted, the same configuration', async () => {
    const direct = JSON.parse((await rawCommand(kea.socket, 'config-get')).text) as { arguments: { Dhcp4: { subnet4: unknown[] } } };
    const ro = await post('{ "command": "config-get" }', { auth: VIEWER, keep: true });
    assert.equal(ro.status, 200);
    const [el] = JSON.parse(ro.text!) as [{ result: number; arguments: typeof direct.arguments }];
    assert.equal(el.result, 0);
    assert.deepEqual(el.arguments.Dhcp4.subnet4, direct.arguments.Dhcp4.subnet4);
  });

  test("a client that stops reading: cut off at proxy.timeout; meanwhile Kea answers others; then the exporter's next command goes through", async () => {
    let paused: http.IncomingMessage | undefined;
    const stuck = post('{ "command": "statistic-get-all" }', {
      onResponse: (res) =>
        res.once('data', () => {
          res.pause();
          paused = res;
        }),
    });
    while (!paused) await new Promise((r) => setTimeout(r, 20));
    // Kea is not blocked by the unread answer (its writes are asynchronous).
    const direct = JSON.parse((await rawCommand(kea.socket, 'status-get', 5000)).text) as { result: number; arguments: { pid: number } };
    assert.equal(direct.result, 0);
    assert.equal(direct.arguments.pid, kea.pid);
    const next = await post('{ "command": "status-get" }', { keep: true });
    assert.equal(next.status, 200, next.text);
    assert.equal((JSON.parse(next.text!) as { result: number }[])[0]!.result, 0);
    paused.resume();
    assert.equal((await stuck).aborted, true);
    assert.equal(relay.maxOpen, 1);
    await pollAll(app);
    const up = (await app.renderer.render(false)).body.split('\n').find((l) => l.startsWith('kea_up{') && l.includes('target="big"'));
    assert.match(up ?? '', / 1$/);
  });
});
