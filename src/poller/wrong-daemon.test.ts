/** What answers, from config-get's top-level key, with as few commands as possible: one config-get
 * at first contact and per configuration (hash), none per poll, also while the kind is wrong.
 * Served from REAL 2.6.3 / 3.0.4 captures (issue 12, bug 1). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DaemonKind } from '../kea/types.js';
import { FakeKea, keaHandler, type FakeHandler } from '../../test/support/fake-kea.js';
import { CAPTURED, captureHandler } from '../../test/support/capture-kea.js';
import { testTarget } from '../../test/support/target.js';

let dir: string;
const fakes: FakeKea[] = [];
const closers: (() => Promise<void>)[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'wrong-daemon-'))));
after(async () => {
  await Promise.all([...fakes.map((f) => f.close()), ...closers.map((c) => c())]);
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** Through the real Target (target k, a socket), with statistics off: the daemon poller alone. */
async function setup(handler: FakeHandler, configured?: DaemonKind, now: () => number = () => 1_800_000_000_000) {
  const fake = await FakeKea.start({ path: path.join(dir, `k${n++}.sock`), handler });
  fakes.push(fake);
  const daemon = configured ? `, daemon: ${configured}` : '';
  const t = testTarget(`{ name: k, socket: "${fake.path}"${daemon} }`, { settings: 'poll: { timeout: 1s }\nstatistics: { enabled: false }', now });
  closers.push(() => t.close());
  const poller = { poll: () => t.pollOne() };
  return { fake, poller, log: t.log, commands: () => fake.commands.splice(0) };
}

const FIRST = ['status-get', 'version-get', 'config-hash-get', 'config-get'];

for (const version of ['2.6.3', '3.0.4'] as const) {
  describe(version, () => {
    // Captured status-get answers are fixed, so the clock stands still: no restart seen between polls.
    for (const [real, configured] of [
      ['dhcp4', 'dhcp6'],
      ['dhcp6', 'd2'],
      ['d2', 'dhcp4'],
    ] as const) {
      test(`${real} configured as ${configured}: wrong_daemon, counted once; later polls send status-get only`, async () => {
        const k = await setup(captureHandler(version, CAPTURED[version][real]), configured);
        let s = await k.poller.poll();
        assert.deepEqual(k.commands(), FIRST);
        assert.equal(s.up, false);
        assert.equal(s.daemon, configured);
        assert.equal(s.error?.code, 'wrong_daemon');
        assert.equal(s.error?.message, `k answers as ${real}, configured as ${configured}`);
        assert.equal(s.configHash, undefined, 'nothing of the other daemon is kept');
        for (let i = 0; i < 3; i++) s = await k.poller.poll();
        assert.deepEqual(k.commands(), ['status-get', 'status-get', 'status-get']);
        assert.equal(s.error?.code, 'wrong_daemon');
        assert.deepEqual(s.commandErrors, { 'config-get': { wrong_daemon: 1 } });
        assert.equal(k.log.lines.filter((l) => l.msg === 'daemon is down').length, 1);
      });
    }

    test('the configured daemon restarted in its place: detected at once and up', async () => {
      const h = captureHandler(version, CAPTURED[version].dhcp4);
      const k = await setup(h, 'dhcp6');
      assert.equal((await k.poller.poll()).error?.code, 'wrong_daemon');
      h.prefixes = CAPTURED[version].dhcp6; // another pid: a restart
      k.commands();
      const s = await k.poller.poll();
      assert.deepEqual(k.commands(), FIRST);
      assert.equal(s.up, true, s.error?.message);
      assert.equal(s.daemon, 'dhcp6');
      assert.equal(s.configHash?.source, 'kea');
      await k.poller.poll();
      assert.deepEqual(k.commands(), ['status-get']);
    });

    test('daemon omitted: detected at first contact; another kind later at that socket is wrong_daemon', async () => {
      const h = captureHandler(version, CAPTURED[version].dhcp4);
      const k = await setup(h);
      let s = await k.poller.poll();
      assert.deepEqual(k.commands(), ['status-get', 'version-get', 'config-get']);
      assert.equal(s.daemon, 'dhcp4');
      assert.equal(s.up, true);
      h.prefixes = CAPTURED[version].dhcp6;
      s = await k.poller.poll();
      assert.deepEqual(k.commands(), FIRST);
      assert.equal(s.up, false);
      assert.equal(s.daemon, 'dhcp4', 'the series keep the label detected first');
      assert.equal(s.error?.message, 'k answers as dhcp6, detected at first contact as dhcp4');
    });
  });
}

test('a configuration change (new hash) that makes it another kind of daemon is seen, with one config-get', async () => {
  let clock = 1_800_000_000_000;
  const h = keaHandler({ version: '2.6', daemon: 'dhcp4', pid: 100, now: () => clock });
  const k = await setup(h, 'dhcp4', () => clock);
  assert.equal((await k.poller.poll()).up, true);
  clock += 30_000;
  const before = await k.poller.poll();
  k.commands();
  // Kea commits a configuration (reload goes back to 0) that is a dhcp6 one: real 2.6.3 answers.
  clock += 30_000;
  h.reloadConfig({ 'valid-lifetime': 1 });
  const dhcp6 = captureHandler('2.6.3', CAPTURED['2.6.3'].dhcp6);
  k.fake.handler = (cmd) => (cmd.command === 'config-get' || cmd.command === 'config-hash-get' ? dhcp6(cmd) : h(cmd));
  let s = await k.poller.poll();
  assert.deepEqual(k.commands(), ['status-get', 'config-hash-get', 'config-get']);
  assert.equal(s.error?.code, 'wrong_daemon');
  assert.deepEqual(s.configHash, before.configHash);
  assert.equal(s.configChanges, 0);
  clock += 5_000;
  await k.poller.poll();
  assert.deepEqual(k.commands(), ['status-get'], 'no config-get per poll while wrong');
  // A dhcp4 configuration again: up, and counted as one change against the last one of dhcp4.
  clock += 30_000;
  h.reloadConfig({ 'valid-lifetime': 2 });
  k.fake.handler = h;
  s = await k.poller.poll();
  assert.deepEqual(k.commands(), ['status-get', 'config-hash-get', 'config-get']);
  assert.equal(s.up, true, s.error?.message);
  assert.equal(s.configChanges, 1);
});
