/**
 * Part 8: how the statistics cost grows. A real kea-dhcp4 2.2 at 1,000, 5,000 and 20,000 subnets
 * (stats-kea.ts), one after the other, behind part 3's counting proxy, with the built exporter
 * (node dist/cli.js) polling its statistics and never scraped while measured: the exporter's CPU
 * per statistics poll (from the proxy reading the request until the exporter's CPU goes quiet,
 * median of `polls`), its RSS, and the CPU of a bare JSON.parse of the same answer in this
 * process. Goals: per-subnet CPU and per-subnet RSS growth stay within GROWTH_BOUND from the
 * smallest size to the largest (linear growth).
 *
 *   npx tsx bench/growth.ts [1000,5000,20000]   (part 8 alone; builds dist first)
 */
import { execSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/lab/lab.js';
import { updateResults, type Row } from './report.js';
import { jsonParseCpuMs, rawCommand, runAlone, startBigKea } from './stats-kea.js';
import { CountingProxy, cpuMsOfPid, cpuQuiet, max, mb, median, round, rssOfPid, sleep, startStatsExporter, table, type ProxyEvent } from './stats.js';

export interface GrowthOptions {
  sizes: number[];
  /** Statistics polls measured per size, after the first one (which also builds the label sets). */
  polls: number;
  /** JSON.parse runs of the answer in this process (median of their CPU time). */
  parses: number;
}

export const GROWTH_BENCH: GrowthOptions = { sizes: [1000, 5000, 20_000], polls: 7, parses: 5 };

/** Linear growth: the per-subnet figure at the largest size over the smallest, at most this. */
export const GROWTH_BOUND = 1.5;

export interface GrowthSize {
  subnets: number;
  answerBytes: number;
  /** Statistics in the statistic-get-all answer (keys of its arguments). */
  statistics: number;
  /** kea_dhcp4_* series on /metrics (one scrape before the polls) and the dropped count. */
  series: number;
  dropped: number;
  parseMs: number;
  cpuMsPerPoll: number;
  cpuMsSamples: number[];
  /** Polls skipped: their CPU window overlapped the next poll or the previous one. */
  overlapped: number;
  /** Exporter CPU per poll per 1,000 subnets. */
  cpuMsPer1k: number;
  /** Max over the measured polls (sampled every 100 ms) and at their end. */
  rssMaxMb: number;
  rssEndMb: number;
  statisticsIntervalS: number;
  warnings: number;
  keaStartMs: number;
}

export interface GrowthResult {
  sizes: GrowthSize[];
  /** (CPU per subnet at the largest size) / (at the smallest). */
  cpuPerSubnetRatio: number;
  /** RSS added per subnet from the middle size to the largest / from the smallest to the middle. */
  rssPerSubnetRatio: number;
}

/** Short (the part's time), but long enough on a loaded machine that a poll (at 20,000 subnets
 * Kea's ~0.7 s and the exporter's ~1.5 s of CPU) is quiet before the next; one that is not is
 * skipped. */
const intervalS = (subnets: number) => Math.min(10, Math.max(3, Math.ceil(subnets / 1000)));

async function measureSize(subnets: number, o: GrowthOptions, profileDir: string | undefined): Promise<GrowthSize> {
  const dir = await mkdtemp(join(tmpdir(), 'kgrowth-'));
  const kea = await startBigKea(subnets);
  const proxy = new CountingProxy(kea.socket);
  let exporter: ReturnType<typeof startStatsExporter> | undefined;
  try {
    // The same answer the exporter gets, parsed here: the floor its CPU per poll is held against.
    const { text } = await rawCommand(kea.socket, 'statistic-get-all');
    const statistics = Object.keys((JSON.parse(text) as { arguments?: Record<string, unknown> }).arguments ?? {}).length;
    const parseMs = jsonParseCpuMs(text, o.parses);

    const proxySocket = join(dir, 'proxy.sock');
    await proxy.listen(proxySocket);
    const port = await freePort('tcp');
    const configFile = join(dir, 'growth.yaml');
    const statisticsIntervalS = intervalS(subnets);
    await writeFile(
      configFile,
      [
        `listen: "127.0.0.1:${port}"`,
        // Status polls rare (their CPU would land in a poll's window); timeout above Kea's answer time.
        'poll: { interval: 60s, timeout: 20s }',
        // maxSeries far above the largest size: dropped statistics would cost less and hide growth.
        `statistics: { interval: ${statisticsIntervalS}s, maxSeries: 10000000 }`,
        'targets:',
        `  - { name: big, socket: "${proxySocket}", daemon: dhcp4 }`,
        '',
      ].join('\n'),
    );
    exporter = startStatsExporter(configFile, profileDir && join(profileDir, String(subnets)));
    const pid = exporter.proc.pid!;
    const timeoutMs = statisticsIntervalS * 3000 + 30_000;
    const first = await proxy.answered('statistic-get-all', 0, timeoutMs);
    await cpuQuiet(pid, 300, 30_000);

    // One scrape: all statistics are there, none dropped (and the families rendered once, as a
    // scraped exporter holds them).
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const dropped = Number(/^kea_exporter_statistics_series_dropped\{[^}]*\} (\S+)$/m.exec(body)?.[1] ?? NaN);
    const series = body.split('\n').filter((l) => l.startsWith('kea_dhcp4_')).length;
    await cpuQuiet(pid, 300, 30_000);

    const cpuAtRequest = new Map<ProxyEvent, number>();
    proxy.onCommand = (ev) => {
      if (ev.command === 'statistic-get-all') cpuAtRequest.set(ev, cpuMsOfPid(pid));
    };
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssOfPid(pid)), 100);
    const samples: number[] = [];
    let after = first.end;
    // Skipped, and one more waited for: a poll already in flight when the hook was set (no start),
    // and one whose window overlapped another's (the next request came before this one's CPU was
    // quiet, or this request before the previous one's was).
    let overlapped = 0;
    let previousQuiet = performance.now();
    for (let i = 0; samples.length < o.polls && i < o.polls * 2; i++) {
      const e = await proxy.answered('statistic-get-all', after, timeoutMs);
      after = e.end;
      const end = await cpuQuiet(pid, 300, 30_000);
      const start = cpuAtRequest.get(e);
      const clean = e.start >= previousQuiet && ![...cpuAtRequest.keys()].some((x) => x.start > e.start);
      previousQuiet = performance.now();
      if (!clean) overlapped++;
      else if (start !== undefined) samples.push(end - start);
    }
    clearInterval(sampler);
    rss.push(rssOfPid(pid));
    if (samples.length < o.polls) throw new Error(`growth ${subnets}: ${samples.length} of ${o.polls} polls measured (${overlapped} overlapped another)`);
    const cpu = median(samples);
    return {
      subnets,
      answerBytes: Buffer.byteLength(text),
      statistics,
      series,
      dropped,
      parseMs: round(parseMs, 1),
      cpuMsPerPoll: cpu,
      cpuMsSamples: samples,
      overlapped,
      cpuMsPer1k: round((cpu * 1000) / subnets, 1),
      rssMaxMb: mb(max(rss)),
      rssEndMb: mb(rss.at(-1)!),
      statisticsIntervalS,
      warnings: exporter.warnings(),
      keaStartMs: kea.startMs,
    };
  } finally {
    if (exporter && exporter.proc.exitCode === null) {
      exporter.proc.kill('SIGTERM'); // graceful: a --cpu-prof profile is written on exit
      await Promise.race([exporter.exited, sleep(5000)]);
      exporter.proc.kill('SIGKILL');
    }
    await proxy.close();
    await kea.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every size in turn, smallest first (dist/cli.js must be built). */
export async function runGrowth(o: GrowthOptions = GROWTH_BENCH): Promise<GrowthResult> {
  const profileDir = process.env.BENCH_CPU_PROF ? resolvePath(process.env.BENCH_CPU_PROF) : undefined;
  const sizes: GrowthSize[] = [];
  for (const n of [...o.sizes].sort((a, b) => a - b)) {
    const s = await measureSize(n, o, profileDir);
    console.log(`  ${n} subnets: ${s.statistics} statistics, CPU per poll ${JSON.stringify(s.cpuMsSamples)} ms, RSS max ${s.rssMaxMb} MB`);
    sizes.push(s);
  }
  const a = sizes[0]!;
  const m = sizes[Math.floor((sizes.length - 1) / 2)]!;
  const z = sizes.at(-1)!;
  const slope = (x: GrowthSize, y: GrowthSize) => (y.rssMaxMb - x.rssMaxMb) / (y.subnets - x.subnets);
  return {
    sizes,
    cpuPerSubnetRatio: round(z.cpuMsPer1k / a.cpuMsPer1k, 2),
    rssPerSubnetRatio: sizes.length < 3 ? NaN : round(slope(m, z) / slope(a, m), 2),
  };
}

/** The table, and the goal rows for the summary and results.json. */
export function printGrowth(g: GrowthResult): Row[] {
  console.log('\n== Statistics cost by size: real kea-dhcp4 2.2, built exporter, no scrapes while measured ==');
  console.log(
    table([
      ['subnets', 'answer MB', 'statistics', 'JSON.parse ms', 'CPU ms/poll', 'x parse', 'CPU ms/1k subnets', 'RSS max MB', 'RSS end MB', 'RSS MB/1k more'],
      ...g.sizes.map((s, i) => [
        String(s.subnets),
        String(round(s.answerBytes / 1e6, 2)),
        String(s.statistics),
        String(s.parseMs),
        String(s.cpuMsPerPoll),
        String(round(s.cpuMsPerPoll / s.parseMs, 1)),
        String(s.cpuMsPer1k),
        String(s.rssMaxMb),
        String(s.rssEndMb),
        i === 0 ? '' : String(round(((s.rssMaxMb - g.sizes[i - 1]!.rssMaxMb) * 1000) / (s.subnets - g.sizes[i - 1]!.subnets), 1)),
      ]),
    ]),
  );
  for (const s of g.sizes) {
    console.log(
      `${s.subnets}: polls every ${s.statisticsIntervalS} s, CPU samples ${JSON.stringify(s.cpuMsSamples)} ms (${s.overlapped} skipped: overlapped another); ` +
        `${s.series} kea_dhcp4_ series on /metrics, ${s.dropped} dropped; Kea up in ${s.keaStartMs} ms; exporter warnings ${s.warnings}`,
    );
  }
  const [a, z] = [g.sizes[0]!, g.sizes.at(-1)!];
  const bound = `<= ${GROWTH_BOUND}`;
  return [
    ...g.sizes.flatMap((s) => [
      { key: `growth_${s.subnets}_cpu_per_poll`, value: s.cpuMsPerPoll, unit: 'ms CPU', goal: `info (median of ${s.cpuMsSamples.length})` },
      { key: `growth_${s.subnets}_parse`, value: s.parseMs, unit: 'ms', goal: 'reference (JSON.parse of the answer, this process)' },
      { key: `growth_${s.subnets}_rss_max`, value: s.rssMaxMb, unit: 'MB', goal: 'info' },
      { key: `growth_${s.subnets}_dropped`, value: s.dropped, unit: 'series', goal: '= 0', ok: s.dropped === 0 },
    ]),
    {
      key: 'growth_cpu_per_subnet_ratio',
      value: g.cpuPerSubnetRatio,
      unit: 'x',
      goal: `${bound} (CPU per subnet at ${z.subnets} / at ${a.subnets})`,
      ok: g.cpuPerSubnetRatio <= GROWTH_BOUND,
    },
    {
      key: 'growth_rss_per_subnet_ratio',
      value: g.rssPerSubnetRatio,
      unit: 'x',
      goal: `${bound} (RSS added per subnet above the middle size / below it)`,
      ok: g.rssPerSubnetRatio <= GROWTH_BOUND,
    },
  ];
}

async function main(): Promise<void> {
  execSync('npm run --silent build', { stdio: 'inherit', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  const sizes = process.argv[2]?.split(',').map(Number) ?? GROWTH_BENCH.sizes;
  const o = { ...GROWTH_BENCH, sizes };
  console.log(`[8] growth: real kea-dhcp4 at ${sizes.join(' / ')} subnets, ${o.polls} statistics polls each ...`);
  const g = await runGrowth(o);
  const rows = printGrowth(g);
  for (const r of rows) console.log(`${r.key}: ${r.value} ${r.unit} (goal ${r.goal}${r.ok === false ? ', MISSED' : ''})`);
  console.log(`\nwritten ${updateResults('growth', g, rows)}`);
}

runAlone(import.meta.url, 'bench/growth.ts', 600, main);
