/** A real Prometheus server (Debian's `prometheus`) on loopback with a temp storage dir, for live
 * tests of the rules and dashboards. Rejects with its log when it cannot start. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from '../../src/lab/lab.js';

export interface PrometheusOptions {
  /** host:port of the exporter to scrape (job "kea"). */
  scrape?: string;
  /** Instead of that job: the scrape_configs list, as YAML (file_sd, relabelling, ...). */
  scrapeConfigs?: string;
  /** Contents of the rules file to load (default: none). */
  rules?: string;
  /** Scrape and rule evaluation interval; the scrape timeout too. */
  intervalS: number;
}

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Prometheus' own account of one query (`stats=all`), in seconds and samples. */
export interface QueryStats {
  timings: { evalTotalTime: number; resultSortTime: number; queryPreparationTime: number; innerEvalTime: number; execQueueTime: number; execTotalTime: number };
  samples: { totalQueryableSamples: number; peakSamples: number };
}

/** An instant query at `time`, or a range query from `start` to `end` every `stepS` (Unix seconds). */
export type QueryAt = { time?: number } | { start: number; end: number; stepS: number };

export interface Prometheus {
  url: string;
  query(expr: string): Promise<Sample[]>;
  queryRange(expr: string, start: number, end: number, stepS: number): Promise<RangeSeries[]>;
  /** Either kind of query with Prometheus' timings: the series it returned (instant or range) and stats. */
  queryStats(expr: string, at: QueryAt): Promise<{ series: number; stats: QueryStats }>;
  alerts(): Promise<Alert[]>;
  stop(): Promise<void>;
}

const BINARY = '/usr/bin/prometheus';
const START_TIMEOUT_MS = 20_000;

export async function startPrometheus(o: PrometheusOptions): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'kea-prom-'));
  writeFileSync(join(dir, 'rules.yml'), o.rules ?? 'groups: []\n');
  const every = `${o.intervalS}s`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: ${every}, evaluation_interval: ${every}, scrape_timeout: ${every} }
rule_files: [rules.yml]
scrape_configs:
${o.scrapeConfigs ?? `  - job_name: kea\n    static_configs: [{ targets: ["${o.scrape}"] }]\n`}`,
  );
  const port = await freePort('tcp');
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    BINARY,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (b: Buffer) => output.push(...b.toString().split('\n').filter(Boolean).slice(-50));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => output.push(String(err)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => child.kill('SIGKILL'));

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
    await stop();
    throw new Error(`prometheus (${BINARY}) did not start; install Debian's prometheus package. Its output:\n${output.join('\n')}`);
  }

  async function api<T>(path: string, form?: Record<string, string>): Promise<T> {
    // Queries go as a form (POST): a dashboard's expressions can be long for a URL.
    const init = form && { method: 'POST', body: new URLSearchParams(form) };
    const res = await fetch(`${url}${path}`, init);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}${form ? ` (${form.query})` : ''}`);
    return body.data;
  }
  const where = (at: QueryAt): [string, Record<string, string>] =>
    'start' in at
      ? ['/api/v1/query_range', { start: String(at.start), end: String(at.end), step: String(at.stepS) }]
      : ['/api/v1/query', at.time === undefined ? {} : { time: String(at.time) }];
  return {
    url,
    query: async (expr) => (await api<{ result: Sample[] }>('/api/v1/query', { query: expr })).result,
    queryRange: async (expr, start, end, stepS) => {
      const [path, params] = where({ start, end, stepS });
      return (await api<{ result: RangeSeries[] }>(path, { ...params, query: expr })).result;
    },
    queryStats: async (expr, at) => {
      const [path, params] = where(at);
      const data = await api<{ resultType: string; result: unknown; stats: QueryStats }>(path, { ...params, query: expr, stats: 'all' });
      // A scalar (or string) result is one value, not a list of series.
      return { series: Array.isArray(data.result) && data.resultType !== 'scalar' ? data.result.length : 1, stats: data.stats };
    },
    alerts: async () => (await api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts,
    stop,
  };
}

const RULES = fileURLToPath(new URL('../../dashboards/prometheus/kea-telemetry.rules.yml', import.meta.url));

/** The project's rules file with every alert's `for` set to `forS` seconds (the file's are minutes),
 * so a live test sees an alert fire in seconds. */
export function rulesWithFor(forS: number): string {
  const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert?: string; for?: string }[] }[] };
  for (const r of doc.groups.flatMap((g) => g.rules)) if (r.alert && r.for) r.for = `${forS}s`;
  return stringify(doc);
}

/** Polls `probe` until it gives a value; rejects naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
