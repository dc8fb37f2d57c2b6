import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FORGET_AFTER_MS, PrometheusRenderer } from './registry.js';
import { parseStatus } from '../../kea/status.js';
import type { DaemonSnapshot } from '../../snapshot.js';
import { fixtureArgs } from '../../../test/support/fixture-files.js';
import { openMetricsProblems } from '../../../test/support/openmetrics.js';
import { assertGolden } from '../../../test/support/golden.js';
import { fleet, renderer, snap } from '../../../test/support/render-fleet.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/metrics.prom', import.meta.url));

test('golden /metrics: every family, HA state sets, down daemon keeps only up and exporter series', async () => {
  const r = renderer();
  for (const [k, s] of fleet()) r.update(k, s);
  const { body, contentType } = await r.render(false);
  assert.match(contentType, /^text\/plain; version=0.0.4/);
  assertGolden(GOLDEN, body);
  // Deflated for a scraper that accepts gzip: the same bytes once inflated.
  const gz = await r.renderChunks(false, true);
  gz.release();
  assert.equal(gunzipSync(Buffer.concat(gz.chunks)).toString(), body);
  // The down daemon shows up=0 and why, and none of its last good values.
  assert.match(body, /kea_up\{target="agent1",daemon="dhcp6"\} 0/);
  assert.match(body, /kea_exporter_poll_error_info\{target="agent1",daemon="dhcp6",reason="forward"\} 1/);
  assert.doesNotMatch(body, /kea_multi_threading_enabled\{target="agent1"/);
  assert.match(body, /kea_ha_state\{target="server1",daemon="dhcp4",ha_pair="site-a",relationship="standby",state="partner-down"\} 1/);
  assert.match(body, /kea_ha_state\{target="server1",daemon="dhcp4",ha_pair="site-a",relationship="standby",state="hot-standby"\} 0/);
  assert.match(body, /kea_ha_partner_state\{[^}]*relationship="standby",state="unavailable"\} 1/);
  // The real hub: one series per relationship, the partner 45 s ahead in one of them.
  assert.match(body, /kea_ha_clock_skew_seconds\{target="hub",daemon="dhcp4",relationship="server1"\} 45/);
  assert.match(body, /kea_ha_clock_skew_seconds\{target="hub",daemon="dhcp4",relationship="server3"\} 0/);
  // A daemon held up by proxied commands: busy, its last known state kept, up as it was.
  assert.match(body, /kea_exporter_daemon_busy\{target="hub",daemon="dhcp4"\} 1/);
  assert.match(body, /kea_exporter_polls_delayed_total\{target="hub",daemon="dhcp4"\} 2/);
  assert.match(body, /kea_up\{target="hub",daemon="dhcp4"\} 1/);
  assert.match(body, /kea_exporter_daemon_busy\{target="agent1",daemon="dhcp6"\} 0/);
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
  const r = new PrometheusRenderer({ version: 't' });
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

test('a format and encoding no scrape asked for in ten minutes is let go; those asked for are written ahead of the next scrape', async () => {
  let now = 0;
  const r = new PrometheusRenderer({ version: 't', processMetrics: false, now: () => now });
  const [[k, s]] = fleet() as [[string, DaemonSnapshot]];
  r.update(k, s);
  const scrape = async (openMetrics: boolean, gzip: boolean) => (await r.renderChunks(openMetrics, gzip)).release();
  await scrape(false, true);
  await scrape(false, false); // someone's curl
  assert.deepEqual(r.held, ['text', 'text+gzip']);
  now = FORGET_AFTER_MS;
  await scrape(false, true);
  assert.deepEqual(r.held, ['text', 'text+gzip'], 'asked for ten minutes ago: kept');
  now = FORGET_AFTER_MS + 1;
  await scrape(false, true);
  assert.deepEqual(r.held, ['text+gzip'], "the text let go; Prometheus' gzip kept");
  // A new daemon (series appear): only what is still asked for is written ahead.
  const written = r.familiesWritten;
  r.update('other', { ...s, target: 'other' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(r.familiesWritten > written, 'gzip written ahead');
  assert.deepEqual(r.held, ['text+gzip']);
});

test('OpenMetrics body, process metrics included, is valid OpenMetrics', async () => {
  const r = new PrometheusRenderer({ version: 't' });
  for (const [k, s] of fleet()) r.update(k, s);
  r.counter('kea_exporter_proxy_requests_total', 'Proxied "command" requests.', ['code']).inc({ code: '200' });
  const om = (await r.render(true)).body;
  assert.deepEqual(openMetricsProblems(om), []);
  assert.match(om, /^# TYPE kea_exporter_proxy_requests counter\nkea_exporter_proxy_requests_total\{code="200"\} 1$/m);
});

test('each owner brings its own label names: targets with other labels, and a target relabelled, need no re-declaration', async () => {
  const r = renderer();
  const [[k, s]] = fleet() as [[string, DaemonSnapshot]];
  r.update(k, s);
  r.update('rack|self', snap({ target: 'rack', labels: { rack: 'r1', row: 'x"y' } }));
  let { body } = await r.render(false);
  assert.match(body, /^kea_up\{target="rack",daemon="dhcp4",rack="r1",row="x\\"y"\} 1$/m);
  assert.match(body, /^kea_up\{target="server1",daemon="dhcp4",ha_pair="site-a"\} 1$/m);
  // A reload that changes server1's labels: its series come back under the new ones only.
  r.update(k, { ...s, labels: { ha_pair: 'site-b', zone: 'z' } });
  ({ body } = await r.render(false));
  assert.doesNotMatch(body, /site-a/);
  assert.match(body, /^kea_ha_state\{target="server1",daemon="dhcp4",ha_pair="site-b",zone="z",relationship="standby",state="partner-down"\} 1$/m);
  assert.match(body, /^kea_config_changes_observed_total\{target="server1",daemon="dhcp4",ha_pair="site-b",zone="z"\} 2$/m);
});

test("two owners reporting the same series: /metrics shows it once, the last one's; the other's removal leaves it", async () => {
  const r = renderer();
  r.update('a', snap({ pollDurationSeconds: 1, delayedPolls: 1 }));
  r.update('b', snap({ pollDurationSeconds: 7, delayedPolls: 7 }));
  let { body } = await r.render(false);
  assert.deepEqual(body.match(/^kea_exporter_poll_duration_seconds\{.*$/gm), ['kea_exporter_poll_duration_seconds{target="server1",daemon="dhcp4"} 7']);
  assert.deepEqual(body.match(/^kea_exporter_polls_delayed_total\{.*$/gm), ['kea_exporter_polls_delayed_total{target="server1",daemon="dhcp4"} 7']);
  r.remove('a');
  ({ body } = await r.render(false));
  assert.deepEqual(body.match(/^kea_up\{.*$/gm), ['kea_up{target="server1",daemon="dhcp4"} 1']);
});

test('label values that a plain join would confuse stay two series', async () => {
  const r = new PrometheusRenderer({ version: 't', processMetrics: false }, [
    {
      metrics: [{ name: 'x', type: 'gauge', help: 'h', labels: ['a', 'b'] }],
      collect(_s, emit) {
        emit('x', 1, { a: 'p 1:q', b: '' });
        emit('x', 2, { a: 'p', b: 'q' });
        emit('x', 3, { a: 'p\u0001q', b: 'r' });
        emit('x', 4, { a: 'p', b: 'q\u0001r' });
      },
    },
  ]);
  r.update('k', snap({}));
  assert.equal((await r.render(false)).body.split('\n').filter((l) => l.startsWith('x{')).length, 4);
});

test('the renderer uses prom-client through its typed API: no casts through unknown, no untyped methods', () => {
  const dir = fileURLToPath(new URL('..', import.meta.url));
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  assert.ok(files.length > 10);
  for (const f of files) {
    const text = readFileSync(`${dir}/${f}`, 'utf8');
    for (const banned of ['as unknown as', 'getMetricsAsString', 'Object.create', 'getForPromString']) assert.ok(!text.includes(banned), `${f}: ${banned}`);
  }
});
