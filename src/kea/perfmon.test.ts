import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KeaError } from '../errors.js';
import { asAnswer } from './answer.js';
import { MAX_PERFMON_DURATIONS } from './limits.js';
import { listsPerfmon, parsePerfmonDurations } from './perfmon.js';

/** Real answers of the lab's traffic kea-dhcp4 (test/fixtures/kea/perfmon/README.md). */
const capture = (version: '2.6.3' | '3.0.4', name: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../test/fixtures/kea/perfmon/${version}/traffic.${name}.json`, import.meta.url)), 'utf8'));
const parse = (body: unknown) => parsePerfmonDurations(asAnswer(body, 'test'), 'test');
const code = (code: string) => (err: unknown) => err instanceof KeaError && err.code === code;

test('list-commands: 3.0.4 with the hook lists perfmon-get-all-durations, 2.6.3 with the hook does not', () => {
  const args = (v: '2.6.3' | '3.0.4') => (capture(v, 'list-commands') as { arguments: unknown }).arguments;
  assert.equal(listsPerfmon(args('3.0.4')), true);
  assert.equal(listsPerfmon(args('2.6.3')), false);
  assert.equal(listsPerfmon(undefined), false);
  assert.equal(listsPerfmon({ 'perfmon-get-all-durations': true }), false);
});

test('3.0.4 before traffic: result 3, no durations, the interval width', () => {
  assert.deepEqual(parse(capture('3.0.4', 'perfmon-get-all-durations.before-traffic')), { intervalWidthSecs: 2, durations: [] });
});

test('3.0.4 after one burst: every key listed, no interval completed yet', () => {
  const a = parse(capture('3.0.4', 'perfmon-get-all-durations.one-burst'));
  assert.equal(a.durations.length, 20);
  assert.ok(a.durations.every((d) => d.intervalStart === undefined && d.occurrences === 0));
});

test('3.0.4 after a second burst: the first burst as the completed interval, per subnet and in all', () => {
  const a = parse(capture('3.0.4', 'perfmon-get-all-durations'));
  assert.equal(a.intervalWidthSecs, 2);
  assert.equal(a.durations.length, 20);
  const total = a.durations.find((d) => d.subnetId === 1 && d.query === 'DHCPDISCOVER' && d.stage === 'composite-total_response');
  assert.ok(total);
  assert.equal(total.response, 'DHCPOFFER');
  assert.equal(total.occurrences, 50);
  assert.equal(total.intervalStart, '2026-12-01 21:14:24.207537');
  assert.equal(total.totalUsecs, 106714);
  assert.equal(total.maxUsecs, 23539);
  const stages = new Set(a.durations.map((d) => d.stage));
  assert.deepEqual([...stages].sort(), [
    'buffer_read-mt_queued',
    'composite-total_response',
    'mt_queued-process_started',
    'process_started-process_completed',
    'socket_received-buffer_read',
  ]);
  assert.deepEqual([...new Set(a.durations.map((d) => d.subnetId))].sort(), [0, 1]);
});

test('2.6.3: the command is not supported', () => {
  assert.throws(() => parse(capture('2.6.3', 'perfmon-get-all-durations')), code('unsupported'));
});

test('hostile answers fail the poll with a reason, never a throw of another kind', () => {
  const good = capture('3.0.4', 'perfmon-get-all-durations') as {
    result: number;
    arguments: Record<string, unknown> & { durations: Record<string, unknown>[] };
  };
  const withArgs = (args: Record<string, unknown>) => ({ result: 0, arguments: { ...good.arguments, ...args } });
  const withDuration = (d: Record<string, unknown>) => withArgs({ durations: [{ ...good.arguments.durations[0], ...d }] });
  const key = good.arguments.durations[0]!['duration-key'] as Record<string, unknown>;
  const bad: [string, unknown, string][] = [
    ['no arguments', { result: 0 }, 'bad_answer'],
    ['error result', { result: 1, text: 'boom' }, 'kea_error'],
    ['width 0', withArgs({ 'interval-width-secs': 0 }), 'bad_answer'],
    ['width a string', withArgs({ 'interval-width-secs': '2' }), 'bad_answer'],
    ['result-set format', withArgs({ durations: undefined, 'durations-result-set': { columns: [], rows: [] } }), 'bad_answer'],
    ['a duration not a map', withArgs({ durations: [1] }), 'bad_answer'],
    ['no duration-key', withDuration({ 'duration-key': null }), 'bad_answer'],
    ['negative occurrences', withDuration({ occurrences: -1 }), 'bad_answer'],
    ['fractional usecs', withDuration({ 'total-duration-usecs': 1.5 }), 'bad_answer'],
    ['huge usecs', withDuration({ 'max-duration-usecs': 2 ** 60 }), 'bad_answer'],
    ['subnet-id past 32 bits', withDuration({ 'duration-key': { ...key, 'subnet-id': 2 ** 33 } }), 'bad_answer'],
    ['empty query type', withDuration({ 'duration-key': { ...key, 'query-type': '' } }), 'bad_answer'],
    ['long query type', withDuration({ 'duration-key': { ...key, 'query-type': 'Q'.repeat(300) } }), 'limit'],
    ['durations not a list', withArgs({ durations: { length: 1 } }), 'bad_answer'],
  ];
  for (const [what, body, reason] of bad) assert.throws(() => parse(body), code(reason), what);
  const many = Array.from({ length: MAX_PERFMON_DURATIONS + 1 }, () => good.arguments.durations[0]);
  assert.throws(() => parse(withArgs({ durations: many })), code('limit'));
});
