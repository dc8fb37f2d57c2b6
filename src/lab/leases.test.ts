/** The memfile lease file builder (pure; real kea-dhcp4 loads it in test/integration/proxy-load-lab.test.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LEASE4_CSV_HEADER, LEASE_LIFETIME_S, LEASES_SUBNET, MAX_LEASES, lease4Line, leases4Csv } from './leases.js';

const inSubnet = (ip: string) => ip.startsWith('10.') && !['10.0.0.0', '10.255.255.255'].includes(ip);

test('header then one line per lease, every address and hardware address distinct, inside the pool', () => {
  const lines = leases4Csv({ count: 70_000, now: 1_800_000_000 }).trimEnd().split('\n');
  assert.equal(lines[0], LEASE4_CSV_HEADER);
  const rows = lines.slice(1).map((l) => l.split(','));
  assert.equal(rows.length, 70_000);
  const columns = LEASE4_CSV_HEADER.split(',').length;
  assert.ok(rows.every((r) => r.length === columns));
  assert.equal(new Set(rows.map((r) => r[0])).size, 70_000);
  assert.equal(new Set(rows.map((r) => r[1])).size, 70_000);
  assert.ok(rows.every((r) => inSubnet(r[0]!) && r[5] === String(LEASES_SUBNET.id)));
  assert.deepEqual(rows[0], [
    '10.0.0.10',
    '02:00:00:00:00:01',
    '',
    String(LEASE_LIFETIME_S),
    String(1_800_000_000 + LEASE_LIFETIME_S),
    '1',
    '0',
    '0',
    '',
    '0',
    '',
  ]);
  assert.equal(rows[65_536]![0], '10.1.0.10');
});

test('the last lease the pool holds is its last address; counts outside 0..MAX_LEASES are refused', () => {
  assert.equal(lease4Line(MAX_LEASES - 1, 0).split(',')[0], '10.255.255.250');
  assert.equal(leases4Csv({ count: 0 }), `${LEASE4_CSV_HEADER}\n`);
  for (const count of [-1, 1.5, MAX_LEASES + 1, Number.NaN]) assert.throws(() => leases4Csv({ count }), /count must be an integer/);
});
