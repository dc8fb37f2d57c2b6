/** Issue 11 item 7 on a real kea-dhcp4 2.2: read-only proxy users looping lease4-get-all (a memfile
 * preloaded with many leases, so each takes longer than the poll timeout) must never make the
 * exporter report the daemon down. The poll waits for its slot behind at most the command in
 * flight, the daemon reads busy meanwhile, and Kea never sees more than maxInFlight connections
 * (a counting relay sits between exporter and Kea). When Kea really stops answering (SIGSTOP),
 * the proxied command in flight times out and the poll then reports the truth. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { MemoryLog } from '../support/memory-log.js';
import { buildServer } from '../../src/server/server.js';
import { CountingRelay } from '../support/counting-relay.js';
import { pollAll } from '../support/poll.js';

const LEASES = 100_000;
const CLIENTS = 3;
const LOAD_MS = 10_000;
const SAMPLE_MS = 100;
const VIEWER_PW = 'v1ewer-load-pw';
const VIEWER = `Basic ${Buffer.from(`viewer:${VIEWER_PW}`).toString('base64')}`;
const SERIES = '{target="leases",daemon="dhcp4"}';

let lab: Lab;
let app: App;
let relay: CountingRelay;
let dir: string;
let port: number;
let server: ReturnType<typeof buildServer>;
const log = new MemoryLog();
/** lease4-get-all straight at Kea, and the poll settings derived from it. */
let leaseGetAllMs: number;
let timeoutMs: number;
let intervalMs: number;
/** Long enough for a proxied command to wait behind the other clients' and still run. */
let proxyTimeoutMs: number;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One command straight at Kea's socket, read to EOF: the answer's size, its tail and the time. */
function raw(socket: string, command: string): Promise<{ bytes: number; tail: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let bytes = 0;
    let tail = '';
    const s = net.createConnection(socket, () => s.write(JSON.stringify({ command })));
    s.setTimeout(60_000, () => s.destroy(new Error(`${command}: no answer within 60 s`)));
    s.on('data', (c: Buffer) => {
      bytes += c.length;
      tail = (tail + c.toString('latin1')).slice(-300);
    });
    s.on('error', reject);
    s.on('end', () => resolve({ bytes, tail, ms: performance.now() - t0 }));
  });
}

type Outcome = { status: number; tail: string; error?: string };

/** One proxied command as a read-only user; keeps only the end of the answer (Kea's text). */
function proxied(command: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/targets/leases/',
        agent: false,
        headers: { authorization: VIEWER, 'content-type': 'application/json' },
      },
      (res) => {
        let tail = '';
        res.on('data', (c: Buffer) => (tail = (tail + c.toString('latin1')).slice(-300)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, tail }));
        res.on('error', (err) => resolve({ status: 0, tail, error: err.message }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, tail: '', error: err.message }));
    req.end(JSON.stringify({ command }));
  });
}

async function metrics(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return res.text();
}

function value(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${SERIES} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

type Sample = { up?: number; busy?: number; delayed?: number; reason?: string };

/** kea_up, busy and delayed polls of the daemon every SAMPLE_MS until done() (and the reason the
 * exporter gives when it reads down). */
async function sample(done: () => boolean): Promise<Sample[]> {
  const out: Sample[] = [];
  while (!done()) {
    const text = await metrics();
    const s: Sample = { up: value(text, 'kea_up'), busy: value(text, 'kea_exporter_daemon_busy'), delayed: value(text, 'kea_exporter_polls_delayed_total') };
    if (s.up !== 1) s.reason = app.snapshots()[0]?.error?.code;
    out.push(s);
    await sleep(SAMPLE_MS);
  }
  return out;
}

const daemon = () => app.snapshots()[0]!;
const round = (x: number) => Math.round(x);

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'load-lab-'));
  lab = await startLab({ version: '2.2', daemons: ['leases'], leases: LEASES });
  // Straight at Kea: what one lease4-get-all costs here (twice: the first warms up).
  await raw(lab.sockets.leases, 'lease4-get-all');
  const direct = await raw(lab.sockets.leases, 'lease4-get-all');
  assert.match(direct.tail, new RegExp(`"${LEASES} IPv4 lease\\(s\\) found\\."`), 'Kea loaded every preloaded lease');
  leaseGetAllMs = direct.ms;
  // The poll settings follow from it, so the test means the same on a fast or a loaded machine:
  // the poll timeout well under one lease4-get-all (a poll bounded by it behind one fails), the
  // interval under it too (a poll behind one is late: busy).
  timeoutMs = Math.max(100, round(leaseGetAllMs / 3));
  intervalMs = Math.max(timeoutMs + 100, round(leaseGetAllMs / 2));
  proxyTimeoutMs = Math.max(10_000, round(4 * leaseGetAllMs));
  console.log(
    `# lease4-get-all of ${LEASES} leases straight at Kea: ${round(direct.ms)} ms, ${direct.bytes} bytes; poll interval ${intervalMs} ms, timeout ${timeoutMs} ms; proxy timeout ${proxyTimeoutMs} ms`,
  );

  await startExporter(1);
});

/** An exporter (App and HTTP server) watching the leases daemon through a fresh counting relay. */
async function startExporter(maxInFlight: number): Promise<void> {
  await stopExporter();
  relay = await CountingRelay.start(path.join(dir, `leases-relay-${maxInFlight}.sock`), lab.sockets.leases);
  const yaml = `poll: { interval: ${intervalMs}ms, timeout: ${timeoutMs}ms, maxInFlight: ${maxInFlight} }
statistics: { enabled: false }
proxy:
  enabled: true
  timeout: ${proxyTimeoutMs}ms
  rateLimit: { max: 100000, window: 1m }
  users:
    - { name: viewer, password: "${VIEWER_PW}" }
targets:
  - { name: leases, socket: "${relay.path}", daemon: dhcp4 }
`;
  app = new App(parseConfigText(yaml, 'load-lab.yaml'), { log, version: 'test', processMetrics: false });
  await app.start();
  server = buildServer(app);
  await server.listen({ host: '127.0.0.1', port: 0 });
  port = (server.server.address() as AddressInfo).port;
}

async function stopExporter(): Promise<void> {
  await server?.close();
  await app?.stop();
  await relay?.close();
}

after(async () => {
  await stopExporter();
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** CLIENTS read-only users loop lease4-get-all for LOAD_MS while kea_up, busy and delayed polls are
 * sampled; then the load stops and the next poll is on time. */
async function underLoad(maxInFlight: number): Promise<void> {
  assert.equal(daemon().up, true, 'up before the load');
  const statusBefore = relay.count('status-get');
  const logBefore = log.lines.length;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const until = Date.now() + LOAD_MS;
  const outcomes: Outcome[] = [];
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < until) outcomes.push(await proxied('lease4-get-all'));
  });
  const samples = await sample(() => Date.now() >= until);
  await Promise.all(clients);
  loop.disable();

  const down = samples.filter((s) => s.up !== 1);
  const busy = samples.filter((s) => s.busy === 1).length;
  const polls = relay.count('status-get') - statusBefore;
  const ok = outcomes.filter((o) => o.status === 200 && o.tail.includes(`"${LEASES} IPv4 lease(s) found."`)).length;
  console.log(
    `# ${samples.length} samples of kea_up every ${SAMPLE_MS} ms: ${samples.length - down.length} x 1, ${down.length} x not 1 ` +
      `(${[...new Set(down.map((s) => s.reason))].join(', ') || 'none'}); busy in ${busy}; ${daemon().delayedPolls ?? 0} polls delayed; ` +
      `${polls} status-get reached Kea; ${outcomes.length} proxied lease4-get-all (${ok} x 200 with every lease, statuses ${[...new Set(outcomes.map((o) => o.status))].join(',')}); ` +
      `Kea saw at most ${relay.maxOpen} connection(s) at once (maxInFlight ${maxInFlight}); the exporter's event loop stalled up to ${round(loop.max / 1e6)} ms`,
  );
  const downs = log.lines
    .slice(logBefore)
    .filter((l) => l.msg === 'daemon is down')
    .map((l) => (l.obj as { err?: string }).err);
  const refused = outcomes.filter((o) => o.status !== 200).map((o) => `${o.status} ${o.tail.slice(-120)}`);
  if (downs.length || refused.length) console.log(`# down: ${JSON.stringify(downs)}; proxied not 200: ${JSON.stringify(refused)}`);

  assert.equal(down.length, 0, `kea_up read 1 in every sample (not in ${down.length} of ${samples.length})`);
  if (maxInFlight === 1) {
    // Every poll waits behind a lease4-get-all longer than the interval (with two slots a poll
    // may reach Kea between two of them, so it is late only some of the time).
    assert.ok(busy > 0, 'the poll waiting behind proxied commands showed as kea_exporter_daemon_busy 1');
    assert.ok((daemon().delayedPolls ?? 0) > 0, 'kea_exporter_polls_delayed_total counted');
  }
  assert.ok(polls > 0, 'polls kept reaching Kea during the load');
  assert.ok(ok > 0, 'proxied lease4-get-all went through');
  assert.ok(relay.maxOpen <= maxInFlight, `never more than maxInFlight (${maxInFlight}) connections to Kea: saw ${relay.maxOpen}`);

  // Load over: the next poll is on time again, and busy clears (the first pollAll may join a
  // poll that was still late).
  await pollAll(app);
  await pollAll(app);
  const text = await metrics();
  assert.equal(value(text, 'kea_up'), 1, 'up after the load');
  assert.equal(value(text, 'kea_exporter_daemon_busy'), 0, 'busy cleared by an on-time poll');
}

describe('proxy load on a real kea-dhcp4 2.2', () => {
  test(
    `${CLIENTS} read-only users looping lease4-get-all for ${LOAD_MS / 1000} s: kea_up never reads 0, the wait shows as busy, one connection to Kea`,
    { timeout: 120_000 },
    () => underLoad(1),
  );

  test('Kea stops answering (SIGSTOP) under a proxied command: it times out, then the poll runs and reports the truth', { timeout: 120_000 }, async () => {
    const pid = ((await lab.command('leases', 'status-get')) as { arguments: { pid: number } }).arguments.pid;
    await pollAll(app);
    assert.equal(daemon().up, true);
    const sent = relay.count('lease4-get-all');
    const stuck = proxied('lease4-get-all');
    // Kea stops while it works on the proxied command (it is on the wire, not answered yet).
    while (relay.count('lease4-get-all') === sent || relay.open === 0) await sleep(2);
    process.kill(pid, 'SIGSTOP');
    try {
      const poll = pollAll(app);
      const give = Date.now() + proxyTimeoutMs + 20_000;
      const samples = await sample(() => daemon().up === false || Date.now() > give);
      await poll;
      const answer = await stuck;
      console.log(
        `# SIGSTOP: proxied command answered ${answer.status}; ${samples.length} samples before the poll read down: ` +
          `up ${samples.filter((s) => s.up === 1).length} x 1, busy ${samples.filter((s) => s.busy === 1).length}; then reason ${daemon().error?.code}`,
      );
      assert.equal(answer.status, 504, 'the proxied command timed out');
      assert.equal(daemon().error?.code, 'timeout', 'the poll ran after it and found Kea silent');
      assert.ok(
        samples.every((s) => s.up === 1),
        'up (busy) while the proxied command could still be answered',
      );
      assert.ok(
        samples.some((s) => s.busy === 1),
        'busy while the poll waited',
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // A poll that started while Kea was stopped may still end down; the next ones find it up.
    for (let i = 0; i < 20 && !daemon().up; i++) await pollAll(app);
    assert.equal(daemon().up, true, 'up again once Kea runs again');
  });

  test(
    'maxInFlight 2: proxied commands hold one slot, the poll has the other; Kea answers it after the proxied one, and kea_up never reads 0',
    { timeout: 120_000 },
    async () => {
      await startExporter(2);
      await underLoad(2);
    },
  );
});
