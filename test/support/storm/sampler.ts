/** What the storm watches while it runs: /metrics on a dedicated keep-alive connection (what a
 * Prometheus scraping during the storm reads: kea_up and the latency), and the exporter's RSS
 * and descriptors from /proc. */
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { KEA_UP } from '../../../src/render/prometheus/daemon.js';
import { openFds, rssBytes } from './exporter-process.js';

/** The values of kea_up for `target` in an exposition (one per daemon of the target). */
export function keaUpValues(body: string, target: string): number[] {
  const out: number[] = [];
  const label = `target="${target}"`;
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${KEA_UP}{`) || !line.includes(label)) continue;
    out.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

export interface UpSample {
  /** ms since the sampler started. */
  at: number;
  /** Request to last byte. */
  ms: number;
  status?: number;
  /** kea_up of the target in this sample (undefined: no 200, or the series is absent). */
  up?: number[];
  error?: string;
}

/** GET /metrics every `everyMs` (start to start; back to back when one takes longer) on one
 * connection, reopened by undici when the exporter closes it. */
export class UpSampler {
  readonly samples: UpSample[] = [];
  private readonly client: Client;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private t0 = 0;

  constructor(
    origin: string,
    private readonly target: string,
    private readonly everyMs: number,
    /** Called with each body, to look for secrets (bodies are not kept). */
    private readonly inspect: (body: string) => void,
    timeoutMs: number,
  ) {
    this.client = new Client(origin, { pipelining: 1, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  start(): void {
    this.t0 = performance.now();
    this.loop = this.run();
  }

  async stop(): Promise<UpSample[]> {
    this.stopped = true;
    await this.loop;
    await this.client.close().catch(() => this.client.destroy());
    return this.samples;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const start = performance.now();
      this.samples.push(await this.one(start));
      const wait = this.everyMs - (performance.now() - start);
      if (wait > 0 && !this.stopped) await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async one(start: number): Promise<UpSample> {
    const at = Math.round(start - this.t0);
    try {
      const res = await this.client.request({ path: '/metrics', method: 'GET' });
      const body = await res.body.text();
      this.inspect(body);
      const ms = performance.now() - start;
      if (res.statusCode !== 200) return { at, ms, status: res.statusCode };
      const up = keaUpValues(body, this.target);
      return { at, ms, status: 200, ...(up.length > 0 && { up }) };
    } catch (err) {
      return { at, ms: performance.now() - start, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
    }
  }
}

/** The exporter's VmRSS and open descriptors every `everyMs`: the maximum of each. */
export class ProcSampler {
  rssMax = 0;
  fdsMax = 0;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: number) {}

  start(everyMs: number): void {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.take();
  }

  private take(): void {
    const rss = rssBytes(this.pid);
    const fds = openFds(this.pid);
    if (rss === undefined) return;
    this.samples++;
    this.rssMax = Math.max(this.rssMax, rss);
    if (fds !== undefined) this.fdsMax = Math.max(this.fdsMax, fds);
  }
}
