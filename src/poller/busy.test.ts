/** A poll held up by proxied commands: the daemon reads busy (last known state kept), not down;
 * Kea really silent still reads down. Against a fake Kea socket, through the real Target; the
 * proxied command holding the daemon's one slot is either a gate on the queue or a real
 * forwarded command. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import type { PollWatch } from './late-watch.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { pollAll } from '../../test/support/poll.js';
import type { DaemonSnapshot } from '../snapshot.js';
import type { AnswerStream } from '../transport/stream.js';
import { FakeKea, keaHandler } from '../../test/support/fake-kea.js';
import { probeQueue } from '../../test/support/queue-probe.js';
import { testTarget } from '../../test/support/target.js';

let dir: string;
const fakes: FakeKea[] = [];
const closers: (() => Promise<void>)[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'busy-'))));
after(async () => {
  await Promise.all([...fakes.map((f) => f.close()), ...closers.map((c) => c())]);
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
async function setup() {
  const fake = await FakeKea.start({ path: path.join(dir, `k${n++}.sock`), handler: keaHandler({ version: '2.2', daemon: 'dhcp4', pid: 100 }) });
  fakes.push(fake);
  const t = testTarget(`{ name: t, socket: "${fake.path}", daemon: dhcp4 }`, { settings: 'poll: { timeout: 500ms }' });
  closers.push(() => t.close());
  const endpoint = t.target.endpointFor(undefined)!;
  const poller = {
    poll: (watch?: PollWatch) => t.pollOne('self', watch),
    get snapshot() {
      return t.snapshot()!;
    },
  };
  assert.equal((await poller.poll()).up, true);
  fake.commands.splice(0);
  return { fake, log: t.log, queue: endpoint.queue, endpoint, poller };
}

function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msgs = (log: MemoryLog) => log.lines.map((l) => l.msg);

test('a poll past its interval behind a proxied command: busy while it waits, up as last known; lands up; the next on-time poll clears busy', async () => {
  const k = await setup();
  const proxied = gate();
  const holding = k.queue.run(() => proxied.p, { runMs: 30_000, waitMs: 30_000 });
  const seen: DaemonSnapshot[] = [];
  // The proxied command ends only once the daemon was reported busy: no race on wall time.
  const watch: PollWatch = { lateAfterMs: 20, onBusy: (s) => (seen.push(s), proxied.open()) };
  const s = await k.poller.poll(watch);
  await holding;
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.busy, true);
  assert.equal(seen[0]!.up, true, 'busy keeps the last known kea_up');
  assert.equal(seen[0]!.status?.pid, 100, 'and the rest of the last known state');
  assert.equal(seen[0]!.delayedPolls, 1);
  assert.equal(k.poller.snapshot, s);
  assert.equal(s.up, true, s.error?.message);
  assert.equal(s.busy, true, 'a late poll keeps busy until one lands on time');
  assert.equal(s.delayedPolls, 1);
  assert.deepEqual(k.fake.commands, ['status-get']);

  const next = await k.poller.poll({ lateAfterMs: 20, onBusy: () => assert.fail('not busy') });
  assert.equal(next.busy, false);
  assert.equal(next.delayedPolls, 1, 'a counter');
  assert.deepEqual(
    msgs(k.log).filter((m) => /busy/.test(m)),
    ['daemon busy: the poll waits behind proxied commands', 'daemon no longer busy: polled on time'],
  );
  assert.ok(!msgs(k.log).includes('daemon is down'));
});

test('a poll that waited behind a proxied command longer than the restart slack is no restart: no version-get after it', async () => {
  const k = await setup();
  const proxied = gate();
  const holding = k.queue.run(() => proxied.p, { runMs: 30_000, waitMs: 30_000 });
  const poll = k.poller.poll();
  // Longer than the 1.5 s Kea's whole-second uptime is allowed to move by.
  await new Promise((r) => setTimeout(r, 2_200));
  proxied.open();
  await holding;
  assert.equal((await poll).up, true);
  const startTime = k.poller.snapshot.startTime;
  await k.poller.poll();
  assert.deepEqual(k.fake.commands, ['status-get', 'status-get'], 'a restart would have fetched version and hash again');
  assert.equal(k.poller.snapshot.startTime, startTime);
});

test('busy is counted once per late poll, logged once per spell', async () => {
  const k = await setup();
  for (let i = 1; i <= 3; i++) {
    const proxied = gate();
    const holding = k.queue.run(() => proxied.p, { runMs: 30_000, waitMs: 30_000 });
    const s = await k.poller.poll({ lateAfterMs: 10, onBusy: () => proxied.open() });
    await holding;
    assert.equal(s.delayedPolls, i);
  }
  assert.equal(msgs(k.log).filter((m) => m.startsWith('daemon busy')).length, 1);
});

test("a poll waiting behind the poller's own commands (no proxied one) is late but not busy", async () => {
  const k = await setup();
  const own = gate();
  const holding = k.queue.run(() => own.p, { runMs: 5000, priority: true });
  const poll = k.poller.poll({ lateAfterMs: 10, onBusy: () => assert.fail('busy without proxied commands') });
  await sleep(150);
  own.open();
  await holding;
  const s = await poll;
  assert.equal(s.up, true);
  assert.equal(s.busy, false);
  assert.equal(s.delayedPolls ?? 0, 0);
});

test('Kea stops answering under a real proxied command: it times out, then the poll runs and reports the truth', async () => {
  const k = await setup();
  k.fake.behaviour = { kind: 'hang' };
  // Reads the answer to its end, as the proxy does: the hanging fake never ends it.
  const drain = async (a: AnswerStream) => {
    let bytes = 0;
    for (let b = await a.next(); b; b = await a.next()) bytes += b.length;
    return { result: undefined, bytes };
  };
  const proxied = k.endpoint.forward('lease4-get-all', 200, undefined, drain).then(
    () => assert.fail('answered'),
    (e: { code: string }) => e.code,
  );
  let busy: DaemonSnapshot | undefined;
  const s = await k.poller.poll({ lateAfterMs: 20, onBusy: (b) => (busy = b) });
  assert.equal(await proxied, 'timeout');
  assert.equal(busy?.up, true, 'busy (up as last known) while the proxied command could still be answered');
  assert.equal(s.up, false);
  assert.equal(s.error?.code, 'timeout', 'the poll got its own full timeout, and Kea did not answer it');
  assert.deepEqual(k.fake.commands, ['lease4-get-all', 'status-get'], 'one after the other');
});

test('a throwing onBusy is logged; nothing escapes the timer and the poll lands', async () => {
  const k = await setup();
  const proxied = gate();
  const holding = k.queue.run(() => proxied.p, { runMs: 30_000, waitMs: 30_000 });
  const s = await k.poller.poll({
    lateAfterMs: 10,
    onBusy: () => {
      proxied.open();
      throw new Error('renderer broke');
    },
  });
  await holding;
  assert.equal(s.up, true);
  assert.ok(k.log.lines.some((l) => l.msg === 'could not publish the busy state'));
});

test('App: a poll held up by a proxied command for many intervals: busy 1 and kea_up 1 on /metrics, one poll waiting (never a second), it lands after', async () => {
  const fake = await FakeKea.start({ path: path.join(dir, `k${n++}.sock`), handler: keaHandler({ version: '2.2', daemon: 'dhcp4', pid: 100 }) });
  fakes.push(fake);
  const text = `poll: { interval: 50ms, timeout: 40ms }\nstatistics: { enabled: false }\ntargets:\n  - { name: t, socket: "${fake.path}", daemon: dhcp4 }\n`;
  const app = new App(parseConfigText(text, 'busy.yaml'), { log: new MemoryLog(), version: 't', processMetrics: false });
  await app.start();
  try {
    const render = async () => (await app.renderer.render(false)).body;
    const series = (name: string) => new RegExp(`^${name}\\{target="t",daemon="dhcp4"\\} (\\S+)$`, 'm');
    const read = (body: string, name: string) => Number(series(name).exec(body)?.[1]);
    const q = app.targets[0]!.endpointFor(undefined)!.queue;
    const proxied = gate();
    const holding = q.run(() => proxied.p, { runMs: 30_000, waitMs: 30_000 });
    // Put on after the proxied command: what waits from now on are the scheduler's polls.
    const seen = probeQueue(q);
    const sent = fake.commands.length;
    let body = '';
    for (const until = Date.now() + 10_000; Date.now() < until && read(body, 'kea_exporter_daemon_busy') !== 1; await sleep(10)) {
      body = await render();
    }
    assert.equal(read(body, 'kea_exporter_daemon_busy'), 1);
    assert.equal(read(body, 'kea_up'), 1);
    await sleep(200); // many intervals more
    assert.equal(seen.maxWaiting, 1, 'one poll waits; the scheduler starts no second one meanwhile');
    assert.equal(fake.commands.length, sent, 'nothing reached Kea while the proxied command held the slot');
    proxied.open();
    await holding;
    await pollAll(app); // the poll that waited (or one after it)
    await pollAll(app); // on time
    body = await render();
    assert.equal(read(body, 'kea_up'), 1);
    assert.equal(read(body, 'kea_exporter_daemon_busy'), 0);
    assert.equal(read(body, 'kea_exporter_polls_delayed_total'), 1, 'the one poll that waited');
  } finally {
    await app.stop();
  }
});
