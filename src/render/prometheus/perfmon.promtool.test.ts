/** The PerfMon families as /metrics shows them, from the real 3.0.4 answer: base units (seconds),
 * counters ending in _total, the statistics' subnet labels; nothing for a daemon that does not
 * list the command; promtool, Prometheus's own checker, reports nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { asAnswer } from '../../kea/answer.js';
import { parsePerfmonDurations } from '../../kea/perfmon.js';
import type { PerfmonSnapshot } from '../../snapshot.js';
import { PERFMON_METRICS, perfmonCollector } from './perfmon.js';
import { COLLECTORS, PrometheusRenderer } from './registry.js';

const answer = parsePerfmonDurations(
  asAnswer(
    JSON.parse(
      readFileSync(fileURLToPath(new URL('../../../test/fixtures/kea/perfmon/3.0.4/traffic.perfmon-get-all-durations.json', import.meta.url)), 'utf8'),
    ),
    'test',
  ),
  'test',
);

const snapshot = (s: Partial<PerfmonSnapshot> = {}): PerfmonSnapshot => ({
  target: 'traffic',
  daemon: 'dhcp4',
  labels: { site: 'a' },
  listed: true,
  up: true,
  polledAt: 1_800_000_000_000,
  lastSuccessAt: 1_800_000_000_000,
  intervalWidthSecs: answer.intervalWidthSecs,
  // Two intervals seen: the captured one twice over.
  durations: answer.durations.map((d) => ({ last: d, occurrences: 2 * d.occurrences, totalUsecs: 2 * d.totalUsecs, maxUsecs: d.maxUsecs })),
  subnets: new Map([[1, { id: 1, prefix: '127.0.0.0/8', sharedNetwork: '', pools: [], pdPools: [], poolIds: [], pdPoolIds: [] }]]),
  dropped: 0,
  errors: {},
  ...s,
});

async function render(s: PerfmonSnapshot): Promise<string> {
  const r = new PrometheusRenderer({ version: '0.0.0-test', processMetrics: false }, COLLECTORS, PERFMON_METRICS);
  r.update('traffic|self#perfmon', s, [perfmonCollector]);
  return (await r.render(false)).body;
}

test('3.0.4: counters of occurrences and seconds, the max as a gauge, labelled by subnet, query, response and stage', async () => {
  const body = await render(snapshot());
  const labels =
    'target="traffic",daemon="dhcp4",site="a",subnet_id="1",subnet="127.0.0.0/8",query="DHCPDISCOVER",response="DHCPOFFER",stage="composite-total_response"';
  assert.match(body, new RegExp(`^kea_perfmon_occurrences_total\\{${labels}\\} 100$`, 'm'));
  assert.match(body, new RegExp(`^kea_perfmon_duration_seconds_total\\{${labels}\\} 0.213428$`, 'm'));
  assert.match(body, new RegExp(`^kea_perfmon_max_duration_seconds\\{${labels}\\} 0.023539$`, 'm'));
  assert.match(body, /^kea_perfmon_occurrences_total\{[^}]*subnet_id="0",query="DHCPREQUEST",response="DHCPACK",stage="socket_received-buffer_read"\} \d+$/m);
  assert.match(body, /^kea_perfmon_interval_width_seconds\{target="traffic",daemon="dhcp4",site="a"\} 2$/m);
  assert.match(body, /^# TYPE kea_perfmon_occurrences_total counter$/m);
  assert.equal(body.match(/^kea_perfmon_occurrences_total\{/gm)?.length, 20);
  const out = execFileSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  assert.equal(out.trim(), '');
});

test('no interval completed yet: counters at 0, no max; not listed: no series at all; down: the poll health only', async () => {
  const fresh = await render(snapshot({ durations: answer.durations.map((d) => ({ last: d, occurrences: 0, totalUsecs: 0, maxUsecs: undefined })) }));
  assert.match(fresh, /^kea_perfmon_occurrences_total\{[^}]*\} 0$/m);
  assert.doesNotMatch(fresh, /^kea_perfmon_max_duration_seconds\{/m);
  assert.doesNotMatch(await render(snapshot({ listed: false })), /^kea_(perfmon|exporter_perfmon|exporter_command)[a-z_]*\{/m);
  const down = await render(snapshot({ up: false, errors: { 'perfmon-get-all-durations': { timeout: 2 } } }));
  assert.match(down, /^kea_exporter_command_errors_total\{[^}]*command="perfmon-get-all-durations",reason="timeout"\} 2$/m);
  assert.doesNotMatch(down, /^kea_perfmon_/m);
});
