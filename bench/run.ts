/** npm run bench: per-command overhead against a real kea-dhcp4, then the exporter with 1,000
 * fake daemons, then the statistics of a 5,000-subnet kea-dhcp4, then the proxied command
 * endpoint against a real kea-dhcp4, then what OTLP export costs the 1,000-daemon exporter, then
 * the storm (issue 11) against a real kea-dhcp4, then what each dashboard panel query costs
 * Prometheus at 5,000 subnets, then how the statistics cost grows from 1,000 to 20,000 subnets; parts 2b and 2c: the fleet of
 * part 2 with statistics on (Kea 3.0 fakes of 20 subnets and 2 pools each, then of 2 and 2: the
 * shape issue 16 names, then its series count; see bench/fleet-stats.ts). Prints results vs goals and writes bench/results.json. */
import { execSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS_BENCH, printDashboards, runDashboardsBench } from './dashboards.js';
import { FLEET_DEFAULTS, runFleet } from './fleet.js';
import { describeFleetStats, FLEET_STATS_COUNTED, printFleetStats, runFleetStats } from './fleet-stats.js';
import { GROWTH_BENCH, printGrowth, runGrowth } from './growth.js';
import { OTEL_DEFAULTS, printOtel, runOtel } from './otel.js';
import { runOverhead } from './overhead.js';
import { PROXY_DEFAULTS, runProxy } from './proxy.js';
import { print, writeJson, type Env } from './report.js';
import { runStatistics, STATISTICS_DEFAULTS } from './stats.js';
import { printStorm, runStormBench, STORM_BENCH } from './storm.js';
import { STORM_NOFILE } from '../test/support/storm/run.js';

const WATCHDOG_MS = 2_000_000; // part 6's two storms are bounded at ~6 min together; part 7 takes ~2.5 min, part 8 ~2, parts 2b and 2c up to ~4 each
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${WATCHDOG_MS / 1000} s, giving up`);
  process.exit(2); // the 'exit' hooks kill Kea and the fleet child
}, WATCHDOG_MS);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

const env: Env = {
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? '?',
  ulimitN: execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim(),
  date: new Date().toISOString(),
};
console.log(`kea-telemetry bench: node ${env.node}, ${env.cpus} CPUs (${env.cpuModel}), ulimit -n ${env.ulimitN}`);

console.log('\n[1/8] per-command overhead: 2000 status-get raw vs exporter path, real kea-dhcp4 ...');
const overhead = await runOverhead(2000, 100, 300);
console.log(
  `  kea ${overhead.keaVersion}: raw median ${overhead.raw.medianMs} ms p95 ${overhead.raw.p95Ms} ms; ` +
    `exporter median ${overhead.exporter.medianMs} ms p95 ${overhead.exporter.p95Ms} ms; ratio ${overhead.ratioMedian} (p95 ${overhead.ratioP95})`,
);

// Parts 2 to 6 and 8 run the built exporter (dist/cli.js): build it once, before them.
execSync('npm run --silent build', { stdio: 'inherit' });
console.log('\n[2/8] fleet: 1000 fake daemons in one child process, the built exporter (node dist/cli.js) in another; 10 s warm-up, 60 s window ...');
const fleet = await runFleet(FLEET_DEFAULTS);
console.log(`  fakes up in ${fleet.fakeStartMs} ms, config parsed in ${fleet.configParseMs} ms, first poll round ${fleet.firstRoundMs} ms`);

console.log(`\n[2b/8] ${describeFleetStats()} ...`);
const fleetStats = await runFleetStats();
console.log(`\n[2c/8] ${describeFleetStats(FLEET_STATS_COUNTED)} ...`);
const fleetStatsCounted = await runFleetStats(FLEET_STATS_COUNTED);
const fleetStatsRows = [...printFleetStats(fleetStats), ...printFleetStats(fleetStatsCounted, 'fleet_stats_counted')];

const so = STATISTICS_DEFAULTS;
console.log(
  `\n[3/8] statistics: real kea-dhcp4 with ${so.subnets} subnets behind a counting proxy, the built exporter ` +
    `(statistics every ${so.statisticsIntervalS} s); ${so.scrapes} scrapes, then ${so.quietPolls} statistics polls without scrapes ...`,
);
const statistics = await runStatistics(so);
console.log(
  `  statistics on /metrics ${statistics.firstStatisticsMs} ms after spawn; scrape window ${statistics.scrapeWindow.seconds} s, ` +
    `quiet window ${statistics.quietWindow.seconds} s`,
);

const po = PROXY_DEFAULTS;
console.log(
  `\n[4/8] proxy: real kea-dhcp4, ${po.n} sequential status-get raw, then through the built exporter's POST /targets/<name>/ ` +
    `over HTTP keep-alive (1 and ${po.concurrency} clients; plain-secret user, then bearer token) ...`,
);
const proxy = await runProxy(po);
console.log(
  `  raw ${proxy.raw.both.perSecond}/s; proxy (plain secret) ${proxy.basic.sequential.perSecond}/s sequential, ` +
    `${proxy.basic.concurrent.perSecond}/s with ${po.concurrency} clients; proxy (token) ${proxy.bearer.sequential.perSecond}/s, ${proxy.bearer.concurrent.perSecond}/s`,
);

const oo = OTEL_DEFAULTS;
console.log(
  `\n[5/8] OTLP cost: ${oo.daemons} fake daemons as in part 2, OTLP every ${oo.intervalS} s to a sink; runs with OTel off, ` +
    `metrics + traces, metrics only, traces of 1 poll in ${Math.round(1 / oo.sampleRatio)}; ${oo.windowMs / 1000} s windows ...`,
);
const otel = await runOtel(oo);
const otelRows = printOtel(otel);

const so6 = STORM_BENCH;
console.log(
  `\n[6/8] storm: real kea-dhcp4, the built exporter; ${so6.proxied} proxied, ${so6.probes} /probe, ${so6.scrapes} /metrics, ` +
    `${so6.halfOpen} half-open at once; at the inherited open-files limit, then at ${STORM_NOFILE} ...`,
);
const storm = await runStormBench(so6);
const stormRows = printStorm(storm);

const do7 = DASHBOARDS_BENCH;
console.log(
  `\n[7/8] dashboards: every panel query on a real kea-dhcp4 with 5,000 subnets, scraped by a real Prometheus for ${do7.dataS} s; ` +
    `Prometheus' evaluation time, instant and over each dashboard's default range ...`,
);
const dashboards = await runDashboardsBench(do7);
const dashboardRows = printDashboards(dashboards);

const go8 = GROWTH_BENCH;
console.log(
  `\n[8/8] growth: real kea-dhcp4 at ${go8.sizes.join(' / ')} subnets behind the counting proxy, the built exporter; ` +
    `exporter CPU per statistics poll (median of ${go8.polls}) and RSS, JSON.parse of the same answer ...`,
);
const growth = await runGrowth(go8);
const growthRows = printGrowth(growth);

const rs = [...print(overhead, fleet, statistics, proxy, env), ...fleetStatsRows, ...otelRows, ...stormRows, ...dashboardRows, ...growthRows];
for (const r of [...fleetStatsRows, ...otelRows, ...stormRows, ...dashboardRows, ...growthRows])
  console.log(`${r.key}: ${r.value} ${r.unit} (goal ${r.goal}${r.ok === false ? ', MISSED' : ''})`);
const file = fileURLToPath(new URL('./results.json', import.meta.url));
writeJson(file, overhead, fleet, statistics, proxy, env, rs, { fleetStats, fleetStatsCounted, otel, storm, dashboards, growth });
console.log(`\nwritten ${file}`);
process.exit(0);
