/**
 * Part 7 of npm run bench: what each dashboard panel query costs Prometheus at 5,000 subnets.
 * The lab of the scale test (test/support/scale-lab.ts: real kea-dhcp4 3.0 with 5,000 subnets and
 * 50 shared networks, the exporter, a real Prometheus scraping every 2 s while leases change),
 * `dataS` seconds of data, then every panel query of dashboards/grafana/*.json (All selected) as
 * Grafana sends it: instant, and as a range query over its dashboard's default range (6 h, 3 h)
 * with Grafana's variables for that range. Prometheus' own timings (`stats=all`: evalTotalTime),
 * the median of `repeats` runs. The range holds only the data there is (`dataS`), not 6 hours.
 *
 *   npm run bench:dashboards      (this part alone)
 */
import { substituteVariables } from '../dashboards/src/queries.js';
import { dashboardQueries, queryName } from '../test/support/dashboard-queries.js';
import { startScaleLab } from '../test/support/scale-lab.js';
import type { QueryAt } from '../test/support/prometheus.js';
import type { Row } from './report.js';
import { median, round, table } from './stats.js';
import { runAlone } from './stats-kea.js';

export interface DashboardsBenchOptions {
  /** Seconds of scraped data before the queries. */
  dataS: number;
  repeats: number;
  /** What a wide Grafana panel asks for (its width in pixels), and the data source's scrape interval. */
  maxDataPoints: number;
  grafanaScrapeS: number;
}

export const DASHBOARDS_BENCH: DashboardsBenchOptions = { dataS: 120, repeats: 3, maxDataPoints: 1000, grafanaScrapeS: 15 };
/** The issue's goals: each query evaluates in under a second and draws at most 50 series. */
const GOAL_MS = 1000;
const GOAL_SERIES = 50;

export interface QueryCost {
  name: string;
  series: { instant: number; range: number };
  /** evalTotalTime, ms (median of the repeats). */
  evalMs: { instant: number; range: number };
  peakSamples: { instant: number; range: number };
  /** The dashboard range and step it was asked over; instant: a table or bar gauge, asked at one instant only. */
  range: { seconds: number; stepS: number } | 'instant';
}

export interface DashboardsBenchResult {
  subnets: number;
  version: string;
  dataS: number;
  queries: QueryCost[];
}

const NICE_S = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600];

/** Grafana's interval variables for a range: $__interval is range / maxDataPoints rounded to a
 * nice step, at least the scrape interval; $__rate_interval max($__interval + scrape, 4 × scrape). */
export function grafanaVariables(rangeS: number, o: DashboardsBenchOptions): { vars: Record<string, string>; stepS: number } {
  const raw = rangeS / o.maxDataPoints;
  const step = Math.max(
    o.grafanaScrapeS,
    NICE_S.reduce((a, b) => (Math.abs(b - raw) < Math.abs(a - raw) ? b : a)),
  );
  const rate = Math.max(step + o.grafanaScrapeS, 4 * o.grafanaScrapeS);
  const both = (name: string, s: number) => ({ [name]: `${s}s`, [`${name}_ms`]: String(s * 1000) });
  return { vars: { ...both('__interval', step), ...both('__rate_interval', rate), ...both('__range', rangeS), __range_s: String(rangeS) }, stepS: step };
}

export async function runDashboardsBench(o: DashboardsBenchOptions = DASHBOARDS_BENCH): Promise<DashboardsBenchResult> {
  const lab = await startScaleLab();
  try {
    await lab.accumulate(o.dataS);
    const end = Math.floor(Date.now() / 1000);
    const queries: QueryCost[] = [];
    for (const q of dashboardQueries()) {
      const { vars, stepS } = grafanaVariables(q.rangeS, o);
      const expr = substituteVariables(q.expr, vars);
      const measure = async (at: QueryAt) => {
        const runs = [];
        for (let i = 0; i < o.repeats; i++) runs.push(await lab.prom.queryStats(expr, at));
        return { series: runs[0]!.series, ms: median(runs.map((r) => r.stats.timings.evalTotalTime * 1000)), peak: runs[0]!.stats.samples.peakSamples };
      };
      const instant = await measure({ time: end });
      // Tables and bar gauges: Grafana asks them at one instant only.
      const range = q.instant ? instant : await measure({ start: end - q.rangeS, end, stepS });
      queries.push({
        name: queryName(q).replace(/^kea-telemetry-/, ''),
        series: { instant: instant.series, range: range.series },
        evalMs: { instant: round(instant.ms, 2), range: round(range.ms, 2) },
        peakSamples: { instant: instant.peak, range: range.peak },
        range: q.instant ? 'instant' : { seconds: q.rangeS, stepS },
      });
    }
    return { subnets: lab.subnets, version: lab.version, dataS: end - lab.since, queries };
  } finally {
    await lab.stop();
  }
}

const slowest = (r: DashboardsBenchResult) =>
  [...r.queries].sort((a, b) => Math.max(b.evalMs.instant, b.evalMs.range) - Math.max(a.evalMs.instant, a.evalMs.range));

/** Every query's line, the slowest five and the maxima; the summary rows of results.json. */
export function printDashboards(r: DashboardsBenchResult): Row[] {
  const line = (q: QueryCost) => [
    q.name,
    String(q.series.instant),
    q.evalMs.instant.toFixed(2),
    String(q.series.range),
    q.evalMs.range.toFixed(2),
    q.range === 'instant' ? 'instant only' : `${q.range.seconds / 3600} h / ${q.range.stepS} s`,
    String(q.peakSamples.range),
  ];
  const head = ['query', 'series', 'instant ms', 'range series', 'range ms', 'range / step', 'range peak samples'];
  console.log(table([head, ...r.queries.map(line)]));
  console.log(`\n  slowest five (Kea ${r.version}, ${r.subnets} subnets, ${r.dataS} s of data):`);
  console.log(table([head, ...slowest(r).slice(0, 5).map(line)]));
  const maxOf = (pick: (q: QueryCost) => number) => r.queries.reduce((a, q) => (pick(q) > pick(a) ? q : a));
  const inst = maxOf((q) => q.evalMs.instant);
  const range = maxOf((q) => q.evalMs.range);
  const series = maxOf((q) => Math.max(q.series.instant, q.series.range));
  const seriesMax = Math.max(series.series.instant, series.series.range);
  console.log(
    `  max instant ${inst.evalMs.instant} ms (${inst.name}); max range ${range.evalMs.range} ms (${range.name}); most series ${seriesMax} (${series.name})`,
  );
  return [
    { key: 'dashboards_query_eval_instant_max', value: inst.evalMs.instant, unit: 'ms', goal: `< ${GOAL_MS}`, ok: inst.evalMs.instant < GOAL_MS },
    { key: 'dashboards_query_eval_range_max', value: range.evalMs.range, unit: 'ms', goal: `< ${GOAL_MS}`, ok: range.evalMs.range < GOAL_MS },
    { key: 'dashboards_query_series_max', value: seriesMax, unit: 'series', goal: `<= ${GOAL_SERIES}`, ok: seriesMax <= GOAL_SERIES },
  ];
}

async function main(): Promise<void> {
  const o = DASHBOARDS_BENCH;
  console.log(`[7] dashboards: every panel query on the 5,000-subnet lab, ${o.dataS} s of data, instant and over the dashboard's range ...`);
  for (const row of printDashboards(await runDashboardsBench(o)))
    console.log(`${row.key}: ${row.value} ${row.unit} (goal ${row.goal}${row.ok ? '' : ', MISSED'})`);
}

runAlone(import.meta.url, 'bench/dashboards.ts', 600, main);
