/** Parse cost alone: statistic-get-all of a 5,000-subnet server (50,000 statistics, pools
 * included) through parseStatistics, no I/O. Run: npx tsx bench/parse.ts. The unit test
 * (src/kea/statistics/parse.test.ts) checks the result and that each statistic is read once; the
 * time lives here, where a slow machine does not fail a test. */
import { performance } from 'node:perf_hooks';
import { parseStatistics } from '../src/kea/statistics/parse.js';
import { median, p95, round } from './stats.js';

/** Goal: a small share of the statistics poll interval (15 s by default). */
const GOAL_MS = 250;
const SUBNETS = 5000;
const STATS = ['total-addresses', 'assigned-addresses', 'declined-addresses', 'reclaimed-leases', 'cumulative-assigned-addresses'];

const args: Record<string, unknown> = {};
for (let i = 1; i <= SUBNETS; i++) {
  for (const s of STATS) {
    args[`subnet[${i}].${s}`] = [[i, '2026-11-21 03:13:24.552890']];
    args[`subnet[${i}].pool[0].${s}`] = [[i, '2026-11-21 03:13:24.552890']];
  }
}
const parsed = JSON.parse(JSON.stringify(args)) as unknown; // as the transport hands it over
parseStatistics(parsed); // warm up
const times: number[] = [];
let samples = 0;
for (let run = 0; run < 30; run++) {
  const t = performance.now();
  samples = parseStatistics(parsed).length;
  times.push(performance.now() - t);
}
const m = median(times);
console.log(
  `parseStatistics of ${samples} statistics: median ${round(m, 1)} ms p95 ${round(p95(times), 1)} ms (goal < ${GOAL_MS} ms: ${m < GOAL_MS ? 'met' : 'MISSED'})`,
);
