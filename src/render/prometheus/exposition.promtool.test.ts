/** promtool, Prometheus's own checker, on what the renderers expose: the golden files (which the
 * renderer tests compare byte for byte with their output) and a render with the process metrics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PrometheusRenderer } from './registry.js';
import { parseStatus } from '../../kea/status.js';
import { fixtureArgs } from '../../../test/support/fixture-files.js';
import { fleet } from '../../../test/support/render-fleet.js';
import type { DaemonSnapshot } from '../../snapshot.js';

const golden = (name: string): string => readFileSync(new URL(`../../../test/golden/${name}`, import.meta.url), 'utf8');

/** Metric names promtool complains about (it exits non-zero then), sorted. */
function promtoolProblems(body: string): string[] {
  try {
    execFileSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return [];
  } catch (err) {
    const out = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    return [
      ...new Set(
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ')[0]!),
      ),
    ].sort();
  }
}

/** kea-exporter 0.7's own names break conventions (gauges ending in _total, Kea's "-us"); kept
 * on purpose in that mode so its dashboards work. */
const KEA_EXPORTER_COMPAT = [
  'kea_dhcp4_addresses_assigned_total',
  'kea_dhcp4_addresses_declined_total',
  'kea_dhcp4_addresses_total',
  'kea_dhcp4_pkt4_not_for_us',
  'kea_dhcp6_addresses_declined_total',
  'kea_dhcp6_na_assigned_total',
  'kea_dhcp6_na_total',
  'kea_dhcp6_pd_assigned_total',
  'kea_dhcp6_pd_total',
  'kea_dhcp6_pkt6_not_for_us',
];

test('golden /metrics (registry.test.ts) and default statistics naming: promtool reports nothing', () => {
  assert.deepEqual(promtoolProblems(golden('metrics.prom')), []);
  assert.deepEqual(promtoolProblems(golden('statistics-default.prom')), []);
});

test('kea-exporter statistics naming: promtool reports exactly the names kept for compatibility', () => {
  assert.deepEqual(promtoolProblems(golden('statistics-kea-exporter.prom')), KEA_EXPORTER_COMPAT);
});

test('a daemon beside the process metrics: promtool reports nothing', async () => {
  const r = new PrometheusRenderer({ version: '0.0.0-test' });
  r.update('server1|self', {
    target: 'server1',
    daemon: 'dhcp4',
    labels: { ha_pair: 'site-a' },
    transport: 'unix',
    up: true,
    configChanges: 0,
    haTransitions: {},
    commandErrors: {},
    version: '2.2.0',
    polledAt: 1_700_000_000_000,
    lastSuccessAt: 1_700_000_000_000,
    pollDurationSeconds: 0.002,
    status: parseStatus(fixtureArgs('2.2.0', 'dhcp4-ha-primary.partner-down.status-get')),
  });
  const { body } = await r.render(false);
  assert.match(body, /^process_cpu_seconds_total /m);
  assert.match(body, /^kea_up\{target="server1",daemon="dhcp4",ha_pair="site-a"\} 1$/m);
  assert.deepEqual(promtoolProblems(body), []);
});

test('the fleet of captured daemons, process metrics included: promtool reports nothing, also after an OpenMetrics render and a relabelled target', async () => {
  const r = new PrometheusRenderer({ version: '0.0.0-test' });
  for (const [k, s] of fleet()) r.update(k, s);
  await r.render(true);
  const [[k, s]] = fleet() as [[string, DaemonSnapshot]];
  r.update(k, { ...s, labels: { ha_pair: 'site-b', zone: 'z' } });
  const { body } = await r.render(false);
  // promtool exits non-zero and prints each problem when the exposition breaks a convention.
  const out = execFileSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  assert.equal(out.trim(), '');
});
