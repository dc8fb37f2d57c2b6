import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseStatistics, type StatSample } from './parse.js';
import { fixtureArgs } from '../../../test/support/fixture-files.js';

const built = (name: string): unknown =>
  (JSON.parse(readFileSync(new URL(`../../../test/fixtures/kea/stats/${name}.json`, import.meta.url), 'utf8')) as { arguments: unknown }).arguments;
/** The samples of one statistic at one scope, without Kea's whole name (the tests below check it). */
const find = (samples: StatSample[], stat: string, scope: Partial<StatSample> = {}) =>
  samples
    .filter((s) => s.stat === stat && s.subnetId === scope.subnetId && s.poolId === scope.poolId && s.pdPoolId === scope.pdPoolId && s.key === scope.key)
    .map(({ name: _, ...rest }) => rest);

test('2.2 dhcp4 capture: one sample per statistic, global and per subnet', () => {
  const args = fixtureArgs('2.2.0', 'dhcp4.statistic-get-all') as Record<string, unknown>;
  const samples = parseStatistics(args);
  assert.equal(samples.length, Object.keys(args).length);
  assert.deepEqual(find(samples, 'pkt4-received'), [{ stat: 'pkt4-received', value: 0 }]);
  assert.deepEqual(find(samples, 'total-addresses', { subnetId: 2 }), [{ stat: 'total-addresses', subnetId: 2, value: 191 }]);
  assert.equal(samples.filter((s) => s.subnetId === 1).length, 7);
  assert.ok(samples.every((s) => s.poolId === undefined && s.key === undefined));
});

test('2.2 dhcp4 after load: the newest sample (index [0][0]) wins', () => {
  const samples = parseStatistics(fixtureArgs('2.2.0', 'dhcp4-after-load.statistic-get-all'));
  assert.equal(find(samples, 'pkt4-ack-sent')[0]?.value, 17931);
  assert.equal(find(samples, 'pkt4-receive-drop')[0]?.value, 68);
  assert.equal(find(samples, 'assigned-addresses', { subnetId: 7 })[0]?.value, 1);
});

test('2.2 dhcp6 capture: total-nas of a /64 with a /80 pool', () => {
  const samples = parseStatistics(fixtureArgs('2.2.0', 'dhcp6.statistic-get-all'));
  assert.equal(find(samples, 'total-nas', { subnetId: 1 })[0]?.value, 2 ** 48);
  assert.equal(find(samples, 'total-pds', { subnetId: 1 })[0]?.value, 256);
});

test('3.2 dhcp4: pool[PID] scope, and names that only look scoped stay whole', () => {
  const samples = parseStatistics(built('dhcp4-3.2.statistic-get-all'));
  assert.deepEqual(find(samples, 'total-addresses', { subnetId: 1, poolId: 2 }), [{ stat: 'total-addresses', subnetId: 1, poolId: 2, value: 100 }]);
  assert.equal(find(samples, 'assigned-addresses', { subnetId: 1, poolId: 9 })[0]?.value, 4);
  assert.equal(find(samples, 'pkt4-admin-filtered')[0]?.value, 9);
  assert.equal(find(samples, 'pkt4-ack-sent')[0]?.value, 470);
  const perfmon = 'perfmon.discover-offer.socket_received-buffer_read.mean-usecs';
  assert.equal(find(samples, perfmon)[0]?.value, 1250);
  assert.equal(find(samples, perfmon, { subnetId: 1 })[0]?.value, 1300);
});

test('dhcp6: pd-pool[PID] scope and 128-bit totals as the nearest float64', () => {
  const samples = parseStatistics(built('dhcp6-3.2.statistic-get-all'));
  assert.deepEqual(find(samples, 'total-pds', { subnetId: 10, pdPoolId: 5 }), [{ stat: 'total-pds', subnetId: 10, pdPoolId: 5, value: 65536 }]);
  assert.equal(find(samples, 'reclaimed-leases', { subnetId: 10, pdPoolId: 0 })[0]?.value, 1);
  assert.equal(find(samples, 'reclaimed-leases', { subnetId: 10, poolId: 0 })[0]?.value, 4);
  // 340282366920938463463374607431768211455 = 2^128 - 1: JSON.parse rounds it to 2^128.
  for (const scope of [{ subnetId: 12 }, { subnetId: 12, poolId: 0 }]) {
    const v = find(samples, 'total-nas', scope)[0]?.value;
    assert.equal(v, 2 ** 128);
    assert.equal(v, 3.402823669209385e38);
    assert.ok(Number.isFinite(v));
  }
});

test('d2: per-TSIG-key statistics keep the key name, dots included', () => {
  const samples = parseStatistics(built('d2.statistic-get-all'));
  assert.deepEqual(find(samples, 'update-sent', { key: 'd2.example.com.' }), [{ stat: 'update-sent', key: 'd2.example.com.', value: 50 }]);
  assert.equal(find(samples, 'update-error', { key: 'rev-key.' })[0]?.value, 1);
  assert.equal(find(samples, 'queue-mgr-queue-full')[0]?.value, 0);
  assert.equal(samples.length, 18);
});

test('values: overflow clamps to ±MAX_VALUE, BigInt converts, negatives and floats pass', () => {
  const parsed = JSON.parse('{ "big": [ [ 1e400, "t" ] ], "neg": [ [ -1e400, "t" ] ], "f": [ [ 0.25, "t" ] ], "n": [ [ -3, "t" ] ] }') as unknown;
  const byStat = new Map(parseStatistics(parsed).map((s) => [s.stat, s.value]));
  assert.equal(byStat.get('big'), Number.MAX_VALUE);
  assert.equal(byStat.get('neg'), -Number.MAX_VALUE);
  assert.equal(byStat.get('f'), 0.25);
  assert.equal(byStat.get('n'), -3);
  const fromBigInt = parseStatistics({ a: [[2n ** 64n + 1n, 't']], b: [[2n ** 1100n, 't']] });
  assert.deepEqual(
    fromBigInt.map((s) => s.value),
    [18446744073709552000, Number.MAX_VALUE],
  );
});

test('malformed entries are skipped, the rest kept; non-objects give []', () => {
  for (const bad of [undefined, null, 3, 'x', [], [[1, 't']]]) assert.deepEqual(parseStatistics(bad), []);
  const samples = parseStatistics({
    ok: [[1, 't']],
    empty: [],
    nested: [[]],
    text: [['0h0m0s0us', 't']],
    nan: [[NaN, 't']],
    str: 'x',
    obj: {},
    nul: null,
    flat: [1, 2],
    ok2: [
      [2, 't'],
      [1, 't'],
    ],
  });
  assert.deepEqual(samples, [
    { name: 'ok', stat: 'ok', value: 1 },
    { name: 'ok2', stat: 'ok2', value: 2 },
  ]);
});

test('names that do not parse as a scope are kept whole as global statistics', () => {
  const names = [
    'subnet[x].a',
    'subnet[1].',
    'subnet[1]a',
    'subnet[].a',
    'subnet[1].pool[x].a',
    'subnet[1].pool[2].',
    'subnet[12345678901234567890].a',
    'key[].a',
    'key[k.]',
    'pool[1].a',
  ];
  const samples = parseStatistics(Object.fromEntries(names.map((n) => [n, [[1, 't']]])));
  assert.deepEqual(
    samples.map((s) => s.stat),
    names,
  );
  assert.ok(samples.every((s) => s.subnetId === undefined && s.key === undefined));
  assert.deepEqual(parseStatistics({ 'subnet[4294967295].pd-pool[0].x': [[1, 't']] }), [
    { name: 'subnet[4294967295].pd-pool[0].x', stat: 'x', subnetId: 4294967295, pdPoolId: 0, value: 1 },
  ]);
});

test('50,000 statistics (5,000 subnets with pools): every one parsed, each read once (the time: bench/parse.ts)', () => {
  const STATS = ['total-addresses', 'assigned-addresses', 'declined-addresses', 'reclaimed-leases', 'cumulative-assigned-addresses'];
  const args: Record<string, unknown> = {};
  for (let i = 1; i <= 5000; i++) {
    for (const s of STATS) {
      args[`subnet[${i}].${s}`] = [[i, '2026-11-21 03:13:24.552890']];
      args[`subnet[${i}].pool[0].${s}`] = [[i * 10, '2026-11-21 03:13:24.552890']];
    }
  }
  // Bounded work without a clock: the parser reads each statistic of the answer exactly once.
  const reads = new Map<string, number>();
  const counted = new Proxy(JSON.parse(JSON.stringify(args)) as Record<string, unknown>, {
    get: (target, key, receiver) => {
      if (typeof key === 'string') reads.set(key, (reads.get(key) ?? 0) + 1);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const samples = parseStatistics(counted);
  assert.equal(samples.length, 50_000);
  assert.equal(reads.size, 50_000);
  assert.deepEqual([...new Set(reads.values())], [1]);
  // Every statistic, with its scope and value.
  const key = (x: StatSample) => `${x.subnetId}/${x.poolId ?? '-'}/${x.stat}=${x.value}`;
  const expected: string[] = [];
  for (let i = 1; i <= 5000; i++) for (const s of STATS) expected.push(`${i}/-/${s}=${i}`, `${i}/0/${s}=${i * 10}`);
  assert.deepEqual(samples.map(key), expected);
});

test("every sample keeps Kea's whole name", () => {
  const args = fixtureArgs('2.6.3', 'dhcp4.statistic-get-all') as Record<string, unknown>;
  const samples = parseStatistics(args);
  assert.deepEqual(
    samples.map((s) => s.name),
    Object.keys(args),
  );
});
