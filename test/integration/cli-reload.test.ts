/** The exporter as a process (src/cli.ts): SIGHUP, --watch-config and POST /-/reload (with
 * --web.enable-lifecycle, from loopback) reload the file; an invalid file, or one naming a TLS
 * file that does not exist, keeps the old configuration running and the process alive; SIGTERM
 * stops it cleanly. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/lab/lab.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-kea.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
let dir: string;
let fleet: FakeFleet;
let proc: ChildProcess | undefined;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cli-reload-'));
  fleet = await startFakeFleet(3, dir);
});
after(async () => {
  proc?.kill('SIGKILL');
  await fleet.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = (ids: number[]) =>
  `poll: { interval: 1h, timeout: 2s }\nstatistics: { enabled: false }\ntargets:\n${ids.map((i) => `  - { name: kea-${i}, socket: "${fleet.paths[i]}", daemon: dhcp4 }`).join('\n')}\n`;

async function until(what: string, url: string, pred: (body: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let body = '';
  while (Date.now() < deadline) {
    body = await fetch(url).then(
      (r) => r.text(),
      () => '',
    );
    if (pred(body)) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last body:\n${body.slice(0, 2000)}`);
}

test('SIGHUP, file changes and POST /-/reload reload; an invalid file or a missing TLS file keeps the old config; SIGTERM exits 0', async () => {
  const file = path.join(dir, 'kea-telemetry.yaml');
  writeFileSync(file, config([0]));
  const port = await freePort('tcp');
  proc = spawn(process.execPath, ['--import', 'tsx', CLI, '--config', file, '--listen', `127.0.0.1:${port}`, '--watch-config', '--web.enable-lifecycle'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  const logs: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => logs.push(...d.toString().split('\n').filter(Boolean)));
  const url = `http://127.0.0.1:${port}/metrics`;
  const up = (i: number) => (b: string) => b.includes(`kea_up{target="kea-${i}",daemon="dhcp4"} 1`);

  await until('kea-0 up', url, up(0));
  writeFileSync(file, config([0, 1]));
  proc.kill('SIGHUP');
  await until('kea-1 after SIGHUP', url, up(1));

  // No signal: the file watcher sees the change (it polls the file's stat every 2 s).
  writeFileSync(file, config([1, 2]));
  const body = await until('kea-2 from the file watcher', url, (b) => up(2)(b) && !b.includes('target="kea-0"'));
  assert.match(body, /kea_exporter_config_last_reload_successful 1/);

  writeFileSync(file, 'poll: { interval: nope }\ntargets: []\n');
  proc.kill('SIGHUP');
  const failed = await until('a failed reload', url, (b) => /kea_exporter_config_last_reload_successful 0/.test(b));
  assert.ok(up(1)(failed) && up(2)(failed), 'the running configuration keeps working');
  const lines = () => logs.map((l) => JSON.parse(l) as { msg: string; err?: string }).filter((l) => l.msg.includes('reload failed'));
  // The log line comes through a pipe, maybe after the metric (seen under load).
  for (let end = Date.now() + 15_000; lines().length === 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  assert.match(lines()[0]?.err ?? '', /kea-telemetry\.yaml: poll\.interval/);

  // POST /-/reload from loopback: the good file again.
  writeFileSync(file, config([1, 2]));
  const post = () => fetch(`http://127.0.0.1:${port}/-/reload`, { method: 'POST' });
  const good = await post();
  assert.equal(good.status, 200);
  assert.deepEqual(await good.json(), { ok: true, added: [], removed: [], kept: 2, pendingRestart: [] });
  await until('a successful reload', url, (b) => /kea_exporter_config_last_reload_successful 1/.test(b));

  // A setting bound at start-up: reported and logged as waiting for a restart; the targets stay.
  writeFileSync(file, config([1, 2]).replace('enabled: false', 'enabled: false, naming: kea-exporter'));
  const pending = await post();
  assert.equal(pending.status, 200);
  assert.deepEqual(await pending.json(), { ok: true, added: [], removed: [], kept: 2, pendingRestart: ['statistics.naming'] });
  // The log line comes through a pipe, maybe after the answer.
  for (let end = Date.now() + 15_000; !logs.some((l) => l.includes('take effect at the next restart') && l.includes('statistics.naming'));) {
    if (Date.now() > end) assert.fail('no log line naming statistics.naming as waiting for a restart');
    await new Promise((r) => setTimeout(r, 50));
  }

  // A new target whose CA file does not exist: the reload fails, nothing stops (it used to exit 1).
  writeFileSync(file, `${config([1, 2])}  - { name: k3, url: "https://127.0.0.1:9/", daemon: dhcp4, tls: { ca: /nonexistent/ca.pem } }\n`);
  proc.kill('SIGHUP');
  const tls = await until('the TLS reload failing', url, (b) => /kea_exporter_config_last_reload_successful 0/.test(b));
  assert.ok(up(1)(tls) && up(2)(tls) && !tls.includes('target="k3"'), 'the running configuration keeps working');
  const bad = await post();
  assert.equal(bad.status, 500);
  assert.deepEqual(await bad.json(), {
    ok: false,
    error: `${file}: targets[2].tls.ca: cannot read the file it names: no such file or directory (ENOENT) (line 6)`,
  });
  assert.ok(lines().some((l) => l.err?.includes('targets[2].tls.ca')));
  assert.ok(!logs.some((l) => l.includes('/nonexistent')), 'no log line shows the path');
  writeFileSync(file, config([1, 2]));
  proc.kill('SIGHUP');
  await until('the next reload working', url, (b) => /kea_exporter_config_last_reload_successful 1/.test(b));
  assert.equal(proc.exitCode, null, 'still running');

  proc.kill('SIGTERM');
  const [code] = (await once(proc, 'exit')) as [number | null];
  assert.equal(code, 0);
  proc = undefined;
});
