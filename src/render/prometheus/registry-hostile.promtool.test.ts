/** What a broken or hostile daemon's values do to the renderer: never a throw, the bad series
 * left out and counted, a counter that went down restarted; HELP text valid in both formats. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { INVALID_SAMPLES, PrometheusRenderer } from './registry.js';
import { statisticsCollector } from './statistics.js';
import { familyHeader } from './family-text.js';
import { openMetricsProblems } from '../../../test/support/openmetrics.js';
import { parseStatistics, columnsOf } from '../../kea/statistics/parse.js';
import type { StatSample } from '../../kea/statistics/parse.js';
import type { StatisticsSnapshot } from '../../snapshot.js';

const stats = statisticsCollector('default');
const renderer = () => new PrometheusRenderer({ version: 't', processMetrics: false }, undefined, stats.metrics);

function snap(args: Record<string, unknown>, samples?: StatSample[]): StatisticsSnapshot {
  return {
    target: 'kea-1',
    daemon: 'dhcp4',
    labels: { site: 'a' },
    up: true,
    polledAt: 1,
    lastSuccessAt: 1,
    pollDurationSeconds: 0.01,
    statistics: columnsOf(samples ?? parseStatistics(args)),
    subnets: new Map(),
    dropped: 0,
    errors: {},
  };
}
const at = (v: unknown) => [[v, '2026-01-01 00:00:00.000000']];
const DISCOVER = /^kea_dhcp4_packets_received_total\{[^}]*type="discover"\} (\S+)$/m;
const ASSIGNED = /^kea_dhcp4_global_address_assignments_total\{[^}]*\} (\S+)$/m;
const invalidCount = (body: string): number => Number(new RegExp(`^${INVALID_SAMPLES}\\{target="kea-1",daemon="dhcp4"\\} (\\S+)$`, 'm').exec(body)?.[1] ?? 0);

function promtool(body: string): void {
  // Exits non-zero (execFileSync throws) and prints each problem when the exposition is broken.
  assert.equal(execFileSync('/usr/bin/promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' }).trim(), '');
}

test('a negative counter is left out and counted; the others are rendered; nothing throws', async () => {
  const r = renderer();
  r.update('k', snap({ 'pkt4-discover-received': at(-1), 'pkt4-offer-received': at(3), 'cumulative-assigned-addresses': at(-5) }), [stats]);
  const { body } = await r.render(false);
  assert.doesNotMatch(body, DISCOVER);
  assert.doesNotMatch(body, ASSIGNED);
  assert.match(body, /kea_dhcp4_packets_received_total\{[^}]*type="offer"\} 3/);
  assert.equal(invalidCount(body), 2);
  promtool(body);
  // Every poll that still brings them counts them again: the rate shows the fault goes on.
  r.update('k', snap({ 'pkt4-discover-received': at(-1), 'cumulative-assigned-addresses': at(-5) }), [stats]);
  assert.equal(invalidCount((await r.render(false)).body), 4);
});

test('a counter that goes down is a reset: its series starts again at the new value, not counted as invalid', async () => {
  const r = renderer();
  r.update('k', snap({ 'pkt4-discover-received': at(100), 'cumulative-assigned-addresses': at(5) }), [stats]);
  r.update('k', snap({ 'pkt4-discover-received': at(120), 'cumulative-assigned-addresses': at(5) }), [stats]);
  assert.equal(DISCOVER.exec((await r.render(false)).body)?.[1], '120');
  r.update('k', snap({ 'pkt4-discover-received': at(7), 'cumulative-assigned-addresses': at(2) }), [stats]); // Kea restarted
  let { body } = await r.render(false);
  assert.equal(DISCOVER.exec(body)?.[1], '7');
  assert.equal(ASSIGNED.exec(body)?.[1], '2');
  assert.equal(invalidCount(body), 0);
  r.update('k', snap({ 'pkt4-discover-received': at(0) }), [stats]); // statistic-reset
  r.update('k', snap({ 'pkt4-discover-received': at(9) }), [stats]);
  ({ body } = await r.render(true));
  assert.match(body, /^kea_dhcp4_packets_received_total\{[^}]*type="discover"\} 9$/m);
});

test('valid, then invalid, then valid again: absent in between, back at the new value', async () => {
  const r = renderer();
  r.update('k', snap({ 'pkt4-discover-received': at(50) }), [stats]);
  r.update('k', snap({ 'pkt4-discover-received': at(-3) }), [stats]);
  let { body } = await r.render(false);
  assert.doesNotMatch(body, DISCOVER);
  assert.equal(invalidCount(body), 1);
  r.update('k', snap({ 'pkt4-discover-received': at(60) }), [stats]);
  ({ body } = await r.render(false));
  assert.equal(DISCOVER.exec(body)?.[1], '60');
  promtool(body);
});

test('non-finite and negative counter values (a parser that let one through) are dropped and counted, gauges keep NaN', async () => {
  const r = renderer();
  // (The columns hold numbers only: a string or undefined cannot reach the store.)
  const bad = (stat: string, value: number): StatSample => ({ name: stat, stat, value });
  r.update(
    'k',
    snap({}, [
      bad('pkt4-discover-received', Number.NaN),
      bad('pkt4-offer-received', Number.POSITIVE_INFINITY),
      bad('pkt4-request-received', -12),
      bad('pkt4-decline-received', Number.NEGATIVE_INFINITY),
      bad('declined-addresses', Number.NaN), // a gauge: NaN is a valid sample
    ]),
    [stats],
  );
  const { body } = await r.render(false);
  assert.equal(invalidCount(body), 4);
  assert.doesNotMatch(body, /kea_dhcp4_packets_received_total\{/);
  promtool(body);
  await r.render(true);
});

test('removing the daemon removes its invalid-samples series once its last owner is gone', async () => {
  const r = renderer();
  r.update('k|stats', snap({ 'pkt4-discover-received': at(-1) }), [stats]);
  r.update('k|stats2', snap({ 'pkt4-discover-received': at(-1) }), [stats]);
  r.remove('k|stats');
  assert.equal(invalidCount((await r.render(false)).body), 2, 'the other owner of target/daemon keeps it');
  r.remove('k|stats2');
  assert.doesNotMatch((await r.render(false)).body, new RegExp(`^${INVALID_SAMPLES}\\{`, 'm'));
});

/** OpenMetrics 1.0 ABNF: HELP SP metricname SP escaped-string, where a bare `"`, `\` or LF is not
 * an escaped-char. */
const OM_HELP = /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* (?:[^"\\\n]|\\["n\\]|\\[^"n\\\n])*$/;

test('HELP text carrying a Kea statistic name (quote, backslash, newline) is valid OpenMetrics and valid text', async () => {
  const r = renderer();
  const hostile = 'evil"stat\\with\nnewline';
  r.update('k', snap({ [hostile]: at(1), 'plain-unknown': at(2) }), [stats]);
  const om = (await r.render(true)).body;
  const help = om.split('\n').filter((l) => l.startsWith('# HELP '));
  assert.ok(help.length > 5);
  for (const line of help) assert.match(line, OM_HELP, line);
  assert.ok(om.includes('# HELP kea_dhcp4_evil_stat_with_newline Kea statistic \\"evil\\"stat\\\\with\\nnewline\\" (global)'), 'escaped, not mangled');
  assert.ok(om.endsWith('# EOF\n'));
  assert.deepEqual(openMetricsProblems(om), []);
  const text = (await r.render(false)).body;
  // The text format escapes only backslash and newline in HELP; a quote stays as it is.
  assert.ok(text.includes('# HELP kea_dhcp4_evil_stat_with_newline Kea statistic "evil"stat\\\\with\\nnewline" (global)'));
  promtool(text);
});

test('a quote in HELP is escaped in OpenMetrics only, after backslash and newline', () => {
  assert.equal(familyHeader('x', 'a "b"', 'gauge', true), '# HELP x a \\"b\\"\n# TYPE x gauge');
  assert.equal(familyHeader('x', 'a "b"', 'gauge', false), '# HELP x a "b"\n# TYPE x gauge');
  assert.equal(familyHeader('z', 'q\\"\n', 'gauge', true), '# HELP z q\\\\\\"\\n\n# TYPE z gauge');
  assert.equal(familyHeader('c_total', 'n', 'counter', true), '# HELP c n\n# TYPE c counter');
});
