/** A real Prometheus server (Debian's `prometheus`) on loopback with a temp storage dir, for live
 * tests of the rules and dashboards. Rejects with its log when it cannot start. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/lab/lab.js';

export interface PrometheusOptions {
  /** host:port of the exporter to scrape (job "kea"). */
  scrape: string;
  /** Contents of the rules file to load. */
  rules: string;
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

export interface Prometheus {
  url: string;
  query(expr: string): Promise<Sample[]>;
  alerts(): Promise<Alert[]>;
  stop(): Promise<void>;
}

const BINARY = '/usr/bin/prometheus';
const START_TIMEOUT_MS = 20_000;

export async function startPrometheus(o: PrometheusOptions): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'kea-prom-'));
  writeFileSync(join(dir, 'rules.yml'), o.rules);
  const every = `${o.intervalS}s`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: ${every}, evaluation_interval: ${every}, scrape_timeout: ${every} }
rule_files: [rules.yml]
scrape_configs:
  - job_name: kea
    static_configs: [{ targets: ["${o.scrape}"] }]
`,
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

  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  }
  return {
    url,
    query: async (expr) => (await api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    alerts: async () => (await api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts,
    stop,
  };
}
