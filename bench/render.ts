/** Render cost, no I/O: issue 13's two ways of rendering Kea's series, measured in one run on the
 * same snapshots. (a) prom-client metric objects through its public API (bench/render-promclient.ts);
 * (b) the shipped renderer: values held per family, family text written from them
 * (src/render/prometheus/series-store.ts). For a 1,000-daemon fleet and for 50,000 statistics
 * series: cost of one poll's update, of a scrape after it (OpenMetrics, which Prometheus asks for
 * first, and the text format, each after a poll of its own), of a scrape with nothing changed, the
 * heap allocated by each, and the heap each renderer holds. Ratios are (a)/(b). Rounds alternate
 * which renderer goes first; medians. Also the OTLP producer's cost per export (it runs the
 * collectors on the snapshots). Run: npx tsx bench/render.ts (it restarts itself with --expose-gc
 * and a young generation large enough that no collection falls inside a measured step). */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { OwnMetrics } from '../src/render/prometheus/own-metrics.js';
import { BUILD_INFO, COLLECTORS, INVALID_SAMPLES, PrometheusRenderer } from '../src/render/prometheus/registry.js';
import { SnapshotSeriesProducer } from '../src/render/otel/producer.js';
import { PromClientRenderer } from './render-promclient.js';
import { fleet, statistics, statisticsOf, type Owner, type Workload } from './render-workloads.js';
import { median, round, table } from './stats.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const flags = ['--expose-gc', '--no-flush-bytecode', '--min-semi-space-size=256', '--max-semi-space-size=256'];
  const r = spawnSync(process.execPath, [...flags, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const collect = gc;

interface Candidate {
  update(owners: readonly Owner[]): void;
  /** The body's chunks as the server sends them (not joined): Kea's families, then the
   * exporter's own metrics (the same prom-client registry in both). */
  scrape(openMetrics: boolean): Promise<Buffer[]>;
}

function optionA(): Candidate {
  const defs = [...COLLECTORS.flatMap((c) => c.metrics), ...statistics.metrics];
  const r = new PromClientRenderer(['site'], defs);
  const own = new OwnMetrics();
  own
    .gauge(BUILD_INFO, 'Version of kea-telemetry and of Node.js it runs on (always 1).', ['version', 'nodejs_version'])
    .set({ version: 'bench', nodejs_version: process.versions.node }, 1);
  own.counter(
    INVALID_SAMPLES,
    'Samples left out because their value cannot be exported (a negative or non-finite counter, a value that is no number); a counter that went down is a reset, not counted here.',
    ['target', 'daemon'],
  );
  return {
    update: (owners) => owners.forEach(([k, s, c]) => r.update(k, s, c)),
    scrape: async (om) => [...(await r.renderChunks(om)), Buffer.from(om ? `${await own.openMetrics()}\n# EOF\n` : await own.text())],
  };
}

function optionB(): Candidate & { renderer: PrometheusRenderer } {
  const r = new PrometheusRenderer({ version: 'bench', processMetrics: false }, COLLECTORS, statistics.metrics);
  return {
    renderer: r,
    update: (owners) => owners.forEach(([k, s, c]) => r.update(k, s, c)),
    scrape: async (om) => (await r.renderChunks(om)).chunks,
  };
}

/** Time (ms) and heap allocated (bytes) by one step, after a full collection. */
async function measure(step: () => unknown): Promise<{ ms: number; bytes: number }> {
  collect();
  const before = v8.getHeapStatistics().used_heap_size;
  const t = performance.now();
  await step();
  const ms = performance.now() - t;
  return { ms, bytes: v8.getHeapStatistics().used_heap_size - before };
}

/** Heap a renderer holds once fed and scraped in both formats (its caches full). The snapshots
 * are made before: the exporter holds them anyway (pollers, statistics), (b) only points to them. */
async function held(make: () => Candidate, w: Workload): Promise<number> {
  const owners = w.poll(1, true);
  collect();
  const before = v8.getHeapStatistics().used_heap_size;
  const c = make();
  c.update(owners);
  await c.scrape(true);
  await c.scrape(false);
  collect();
  const bytes = v8.getHeapStatistics().used_heap_size - before;
  void [c, owners]; // kept alive until measured
  return bytes;
}

const STEPS = [
  'update, values moved',
  'update, nothing moved',
  'scrape after poll, OpenMetrics',
  'scrape after poll, text',
  'scrape, nothing changed',
] as const;
type Step = (typeof STEPS)[number];
type Samples = Record<Step, { ms: number[]; bytes: number[] }>;

async function run(w: Workload, rounds: number): Promise<string[][]> {
  const a = optionA();
  const b = optionB();
  const samples = { a: fresh(), b: fresh() };
  for (let r = 1; r <= rounds; r++) {
    const order = r % 2 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    const busy1 = w.poll(2 * r, true);
    const busy2 = w.poll(2 * r + 1, true);
    const quiet = w.poll(2 * r + 1, true);
    const bodies: Record<'a' | 'b', Buffer[]> = { a: [], b: [] };
    for (const name of order) {
      const c = name === 'a' ? a : b;
      const s = samples[name];
      const note = (step: Step, m: { ms: number; bytes: number }) => (s[step].ms.push(m.ms), s[step].bytes.push(m.bytes));
      note('update, values moved', await measure(() => c.update(busy1)));
      let body: Buffer[] = [];
      note('scrape after poll, OpenMetrics', await measure(async () => (body = await c.scrape(true))));
      bodies[name].push(Buffer.concat(body));
      note('update, values moved', await measure(() => c.update(busy2)));
      note('scrape after poll, text', await measure(async () => (body = await c.scrape(false))));
      bodies[name].push(Buffer.concat(body));
      note('update, nothing moved', await measure(() => c.update(quiet)));
      note('scrape, nothing changed', await measure(async () => (body = await c.scrape(false))));
      bodies[name].push(Buffer.concat(body));
    }
    // Same snapshots, same bytes: what is compared is how, not what.
    bodies.a.forEach((x, i) => {
      if (!x.equals(bodies.b[i]!)) throw new Error(`${w.name}: (a) and (b) rendered different bodies (round ${r}, body ${i})`);
    });
  }
  const rows: string[][] = [];
  const ratio = (x: number, y: number) => (y > 0 ? `${round(x / y, 1)}x` : '-');
  for (const step of STEPS) {
    const [ams, bms] = [median(samples.a[step].ms), median(samples.b[step].ms)];
    const [aMb, bMb] = [median(samples.a[step].bytes) / 2 ** 20, median(samples.b[step].bytes) / 2 ** 20];
    rows.push([w.name, step, `${round(ams, 2)} ms`, `${round(bms, 2)} ms`, ratio(ams, bms), `${round(aMb, 2)} MB`, `${round(bMb, 2)} MB`, ratio(aMb, bMb)]);
  }
  const [ha, hb] = [await held(optionA, w), await held(optionB, w)];
  rows.push([w.name, 'heap held', '', '', '', `${round(ha / 2 ** 20, 1)} MB`, `${round(hb / 2 ** 20, 1)} MB`, ratio(ha, hb)]);
  return rows;
}

function fresh(): Samples {
  return Object.fromEntries(STEPS.map((s) => [s, { ms: [], bytes: [] }])) as unknown as Samples;
}

/** What a change of label names costs (a): every family declared again and refilled. (b) has no
 * such step: label names come with each snapshot. */
async function relabelCost(w: Workload): Promise<number> {
  const r = new PromClientRenderer(['site'], [...COLLECTORS.flatMap((c) => c.metrics), ...statistics.metrics]);
  for (const [k, s, c] of w.poll(1, true)) r.update(k, s, c);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push((await measure(() => r.relabel(i % 2 ? ['site'] : ['site', 'rack']))).ms);
  return median(times);
}

async function otlpCost(w: Workload): Promise<{ ms: number; points: number }> {
  const b = optionB();
  b.update(w.poll(1, true));
  const producer = new SnapshotSeriesProducer(b.renderer, { name: 'bench', version: 'bench' });
  const times: number[] = [];
  let points = 0;
  for (let i = 0; i < 5; i++) {
    times.push(
      (
        await measure(async () => {
          const { resourceMetrics } = await producer.collect();
          points = resourceMetrics.scopeMetrics[0]!.metrics.reduce((n, m) => n + m.dataPoints.length, 0);
        })
      ).ms,
    );
  }
  return { ms: median(times), points };
}

const workloads = [fleet(1000), statisticsOf(50_000)];
const promClient = (JSON.parse(readFileSync(new URL('../node_modules/prom-client/package.json', import.meta.url), 'utf8')) as { version: string }).version;
console.log(`render bench: node ${process.version}; (a) prom-client ${promClient} public API, (b) the shipped renderer`);
const rows: string[][] = [['workload', 'step', '(a) time', '(b) time', 'a/b', '(a) alloc', '(b) alloc', 'a/b']];
for (const w of workloads) rows.push(...(await run(w, w.name.includes('statistics') ? 8 : 15)));
console.log(table(rows));
for (const w of workloads) {
  const otlp = await otlpCost(w);
  console.log(
    `${w.name}: (a) relabel ${round(await relabelCost(w), 1)} ms (b: no such step); OTLP collect from snapshots ${round(otlp.ms, 1)} ms for ${otlp.points} points`,
  );
}
