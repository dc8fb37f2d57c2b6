/** The fleet with statistics on: part 2's harness (bench/fleet.ts: the built exporter in its own
 * process, the fakes in another) with 1,000 fake Kea 3.0 kea-dhcp4 (test/support/fake-subnets.ts:
 * config-get and statistic-get-all shaped as the 3.0.4 captures, after traffic), status every
 * 5 s, statistics every 30 s; issue 16's goals, in two runs. Issue 16 describes this fleet as
 * "20 subnets and 2 pools each (60k+ statistics series)", but Kea 3.0 reports 13 statistics a
 * subnet and 6 a pool, so that shape is 534,598 series: part 2b runs the shape, part 2c the
 * series count (2 subnets and 2 pools each: 120,598 series, twice the one stated).
 *
 *   npx tsx bench/fleet-stats.ts      (alone, both runs; builds dist first; BENCH_CPU_PROF=<dir> profiles)
 */
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { statisticsText } from '../test/support/fake-subnets.js';
import { runFleet, type FleetOptions, type FleetResult } from './fleet.js';
import type { Row } from './report.js';
import { runAlone } from './stats-kea.js';

/** Warm-up past the first statistics round and its cold render; the window holds two rounds. */
export const FLEET_STATS_DEFAULTS = {
  daemons: 1000,
  warmupMs: 35_000,
  windowMs: 60_000,
  scrapes: 30,
  statistics: { subnets: 20, pools: 2, intervalS: 30 },
} as const satisfies FleetOptions;

/** Part 2c: the series count issue 16 states for this fleet (see the top of this file). */
export const FLEET_STATS_COUNTED = { ...FLEET_STATS_DEFAULTS, statistics: { ...FLEET_STATS_DEFAULTS.statistics, subnets: 2 } } as const satisfies FleetOptions;

export type FleetStatsOptions = typeof FLEET_STATS_DEFAULTS | typeof FLEET_STATS_COUNTED;

/** Issue 16's goals for this part. */
export const FLEET_STATS_GOALS = { cpuPercent: 20, rssMb: 300, renderP95Ms: 250 } as const;

export interface FleetStatsResult {
  options: FleetStatsOptions;
  fleet: FleetResult;
  /** One daemon's statistic-get-all as the fakes send it. */
  statisticGetAllBytes: number;
}

export async function runFleetStats(o: FleetStatsOptions = FLEET_STATS_DEFAULTS): Promise<FleetStatsResult> {
  const fleet = await runFleet(o);
  const now = Date.now();
  return { options: o, fleet, statisticGetAllBytes: Buffer.byteLength(statisticsText(o.statistics, 0, now, now - 600_000)) };
}

const within = (v: number, limit: number) => v <= limit;

/** The rows of one run; `prefix` names the run (fleet_stats: part 2b, fleet_stats_counted: 2c). */
export function fleetStatsRows(r: FleetStatsResult, prefix = 'fleet_stats'): Row[] {
  const f = r.fleet;
  const g = FLEET_STATS_GOALS;
  const st = r.options.statistics;
  const perMin = (c: string) => f.commandsPerMinuteByCommand[c] ?? 0;
  const statsExpected = Math.round((f.daemons * 60) / st.intervalS);
  const rows: Row[] = [
    { key: 'fleet_stats_cpu', value: f.cpuPercent, unit: '% of one core', goal: `<= ${g.cpuPercent}`, ok: within(f.cpuPercent, g.cpuPercent) },
    { key: 'fleet_stats_rss_max', value: f.rssMaxMb, unit: 'MB', goal: `<= ${g.rssMb}`, ok: within(f.rssMaxMb, g.rssMb) },
    { key: 'fleet_stats_render_p95', value: f.render.p95Ms, unit: 'ms', goal: `<= ${g.renderP95Ms}`, ok: within(f.render.p95Ms, g.renderP95Ms) },
    { key: 'fleet_stats_render_median', value: f.render.medianMs, unit: 'ms', goal: 'info' },
    { key: 'fleet_stats_scrapes_failed', value: f.render.failed, unit: `of ${f.render.scrapes + f.render.failed}`, goal: '= 0', ok: f.render.failed === 0 },
    { key: 'fleet_stats_render_cold', value: f.render.coldMs, unit: 'ms', goal: 'info (first complete scrape, its body written to a file)' },
    { key: 'fleet_stats_series', value: f.render.series, unit: 'series', goal: 'info' },
    { key: 'fleet_stats_body', value: f.render.bodyBytes, unit: 'bytes', goal: 'info' },
    { key: 'fleet_stats_statistic_get_all_bytes', value: r.statisticGetAllBytes, unit: 'bytes', goal: 'info (one daemon)' },
    { key: 'fleet_stats_status_get_per_min', value: perMin('status-get'), unit: '/min', goal: `~${(f.daemons * 60) / 5}` },
    {
      key: 'fleet_stats_statistic_get_all_per_min',
      value: perMin('statistic-get-all'),
      unit: '/min',
      goal: `~${statsExpected} (1 per daemon per ${st.intervalS} s)`,
      ok: Math.abs(perMin('statistic-get-all') - statsExpected) <= statsExpected * 0.1,
    },
    { key: 'fleet_stats_daemons_up', value: f.daemonsUp, unit: `of ${f.daemons}`, goal: `= ${f.daemons}`, ok: f.daemonsUp === f.daemons },
    {
      key: 'fleet_stats_daemons_with_statistics',
      value: f.daemonsWithStatistics,
      unit: `of ${f.daemons}`,
      goal: `= ${f.daemons}`,
      ok: f.daemonsWithStatistics === f.daemons,
    },
    {
      key: 'fleet_stats_max_open_conns_per_daemon_window',
      value: f.maxOpenPerFakeInWindow,
      unit: 'conn',
      goal: '<= 1',
      ok: f.maxOpenPerFakeInWindow <= 1,
    },
    { key: 'fleet_stats_warnings_window', value: f.warningsInWindow, unit: 'log lines', goal: '= 0', ok: f.warningsInWindow === 0 },
    { key: 'fleet_stats_warnings', value: f.warnings, unit: 'log lines', goal: 'info (whole run, start-up included)' },
    { key: 'fleet_stats_first_round', value: f.firstRoundMs, unit: 'ms', goal: 'info (all up, all with statistics)' },
  ];
  return prefix === 'fleet_stats' ? rows : rows.map((x) => ({ ...x, key: x.key.replace(/^fleet_stats/, prefix) }));
}

export function printFleetStats(r: FleetStatsResult, prefix?: string): Row[] {
  const rs = fleetStatsRows(r, prefix);
  for (const x of rs) console.log(`${x.key}: ${x.value} ${x.unit} (goal ${x.goal}${x.ok === false ? ', MISSED' : ''})`);
  const f = r.fleet;
  console.log(
    `Kea commands per minute: ${JSON.stringify(f.commandsPerMinuteByCommand)}; fleet child (not counted): CPU ${f.childCpuPercent}% of one core, RSS ${f.childRssMb} MB`,
  );
  return rs;
}

export function describeFleetStats(o: FleetStatsOptions = FLEET_STATS_DEFAULTS): string {
  const st = o.statistics;
  return (
    `fleet with statistics on: ${o.daemons} fake Kea 3.0 kea-dhcp4 of ${st.subnets} subnets x ${st.pools} pools, status every 5 s, ` +
    `statistics every ${st.intervalS} s; ${o.warmupMs / 1000} s warm-up, ${o.windowMs / 1000} s window`
  );
}

async function main(): Promise<void> {
  execSync('npm run --silent build', { stdio: 'inherit', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  console.log(`[2b] ${describeFleetStats()} ...`);
  printFleetStats(await runFleetStats());
  console.log(`[2c] ${describeFleetStats(FLEET_STATS_COUNTED)} ...`);
  printFleetStats(await runFleetStats(FLEET_STATS_COUNTED), 'fleet_stats_counted');
}

runAlone(import.meta.url, 'bench/fleet-stats.ts', 900, main);
