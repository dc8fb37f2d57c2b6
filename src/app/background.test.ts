/** poll.background toggled by a reload, on real timers and a fake Kea counting commands. Issue
 * 13: turned from false to true it used to stop polling for good, as the kept targets got no
 * timer (only added ones did). No wall time is asserted: the test waits for commands to arrive,
 * with a deadline far beyond the interval. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { startFakeFleet, type FakeFleet } from '../../test/support/fake-kea.js';

let dir: string;
let fleet: FakeFleet;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'background-'));
  fleet = await startFakeFleet(1, dir);
});
after(async () => {
  await fleet.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = (background: boolean) =>
  parseConfigText(
    `poll: { interval: 200ms, timeout: 150ms, background: ${background} }\nstatistics: { enabled: false }\ntargets:\n  - { name: kea, socket: "${fleet.paths[0]}", daemon: dhcp4 }\n`,
    'bg.yaml',
  );
const statusGets = () => fleet.servers[0]!.commands.filter((c) => c === 'status-get').length;

/** Resolves once `n` more status-get than now have arrived; fails past a generous deadline. */
async function polls(n: number, deadlineMs = 20_000): Promise<void> {
  const want = statusGets() + n;
  const end = Date.now() + deadlineMs;
  while (statusGets() < want) {
    if (Date.now() > end) assert.fail(`${want - statusGets()} of ${n} polls still missing after ${deadlineMs} ms`);
    await sleep(20);
  }
}

test('background false -> true by a reload: the kept target is polled on its timer again', async () => {
  const app = new App(config(false), { log: new MemoryLog(), version: 't', processMetrics: false });
  try {
    await app.start();
    const kept = app.targets[0];
    const r = await app.reload(async () => config(true));
    assert.equal(r.ok, true);
    assert.equal(app.targets[0], kept, 'background is live: the target is not rebuilt');
    await polls(3);
  } finally {
    await app.stop();
  }
});

test('background true -> false -> true: timers stop, then start again', async () => {
  const app = new App(config(true), { log: new MemoryLog(), version: 't', processMetrics: false });
  try {
    await app.start();
    await polls(2);
    assert.equal((await app.reload(async () => config(false))).ok, true);
    // A poll under way when the reload came may still finish; none starts after it.
    await sleep(300);
    const quiet = statusGets();
    await sleep(1000); // five intervals
    assert.equal(statusGets(), quiet, 'no timer polls with background off');
    assert.equal((await app.reload(async () => config(true))).ok, true);
    await polls(3);
  } finally {
    await app.stop();
  }
});
