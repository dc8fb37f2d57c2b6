/** Part 5: what OTLP export costs the exporter with 1,000 fake daemons (status polling every 5 s,
 * OTLP every 10 s to a sink on loopback): the same fleet run with OTel off, with metrics and
 * traces of every poll, with metrics only, and with traces of one poll in ten, back to back;
 * CPU and RSS as ratios to the run with OTel off. Alone: npx tsx bench/otel.ts. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runFleet, type FleetOptions, type FleetResult } from './fleet.js';
import type { Row } from './report.js';
import { round } from './stats.js';
import { runAlone } from './stats-kea.js';

export const OTEL_DEFAULTS = { daemons: 1000, warmupMs: 10_000, windowMs: 60_000, scrapes: 12, intervalS: 10, sampleRatio: 0.1 };

export interface OtelRun {
  fleet: FleetResult;
  /** What reached the sink during the whole run. */
  requests: { metrics: number; traces: number; bytes: number };
}

export interface OtelResult {
  off: OtelRun;
  all: OtelRun;
  metricsOnly: OtelRun;
  /** Metrics, and traces of one poll in ten (OTEL_TRACES_SAMPLER=traceidratio). */
  sampled: OtelRun;
  ratios: Record<'all' | 'metricsOnly' | 'sampled', { cpu: number; rss: number }>;
}

/** Accepts OTLP/HTTP and answers 200 with an empty body; only counts. */
async function startSink(): Promise<{ url: string; take(): OtelRun['requests']; close(): Promise<void> }> {
  let counts = { metrics: 0, traces: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (counts.bytes += c.length));
    req.on('end', () => {
      if (req.url?.endsWith('/v1/metrics')) counts.metrics++;
      else if (req.url?.endsWith('/v1/traces')) counts.traces++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    take() {
      const c = counts;
      counts = { metrics: 0, traces: 0, bytes: 0 };
      return c;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function runOtel(o = OTEL_DEFAULTS): Promise<OtelResult> {
  const sink = await startSink();
  try {
    const base: FleetOptions = { daemons: o.daemons, warmupMs: o.warmupMs, windowMs: o.windowMs, scrapes: o.scrapes };
    const yaml = `otel: { enabled: true, endpoint: "${sink.url}", interval: ${o.intervalS}s }`;
    const run = async (opts: FleetOptions): Promise<OtelRun> => {
      sink.take();
      const fleet = await runFleet(opts);
      return { fleet, requests: sink.take() };
    };
    const off = await run(base);
    const all = await run({ ...base, otel: { yaml } });
    const metricsOnly = await run({ ...base, otel: { yaml, env: { OTEL_TRACES_EXPORTER: 'none' } } });
    const sampled = await run({ ...base, otel: { yaml, env: { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: String(o.sampleRatio) } } });
    const ratio = (r: OtelRun) => ({ cpu: round(r.fleet.cpuPercent / off.fleet.cpuPercent, 2), rss: round(r.fleet.rssMaxMb / off.fleet.rssMaxMb, 2) });
    return { off, all, metricsOnly, sampled, ratios: { all: ratio(all), metricsOnly: ratio(metricsOnly), sampled: ratio(sampled) } };
  } finally {
    await sink.close();
  }
}

export function printOtel(r: OtelResult): Row[] {
  const line = (name: string, x: OtelRun) =>
    console.log(
      `  ${name.padEnd(20)} CPU ${x.fleet.cpuPercent}% of one core, RSS max ${x.fleet.rssMaxMb} MB, /metrics median ${x.fleet.render.medianMs} ms, ` +
        `${x.fleet.daemonsUp} up; sink got ${x.requests.metrics} metric and ${x.requests.traces} trace requests (${round(x.requests.bytes / 1e6, 1)} MB)`,
    );
  line('OTel off', r.off);
  line('metrics + traces', r.all);
  line('metrics only', r.metricsOnly);
  line('traces 1 in 10', r.sampled);
  const rows: Row[] = [];
  for (const [key, name] of [
    ['all', 'metrics_traces'],
    ['metricsOnly', 'metrics_only'],
    ['sampled', 'metrics_traces_10pct'],
  ] as const) {
    for (const what of ['cpu', 'rss'] as const) {
      const value = r.ratios[key][what];
      rows.push({ key: `otlp_${name}_${what}_ratio`, value, unit: 'x', goal: '<= 1.25', ok: value <= 1.25 });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const { execSync } = await import('node:child_process');
  execSync('npm run --silent build', { stdio: 'inherit' });
  console.log(`[5] OTLP cost: ${OTEL_DEFAULTS.daemons} fake daemons, OTLP every ${OTEL_DEFAULTS.intervalS} s; off, metrics + traces, metrics only ...`);
  for (const row of printOtel(await runOtel())) console.log(`${row.key}: ${row.value} ${row.unit} (goal ${row.goal}${row.ok ? '' : ', MISSED'})`);
}

runAlone(import.meta.url, 'bench/otel.ts', 400, main);
