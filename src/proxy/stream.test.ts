/** Streamed proxy answers over real HTTP against fake Kea daemons that send tens of MB (what a
 * real Kea needs hundreds of thousands of leases for): the bytes are Kea's (memory:
 * stream.memory.test.ts), a slow client cannot hold a daemon past proxy.timeout, and the
 * global budget refuses with 503. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { keaStringify, raw } from '../../test/support/fake-kea.js';
import { AUTH, MB60, MiB, RO, defaultBudgetYaml, metric, post, start, streamLab, until, users, type Running } from '../../test/support/stream-lab.js';
import { KEA_EXPORTER_PROXY_ANSWERS_ABORTED, KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT, KEA_EXPORTER_PROXY_BUDGET_REFUSALS } from './budget.js';

const lab = streamLab();
const { fakes, relays } = lab;

describe('streamed answers, default budget', () => {
  let run: Running;
  before(async () => {
    run = await start(
      defaultBudgetYaml(
        lab,
        `
  - { name: agent, url: "${lab.agent.url}", services: [dhcp4, dhcp6] }`,
      ),
    );
  });
  after(() => run.close());

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
    const handlers = { ...lab.agent.services };
    lab.agent.services = { dhcp4: () => d4, dhcp6: () => d6 };
    const one = await post(run.port, 'agent', '{ "command": "lease4-get-all", "service": [ "dhcp4" ] }', { keep: true });
    assert.equal(one.text, keaStringify([d4]));
    const two = await post(run.port, 'agent', '{ "command": "lease4-get-all", "service": [ "dhcp6", "dhcp4" ] }', { keep: true });
    assert.equal(two.text, `[ ${keaStringify(d6)}, ${keaStringify(d4)} ]`);
    lab.agent.services = handlers;
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
