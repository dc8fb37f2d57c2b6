import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLLECTORS } from '../prometheus/registry.js';
import { statisticsCollector } from '../prometheus/statistics.js';
import { otelName, prometheusName } from './names.js';

test('units travel as OTel units and come back as suffixes', () => {
  assert.deepEqual(otelName('kea_uptime_seconds', 'gauge'), { name: 'kea_uptime', unit: 's' });
  assert.deepEqual(otelName('kea_config_changes_observed_total', 'counter'), { name: 'kea_config_changes_observed', unit: '' });
  assert.deepEqual(otelName('kea_dhcp4_subnet_utilization_ratio', 'gauge'), { name: 'kea_dhcp4_subnet_utilization', unit: '1' });
  assert.deepEqual(otelName('process_resident_memory_bytes', 'gauge'), { name: 'process_resident_memory', unit: 'By' });
  assert.deepEqual(otelName('process_cpu_seconds_total', 'counter'), { name: 'process_cpu', unit: 's' });
  assert.deepEqual(otelName('kea_version_info', 'gauge'), { name: 'kea_version_info', unit: '' });
});

test('every default-naming family survives the OTLP -> Prometheus translation unchanged', () => {
  const defs = [...COLLECTORS.flatMap((c) => c.metrics), ...statisticsCollector('default').metrics];
  assert.ok(defs.length > 100);
  for (const d of defs) assert.equal(prometheusName(otelName(d.name, d.type), d.type), d.name, d.name);
});
