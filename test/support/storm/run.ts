/** The storm (issue 11): one real kea-dhcp4 2.2 (src/lab, lease_cmds loaded, leases loaded)
 * behind a counting UNIX-socket relay; the exporter as its own process with the proxy on; then,
 * all at once, proxied commands from several principals, GET /probe, GET /metrics and half-open
 * connections, while /metrics is sampled on a dedicated connection and the exporter's RSS is
 * read from /proc. Afterwards: Kea still answering, /metrics through promtool, SIGTERM. Shared
 * by test/integration/storm.test.ts (asserts checks.ts) and bench/storm.ts (prints figures). */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { request } from 'undici';
import { DEFAULTS } from '../../../src/config/types.js';
import { freePort, startLab, type Lab } from '../../../src/lab/lab.js';
import { CountingRelay } from '../counting-relay.js';
import { cpuMs, nofileOf, startExporter, type ExporterBuild, type ExporterProcess } from './exporter-process.js';
import { forkLoad, type LoadProcess } from './load-process.js';
import { keaUpValues, ProcSampler, UpSampler, type UpSample } from './sampler.js';
import { exporterConfig, loadLeases, secretStrings, TARGET } from './setup.js';
import { summarise, type StormResult } from './summary.js';

export interface StormOptions {
  /** tsx: src/cli.ts from source (tests); dist: dist/cli.js as built (bench; build it first). */
  build: ExporterBuild;
  proxied: number;
  probes: number;
  scrapes: number;
  halfOpen: number;
  /** Keep-alive connections of each client pool (proxy, probe, metrics). */
  socketsPerKind: number;
  /** The half-open connections stall at least this long; the storm window lasts until then,
   * so several poll intervals (default 5 s) fall inside it. */
  holdMs: number;
  /** The kea_up sampler's period. */
  sampleEveryMs: number;
  /** A request unanswered after this long is a problem. */
  requestTimeoutMs: number;
  /** Hard bound: what is still pending then is given up (and reported). */
  deadlineMs: number;
  /** The exporter's open-files limit; undefined: inherited (what a deployment with LimitNOFILE
   * raised, as item 8 asks, gives it). */
  nofile: number | undefined;
}

/**
 * 1,024 descriptors, soft and hard: the limit issue 11 item 8 was reproduced at (a container or
 * unit with `nofile 1024:1024`; with only the soft limit at 1,024, as systemd's default, Node
 * raises it to the hard limit itself). The exporter must hold the storm within it (connection
 * cap, descriptor reserve for Kea), however LimitNOFILE is raised where it is deployed.
 */
export const STORM_NOFILE = 1024;

export const STORM_DEFAULTS: StormOptions = {
  build: 'tsx',
  proxied: 2000,
  probes: 2000,
  scrapes: 2000,
  halfOpen: 1000,
  // 3 x 256 pooled connections + 1,000 half-open: past 1,024 descriptors, as in the issue. At
  // 512 per kind (measured) today's exporter only fell further behind accepting, its RSS up by
  // ~10 MB: more mostly loads the shared cores with the generator's own connects.
  socketsPerKind: 256,
  holdMs: 15_000,
  sampleEveryMs: 100,
  requestTimeoutMs: 60_000,
  deadlineMs: 180_000,
  nofile: undefined,
};

const STOP_GRACE_MS = 30_000;
const READY_TIMEOUT_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects where a secret was seen (by the secret's name, never its value). */
function leakFinder(secrets: { name: string; value: string }[]) {
  const found = new Set<string>();
  return {
    found,
    at: (where: string) => (text: string) => {
      for (const s of secrets) if (text.includes(s.value)) found.add(`${s.name} in ${where}`);
    },
  };
}

async function waitReady(origin: string, exporter: ExporterProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const x = exporter.exited();
    if (x) throw new Error(`storm: the exporter exited (code ${x.code}, signal ${x.signal}) before it was ready:\n${exporter.stderr().slice(-4000)}`);
    const body = await request(`${origin}/metrics`).then(
      (r) => r.body.text(),
      () => '',
    );
    const ready = await request(`${origin}/-/ready`).then(
      (r) => (r.body.dump(), r.statusCode === 200),
      () => false,
    );
    if (ready && keaUpValues(body, TARGET).includes(1)) return;
    if (Date.now() > deadline)
      throw new Error(`storm: the exporter was not ready with kea_up 1 within ${READY_TIMEOUT_MS} ms:\n${exporter.stderr().slice(-4000)}`);
    await sleep(200);
  }
}

/** /metrics after the storm on a fresh connection (a few tries: the exporter may still be
 * closing what the storm left); undefined if it never answered 200. */
async function finalMetrics(origin: string): Promise<string | undefined> {
  for (let i = 0; i < 20; i++) {
    const body = await request(`${origin}/metrics`).then(
      (r) => (r.statusCode === 200 ? r.body.text() : (r.body.dump(), undefined)),
      () => undefined,
    );
    if (body !== undefined) return body;
    await sleep(500);
  }
  return undefined;
}

function promtool(body: string): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }) };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message };
  }
}

export async function runStorm(o: StormOptions = STORM_DEFAULTS, progress: (line: string) => void = () => {}): Promise<StormResult> {
  const dir = await mkdtemp(join(tmpdir(), 'storm-'));
  let lab: Lab | undefined;
  let relay: CountingRelay | undefined;
  let exporter: ExporterProcess | undefined;
  let load: LoadProcess | undefined;
  try {
    lab = await startLab({ version: '2.2', daemons: ['primary'] });
    const kea = lab;
    await loadLeases((cmd, args) => kea.command('primary', cmd, args));
    const version = (await kea.command('primary', 'version-get')) as { text?: string };
    const pidOf = async () => ((await kea.command('primary', 'status-get')) as { arguments?: { pid?: number } }).arguments?.pid;
    const keaPid = await pidOf();
    relay = await CountingRelay.start(join(dir, 'kea.sock'), lab.sockets.primary);
    const port = await freePort('tcp');
    const origin = `http://127.0.0.1:${port}`;
    const config = await exporterConfig({ port, socket: relay.path });
    const configFile = join(dir, 'storm.yaml');
    await writeFile(configFile, config.yaml);
    const secrets = secretStrings(config.viewerHash);
    const leaks = leakFinder(secrets);

    exporter = startExporter({ build: o.build, configFile, nofile: o.nofile, env: config.env });
    await waitReady(origin, exporter);
    const nofile = nofileOf(exporter.pid) ?? '?';
    progress(`exporter ${exporter.pid} ready (kea_up 1); storm: ${o.proxied} proxied, ${o.probes} /probe, ${o.scrapes} /metrics, ${o.halfOpen} half-open`);

    load = await forkLoad();
    const sampler = new UpSampler(origin, TARGET, o.sampleEveryMs, leaks.at('/metrics sample'), 10_000);
    const proc = new ProcSampler(exporter.pid);
    const commandsBefore = relay.commands.length;
    const cpu0 = cpuMs(exporter.pid) ?? 0;
    sampler.start();
    proc.start(o.sampleEveryMs);

    // This process only relays and samples; its own event-loop delay is reported, since a
    // stalled relay would delay Kea's answers and be mistaken for the exporter's fault.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const t0 = performance.now();
    const { outcomes, gaveUp } = await load.run({ ...o, origin, port }, secrets, o.deadlineMs);
    const requestsMs = performance.now() - t0;
    progress(`requests settled after ${Math.round(requestsMs)} ms${gaveUp ? ' (deadline: the rest given up)' : ''}`);
    await sleep(Math.max(0, o.holdMs - (performance.now() - t0)));

    // End of the window: everything the storm opened is closed.
    const samples: UpSample[] = await sampler.stop();
    proc.stop();
    loop.disable();
    const windowMs = performance.now() - t0;
    const exporterCpuMs = (cpuMs(exporter.pid) ?? cpu0) - cpu0;
    const { halfOpen: half, leaks: answerLeaks } = await load.close();
    for (const l of answerLeaks) leaks.found.add(l);
    const byCommand = relay.byCommand(commandsBefore);
    const exitedDuringStorm = exporter.exited();

    const keaAfter = await pidOf().catch(() => undefined);
    const body = exitedDuringStorm ? undefined : await finalMetrics(origin);
    if (body !== undefined) leaks.at('/metrics after the storm')(body);
    const exit = await exporter.stop(STOP_GRACE_MS);
    const stdout = exporter.stdout();
    const stderr = exporter.stderr();
    leaks.at('the exporter log (stdout)')(stdout);
    leaks.at('the exporter stderr')(stderr);

    return summarise({
      options: o,
      keaVersion: version.text ?? '?',
      nofile,
      kea: { pidBefore: keaPid, pidAfter: keaAfter },
      relay: { maxOpen: relay.maxOpen, connections: relay.connections, byCommand },
      maxInFlight: DEFAULTS.maxInFlight,
      outcomes,
      gaveUp,
      samples,
      halfOpen: half,
      requestsMs,
      windowMs,
      harnessLoopDelayMaxMs: loop.max / 1e6,
      exporter: { rssMax: proc.rssMax, fdsMax: proc.fdsMax, rssSamples: proc.samples, cpuMs: exporterCpuMs, exitedDuringStorm, exit, stdout, stderr },
      final: body === undefined ? undefined : { up: keaUpValues(body, TARGET), promtool: promtool(body) },
      leaks: [...leaks.found],
    });
  } finally {
    load?.kill();
    await exporter?.stop(5000);
    await relay?.close();
    await lab?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
