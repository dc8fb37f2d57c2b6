/** Part 1: per-command overhead of the exporter's path vs a minimal client, against a real Kea. */
import { performance } from 'node:perf_hooks';
import { expectSuccess } from '../src/kea/answer.js';
import { parseStatus } from '../src/kea/status.js';
import { CommandQueue } from '../src/queue/command-queue.js';
import { Endpoint } from '../src/endpoint/endpoint.js';
import { UnixTransport } from '../src/transport/unix.js';
import { rawCommand, rawStatusGet, startBigKea } from './stats-kea.js';
import { median, p95, round } from './stats.js';

export interface PathResult {
  n: number;
  medianMs: number;
  p95Ms: number;
  meanMs: number;
}

export interface OverheadResult {
  keaVersion: string;
  n: number;
  batch: number;
  raw: PathResult;
  exporter: PathResult;
  ratioMedian: number;
  ratioP95: number;
}

async function timed(fn: () => Promise<unknown>, count: number, into: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn();
    into.push(performance.now() - t0);
  }
}

const summary = (xs: number[]): PathResult => ({
  n: xs.length,
  medianMs: round(median(xs), 4),
  p95Ms: round(p95(xs), 4),
  meanMs: round(xs.reduce((a, b) => a + b, 0) / xs.length, 4),
});

export async function runOverhead(n = 2000, batch = 100, warmup = 300): Promise<OverheadResult> {
  // The same minimal real kea-dhcp4 as part 3, with a single subnet (WARN logging, no hooks).
  const kea = await startBigKea(1);
  const version = (JSON.parse((await rawCommand(kea.socket, 'version-get')).text) as { text?: string }).text ?? '?';
  try {
    // The exporter's own path: one queue (maxInFlight 1, like the default) in front of the transport.
    const transport = new UnixTransport(kea.socket, 64 * 1024 * 1024);
    const endpoint = new Endpoint(transport, new CommandQueue({ maxInFlight: 1, maxQueued: 100 }), undefined, 'bench');
    const viaExporter = async () => parseStatus(expectSuccess(await endpoint.command('status-get', 3000), 'status-get'));
    const viaRaw = () => rawStatusGet(kea.socket);

    await viaRaw(); // throws unless Kea answers result 0
    await timed(viaRaw, warmup, []);
    await timed(viaExporter, warmup, []);

    const raw: number[] = [];
    const exp: number[] = [];
    // ABBA order over batches so slow drift (caches, Kea state, CPU clocks) hits both alike.
    for (let b = 0; b < n / batch; b++) {
      if (b % 2 === 0) {
        await timed(viaRaw, batch, raw);
        await timed(viaExporter, batch, exp);
      } else {
        await timed(viaExporter, batch, exp);
        await timed(viaRaw, batch, raw);
      }
    }
    const r = summary(raw);
    const e = summary(exp);
    return {
      keaVersion: version,
      n,
      batch,
      raw: r,
      exporter: e,
      ratioMedian: round(e.medianMs / r.medianMs, 3),
      ratioP95: round(e.p95Ms / r.p95Ms, 3),
    };
  } finally {
    await kea.stop();
  }
}
