/** Results vs goals: a table, plain summary lines and bench/results.json. */
import { writeFileSync } from 'node:fs';
import type { FleetResult } from './fleet.js';
import type { OverheadResult } from './overhead.js';
import { table } from './stats.js';

export interface Env {
  node: string;
  cpus: number;
  cpuModel: string;
  ulimitN: string;
  date: string;
}

interface Row {
  key: string;
  value: number | string;
  unit: string;
  goal: string;
  ok?: boolean;
}

const check = (v: number, limit: number) => v <= limit;

export function rows(o: OverheadResult, f: FleetResult, env: Env): Row[] {
  const expected = Math.round((f.daemons * 60) / 5);
  const sg = f.commandsPerMinuteByCommand['status-get'] ?? 0;
  return [
    { key: 'overhead_raw_median', value: o.raw.medianMs, unit: 'ms', goal: 'reference' },
    { key: 'overhead_raw_p95', value: o.raw.p95Ms, unit: 'ms', goal: 'reference' },
    { key: 'overhead_exporter_median', value: o.exporter.medianMs, unit: 'ms', goal: 'reference' },
    { key: 'overhead_exporter_p95', value: o.exporter.p95Ms, unit: 'ms', goal: 'reference' },
    { key: 'overhead_ratio_median', value: o.ratioMedian, unit: 'x', goal: '<= 1.5', ok: check(o.ratioMedian, 1.5) },
    { key: 'overhead_ratio_p95', value: o.ratioP95, unit: 'x', goal: '<= 1.5', ok: check(o.ratioP95, 1.5) },
    { key: 'fleet_cpu', value: f.cpuPercent, unit: '% of one core', goal: '<= 15', ok: check(f.cpuPercent, 15) },
    { key: 'fleet_rss_max', value: f.rssMaxMb, unit: 'MB', goal: '<= 200', ok: check(f.rssMaxMb, 200) },
    { key: 'fleet_rss_end', value: f.rssEndMb, unit: 'MB', goal: '<= 200', ok: check(f.rssEndMb, 200) },
    { key: 'render_median', value: f.render.medianMs, unit: 'ms', goal: '<= 100', ok: check(f.render.medianMs, 100) },
    { key: 'render_p95', value: f.render.p95Ms, unit: 'ms', goal: '<= 100', ok: check(f.render.p95Ms, 100) },
    { key: 'render_cold', value: f.render.coldMs, unit: 'ms', goal: 'info' },
    { key: 'render_body', value: f.render.bodyBytes, unit: 'bytes', goal: 'info' },
    { key: 'render_series', value: f.render.series, unit: 'series', goal: 'info' },
    { key: 'kea_commands_per_min', value: f.commandsPerMinute, unit: '/min', goal: `~${expected} (1 status-get/daemon/5s)`, ok: Math.abs(f.commandsPerMinute - expected) <= expected * 0.1 },
    { key: 'kea_status_get_per_min', value: sg, unit: '/min', goal: `~${expected}` },
    { key: 'kea_max_concurrent_per_daemon', value: f.maxInProgressPerFake, unit: 'cmds in progress', goal: '<= 1', ok: f.maxInProgressPerFake <= 1 },
    { key: 'kea_max_open_conns_per_daemon_window', value: f.maxOpenPerFakeInWindow, unit: 'conn', goal: '<= 1', ok: f.maxOpenPerFakeInWindow <= 1 },
    { key: 'fakekea_maxConcurrent_lifetime', value: f.fakeKeaMaxConcurrent, unit: 'conn', goal: 'info (see note)' },
    { key: 'daemons_up', value: f.daemonsUp, unit: `of ${f.daemons}`, goal: `= ${f.daemons}`, ok: f.daemonsUp === f.daemons },
    { key: 'first_round', value: f.firstRoundMs, unit: 'ms', goal: 'info' },
    { key: 'ulimit_n', value: env.ulimitN, unit: 'fds', goal: 'info' },
  ];
}

export function print(o: OverheadResult, f: FleetResult, env: Env): Row[] {
  const rs = rows(o, f, env);
  const mark = (r: Row) => (r.ok === undefined ? '' : r.ok ? 'ok' : 'MISS');
  console.log('\n== Results vs goals ==');
  console.log(table([['metric', 'value', 'unit', 'goal', ''], ...rs.map((r) => [r.key, String(r.value), r.unit, r.goal, mark(r)])]));
  console.log(`\nKea commands per minute by command: ${JSON.stringify(f.commandsPerMinuteByCommand)}`);
  console.log(`status-get per fake in the window: min ${f.statusGetPerFakeInWindow.min}, max ${f.statusGetPerFakeInWindow.max}`);
  console.log(`fakes with > 1 command in progress at once (accept to answer written): ${f.fakesInProgressOverOne}`);
  console.log(`FakeKea.maxConcurrent > 1 on ${f.fakesOverOneConnection} fakes; exporter warnings ${f.warnings}`);
  console.log(`fleet child (not counted): CPU ${f.childCpuPercent}% of one core, RSS ${f.childRssMb} MB`);
  console.log('\n== Summary ==');
  for (const r of rs) console.log(`${r.key}: ${r.value} ${r.unit} (goal ${r.goal}${r.ok === false ? ', MISSED' : ''})`);
  return rs;
}

export function writeJson(file: string, o: OverheadResult, f: FleetResult, env: Env, rs: Row[]): void {
  const summary = Object.fromEntries(rs.map((r) => [r.key, { value: r.value, unit: r.unit, goal: r.goal, ...(r.ok === undefined ? {} : { ok: r.ok }) }]));
  writeFileSync(file, JSON.stringify({ env, summary, overhead: o, fleet: f }, null, 2) + '\n');
}
