import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataPointType, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { parseStatus } from '../../kea/status.js';
import { INVALID_SAMPLES, PrometheusRenderer } from '../prometheus/registry.js';
import type { Collector } from '../prometheus/collector.js';
import { Snapshots } from '../snapshots.js';
import type { DaemonSnapshot, SeriesOwner } from '../../snapshot.js';
import { fixtureArgs } from '../../../test/support/fixture-files.js';
import { SnapshotSeriesProducer } from './producer.js';

const ha = parseStatus(fixtureArgs('2.2.0', 'dhcp4-ha-primary.status-get'));

function snapshot(i: number): DaemonSnapshot {
  return {
    target: `kea-${i}`,
    daemon: 'dhcp4',
    labels: { site: 'a' },
    transport: 'unix',
    up: true,
    status: { ...ha, uptime: i },
    version: '2.2.0',
    configHash: { hash: 'A'.repeat(64), source: 'computed' },
    configChanges: i % 3,
    haTransitions: {},
    commandErrors: {},
  };
}

const points = async (p: SnapshotSeriesProducer) => (await p.collect()).resourceMetrics.scopeMetrics[0]!.metrics;

test("every series of /metrics, also beyond the SDK's 2,000-per-instrument cardinality limit", async () => {
  const r = new PrometheusRenderer({ version: 't', processMetrics: false });
  for (let i = 0; i < 300; i++) r.update(`kea-${i}|self`, snapshot(i));
  r.counter('kea_exporter_proxy_requests_total', 'proxied', ['code']).inc({ code: '200' }, 4);
  const metrics = await points(new SnapshotSeriesProducer(r, { name: 'kea-telemetry', version: 't' }));
  const text = (await r.render(false)).body;
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(
    metrics.reduce((n, m) => n + m.dataPoints.length, 0),
    lines.length,
  );

  const state = metrics.find((m) => m.descriptor.name === 'kea_ha_state')!;
  assert.equal(state.dataPointType, DataPointType.GAUGE);
  assert.equal(state.dataPoints.length, 300 * 12);
  const p = state.dataPoints.find((d) => d.attributes.target === 'kea-7' && d.attributes.state === 'partner-down')!;
  assert.deepEqual(p.attributes, { target: 'kea-7', daemon: 'dhcp4', site: 'a', relationship: 'standby', state: 'partner-down' });

  const changes = metrics.find((m) => m.descriptor.name === 'kea_config_changes_observed') as SumMetricData;
  assert.equal(changes.dataPointType, DataPointType.SUM);
  assert.equal(changes.isMonotonic, true);
  assert.equal(changes.dataPoints.find((d) => d.attributes.target === 'kea-5')!.value, 2);
  const uptime = metrics.find((m) => m.descriptor.name === 'kea_uptime')!;
  assert.equal(uptime.descriptor.unit, 's');
  assert.equal(uptime.dataPoints.find((d) => d.attributes.target === 'kea-42')!.value, 42);
  // The exporter's own metrics (prom-client's) travel too.
  assert.ok(metrics.some((m) => m.descriptor.name === 'kea_exporter_build_info'));
  const proxied = metrics.find((m) => m.descriptor.name === 'kea_exporter_proxy_requests') as SumMetricData;
  assert.deepEqual(
    proxied.dataPoints.map((d) => [d.attributes, d.value]),
    [[{ code: '200' }, 4]],
  );
});

test('the export reads the snapshots through the collectors, nothing of the Prometheus side', async () => {
  const collector: Collector<SeriesOwner> = {
    metrics: [
      { name: 'kea_thing_total', type: 'counter', help: 'things', labels: ['kind'] },
      { name: 'kea_level', type: 'gauge', help: 'level' },
    ],
    collect(s, emit) {
      emit('kea_thing_total', 5, { kind: 'a' });
      emit('kea_thing_total', -1, { kind: 'broken' }); // left out, as /metrics leaves it out
      emit('kea_level', Number.NaN);
      emit('kea_new', 1, undefined, { name: 'kea_new', type: 'gauge', help: 'declared by its sample' });
      if (s.target === 'bad') throw new Error('collector bug');
    },
  };
  const snapshots = new Snapshots(collector.metrics);
  snapshots.set('k1', { target: 'k1', daemon: 'dhcp4', labels: { site: 'x' } }, [collector]);
  snapshots.set('bad', { target: 'bad', daemon: 'dhcp4', labels: {} }, [collector]);
  const own = { families: async () => [{ name: 'kea_exporter_x_total', help: 'x', type: 'counter' as const, values: [{ value: 2, labels: {} }] }] };
  const producer = new SnapshotSeriesProducer({ snapshots, own }, { name: 't', version: 't' });
  const result = await producer.collect();
  assert.equal(result.errors.length, 1, 'the broken owner is reported');
  const metrics = result.resourceMetrics.scopeMetrics[0]!.metrics;
  const thing = metrics.find((m) => m.descriptor.name === 'kea_thing')!;
  // The broken owner's points made before its collector threw are in; its counter of -1 is not.
  assert.deepEqual(
    thing.dataPoints.map((d) => [d.attributes.target, d.attributes.kind, d.value]),
    [
      ['k1', 'a', 5],
      ['bad', 'a', 5],
    ],
  );
  assert.ok(Number.isNaN(metrics.find((m) => m.descriptor.name === 'kea_level')!.dataPoints[0]!.value));
  assert.equal(metrics.find((m) => m.descriptor.name === 'kea_new')!.dataPoints.length, 2);
  assert.equal(metrics.find((m) => m.descriptor.name === 'kea_exporter_x')!.dataPoints[0]!.value, 2);
  // A newer snapshot replaces the old one; a removed owner is gone at the next export.
  snapshots.delete('bad');
  snapshots.set('k1', { target: 'k1', daemon: 'dhcp6', labels: {} }, [collector]);
  const again = (await producer.collect()).resourceMetrics.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === 'kea_thing')!;
  assert.deepEqual(
    again.dataPoints.map((d) => d.attributes),
    [{ target: 'k1', daemon: 'dhcp6', kind: 'a' }],
  );
});

test('an empty label is no attribute, as it is no label on /metrics', async () => {
  const collector: Collector<SeriesOwner> = {
    metrics: [{ name: 'kea_subnet_thing', type: 'gauge', help: 'thing', labels: ['subnet', 'shared_network'] }],
    collect(_s, emit) {
      emit('kea_subnet_thing', 1, { subnet: '192.0.2.0/24', shared_network: '' });
      emit('kea_subnet_thing', 2, { subnet: '', shared_network: 'net' });
      emit('kea_subnet_thing', 3);
    },
  };
  const snapshots = new Snapshots(collector.metrics);
  snapshots.set('k', { target: 'k', daemon: 'dhcp4', labels: { ha_pair: '', site: 'x' } }, [collector]);
  const own = { families: async () => [] };
  const metrics = (await new SnapshotSeriesProducer({ snapshots, own }, { name: 't', version: 't' }).collect()).resourceMetrics.scopeMetrics[0]!.metrics;
  assert.deepEqual(
    metrics.find((m) => m.descriptor.name === 'kea_subnet_thing')!.dataPoints.map((d) => [d.attributes, d.value]),
    [
      [{ target: 'k', daemon: 'dhcp4', site: 'x', subnet: '192.0.2.0/24' }, 1],
      [{ target: 'k', daemon: 'dhcp4', site: 'x', shared_network: 'net' }, 2],
      [{ target: 'k', daemon: 'dhcp4', site: 'x' }, 3],
    ],
  );
});

test('process metrics: gauges and counters exported, histograms left out; invalid samples counted as on /metrics', async () => {
  const r = new PrometheusRenderer({ version: 't' });
  r.update('k|self', { ...snapshot(1), commandErrors: { 'status-get': { timeout: -3 } } });
  const metrics = await points(new SnapshotSeriesProducer(r, { name: 't', version: 't' }));
  const names = metrics.map((m) => m.descriptor.name);
  assert.ok(names.includes('process_cpu'), 'a counter, with its unit');
  assert.ok(names.includes('nodejs_eventloop_lag'), 'a gauge');
  assert.ok(!names.some((n) => n.startsWith('nodejs_gc_duration')), 'no histogram');
  assert.ok(!metrics.find((m) => m.descriptor.name === 'kea_exporter_command_errors')?.dataPoints.length, 'the negative counter is left out');
  const invalid = metrics.find((m) => `${m.descriptor.name}_total` === INVALID_SAMPLES)!;
  assert.equal(invalid.dataPoints[0]!.value, 1);
});
