import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataPointType, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { parseStatus } from '../../kea/status.js';
import { PrometheusRenderer } from '../prometheus/registry.js';
import type { DaemonSnapshot } from '../../snapshot.js';
import { fixtureArgs } from '../../../test/support/fixture-files.js';
import { PrometheusSeriesProducer } from './producer.js';

const ha = parseStatus(fixtureArgs('2.2.0', 'dhcp4-ha-primary.status-get'));

function snapshot(i: number): DaemonSnapshot {
  return {
    target: `kea-${i}`, daemon: 'dhcp4', labels: { site: 'a' }, transport: 'unix', up: true, status: { ...ha, uptime: i },
    version: '2.2.0', configHash: { hash: 'A'.repeat(64), source: 'computed' }, configChanges: i % 3, haTransitions: {}, commandErrors: {},
  };
}

test('every series of /metrics, also beyond the SDK\'s 2,000-per-instrument cardinality limit', async () => {
  const r = new PrometheusRenderer(['site'], { version: 't', processMetrics: false });
  for (let i = 0; i < 300; i++) r.update(`kea-${i}|self`, snapshot(i));
  const { resourceMetrics } = await new PrometheusSeriesProducer(r, { name: 'kea-telemetry', version: 't' }).collect();
  const metrics = resourceMetrics.scopeMetrics[0]!.metrics;
  const text = (await r.render(false)).body;
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(metrics.reduce((n, m) => n + m.dataPoints.length, 0), lines.length);

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
  assert.ok(metrics.some((m) => m.descriptor.name === 'kea_exporter_build_info'), 'prom-client\'s own metrics too');
});
