import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashPublisher } from '../kea/published-hash.js';
import { DaemonPoller } from './daemon-poller.js';
import { StatisticsPoller } from './statistics-poller.js';
import { Endpoint } from '../targets/endpoint.js';
import { CommandQueue } from '../queue/command-queue.js';
import { UnixTransport } from '../transport/unix.js';
import { MemoryLog } from '../log.js';
import type { StatisticsConfig } from '../config/types.js';
import { FakeKea, keaHandler, type KeaVersion } from '../../test/support/fake-kea.js';
import { CAPTURED, captureHandler } from '../../test/support/capture-kea.js';

let dir: string;
const fakes: FakeKea[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'stats-'))));
after(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

const CONFIG: StatisticsConfig = { enabled: true, intervalMs: 30_000, perSubnet: true, perPool: true, maxSeries: 100_000, naming: 'default' };

let n = 0;
async function setup(version: KeaVersion, config: Partial<StatisticsConfig> = {}) {
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const handler = keaHandler({ version, daemon: 'dhcp4', pid: 100, now });
  const fake = await FakeKea.start({ path: path.join(dir, `s${n++}.sock`), handler });
  fakes.push(fake);
  const log = new MemoryLog();
  const endpoint = new Endpoint(new UnixTransport(fake.path, 1 << 22), new CommandQueue({ maxInFlight: 1, maxQueued: 10 }), undefined, 's');
  let stats: StatisticsPoller | undefined = undefined;
  const daemon = new DaemonPoller({
    target: 't', daemon: 'dhcp4', labels: {}, endpoint, timeoutMs: 1000, log, now, publishHash: hashPublisher('statistics-poller-test'),
    onConfig: (args, hash, d) => stats?.noteConfig(args, hash, d),
  });
  stats = new StatisticsPoller({ endpoint, status: () => daemon.snapshot, config: { ...CONFIG, ...config }, timeoutMs: 1000, log });
  const commands = () => fake.commands.splice(0);
  const advance = (seconds: number) => (clock += seconds * 1000);
  return { fake, handler, daemon, stats, commands, advance };
}

test('Kea 2.2: the config-get of the hash serves the subnet labels; a stats poll is one statistic-get-all', async () => {
  const k = await setup('2.2');
  await k.daemon.poll();
  k.commands();
  const s = await k.stats.poll();
  assert.deepEqual(k.commands(), ['statistic-get-all']);
  assert.equal(s?.up, true);
  assert.deepEqual([...s.subnets.keys()], [1, 2]);
  assert.ok(s.samples.some((x) => x.stat === 'assigned-addresses' && x.subnetId === 2));
  await k.stats.poll();
  assert.deepEqual(k.commands(), ['statistic-get-all']);
});

test('Kea 2.4: the daemon poller\'s config-get (one per configuration) serves the labels too', async () => {
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
  const count = async (cfg: Partial<StatisticsConfig>) => {
    const k = await setup('2.2', cfg);
    await k.daemon.poll();
    return (await k.stats.poll())!;
  };
  const all = await count({});
  const bySubnet = (s: typeof all, id: number) => s.samples.filter((x) => x.subnetId === id).length;
  assert.ok(bySubnet(all, 1) > 0 && bySubnet(all, 2) > 0);
  const global = all.samples.filter((x) => x.subnetId === undefined).length;
  assert.equal((await count({ perSubnet: false })).samples.length, global);
  const allow = await count({ subnets: { allow: [2] } });
  assert.equal(bySubnet(allow, 1), 0);
  assert.equal(bySubnet(allow, 2), bySubnet(all, 2));
  const deny = await count({ subnets: { allow: [1, 2], deny: [2] } });
  assert.equal(bySubnet(deny, 2), 0);
  assert.equal(bySubnet(deny, 1), bySubnet(all, 1));
  const capped = await count({ maxSeries: 5 });
  assert.equal(capped.samples.length, 5);
  assert.equal(capped.dropped, all.samples.length - 5);
});

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

test('its own config-get (the daemon poller\'s failed) showing another daemon: no statistic-get-all, wrong_daemon', async () => {
  const k = await setup('2.6');
  const real = k.fake.handler;
  k.fake.handler = (cmd) => (cmd.command === 'config-get' ? { result: 1, text: 'denied' } : real(cmd));
  assert.equal((await k.daemon.poll()).up, true); // the kind is unverified: trusted as configured
  // Meanwhile another kind of daemon answers (real 2.6.3 dhcp6 configuration).
  const dhcp6 = captureHandler('2.6.3', CAPTURED['2.6.3'].dhcp6);
  k.fake.handler = (cmd) => (cmd.command === 'config-get' || cmd.command === 'statistic-get-all' ? dhcp6(cmd) : real(cmd));
  k.commands();
  const s = await k.stats.poll();
  assert.deepEqual(k.commands(), ['config-get']);
  assert.equal(s?.up, false);
  assert.equal(s?.error?.code, 'wrong_daemon');
  assert.deepEqual(s?.samples, []);
});
