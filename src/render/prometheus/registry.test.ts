import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { PrometheusRenderer } from './registry.js';
import { parseStatus } from '../../kea/status.js';
import type { DaemonSnapshot } from '../../snapshot.js';
import { fixtureArgs } from '../../../test/support/fixture-files.js';
import { assertGolden } from '../../../test/support/golden.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/metrics.prom', import.meta.url));

function snap(over: Partial<DaemonSnapshot>): DaemonSnapshot {
  return {
    target: 'server1', daemon: 'dhcp4', labels: {}, transport: 'unix', up: true,
    configChanges: 0, haTransitions: {}, commandErrors: {},
    polledAt: 1_700_000_000_000, lastSuccessAt: 1_700_000_000_000, pollDurationSeconds: 0.002,
    ...over,
  };
}

function fleet(): [string, DaemonSnapshot][] {
  return [
    ['server1|self', snap({
      labels: { ha_pair: 'site-a' },
      status: parseStatus(fixtureArgs('2.2.0', 'dhcp4-ha-primary.partner-down.status-get')),
      version: '2.2.0', startTime: 1_699_999_932,
      configHash: { hash: 'A'.repeat(64), source: 'computed' }, sharedConfig: { hash: 'C'.repeat(64), haPeers: 'server1,server2' }, configChanges: 2,
      lastConfigChangeAt: 1_699_999_990_000, haTransitions: { standby: 1 },
      commandErrors: { 'status-get': { timeout: 3 } },
    })],
    ['hub|self', snap({
      target: 'hub', version: '3.0.4', transport: 'http',
      status: parseStatus(fixtureArgs('3.0.4', 'dhcp4-ha-hub.partner-clock-ahead-45s.status-get')),
      configHash: { hash: 'B'.repeat(64), source: 'kea' }, busy: true, delayedPolls: 2,
    })],
    ['agent1|dhcp6', snap({
      target: 'agent1', daemon: 'dhcp6', transport: 'http', up: false,
      error: { code: 'forward', message: 'unable to forward' },
      commandErrors: { 'status-get': { forward: 1 } }, lastSuccessAt: undefined,
      status: parseStatus(fixtureArgs('2.2.0', 'dhcp6.status-get')),
    })],
  ];
}

function renderer(): PrometheusRenderer {
  return new PrometheusRenderer(['ha_pair'], { version: '0.0.0-test', processMetrics: false });
}

test('golden /metrics: every family, HA state sets, down daemon keeps only up and exporter series', async () => {
  const r = renderer();
  for (const [k, s] of fleet()) r.update(k, s);
  const { body, contentType } = await r.render(false);
  assert.match(contentType, /^text\/plain; version=0.0.4/);
  const text = body.replace(/nodejs_version="[^"]+"/, 'nodejs_version="X"');
  assertGolden(GOLDEN, text);
  // The down daemon shows up=0 and why, and none of its last good values.
  assert.match(text, /kea_up\{target="agent1",daemon="dhcp6"\} 0/);
  assert.match(text, /kea_exporter_poll_error_info\{target="agent1",daemon="dhcp6",reason="forward"\} 1/);
  assert.doesNotMatch(text, /kea_multi_threading_enabled\{target="agent1"/);
  assert.match(text, /kea_ha_state\{target="server1",daemon="dhcp4",ha_pair="site-a",relationship="standby",state="partner-down"\} 1/);
  assert.match(text, /kea_ha_state\{target="server1",daemon="dhcp4",ha_pair="site-a",relationship="standby",state="hot-standby"\} 0/);
  assert.match(text, /kea_ha_partner_state\{[^}]*relationship="standby",state="unavailable"\} 1/);
  // The real hub: one series per relationship, the partner 45 s ahead in one of them.
  assert.match(text, /kea_ha_clock_skew_seconds\{target="hub",daemon="dhcp4",relationship="server1"\} 45/);
  assert.match(text, /kea_ha_clock_skew_seconds\{target="hub",daemon="dhcp4",relationship="server3"\} 0/);
  // A daemon held up by proxied commands: busy, its last known state kept, up as it was.
  assert.match(text, /kea_exporter_daemon_busy\{target="hub",daemon="dhcp4"\} 1/);
  assert.match(text, /kea_exporter_polls_delayed_total\{target="hub",daemon="dhcp4"\} 2/);
  assert.match(text, /kea_up\{target="hub",daemon="dhcp4"\} 1/);
  assert.match(text, /kea_exporter_daemon_busy\{target="agent1",daemon="dhcp6"\} 0/);
});

test('OpenMetrics rendering ends with # EOF and keeps counter samples as _total', async () => {
  const r = renderer();
  for (const [k, s] of fleet()) r.update(k, s);
  const { body, contentType } = await r.render(true);
  assert.match(contentType, /^application\/openmetrics-text/);
  assert.match(body, /# TYPE kea_config_changes_observed counter/);
  assert.match(body, /kea_config_changes_observed_total\{target="server1"[^}]*\} 2/);
  assert.ok(body.trimEnd().endsWith('# EOF'));
});

test('series that vanish (HA relationship gone, target removed) disappear; counters keep totals', async () => {
  const r = renderer();
  const [[k1, s1]] = fleet() as [[string, DaemonSnapshot]];
  r.update(k1, s1);
  r.update(k1, { ...s1, configChanges: 5 });
  let { body } = await r.render(false);
  assert.match(body, /kea_config_changes_observed_total\{target="server1"[^}]*\} 5/);
  r.update(k1, { ...s1, configChanges: 5, status: { ...s1.status!, ha: [] } });
  ({ body } = await r.render(false));
  assert.doesNotMatch(body, /kea_ha_state\{/);
  assert.match(body, /kea_up\{target="server1"/);
  r.update(k1, { ...s1, up: false, error: { code: 'timeout', message: 't' } });
  ({ body } = await r.render(false));
  assert.doesNotMatch(body, /kea_uptime_seconds\{/);
  assert.match(body, /kea_up\{target="server1",daemon="dhcp4",ha_pair="site-a"\} 0/);
  r.remove(k1);
  ({ body } = await r.render(false));
  assert.doesNotMatch(body, /target="server1"/);
});

test('a daemon whose type is detected later loses its "unknown" series', async () => {
  const r = renderer();
  r.update('x|self', snap({ target: 'x', daemon: 'unknown', up: false, error: { code: 'connect', message: '' } }));
  r.update('x|self', snap({ target: 'x', daemon: 'dhcp4', status: parseStatus(fixtureArgs('2.2.0', 'dhcp6.status-get')) }));
  const { body } = await r.render(false);
  assert.doesNotMatch(body, /daemon="unknown"/);
  assert.match(body, /kea_up\{target="x",daemon="dhcp4"\} 1/);
});

test('OpenMetrics and text renders do not disturb each other (counter family names)', async () => {
  const r = new PrometheusRenderer(['ha_pair'], { version: 't' });
  const [[k, s]] = fleet() as [[string, DaemonSnapshot]];
  r.update(k, s);
  for (let i = 0; i < 2; i++) {
    const om = (await r.render(true)).body;
    assert.match(om, /^# TYPE kea_config_changes_observed counter$/m);
    assert.match(om, /^# TYPE process_cpu_seconds counter$/m);
    assert.match(om, /^process_cpu_seconds_total /m);
    assert.doesNotMatch(om, /_total_total/);
    const text = (await r.render(false)).body;
    assert.match(text, /^# TYPE kea_config_changes_observed_total counter$/m);
    assert.match(text, /^# TYPE process_cpu_seconds_total counter$/m);
  }
});

test('a family is rendered again once one of its series changes', async () => {
  const r = renderer();
  const [[k, s]] = fleet() as [[string, DaemonSnapshot]];
  r.update(k, s);
  assert.match((await r.render(false)).body, /kea_uptime_seconds\{[^}]*\} 68\n/);
  r.update(k, { ...s, status: { ...s.status!, uptime: 73 } });
  assert.match((await r.render(false)).body, /kea_uptime_seconds\{[^}]*\} 73\n/);
  assert.match((await r.render(true)).body, /kea_uptime_seconds\{[^}]*\} 73\n/);
});
