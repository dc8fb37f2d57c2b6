/** The PerfMon poller through the real Target, against a fake 3.0 kea-dhcp4 that answers
 * list-commands and perfmon-get-all-durations from the real 3.0.4 captures: the command only
 * where it is listed (asked once per configuration), each completed interval counted once, the
 * statistics' subnet filters and cap, failures counted by command. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeKea, keaHandler, type FakeCommand } from '../../test/support/fake-kea.js';
import { testTarget } from '../../test/support/target.js';
import type { PerfmonSnapshot } from '../snapshot.js';

let dir: string;
const closers: (() => Promise<void>)[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'perfmon-'))));
after(async () => {
  await Promise.all(closers.map((c) => c()));
  rmSync(dir, { recursive: true, force: true });
});

type Answer = { result: number; text?: string; arguments: { durations: Record<string, unknown>[] } & Record<string, unknown> };
const capture = (name: string): Answer =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../test/fixtures/kea/perfmon/3.0.4/traffic.${name}.json`, import.meta.url)), 'utf8')) as Answer;
const LISTED = capture('list-commands');
const COMPLETED = capture('perfmon-get-all-durations');

/** The captured answer with every interval moved to `start` and its counts times `times`. */
function interval(start: string, times: number): Answer {
  const durations = COMPLETED.arguments.durations.map((d) => ({
    ...d,
    'start-time': start,
    occurrences: (d.occurrences as number) * times,
    'total-duration-usecs': (d['total-duration-usecs'] as number) * times,
    'max-duration-usecs': (d['max-duration-usecs'] as number) + times,
  }));
  return { ...COMPLETED, arguments: { ...COMPLETED.arguments, durations } };
}

let n = 0;
async function setup(statistics = '{}', listed = true) {
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const base = keaHandler({ version: '3.0', daemon: 'dhcp4', pid: 100, now });
  const answers: unknown[] = [];
  const handler = (cmd: FakeCommand): unknown => {
    if (cmd.command === 'list-commands' && listed) return LISTED;
    if (cmd.command === 'perfmon-get-all-durations') return answers.length > 1 ? answers.shift() : answers[0];
    return base(cmd);
  };
  const fake = await FakeKea.start({ path: path.join(dir, `p${n++}.sock`), handler });
  const t = testTarget(`{ name: t, socket: "${fake.path}", daemon: dhcp4 }`, { settings: `poll: { timeout: 1s }\nstatistics: ${statistics}`, now });
  closers.push(
    () => t.close(),
    () => fake.close(),
  );
  await t.pollOne();
  fake.commands.splice(0);
  const poll = async (): Promise<PerfmonSnapshot | undefined> => (await t.target.pollPerfmon()).get('t|self#perfmon');
  const advance = (seconds: number) => (clock += seconds * 1000);
  return { fake, base, t, answers, poll, advance, commands: () => fake.commands.splice(0) };
}

const key = (s: PerfmonSnapshot, subnetId: number, stage = 'composite-total_response', query = 'DHCPDISCOVER') =>
  s.durations.find((d) => d.last.subnetId === subnetId && d.last.stage === stage && d.last.query === query);

test('listed: list-commands once per configuration, then perfmon-get-all-durations each poll; every interval counted once', async () => {
  const k = await setup();
  k.answers.push(capture('perfmon-get-all-durations.before-traffic'), interval('2026-12-01 10:00:00.000001', 1));
  const first = await k.poll();
  assert.deepEqual(k.commands(), ['list-commands', 'perfmon-get-all-durations']);
  assert.equal(first?.listed, true);
  assert.equal(first.up, true);
  assert.equal(first.intervalWidthSecs, 2);
  assert.deepEqual(first.durations, [], 'result 3: nothing yet');
  assert.equal(k.t.target.perfmonIntervalMs(), 1000, 'half the interval width');

  const a = await k.poll();
  assert.deepEqual(k.commands(), ['perfmon-get-all-durations'], 'list-commands is not asked again for the same configuration');
  assert.equal(key(a!, 1)?.occurrences, 50);
  assert.equal(key(a!, 1)?.totalUsecs, 106714);
  assert.equal(key(a!, 1)?.maxUsecs, 23539 + 1);
  assert.equal(a!.durations.length, 20);
  assert.deepEqual(a!.subnets.get(1) === undefined, false, 'subnet labels from the configuration');

  // The same interval again (Kea keeps it until the next completes): not added twice.
  const again = await k.poll();
  assert.equal(key(again!, 1)?.occurrences, 50);
  k.answers.splice(0, k.answers.length, interval('2026-12-01 10:00:02.500000', 2));
  const b = await k.poll();
  assert.equal(key(b!, 1)?.occurrences, 50 + 100);
  assert.equal(key(b!, 1)?.totalUsecs, 106714 * 3);
  assert.equal(key(b!, 1)?.maxUsecs, 23539 + 2, "the last interval's max");

  // Kea restarted (no durations): the keys go, and start again from their next interval.
  k.answers.splice(0, k.answers.length, capture('perfmon-get-all-durations.before-traffic'), interval('2026-12-01 11:00:00.000000', 1));
  assert.deepEqual((await k.poll())?.durations, []);
  assert.equal(key((await k.poll())!, 1)?.occurrences, 50);
});

test('not listed (Kea 2.6, or no hook): list-commands once per configuration, nothing else, no series', async () => {
  const k = await setup('{}', false);
  const s = await k.poll();
  assert.deepEqual(k.commands(), ['list-commands']);
  assert.equal(s?.listed, false);
  await k.poll();
  await k.poll();
  assert.deepEqual(k.commands(), [], 'asked once for this configuration');
  assert.equal(k.t.target.perfmonIntervalMs(), undefined);
  // A reload may load the hook: the new configuration's hash brings list-commands again.
  k.advance(60);
  await k.t.pollOne();
  k.base.reloadConfig({ 'valid-lifetime': 1234, subnet4: [] });
  await k.t.pollOne();
  k.commands();
  await k.poll();
  assert.deepEqual(k.commands(), ['list-commands']);
});

test("the statistics' subnet filters and cap: subnet 0 always, subnets as perSubnet/deny say, keys past maxSeries dropped", async () => {
  const perSubnetOff = await setup('{ perSubnet: false }');
  perSubnetOff.answers.push(interval('2026-12-01 10:00:00.000001', 1));
  const off = await perSubnetOff.poll();
  assert.ok(off!.durations.length === 10 && off!.durations.every((d) => d.last.subnetId === 0));

  const denied = await setup('{ subnets: { deny: [1] } }');
  denied.answers.push(interval('2026-12-01 10:00:00.000001', 1));
  assert.ok((await denied.poll())!.durations.every((d) => d.last.subnetId === 0));

  const capped = await setup('{ maxSeries: 9 }');
  capped.answers.push(interval('2026-12-01 10:00:00.000001', 1));
  const c = await capped.poll();
  assert.equal(c!.durations.length, 3, '3 series per key');
  assert.equal(c!.dropped, 17);
});

test('a failed perfmon-get-all-durations: the poll is down with its reason, counted under its command', async () => {
  const k = await setup();
  k.answers.push({ result: 1, text: 'boom' });
  const s = await k.poll();
  assert.equal(s?.up, false);
  assert.equal(s.error?.code, 'kea_error');
  assert.deepEqual(s.errors, { 'perfmon-get-all-durations': { kea_error: 1 } });
  k.answers.splice(0, k.answers.length, 'not json at all');
  const t = await k.poll();
  assert.deepEqual(t?.errors, { 'perfmon-get-all-durations': { kea_error: 1, parse: 1 } });
});
