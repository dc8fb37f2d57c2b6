/** Issue 11 item 8, as deployed: the exporter process (src/cli.ts) under an open-files limit of
 * 1,024 (prlimit), 1,100 idle TCP connections held against its /metrics listener. Before the fix
 * the process ran out of descriptors: /metrics was unreachable and the polls failed with EMFILE,
 * so a healthy Kea read as down. Now the cap evicts idle connections, descriptors stay for Kea,
 * a fresh scrape gets through and shows the daemon up. Loopback only; every socket closed. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/lab/lab.js';
import { CONNECTIONS_DROPPED } from '../../src/server/server.js';
import { FakeKea, keaHandler } from '../support/fake-kea.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const PRLIMIT = '/usr/bin/prlimit'; // util-linux
const IDLE = 1100;
const LIMIT = 1024;

let dir: string;
let kea: FakeKea;
let proc: ChildProcess | undefined;
const idle: net.Socket[] = [];

before(async () => {
  assert.equal(spawnSync(PRLIMIT, ['--version']).status, 0, 'prlimit (util-linux) is needed: apt-get install util-linux');
  dir = mkdtempSync(path.join(tmpdir(), 'conn-cli-'));
  kea = await FakeKea.start({ path: path.join(dir, 'kea.sock'), handler: keaHandler({ version: '2.2', daemon: 'dhcp4' }) });
});
after(async () => {
  for (const s of idle) s.destroy();
  proc?.kill('SIGKILL');
  await kea.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One GET on a connection of its own (no pool, no keep-alive). */
function get(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
  });
}

async function until(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(`${IDLE} idle connections under an open-files limit of ${LIMIT}: a fresh scrape succeeds, Kea stays up, no EMFILE`, async () => {
  const file = path.join(dir, 'kea-telemetry.yaml');
  writeFileSync(
    file,
    `poll: { interval: 500ms, timeout: 400ms }\nstatistics: { enabled: false }\ntargets:\n  - { name: kea, socket: "${kea.path}", daemon: dhcp4 }\n`,
  );
  const port = await freePort('tcp');
  proc = spawn(PRLIMIT, [`--nofile=${LIMIT}:${LIMIT}`, process.execPath, '--import', 'tsx', CLI, '--config', file, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const pid = proc.pid!;

  await until('the exporter to show kea up', async () =>
    /^kea_up\{target="kea",daemon="dhcp4"\} 1$/m.test((await get(port, '/metrics').catch(() => ({ body: '' }))).body),
  );
  // prlimit runs the exporter in its own process: the limit the test means is in force there.
  assert.match(readFileSync(`/proc/${pid}/limits`, 'utf8'), new RegExp(`^Max open files\\s+${LIMIT}\\s+${LIMIT}\\s`, 'm'));
  const cap = Number(/"maxConnections":(\d+)/.exec(output)?.[1]);
  assert.ok(cap > 0 && cap < LIMIT - 100, `cap ${cap} from the listening line`);

  // The idle crowd: connected, never a byte sent, kept open by the test.
  for (let i = 0; i < IDLE; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, IDLE - i) }, async () => {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => {});
        idle.push(s);
        await Promise.race([once(s, 'connect'), once(s, 'close')]);
      }),
    );
  }
  // The exporter's polls go on while the crowd is held: several more status-gets reach Kea.
  const polled = kea.commands.filter((c) => c === 'status-get').length;
  const stormAt = Date.now() / 1000;
  await until('three polls of Kea after the crowd connected', () => kea.commands.filter((c) => c === 'status-get').length >= polled + 3);

  const res = await get(port, '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.body, /^kea_up\{target="kea",daemon="dhcp4"\} 1$/m);
  const lastSuccess = Number(/^kea_exporter_last_success_timestamp_seconds\{target="kea",daemon="dhcp4"\} (\S+)$/m.exec(res.body)?.[1]);
  assert.ok(lastSuccess >= stormAt - 1, 'a poll succeeded while the crowd was held');
  assert.doesNotMatch(res.body, /^kea_exporter_command_errors_total\{target="kea"/m, 'no failed command');
  const evicted = Number(new RegExp(`^${CONNECTIONS_DROPPED}\\{listener="web",reason="evicted"\\} (\\S+)$`, 'm').exec(res.body)?.[1] ?? 0);
  assert.ok(evicted >= IDLE - cap, `${evicted} idle connections evicted (cap ${cap})`);
  const held = idle.filter((s) => !s.destroyed && s.readyState === 'open').length;
  assert.ok(held <= cap, `${held} idle connections still held by the exporter (cap ${cap})`);
  assert.doesNotMatch(output, /EMFILE/);
  const fds = Number(spawnSync('sh', ['-c', `ls /proc/${pid}/fd | wc -l`], { encoding: 'utf8' }).stdout.trim());
  process.stdout.write(`# cap ${cap}, ${evicted} evicted, ${held} held, exporter descriptors ${fds} of ${LIMIT}\n`);
  assert.ok(fds < LIMIT - 50, `${fds} descriptors open in the exporter`);

  for (const s of idle) s.destroy();
  idle.length = 0;
  proc.kill('SIGTERM');
  const [code] = (await once(proc, 'exit')) as [number | null];
  assert.equal(code, 0);
  proc = undefined;
});
