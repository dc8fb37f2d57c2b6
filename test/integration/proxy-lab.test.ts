/** The proxied command endpoint (POST /targets/<name>/) against a real Kea 2.2 lab (HA dhcp4
 * pair, dhcp6), served over real HTTP: ISC's own kea-shell, the auth matrix, redaction, body
 * limits, and a storm of 2,000 concurrent requests that must not take kea-dhcp4 2.2 down (it
 * aborts with ~1,000 control connections open at once). server1 reaches the primary through a
 * counting UNIX-socket relay (one upstream connection per accepted one, so Kea sees exactly
 * what the exporter opens): it records the commands Kea received and the most connections open
 * to Kea at once. Fails loudly when Kea cannot be started. */
import { CountingRelay } from '../support/counting-relay.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { canonicalJson } from '../../src/kea/config-hash.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { runProgram, type RunResult } from '../../src/lab/processes.js';
import { MemoryLog } from '../support/memory-log.js';
import { hashPassword } from '../../src/proxy/password.js';
import { buildServer } from '../../src/server/server.js';
import { pollAll } from '../support/poll.js';

const KEA_SHELL = '/usr/sbin/kea-shell';
const STORM = 2000;
/** Below the exporter's connection cap (256): each waits for its answer on its own connection. */
const SHARED = 200;
const TOKEN = 'tok-grafana-0123456789abcdef';
const ADMIN_PW = 'adm1n-lab-pw';
const VIEWER_PW = 'v1ewer-lab-pw';
const D6_PW = 'd6-lab-pw';
const DB_SECRET = 's3cr3t-lab-db-pw';

let lab: Lab;
let app: App;
let relay: CountingRelay;
let dir: string;
let port: number;
let server: ReturnType<typeof buildServer>;
const log = new MemoryLog();
/** HTTP requests made to the proxy's routes (each must leave exactly one audit line). */
let proxyRequests = 0;

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const ADMIN = basic('admin', ADMIN_PW);
const VIEWER = basic('viewer', VIEWER_PW);
const D6OPS = basic('d6ops', D6_PW);
const BEARER = `Bearer ${TOKEN}`;

type Bare = { result: number; text: string };
type Element = { result: number; text?: string; arguments?: Record<string, unknown> };

async function post(target: string, body: string, authorization?: string): Promise<{ status: number; headers: Headers; text: string }> {
  proxyRequests++;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  const res = await fetch(`http://127.0.0.1:${port}/targets/${target}/`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** kea-shell as an operator runs it; it reads the command's arguments from stdin (empty here). */
function keaShell(args: string[]): Promise<RunResult> {
  proxyRequests++;
  return runProgram(KEA_SHELL, ['--host', '127.0.0.1', '--port', String(port), ...args]);
}

/** Drops what changes from one status-get to the next (seconds counters, HA partner age). */
function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !['uptime', 'reload', 'age'].includes(k))
      .map(([k, x]) => [k, stable(x)]),
  );
}

async function metrics(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

function value(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function primaryConfigHash(): Promise<string> {
  const got = (await lab.command('primary', 'config-get')) as { result: number; arguments: { Dhcp4: unknown } };
  assert.equal(got.result, 0);
  return createHash('sha256').update(canonicalJson(got.arguments.Dhcp4)).digest('hex');
}

async function primaryPid(): Promise<number> {
  const st = (await lab.command('primary', 'status-get')) as { result: number; arguments: { pid: number } };
  assert.equal(st.result, 0);
  return st.arguments.pid;
}

const auditLines = () => log.lines.filter((l) => l.msg === 'proxy request').map((l) => (l.obj as { audit: Record<string, unknown> }).audit);

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1]!;
};
const ms = (x: number) => Math.round(x * 10) / 10;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'proxy-lab-'));
  lab = await startLab({ version: '2.2', daemons: ['primary', 'standby', 'dhcp6'] }); // the version that crashes past FD_SETSIZE;
  relay = await CountingRelay.start(path.join(dir, 'server1-relay.sock'), lab.sockets.primary);
  const yaml = `poll: { interval: 1h, timeout: 2s }
statistics: { enabled: false }
proxy:
  enabled: true
  maxBodyBytes: 65536
  rateLimit: { max: 100000, window: 1m }
  users:
    - { name: admin, password: "${await hashPassword(ADMIN_PW)}", role: admin }
    - { name: viewer, password: "${VIEWER_PW}" }
    - { name: d6ops, password: "${D6_PW}", role: dhcp6-only }
  tokens:
    - { name: grafana, token: "${TOKEN}" }
  roles:
    dhcp6-only: { commands: [status-get, config-get], targets: [dhcp6] }
targets:
  - { name: server1, socket: "${relay.path}", daemon: dhcp4 }
  - { name: server2, socket: "${lab.sockets.standby}", daemon: dhcp4 }
  - { name: dhcp6, socket: "${lab.sockets.dhcp6}" }
  - { name: gone, socket: "${path.join(dir, 'absent.sock')}", daemon: dhcp4 }
`;
  app = new App(parseConfigText(yaml, 'proxy-lab.yaml'), { log, version: 'test' });
  await app.start();
  server = buildServer(app);
  // A backlog large enough that the storm's 2,000 connects reach the exporter at once.
  await server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
  port = (server.server.address() as AddressInfo).port;
});

after(async () => {
  await server?.close();
  await app?.stop();
  await relay?.close();
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('proxy on a real Kea lab', () => {
  test('kea-shell through the proxy answers what the daemon answers; a wrong password gets 401 and no answer', async () => {
    const shell = await keaShell(['--path', 'targets/server1/', '--service', 'dhcp4', '--auth-user', 'admin', '--auth-password', ADMIN_PW, 'status-get']);
    const direct = await lab.command('primary', 'status-get');
    assert.equal(shell.code, 0, `${shell.stdout}\n${shell.stderr}`);
    const printed = JSON.parse(shell.stdout) as Element[];
    assert.ok(Array.isArray(printed) && printed.length === 1, shell.stdout);
    assert.deepEqual(stable(printed), stable([direct]));
    assert.equal(printed[0]!.result, 0);

    // A read-only user with a plain secret works the same way.
    const ro = await keaShell(['--path', 'targets/server1/', '--service', 'dhcp4', '--auth-user', 'viewer', '--auth-password', VIEWER_PW, 'version-get']);
    assert.equal(ro.code, 0, ro.stdout);
    assert.equal((JSON.parse(ro.stdout) as Element[])[0]!.text, ((await lab.command('primary', 'version-get')) as Element).text);

    const wrong = await keaShell(['--path', 'targets/server1/', '--service', 'dhcp4', '--auth-user', 'admin', '--auth-password', 'not-it', 'status-get']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /401/);
    assert.doesNotMatch(wrong.stdout, /"arguments"|"result": 0/);
  });

  test('no, wrong or unknown credentials: 401 bare map, nothing reaches Kea', async () => {
    const sent = relay.commands.length;
    const cases: [string, string | undefined][] = [
      ['no credentials', undefined],
      ['wrong password (hashed user)', basic('admin', 'wrong')],
      ['wrong password (plain user)', basic('viewer', 'wrong')],
      ['unknown user', basic('mallory', VIEWER_PW)],
      ['wrong token', 'Bearer tok-not-the-right-one-0000'],
      ['other scheme', `Digest username="admin"`],
    ];
    for (const [what, auth] of cases) {
      const r = await post('server1', '{ "command": "status-get" }', auth);
      assert.equal(r.status, 401, what);
      assert.deepEqual(JSON.parse(r.text), { result: 401, text: 'Unauthorized' }, what);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic/, what);
    }
    assert.equal(relay.commands.length, sent);
  });

  test('read-only and target-limited roles: 403 for everything they may not do, and Kea never receives it', async () => {
    const hashBefore = await primaryConfigHash();
    const pidBefore = await primaryPid();
    const sent = relay.commands.length;
    const current = (await lab.command('primary', 'config-get')) as { arguments: { Dhcp4: Record<string, unknown> } };
    const changed = { Dhcp4: { ...current.arguments.Dhcp4, 'valid-lifetime': 4242 } };
    const forbidden: [string, string, object][] = [
      ['viewer', VIEWER, { command: 'config-set', arguments: changed }],
      ['viewer', VIEWER, { command: 'config-write', arguments: { filename: path.join(dir, 'leak.json') } }],
      ['viewer', VIEWER, { command: 'shutdown' }],
      ['viewer', VIEWER, { command: 'dhcp-disable', arguments: { 'max-period': 60 } }],
      ['viewer', VIEWER, { command: 'lease4-del', arguments: { 'ip-address': '192.0.2.10' } }],
      ['viewer', VIEWER, { command: 'config-reload' }],
      ['grafana (token)', BEARER, { command: 'shutdown' }],
      ['grafana (token)', BEARER, { command: 'config-set', arguments: changed }],
      ['d6ops on another target', D6OPS, { command: 'status-get' }],
      ['d6ops on another target', D6OPS, { command: 'config-get' }],
    ];
    let bypasses = 0;
    for (const [who, auth, body] of forbidden) {
      const r = await post('server1', JSON.stringify(body), auth);
      if (r.status !== 403) bypasses++;
      assert.equal(r.status, 403, `${who}: ${JSON.stringify(body).slice(0, 60)} -> ${r.status} ${r.text.slice(0, 200)}`);
      assert.deepEqual(JSON.parse(r.text), { result: 403, text: 'Forbidden' });
    }
    // On its own target the limited role works, and still only for its commands.
    const own = await post('dhcp6', '{ "command": "status-get" }', D6OPS);
    assert.equal(own.status, 200);
    assert.equal((JSON.parse(own.text) as Element[])[0]!.result, 0);
    const notListed = await post('dhcp6', '{ "command": "config-write" }', D6OPS);
    if (notListed.status !== 403) bypasses++;
    assert.equal(notListed.status, 403);

    console.log(`# auth matrix: ${forbidden.length + 1} forbidden requests, bypasses: ${bypasses}`);
    assert.equal(bypasses, 0);
    assert.deepEqual(relay.commands.slice(sent), [], 'nothing forbidden reached server1');
    assert.equal(await primaryPid(), pidBefore, 'the primary is still the same running process');
    assert.ok(existsSync(`/proc/${pidBefore}`));
    assert.equal(await primaryConfigHash(), hashBefore, 'config unchanged');
    assert.ok(!existsSync(path.join(dir, 'leak.json')), 'config-write did not run');
  });

  test('config-get: a database password is redacted for read-only roles, in clear for admin', async () => {
    const got = (await lab.command('dhcp6', 'config-get')) as { arguments: { Dhcp6: Record<string, unknown> } };
    const lease = { type: 'memfile', persist: false, user: 'kea', password: DB_SECRET };
    const set = (await lab.command('dhcp6', 'config-set', { Dhcp6: { ...got.arguments.Dhcp6, 'lease-database': lease } })) as Bare;
    assert.equal(set.result, 0, set.text); // Kea 2.2 memfile keeps user/password and runs on
    const ld = (body: string) => ((JSON.parse(body) as Element[])[0]!.arguments!.Dhcp6 as { 'lease-database': typeof lease })['lease-database'];

    for (const [who, auth] of [
      ['viewer', VIEWER],
      ['grafana', BEARER],
      ['d6ops', D6OPS],
    ] as const) {
      const r = await post('dhcp6', '{ "command": "config-get" }', auth);
      assert.equal(r.status, 200, who);
      assert.equal(ld(r.text).password, '*****', who);
      assert.equal(ld(r.text).user, 'kea', who);
      assert.ok(!r.text.includes(DB_SECRET), `${who}: secret leaked`);
    }
    const admin = await post('dhcp6', '{ "command": "config-get", "service": [ "dhcp6" ] }', ADMIN);
    assert.equal(admin.status, 200);
    assert.equal(ld(admin.text).password, DB_SECRET);
  });

  test('bodies: over maxBodyBytes 413, not JSON 400, no command 200 as the agent answers, Kea-style comments accepted, unknown target 404', async () => {
    const big = JSON.stringify({ command: 'status-get', arguments: { pad: 'x'.repeat(100_000) } });
    const tooBig = await post('server1', big, VIEWER);
    assert.equal(tooBig.status, 413);
    assert.deepEqual(JSON.parse(tooBig.text), { result: 413, text: 'Payload Too Large' });

    // Issue 11 item 1: 10 KB nested 5,000 deep crashed the process in the UNIX transport.
    const deep = `{"command":"status-get","arguments":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const sentBefore = relay.commands.length;
    for (const bad of ['{ "command": "status-get"', 'status-get', deep]) {
      const r = await post('server1', bad, VIEWER);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.deepEqual(JSON.parse(r.text), { result: 400, text: 'Bad Request' });
    }
    // JSON that is no command: HTTP 200 and the one-element list a 2.6/3.0 agent answers (issue 12).
    const pre = 'Error during command processing: invalid command: ';
    for (const [bad, text] of [
      ['{}', `${pre}does not contain mandatory 'command'`],
      ['{"command": 5}', `${pre}expected 'command' to be a string, got map instead`],
      ['[]', `${pre}expected toplevel entry to be a map, got list instead`],
      ['{"command": "status-get", "service": "dhcp4"}', 'service value must be a list'],
      ['', 'Command processing failed: NULL command parameter'],
    ]) {
      const r = await post('server1', bad!, VIEWER);
      assert.equal(r.status, 200, JSON.stringify(bad));
      assert.deepEqual(JSON.parse(r.text), [{ result: 1, text }]);
    }
    assert.equal(relay.commands.length, sentBefore, 'no malformed or too deep body reached Kea');

    const commented = '// status, please\n{\n  # Kea takes hash comments\n  "command": /* inline */ "status-get",\n  "service": [ "dhcp4" ] // trailing\n}\n';
    const ok = await post('server1', commented, VIEWER);
    assert.equal(ok.status, 200, ok.text);
    assert.equal((JSON.parse(ok.text) as Element[])[0]!.result, 0);

    const missing = await post('nosuch', '{ "command": "status-get" }', VIEWER);
    assert.equal(missing.status, 404);
    assert.equal((JSON.parse(missing.text) as Bare).result, 404);
  });

  // build-report: a read that never shares its exchange (src/proxy/shared.ts), so each request
  // takes its own place in the queue and the queue fills.
  test(`storm: ${STORM} concurrent proxied build-report at the real kea-dhcp4 2.2: Kea survives, every request 200 or 503`, async () => {
    const pidBefore = await primaryPid();
    const statusBefore = relay.count('status-get');
    const reportsBefore = relay.count('build-report');
    const commandsBefore = relay.commands.length;
    const auditBefore = auditLines().length;
    type Outcome = { status: number; retryAfter?: string; body: string; ms: number; error?: string };
    let responses = 0;
    let firstFull = false;
    let pollDuring: Promise<{ ok: boolean; ms: number }> | undefined;
    let fullAtPoll = false;
    // The poller, while the queue is full of proxied commands: its priority lane must get through.
    const pollNow = () => {
      const t0 = performance.now();
      fullAtPoll = firstFull;
      pollDuring = pollAll(app).then(() => {
        const s = app.targets.find((t) => t.name === 'server1')!.snapshots()[0]!;
        return { ok: s.up && s.error === undefined, ms: performance.now() - t0 };
      });
    };
    const one = (): Promise<Outcome> =>
      new Promise((resolve) => {
        const t0 = performance.now();
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/targets/server1/',
            agent: false,
            headers: { authorization: BEARER, 'content-type': 'application/json' },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              responses++;
              if (res.statusCode === 503) firstFull = true;
              if (!pollDuring && (firstFull || responses >= STORM / 4)) pollNow();
              const retryAfter = res.headers['retry-after'];
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
                ms: performance.now() - t0,
                ...(retryAfter !== undefined && { retryAfter: String(retryAfter) }),
              });
            });
            res.on('error', (err) => resolve({ status: 0, body: '', ms: performance.now() - t0, error: err.message }));
          },
        );
        req.on('error', (err) => resolve({ status: 0, body: '', ms: performance.now() - t0, error: err.message }));
        req.end('{ "command": "build-report", "service": [ "dhcp4" ] }');
      });

    proxyRequests += STORM;
    const t0 = performance.now();
    const outcomes = await Promise.all(Array.from({ length: STORM }, one)); // all started in this one tick
    const wallMs = performance.now() - t0;
    const during = await pollDuring!;

    const ok = outcomes.filter((o) => o.status === 200);
    const full = outcomes.filter((o) => o.status === 503);
    const other = outcomes.filter((o) => o.status !== 200 && o.status !== 503);
    const lat = (os: Outcome[]) =>
      `median ${ms(
        pct(
          os.map((o) => o.ms),
          50,
        ),
      )} ms, p95 ${ms(
        pct(
          os.map((o) => o.ms),
          95,
        ),
      )} ms, max ${ms(
        pct(
          os.map((o) => o.ms),
          100,
        ),
      )} ms`;
    console.log(`# storm: ${STORM} requests in ${ms(wallMs)} ms wall: ${ok.length} x 200, ${full.length} x 503, ${other.length} other`);
    console.log(`# storm 200 latency (client, incl. connect): ${lat(ok)}`);
    console.log(`# storm 503 latency (client, incl. connect): ${lat(full)}`);

    assert.deepEqual(
      other.map((o) => `${o.status} ${o.error ?? o.body.slice(0, 100)}`),
      [],
      'every request got 200 or 503',
    );
    assert.equal(ok.length + full.length, STORM);
    for (const o of ok) {
      const list = JSON.parse(o.body) as Element[];
      assert.equal(list.length, 1);
      assert.equal(list[0]!.result, 0);
      assert.ok(typeof list[0]!.text === 'string' && list[0]!.text.length > 0, o.body.slice(0, 100));
    }
    for (const o of full) {
      assert.match(o.retryAfter ?? '', /^\d+$/, 'a 503 carries Retry-After');
      assert.equal((JSON.parse(o.body) as Bare).result, 503);
    }

    // Kea is alive: the same process, still answering.
    assert.ok(existsSync(`/proc/${pidBefore}`), 'kea-dhcp4 process still running');
    assert.equal(await primaryPid(), pidBefore);
    // Kea saw one connection at a time, and only the commands that got a 200 (plus the poll).
    console.log(
      `# Kea (primary) saw at most ${relay.maxOpen} connection(s) at once from the exporter; ` +
        `${relay.commands.length - commandsBefore} commands during the storm; poll during the storm ` +
        `${during.ok ? 'ok' : 'FAILED'} in ${ms(during.ms)} ms (started ${fullAtPoll ? 'after the first 503' : `after ${STORM / 4} responses, no 503 yet`})`,
    );
    assert.equal(relay.maxOpen, 1);
    assert.equal(relay.count('build-report') - reportsBefore, ok.length);
    assert.equal(relay.count('status-get') - statusBefore, 1);
    assert.equal(relay.commands.length - commandsBefore, ok.length + 1);
    assert.ok(during.ok, 'the poll in the middle of the storm succeeded');

    // Server-side duration of the 503s (audit): refused at once, not after waiting.
    await waitFor(() => auditLines().length - auditBefore >= STORM, 5000);
    const stormAudit = auditLines().slice(auditBefore);
    const d503 = stormAudit.filter((a) => a.status === 503).map((a) => a.durationMs as number);
    const d200 = stormAudit.filter((a) => a.status === 200).map((a) => a.durationMs as number);
    console.log(
      `# storm server-side durationMs: 503 median ${pct(d503, 50)} p95 ${pct(d503, 95)} max ${pct(d503, 100)}; ` +
        `200 median ${pct(d200, 50)} p95 ${pct(d200, 95)} max ${pct(d200, 100)}`,
    );
    assert.equal(d503.length, full.length);
    assert.equal(d200.length, ok.length);

    // Polling kept working.
    await pollAll(app);
    const text = await metrics();
    assert.equal(value(text, 'kea_up', 'target="server1",daemon="dhcp4"'), 1);
    const queueFull = text
      .split('\n')
      .filter((l) => l.startsWith('kea_exporter_command_errors_total{') && l.includes('command="status-get"') && l.includes('reason="queue_full"'));
    assert.deepEqual(
      queueFull.filter((l) => !l.endsWith(' 0')),
      [],
    );
    assert.equal(value(text, 'kea_exporter_proxy_requests_total', 'target="server1",command="build-report",code="503"') ?? 0, full.length);
    assert.equal(value(text, 'kea_exporter_proxy_requests_total', 'target="server1",command="build-report",code="200"'), ok.length);
  });

  test(`${SHARED} identical status-get at once at the real kea-dhcp4 2.2: every one answered, Kea gets far fewer commands, one connection at a time`, async () => {
    const pid = await primaryPid();
    const statusBefore = relay.count('status-get');
    const commandsBefore = relay.commands.length;
    const auditBefore = auditLines().length;
    const rs = await Promise.all(Array.from({ length: SHARED }, () => post('server1', '{ "command": "status-get", "service": [ "dhcp4" ] }', VIEWER)));
    for (const r of rs) {
      assert.equal(r.status, 200, r.text.slice(0, 100));
      const [e] = JSON.parse(r.text) as Element[];
      assert.deepEqual([e!.result, (e!.arguments as { pid: number }).pid], [0, pid]);
    }
    const sent = relay.count('status-get') - statusBefore;
    assert.equal(relay.commands.length - commandsBefore, sent);
    await waitFor(() => auditLines().length - auditBefore >= SHARED, 5000);
    const shared = auditLines()
      .slice(auditBefore)
      .filter((a) => a.shared === true).length;
    console.log(`# ${SHARED} identical status-get: ${sent} reached Kea, ${shared} answers shared an exchange`);
    assert.equal(relay.maxOpen, 1);
    assert.ok(sent < SHARED && shared > 0, `${sent} sent, ${shared} shared`);
    // Each exchange answered either one request alone or a group that shared it.
    assert.ok(SHARED - shared <= sent);
  });

  test('GET /targets lists targets, daemons and up/down; needs credentials', async () => {
    proxyRequests += 2;
    assert.equal((await fetch(`http://127.0.0.1:${port}/targets`)).status, 401);
    const res = await fetch(`http://127.0.0.1:${port}/targets`, { headers: { authorization: BEARER } });
    assert.equal(res.status, 200);
    const list = (await res.json()) as { name: string; daemons: { daemon: string; up: boolean; error?: string }[] }[];
    assert.deepEqual(
      list.map((t) => t.name),
      ['server1', 'server2', 'dhcp6', 'gone'],
    );
    const by = Object.fromEntries(list.map((t) => [t.name, t.daemons]));
    assert.deepEqual(
      by.server1!.map((d) => [d.daemon, d.up]),
      [['dhcp4', true]],
    );
    assert.deepEqual(
      by.server2!.map((d) => [d.daemon, d.up]),
      [['dhcp4', true]],
    );
    assert.deepEqual(
      by.dhcp6!.map((d) => [d.daemon, d.up]),
      [['dhcp6', true]],
    ); // detected
    assert.deepEqual(
      by.gone!.map((d) => [d.daemon, d.up, d.error]),
      [['dhcp4', false, 'connect']],
    );
  });

  test('audit: one "proxy request" line per request; kea_exporter_proxy_requests_total on /metrics', async () => {
    await waitFor(() => auditLines().length >= proxyRequests, 3000);
    const lines = auditLines();
    assert.equal(lines.length, proxyRequests);
    for (const a of lines) {
      for (const k of ['user', 'client', 'target', 'command', 'status', 'results', 'durationMs']) assert.ok(k in a, `${k} in ${JSON.stringify(a)}`);
      assert.equal(a.client, '127.0.0.1');
      assert.equal(typeof a.durationMs, 'number');
    }
    const shell = lines.find((a) => a.user === 'admin' && a.command === 'status-get' && a.target === 'server1');
    assert.deepEqual(shell && { status: shell.status, results: shell.results }, { status: 200, results: [0] });
    assert.ok(lines.some((a) => a.user === null && a.status === 401));
    assert.ok(lines.some((a) => a.user === 'viewer' && a.command === 'shutdown' && a.status === 403));
    assert.equal(
      lines.filter((a) => a.user === 'grafana' && a.status === 200 && a.command === 'build-report').length +
        lines.filter((a) => a.user === 'grafana' && a.status === 503).length,
      STORM,
    );

    const text = await metrics();
    assert.match(text, /# TYPE kea_exporter_proxy_requests_total counter/);
    const sum = (re: RegExp) =>
      text
        .split('\n')
        .filter((l) => re.test(l))
        .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    assert.equal(sum(/^kea_exporter_proxy_requests_total\{[^}]*command="none",code="401"\}/), lines.filter((a) => a.status === 401).length);
    // The 401s sent to server1 (six by fetch, one by kea-shell) name it; GET /targets without credentials names none.
    assert.equal(value(text, 'kea_exporter_proxy_requests_total', 'target="server1",command="none",code="401"'), 7);
    assert.equal(lines.filter((a) => a.status === 401 && a.target === 'server1').length, 7);
    // Refused commands are counted by their catalog name (bounded: the catalog), so an attempt
    // to shut a daemon down shows on /metrics.
    assert.equal(sum(/^kea_exporter_proxy_requests_total\{target="server1",command="[a-z0-9-]+",code="403"\}/), 10);
    assert.equal(value(text, 'kea_exporter_proxy_requests_total', 'target="server1",command="shutdown",code="403"'), 2);
    assert.equal(value(text, 'kea_exporter_proxy_requests_total', 'target="server1",command="config-set",code="403"'), 2);
    assert.equal(value(text, 'kea_exporter_proxy_requests_total', 'target="dhcp6",command="config-get",code="200"'), 4);
    assert.doesNotMatch(text, /kea_exporter_proxy_requests_total\{[^}]*command="(shutdown|config-set)",code="(?!403)/);
  });
});

async function waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
