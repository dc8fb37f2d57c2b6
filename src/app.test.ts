import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, TargetSetupError } from './app.js';
import { loadConfigFile, parseConfigText } from './config/load.js';
import { MemoryLog } from '../test/support/memory-log.js';
import { buildServer } from './server/server.js';
import { startFakeFleet, type FakeFleet } from '../test/support/fake-kea.js';
import { pollAll, pollAllStatistics } from '../test/support/poll.js';

let dir: string;
let fleet: FakeFleet;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'app-'));
  fleet = await startFakeFleet(5, dir);
});
after(async () => {
  await fleet.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A config watching the fakes `ids`, with optional extra YAML per target. */
function yaml(ids: number[], extra: Record<number, string> = {}, head = 'poll: { interval: 1h, timeout: 2s }\nstatistics: { interval: 1h }'): string {
  const targets = ids.map((i) => `  - { name: kea-${i}, socket: "${fleet.paths[i]}", daemon: dhcp4${extra[i] ? `, ${extra[i]}` : ''} }`);
  return `${head}\ntargets:\n${targets.join('\n')}\n`;
}
const load = (text: string) => async () => parseConfigText(text, 'reload.yaml');
const commands = (i: number) => fleet.servers[i]!.commands.length;
const series = (text: string, target: string) => text.split('\n').filter((l) => l.startsWith('kea_') && l.includes(`target="${target}"`));

async function started(text: string, log = new MemoryLog()) {
  const app = new App(parseConfigText(text, 'reload.yaml'), { log, version: 't', processMetrics: false });
  await app.start();
  await pollAllStatistics(app);
  const server = buildServer(app, { lifecycle: { reload: () => app.reload(load(text)) } });
  const scrape = async () => {
    const res = await server.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    return res.body;
  };
  return { app, server, scrape, log };
}

describe('hot reload', () => {
  test('valid: unchanged targets keep their series and get no command; new ones start; removed ones vanish', async () => {
    const { app, scrape } = await started(yaml([0, 1, 2]));
    const before0 = await scrape();
    const kept = app.targets[0];
    const c0 = commands(0);
    const r = await app.reload(load(yaml([0, 1, 3], { 1: 'labels: { site: ams }' })));
    assert.deepEqual(r, { ok: true, added: ['kea-1', 'kea-3'], removed: ['kea-1', 'kea-2'], kept: 1, pendingRestart: [] });
    assert.equal(app.targets[0], kept, 'the running Target object itself');
    assert.equal(commands(0), c0, 'no extra command to an unchanged target');
    const text = await scrape();
    assert.deepEqual(
      series(text, 'kea-0').filter((l) => !l.startsWith('kea_exporter')),
      series(before0, 'kea-0').filter((l) => !l.startsWith('kea_exporter')),
    );
    assert.equal(series(text, 'kea-2').length, 0, 'removed target: series gone');
    assert.ok(
      series(text, 'kea-3').some((l) => l.startsWith('kea_up{') && l.endsWith(' 1')),
      'new target polled before reload returned',
    );
    assert.ok(text.includes('kea_up{target="kea-1",daemon="dhcp4",site="ams"} 1'), 'new label name');
    assert.ok(text.includes('kea_up{target="kea-0",daemon="dhcp4"} 1'), 'others keep their label set');
    assert.match(text, /kea_exporter_config_last_reload_successful 1/);
    await app.stop();
  });

  test('invalid: the old configuration keeps running, the failure is a metric and a log line', async () => {
    const log = new MemoryLog();
    const { app, server, scrape } = await started(yaml([0, 1]), log);
    const stamp = Number(/kea_exporter_config_last_reload_success_timestamp_seconds (\S+)/.exec(await scrape())?.[1]);
    const r = await app.reload(load('poll: { interval: 1h, timeout: 2h }\ntargets: []\n'));
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /reload\.yaml: .*poll\.timeout/);
    const text = await scrape();
    assert.match(text, /kea_exporter_config_last_reload_successful 0/);
    assert.equal(Number(/kea_exporter_config_last_reload_success_timestamp_seconds (\S+)/.exec(text)?.[1]), stamp);
    assert.equal(series(text, 'kea-1').filter((l) => l.startsWith('kea_up{')).length, 1);
    assert.equal(log.lines.filter((l) => l.level === 'error' && /reload failed/.test(l.msg)).length, 1);
    // POST /-/reload with the good file again.
    const res = await server.inject({ method: 'POST', url: '/-/reload' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<{ ok: boolean }>().ok, true);
    assert.match(await scrape(), /kea_exporter_config_last_reload_successful 1/);
    await app.stop();
  });

  test('under load: 50 reloads while scraping; unchanged targets never miss a series', async () => {
    const a = yaml([0, 1, 3]);
    const b = yaml([0, 1, 4], { 3: 'labels: { x: y }' });
    const { app, scrape } = await started(a);
    const expected = [...series(await scrape(), 'kea-0'), ...series(await scrape(), 'kea-1')].filter((l) => !l.startsWith('kea_exporter')).length;
    const c = [commands(0), commands(1)];
    let stop = false;
    let scrapes = 0;
    const problems: string[] = [];
    const loop = (async () => {
      while (!stop) {
        const text = await scrape().catch((e: Error) => (problems.push(e.message), ''));
        const got = [...series(text, 'kea-0'), ...series(text, 'kea-1')].filter((l) => !l.startsWith('kea_exporter')).length;
        if (got !== expected) problems.push(`scrape ${scrapes}: ${got} of ${expected} series of unchanged targets`);
        scrapes++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 50; i++) {
      const r = await app.reload(load(i % 2 === 0 ? b : a));
      assert.equal(r.ok, true);
    }
    stop = true;
    await loop;
    assert.deepEqual(problems, []);
    assert.ok(scrapes >= 50, `${scrapes} scrapes`);
    assert.deepEqual([commands(0), commands(1)], c, 'no command to unchanged targets');
    await app.stop();
  });
});

describe('a reload whose new state cannot be built', () => {
  const HEAD = 'poll: { interval: 1h, timeout: 2s }\nstatistics: { interval: 1h }';
  /** `ids` plus an HTTPS target whose CA file is `ca`; it is targets[ids.length], on the last line. */
  const withTls = (ids: number[], ca: string, head = HEAD) =>
    `${yaml(ids, {}, head)}  - { name: k3, url: "https://127.0.0.1:9/", daemon: dhcp4, tls: { ca: "${ca}" } }\n`;
  const reloadOk = async (scrape: () => Promise<string>) => /kea_exporter_config_last_reload_successful (\d)/.exec(await scrape())?.[1];

  /** The running state is the one before, and it still polls its daemons. */
  async function untouched(app: App, before: { config: unknown; targets: readonly unknown[] }) {
    assert.equal(app.config, before.config);
    assert.deepEqual(app.targets, before.targets);
    for (const [i, t] of app.targets.entries()) assert.equal(t, before.targets[i], 'the running Target objects');
    const c = [commands(0), commands(1)];
    await pollAll(app);
    assert.ok(commands(0) > c[0]! && commands(1) > c[1]!, 'the old targets are still polled');
  }

  test('a TLS file missing at load: failure with key and line, old state runs, next reload works', async () => {
    const log = new MemoryLog();
    const { app, scrape } = await started(yaml([0, 1]), log);
    const before = { config: app.config, targets: [...app.targets] };
    const file = path.join(dir, 'missing-ca.yaml');
    writeFileSync(file, withTls([0, 1, 2], '/nonexistent'));
    const c2 = commands(2);
    const r = await app.reload(() => loadConfigFile(file, {}));
    assert.deepEqual(r, { ok: false, error: `${file}: targets[3].tls.ca: cannot read the file it names: no such file or directory (ENOENT) (line 7)` });
    assert.equal(await reloadOk(scrape), '0');
    assert.ok(log.lines.some((l) => l.level === 'error' && (l.obj as { err?: string }).err === r.error));
    await untouched(app, before);
    assert.equal(commands(2), c2, 'the new target was not started');
    const next = await app.reload(load(yaml([0, 1, 2])));
    assert.deepEqual(next, { ok: true, added: ['kea-2'], removed: [], kept: 2, pendingRestart: [] });
    assert.equal(await reloadOk(scrape), '1');
    await app.stop();
  });

  test('the file gone between load and build: nothing swapped, also when every target is rebuilt; reloads in a row go on', async () => {
    const log = new MemoryLog();
    const { app, scrape } = await started(yaml([0, 1]), log);
    const before = { config: app.config, targets: [...app.targets] };
    // The second head changes poll.timeout: every target and queue is built anew, then dropped.
    for (const head of [HEAD, 'poll: { interval: 1h, timeout: 1s }\nstatistics: { interval: 1h }']) {
      const r = await app.reload(async () => parseConfigText(withTls([0, 1, 2], '/nonexistent/ca.pem', head), 'race.yaml', {}));
      assert.deepEqual(r, { ok: false, error: 'targets[3].tls.ca: cannot read the file it names: no such file or directory (ENOENT)' });
      assert.equal(await reloadOk(scrape), '0');
      await untouched(app, before);
    }
    const bad = async () => parseConfigText(withTls([0], '/nonexistent/ca.pem'), 'race.yaml', {});
    const results = await Promise.all([app.reload(bad), app.reload(bad), app.reload(load(yaml([0, 1, 2])))]);
    assert.deepEqual(
      results.map((r) => r.ok),
      [false, false, true],
    );
    assert.deepEqual(
      app.targets.map((t) => t.name),
      ['kea-0', 'kea-1', 'kea-2'],
    );
    assert.equal(await reloadOk(scrape), '1');
    assert.ok(!JSON.stringify(log.lines).includes('/nonexistent'), 'no path in the log');
    await app.stop();
  });

  test('any other failure of load(): a fixed text, never its message', async () => {
    const log = new MemoryLog();
    const { app } = await started(yaml([0]), log);
    const r = await app.reload(async () => {
      throw new Error('password hunter2 leaked');
    });
    assert.deepEqual(r, { ok: false, error: 'internal error (Error)' });
    assert.ok(!JSON.stringify(log.lines).includes('hunter2'));
    assert.equal((await app.reload(load(yaml([0])))).ok, true);
    await app.stop();
  });

  test('at start-up, a target that cannot be built is a TargetSetupError with the key, not the path', () => {
    const config = parseConfigText(withTls([0], '/nonexistent/ca.pem'), 'start.yaml', {});
    assert.throws(
      () => new App(config, { log: new MemoryLog(), version: 't', processMetrics: false }),
      (e: unknown) => e instanceof TargetSetupError && e.message === 'targets[1].tls.ca: cannot read the file it names: no such file or directory (ENOENT)',
    );
  });
});

describe('GET /probe', () => {
  test('polls that one target now and returns only its series; unknown or missing target: 400', async () => {
    const { app, server } = await started(yaml([0, 1], {}, 'poll: { interval: 1h, timeout: 2s, background: false }\nstatistics: { interval: 1h }'));
    const c1 = commands(1);
    const res = await server.inject({ url: '/probe?target=kea-1' });
    assert.equal(res.statusCode, 200);
    assert.equal(commands(1), c1 + 2, 'status-get and statistic-get-all, now');
    const kea = res.body.split('\n').filter((l) => l.startsWith('kea_') && !l.startsWith('kea_exporter_build'));
    assert.ok(kea.length > 20);
    assert.ok(
      kea.every((l) => l.includes('target="kea-1"')),
      'only kea-1',
    );
    assert.ok(
      kea.some((l) => l.startsWith('kea_dhcp4_packets_received_total')),
      'its statistics too',
    );
    assert.equal((await server.inject({ url: '/probe?target=nope' })).statusCode, 400);
    assert.equal((await server.inject({ url: '/probe' })).statusCode, 400);
    await app.stop();
  });

  test('poll.background false: after the first round nothing is polled unless asked', async () => {
    const text = yaml([2], {}, 'poll: { interval: 200ms, timeout: 100ms, background: false }\nstatistics: { enabled: false }');
    const { app } = await started(text);
    const c = commands(2);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(commands(2), c);
    await app.stop();
  });
});
