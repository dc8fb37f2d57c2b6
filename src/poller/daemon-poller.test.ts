/** The daemon poller through the real Target (its config cache and endpoint as wired there),
 * against a fake Kea socket. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DaemonKind } from '../kea/types.js';
import { hashPublisher } from '../kea/published-hash.js';
import { FakeKea, keaHandler, type KeaVersion } from '../../test/support/fake-kea.js';
import { testTarget } from '../../test/support/target.js';

let dir: string;
const fakes: FakeKea[] = [];
const closers: (() => Promise<void>)[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'poller-'))));
// Closed here too, so a failed assertion cannot leave a server holding the test run open.
after(async () => {
  await Promise.all([...fakes.map((f) => f.close()), ...closers.map((c) => c())]);
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const publish = hashPublisher('daemon-poller-test-key');
async function setup(opts: { version: KeaVersion; daemon?: DaemonKind; configured?: DaemonKind; ha?: 'primary' }) {
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const handler = keaHandler({ version: opts.version, daemon: opts.daemon ?? 'dhcp4', ha: opts.ha, pid: 100, now });
  const fake = await FakeKea.start({ path: path.join(dir, `k${n++}.sock`), handler });
  fakes.push(fake);
  const daemon = opts.configured ? `, daemon: ${opts.configured}` : '';
  const t = testTarget(`{ name: t, socket: "${fake.path}"${daemon} }`, { settings: 'poll: { timeout: 500ms }', now, publishHash: publish });
  closers.push(() => t.close());
  const poller = {
    poll: () => t.pollOne(),
    get snapshot() {
      return t.snapshot()!;
    },
  };
  const advance = (s: number) => (clock += s * 1000);
  const commands = () => fake.commands.splice(0);
  return { fake, handler: handler, poller, log: t.log, advance, commands };
}

describe('commands issued', () => {
  test('2.2: first contact status+version+config-get (config-hash-get unsupported), then status-get only', async () => {
    const k = await setup({ version: '2.2', configured: 'dhcp4' });
    const s = await k.poller.poll();
    assert.equal(s.up, true, s.error?.message);
    assert.deepEqual(k.commands(), ['status-get', 'version-get', 'config-hash-get', 'config-get']);
    assert.equal(s.version, '2.2.0');
    assert.equal(s.configHash?.source, 'computed');
    assert.match(s.configHash.hash, /^[0-9a-f]{32}$/);
    for (let i = 0; i < 3; i++) {
      k.advance(5);
      await k.poller.poll();
    }
    assert.deepEqual(k.commands(), ['status-get', 'status-get', 'status-get']);
    // Once known unsupported, the hash comes from config-get straight away.
    k.advance(5);
    k.handler.reloadConfig({ 'valid-lifetime': 7200 });
    const r = await k.poller.poll();
    assert.deepEqual(k.commands(), ['status-get', 'config-get']);
    assert.equal(r.configChanges, 1);
    assert.notEqual(r.configHash?.hash, s.configHash?.hash);
    await k.fake.close();
  });

  test("2.4: config-hash-get gives Kea's own hash", async () => {
    const k = await setup({ version: '2.4', configured: 'dhcp4' });
    const s = await k.poller.poll();
    // config-get once per configuration, for the hash partners can compare (sharedConfig).
    assert.deepEqual(k.commands(), ['status-get', 'version-get', 'config-hash-get', 'config-get']);
    // Kea's own value never leaves the poller: only its keyed form (item 10 of the hardening issue).
    assert.deepEqual(s.configHash, { hash: publish(k.handler.hash!), source: 'kea' });
    assert.match(s.sharedConfig?.hash ?? '', /^[0-9a-f]{32}$/);
    assert.equal(s.version, '2.4.1');
    k.advance(5);
    await k.poller.poll();
    assert.deepEqual(k.commands(), ['status-get']);
    await k.fake.close();
  });

  test('2.4: a failing config-get is counted, keeps the daemon up and is tried again next poll', async () => {
    const k = await setup({ version: '2.4', configured: 'dhcp4' });
    const real = k.fake.handler;
    k.fake.handler = (cmd) => (cmd.command === 'config-get' ? { result: 1, text: 'denied' } : real(cmd));
    const s = await k.poller.poll();
    assert.equal(s.up, true);
    assert.equal(s.sharedConfig, undefined);
    assert.deepEqual(s.commandErrors, { 'config-get': { kea_error: 1 } });
    assert.equal(k.log.lines.filter((l) => l.msg === 'config-get failed').length, 1);
    k.fake.handler = real;
    k.advance(5);
    const r = await k.poller.poll();
    assert.deepEqual(k.commands(), ['status-get', 'version-get', 'config-hash-get', 'config-get', 'status-get', 'config-get']);
    assert.ok(r.sharedConfig);
    await k.fake.close();
  });

  test('daemon omitted: detected from config-get at first contact', async () => {
    const k = await setup({ version: '2.2', daemon: 'dhcp6' });
    assert.equal(k.poller.snapshot.daemon, 'unknown');
    const s = await k.poller.poll();
    assert.equal(s.daemon, 'dhcp6');
    assert.deepEqual(k.commands(), ['status-get', 'version-get', 'config-get']);
    await k.fake.close();
  });

  test('a daemon of another type than configured is down with wrong_daemon', async () => {
    const k = await setup({ version: '2.2', daemon: 'dhcp6', configured: 'dhcp4' });
    const s = await k.poller.poll();
    assert.equal(s.up, false);
    assert.equal(s.error?.code, 'wrong_daemon');
    await k.fake.close();
  });

  test('restart (new pid): version and hash fetched again; same config is no change', async () => {
    const k = await setup({ version: '2.4', configured: 'dhcp4' });
    const first = await k.poller.poll();
    k.advance(30);
    await k.poller.poll();
    k.commands();
    k.handler.restart(200);
    k.advance(5);
    const s = await k.poller.poll();
    assert.deepEqual(k.commands(), ['status-get', 'version-get', 'config-hash-get']);
    assert.equal(s.configChanges, 0);
    assert.ok(s.startTime! > first.startTime!);
    await k.fake.close();
  });

  test('restart with the same pid (container pid 1) is noticed by uptime going down', async () => {
    const k = await setup({ version: '2.4', configured: 'dhcp4' });
    await k.poller.poll();
    k.advance(60);
    await k.poller.poll();
    k.commands();
    k.handler.restart(100);
    k.advance(5);
    await k.poller.poll();
    assert.deepEqual(k.commands(), ['status-get', 'version-get', 'config-hash-get']);
    await k.fake.close();
  });

  test('an answer read late because the event loop stalled is no restart and no config commit', async () => {
    const k = await setup({ version: '2.4', configured: 'dhcp4' });
    await k.poller.poll();
    k.advance(60);
    await k.poller.poll();
    k.commands();
    k.advance(5);
    const answer = k.fake.handler;
    k.fake.handler = (cmd) => {
      const a = answer(cmd);
      // Kea answered; our loop then stalls 2 s (a long render) before the answer is read.
      if (cmd.command === 'status-get') {
        k.advance(2);
        const end = performance.now() + 2000;
        while (performance.now() < end) {
          /* busy */
        }
      }
      return a;
    };
    const s = await k.poller.poll();
    assert.equal(s.up, true, s.error?.message);
    assert.deepEqual(k.commands(), ['status-get'], 'no version-get, no config-hash-get');
    await k.fake.close();
  });

  test('start time stays put between polls despite whole-second uptime', async () => {
    const k = await setup({ version: '2.2', configured: 'dhcp4' });
    const first = await k.poller.poll();
    for (let i = 0; i < 5; i++) {
      k.advance(1.7);
      assert.equal((await k.poller.poll()).startTime, first.startTime);
    }
    await k.fake.close();
  });
});

describe('HA', () => {
  test('state transitions are counted per relationship', async () => {
    const k = await setup({ version: '2.6', configured: 'dhcp4', ha: 'primary' });
    await k.poller.poll();
    k.handler.setHaState('partner-down', 'unavailable');
    k.advance(5);
    let s = await k.poller.poll();
    assert.equal(s.status?.ha[0]?.local.state, 'partner-down');
    assert.deepEqual(s.haTransitions, { server2: 1 });
    k.handler.setHaState('hot-standby', 'hot-standby');
    k.advance(5);
    s = await k.poller.poll();
    assert.deepEqual(s.haTransitions, { server2: 2 });
    await k.fake.close();
  });
});

describe('faults', () => {
  const cases = [
    [{ kind: 'garbage' }, 'parse'],
    [{ kind: 'truncated' }, 'closed'],
    [{ kind: 'close' }, 'closed'],
    [{ kind: 'hang' }, 'timeout'],
    [{ kind: 'slow', delayMs: 2000 }, 'timeout'],
    [{ kind: 'oversized', bytes: 2 << 20 }, 'too_large'],
  ] as const;
  for (const [behaviour, code] of cases) {
    test(`${behaviour.kind} -> down with ${code}, one log line, back up on the next good poll`, async () => {
      const k = await setup({ version: '2.2', configured: 'dhcp4' });
      await k.poller.poll();
      k.fake.behaviour = behaviour;
      k.advance(5);
      let s = await k.poller.poll();
      assert.equal(s.up, false);
      assert.equal(s.error?.code, code);
      assert.deepEqual(s.commandErrors, { 'status-get': { [code]: 1 } });
      k.advance(5);
      s = await k.poller.poll();
      assert.deepEqual(s.commandErrors, { 'status-get': { [code]: 2 } });
      assert.equal(k.log.lines.filter((l) => l.msg === 'daemon is down').length, 1, 'one line per state change');
      k.fake.behaviour = { kind: 'answer' };
      k.advance(5);
      s = await k.poller.poll();
      assert.equal(s.up, true);
      assert.equal(k.log.lines.filter((l) => l.msg === 'daemon is back up').length, 1);
      await k.fake.close();
    });
  }

  test('chunked answers are read whole', async () => {
    const k = await setup({ version: '2.2', configured: 'dhcp4' });
    k.fake.behaviour = { kind: 'chunked', chunkBytes: 7 };
    assert.equal((await k.poller.poll()).up, true);
    await k.fake.close();
  });

  test('refusing (a socket path nobody listens on) -> connect', async () => {
    const k = await setup({ version: '2.2', configured: 'dhcp4' });
    await k.fake.close();
    writeFileSync(k.fake.path, '');
    const s = await k.poller.poll();
    assert.equal(s.error?.code, 'connect');
    assert.match(s.error.message, /ECONNREFUSED/);
  });

  test('absent socket -> connect', async () => {
    const k = await setup({ version: '2.2', configured: 'dhcp4' });
    await k.fake.close();
    const s = await k.poller.poll();
    assert.equal(s.error?.code, 'connect');
  });
});
