/** The statistics poller through the real Target: its subnet labels come from the daemon's
 * config cache (filled by the daemon poller), so a statistics poll is one statistic-get-all. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeKea, keaHandler, type KeaVersion } from '../../test/support/fake-kea.js';
import { CAPTURED, captureHandler } from '../../test/support/capture-kea.js';
import { testTarget } from '../../test/support/target.js';
import { samplesOf, type StatScope } from '../kea/statistics/parse.js';

let dir: string;
const fakes: FakeKea[] = [];
const closers: (() => Promise<void>)[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'stats-'))));
after(async () => {
  await Promise.all([...fakes.map((f) => f.close()), ...closers.map((c) => c())]);
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A dhcp4 socket target; `statistics`: the YAML flow map of the statistics settings. */
async function setup(version: KeaVersion, statistics = '{}', kind: 'dhcp4' | 'dhcp6' = 'dhcp4') {
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const handler = keaHandler({ version, daemon: kind, pid: 100, now });
  const fake = await FakeKea.start({ path: path.join(dir, `s${n++}.sock`), handler });
  fakes.push(fake);
  const t = testTarget(`{ name: t, socket: "${fake.path}", daemon: ${kind} }`, { settings: `poll: { timeout: 1s }\nstatistics: ${statistics}`, now });
  closers.push(() => t.close());
  const daemon = { poll: () => t.pollOne() };
  const stats = { poll: () => t.statistics() };
  const commands = () => fake.commands.splice(0);
  const advance = (seconds: number) => (clock += seconds * 1000);
  return { fake, handler: handler, daemon, stats, commands, advance, log: t.log };
}

test('Kea 2.2: the config-get of the hash serves the subnet labels; a stats poll is one statistic-get-all', async () => {
  const k = await setup('2.2');
  await k.daemon.poll();
  k.commands();
  const s = await k.stats.poll();
  assert.deepEqual(k.commands(), ['statistic-get-all']);
  assert.equal(s?.up, true);
  assert.deepEqual([...s.subnets.keys()], [1, 2]);
  assert.ok(samplesOf(s.statistics).some((x) => x.stat === 'assigned-addresses' && x.subnetId === 2));
  await k.stats.poll();
  assert.deepEqual(k.commands(), ['statistic-get-all']);
});

test("Kea 2.4: the daemon poller's config-get (one per configuration) serves the labels too", async () => {
  const k = await setup('2.4');
  await k.daemon.poll();
  assert.deepEqual(k.commands(), ['status-get', 'version-get', 'config-hash-get', 'config-get']);
  const first = await k.stats.poll();
  assert.deepEqual(k.commands(), ['statistic-get-all']);
  assert.ok(first!.subnets.size > 0);
  await k.stats.poll();
  assert.deepEqual(k.commands(), ['statistic-get-all']);
  k.advance(60);
  k.handler.reloadConfig({ ...((await k.fake.handler({ command: 'config-get' })) as { arguments: { Dhcp4: object } }).arguments.Dhcp4, 'valid-lifetime': 99 });
  k.advance(5);
  await k.daemon.poll();
  assert.deepEqual(k.commands(), ['status-get', 'config-hash-get', 'config-get']);
  await k.stats.poll();
  assert.deepEqual(k.commands(), ['statistic-get-all']);
});

test('filters: perSubnet, perPool, allow/deny, maxSeries with the dropped count', async () => {
  const count = async (cfg: string) => {
    const k = await setup('2.2', cfg);
    await k.daemon.poll();
    return (await k.stats.poll())!;
  };
  const all = await count('{}');
  const bySubnet = (s: typeof all, id: number) => samplesOf(s.statistics).filter((x) => x.subnetId === id).length;
  assert.ok(bySubnet(all, 1) > 0 && bySubnet(all, 2) > 0);
  const global = samplesOf(all.statistics).filter((x) => x.subnetId === undefined).length;
  assert.equal((await count('{ perSubnet: false }')).statistics.scopes.length, global);
  const allow = await count('{ subnets: { allow: [2] } }');
  assert.equal(bySubnet(allow, 1), 0);
  assert.equal(bySubnet(allow, 2), bySubnet(all, 2));
  const deny = await count('{ subnets: { allow: [1, 2], deny: [2] } }');
  assert.equal(bySubnet(deny, 2), 0);
  assert.equal(bySubnet(deny, 1), bySubnet(all, 1));
  const capped = await count('{ maxSeries: 5 }');
  assert.equal(samplesOf(capped.statistics).length, 5);
  assert.equal(capped.dropped, samplesOf(all.statistics).length - 5);
});

for (const daemon of ['dhcp4', 'dhcp6'] as const) {
  test(`perPool: false keeps every subnet series of ${daemon} and drops the pool (and pd-pool) ones`, async () => {
    const poll = async (cfg: string) => {
      const k = await setup('2.6', cfg, daemon);
      await k.daemon.poll();
      return (await k.stats.poll())!;
    };
    const all = await poll('{}');
    const pool = (x: StatScope) => x.poolId !== undefined || x.pdPoolId !== undefined;
    const pools = samplesOf(all.statistics).filter(pool);
    const subnets = samplesOf(all.statistics).filter((x) => x.subnetId !== undefined && !pool(x));
    assert.ok(pools.length > 0 && subnets.length > 0, 'the 2.6.3 capture has both');
    if (daemon === 'dhcp6')
      assert.ok(
        pools.some((x) => x.pdPoolId !== undefined),
        'and pd-pools',
      );
    const without = await poll('{ perPool: false }');
    assert.deepEqual(samplesOf(without.statistics).filter(pool), []);
    assert.deepEqual(
      samplesOf(without.statistics).filter((x) => x.subnetId !== undefined),
      subnets,
    );
    assert.equal(samplesOf(without.statistics).length, samplesOf(all.statistics).length - pools.length);
  });
}

test('a down daemon is not asked for statistics; a failing statistic-get-all is counted', async () => {
  const k = await setup('2.2');
  await k.daemon.poll();
  k.fake.behaviour = { kind: 'garbage' };
  const failed = await k.stats.poll();
  assert.equal(failed?.up, false);
  assert.deepEqual(failed?.errors, { parse: 1 });
  await k.daemon.poll();
  k.commands();
  const down = await k.stats.poll();
  assert.equal(down?.up, false);
  assert.deepEqual(k.commands(), []);
});

test("the daemon poller's config-get failed: statistics wait (nothing sent, nothing counted as statistic-get-all); another daemon's configuration once read: wrong_daemon", async () => {
  const k = await setup('2.6');
  const real = k.fake.handler;
  k.fake.handler = (cmd) => (cmd.command === 'config-get' ? { result: 1, text: 'denied' } : real(cmd));
  const d = await k.daemon.poll();
  assert.equal(d.up, true); // the kind is unverified: trusted as configured
  assert.deepEqual(d.commandErrors, { 'config-get': { kea_error: 1 } });
  k.commands();
  const waiting = await k.stats.poll();
  assert.deepEqual(k.commands(), [], "config-get is the daemon poller's; no statistic-get-all without labels");
  assert.equal(waiting?.up, false);
  assert.equal(waiting?.error?.code, 'kea_error');
  assert.deepEqual(waiting?.errors, {});
  // Meanwhile another kind of daemon answers (real 2.6.3 dhcp6 configuration).
  const dhcp6 = captureHandler('2.6.3', CAPTURED['2.6.3'].dhcp6);
  k.fake.handler = (cmd) => (cmd.command === 'config-get' || cmd.command === 'statistic-get-all' ? dhcp6(cmd) : real(cmd));
  const wrong = await k.daemon.poll();
  assert.deepEqual(k.commands(), ['status-get', 'config-get'], 'tried again on the next poll');
  assert.equal(wrong.error?.code, 'wrong_daemon');
  const s = await k.stats.poll();
  assert.deepEqual(k.commands(), []);
  assert.equal(s?.up, false);
  assert.deepEqual(s?.statistics.scopes, []);
});
