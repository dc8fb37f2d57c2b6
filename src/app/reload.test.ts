/** A reload goes by the table (src/config/reload-table.ts): live keys keep every target object,
 * `restart targets` keys rebuild them, `restart process` keys keep running as they were and are
 * reported. Failures: one while building leaves the running state as it was (and closes what
 * was built); one after the swap is logged and the reload stands. */
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../app.js';
import { loadConfigFile, parseConfigText } from '../config/load.js';
import type { Config } from '../config/types.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { inShard } from '../targets/shard.js';
import { Target } from '../targets/target.js';
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-kea.js';
import { pollAll } from '../../test/support/poll.js';

let dir: string;
let fleet: FakeFleet;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'reload-'));
  fleet = await startFakeFleet(4, dir);
});
after(async () => {
  await fleet.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEAD = 'poll: { interval: 1h, timeout: 2s }\nstatistics: { enabled: false }';
const yaml = (ids: number[], head = HEAD, extra: Record<number, string> = {}) =>
  `${head}\ntargets:\n${ids.map((i) => `  - { name: kea-${i}, socket: "${fleet.paths[i]}", daemon: dhcp4${extra[i] ? `, ${extra[i]}` : ''} }`).join('\n')}\n`;
const parse = (text: string): Config => parseConfigText(text, 'reload.yaml', {});
const commands = (i: number) => fleet.servers[i]!.commands.length;

async function started(text: string) {
  const log = new MemoryLog();
  const app = new App(parse(text), { log, version: 't', processMetrics: false });
  await app.start();
  const reloadOk = async () => /kea_exporter_config_last_reload_successful (\d)/.exec((await app.renderer.render(false)).body)?.[1];
  return { app, log, reloadOk, reload: (t: string) => app.reload(async () => parse(t)) };
}

describe('the reload table, applied', () => {
  test('live keys (poll interval and background, statistics interval, otel, proxy agents): the same target objects, no command', async () => {
    const { app, reload } = await started(yaml([0, 1]));
    try {
      const before = [...app.targets];
      const c = [commands(0), commands(1)];
      const r = await reload(
        yaml(
          [0, 1],
          'poll: { interval: 2h, timeout: 2s, background: false }\nstatistics: { enabled: false, interval: 1m }\notel: { interval: 30s }\nproxy: { agents: [ { name: host, services: { dhcp4: kea-0 } } ] }',
        ),
      );
      assert.deepEqual(r, { ok: true, added: [], removed: [], kept: 2, pendingRestart: [] });
      assert.deepEqual(app.targets, before);
      assert.ok(app.targets.every((t, i) => t === before[i]));
      assert.equal(app.config.poll.intervalMs, 7_200_000);
      assert.deepEqual(app.config.proxy.agents, [{ name: 'host', services: { dhcp4: 'kea-0' } }]);
      assert.deepEqual([commands(0), commands(1)], c);
    } finally {
      await app.stop();
    }
  });

  test('a key every target holds (poll.timeout): every target rebuilt and polled before the reload returns', async () => {
    const { app, reload } = await started(yaml([0, 1]));
    try {
      const before = [...app.targets];
      const c = [commands(0), commands(1)];
      const r = await reload(yaml([0, 1], 'poll: { interval: 1h, timeout: 1s }\nstatistics: { enabled: false }'));
      assert.deepEqual(r, { ok: true, added: ['kea-0', 'kea-1'], removed: ['kea-0', 'kea-1'], kept: 0, pendingRestart: [] });
      assert.ok(app.targets.every((t, i) => t !== before[i]));
      assert.ok(commands(0) > c[0]! && commands(1) > c[1]!);
    } finally {
      await app.stop();
    }
  });

  test("one target's entry changed: that target alone is rebuilt", async () => {
    const { app, reload } = await started(yaml([0, 1]));
    try {
      const [t0, t1] = app.targets;
      const r = await reload(yaml([0, 1], HEAD, { 1: 'labels: { site: ams }' }));
      assert.deepEqual(r, { ok: true, added: ['kea-1'], removed: ['kea-1'], kept: 1, pendingRestart: [] });
      assert.equal(app.targets[0], t0);
      assert.notEqual(app.targets[1], t1);
    } finally {
      await app.stop();
    }
  });

  const KEY = 'k'.repeat(32); // shards need one (and a change of it rebuilds every target)
  test('shard: the targets staying in this shard are kept by identity', async () => {
    const ids = [0, 1, 2, 3];
    const { app, reload } = await started(yaml(ids, `${HEAD}\nhashKey: ${KEY}`));
    try {
      const before = new Map(app.targets.map((t) => [t.name, t]));
      const r = await reload(yaml(ids, `${HEAD}\nshard: { index: 0, count: 2 }\nhashKey: ${KEY}`));
      assert.equal(r.ok, true);
      const mine = ids.map((i) => `kea-${i}`).filter((n) => inShard(n, { index: 0, count: 2 }));
      assert.ok(mine.length > 0 && mine.length < ids.length, mine.join());
      assert.deepEqual(
        app.targets.map((t) => t.name),
        mine,
      );
      assert.ok(app.targets.every((t) => t === before.get(t.name)));
    } finally {
      await app.stop();
    }
  });

  test('restart-process keys: reported, logged, and kept at their running value until a restart', async () => {
    const { app, log, reload } = await started(yaml([0]));
    try {
      const t0 = app.targets[0];
      const running = { listen: app.config.listen, naming: app.config.statistics.naming };
      const text = yaml(
        [0],
        `listen: 127.0.0.1:19999\n${HEAD.replace('enabled: false', 'enabled: false, naming: kea-exporter')}\nproxy: { rateLimit: { max: 5 } }`,
      );
      for (let i = 0; i < 2; i++) {
        const r = await reload(text);
        assert.deepEqual(
          r,
          { ok: true, added: [], removed: [], kept: 1, pendingRestart: ['listen', 'statistics.naming', 'proxy.rateLimit'] },
          'still pending at the second reload',
        );
      }
      assert.deepEqual(app.config.listen, running.listen, 'App.config is what runs');
      assert.equal(app.config.statistics.naming, running.naming);
      assert.equal(app.config.proxy.rateLimit.max, 600);
      assert.equal(app.targets[0], t0);
      const warned = log.lines.filter((l) => l.level === 'warn' && /next restart/.test(l.msg));
      assert.deepEqual(warned.at(-1)?.obj, { settings: ['listen', 'statistics.naming', 'proxy.rateLimit'] });
      // Back to the running values: nothing pending any more.
      assert.deepEqual(await reload(yaml([0])), { ok: true, added: [], removed: [], kept: 1, pendingRestart: [] });
    } finally {
      await app.stop();
    }
  });
});

describe('failures inside a reload', () => {
  test('a TLS file present at load and gone when the targets are built: nothing swapped, built targets closed, next reload works', async () => {
    const { app, log, reloadOk } = await started(yaml([0, 1]));
    const close = mock.method(Target.prototype, 'close');
    try {
      const before = { config: app.config, targets: [...app.targets] };
      const ca = path.join(dir, 'ca.pem');
      writeFileSync(ca, 'not read before the target is built');
      const file = path.join(dir, 'mid.yaml');
      // kea-2 is built first (a new socket target), then the https target, whose CA is gone by then.
      writeFileSync(file, `${yaml([0, 1, 2])}  - { name: k3, url: "https://127.0.0.1:9/", daemon: dhcp4, tls: { ca: "${ca}" } }\n`);
      const c2 = commands(2);
      const r = await app.reload(async () => {
        const c = await loadConfigFile(file, {}); // checks that the CA file can be read: it can
        rmSync(ca);
        return c;
      });
      assert.deepEqual(r, { ok: false, error: 'targets[3].tls.ca: cannot read the file it names: no such file or directory (ENOENT)' });
      assert.equal(await reloadOk(), '0');
      assert.equal(app.config, before.config, 'the running config, unchanged');
      assert.ok(app.targets.length === 2 && app.targets.every((t, i) => t === before.targets[i]));
      assert.deepEqual(
        close.mock.calls.map((c) => (c.this as Target).name),
        ['kea-2'],
        'what was built is closed; nothing running is',
      );
      assert.equal(commands(2), c2, 'the built target never polled');
      const c = [commands(0), commands(1)];
      await pollAll(app);
      assert.ok(commands(0) > c[0]! && commands(1) > c[1]!, 'the old targets are still polled');
      assert.ok(!JSON.stringify(log.lines).includes(ca), 'no path in the log');
      const next = await app.reload(async () => parse(yaml([0, 1, 2])));
      assert.deepEqual(next, { ok: true, added: ['kea-2'], removed: [], kept: 2, pendingRestart: [] });
      assert.equal(await reloadOk(), '1');
    } finally {
      close.mock.restore();
      await app.stop();
    }
  });

  test('an exception after the swap (closing a removed target): logged, the reload stands, the next one works', async () => {
    const { app, log, reloadOk, reload } = await started(yaml([0, 1]));
    try {
      const gone = app.targets[1]!;
      gone.close = () => Promise.reject(new Error('close failed at /secret/path'));
      const r = await reload(yaml([0, 2]));
      assert.deepEqual(r, { ok: true, added: ['kea-2'], removed: ['kea-1'], kept: 1, pendingRestart: [] });
      assert.deepEqual(
        app.targets.map((t) => t.name),
        ['kea-0', 'kea-2'],
        'swapped',
      );
      assert.equal(await reloadOk(), '1');
      const warns = log.lines.filter((l) => l.level === 'warn').map((l) => [l.msg, (l.obj as { err?: string }).err]);
      assert.deepEqual(warns, [['after a reload: closing a removed target failed', 'internal error (Error)']]);
      assert.ok(!JSON.stringify(log.lines).includes('/secret/path'));
      const text = (await app.renderer.render(false)).body;
      assert.ok(!text.includes('target="kea-1"'), "the removed target's series are gone");
      assert.match(text, /^kea_up\{target="kea-2",daemon="dhcp4"\} 1$/m, 'the new target was polled');
      assert.equal((await reload(yaml([0, 2], HEAD, { 2: 'labels: { site: ams }' }))).ok, true);
      assert.match(
        (await app.renderer.render(false)).body,
        /^kea_up\{target="kea-2",daemon="dhcp4",site="ams"\} 1$/m,
        'the next reload works: its new labels are on the series',
      );
    } finally {
      await app.stop();
    }
  });
});
