/** Part 2: the exporter (node dist/cli.js, its own process) polling 1,000 fake daemons that live
 * in another child process; this process only measures.
 *
 *   npx tsx bench/fleet.ts      (part 2 alone; builds dist first; BENCH_CPU_PROF=<dir> profiles)
 */
import { execSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../src/config/load.js';
import { freePort } from '../src/lab/lab.js';
import { STATS_LAST_SUCCESS } from '../src/render/prometheus/statistics.js'; // one series per daemon with statistics
import type { SubnetsShape } from '../test/support/fake-subnets.js';
import { curlScrape, inflated } from './curl-scrape.js';
import { cpuMsOf, rssOf, startExporter } from './exporter-process.js';
import type { FleetStats, FromChild, ToChild } from './fleet-child.js';
import type { Row } from './report.js';
import { max, mb, median, p95, round, sleep } from './stats.js';
import { runAlone } from './stats-kea.js';

export const FLEET_DEFAULTS = { daemons: 1000, warmupMs: 10_000, windowMs: 60_000, scrapes: 30 } as const;
/** Issue 16's goals for part 2 (status every 5 s, statistics off). */
export const FLEET_GOALS = { cpuPercent: 10, rssMb: 150, renderP95Ms: 50 } as const;

export interface FleetOptions {
  daemons: number;
  warmupMs: number;
  windowMs: number;
  scrapes: number;
  /** Push over OTLP too: the config's otel section, and OTEL_* variables for the exporter. */
  otel?: { yaml: string; env?: Record<string, string> };
  /** Statistics on: Kea 3.0 fakes with this many subnets and pools each, polled every intervalS. */
  statistics?: SubnetsShape & { intervalS: number };
}

export interface FleetResult {
  daemons: number;
  fakeStartMs: number;
  configParseMs: number;
  firstRoundMs: number;
  windowS: number;
  cpuPercent: number;
  rssMaxMb: number;
  rssEndMb: number;
  render: {
    scrapes: number;
    /** Scrapes in the window that got no answer (not in the latencies). */
    failed: number;
    coldMs: number;
    medianMs: number;
    p95Ms: number;
    maxMs: number;
    bodyBytes: number;
    /** The body as sent, gzipped. */
    sentBytes: number;
    series: number;
    families: number;
  };
  commandsPerMinute: number;
  commandsPerMinuteByCommand: Record<string, number>;
  statusGetPerFakeInWindow: { min: number; max: number };
  /** Commands in progress at one daemon (accept to answer written), whole run. */
  maxInProgressPerFake: number;
  fakesInProgressOverOne: number;
  /** Open connections at one daemon (accept to close) during the window. */
  maxOpenPerFakeInWindow: number;
  /** Connections to the fleet per 100 ms during the window: busiest slot and mean. */
  acceptsPer100ms: { max: number; mean: number };
  /** FakeKea's own maxConcurrent (accept to close), whole run incl. the first-contact burst. */
  fakeKeaMaxConcurrent: number;
  fakesOverOneConnection: number;
  daemonsUp: number;
  /** Daemons whose statistics were on the last /metrics (a statistics poll succeeded). */
  daemonsWithStatistics: number;
  /** Warning and error log lines, whole run / in the window. */
  warnings: number;
  warningsInWindow: number;
  childCpuPercent: number;
  childRssMb: number;
}

/** The fleet child and a one-at-a-time request/answer over IPC. */
function startChild(dir: string, n: number, shape?: SubnetsShape): { child: ChildProcess; next: (t: FromChild['type']) => Promise<FromChild> } {
  const script = fileURLToPath(new URL('./fleet-child.ts', import.meta.url));
  const shapeArg = shape ? [JSON.stringify({ subnets: shape.subnets, pools: shape.pools })] : [];
  const child = fork(script, [dir, String(n), ...shapeArg], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  const next = (type: FromChild['type']) =>
    new Promise<FromChild>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fleet child: no "${type}" within 60 s`)), 60_000);
      const onMsg = (m: FromChild) => {
        if (m.type !== type && m.type !== 'error') return;
        clearTimeout(timer);
        child.off('message', onMsg);
        if (m.type === 'error') reject(new Error(`fleet child failed: ${m.message}`));
        else resolve(m);
      };
      child.on('message', onMsg);
      child.once('exit', (code) => reject(new Error(`fleet child exited (${code})`)));
    });
  return { child, next };
}

function configYaml(paths: readonly string[], port: number, otel = '', statisticsS?: number): string {
  const targets = paths.map((p, i) => `  - { name: kea-${i}, socket: "${p}", daemon: dhcp4 }`);
  // Part 2 measures status polling (the core exporter); its part with statistics adds them.
  const statistics = statisticsS === undefined ? 'statistics: { enabled: false }' : `statistics: { interval: ${statisticsS}s }`;
  const head = [`listen: "127.0.0.1:${port}"`, 'poll: { interval: 5s, timeout: 3s }', statistics];
  return [...head, ...(otel ? [otel] : []), 'targets:', ...targets, ''].join('\n');
}

export async function runFleet(o: FleetOptions): Promise<FleetResult> {
  const dir = await mkdtemp(join(tmpdir(), 'kf-'));
  const { child, next } = startChild(dir, o.daemons, o.statistics);
  const ask = async (reset = false): Promise<FleetStats> => {
    const answer = next('stats');
    child.send({ type: 'stats', reset } satisfies ToChild);
    return ((await answer) as Extract<FromChild, { type: 'stats' }>).stats;
  };
  let exporter: ReturnType<typeof startExporter> | undefined;
  try {
    const ready = (await next('ready')) as Extract<FromChild, { type: 'ready' }>;
    const port = await freePort('tcp');
    const configFile = join(dir, 'fleet.yaml');
    await writeFile(configFile, configYaml(ready.paths, port, o.otel?.yaml, o.statistics?.intervalS));
    let t = performance.now();
    parseConfigText(configYaml(ready.paths, port), 'bench-fleet.yaml');
    const configParseMs = performance.now() - t;
    exporter = startExporter(configFile, o.otel?.env);
    const pid = exporter.proc.pid!;
    const url = `http://127.0.0.1:${port}/metrics`;
    // Timed by curl to the body's last byte (curl-scrape.ts: Node's clients timed themselves). A
    // scrape whose body is counted writes it to a file first, which the time holds: the timed
    // scrapes of the window discard theirs, and the one counted is taken after the window.
    // Every scrape asks for gzip, as Prometheus does: the exporter then keeps its families
    // deflated only (a scrape of the text would have it keep both).
    const scrape = async () => {
      const s = await curlScrape(url, true, true);
      return { ms: s.ms, body: inflated(s.body!).toString(), sent: s.body!.length };
    };
    const count = (body: string, prefix: string, end = '') => body.split('\n').filter((l) => l.startsWith(prefix) && l.endsWith(end)).length;
    const upCount = (body: string) => count(body, 'kea_up{', ' 1');
    const statisticsCount = (body: string) => count(body, `${STATS_LAST_SUCCESS}{`);
    const complete = (body: string) => upCount(body) === o.daemons && (!o.statistics || statisticsCount(body) === o.daemons);

    // First round: from process start until every daemon shows up, with its statistics when on
    // (includes node start-up).
    t = performance.now();
    let cold: { ms: number; body: string } | undefined;
    while (performance.now() - t < (o.statistics ? 120_000 : 30_000)) {
      await sleep(100);
      try {
        cold = await scrape();
        if (complete(cold.body)) break;
      } catch {
        // not listening yet
      }
    }
    const firstRoundMs = performance.now() - t;
    await sleep(o.warmupMs);

    // Measurement window: scrapes spread evenly, RSS sampled every 250 ms.
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssOf(pid)), 250);
    const before = await ask(true);
    const cpu0 = cpuMsOf(pid);
    const warnings0 = exporter.warnings();
    const w0 = performance.now();
    const renders: number[] = [];
    const scrapeErrors: string[] = [];
    let body = '';
    let sent = 0;
    const step = o.windowMs / o.scrapes;
    for (let i = 0; i < o.scrapes; i++) {
      await sleep(Math.max(0, w0 + (i + 0.5) * step - performance.now()));
      try {
        renders.push((await curlScrape(url, false, true)).ms);
      } catch (err) {
        // Counted, not fatal: an overloaded exporter may drop a scrape (part 2b at its size).
        if (scrapeErrors.push(String((err as Error & { cause?: unknown }).cause ?? err)) === 1) console.error(`  scrape failed: ${scrapeErrors[0]}`);
      }
    }
    await sleep(Math.max(0, w0 + o.windowMs - performance.now()));
    const wallMs = performance.now() - w0;
    const cpuMs = cpuMsOf(pid) - cpu0;
    const after = await ask();
    clearInterval(sampler);
    rss.push(rssOf(pid));
    try {
      ({ body, sent } = await scrape());
    } catch (err) {
      scrapeErrors.push(`the scrape after the window: ${String(err)}`);
    }

    const perMin = 60_000 / wallMs;
    const byCommand: Record<string, number> = {};
    for (const [c, v] of Object.entries(after.byCommand)) {
      const d = v - (before.byCommand[c] ?? 0);
      if (d > 0) byCommand[c] = round(d * perMin, 0);
    }
    const perFake = after.statusGetPerFake.map((v, i) => v - (before.statusGetPerFake[i] ?? 0));
    const lines = body.split('\n');
    return {
      daemons: o.daemons,
      fakeStartMs: ready.startMs,
      configParseMs: round(configParseMs, 1),
      firstRoundMs: round(firstRoundMs, 0),
      windowS: round(wallMs / 1000, 1),
      cpuPercent: round((cpuMs / wallMs) * 100, 2),
      rssMaxMb: mb(max(rss)),
      rssEndMb: mb(rss[rss.length - 1]!),
      render: {
        scrapes: renders.length,
        coldMs: round(cold?.ms ?? NaN, 1),
        medianMs: round(median(renders), 1),
        p95Ms: round(p95(renders), 1),
        maxMs: round(max(renders), 1),
        failed: scrapeErrors.length,
        bodyBytes: Buffer.byteLength(body),
        sentBytes: sent,
        series: lines.filter((l) => l !== '' && !l.startsWith('#')).length,
        families: lines.filter((l) => l.startsWith('# TYPE ')).length,
      },
      commandsPerMinute: round(
        Object.values(byCommand).reduce((a, b) => a + b, 0),
        0,
      ),
      commandsPerMinuteByCommand: byCommand,
      statusGetPerFakeInWindow: { min: Math.min(...perFake), max: Math.max(...perFake) },
      maxInProgressPerFake: after.maxInProgress,
      fakesInProgressOverOne: after.fakesInProgressOverOne,
      maxOpenPerFakeInWindow: after.maxOpenSinceReset,
      acceptsPer100ms: after.acceptsPerSlot,
      fakeKeaMaxConcurrent: after.maxConcurrent,
      fakesOverOneConnection: after.fakesOverOne,
      daemonsUp: upCount(body),
      daemonsWithStatistics: statisticsCount(body),
      warnings: exporter.warnings(),
      warningsInWindow: exporter.warnings() - warnings0,
      childCpuPercent: round(((after.cpuUs - before.cpuUs) / 1000 / wallMs) * 100, 2),
      childRssMb: mb(after.rss),
    };
  } finally {
    if (exporter && exporter.proc.exitCode === null) {
      exporter.proc.kill('SIGTERM'); // graceful: a --cpu-prof profile is written on exit
      await Promise.race([exporter.exited, sleep(5000)]);
    }
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.send({ type: 'stop' } satisfies ToChild);
      await Promise.race([gone, sleep(5000)]);
      child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  }
}

const within = (v: number, limit: number) => v <= limit;

/** Part 2's rows vs its goals (the summary of npm run bench and of this file alone). */
export function fleetRows(f: FleetResult): Row[] {
  const g = FLEET_GOALS;
  const expected = Math.round((f.daemons * 60) / 5);
  const sg = f.commandsPerMinuteByCommand['status-get'] ?? 0;
  return [
    { key: 'fleet_cpu', value: f.cpuPercent, unit: '% of one core', goal: `<= ${g.cpuPercent}`, ok: within(f.cpuPercent, g.cpuPercent) },
    { key: 'fleet_rss_max', value: f.rssMaxMb, unit: 'MB', goal: `<= ${g.rssMb}`, ok: within(f.rssMaxMb, g.rssMb) },
    { key: 'fleet_rss_end', value: f.rssEndMb, unit: 'MB', goal: `<= ${g.rssMb}`, ok: within(f.rssEndMb, g.rssMb) },
    { key: 'render_median', value: f.render.medianMs, unit: 'ms', goal: 'info' },
    { key: 'render_p95', value: f.render.p95Ms, unit: 'ms', goal: `<= ${g.renderP95Ms}`, ok: within(f.render.p95Ms, g.renderP95Ms) },
    { key: 'render_failed', value: f.render.failed, unit: `of ${f.render.scrapes + f.render.failed}`, goal: '= 0', ok: f.render.failed === 0 },
    { key: 'render_cold', value: f.render.coldMs, unit: 'ms', goal: 'info (first complete scrape, its body written to a file)' },
    { key: 'render_body', value: f.render.bodyBytes, unit: 'bytes', goal: 'info' },
    { key: 'render_body_gzip', value: f.render.sentBytes, unit: 'bytes', goal: 'info (as sent: scrapes ask for gzip, as Prometheus does)' },
    { key: 'render_series', value: f.render.series, unit: 'series', goal: 'info' },
    {
      key: 'kea_commands_per_min',
      value: f.commandsPerMinute,
      unit: '/min',
      goal: `~${expected} (1 status-get/daemon/5s)`,
      ok: Math.abs(f.commandsPerMinute - expected) <= expected * 0.1,
    },
    { key: 'kea_status_get_per_min', value: sg, unit: '/min', goal: `~${expected}` },
    { key: 'kea_max_concurrent_per_daemon', value: f.maxInProgressPerFake, unit: 'cmds in progress', goal: '<= 1', ok: f.maxInProgressPerFake <= 1 },
    { key: 'kea_max_open_conns_per_daemon_window', value: f.maxOpenPerFakeInWindow, unit: 'conn', goal: '<= 1', ok: f.maxOpenPerFakeInWindow <= 1 },
    {
      key: 'kea_polls_busiest_100ms',
      value: f.acceptsPer100ms.max,
      unit: 'conn',
      goal: `info (mean ${f.acceptsPer100ms.mean}: polls spread over the interval)`,
    },
    { key: 'fakekea_maxConcurrent_lifetime', value: f.fakeKeaMaxConcurrent, unit: 'conn', goal: 'info (see note)' },
    { key: 'daemons_up', value: f.daemonsUp, unit: `of ${f.daemons}`, goal: `= ${f.daemons}`, ok: f.daemonsUp === f.daemons },
    { key: 'first_round', value: f.firstRoundMs, unit: 'ms', goal: 'info' },
  ];
}

async function main(): Promise<void> {
  execSync('npm run --silent build', { stdio: 'inherit', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  const o = FLEET_DEFAULTS;
  console.log(`[2] fleet: ${o.daemons} fake daemons, status every 5 s, statistics off; ${o.warmupMs / 1000} s warm-up, ${o.windowMs / 1000} s window ...`);
  const f = await runFleet(o);
  for (const r of fleetRows(f)) console.log(`${r.key}: ${r.value} ${r.unit} (goal ${r.goal}${r.ok === false ? ', MISSED' : ''})`);
  console.log(`fleet child (not counted): CPU ${f.childCpuPercent}% of one core, RSS ${f.childRssMb} MB; exporter warnings ${f.warnings}`);
}

runAlone(import.meta.url, 'bench/fleet.ts', 300, main);
