/** The fleet bench's fake kea-dhcp4 with many subnets: statistic-get-all names exactly the
 * statistics the 3.0.4 capture has (globals, per subnet, per pool), with Kea's sample lists and
 * order; config-get names the same subnets and pools (pool-ids), config-hash-get follows it; the
 * exporter's own parsers take both. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatistics } from '../../src/kea/statistics/parse.js';
import { parseSubnets } from '../../src/kea/statistics/subnets.js';
import { capturedStatistics, SAMPLES, statTime, subnetsDaemon } from './fake-subnets.js';
import { configHash, fixtureAnswer } from './kea-handlers.js';
import { answerText } from './fake-kea.js';

const SHAPE = { subnets: 20, pools: 2 };

test('statistic-get-all: the capture`s names per subnet and pool, its globals, sorted as Kea prints them', () => {
  let now = Date.parse('2026-12-01T08:00:00Z');
  const { handler } = subnetsDaemon(3, SHAPE, true, () => now);
  now += 60_000;
  const text = String(answerText(handler({ command: 'statistic-get-all' })));
  const answer = JSON.parse(text) as { result: number; arguments: Record<string, [number, string][]> };
  assert.equal(answer.result, 0);
  const names = Object.keys(answer.arguments);
  assert.deepEqual(names, [...names].sort(), 'std::map order');
  const captured = Object.keys(fixtureAnswer('captures/3.0.4/dhcp4.statistic-get-all.json').arguments as object);
  const c = capturedStatistics();
  assert.equal(c.subnet.length, 8, 'the capture has 8 statistics per subnet');
  assert.equal(c.pool.length, 6, 'and 6 per pool');
  // Every name is one the capture has, up to the subnet and pool IDs.
  const shapeOf = (n: string) => n.replace(/^subnet\[\d+\]/, 'subnet[S]').replace(/pool\[\d+\]/, 'pool[P]');
  const known = new Set(captured.map(shapeOf));
  for (const n of names) assert.ok(known.has(shapeOf(n)), n);
  assert.equal(names.length, c.globals.size + SHAPE.subnets * (c.subnet.length + SHAPE.pools * c.pool.length));
  for (const id of [1, 20]) for (const pool of [1, 2]) assert.ok(`subnet[${id}].pool[${pool}].total-addresses` in answer.arguments);
  // What traffic moves holds 20 samples, newest first; the rest one.
  const moved = answer.arguments['subnet[7].pool[1].cumulative-assigned-addresses']!;
  assert.equal(moved.length, SAMPLES);
  assert.ok(moved[0]![0] > moved[1]![0] && moved[0]![1] > moved[1]![1], 'newest first');
  assert.equal(answer.arguments['subnet[7].pool[2].cumulative-assigned-addresses']!.length, 1, 'the second pool had no traffic');
  assert.match(moved[0]![1], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  assert.equal(answer.arguments['pkt4-received']!.length, SAMPLES);
  assert.equal(answer.arguments['pkt4-nak-sent']!.length, 1);
  // The exporter reads one sample per statistic, each subnet and pool scoped.
  const samples = parseStatistics(answer.arguments);
  assert.equal(samples.length, names.length);
  assert.equal(samples.filter((x) => x.poolId === 2).length, SHAPE.subnets * c.pool.length);
});

test('values move with the clock: a later poll reads more leases', () => {
  let now = Date.parse('2026-12-01T08:00:00Z');
  const { handler } = subnetsDaemon(0, SHAPE, false, () => now);
  const read = () => (JSON.parse(String(answerText(handler({ command: 'statistic-get-all' })))) as { arguments: Record<string, [number, string][]> }).arguments;
  const before = read()['cumulative-assigned-addresses']![0]![0];
  now += 600_000;
  assert.ok(read()['cumulative-assigned-addresses']![0]![0] > before);
});

test('config-get holds the same subnets and pools; config-hash-get is its hash', () => {
  const { handler } = subnetsDaemon(5, SHAPE, true);
  const cfg = handler({ command: 'config-get' }) as { arguments: Record<string, unknown> };
  const subnets = parseSubnets(cfg.arguments);
  assert.deepEqual(
    [...subnets.keys()],
    Array.from({ length: 20 }, (_, k) => k + 1),
  );
  assert.deepEqual(subnets.get(20)!.poolIds, [1, 2]);
  assert.equal(new Set([...subnets.values()].map((s) => s.prefix)).size, 20, 'a prefix each');
  const { hash, ...rest } = cfg.arguments;
  assert.equal((handler({ command: 'config-hash-get' }) as { arguments: { hash: string } }).arguments.hash, hash);
  assert.equal(hash, configHash(rest));
  assert.ok(!('shared-networks' in (rest.Dhcp4 as object)));
});

test('statTime: local time with microseconds, as Kea prints it', () => {
  const ms = new Date(2026, 11, 1, 8, 5, 9, 42).getTime();
  assert.equal(statTime(ms), '2026-12-01 08:05:09.042000');
});
