/** Heap held per statistics series, no I/O: N fake Kea 3.0 kea-dhcp4 (20 subnets and 2 pools
 * each, test/support/fake-subnets.ts, as the fleet with statistics on of part 2b) read by the
 * shipped path (StatisticsTextReader, parseSubnets, the statistics collector, the series store),
 * two polls and two scrapes each; heap and buffers after a full collection, per series.
 * Not part of `npm run bench`. Run: npx tsx bench/series-memory.ts [daemons, default 200] */
import { StatisticsTextReader } from '../src/kea/statistics/statistics-text.js';
import { parseSubnets } from '../src/kea/statistics/subnets.js';
import { PrometheusRenderer } from '../src/render/prometheus/registry.js';
import { statisticsCollector } from '../src/render/prometheus/statistics.js';
import { statisticsText, subnetsDaemon } from '../test/support/fake-subnets.js';
import { memoryAfterGc } from '../test/support/heap.js';

const daemons = Number(process.argv[2] ?? 200);
const shape = { subnets: 20, pools: 2 };
const collectors = [statisticsCollector('default')];
const renderer = new PrometheusRenderer({ version: 'bench', processMetrics: false }, [], collectors[0]!.metrics);
const fleet = Array.from({ length: daemons }, (_, i) => {
  const config = subnetsDaemon(i, shape, false).base({ command: 'config-get' }) as { arguments: unknown };
  return { i, subnets: parseSubnets(config.arguments), reader: new StatisticsTextReader() };
});
const startedAt = Date.now() - 600_000;
const before = memoryAfterGc();
let bytes = 0;
for (let round = 0; round < 2; round++) {
  for (const d of fleet) {
    const { statistics } = d.reader.read(statisticsText(shape, d.i, Date.now() + round * 30_000, startedAt), false, 'bench');
    const snapshot = {
      target: `kea-${d.i}`,
      daemon: 'dhcp4',
      labels: {},
      up: true,
      polledAt: Date.now(),
      pollDurationSeconds: 0.01,
      statistics,
      subnets: d.subnets,
      dropped: 0,
      errors: {},
    } as const;
    renderer.update(`kea-${d.i}`, snapshot, collectors);
  }
  bytes = (await renderer.renderChunks(false)).length;
}
const after = memoryAfterGc();
// Series: one per sample line of the body (every family here is a gauge or a counter).
const { body } = await renderer.render(false);
let series = 0;
for (let i = body.indexOf('\nkea_'); i >= 0; i = body.indexOf('\nkea_', i + 1)) series++;
const per = (a: number, b: number): string => `${Math.round((a - b) / series)} bytes`;
console.log(`${daemons} daemons, ${series} series, /metrics ${(bytes / 1e6).toFixed(1)} MB`);
console.log(
  `heap per series: ${per(after.heapUsed, before.heapUsed)}; array buffers per series (the cached body among them): ${per(after.arrayBuffers, before.arrayBuffers)}`,
);
