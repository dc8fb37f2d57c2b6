/** Render cost alone: 1,000 daemons' snapshots (half HA) in the Prometheus renderer, no I/O.
 * Run: npx tsx bench/render.ts (part of npm run bench's story, quick to iterate on). */
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { parseStatus } from '../src/kea/status.js';
import { PrometheusRenderer } from '../src/render/prometheus/registry.js';
import type { DaemonSnapshot } from '../src/snapshot.js';
import { median, p95, round } from './stats.js';

const args = (name: string) => (JSON.parse(readFileSync(new URL(`../test/fixtures/kea/2.2.0/${name}.json`, import.meta.url), 'utf8')) as { arguments: unknown }).arguments;
const ha = parseStatus(args('dhcp4-ha-primary.status-get'));
const plain = parseStatus(args('dhcp4-mt-after-load.status-get'));

export function fleetSnapshots(n: number, tick: number): [string, DaemonSnapshot][] {
  return Array.from({ length: n }, (_, i) => {
    const status = i % 2 === 0 ? ha : plain;
    const s: DaemonSnapshot = {
      target: `kea-${i}`, daemon: 'dhcp4', labels: {}, transport: 'unix', up: true,
      status: { ...status, uptime: status.uptime + tick, reload: status.reload + tick },
      version: '2.2.0', startTime: 1_800_000_000, configHash: { hash: 'A'.repeat(64), source: 'computed' },
      lastConfigChangeAt: 1_800_000_000_000, configChanges: 0, haTransitions: {}, commandErrors: {},
      polledAt: Date.now(), lastSuccessAt: Date.now(), pollDurationSeconds: 0.0004,
    };
    return [`kea-${i}|self`, s];
  });
}

const r = new PrometheusRenderer([], { version: 'bench' });
const updates: number[] = [];
const renders: number[] = [];
for (let round_ = 0; round_ < 30; round_++) {
  let t = performance.now();
  for (const [k, s] of fleetSnapshots(1000, round_)) r.update(k, s);
  updates.push(performance.now() - t);
  t = performance.now();
  const { body } = await r.render(false);
  renders.push(performance.now() - t);
  if (round_ === 0) console.log(`body ${body.length} bytes, ${body.split('\n').filter((l) => l && !l.startsWith('#')).length} series`);
}
console.log(`update of 1000 daemons: median ${round(median(updates), 1)} ms; render: median ${round(median(renders), 1)} ms p95 ${round(p95(renders), 1)} ms`);
console.log(`heap used ${round(process.memoryUsage().heapUsed / 2 ** 20, 1)} MB, rss ${round(process.memoryUsage().rss / 2 ** 20, 1)} MB`);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  console.log(`after gc: heap used ${round(process.memoryUsage().heapUsed / 2 ** 20, 1)} MB`);
}
