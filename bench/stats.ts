/** Small statistics and formatting helpers for the bench; and part 3 (statistics of a
 * 5,000-subnet kea-dhcp4), below the helpers. */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/lab/lab.js';
import { shebang } from '../test/support/shebang.js';
import { curlScrape, curlScrapes } from './curl-scrape.js';
import { jsonParseCpuMs, measureRaw, runAlone, startBigKea, type RawTiming } from './stats-kea.js';

/** Nearest-rank percentile (p in 0..100) of an unsorted sample. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1]!;
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);
export const p95 = (xs: readonly number[]): number => percentile(xs, 95);
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
export const max = (xs: readonly number[]): number => xs.reduce((a, b) => Math.max(a, b), -Infinity);

/** Rounds for display and JSON: 3 significant decimals are plenty here. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Left-aligned text table. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}

/* ------------------------------------------------------------------------------------------------
 * Part 3 of npm run bench: the statistics of a 5,000-subnet kea-dhcp4.
 *
 * A real kea-dhcp4 2.2 with 5,000 subnets (stats-kea.ts), and between it and the built exporter
 * (node dist/cli.js, its own process) a counting proxy in this process: a UNIX socket server that
 * serves one connection at a time, forwards the command to Kea's socket and pipes the answer
 * back, counting commands by name and answer bytes. Those counts are the Kea commands per scrape.
 *
 *   npx tsx bench/stats.ts      (part 3 alone; builds dist first)
 * --------------------------------------------------------------------------------------------- */
export interface StatisticsOptions {
  subnets: number;
  /** Sequential keep-alive scrapes of /metrics, spread over `scrapeSpreadMs`. */
  scrapes: number;
  scrapeSpreadMs: number;
  /** The exporter's statistics.interval and poll.interval, in seconds. */
  statisticsIntervalS: number;
  pollIntervalS: number;
  /** Statistics polls in the no-scrape window (CPU per poll). */
  quietPolls: number;
}

type Counts = Record<string, number>;

export interface StatisticsResult {
  subnets: number;
  keaStartMs: number;
  /** Reference: one command per connection straight to Kea's socket, before the exporter runs. */
  raw: { configGet: RawTiming; statisticGetAll: RawTiming };
  /** Exporter spawn until the cold scrape showed subnet 5000's capacity (node start-up included). */
  firstStatisticsMs: number;
  /** Commands until the first statistic-get-all was answered. */
  firstContactCommands: Counts;
  capacitySeries: number;
  render: {
    scrapes: number;
    /** TCP connections the 200 scrapes used (keep-alive: 1). */
    connections: number;
    /** The first scrape after the first statistics poll was read (the exporter quiet again). */
    coldMs: number;
    /** A scrape sent the moment the first statistics answer was in: it waits while it is read. */
    duringFirstPollMs: number;
    /** The same body written from a buffer by a bare node:http server, scraped the same way. */
    bufferMedianMs: number;
    medianMs: number;
    p95Ms: number;
    maxMs: number;
    bodyBytes: number;
    series: number;
    statisticsSeries: number;
    families: number;
    /** Scrapes that overlapped a statistic-get-all in flight through the proxy. */
    overlappingStatisticGetAll: number;
  };
  /** The window with the scrapes, ending after a statistics poll that followed them. */
  scrapeWindow: {
    seconds: number;
    scrapesPerMinute: number;
    commands: Counts;
    commandsPerMinuteByCommand: Counts;
    /** Most each timer can issue in the window: its polls start >= interval - 5 % jitter apart
     * (less 0.25 s: the one-command queue can delay a request), plus one. status-get for the
     * status timer, statistic-get-all for the statistics timer; any other command: 0. */
    timerBound: Counts;
    unexplainedCommands: number;
    commandsPerScrape: number;
    cpuMs: number;
    /** (window CPU - quiet-window CPU rate x window length) / scrapes. */
    cpuMsPerScrape: number;
  };
  /** No scrapes; from the end of the scrape window until `quietPolls` statistics polls settled. */
  quietWindow: {
    seconds: number;
    commands: Counts;
    commandsPerMinuteByCommand: Counts;
    cpuMs: number;
    cpuPercent: number;
    /** Window CPU / statistic-get-all in it: includes the status polls and idle timers. */
    cpuMsPerStatisticsCycle: number;
    /** From the proxy reading the statistic-get-all request until the exporter's CPU went quiet
     * (median and max of the polls in the window); a status-get in between would count too. */
    cpuMsPerStatisticsPoll: { median: number; max: number; samples: number[] };
    /** The floor those are held to: a bare JSON.parse of the same answer in this process (CPU ms),
     * once before the exporter started (median of 5) and once after each of those polls settled,
     * so that both sides of the ratio see the machine as it was (on a shared VM the floor moved
     * from 21 to 61 ms between runs); the median of them all. */
    parseMs: { median: number; samples: number[] };
  };
  statisticGetAll: {
    bytes: number;
    /** Through the proxy: first request byte to Kea's EOF (median of the whole run). */
    keaMedianMs: number;
    /** kea_exporter_statistics_poll_duration_seconds at the end, in ms. */
    exporterPollMs: number;
  };
  configGet: { total: number; atFirstContact: number; afterFirstContact: number; bytes: number };
  commandsWholeRun: Counts;
  proxy: { connections: number; maxConcurrent: number; errors: number };
  /** Sampled every 250 ms from spawn to the end: max of the whole run, of first contact (spawn to
   * the scrape window), of the scrape window (its garbage: ~20 bodies of 5 MB a second), of the
   * quiet window (which starts with that garbage), and at the end. */
  rssMaxMb: number;
  rssMaxFirstContactMb: number;
  rssMaxScrapeWindowMb: number;
  rssMaxQuietWindowMb: number;
  rssEndMb: number;
  warnings: number;
  cpuProfileDir?: string;
}

/** Utime+stime of a process in ms (clock ticks of 10 ms). */
export function cpuMsOfPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function rssOfPid(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // gone
  }
}

export interface ProxyEvent {
  command: string;
  /** performance.now() of the first request byte and of Kea's EOF (NaN when it failed). */
  start: number;
  end: number;
  bytes: number;
}

/** The counting proxy: one connection at a time (others wait, paused, in accept order). */
export class CountingProxy {
  readonly events: ProxyEvent[] = [];
  connections = 0;
  maxConcurrent = 0;
  errors = 0;
  /** Called synchronously when a request's command name is known. */
  onCommand: (ev: ProxyEvent) => void = () => {};
  private active = 0;
  private busy = false;
  private readonly waiting: net.Socket[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly server: net.Server;

  constructor(private readonly upstream: string) {
    this.server = net.createServer({ pauseOnConnect: true }, (s) => {
      this.connections++;
      this.waiting.push(s);
      this.next();
    });
  }

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => resolve());
    });
  }

  close(): Promise<void> {
    for (const s of this.waiting) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Commands by name whose first request byte came in [from, to). */
  count(from = 0, to = Infinity): Counts {
    const c: Counts = {};
    for (const e of this.events) if (e.start >= from && e.start < to) c[e.command] = (c[e.command] ?? 0) + 1;
    return c;
  }

  /** Resolves with the first `command` answered (EOF from Kea) after `after`. */
  answered(command: string, after: number, timeoutMs: number): Promise<ProxyEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const e = this.events.find((x) => x.command === command && x.end > after);
        if (!e) return false;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(e);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`proxy: no ${command} answered within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  private next(): void {
    if (this.busy) return;
    const client = this.waiting.shift();
    if (!client) return;
    this.busy = true;
    void this.serve(client).finally(() => {
      this.busy = false;
      this.next();
    });
  }

  private serve(client: net.Socket): Promise<void> {
    return new Promise((resolve) => {
      this.active++;
      this.maxConcurrent = Math.max(this.maxConcurrent, this.active);
      const ev: ProxyEvent = { command: '(unparsed)', start: NaN, end: NaN, bytes: 0 };
      let request = '';
      let named = false;
      const up = net.createConnection(this.upstream);
      let done = false;
      const finish = (failed: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (failed) this.errors++;
        up.destroy();
        client.destroy();
        this.active--;
        if (Number.isNaN(ev.start)) ev.start = performance.now();
        this.events.push(ev);
        for (const w of [...this.waiters]) w();
        resolve();
      };
      const timer = setTimeout(() => finish(true), 30_000);
      client.on('data', (c: Buffer) => {
        if (Number.isNaN(ev.start)) ev.start = performance.now();
        if (!named) {
          request += c.toString('utf8');
          try {
            ev.command = String((JSON.parse(request) as { command?: unknown }).command);
            named = true;
            this.onCommand(ev);
          } catch {
            // incomplete so far
          }
        }
        up.write(c);
      });
      up.on('data', (c: Buffer) => {
        ev.bytes += c.length;
        client.write(c);
      });
      up.on('end', () => {
        ev.end = performance.now();
        client.end();
      });
      // The exporter reads to EOF and then closes: that ends this connection.
      client.on('close', () => finish(Number.isNaN(ev.end)));
      client.on('error', () => finish(true));
      up.on('error', () => finish(true));
      client.resume();
    });
  }
}

/** The command line of the built exporter `cli`: the file itself, as shipped (its shebang carries
 * the Node flags and malloc settings); or, with --cpu-prof into `profileDir` or
 * BENCH_EXPORTER_FLAGS (more Node flags for a look inside: --trace-gc, ...), node with the
 * shebang's flags and those (Node refuses --cpu-prof in NODE_OPTIONS), and its environment. */
export function exporterCommand(cli: string, profileDir: string | undefined): { argv: string[]; env: Record<string, string> } {
  const extra = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolvePath(profileDir)}`] : []),
    ...(process.env.BENCH_EXPORTER_FLAGS ?? '').split(/\s+/).filter(Boolean),
  ];
  if (extra.length === 0) return { argv: [cli], env: {} };
  const bin = shebang(cli);
  return { argv: [process.execPath, ...bin.flags, ...extra, cli], env: bin.env };
}

export function startStatsExporter(configFile: string, profileDir: string | undefined): { proc: ChildProcess; warnings: () => number; exited: Promise<void> } {
  // BENCH_EXPORTER_CLI: another build's cli.js, for before/after runs in the same conditions.
  const cli = process.env.BENCH_EXPORTER_CLI ? resolvePath(process.env.BENCH_EXPORTER_CLI) : fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const { argv, env: shipped } = exporterCommand(cli, profileDir);
  const env: NodeJS.ProcessEnv = { ...process.env, ...shipped, LOG_LEVEL: 'warn' };
  const extra = argv.length > 1;
  const proc = spawn(argv[0]!, [...argv.slice(1), '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  void exited.then(() => process.removeListener('exit', kill));
  let warnings = 0;
  proc.stdout.on('data', (d: Buffer) => {
    const lines = d
      .toString()
      .split('\n')
      .filter((l) => /"level":(40|50)/.test(l));
    warnings += lines.length;
    for (const l of lines.slice(0, 5)) process.stderr.write(`  exporter: ${l.slice(0, 300)}\n`);
    if (extra) {
      for (const l of d.toString().split('\n')) if (l !== '' && !l.startsWith('{')) process.stderr.write(`  exporter: ${l}\n`);
    }
  });
  proc.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  return { proc, warnings: () => warnings, exited };
}

/** Waits until the process has used no CPU for `stableMs` (10 ms ticks), at most `capMs`. */
export async function cpuQuiet(pid: number, stableMs = 300, capMs = 5000): Promise<number> {
  const t0 = performance.now();
  let last = cpuMsOfPid(pid);
  let since = performance.now();
  while (performance.now() - t0 < capMs) {
    await sleep(50);
    const c = cpuMsOfPid(pid);
    if (c !== last) {
      last = c;
      since = performance.now();
    } else if (performance.now() - since >= stableMs) break;
  }
  return last;
}

/** A bare node:http server in a child process answering every request with `body`. */
async function bufferServer(body: Buffer, dir: string): Promise<{ port: number; stop: () => void }> {
  const file = join(dir, 'body.bin');
  await writeFile(file, body);
  const port = await freePort('tcp');
  const script = `const b=require('fs').readFileSync(${JSON.stringify(file)});require('http').createServer((q,r)=>{r.writeHead(200,{'content-type':'text/plain; version=0.0.4; charset=utf-8','content-length':b.length});r.end(b)}).listen(${port},'127.0.0.1',()=>console.log('ready'))`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`buffer server exited (${code})`)));
  });
  return { port, stop: kill };
}

const perMinute = (c: Counts, ms: number): Counts => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, round((v * 60_000) / ms, 1)]));
const CAPACITY = 'kea_dhcp4_addresses_capacity{';

export async function runStatistics(o: StatisticsOptions): Promise<StatisticsResult> {
  const profileDir = process.env.BENCH_CPU_PROF ? resolvePath(process.env.BENCH_CPU_PROF) : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'kstat-'));
  const kea = await startBigKea(o.subnets);
  let exporter: ReturnType<typeof startStatsExporter> | undefined;
  let proxy: CountingProxy | undefined;
  try {
    const { statisticsText, ...raw } = await measureRaw(kea.socket); // before the exporter: one connection at a time

    proxy = new CountingProxy(kea.socket);
    const proxySocket = join(dir, 'proxy.sock');
    await proxy.listen(proxySocket);
    const port = await freePort('tcp');
    const configFile = join(dir, 'statistics.yaml');
    await writeFile(
      configFile,
      [
        `listen: "127.0.0.1:${port}"`,
        `poll: { interval: ${o.pollIntervalS}s, timeout: 3s }`,
        `statistics: { interval: ${o.statisticsIntervalS}s }`,
        'targets:',
        `  - { name: big, socket: "${proxySocket}", daemon: dhcp4 }`,
        '',
      ].join('\n'),
    );

    const t0 = performance.now();
    exporter = startStatsExporter(configFile, profileDir);
    const pid = exporter.proc.pid!;
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssOfPid(pid)), 250);
    const url = `http://127.0.0.1:${port}/metrics`;
    const lastSubnet = new RegExp(`^kea_dhcp4_addresses_capacity\\{[^}]*subnet_id="${o.subnets}"`, 'm');

    // Scrapes as Prometheus would send them, until the first statistic-get-all is sent. One scrape
    // is sent the moment its answer is in (it waits while the exporter reads it: `during`); the
    // first after the exporter went quiet again is the cold one: the first with the statistics.
    let asked = false;
    proxy.onCommand = (ev) => {
      if (ev.command === 'statistic-get-all') asked = true;
    };
    while (!asked && performance.now() - t0 < 30_000) {
      await sleep(100);
      if (exporter.proc.exitCode !== null) throw new Error(`exporter exited (${exporter.proc.exitCode})`);
      if (asked) break;
      await curlScrape(url).catch(() => undefined); // not listening yet
    }
    const first = await proxy.answered('statistic-get-all', 0, 30_000);
    const during = await curlScrape(url);
    await cpuQuiet(pid);
    const cold = await curlScrape(url, true);
    if (!lastSubnet.test(cold.body!.toString('utf8'))) throw new Error(`statistics of subnet ${o.subnets} not on /metrics after the first statistics poll`);
    const firstStatisticsMs = performance.now() - t0;
    const firstContactCommands = proxy.count(0, first.end);

    // Per statistics poll: the exporter's CPU from the moment the proxy reads the request.
    const pollCpuStart = new Map<ProxyEvent, number>();
    proxy.onCommand = (ev) => {
      if (ev.command === 'statistic-get-all') pollCpuStart.set(ev, cpuMsOfPid(pid));
    };

    // Scrape window: the scrapes, spread evenly over one keep-alive connection, then the first
    // statistics poll after them.
    const rssA0 = rss.length;
    const a0 = performance.now();
    const cpuA0 = cpuMsOfPid(pid);
    const rate = Math.round((o.scrapes * 60_000) / o.scrapeSpreadMs);
    const window = await curlScrapes(url, o.scrapes, rate, true);
    const renders = window.scrapes.map((s) => s.ms);
    const spans = window.scrapes.map((s): [number, number] => [s.start, s.end]);
    const body = window.body!;
    const scrapesDone = performance.now();
    await proxy.answered('statistic-get-all', scrapesDone, o.statisticsIntervalS * 2000);
    const cpuA1 = await cpuQuiet(pid);
    const a1 = performance.now();
    const scrapeCommands = proxy.count(a0, a1);

    // Quiet window: no scrapes, until `quietPolls` statistics polls have been answered and digested.
    const b0 = a1;
    const rssB0 = rss.length;
    const pollCpu: number[] = [];
    const parseCpu: number[] = [raw.statisticGetAll.parseMs];
    let after = b0;
    for (let i = 0; i < o.quietPolls; i++) {
      const e = await proxy.answered('statistic-get-all', after, o.statisticsIntervalS * 2000);
      after = e.end;
      const end = await cpuQuiet(pid);
      const start = pollCpuStart.get(e);
      if (start !== undefined) pollCpu.push(end - start);
      // The exporter quiet, its next poll seconds away: the floor, now.
      parseCpu.push(round(jsonParseCpuMs(statisticsText, 3), 2));
    }
    const b1 = performance.now();
    const cpuB = cpuMsOfPid(pid) - cpuA1;
    const quietCommands = proxy.count(b0, b1);
    rss.push(rssOfPid(pid));
    clearInterval(sampler);

    // The reference for /metrics: the same bytes written from a buffer by a bare node:http server
    // in a process of its own, scraped the same way, in the same run.
    const buffered = await bufferServer(body, dir);
    const bufferRenders = (await curlScrapes(`http://127.0.0.1:${buffered.port}/metrics`, o.scrapes, rate)).scrapes.map((s) => s.ms);
    buffered.stop();

    // The last body, read once more at the end for the exporter's own poll duration.
    const last = (await curlScrape(url, true)).body!.toString('utf8');
    const pollDuration = /^kea_exporter_statistics_poll_duration_seconds\{[^}]*\} (\S+)$/m.exec(last);
    const text = body.toString('utf8');
    const lines = text.split('\n');
    const series = lines.filter((l) => l !== '' && !l.startsWith('#'));

    const aMs = a1 - a0;
    const bMs = b1 - b0;
    const spacing = (intervalS: number) => intervalS * 950 - 250;
    const bound: Counts = {
      'status-get': Math.floor(aMs / spacing(o.pollIntervalS)) + 1,
      'statistic-get-all': Math.floor(aMs / spacing(o.statisticsIntervalS)) + 1,
    };
    const unexplained = Object.entries(scrapeCommands).reduce((n, [c, v]) => n + Math.max(0, v - (bound[c] ?? 0)), 0);
    const cpuA = cpuA1 - cpuA0;
    const sga = proxy.events.filter((e) => e.command === 'statistic-get-all' && !Number.isNaN(e.end));
    const overlapping = spans.filter(([s, e]) => sga.some((x) => x.start < e && x.end > s)).length;
    const configGets = proxy.events.filter((e) => e.command === 'config-get');
    const whole = proxy.count();

    return {
      subnets: o.subnets,
      keaStartMs: kea.startMs,
      raw,
      firstStatisticsMs: round(firstStatisticsMs, 0),
      firstContactCommands,
      capacitySeries: series.filter((l) => l.startsWith(CAPACITY)).length,
      render: {
        scrapes: renders.length,
        connections: window.scrapes.reduce((n, s) => n + s.connects, 0),
        coldMs: round(cold.ms, 1),
        duringFirstPollMs: round(during.ms, 1),
        bufferMedianMs: round(median(bufferRenders), 2),
        medianMs: round(median(renders), 2),
        p95Ms: round(p95(renders), 2),
        maxMs: round(max(renders), 1),
        bodyBytes: body.length,
        series: series.length,
        statisticsSeries: series.filter((l) => l.startsWith('kea_dhcp4_')).length,
        families: lines.filter((l) => l.startsWith('# TYPE ')).length,
        overlappingStatisticGetAll: overlapping,
      },
      scrapeWindow: {
        seconds: round(aMs / 1000, 1),
        scrapesPerMinute: round((renders.length * 60_000) / aMs, 0),
        commands: scrapeCommands,
        commandsPerMinuteByCommand: perMinute(scrapeCommands, aMs),
        timerBound: bound,
        unexplainedCommands: unexplained,
        commandsPerScrape: round(unexplained / renders.length, 3),
        cpuMs: cpuA,
        cpuMsPerScrape: round(Math.max(0, cpuA - (cpuB / bMs) * aMs) / renders.length, 2),
      },
      quietWindow: {
        seconds: round(bMs / 1000, 1),
        commands: quietCommands,
        commandsPerMinuteByCommand: perMinute(quietCommands, bMs),
        cpuMs: cpuB,
        cpuPercent: round((cpuB / bMs) * 100, 2),
        cpuMsPerStatisticsCycle: round(cpuB / Math.max(1, quietCommands['statistic-get-all'] ?? 0), 0),
        cpuMsPerStatisticsPoll: { median: median(pollCpu), max: max(pollCpu), samples: pollCpu },
        parseMs: { median: round(median(parseCpu), 2), samples: parseCpu },
      },
      statisticGetAll: {
        bytes: sga.at(-1)?.bytes ?? 0,
        keaMedianMs: round(median(sga.map((e) => e.end - e.start)), 1),
        exporterPollMs: pollDuration ? round(Number(pollDuration[1]) * 1000, 0) : NaN,
      },
      configGet: {
        total: configGets.length,
        atFirstContact: configGets.filter((e) => e.start <= first.end).length,
        afterFirstContact: configGets.filter((e) => e.start > first.end).length,
        bytes: configGets[0]?.bytes ?? 0,
      },
      commandsWholeRun: whole,
      proxy: { connections: proxy.connections, maxConcurrent: proxy.maxConcurrent, errors: proxy.errors },
      rssMaxMb: mb(max(rss)),
      rssMaxFirstContactMb: mb(max(rss.slice(0, rssA0))),
      rssMaxScrapeWindowMb: mb(max(rss.slice(rssA0, rssB0))),
      rssMaxQuietWindowMb: mb(max(rss.slice(rssB0))),
      rssEndMb: mb(rss[rss.length - 1]!),
      warnings: exporter.warnings(),
      ...(profileDir && { cpuProfileDir: profileDir }),
    };
  } finally {
    if (exporter && exporter.proc.exitCode === null) {
      exporter.proc.kill('SIGTERM'); // graceful: a --cpu-prof profile is written on exit
      await Promise.race([exporter.exited, sleep(5000)]);
      exporter.proc.kill('SIGKILL');
    }
    await proxy?.close();
    await kea.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export const STATISTICS_DEFAULTS: StatisticsOptions = {
  subnets: 5000,
  scrapes: 200,
  scrapeSpreadMs: 8000,
  statisticsIntervalS: 10,
  pollIntervalS: 5,
  quietPolls: 7,
};

async function main(): Promise<void> {
  execSync('npm run --silent build', { stdio: 'inherit', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  const s = await runStatistics(STATISTICS_DEFAULTS);
  const { printStatistics } = await import('./report.js');
  printStatistics(s);
  console.log(JSON.stringify(s));
}

runAlone(import.meta.url, 'bench/stats.ts', 120, main);
