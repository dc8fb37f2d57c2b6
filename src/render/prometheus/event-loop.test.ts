import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import client from 'prom-client';
import { replaceEventLoopGauges } from './event-loop.js';
import { OwnMetrics } from './own-metrics.js';

/** Holds the event loop for `ms`. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** The event-loop gauges of one scrape: name (less `nodejs_eventloop_lag`) -> value. */
async function lag(metrics: () => Promise<string>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of (await metrics()).matchAll(/^nodejs_eventloop_lag(\S*) (\S+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Equal to HDR's 3 significant digits. */
function near(actual: number | undefined, expected: number): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= expected / 500, `${actual} is not ${expected}`);
}

function processMetrics(): OwnMetrics {
  const own = new OwnMetrics();
  own.collectProcessMetrics();
  return own;
}

test("the event-loop gauges are prom-client's names less the standard deviation, in one family each", async () => {
  const text = await processMetrics().text();
  const names = [...text.matchAll(/^# TYPE (nodejs_eventloop_lag\S*) gauge$/gm)].map((m) => m[1]);
  const suffixes = ['_seconds', '_min_seconds', '_max_seconds', '_mean_seconds', '_p50_seconds', '_p90_seconds', '_p99_seconds'];
  assert.deepEqual(
    names,
    suffixes.map((s) => `nodejs_eventloop_lag${s}`),
  );
  assert.doesNotMatch(text, /stddev/);
});

test('the delay gauges read the histogram in seconds and reset it: each scrape covers the time since the last', async () => {
  // A histogram the test records into (Node's delay histogram misses many stalls on its own).
  const histogram = createHistogram();
  const registry = new client.Registry();
  replaceEventLoopGauges(registry, histogram);
  const scrape = () => lag(() => registry.metrics());
  for (const ms of [1, 2, 3, 4, 500]) histogram.record(ms * 1e6);
  const stalled = await scrape();
  near(stalled._min_seconds, 0.001);
  near(stalled._max_seconds, 0.5);
  near(stalled._mean_seconds, 0.102);
  near(stalled._p50_seconds, 0.003);
  near(stalled._p99_seconds, 0.5);
  assert.equal(histogram.count, 0, 'reset by the scrape');
  histogram.record(7e6);
  const next = await scrape();
  near(next._min_seconds, 0.007);
  near(next._max_seconds, 0.007);
});

test('a scrape with no sample since the last keeps the values: no 2^63 ns minimum, no NaN mean', async () => {
  const histogram = createHistogram();
  const registry = new client.Registry();
  replaceEventLoopGauges(registry, histogram);
  const scrape = () => lag(() => registry.metrics());
  histogram.record(2e6);
  const first = await scrape();
  const second = await scrape();
  for (const [name, v] of Object.entries(second)) assert.ok(Number.isFinite(v) && v < 1, `${name} = ${v}`);
  assert.deepEqual(second, { ...first, _seconds: second._seconds });
});

test('in the process metrics the delay gauges follow the loop: samples from the 10 ms histogram, finite', async () => {
  const own = processMetrics();
  await sleep(100);
  const seen = await lag(() => own.text());
  assert.ok(seen._max_seconds! >= 0.005 && seen._max_seconds! < 60, `max ${seen._max_seconds}`);
  // Only microtasks between two scrapes: the histogram's timer cannot record a sample.
  for (const [name, v] of Object.entries(await lag(() => own.text()))) assert.ok(Number.isFinite(v) && v < 60, `${name} = ${v}`);
});

test("the lag gauge is one setImmediate's delay, started by the previous scrape", async () => {
  const own = processMetrics();
  await own.text();
  block(300);
  await sleep(10);
  const seen = await lag(() => own.text());
  assert.ok(seen._seconds! >= 0.29, `lag ${seen._seconds}`);
});
