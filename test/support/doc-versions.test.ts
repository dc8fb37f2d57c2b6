import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentedAbsent, documentedSince, queryFamilies } from './doc-versions.js';

test('the docs give the first Kea version of the families that are not in every Kea', () => {
  const since = documentedSince();
  const absent = (family: string, version: string) => documentedAbsent(since, family, version);
  // "(2.4+)" on the statistic; the per-pool column; a family in prose "(Kea ≥ 2.4)".
  assert.ok(absent('kea_dhcp4_lease_reuses_total', '2.2') && !absent('kea_dhcp4_lease_reuses_total', '2.6'));
  assert.ok(absent('kea_dhcp4_pool_addresses_assigned', '2.2') && !absent('kea_dhcp4_pool_addresses_assigned', '2.6'));
  assert.ok(absent('kea_dhcp4_pool_utilization_ratio', '2.2'));
  // "Kea 2.2 has neither"; "Kea ≥ 2.6.2" (so not in 2.6.0 either); "(Kea ≥ 3.0, …)".
  assert.ok(absent('kea_dhcp_disabled_by', '2.2') && !absent('kea_dhcp_disabled_by', '3.0'));
  assert.ok(absent('kea_dhcp_disabled', '2.6') && !absent('kea_dhcp_disabled', '2.6.2'));
  assert.ok(absent('kea_ha_clock_skew_seconds', '2.6') && !absent('kea_ha_clock_skew_seconds', '3.0'));
  // A row that names 2.4 for one source and 2.2 for the other: in 2.2. Families without a version: everywhere.
  assert.ok(!absent('kea_config_hash_info', '2.2'));
  for (const f of ['kea_up', 'kea_dhcp4_addresses_assigned', 'kea_ha_state', 'kea_dhcp6_pool_addresses_assigned']) assert.ok(!absent(f, '2.2'), f);
});

test('queryFamilies: the kea_ names a query reads, once each', () => {
  assert.deepEqual(queryFamilies('sum(rate(kea_dhcp4_packets_received_total{type="ack"}[1m])) / on() kea_up or kea_up'), [
    'kea_dhcp4_packets_received_total',
    'kea_up',
  ]);
  assert.deepEqual(queryFamilies('vector(1)'), []);
});
