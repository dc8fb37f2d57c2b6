/** Property-based fuzzing end to end over both framings (issue 11): a fake UNIX socket and a
 * fake HTTP server answer each command with a generated body (mutated real captures, arbitrary
 * JSON, deep nesting, bytes, truncations; HTTP statuses too) to the real UnixTransport /
 * HttpTransport + Endpoint + DaemonPoller + StatisticsPoller. Properties: a poll never
 * rejects and never fails with `internal` (an exporter bug); every failure has a catalogued
 * code; every /metrics rendered from the fuzzed snapshots passes `promtool check metrics`
 * (many snapshots per render, one promtool run per batch). */
import { hashPublisher } from '../../src/kea/published-hash.js';
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/errors.js';
import type { DaemonKind } from '../../src/kea/types.js';
import { MemoryLog } from '../support/memory-log.js';
import { DaemonConfigCache } from '../../src/poller/daemon-config.js';
import { DaemonPoller } from '../../src/poller/daemon-poller.js';
import { StatisticsPoller } from '../../src/poller/statistics-poller.js';
import { CommandQueue } from '../../src/queue/command-queue.js';
import { COLLECTORS, PrometheusRenderer } from '../../src/render/prometheus/registry.js';
import { statisticsCollector } from '../../src/render/prometheus/statistics.js';
import type { StatisticsSnapshot } from '../../src/snapshot.js';
import { Endpoint } from '../../src/endpoint/endpoint.js';
import { HttpTransport } from '../../src/transport/http.js';
import type { Transport } from '../../src/transport/transport.js';
import { UnixTransport } from '../../src/transport/unix.js';
import { FakeKea } from '../support/fake-kea.js';
import { bodyArb, CAPTURES, COMMANDS, type Capture, type Command } from './arbitraries.js';
import { columnsOf } from '../../src/kea/statistics/parse.js';

/** Daemons polled per framing; each one is a fresh poller (first contact: every command). */
export const RUNS = { unix: 700, http: 700 };
/** Snapshots rendered together into one /metrics and checked by one promtool run. */
const BATCH = 175;

type Script = Record<Command, string> & { status: number; chunked: boolean };

let dir: string;
let unix: FakeKea;
let server: http.Server;
let url: string;
let script: Script | undefined;

const serve = (command: string): Buffer =>
  Buffer.from(script && (COMMANDS as readonly string[]).includes(command) ? script[command as Command] : '{ "result": 2, "text": "unsupported" }', 'latin1');

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'fuzz-framing-'));
  unix = await FakeKea.start({ path: path.join(dir, 'k.sock'), handler: (cmd) => serve(cmd.command) });
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let command = '';
      try {
        command = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { command?: unknown }).command);
      } catch {
        /* the exporter only sends JSON */
      }
      const body = serve(command);
      res.writeHead(
        script?.status ?? 200,
        script?.chunked ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'content-length': body.length },
      );
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(async () => {
  await unix.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** Bodies per command: UNIX daemons answer bare maps, HTTP ones lists (the captures' framing).
 * The commands in `faulty` get any body bodyArb makes; the others a real capture unchanged, so
 * that polls get past the first command often. Bodies are latin1 strings (bytes, readable in a
 * counterexample). */
function scriptArb(list: boolean): fc.Arbitrary<Script> {
  const framed = (c: Command) => (x: Capture) => x.command === c && (x.list === list || (c === 'statistic-get-all' && x.file.startsWith('stats/')));
  const clean = fc.record(
    Object.fromEntries(COMMANDS.map((c) => [c, fc.constantFrom(...CAPTURES.filter(framed(c))).map((x) => x.text)])) as Record<Command, fc.Arbitrary<string>>,
  );
  const faulty = fc.oneof(
    fc.constant([]),
    fc.constantFrom(...COMMANDS).map((c) => [c]),
    fc.subarray([...COMMANDS]),
  );
  // Fuzzed bodies only for the faulty commands: generating the others would be wasted work.
  const fuzzed = faulty.chain((cs) => fc.tuple(...cs.map((c) => bodyArb(framed(c)).map((b) => [c, b.toString('latin1')] as const))));
  return fc
    .record({
      clean,
      fuzzed,
      status: list ? fc.constantFrom(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 403, 500) : fc.constant(200),
      chunked: fc.boolean(),
    })
    .map(({ clean, fuzzed, status, chunked }) => {
      const out = { status, chunked } as Script;
      for (const c of COMMANDS) out[c] = Buffer.from(clean[c]).toString('latin1');
      for (const [c, body] of fuzzed) out[c] = body;
      return out;
    });
}

const STATS_CONFIG = { enabled: true, intervalMs: 30_000, perSubnet: true, perPool: true, maxSeries: 100_000, naming: 'default' as const };
const statistics = statisticsCollector('default');

/** Problems promtool reports for an exposition ('' when clean). */
function promtool(text: string): string {
  try {
    execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    return '';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
  }
}

/** Issue 11 item 2 (another helper's): a negative counter makes the renderer throw until that
 * fix is merged. Then such a throw is counted here instead of failing, and only then. */
function negativeCountersThrow(): boolean {
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [], statistics.metrics);
  const s: StatisticsSnapshot = {
    target: 't',
    daemon: 'dhcp4',
    labels: {},
    up: true,
    polledAt: 0,
    pollDurationSeconds: 0,
    statistics: columnsOf([{ name: 'pkt4-received', stat: 'pkt4-received', value: -1 }]),
    subnets: new Map(),
    dropped: 0,
    errors: {},
  };
  try {
    r.update('x', s, [statistics]);
    return false;
  } catch {
    return true;
  }
}

async function fuzzFraming(t: TestContext, kind: 'unix' | 'http', runs: number): Promise<void> {
  const transport: Transport = kind === 'unix' ? new UnixTransport(unix.path, 64 << 20) : new HttpTransport({ url }, 1, 64 << 20);
  const cpuBefore = process.cpuUsage();
  const tolerateItem2 = negativeCountersThrow();
  if (tolerateItem2) t.diagnostic('negative counters still make the renderer throw (issue 11 item 2): counted, not failed');
  const codes = new Map<string, number>();
  const note = (k: string): void => void codes.set(k, (codes.get(k) ?? 0) + 1);
  let renderer: PrometheusRenderer | undefined;
  let inBatch = 0;
  let renders = 0;
  let failedRender: string | undefined;
  let item2 = 0;
  let n = 0;
  const check = async (): Promise<void> => {
    if (!renderer) return;
    const { body } = await renderer.render(false);
    renders++;
    const problems = promtool(body);
    if (problems) {
      failedRender = body;
      t.diagnostic(`promtool: ${problems.slice(0, 2000)}`);
    }
    assert.equal(problems, '', 'promtool check metrics');
    await renderer.render(true); // OpenMetrics renders too (promtool checks only the text format)
    renderer = undefined;
    inBatch = 0;
  };
  try {
    await fc.assert(
      fc.asyncProperty(
        scriptArb(kind === 'http'),
        fc.constantFrom<DaemonKind | undefined>(undefined, 'dhcp4', 'dhcp6'),
        fc.boolean(),
        async (s, daemon, agent) => {
          script = s;
          const i = n++;
          const service = kind === 'http' && agent ? 'dhcp4' : undefined;
          const endpoint = new Endpoint(transport, new CommandQueue({ maxInFlight: 1, maxQueued: 10 }), service, `fuzz${i}`);
          // Wired as src/targets/target.ts does, over the one transport of this framing.
          const config = new DaemonConfigCache({ endpoint, timeoutMs: 5000, publishHash: hashPublisher('fuzz-key') });
          const base = { target: `t${i}`, labels: {}, endpoint, config, timeoutMs: 5000, log: new MemoryLog() };
          const poller = new DaemonPoller(daemon ? { ...base, daemon } : base);
          const stats = new StatisticsPoller({
            endpoint,
            status: () => poller.snapshot,
            daemonConfig: config,
            config: STATS_CONFIG,
            timeoutMs: 5000,
            log: new MemoryLog(),
          });
          const snap = await poller.poll(); // a rejection fails the property
          const st = await stats.poll();
          for (const code of [snap.error?.code, st?.error?.code]) {
            if (code === undefined) continue;
            assert.ok(code in ERROR_CODES, `uncatalogued code ${code}`);
            assert.notEqual(code, 'internal', `an exporter bug: ${snap.error?.message ?? st?.error?.message}`);
          }
          note(snap.up ? 'up' : snap.error!.code);
          if (st?.up) note('statistics up');
          renderer ??= new PrometheusRenderer({ version: 't', processMetrics: false }, COLLECTORS, statistics.metrics);
          renderer.update(`d${i}`, snap);
          if (st) {
            try {
              renderer.update(`s${i}`, st, [statistics]);
            } catch (err) {
              if (!(tolerateItem2 && /decrease a counter/.test(String(err)))) throw err;
              item2++;
            }
          }
          if (++inBatch >= BATCH) await check();
        },
      ),
      { numRuns: runs },
    );
    await check();
  } finally {
    if (failedRender) {
      const file = path.join(tmpdir(), `kea-fuzz-failed-${kind}.prom`);
      writeFileSync(file, failedRender);
      t.diagnostic(`the exposition promtool rejected: ${file}`);
    }
    script = undefined;
    await transport.close();
  }
  const cpu = process.cpuUsage(cpuBefore);
  t.diagnostic(
    `${kind}: cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; ${n} daemons polled, ${renders} renders checked by promtool; outcomes ${[...codes].map(([k, v]) => `${k} ${v}`).join(', ')}${item2 ? `; item-2 counter throws ${item2}` : ''}`,
  );
  for (const k of ['up', 'statistics up', 'parse', 'too_deep', 'bad_answer']) assert.ok(codes.has(k), `no daemon reached "${k}"`);
}

test('UNIX framing: fuzzed answers through UnixTransport + Endpoint + pollers; every render promtool-clean', (t) => fuzzFraming(t, 'unix', RUNS.unix));
test('HTTP framing: fuzzed answers and statuses through HttpTransport + Endpoint + pollers; every render promtool-clean', (t) =>
  fuzzFraming(t, 'http', RUNS.http));
