import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseStatistics } from '../../../kea/statistics/parse.js';
import { parseSubnets, type SubnetInfo } from '../../../kea/statistics/subnets.js';
import { StatisticNames, sanitize, statFamilies, type Naming, type Scope, type StatFamily, type StatsDaemon } from './names.js';
import { DEFAULT_STATS, PACKET_FAMILIES } from './names-default.js';
import { fixtureArgs } from '../../../../test/support/fixture-files.js';

const built = (name: string): unknown =>
  (JSON.parse(readFileSync(new URL(`../../../../test/fixtures/kea/stats/${name}.json`, import.meta.url), 'utf8')) as { arguments: unknown }).arguments;
const SUBNETS: Record<StatsDaemon, Map<number, SubnetInfo>> = {
  dhcp4: parseSubnets(built('dhcp4-3.2.config-get')),
  dhcp6: parseSubnets(built('dhcp6-3.2.config-get')),
  d2: new Map(),
};
/** This file's namings: the families of unknown statistics are each StatisticNames' own. */
const NAMES: Record<Naming, StatisticNames> = { default: new StatisticNames('default'), 'kea-exporter': new StatisticNames('kea-exporter') };
/** The series for one Kea statistic name (scope prefix included), through the real parser. */
function series(daemon: StatsDaemon, naming: Naming, keaName: string) {
  const [sample] = parseStatistics({ [keaName]: [[1, '2026-11-21 04:10:10.000000']] });
  assert.ok(sample);
  return NAMES[naming].series(daemon, sample, SUBNETS[daemon]);
}

const S1 = { subnet_id: '1', subnet: '192.0.2.0/24', shared_network: '' };
const P1 = { ...S1, pool: '192.0.2.10-192.0.2.99' };
const S10 = { subnet_id: '10', subnet: '2001:db8:10::/64', shared_network: 'campus' };
const P10 = { ...S10, pool: '2001:db8:10::/80' };
const D10 = { ...S10, pool: '2001:db8:200::/48' };
const KEY = { key: 'd2.example.com.' };

/** [daemon, Kea name, family, labels]: every family of the default naming is hit below. */
const DEFAULT_ROWS: Array<[StatsDaemon, string, string, Record<string, string>]> = [];
const add = (daemon: StatsDaemon, stat: string, byScope: Array<[prefix: string, family: string, labels: Record<string, string>]>) => {
  for (const [prefix, family, labels] of byScope) DEFAULT_ROWS.push([daemon, prefix + stat, family, labels]);
};
for (const v of ['4', '6'] as const) {
  const d = `dhcp${v}` as const;
  const p = `kea_${d}_packets_`;
  DEFAULT_ROWS.push(
    [d, `pkt${v}-request-received`, `${p}received_total`, { type: 'request' }],
    [d, `pkt${v}-lease-query-received`, `${p}received_total`, { type: 'lease-query' }],
    [d, v === '4' ? 'pkt4-offer-sent' : 'pkt6-addr-reg-reply-sent', `${p}sent_total`, { type: v === '4' ? 'offer' : 'addr-reg-reply' }],
    [d, `pkt${v}-received`, `${p}received_all_total`, {}],
    [d, `pkt${v}-sent`, `${p}sent_all_total`, {}],
    [d, `pkt${v}-receive-drop`, `${p}dropped_total`, {}],
    [d, `pkt${v}-parse-failed`, `${p}dropped_by_reason_total`, { reason: 'parse-failed' }],
    [d, `pkt${v}-limit-exceeded`, `${p}dropped_by_reason_total`, { reason: 'limit-exceeded' }],
  );
  const [S, P] = v === '4' ? [S1, P1] : [S10, P10];
  const [sub, pool] = v === '4' ? ['subnet[1].', 'subnet[1].pool[1].'] : ['subnet[10].', 'subnet[10].pool[0].'];
  const gsp = (stat: string, base: string, scopes = 'gsp') =>
    add(d, stat, [
      ...(scopes.includes('g') ? [['', `kea_${d}_${scopes.includes('s') ? 'global_' : ''}${base}`, {}] as [string, string, Record<string, string>]] : []),
      ...(scopes.includes('s') ? [[sub, `kea_${d}_${base}`, S] as [string, string, Record<string, string>]] : []),
      ...(scopes.includes('p') ? [[pool, `kea_${d}_pool_${base}`, P] as [string, string, Record<string, string>]] : []),
    ]);
  gsp('declined-addresses', 'addresses_declined');
  gsp('reclaimed-declined-addresses', 'declined_addresses_reclaimed_total');
  gsp('reclaimed-leases', 'leases_reclaimed_total');
  gsp(`v${v}-allocation-fail`, 'allocation_failures_total', 'gs');
  for (const c of ['shared-network', 'subnet', 'no-pools', 'classes'])
    gsp(`v${v}-allocation-fail-${c}`, `allocation_failures_${c.replace('-', '_')}_total`, 'gs');
  if (v === '4') {
    gsp('total-addresses', 'addresses_capacity', 'sp');
    gsp('assigned-addresses', 'addresses_assigned', 'sp');
    gsp('cumulative-assigned-addresses', 'address_assignments_total');
    gsp('v4-reservation-conflicts', 'reservation_conflicts_total', 'gs');
    gsp('v4-lease-reuses', 'lease_reuses_total', 'gs');
  } else {
    gsp('total-nas', 'addresses_capacity', 'sp');
    gsp('assigned-nas', 'addresses_assigned', 'sp');
    gsp('cumulative-assigned-nas', 'address_assignments_total');
    gsp('v6-ia-na-lease-reuses', 'address_lease_reuses_total', 'gs');
    gsp('v6-ia-pd-lease-reuses', 'prefix_lease_reuses_total', 'gs');
    gsp('registered-nas', 'addresses_registered', 's');
    gsp('cumulative-registered-nas', 'address_registrations_total', 'gs');
    for (const [stat, base, scopes] of [
      ['total-pds', 'prefixes_capacity', 's'],
      ['assigned-pds', 'prefixes_assigned', 's'],
      ['cumulative-assigned-pds', 'prefix_assignments_total', 'gs'],
      ['reclaimed-leases', 'leases_reclaimed_total', ''],
    ] as const) {
      if (scopes) gsp(stat, base, scopes);
      add(d, stat, [['subnet[10].pd-pool[5].', `kea_dhcp6_pd_pool_${base}`, D10]]);
    }
  }
}
for (const [stat, base, perKey] of [
  ['ncr-received', 'ncr_received_total', false],
  ['ncr-invalid', 'ncr_invalid_total', false],
  ['ncr-error', 'ncr_errors_total', false],
  ['queue-mgr-queue-full', 'ncr_queue_full_total', false],
  ['update-sent', 'updates_sent_total', true],
  ['update-signed', 'updates_signed_total', false],
  ['update-unsigned', 'updates_unsigned_total', false],
  ['update-success', 'updates_succeeded_total', true],
  ['update-timeout', 'updates_timed_out_total', true],
  ['update-error', 'updates_failed_total', true],
] as const) {
  add('d2', stat, [
    ['', `kea_d2_${base}`, {}],
    ...(perKey ? [['key[d2.example.com.].', `kea_d2_key_${base}`, KEY] as [string, string, Record<string, string>]] : []),
  ]);
}

const KX4 = { subnet: '192.0.2.0/24', subnet_id: '1' };
const KX6 = { subnet: '2001:db8:10::/64', subnet_id: '10' };
/** kea-exporter 0.7: every family and label value its exporter.py produces. */
const KX_ROWS: Array<[StatsDaemon, string, string, Record<string, string>]> = [
  ['dhcp4', 'pkt4-ack-sent', 'kea_dhcp4_packets_sent_total', { operation: 'ack' }],
  ['dhcp4', 'pkt4-discover-received', 'kea_dhcp4_packets_received_total', { operation: 'discover' }],
  ['dhcp4', 'pkt4-receive-drop', 'kea_dhcp4_packets_received_total', { operation: 'drop' }],
  ['dhcp4', 'pkt4-parse-failed', 'kea_dhcp4_packets_received_total', { operation: 'parse-failed' }],
  ['dhcp4', 'subnet[1].v4-allocation-fail-no-pools', 'kea_dhcp4_allocations_failed_total', { ...KX4, context: 'no-pools' }],
  ['dhcp4', 'subnet[1].assigned-addresses', 'kea_dhcp4_addresses_assigned_total', { ...KX4, pool: '' }],
  ['dhcp4', 'subnet[1].pool[1].assigned-addresses', 'kea_dhcp4_addresses_assigned_total', { ...KX4, pool: '192.0.2.10-192.0.2.99' }],
  ['dhcp4', 'subnet[1].declined-addresses', 'kea_dhcp4_addresses_declined_total', { ...KX4, pool: '' }],
  ['dhcp4', 'subnet[1].reclaimed-declined-addresses', 'kea_dhcp4_addresses_declined_reclaimed_total', { ...KX4, pool: '' }],
  ['dhcp4', 'subnet[1].pool[2].reclaimed-leases', 'kea_dhcp4_addresses_reclaimed_total', { ...KX4, pool: '192.0.2.100-192.0.2.199' }],
  ['dhcp4', 'subnet[1].total-addresses', 'kea_dhcp4_addresses_total', { ...KX4, pool: '' }],
  ['dhcp4', 'subnet[1].v4-reservation-conflicts', 'kea_dhcp4_reservation_conflicts_total', KX4],
  ['dhcp4', 'subnet[1].v4-lease-reuses', 'kea_dhcp4_leases_reused_total', KX4],
  ['dhcp6', 'pkt6-reply-sent', 'kea_dhcp6_packets_sent_total', { operation: 'reply' }],
  ['dhcp6', 'pkt6-infrequest-received', 'kea_dhcp6_packets_received_total', { operation: 'infrequest' }],
  ['dhcp6', 'pkt6-dhcpv4-response-sent', 'kea_dhcp6_packets_sent_dhcp4_total', { operation: 'response' }],
  ['dhcp6', 'pkt6-dhcpv4-query-received', 'kea_dhcp6_packets_received_dhcp4_total', { operation: 'query' }],
  ['dhcp6', 'subnet[10].v6-allocation-fail-shared-network', 'kea_dhcp6_allocations_failed_total', { ...KX6, context: 'shared-network' }],
  ['dhcp6', 'subnet[10].pool[0].declined-addresses', 'kea_dhcp6_addresses_declined_total', { ...KX6, pool: '2001:db8:10::/80' }],
  ['dhcp6', 'subnet[10].declined-reclaimed-addresses', 'kea_dhcp6_addresses_declined_reclaimed_total', { ...KX6, pool: '' }],
  ['dhcp6', 'subnet[10].reclaimed-leases', 'kea_dhcp6_addresses_reclaimed_total', { ...KX6, pool: '' }],
  ['dhcp6', 'subnet[10].v6-reservation-conflicts', 'kea_dhcp6_reservation_conflicts_total', KX6],
  ['dhcp6', 'subnet[10].assigned-nas', 'kea_dhcp6_na_assigned_total', { ...KX6, pool: '' }],
  ['dhcp6', 'subnet[10].pool[0].total-nas', 'kea_dhcp6_na_total', { ...KX6, pool: '2001:db8:10::/80' }],
  ['dhcp6', 'subnet[10].v6-ia-na-lease-reuses', 'kea_dhcp6_na_reuses_total', { ...KX6, pool: '' }],
  ['dhcp6', 'subnet[10].assigned-pds', 'kea_dhcp6_pd_assigned_total', KX6],
  ['dhcp6', 'subnet[10].total-pds', 'kea_dhcp6_pd_total', KX6],
  ['dhcp6', 'subnet[10].v6-ia-pd-lease-reuses', 'kea_dhcp6_pd_reuses_total', { ...KX6, pool: '' }],
  ['d2', 'key[d2.example.com.].update-timeout', 'kea_d2_key_updates_timed_out_total', KEY], // no d2 in 0.7: default names
];

for (const [naming, rows] of [
  ['default', DEFAULT_ROWS],
  ['kea-exporter', KX_ROWS],
] as const) {
  test(`${naming} naming: every declared family, its labels and label values`, () => {
    const hit = new Set<string>();
    for (const [daemon, keaName, family, labels] of rows) {
      const got = series(daemon, naming, keaName);
      assert.equal(got?.family.name, family, keaName);
      assert.deepEqual(got?.labels, labels, keaName);
      assert.deepEqual(Object.keys(got.labels).sort(), [...got.family.labels].sort(), `${keaName}: labels fit the family`);
      assert.ok(statFamilies(daemon, naming).includes(got.family), `${keaName}: a declared family, same object`);
      hit.add(`${daemon} ${family}`);
    }
    // kea-exporter 0.7 has no d2 support: d2 keeps the default families (the same objects).
    for (const daemon of naming === 'default' ? (['dhcp4', 'dhcp6', 'd2'] as const) : (['dhcp4', 'dhcp6'] as const)) {
      for (const f of statFamilies(daemon, naming)) assert.ok(hit.has(`${daemon} ${f.name}`), `${daemon} ${f.name} has a row`);
    }
    assert.deepEqual(statFamilies('d2', 'kea-exporter'), statFamilies('d2', 'default'));
  });
}

test('family invariants: valid unique names, _total only on counters, no OpenMetrics clash', () => {
  for (const naming of ['default', 'kea-exporter'] as const) {
    for (const daemon of ['dhcp4', 'dhcp6', 'd2'] as const) {
      const families = statFamilies(daemon, naming);
      const names = new Set(families.map((f) => f.name));
      assert.equal(names.size, families.length, `${naming} ${daemon}: unique names`);
      for (const f of families) {
        assert.match(f.name, /^kea_(dhcp4|dhcp6|d2)_[a-z0-9_]+[a-z0-9]$/);
        for (const l of f.labels) assert.match(l, /^[a-z_]+$/);
        assert.ok(f.help.length > 10);
        // kea-exporter's gauges keep their historical _total names; ours follow the convention.
        if (naming === 'default') assert.equal(f.name.endsWith('_total'), f.type === 'counter', f.name);
        if (f.type === 'counter') assert.ok(!names.has(f.name.replace(/_total$/, '')), `${f.name}: OpenMetrics family clash`);
      }
    }
  }
});

test('every statistic of every fixture: labels fit their family, no two series collide', () => {
  const fixtures: Array<[StatsDaemon, unknown, ReadonlyMap<number, SubnetInfo>]> = [
    ['dhcp4', fixtureArgs('2.2.0', 'dhcp4.statistic-get-all'), parseSubnets(fixtureArgs('2.2.0', 'dhcp4-ha-primary.config-get'))],
    ['dhcp4', fixtureArgs('2.2.0', 'dhcp4-after-load.statistic-get-all'), new Map()],
    ['dhcp6', fixtureArgs('2.2.0', 'dhcp6.statistic-get-all'), parseSubnets(fixtureArgs('2.2.0', 'dhcp6.config-get'))],
    ['dhcp4', built('dhcp4-3.2.statistic-get-all'), SUBNETS.dhcp4],
    ['dhcp6', built('dhcp6-3.2.statistic-get-all'), SUBNETS.dhcp6],
    ['d2', built('d2.statistic-get-all'), new Map()],
  ];
  for (const naming of ['default', 'kea-exporter'] as const) {
    for (const [daemon, args, subnets] of fixtures) {
      const seen = new Set<string>();
      const unknown = new Set<string>();
      const names = new StatisticNames(naming);
      for (const s of parseStatistics(args)) {
        const got = names.series(daemon, s, subnets);
        if (!got) {
          assert.equal(naming, 'kea-exporter');
          continue;
        }
        assert.deepEqual(Object.keys(got.labels).sort(), [...got.family.labels].sort(), `${s.stat}`);
        const id = `${got.family.name}${JSON.stringify(Object.entries(got.labels).sort())}`;
        assert.ok(!seen.has(id), `${naming} ${daemon}: duplicate series ${id}`);
        seen.add(id);
        if (!statFamilies(daemon, naming).includes(got.family)) unknown.add(s.stat);
      }
      // Default naming knows every statistic of Kea 2.2–3.2 but the PerfMon hook's.
      if (naming === 'default')
        assert.ok(
          [...unknown].every((u) => u.startsWith('perfmon.')),
          [...unknown].join(),
        );
    }
  }
});

test('unknown statistics: sanitized gauge, scope labels, cached, never on a known name', () => {
  const g = series('dhcp4', 'default', 'pkt4-bootp-thing');
  assert.deepEqual(g?.family, { name: 'kea_dhcp4_pkt4_bootp_thing', type: 'gauge', labels: [], help: g?.family.help });
  assert.match(g.family.help, /not mapped/);
  assert.equal(series('dhcp4', 'default', 'pkt4-bootp-thing')?.family, g.family);
  const p = series('dhcp4', 'default', 'subnet[1].perfmon.discover-offer.socket_received-buffer_read.mean-usecs');
  assert.equal(p?.family.name, 'kea_dhcp4_subnet_perfmon_discover_offer_socket_received_buffer_read_mean_usecs');
  assert.deepEqual(p?.labels, S1);
  assert.deepEqual(series('dhcp6', 'default', 'subnet[10].pd-pool[5].new-thing')?.labels, D10);
  assert.equal(series('dhcp6', 'default', 'subnet[10].pd-pool[5].new-thing')?.family.name, 'kea_dhcp6_pd_pool_new_thing');
  // A global name that sanitizes onto a known family's name moves aside.
  assert.equal(series('dhcp4', 'default', 'addresses-assigned')?.family.name, 'kea_dhcp4_addresses_assigned_unmapped');
  assert.equal(series('dhcp4', 'default', 'pool_addresses-capacity')?.family.name, 'kea_dhcp4_pool_addresses_capacity_unmapped');
  assert.equal(sanitize('a..b--c/é'), 'a_b_c');
  assert.equal(sanitize('--'), 'unnamed');
  // kea-exporter naming: what 0.7 logged as "Unhandled metric" is kept, with its label names.
  assert.deepEqual(series('dhcp4', 'kea-exporter', 'pkt4-admin-filtered')?.family.name, 'kea_dhcp4_pkt4_admin_filtered');
  const pd = series('dhcp6', 'kea-exporter', 'subnet[10].pd-pool[5].assigned-pds');
  assert.equal(pd?.family.name, 'kea_dhcp6_pd_pool_assigned_pds');
  assert.deepEqual(pd?.labels, { ...KX6, pool: '2001:db8:200::/48' });
  assert.deepEqual(series('dhcp6', 'kea-exporter', 'subnet[10].registered-nas')?.family.labels, ['subnet', 'subnet_id']);
});

test('default naming: the names spelled out in the table follow the rule docs/statistics.md states', () => {
  for (const d of ['dhcp4', 'dhcp6', 'd2'] as const) {
    const p = `kea_${d}_`;
    for (const def of DEFAULT_STATS[d]) {
      const perSubnet = def.names.subnet !== undefined;
      const plain = def.names.subnet ?? def.names.global ?? '';
      assert.ok(plain?.startsWith(p), `${d} ${def.stat}: a subnet or global name under ${p}`);
      const base = plain.slice(p.length);
      const rule: Record<Scope, string> = {
        global: perSubnet ? `${p}global_${base}` : `${p}${base}`,
        subnet: `${p}${base}`,
        pool: `${p}pool_${base}`,
        'pd-pool': `${p}pd_pool_${base}`,
        key: `${p}key_${base}`,
      };
      for (const [scope, name] of Object.entries(def.names) as [Scope, string][]) assert.equal(name, rule[scope], `${d} ${def.stat} (${scope})`);
    }
  }
  for (const d of ['dhcp4', 'dhcp6'] as const) {
    for (const f of Object.values(PACKET_FAMILIES[d]) as StatFamily[]) assert.match(f.name, new RegExp(`^kea_${d}_packets_[a-z_]+_total$`));
  }
});

test('a known statistic at a scope its table entry does not list is exported like an unknown one', () => {
  for (const [daemon, keaName, family, labels] of [
    ['dhcp4', 'assigned-addresses', 'kea_dhcp4_assigned_addresses', {}],
    ['dhcp4', 'subnet[1].pool[1].v4-lease-reuses', 'kea_dhcp4_pool_v4_lease_reuses', P1],
    ['d2', 'subnet[5].update-sent', 'kea_d2_subnet_update_sent', { subnet_id: '5', subnet: '', shared_network: '' }],
  ] as const) {
    const got = series(daemon, 'default', keaName);
    assert.deepEqual(got?.family, { name: family, type: 'gauge', labels: got?.family.labels, help: got?.family.help }, keaName);
    assert.match(got.family.help, /not mapped/);
    assert.deepEqual(got.labels, labels);
    assert.ok(!statFamilies(daemon, 'default').includes(got.family));
  }
});

test('subnets and pools missing from the config keep their series', () => {
  const gone = { subnet_id: '42', subnet: '', shared_network: '' };
  assert.deepEqual(series('dhcp4', 'default', 'subnet[42].assigned-addresses')?.labels, gone);
  assert.deepEqual(series('dhcp4', 'kea-exporter', 'subnet[42].assigned-addresses')?.labels, { subnet: '', subnet_id: '42', pool: '' });
  assert.deepEqual(series('dhcp4', 'default', 'subnet[42].pool[3].total-addresses')?.labels, { ...gone, pool: 'pool[3]' });
  assert.deepEqual(series('dhcp4', 'default', 'subnet[1].pool[9].assigned-addresses')?.labels, { ...S1, pool: 'pool[9]' });
  assert.deepEqual(series('dhcp6', 'default', 'subnet[10].pd-pool[7].assigned-pds')?.labels, { ...S10, pool: 'pd-pool[7]' });
  // Kea sums every pool without a pool-id into pool[0]: the label names all of them.
  assert.equal(series('dhcp4', 'default', 'subnet[2].pool[0].total-addresses')?.labels.pool, '198.51.100.10-198.51.100.49,198.51.100.50-198.51.100.99');
  assert.equal(series('dhcp4', 'default', 'subnet[2].total-addresses')?.labels.shared_network, 'office');
});

test('kea-exporter naming drops what 0.7 drops on purpose: sums and cumulative counts', () => {
  for (const [daemon, name] of [
    ['dhcp4', 'pkt4-received'],
    ['dhcp4', 'pkt4-sent'],
    ['dhcp4', 'cumulative-assigned-addresses'],
    ['dhcp4', 'declined-addresses'],
    ['dhcp4', 'v4-allocation-fail-subnet'],
    ['dhcp4', 'v4-lease-reuses'],
    ['dhcp4', 'subnet[1].cumulative-assigned-addresses'],
    ['dhcp4', 'subnet[1].pool[1].cumulative-assigned-addresses'],
    ['dhcp4', 'subnet[1].v4-allocation-fail'],
    ['dhcp6', 'pkt6-received'],
    ['dhcp6', 'reclaimed-leases'],
    ['dhcp6', 'v6-ia-pd-lease-reuses'],
    ['dhcp6', 'subnet[10].cumulative-assigned-pds'],
    ['dhcp6', 'subnet[10].pd-pool[0].cumulative-assigned-pds'],
  ] as const) {
    assert.equal(series(daemon, 'kea-exporter', name), undefined, name);
  }
  // A statistic 0.7 maps, at a scope it never saw, goes to a generic family instead of clashing.
  assert.equal(series('dhcp4', 'kea-exporter', 'subnet[1].pool[1].v4-lease-reuses')?.family.name, 'kea_dhcp4_pool_v4_lease_reuses');
});

test('StatisticNames.series never throws on odd samples', () => {
  const odd = [
    { name: '', stat: '', value: 1 },
    { name: 'x', stat: 'x', subnetId: 1, key: 'k', value: 1 },
    { name: 'pkt4-', stat: 'pkt4-', value: 1 },
    { name: 'pkt4--received', stat: 'pkt4--received', value: 1 },
    { name: 'update-sent', stat: 'update-sent', subnetId: 5, value: 1 },
    { name: 'ncr-error', stat: 'ncr-error', poolId: 1, value: 1 },
  ];
  for (const naming of ['default', 'kea-exporter'] as const) {
    for (const daemon of ['dhcp4', 'dhcp6', 'd2'] as const) {
      for (const s of odd) {
        const got = NAMES[naming].series(daemon, s, new Map());
        if (got) assert.deepEqual(Object.keys(got.labels).sort(), [...got.family.labels].sort());
      }
    }
  }
});

test('docs/statistics.md lists every declared family', () => {
  const readme = readFileSync(new URL('../../../../docs/statistics.md', import.meta.url), 'utf8');
  const all: StatFamily[] = (['dhcp4', 'dhcp6', 'd2'] as const).flatMap((d) => [...statFamilies(d, 'default'), ...statFamilies(d, 'kea-exporter')]);
  for (const f of all) assert.ok(readme.includes(`\`${f.name}\``), f.name);
});
