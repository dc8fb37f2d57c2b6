/** Results vs goals: a table, plain summary lines and bench/results.json. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fleetRows, type FleetResult } from './fleet.js';
import type { OverheadResult } from './overhead.js';
import type { Phase, ProxyResult } from './proxy.js';
import { table, type StatisticsResult } from './stats.js';

export interface Env {
  node: string;
  cpus: number;
  cpuModel: string;
  ulimitN: string;
  date: string;
}

export interface Row {
  key: string;
  value: number | string;
  unit: string;
  goal: string;
  ok?: boolean;
}

const check = (v: number, limit: number) => v <= limit;
const round2 = (x: number) => Math.round(x * 100) / 100;
const mark = (r: Row) => (r.ok === undefined ? '' : r.ok ? 'ok' : 'MISS');
const kb = (bytes: number) => Math.round(bytes / 1024);

/** Part 3: the statistics of a 5,000-subnet kea-dhcp4 through the counting proxy. */
export function statisticsRows(s: StatisticsResult): Row[] {
  const w = s.scrapeWindow;
  const q = s.quietWindow;
  return [
    { key: 'stats_render_median', value: s.render.medianMs, unit: 'ms', goal: '<= 5', ok: check(s.render.medianMs, 5) },
    {
      key: 'stats_render_vs_buffer',
      value: round2(s.render.medianMs / s.render.bufferMedianMs),
      unit: 'x',
      goal: `<= 2 (the same bytes from a buffer: ${s.render.bufferMedianMs} ms)`,
      ok: s.render.medianMs <= 2 * s.render.bufferMedianMs,
    },
    { key: 'stats_render_p95', value: s.render.p95Ms, unit: 'ms', goal: 'info' },
    { key: 'stats_render_max', value: s.render.maxMs, unit: 'ms', goal: 'info' },
    {
      key: 'stats_render_cold',
      value: s.render.coldMs,
      unit: 'ms',
      goal: '<= 150 (first scrape after the first statistics poll)',
      ok: check(s.render.coldMs, 150),
    },
    { key: 'stats_render_during_first_poll', value: s.render.duringFirstPollMs, unit: 'ms', goal: 'info (sent as its answer came in)' },
    { key: 'stats_render_body', value: s.render.bodyBytes, unit: 'bytes', goal: 'info' },
    { key: 'stats_render_series', value: s.render.series, unit: 'series', goal: 'info' },
    { key: 'stats_capacity_series', value: s.capacitySeries, unit: 'subnets', goal: `= ${s.subnets}`, ok: s.capacitySeries === s.subnets },
    { key: 'stats_kea_commands_per_scrape', value: w.commandsPerScrape, unit: 'cmds', goal: '= 0', ok: w.commandsPerScrape === 0 },
    { key: 'stats_scrape_window_scrapes_per_min', value: w.scrapesPerMinute, unit: '/min', goal: 'info' },
    { key: 'stats_scrape_window_commands_per_min', value: round1(sum(w.commandsPerMinuteByCommand)), unit: '/min', goal: 'info (timers only)' },
    { key: 'stats_quiet_window_commands_per_min', value: round1(sum(q.commandsPerMinuteByCommand)), unit: '/min', goal: 'info (timers only)' },
    { key: 'stats_render_cpu_per_scrape', value: w.cpuMsPerScrape, unit: 'ms CPU', goal: 'info' },
    { key: 'stats_statistic_get_all_bytes', value: s.statisticGetAll.bytes, unit: 'bytes', goal: 'info' },
    { key: 'stats_statistic_get_all_kea_ms', value: s.statisticGetAll.keaMedianMs, unit: 'ms', goal: 'info (via proxy)' },
    { key: 'stats_poll_duration', value: s.statisticGetAll.exporterPollMs, unit: 'ms', goal: 'info (exporter gauge)' },
    { key: 'stats_cpu_per_poll', value: q.cpuMsPerStatisticsPoll.median, unit: 'ms CPU', goal: 'info (median)' },
    {
      key: 'stats_cpu_per_poll_vs_parse',
      value: round2(q.cpuMsPerStatisticsPoll.median / q.parseMs.median),
      unit: 'x',
      goal: `<= 3 (a bare JSON.parse of the answer: ${q.parseMs.median} ms CPU, median of ${q.parseMs.samples.length} through the run)`,
      ok: q.cpuMsPerStatisticsPoll.median <= 3 * q.parseMs.median,
    },
    { key: 'stats_cpu_per_cycle', value: q.cpuMsPerStatisticsCycle, unit: 'ms CPU', goal: 'info (incl. its status polls)' },
    { key: 'stats_cpu_quiet', value: q.cpuPercent, unit: '% of one core', goal: 'info' },
    { key: 'stats_config_get_first_contact', value: s.configGet.atFirstContact, unit: 'cmds', goal: '= 1', ok: s.configGet.atFirstContact === 1 },
    { key: 'stats_config_get_after', value: s.configGet.afterFirstContact, unit: 'cmds', goal: '= 0', ok: s.configGet.afterFirstContact === 0 },
    { key: 'stats_rss_max', value: s.rssMaxMb, unit: 'MB', goal: 'info (whole run)' },
    { key: 'stats_rss_max_first_contact', value: s.rssMaxFirstContactMb, unit: 'MB', goal: 'info (config-get, 1st poll, cold render)' },
    { key: 'stats_rss_max_scrape_window', value: s.rssMaxScrapeWindowMb, unit: 'MB', goal: 'info (~20 scrapes/s)' },
    { key: 'stats_rss_max_quiet_window', value: s.rssMaxQuietWindowMb, unit: 'MB', goal: 'info (no scrapes; after the scrape window)' },
    { key: 'stats_rss_end', value: s.rssEndMb, unit: 'MB', goal: 'info' },
    { key: 'stats_proxy_max_concurrent', value: s.proxy.maxConcurrent, unit: 'conn', goal: '<= 1', ok: s.proxy.maxConcurrent <= 1 },
    { key: 'stats_raw_statistic_get_all_bytes', value: s.raw.statisticGetAll.bytes, unit: 'bytes', goal: 'reference' },
    { key: 'stats_raw_statistic_get_all_ms', value: s.raw.statisticGetAll.ms, unit: 'ms', goal: 'reference (connect to EOF)' },
    { key: 'stats_raw_config_get_bytes', value: s.raw.configGet.bytes, unit: 'bytes', goal: 'reference' },
    { key: 'stats_raw_config_get_ms', value: s.raw.configGet.ms, unit: 'ms', goal: 'reference (connect to EOF)' },
  ];
}

/** Part 4: the proxied command endpoint vs Kea's own sequential rate. */
/** Proxied status-get with 8 keep-alive clients, as a share of Kea's own sequential rate in the
 * same run, for each kind of credentials (issue 16). */
const PROXY_GOAL = 0.8;

/** CPU one request cost the processes of a phase (the exporter's, the clients' and Kea's). */
const cpuOf = (x: Phase): number => Math.round(((x.exporterCpuMsPerRequest ?? 0) + x.clientCpuMsPerRequest + (x.keaCpuMsPerRequest ?? 0)) * 1000) / 1000;

export function proxyRows(p: ProxyResult): Row[] {
  const c = p.options.concurrency;
  return [
    { key: 'proxy_raw_rate', value: p.raw.both.perSecond, unit: 'req/s', goal: `reference (raw UNIX client, sequential, ${p.raw.both.requests})` },
    { key: 'proxy_raw_median', value: p.raw.both.medianMs, unit: 'ms', goal: 'reference' },
    { key: 'proxy_basic_seq_rate', value: p.basic.sequential.perSecond, unit: 'req/s', goal: 'info (plain-secret user, 1 keep-alive client)' },
    { key: 'proxy_basic_conc_rate', value: p.basic.concurrent.perSecond, unit: 'req/s', goal: `info (plain-secret user, ${c} clients)` },
    { key: 'proxy_ratio_basic_seq', value: p.ratio.basicSequential, unit: 'x raw', goal: 'info' },
    {
      key: 'proxy_ratio_basic_conc',
      value: p.ratio.basicConcurrent,
      unit: 'x raw',
      goal: `>= ${PROXY_GOAL} (median of ${p.rounds.length} rounds, each by the raw rate beside it)`,
      ok: p.ratio.basicConcurrent >= PROXY_GOAL,
    },
    { key: 'proxy_added_median_basic', value: p.addedMedianMs.basic, unit: 'ms', goal: 'info (sequential median - raw median)' },
    { key: 'proxy_bearer_seq_rate', value: p.bearer.sequential.perSecond, unit: 'req/s', goal: 'info (bearer token, 1 client)' },
    { key: 'proxy_bearer_conc_rate', value: p.bearer.concurrent.perSecond, unit: 'req/s', goal: `info (bearer token, ${c} clients)` },
    { key: 'proxy_ratio_bearer_seq', value: p.ratio.bearerSequential, unit: 'x raw', goal: 'info' },
    {
      key: 'proxy_ratio_bearer_conc',
      value: p.ratio.bearerConcurrent,
      unit: 'x raw',
      goal: `>= ${PROXY_GOAL} (likewise)`,
      ok: p.ratio.bearerConcurrent >= PROXY_GOAL,
    },
    {
      key: 'proxy_rounds',
      value: p.rounds.map((r) => `${r.rawPerSecond}/${r.basicPerSecond}/${r.bearerPerSecond}`).join(' '),
      unit: 'req/s',
      goal: 'info (each round: raw / basic / bearer; basic ran first in odd rounds, bearer in even)',
    },
    { key: 'proxy_added_median_bearer', value: p.addedMedianMs.bearer, unit: 'ms', goal: 'info (sequential median - raw median)' },
    { key: 'proxy_cpu_raw', value: cpuOf(p.raw.both), unit: 'ms/req', goal: 'info (raw client + Kea: CPU of the two shared cores per request)' },
    { key: 'proxy_cpu_basic_conc', value: cpuOf(p.basic.concurrent), unit: 'ms/req', goal: `info (exporter + ${c} clients + Kea)` },
    { key: 'proxy_cpu_bearer_conc', value: cpuOf(p.bearer.concurrent), unit: 'ms/req', goal: `info (exporter + ${c} clients + Kea)` },
    {
      key: 'proxy_shared_basic_conc',
      value: p.sharedAnswers.basicConcurrent,
      unit: 'of answers',
      goal: 'info (shared a Kea exchange with identical requests waiting beside them)',
    },
    { key: 'proxy_shared_bearer_conc', value: p.sharedAnswers.bearerConcurrent, unit: 'of answers', goal: 'info (likewise)' },
    { key: 'proxy_failures', value: p.failures, unit: 'requests', goal: '= 0', ok: p.failures === 0 },
    { key: 'proxy_audit_lines', value: p.auditLines, unit: 'lines', goal: `= ${p.httpRequests} (requests sent)`, ok: p.auditLines === p.httpRequests },
    { key: 'proxy_kea_alive_after', value: p.keaAliveAfter ? 'yes' : 'no', unit: '', goal: 'yes', ok: p.keaAliveAfter },
  ];
}

/** The part-4 table and its phases (also used by npx tsx bench/proxy.ts alone). */
export function printProxy(p: ProxyResult): Row[] {
  const rs = proxyRows(p);
  console.log(`\n== Proxied status-get, real kea-dhcp4 ${p.keaVersion}: raw UNIX client vs the exporter's POST /targets/kea/ ==`);
  console.log(tableOf(rs));
  const phase = (name: string, x: Phase) => [
    name,
    String(x.clients),
    String(x.requests),
    String(x.seconds),
    String(x.perSecond),
    String(x.medianMs),
    String(x.p95Ms),
    x.exporterCpuMsPerRequest === undefined ? '' : String(x.exporterCpuMsPerRequest),
    String(x.clientCpuMsPerRequest),
    x.keaCpuMsPerRequest === undefined ? '' : String(x.keaCpuMsPerRequest),
  ];
  console.log(
    '\n' +
      table([
        ['phase', 'clients', 'requests', 's', 'req/s', 'median ms', 'p95 ms', 'exporter CPU ms/req', 'client CPU ms/req', 'Kea CPU ms/req'],
        phase('raw before', p.raw.before),
        phase('raw after', p.raw.after),
        phase('proxy basic (plain secret)', p.basic.sequential),
        phase('proxy basic (plain secret)', p.basic.concurrent),
        phase('proxy bearer token', p.bearer.sequential),
        phase('proxy bearer token', p.bearer.concurrent),
      ]),
  );
  console.log(
    `exporter warmed by ${p.options.exporterWarmup} requests first; ` +
      `proxy phases stop after ${p.options.maxPhaseMs} ms (basic) / ${p.options.maxPhaseMs * 2} ms (bearer) or ${p.options.n} requests; ` +
      `exporter warnings ${p.exporterWarnings}`,
  );
  return rs;
}

const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
const round1 = (x: number) => Math.round(x * 10) / 10;

function tableOf(rs: readonly Row[]): string {
  return table([['metric', 'value', 'unit', 'goal', ''], ...rs.map((r) => [r.key, String(r.value), r.unit, r.goal, mark(r)])]);
}

/** The part-3 table and its details (also used by npx tsx bench/stats.ts alone). */
export function printStatistics(s: StatisticsResult): Row[] {
  const rs = statisticsRows(s);
  const w = s.scrapeWindow;
  const q = s.quietWindow;
  console.log(`
== Statistics of a ${s.subnets}-subnet kea-dhcp4 (through the counting proxy) ==`);
  console.log(tableOf(rs));
  console.log(
    `
scrape window: ${w.seconds} s, ${s.render.scrapes} scrapes on ${s.render.connections} connection(s) ` +
      `(${w.scrapesPerMinute}/min; ${s.render.overlappingStatisticGetAll} overlapped a statistic-get-all); ` +
      `Kea commands ${JSON.stringify(w.commands)} = ${JSON.stringify(w.commandsPerMinuteByCommand)} per min; ` +
      `timers can issue at most ${JSON.stringify(w.timerBound)}; unexplained ${w.unexplainedCommands}`,
  );
  console.log(
    `quiet window (no scrapes): ${q.seconds} s, Kea commands ${JSON.stringify(q.commands)} = ` +
      `${JSON.stringify(q.commandsPerMinuteByCommand)} per min; exporter CPU ${q.cpuMs} ms; ` +
      `per statistics poll (request to quiet) ${JSON.stringify(q.cpuMsPerStatisticsPoll.samples)} ms`,
  );
  console.log(
    `first contact: statistics on /metrics ${s.firstStatisticsMs} ms after spawn; commands ${JSON.stringify(s.firstContactCommands)}; ` +
      `config-get ${kb(s.configGet.bytes)} KiB, ${s.configGet.total} in the whole run; statistic-get-all ${kb(s.statisticGetAll.bytes)} KiB`,
  );
  console.log(
    `whole run: ${JSON.stringify(s.commandsWholeRun)}; proxy connections ${s.proxy.connections}, errors ${s.proxy.errors}; ` +
      `exporter warnings ${s.warnings}; Kea up in ${s.keaStartMs} ms`,
  );
  console.log(
    `raw (one connection, before the exporter): config-get ${s.raw.configGet.bytes} B in ${s.raw.configGet.ms} ms ` +
      `(JSON.parse ${s.raw.configGet.parseMs} ms), statistic-get-all ${s.raw.statisticGetAll.bytes} B in ${s.raw.statisticGetAll.ms} ms ` +
      `(JSON.parse ${s.raw.statisticGetAll.parseMs} ms)`,
  );
  if (s.cpuProfileDir) console.log(`exporter CPU profile written to ${s.cpuProfileDir}`);
  return rs;
}

export function rows(o: OverheadResult, f: FleetResult, env: Env): Row[] {
  return [
    { key: 'overhead_raw_median', value: o.raw.medianMs, unit: 'ms', goal: 'reference' },
    { key: 'overhead_raw_p95', value: o.raw.p95Ms, unit: 'ms', goal: 'reference' },
    { key: 'overhead_exporter_median', value: o.exporter.medianMs, unit: 'ms', goal: 'reference' },
    { key: 'overhead_exporter_p95', value: o.exporter.p95Ms, unit: 'ms', goal: 'reference' },
    { key: 'overhead_ratio_median', value: o.ratioMedian, unit: 'x', goal: '<= 1.5', ok: check(o.ratioMedian, 1.5) },
    { key: 'overhead_ratio_p95', value: o.ratioP95, unit: 'x', goal: '<= 1.5', ok: check(o.ratioP95, 1.5) },
    ...fleetRows(f),
    { key: 'ulimit_n', value: env.ulimitN, unit: 'fds', goal: 'info' },
  ];
}

export function print(o: OverheadResult, f: FleetResult, s: StatisticsResult, p: ProxyResult, env: Env): Row[] {
  const rs = rows(o, f, env);
  console.log('\n== Results vs goals ==');
  console.log(tableOf(rs));
  console.log(`\nKea commands per minute by command: ${JSON.stringify(f.commandsPerMinuteByCommand)}`);
  console.log(`status-get per fake in the window: min ${f.statusGetPerFakeInWindow.min}, max ${f.statusGetPerFakeInWindow.max}`);
  console.log(`fakes with > 1 command in progress at once (accept to answer written): ${f.fakesInProgressOverOne}`);
  console.log(`FakeKea.maxConcurrent > 1 on ${f.fakesOverOneConnection} fakes; exporter warnings ${f.warnings}`);
  console.log(`fleet child (not counted): CPU ${f.childCpuPercent}% of one core, RSS ${f.childRssMb} MB`);
  const all = [...rs, ...printStatistics(s), ...printProxy(p)];
  console.log('\n== Summary ==');
  for (const r of all) console.log(`${r.key}: ${r.value} ${r.unit} (goal ${r.goal}${r.ok === false ? ', MISSED' : ''})`);
  return all;
}

export function writeJson(file: string, o: OverheadResult, f: FleetResult, s: StatisticsResult, p: ProxyResult, env: Env, rs: Row[], more: object = {}): void {
  const summary = Object.fromEntries(rs.map((r) => [r.key, { value: r.value, unit: r.unit, goal: r.goal, ...(r.ok === undefined ? {} : { ok: r.ok }) }]));
  writeFileSync(file, JSON.stringify({ env, summary, overhead: o, fleet: f, statistics: s, proxy: p, ...more }, null, 2) + '\n');
}

/** A part run alone: its entry `part` of bench/results.json and its `<part>_` summary rows
 * replaced, the other parts' kept. Returns the file. */
export function updateResults(part: string, result: object, rows: readonly Row[]): string {
  const file = fileURLToPath(new URL('./results.json', import.meta.url));
  const old = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { summary?: Record<string, unknown> }) : {};
  const summary = Object.fromEntries(Object.entries(old.summary ?? {}).filter(([k]) => !k.startsWith(`${part}_`)));
  for (const r of rows) summary[r.key] = { value: r.value, unit: r.unit, goal: r.goal, ...(r.ok === undefined ? {} : { ok: r.ok }) };
  writeFileSync(file, JSON.stringify({ ...old, summary, [part]: result }, null, 2) + '\n');
  return file;
}
