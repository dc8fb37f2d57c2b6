/** The per-daemon config cache, through the real Target, counted at the fake Kea: one config-get
 * per config hash whoever reads it (daemon poller, statistics poller); the cache follows a commit
 * and a restart; a failed config-get is counted as config-get, once, by the daemon. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COLLECTORS, PrometheusRenderer } from '../render/prometheus/registry.js';
import { statisticsCollector } from '../render/prometheus/statistics.js';
import { FakeKea, keaHandler, type KeaHandler, type KeaVersion } from '../../test/support/fake-kea.js';
import { testTarget } from '../../test/support/target.js';
import { samplesOf } from '../kea/statistics/parse.js';

let dir: string;
const closers: (() => Promise<void>)[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'daemon-config-'))));
after(async () => {
  await Promise.all(closers.map((c) => c()));
  rmSync(dir, { recursive: true, force: true });
});

type Subnet = { id: number; subnet: string };

let n = 0;
async function setup(version: KeaVersion) {
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const h = keaHandler({ version, daemon: 'dhcp4', pid: 100, now });
  const fake = await FakeKea.start({ path: path.join(dir, `k${n++}.sock`), handler: h });
  closers.push(() => fake.close());
  const t = testTarget(`{ name: t, socket: "${fake.path}", daemon: dhcp4 }`, { settings: 'poll: { timeout: 2s }', now });
  closers.push(() => t.close());
  /** config-get commands Kea received since the last call. */
  const configGets = () => fake.commands.splice(0).filter((c) => c === 'config-get').length;
  /** One status poll, then `stats` statistics polls, 5 s later. */
  const round = async (stats: number) => {
    clock += 5_000;
    const s = await t.pollOne();
    let st;
    for (let i = 0; i < stats; i++) st = await t.statistics();
    return { s, st };
  };
  /** A commit Kea makes after a minute (a poll sees the minute first): the first subnet renamed. */
  const commit = async (prefix: string, restart = false) => {
    clock += 60_000;
    await t.pollOne();
    configGets();
    if (restart) h.restart();
    if (prefix) h.reloadConfig(withFirstSubnet(h, prefix));
  };
  return { fake, h, t, round, commit, configGets };
}

/** Kea's running Dhcp4 with its first subnet4 given another prefix. */
function withFirstSubnet(h: KeaHandler, prefix: string): Record<string, unknown> {
  const dhcp4 = structuredClone((h({ command: 'config-get' }) as { arguments: { Dhcp4: { subnet4: Subnet[] } } }).arguments.Dhcp4);
  dhcp4.subnet4[0]!.subnet = prefix;
  return dhcp4;
}

const firstId = (h: KeaHandler): number => (h({ command: 'config-get' }) as { arguments: { Dhcp4: { subnet4: Subnet[] } } }).arguments.Dhcp4.subnet4[0]!.id;

for (const version of ['2.2', '2.4', '2.6', '3.0'] as const) {
  test(`${version}: one config-get per config hash across both pollers; the labels follow a commit and a restart`, async () => {
    const k = await setup(version);
    const id = firstId(k.h);
    let r = await k.round(3);
    assert.equal(k.configGets(), 1, 'first contact: one, for the daemon poller and the statistics poller');
    assert.equal(r.st?.up, true, r.st?.error?.message);
    const original = r.st.subnets.get(id)!.prefix;
    await k.round(3);
    assert.equal(k.configGets(), 0, 'steady: none');

    await k.commit('203.0.113.0/24');
    r = await k.round(3);
    assert.equal(k.configGets(), 1, 'a commit: one for the new hash');
    assert.equal(r.s.configChanges, 1);
    assert.equal(r.st?.subnets.get(id)?.prefix, '203.0.113.0/24', 'the statistics carry the new labels');
    assert.ok(samplesOf(r.st.statistics).some((x) => x.subnetId === id));

    await k.commit('', true);
    r = await k.round(3);
    // 2.2 has no config-hash-get: after a restart only config-get tells the hash.
    assert.equal(k.configGets(), version === '2.2' ? 1 : 0, 'a restart with the same configuration');
    assert.equal(r.s.configChanges, 1);
    assert.equal(r.st?.subnets.get(id)?.prefix, '203.0.113.0/24');

    await k.commit(original, true);
    r = await k.round(3);
    assert.equal(k.configGets(), 1, 'a restart with another configuration: one');
    assert.equal(r.s.configChanges, 2);
    assert.equal(r.st?.subnets.get(id)?.prefix, original);
  });
}

test('a config-get that fails after a commit: counted once, as config-get, by the daemon; statistics send nothing meanwhile and count nothing', async () => {
  const k = await setup('2.6');
  await k.round(1);
  await k.commit('203.0.113.0/24');
  const real = k.fake.handler;
  k.fake.handler = (cmd) => (cmd.command === 'config-get' ? { result: 1, text: 'denied' } : real(cmd));
  const { s, st } = await k.round(1);
  assert.deepEqual(k.fake.commands.splice(0), ['status-get', 'config-hash-get', 'config-get'], 'no statistic-get-all with stale labels');
  assert.equal(s.up, true);
  assert.deepEqual(s.commandErrors, { 'config-get': { kea_error: 1 } });
  assert.equal(st?.up, false);
  assert.deepEqual(st?.errors, {});
  // On /metrics: command="config-get" (it used to show as statistic-get-all), one series.
  const statistics = statisticsCollector('default');
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, COLLECTORS, statistics.metrics);
  r.update('t|self', s);
  r.update('t|self#statistics', st, [statistics]);
  const errors = (await r.render(false)).body.split('\n').filter((l) => l.startsWith('kea_exporter_command_errors_total{'));
  assert.deepEqual(errors, ['kea_exporter_command_errors_total{target="t",daemon="dhcp4",command="config-get",reason="kea_error"} 1']);
  k.fake.handler = real;
  const after = await k.round(1);
  assert.deepEqual(k.fake.commands.splice(0), ['status-get', 'config-get', 'statistic-get-all'], 'the daemon poller tries again; then statistics');
  assert.equal(after.st?.up, true);
  assert.equal(after.st?.subnets.get(firstId(k.h))?.prefix, '203.0.113.0/24');
});
