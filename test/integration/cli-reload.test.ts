/** The exporter as a process (src/cli.ts): SIGHUP and --watch-config reload the file; an invalid
 * file keeps the old configuration running; SIGTERM stops it cleanly. */
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
    body = await fetch(url).then((r) => r.text(), () => '');
    if (pred(body)) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last body:\n${body.slice(0, 2000)}`);
}

test('SIGHUP and file changes reload; an invalid file keeps the old config; SIGTERM exits 0', async () => {
  const file = path.join(dir, 'kea-telemetry.yaml');
  writeFileSync(file, config([0]));
  const port = await freePort('tcp');
  proc = spawn(process.execPath, ['--import', 'tsx', CLI, '--config', file, '--listen', `127.0.0.1:${port}`, '--watch-config'], {
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
  const line = logs.map((l) => JSON.parse(l) as { msg: string; err?: string }).find((l) => l.msg.includes('reload failed'));
  assert.match(line?.err ?? '', /kea-telemetry\.yaml: poll\.interval/);

  proc.kill('SIGTERM');
  const [code] = (await once(proc, 'exit')) as [number | null];
  assert.equal(code, 0);
  proc = undefined;
});
