/** GET /probe?target=<address>&module=<name> against fake Kea sockets: refused unless probe.allow
 * lets it (403, counted, nothing sent), a module's settings applied, single-flight, the held
 * targets bounded in number and dropped when idle, one queue per daemon with the file's targets,
 * and the scrape timeout honoured. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { buildServer } from '../server/server.js';
import { FakeKea, keaHandler } from '../../test/support/fake-kea.js';
import { MemoryLog } from '../../test/support/memory-log.js';

const TIMEOUT = { 'x-prometheus-scrape-timeout-seconds': '1' };

describe('/probe of addresses', () => {
  let dir: string;
  const keas: FakeKea[] = [];
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'probe-addr-'));
    for (const name of ['a', 'b', 'c', 'x']) {
      keas.push(await FakeKea.start({ path: path.join(dir, `${name}.sock`), handler: keaHandler({ version: '2.6', daemon: 'dhcp4' }) }));
    }
  });
  after(async () => {
    await Promise.all(keas.map((k) => k.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const kea = (i: number) => (): FakeKea => keas[i]!;
  const [a, b, c, x] = [kea(0), kea(1), kea(2), kea(3)];

  const configText = (extra: string) => `poll: { interval: 1h, timeout: 2s, background: false }
statistics: { interval: 1h }
targets:
  - { name: x, socket: "${x().path}" }
modules:
  kea: { daemon: dhcp4, labels: { site: lab } }
  nostats: { statistics: { enabled: false } }
${extra}`;
  async function start(extra: string): Promise<{ app: App; server: FastifyInstance }> {
    const app = new App(parseConfigText(configText(extra), 'c.yaml'), { log: new MemoryLog(), version: 't', processMetrics: false, probeMinAgeMs: 0 });
    await app.start();
    return { app, server: buildServer(app) };
  }
  const probe = (server: FastifyInstance, target: string, module = 'kea', headers: Record<string, string> = {}) =>
    server.inject({ url: `/probe?target=${encodeURIComponent(target)}&module=${module}`, headers });
  const metric = async (server: FastifyInstance, line: RegExp) => {
    const m = line.exec((await server.inject({ url: '/metrics' })).body);
    return m ? Number(m[1]) : undefined;
  };

  test('nothing is allowed by default: 403, counted, and the address hears nothing', async () => {
    const { app, server } = await start('');
    try {
      const before = a().commands.length;
      const r = await probe(server, a().path);
      assert.deepEqual([r.statusCode, r.body], [403, 'target not allowed by probe.allow\n']);
      assert.equal(a().commands.length, before);
      assert.doesNotMatch(r.body, /a\.sock/, 'the answer does not echo the address');
      assert.equal(await metric(server, /^kea_exporter_probe_refused_total\{reason="not_allowed"\} (\d+)$/m), 1);
      const unknown = await probe(server, a().path, 'nope');
      assert.equal(unknown.statusCode, 400);
      assert.equal(await metric(server, /^kea_exporter_probe_refused_total\{reason="unknown_module"\} (\d+)$/m), 1);
    } finally {
      await app.stop();
    }
  });

  test("an allowed address: the module's daemon and labels, its series on /probe only, single-flight", async () => {
    const { app, server } = await start(`probe: { allow: ["${dir}/*"] }\n`);
    try {
      const status = a().commands.filter((cmd) => cmd === 'status-get').length;
      const all = await Promise.all(Array.from({ length: 100 }, () => probe(server, a().path)));
      assert.ok(all.every((r) => r.statusCode === 200));
      assert.equal(a().commands.filter((cmd) => cmd === 'status-get').length - status, 1, 'one poll for 100 probes at once');
      assert.match(all[0]!.body, new RegExp(`^kea_up\\{target="${a().path}",daemon="dhcp4",site="lab"\\} 1$`, 'm'));
      assert.match(all[0]!.body, /^kea_dhcp4_packets_received_total\{/m, 'its statistics');
      const metrics = (await server.inject({ url: '/metrics' })).body;
      assert.doesNotMatch(metrics, /a\.sock/, '/metrics keeps the configured targets only');
      assert.match(metrics, /^kea_exporter_probe_targets 1$/m);
      const noStats = await probe(server, b().path, 'nostats');
      assert.match(noStats.body, new RegExp(`^kea_up\\{target="${b().path}",daemon="dhcp4"\\} 1$`, 'm'));
      assert.doesNotMatch(noStats.body, /^kea_dhcp4_packets_received_total\{/m, "the module's statistics settings");
      assert.equal(b().commands.filter((cmd) => cmd === 'statistic-get-all').length, 0);
    } finally {
      await app.stop();
    }
  });

  test('bounded: the least recently probed idle target makes room, all busy is 503, idle ones are dropped', async () => {
    const { app, server } = await start(`probe: { allow: ["${dir}/*"], maxTargets: 2, idleAfter: 300ms }\n`);
    try {
      for (const k of [a(), b()]) assert.equal((await probe(server, k.path)).statusCode, 200);
      assert.equal((await probe(server, a().path)).statusCode, 200); // b is now the least recent
      const aPolls = a().commands.length;
      assert.equal((await probe(server, c().path)).statusCode, 200);
      assert.match((await server.inject({ url: '/metrics' })).body, /^kea_exporter_probe_targets 2$/m);
      // a was kept (no first-contact commands again), b was dropped (they come again).
      const bPolls = b().commands.length;
      await probe(server, a().path);
      assert.deepEqual(a().commands.slice(aPolls), ['status-get', 'statistic-get-all']);
      await probe(server, b().path);
      assert.ok(b().commands.slice(bPolls).includes('version-get'), `b built anew: ${b().commands.slice(bPolls).join()}`);
      // Both held targets being probed: a third address waits for no one, it is refused.
      for (const k of [a(), b()]) k.behaviour = { kind: 'slow', delayMs: 1500 };
      const held = [probe(server, a().path), probe(server, b().path)];
      await new Promise((r) => setTimeout(r, 100));
      const full = await probe(server, c().path);
      assert.deepEqual([full.statusCode, full.headers['retry-after']], [503, '1']);
      assert.equal(await metric(server, /^kea_exporter_probe_refused_total\{reason="full"\} (\d+)$/m), 1);
      await Promise.all(held);
      for (const k of [a(), b()]) k.behaviour = { kind: 'answer' };
      // Idle for idleAfter: dropped by the sweep, with everything they held.
      const deadline = Date.now() + 20_000;
      while (!/^kea_exporter_probe_targets 0$/m.test((await server.inject({ url: '/metrics' })).body)) {
        assert.ok(Date.now() < deadline, 'idle targets never dropped');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      for (const k of [a(), b()]) k.behaviour = { kind: 'answer' };
      await app.stop();
    }
  });

  test("an address a configured target reaches shares that target's queue: one connection to the daemon", async () => {
    const { app, server } = await start(`probe: { allow: ["${dir}/*"] }\n`);
    try {
      x().behaviour = { kind: 'slow', delayMs: 100 };
      const before = x().maxConcurrent;
      assert.ok(before <= 1);
      const rs = await Promise.all([
        ...Array.from({ length: 3 }, () => server.inject({ url: '/probe?target=x' })),
        ...['kea', 'nostats'].map((m) => probe(server, x().path, m)),
      ]);
      assert.ok(rs.every((r) => r.statusCode === 200));
      assert.equal(x().maxConcurrent, 1, 'never two connections to one daemon');
    } finally {
      x().behaviour = { kind: 'answer' };
      await app.stop();
    }
  });

  test('X-Prometheus-Scrape-Timeout-Seconds: a poll still running is answered before the scrape times out', async () => {
    const { app, server } = await start(`probe: { allow: ["${dir}/*"] }\n`);
    try {
      c().behaviour = { kind: 'hang' };
      const r = await probe(server, c().path, 'kea', TIMEOUT);
      assert.equal(r.statusCode, 200);
      // The first poll has not ended: no value is known yet, and the answer says so.
      assert.match(r.body, new RegExp(`^kea_up\\{target="${c().path}",daemon="dhcp4",site="lab"\\} 0$`, 'm'));
      assert.equal(await metric(server, /^kea_exporter_probe_late_total (\d+)$/m), 1);
      // Without the header the probe waits for the poll, which times out (poll.timeout 2s).
      const slow = await probe(server, c().path);
      assert.match(slow.body, /^kea_exporter_poll_error_info\{.*reason="timeout".*\} 1$/m);
      assert.equal(await metric(server, /^kea_exporter_probe_late_total (\d+)$/m), 1);
      // The same for a configured target.
      x().behaviour = { kind: 'hang' };
      const named = await server.inject({ url: '/probe?target=x', headers: TIMEOUT });
      assert.equal(named.statusCode, 200);
      assert.equal(await metric(server, /^kea_exporter_probe_late_total (\d+)$/m), 2);
    } finally {
      c().behaviour = { kind: 'answer' };
      x().behaviour = { kind: 'answer' };
      await app.stop();
    }
  });

  test('a reload drops the held addresses; probe.allow and the modules follow the file', async () => {
    const { app, server } = await start(`probe: { allow: ["${dir}/*"] }\n`);
    try {
      assert.equal((await probe(server, a().path)).statusCode, 200);
      assert.equal(await metric(server, /^kea_exporter_probe_targets (\d+)$/m), 1);
      const result = await app.reload(async () => parseConfigText(configText(`probe: { allow: ["${a().path}"] }\n`), 'c.yaml'));
      assert.equal(result.ok, true);
      assert.equal(await metric(server, /^kea_exporter_probe_targets (\d+)$/m), 0);
      assert.equal((await probe(server, b().path)).statusCode, 403, 'no longer allowed');
      const commands = a().commands.length;
      assert.equal((await probe(server, a().path)).statusCode, 200);
      assert.ok(a().commands.slice(commands).includes('version-get'), 'built anew after the reload');
    } finally {
      await app.stop();
    }
  });
});
