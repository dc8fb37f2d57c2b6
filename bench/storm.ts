/** Part 6: issue 11's storm against one real kea-dhcp4 2.2 (test/support/storm: the same code
 * as test/integration/storm.test.ts), with the built exporter (node dist/cli.js): 2,000 proxied
 * commands, 2,000 /probe, 2,000 /metrics and 1,000 half-open connections at once, once at the
 * inherited open-files limit and once at 1,024. Requests answered and refused by status, RSS
 * max, /metrics latency on a dedicated connection during the storm, the most connections Kea
 * saw, kea_up samples, and the storm test's checks.
 *
 *   npx tsx bench/storm.ts      (part 6 alone; builds dist first, updates bench/results.json)
 */
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RSS_CEILING_MB, stormChecks } from '../test/support/storm/checks.js';
import { stormReport } from '../test/support/storm/report.js';
import { runStorm, STORM_DEFAULTS, STORM_NOFILE, type StormOptions } from '../test/support/storm/run.js';
import type { StormResult } from '../test/support/storm/summary.js';
import { updateResults, type Row } from './report.js';
import { runAlone } from './stats-kea.js';

export const STORM_BENCH: StormOptions = { ...STORM_DEFAULTS, build: 'dist' };

export interface StormBench {
  /** At the open-files limit the bench inherits (a deployment with LimitNOFILE raised). */
  inherited: StormResult;
  /** At 1,024 descriptors, soft and hard. */
  fd1024: StormResult;
}

/** Both runs, one after the other (dist/cli.js must be built). */
export async function runStormBench(o: StormOptions = STORM_BENCH): Promise<StormBench> {
  const progress = (line: string) => console.log(`  ${line}`);
  const inherited = await runStorm({ ...o, nofile: undefined }, progress);
  const fd1024 = await runStorm({ ...o, nofile: STORM_NOFILE }, progress);
  return { inherited, fd1024 };
}

const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

/** The summary rows of one run; `key` prefixes them (storm_, storm_fd1024_). */
export function stormRows(r: StormResult, key: string): Row[] {
  const rows: Row[] = [];
  for (const k of ['proxy', 'probe', 'metrics'] as const) {
    const q = r.requests[k];
    rows.push({ key: `${key}${k}_answered`, value: total(q.answered), unit: `of ${q.sent}`, goal: `info ${JSON.stringify(q.answered)}` });
    rows.push({ key: `${key}${k}_refused`, value: total(q.refused), unit: `of ${q.sent}`, goal: 'info (closed at connect)' });
    rows.push({ key: `${key}${k}_problems`, value: q.problems, unit: 'requests', goal: '= 0', ok: q.problems === 0 });
  }
  const failed = stormChecks(r).filter((c) => !c.ok).length;
  return [
    ...rows,
    {
      key: `${key}rss_max`,
      value: r.exporter.rssMaxMb,
      unit: 'MB',
      goal: `<= ${RSS_CEILING_MB} (the documented ceiling, RSS_CEILING_MB)`,
      ok: r.exporter.rssMaxMb <= RSS_CEILING_MB,
    },
    { key: `${key}fds_max`, value: r.exporter.fdsMax, unit: 'fds', goal: `info (limit ${r.nofile})` },
    { key: `${key}metrics_p50`, value: r.samples.p50Ms, unit: 'ms', goal: 'info (dedicated connection, every 100 ms)' },
    { key: `${key}metrics_p99`, value: r.samples.p99Ms, unit: 'ms', goal: 'info' },
    { key: `${key}metrics_max`, value: r.samples.maxMs, unit: 'ms', goal: 'info' },
    { key: `${key}metrics_longest_gap`, value: r.samples.maxGapMs, unit: 'ms', goal: 'info (no successful sample)' },
    { key: `${key}kea_up_samples`, value: r.samples.read, unit: `of ${r.samples.total}`, goal: 'info (read)' },
    { key: `${key}kea_up_0_samples`, value: r.samples.down, unit: 'samples', goal: '= 0', ok: r.samples.down === 0 },
    {
      key: `${key}read_down_answers`,
      value: r.requests.probe.readDown + r.requests.metrics.readDown,
      unit: 'answers',
      goal: '= 0',
      ok: r.requests.probe.readDown + r.requests.metrics.readDown === 0,
    },
    { key: `${key}kea_max_connections`, value: r.relay.maxOpen, unit: 'conn', goal: `<= ${r.maxInFlight}`, ok: r.relay.maxOpen <= r.maxInFlight },
    { key: `${key}kea_alive`, value: r.kea.alive ? 'yes' : 'no', unit: '', goal: 'yes', ok: r.kea.alive },
    { key: `${key}exporter_cpu`, value: r.exporter.cpuPercent, unit: '% of one core', goal: 'info (storm window)' },
    { key: `${key}window`, value: r.windowMs, unit: 'ms', goal: `info (requests settled after ${r.requestsMs} ms)` },
    { key: `${key}checks_failed`, value: failed, unit: 'checks', goal: '= 0 (the storm test)', ok: failed === 0 },
  ];
}

/** Prints both runs' reports; the rows for the summary and results.json. */
export function printStorm(b: StormBench): Row[] {
  for (const [title, r] of [
    ['inherited open-files limit', b.inherited],
    [`${STORM_NOFILE} open files`, b.fd1024],
  ] as const) {
    console.log(`\n== Storm at the ${title}: real kea-dhcp4 ${r.keaVersion}, built exporter ==`);
    for (const line of stormReport(r, stormChecks(r))) console.log(`  ${line}`);
  }
  return [...stormRows(b.inherited, 'storm_'), ...stormRows(b.fd1024, 'storm_fd1024_')];
}

async function main(): Promise<void> {
  execSync('npm run --silent build', { stdio: 'inherit', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  const s = STORM_BENCH;
  console.log(
    `[6] storm: real kea-dhcp4, the built exporter; ${s.proxied} proxied, ${s.probes} /probe, ${s.scrapes} /metrics, ` +
      `${s.halfOpen} half-open at once; at the inherited open-files limit, then at ${STORM_NOFILE} ...`,
  );
  const b = await runStormBench(s);
  const rows = printStorm(b);
  for (const r of rows) console.log(`${r.key}: ${r.value} ${r.unit} (goal ${r.goal}${r.ok === false ? ', MISSED' : ''})`);
  console.log(`\nwritten ${updateResults('storm', b, rows)}`);
}

runAlone(import.meta.url, 'bench/storm.ts', 900, main);
