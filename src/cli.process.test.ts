import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8' });

let dir: string;
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'cli-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

test('--check-config: exit 0 for a valid file', () => {
  const file = path.join(dir, 'ok.yaml');
  writeFileSync(file, 'targets:\n  - { name: a, socket: /run/kea/kea4-ctrl-socket }\n');
  const r = run('--config', file, '--check-config');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /valid, 1 target/);
});

test('--check-config: exit 1 naming the file, the key and the line for an unknown key', () => {
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, 'targets:\n  - name: a\n    sockett: /x\n');
  const r = run('--config', file, '--check-config');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.yaml/);
  assert.match(r.stderr, /targets\[0\]\.sockett/);
  assert.match(r.stderr, /line 3/);
});

test('--check-config: the message names file, key and line, never the value', () => {
  const file = path.join(dir, 'secret.yaml');
  writeFileSync(
    file,
    'targets:\n  - name: a\n    url: http://h/\n    auth: { username: u, password: 20240101 }\n  - name: b\n    url: "http://u:Zq7-s3cr3t@h/"\n',
  );
  const r = run('--config', file, '--check-config');
  assert.equal(r.status, 1);
  assert.ok(!r.stderr.includes('20240101') && !r.stderr.includes('Zq7-s3cr3t'), r.stderr);
  assert.match(r.stderr, /secret\.yaml: targets\[0\]\.auth\.password: expected a string, got a number \(line 4\)/);
  assert.match(r.stderr, /secret\.yaml: targets\[1\]\.url: put credentials in auth, not in the URL \(line 6\)/);
});

test('--check-config checks the TLS files the config names; --syntax-only skips them (promtool)', () => {
  const file = path.join(dir, 'tls.yaml');
  writeFileSync(file, 'targets:\n  - name: k3\n    url: "https://127.0.0.1:8004/"\n    tls: { ca: /nonexistent/ca.pem }\n');
  const r = run('--config', file, '--check-config');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /tls\.yaml: targets\[0\]\.tls\.ca: cannot read the file it names: no such file or directory \(ENOENT\) \(line 4\)/);
  assert.ok(!r.stderr.includes('/nonexistent'), r.stderr);
  const syntax = run('--config', file, '--check-config', '--syntax-only');
  assert.equal(syntax.status, 0, syntax.stderr);
});

test('a bad --listen is named as such', () => {
  const r = run('--listen', 'nowhere', '--check-config');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^kea-telemetry: --listen: invalid listen address: missing ":PORT"/);
});

test('a LOG_LEVEL that names no level stops start-up in one line, without repeating the value', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, '--listen', '127.0.0.1:0'], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'verbose-ish' },
  });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'kea-telemetry: LOG_LEVEL is not a log level: use one of fatal, error, warn, info, debug, trace, silent (default info)\n');
  assert.equal(r.stdout, '');
});

test('an invalid config stops start-up with exit 1 before listening', () => {
  const file = path.join(dir, 'bad.json5');
  writeFileSync(file, '{ targets: [ { name: "a", socket: "/x" } ], poll: { interval: "soon" } }');
  const r = run('--config', file, '--listen', '127.0.0.1:0');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.json5.*poll\.interval/);
});

test('embedded default: says which targets it watches, serves /metrics with those targets down', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/[^"]+)\/metrics"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  try {
    assert.match(out, /watching targets/);
    for (const s of ['/run/kea/kea4-ctrl-socket', '/run/kea/kea6-ctrl-socket', '/run/kea/kea-ddns-ctrl-socket', 'http://127.0.0.1:8000/']) {
      assert.ok(out.includes(s), `start-up names ${s}`);
    }
    await new Promise((r) => setTimeout(r, 500));
    const res = await fetch(`${url}/metrics`);
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(body, /kea_up\{target="kea-dhcp4",daemon="dhcp4"\} 0/);
    // Without --web.enable-lifecycle, as Prometheus.
    const reload = await fetch(`${url}/-/reload`, { method: 'POST' });
    assert.equal(reload.status, 403);
    assert.equal(await reload.text(), 'Lifecycle API is not enabled.\n');
  } finally {
    child.kill('SIGTERM');
  }
});
