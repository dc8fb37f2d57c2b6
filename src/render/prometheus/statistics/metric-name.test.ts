import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snakeCase, unmappedMetricName } from './metric-name.js';

test('snake case, lowercase; nothing left is "unnamed"', () => {
  assert.equal(snakeCase('perfmon.Discover-Offer.mean-usecs'), 'perfmon_discover_offer_mean_usecs');
  assert.equal(snakeCase('--//'), 'unnamed');
});

test('parts promtool rejects are joined to the part before; reserved suffixes moved off the end', () => {
  const p = 'kea_dhcp4_';
  assert.equal(unmappedMetricName(p, 'pkt6-not-for-us'), 'kea_dhcp4_pkt6_not_forus');
  assert.equal(unmappedMetricName(p, 'us'), 'kea_dhcp4us');
  assert.equal(unmappedMetricName(p, 'wait-millisecond-s'), 'kea_dhcp4_waitmilliseconds', 'joining again when a join builds a banned part');
  assert.equal(unmappedMetricName(p, 'queue-Gauge-minutes'), 'kea_dhcp4_queuegaugeminutes');
  assert.equal(unmappedMetricName(p, 'leases-total'), 'kea_dhcp4_leases_total_unmapped');
  assert.equal(unmappedMetricName('kea_dhcp6_pd_pool_', 'x-count'), 'kea_dhcp6_pd_pool_x_count_unmapped');
  assert.equal(unmappedMetricName(p, 'perfmon.mean-usecs'), 'kea_dhcp4_perfmon_mean_usecs', 'real Kea 3.2 names unchanged');
});
