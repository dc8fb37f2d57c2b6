/** Streamed proxy answers over real HTTP against fake Kea daemons that send tens of MB (what a
 * real Kea needs hundreds of thousands of leases for): memory stays far below the answers'
 * size, the bytes are Kea's, a slow client cannot hold a daemon past proxy.timeout, and the
 * global budget refuses with 503. */
import { hashedPost, type Got, type PostOptions } from '../../test/support/hashed-post.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { buildServer } from '../server/server.js';
import { FakeKea, keaHandler, keaStringify, raw } from '../../test/support/fake-kea.js';
import { FakeAgent } from '../../test/support/fake-agent.js';
import { HashingRelay } from '../../test/support/hashing-relay.js';
import { KEA_EXPORTER_PROXY_ANSWERS_ABORTED, KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT, KEA_EXPORTER_PROXY_BUDGET_REFUSALS } from './budget.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MB60 = 60_000_000;
const AUTH = `Basic ${Buffer.from('ops:ops-pw').toString('base64')}`;
const RO = `Basic ${Buffer.from('viewer:viewer-pw').toString('base64')}`;
const MiB = 1024 * 1024;

interface Running {
  app: App;
  port: number;
  close(): Promise<void>;
}

async function start(yaml: string): Promise<Running> {
  const app = new App(parseConfigText(yaml, 'stream.yaml'), { log: new MemoryLog(), version: 't', processMetrics: false });
  await app.start();
  const server = buildServer(app);
  await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    port: (server.server.address() as AddressInfo).port,
    close: async () => {
      await server.close();
      await app.stop();
    },
  };
}

const users = `users: [ { name: ops, password: ops-pw, role: admin }, { name: viewer, password: viewer-pw } ]`;

type PostOpts = Omit<PostOptions, 'auth'> & { auth?: string };
/** POSTs a command as the admin unless told otherwise; hashes the body as it comes. */
const post = (port: number, target: string, body: string, opts: PostOpts = {}): Promise<Got> =>
  hashedPost(port, target, body, { ...opts, auth: opts.auth ?? AUTH });

async function metric(app: App, name: string, labels = ''): Promise<number> {
  const text = (await app.renderer.render(false)).body;
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const until = async (pred: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

let dir: string;
const fakes: FakeKea[] = [];
const relays: HashingRelay[] = [];
let agent: FakeAgent;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'proxy-stream-'));
  for (let i = 0; i < 4; i++) {
    const fake = await FakeKea.start({ path: path.join(dir, `kea${i}.sock`) });
    fakes.push(fake);
    relays.push(await HashingRelay.start(path.join(dir, `relay${i}.sock`), fake.path));
  }
  agent = await FakeAgent.start({
    services: { dhcp4: keaHandler({ version: '2.2', daemon: 'dhcp4' }), dhcp6: keaHandler({ version: '2.2', daemon: 'dhcp6' }) },
  });
});

after(async () => {
  await Promise.all([...relays.map((r) => r.close()), ...fakes.map((f) => f.close()), agent.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('streamed answers, default budget', () => {
  let run: Running;
  before(async () => {
    run = await start(`poll: { interval: 1h, timeout: 2s }
statistics: { enabled: false }
proxy: { enabled: true, timeout: 60s, ${users} }
targets:
  - { name: big0, socket: ${relays[0]!.path}, daemon: dhcp4 }
  - { name: big1, socket: ${relays[1]!.path}, daemon: dhcp4 }
  - { name: agent, url: "${agent.url}", services: [dhcp4, dhcp6] }`);
  });
  after(() => run.close());

  test("two concurrent 60 MB answers: RSS and buffers grow far less than their size; every byte is Kea's, wrapped in [ ]", async () => {
    for (const f of fakes.slice(0, 2)) f.behaviour = { kind: 'oversized', bytes: MB60 };
    gc();
    gc();
    const base = process.memoryUsage();
    const peak = { rss: base.rss, arrayBuffers: base.arrayBuffers };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
    }, 5);
    const got = await Promise.all([post(run.port, 'big0', '{ "command": "lease4-get-all" }'), post(run.port, 'big1', '{ "command": "statistic-get-all" }')]);
    clearInterval(sampler);
    for (const f of fakes.slice(0, 2)) f.behaviour = { kind: 'answer' };
    const rss = (peak.rss - base.rss) / MiB;
    const ab = (peak.arrayBuffers - base.arrayBuffers) / MiB;
    console.log(
      `# two concurrent 60 MB proxied answers: RSS +${rss.toFixed(1)} MiB, arrayBuffers +${ab.toFixed(1)} MiB (buffered whole before: RSS +762 MiB, arrayBuffers +418 MiB)`,
    );
    for (const [i, g] of got.entries()) {
      assert.equal(g.status, 200);
      assert.equal(g.aborted, false);
      const sent = relays[i]!.exchanges.at(-1)!;
      assert.ok(sent.bytes >= MB60 - 100, `Kea sent ${sent.bytes}`);
      assert.equal(g.bytes, sent.bytes + 4);
      assert.equal(g.sha, sent.wrapped, 'the proxied body is "[ " + what Kea sent + " ]"');
      assert.equal(relays[i]!.maxOpen, 1);
    }
    // Generous: a fraction of one answer; buffered whole, they took twelve times both.
    assert.ok(rss < 64, `RSS grew ${rss.toFixed(1)} MiB`);
    assert.ok(ab < 48, `arrayBuffers grew ${ab.toFixed(1)} MiB`);
    await until(async () => (await metric(run.app, KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT)) === 0);
  });

  test('an answer cut off by Kea after the status was sent: the response is aborted and counted; the daemon serves the next', async () => {
    const big = keaStringify({
      arguments: { leases: Array.from({ length: 20_000 }, (_, i) => ({ 'hw-address': '00:11:22:33:44:55', 'ip-address': `10.0.${i >> 8}.${i & 255}` })) },
      result: 0,
    });
    const handler = fakes[0]!.handler;
    fakes[0]!.handler = () => raw(big);
    fakes[0]!.behaviour = { kind: 'truncated' };
    const cut = await post(run.port, 'big0', '{ "command": "lease4-get-all" }');
    assert.equal(cut.status, 200);
    assert.equal(cut.aborted, true);
    fakes[0]!.behaviour = { kind: 'answer' };
    const whole = await post(run.port, 'big0', '{ "command": "lease4-get-all" }', { keep: true });
    assert.equal(whole.text, `[ ${big} ]`);
    fakes[0]!.handler = handler;
    assert.equal(await metric(run.app, KEA_EXPORTER_PROXY_ANSWERS_ABORTED, 'reason="closed"'), 1);
    assert.equal((await post(run.port, 'big0', '{ "command": "status-get" }')).status, 200);
  });

  test('a large answer for a repeated service: one command, the element written once per entry, never one body of all', async () => {
    const big = keaStringify({ arguments: { leases: Array.from({ length: 30_000 }, (_, i) => ({ 'ip-address': `10.2.${i >> 8}.${i & 255}` })) }, result: 0 });
    const handler = fakes[1]!.handler;
    fakes[1]!.handler = () => raw(big);
    const from = relays[1]!.exchanges.length;
    const got = await post(run.port, 'big1', JSON.stringify({ command: 'lease4-get-all', service: Array(16).fill('dhcp4') }));
    fakes[1]!.handler = handler;
    assert.equal(relays[1]!.exchanges.length - from, 1);
    const expected = createHash('sha256')
      .update(`[ ${Array(16).fill(big).join(', ')} ]`)
      .digest('hex');
    assert.equal(got.sha, expected);
    await until(async () => (await metric(run.app, KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT)) === 0);
  });

  test("HTTP targets stream too: one service is the agent's own list; several are one list in order", async () => {
    const leases = (n: number) => ({
      arguments: { leases: Array.from({ length: n }, (_, i) => ({ 'ip-address': `10.1.${i >> 8}.${i & 255}`, 'valid-lft': 3600 })) },
      result: 0,
    });
    const d4 = leases(8000);
    const d6 = leases(9000);
    const handlers = { ...agent.services };
    agent.services = { dhcp4: () => d4, dhcp6: () => d6 };
    const one = await post(run.port, 'agent', '{ "command": "lease4-get-all", "service": [ "dhcp4" ] }', { keep: true });
    assert.equal(one.text, keaStringify([d4]));
    const two = await post(run.port, 'agent', '{ "command": "lease4-get-all", "service": [ "dhcp6", "dhcp4" ] }', { keep: true });
    assert.equal(two.text, `[ ${keaStringify(d6)}, ${keaStringify(d4)} ]`);
    agent.services = handlers;
  });
});

describe('a slow client and the budget (proxy.timeout 1s, proxy.maxAnswerBytesInFlight 1 MiB)', () => {
  let run: Running;
  before(async () => {
    run = await start(`poll: { interval: 1h, timeout: 2s }
statistics: { enabled: false }
proxy: { enabled: true, timeout: 1s, maxAnswerBytesInFlight: 1048576, ${users} }
targets:
  - { name: k0, socket: ${relays[0]!.path}, daemon: dhcp4 }
  - { name: k1, socket: ${relays[1]!.path}, daemon: dhcp4 }
  - { name: k2, socket: ${relays[2]!.path}, daemon: dhcp4 }
  - { name: k3, socket: ${relays[3]!.path}, daemon: dhcp4 }`);
  });
  after(() => run.close());

  test('a client that stops reading holds the daemon no longer than proxy.timeout: the next command goes through', async () => {
    const fake = fakes[0]!;
    fake.behaviour = { kind: 'oversized', bytes: MB60 };
    let paused: http.IncomingMessage | undefined;
    const stuck = post(run.port, 'k0', '{ "command": "lease4-get-all" }', {
      onResponse: (res) =>
        res.once('data', () => {
          res.pause();
          paused = res;
        }),
    });
    await until(() => paused !== undefined);
    fake.behaviour = { kind: 'answer' };
    // Sent while the slow client still holds the slot: it waits, and gets it when the slot's time is up.
    const next = await post(run.port, 'k0', '{ "command": "status-get" }', { keep: true });
    assert.equal(next.status, 200, next.text);
    assert.equal((JSON.parse(next.text!) as { result: number }[])[0]!.result, 0);
    paused!.resume();
    const cut = await stuck;
    assert.equal(cut.aborted, true);
    assert.ok(cut.bytes < MB60 / 2, `${cut.bytes} bytes reached the client`);
    assert.equal(relays[0]!.maxOpen, 1, 'the exporter never had two connections open to the daemon');
    assert.equal(await metric(run.app, KEA_EXPORTER_PROXY_ANSWERS_ABORTED, 'reason="timeout"'), 1);
    await until(async () => (await metric(run.app, KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT)) === 0);
  });

  test('a client that goes away, before the answer or in the middle of it: the daemon is freed, the budget given back', async () => {
    const fake = fakes[2]!;
    const handler = fake.handler;
    const big = keaStringify({ arguments: { leases: Array.from({ length: 5000 }, (_, i) => ({ 'ip-address': `10.3.${i >> 8}.${i & 255}` })) }, result: 0 });
    fake.handler = (cmd) => (cmd.command === 'config-get' ? raw(big) : handler(cmd));
    fake.behaviour = { kind: 'slow', delayMs: 300 };
    // A redacted config-get, collected whole: the client leaves while Kea still works on it.
    const early = http.request({ host: '127.0.0.1', port: run.port, method: 'POST', path: '/targets/k2/', agent: false, headers: { authorization: RO } });
    early.on('error', () => {});
    early.end('{ "command": "config-get" }');
    setTimeout(() => early.destroy(), 100);
    await new Promise((r) => setTimeout(r, 600));
    fake.behaviour = { kind: 'oversized', bytes: MB60 };
    const before = await metric(run.app, KEA_EXPORTER_PROXY_ANSWERS_ABORTED, 'reason="client"');
    await new Promise<void>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port: run.port, method: 'POST', path: '/targets/k2/', agent: false, headers: { authorization: AUTH } },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => {});
      req.end('{ "command": "lease4-get-all" }');
    });
    await until(async () => (await metric(run.app, KEA_EXPORTER_PROXY_ANSWERS_ABORTED, 'reason="client"')) === before + 1);
    fake.behaviour = { kind: 'answer' };
    fake.handler = handler;
    await until(async () => (await metric(run.app, KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT)) === 0);
    assert.equal((await post(run.port, 'k2', '{ "command": "status-get" }')).status, 200);
  });

  test('past the budget: 503 with Retry-After, nothing sent to Kea; the budget comes back', async () => {
    // Two streams paused by their clients hold 512 KiB each: the whole budget.
    const paused: http.IncomingMessage[] = [];
    for (const f of fakes.slice(0, 2)) f.behaviour = { kind: 'oversized', bytes: MB60 };
    const held = ['k0', 'k1'].map((t) =>
      post(run.port, t, '{ "command": "lease4-get-all" }', {
        onResponse: (res) =>
          res.once('data', () => {
            res.pause();
            paused.push(res);
          }),
      }),
    );
    await until(() => paused.length === 2);
    const sent = relays[2]!.exchanges.length;
    const refused = await post(run.port, 'k2', '{ "command": "status-get" }', { keep: true });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.retryAfter, '1');
    assert.deepEqual(JSON.parse(refused.text!), { result: 503, text: 'Service Unavailable: too many answer bytes in flight' });
    assert.equal(relays[2]!.exchanges.length, sent, 'the refused command never reached Kea');
    for (const r of paused) r.resume();
    await Promise.all(held);
    for (const f of fakes.slice(0, 2)) f.behaviour = { kind: 'answer' };
    await until(async () => (await metric(run.app, KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT)) === 0);
    assert.equal((await post(run.port, 'k2', '{ "command": "status-get" }')).status, 200);
    assert.equal(await metric(run.app, KEA_EXPORTER_PROXY_BUDGET_REFUSALS), 1);
  });

  test('a redacted config-get is parsed whole: one larger than the budget allows gets 503; unredacted it streams', async () => {
    const fake = fakes[3]!;
    const handler = fake.handler;
    const subnet4 = Array.from({ length: 3000 }, (_, i) => ({
      id: i + 1,
      subnet: `10.${i >> 8}.${i & 255}.0/24`,
      pools: [{ pool: `10.${i >> 8}.${i & 255}.10 - 10.${i >> 8}.${i & 255}.200` }],
    }));
    const config = { arguments: { Dhcp4: { 'lease-database': { type: 'mysql', password: 'db-s3cret' }, subnet4 }, hash: 'AB' }, result: 0 };
    const text = keaStringify(config);
    assert.ok(text.length * 6 > MiB && text.length < MiB, `${text.length} bytes`);
    fake.handler = (cmd) => (cmd.command === 'config-get' ? raw(text) : handler(cmd));
    const ro = await post(run.port, 'k3', '{ "command": "config-get" }', { auth: RO, keep: true });
    assert.equal(ro.status, 503);
    assert.doesNotMatch(ro.text!, /db-s3cret/);
    const admin = await post(run.port, 'k3', '{ "command": "config-get" }', { keep: true });
    assert.equal(admin.text, `[ ${text} ]`);
    fake.handler = handler;
    const small = await post(run.port, 'k3', '{ "command": "config-get" }', { auth: RO, keep: true });
    assert.equal(small.status, 200);
    assert.match(small.text!, /"result":0/);
  });
});
