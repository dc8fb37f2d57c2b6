/** Issue 11 item 2, end to end: a daemon whose statistic-get-all carries negative counters, then
 * counters that went down, through App and Scheduler to /metrics. Before the fix prom-client threw
 * in the renderer's update, the scheduler's `void cycle()` left the rejection unhandled and the
 * process exited (the guard preloaded by the test runner fails this file on such a rejection). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, INTERNAL_ERRORS } from './app.js';
import { parseConfigText } from './config/load.js';
import { MemoryLog } from '../test/support/memory-log.js';
import { INVALID_SAMPLES } from './render/prometheus/registry.js';
import { buildServer } from './server/server.js';
import { FakeKea, keaHandler, type FakeCommand } from '../test/support/fake-kea.js';
import { pollAll, pollAllStatistics } from '../test/support/poll.js';

let dir: string;
let kea: FakeKea;
/** What the fake daemon's statistic-get-all answers now. */
let statistics: Record<string, unknown> = {};
const at = (v: number) => [[v, '2026-01-01 00:00:00.000000']];

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'counters-'));
  const base = keaHandler({ version: '2.2', daemon: 'dhcp4' });
  const handler = (cmd: FakeCommand): unknown => (cmd.command === 'statistic-get-all' ? { result: 0, arguments: statistics } : base(cmd));
  kea = await FakeKea.start({ path: path.join(dir, 'kea.sock'), handler });
});
after(async () => {
  await kea.close();
  rmSync(dir, { recursive: true, force: true });
});

const value = (body: string, re: RegExp): string | undefined => re.exec(body)?.[1];
const DISCOVER = /^kea_dhcp4_packets_received_total\{target="kea",daemon="dhcp4",type="discover"\} (\S+)$/m;
const ASSIGNED = /^kea_dhcp4_global_address_assignments_total\{target="kea",daemon="dhcp4"\} (\S+)$/m;
const INVALID = new RegExp(`^${INVALID_SAMPLES}\\{target="kea",daemon="dhcp4"\\} (\\S+)$`, 'm');

test('negative counters from Kea: the process lives, /metrics renders, the bad series are counted; a decrease restarts the series', async () => {
  // Negative from the very first statistics poll: that one runs from the scheduler's own timer
  // chain (start() -> begin() -> void cycle()), where a rejection used to go unhandled.
  statistics = { 'pkt4-discover-received': at(-1), 'cumulative-assigned-addresses': at(-5), 'pkt4-offer-received': at(4) };
  const log = new MemoryLog();
  const app = new App(
    parseConfigText(`poll: { interval: 1h, timeout: 2s }\nstatistics: { interval: 1h }\ntargets:\n  - { name: kea, socket: "${kea.path}" }\n`, 'c.yaml'),
    { log, version: 't', processMetrics: false },
  );
  const server = buildServer(app);
  const scrape = async (): Promise<string> => {
    const res = await server.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    return res.body;
  };
  try {
    await app.start();
    await pollAllStatistics(app); // joins the statistics poll start() set off, or runs one
    let body = await scrape();
    assert.match(body, /^kea_up\{target="kea",daemon="dhcp4"\} 1$/m);
    assert.equal(value(body, DISCOVER), undefined, 'a negative counter is no sample');
    assert.equal(value(body, ASSIGNED), undefined);
    assert.equal(value(body, /^kea_dhcp4_packets_received_total\{[^}]*type="offer"\} (\S+)$/m), '4', 'the valid ones are');
    const first = Number(value(body, INVALID));
    assert.ok(first >= 2, `${INVALID_SAMPLES} ${first}`);

    statistics = { 'pkt4-discover-received': at(1000), 'cumulative-assigned-addresses': at(60) };
    await pollAllStatistics(app);
    body = await scrape();
    assert.equal(value(body, DISCOVER), '1000');
    assert.equal(value(body, ASSIGNED), '60');

    // Kea restarted (or statistic-reset): the counters went down.
    statistics = { 'pkt4-discover-received': at(3), 'cumulative-assigned-addresses': at(0) };
    await pollAllStatistics(app);
    body = await scrape();
    assert.equal(value(body, DISCOVER), '3');
    assert.equal(value(body, ASSIGNED), '0');
    assert.equal(Number(value(body, INVALID)), first, 'a reset is not an invalid sample');

    statistics = { 'pkt4-discover-received': at(-7) };
    await pollAllStatistics(app);
    body = await scrape();
    assert.equal(value(body, DISCOVER), undefined);
    assert.equal(Number(value(body, INVALID)), first + 1);
    assert.match(body, /^kea_up\{target="kea",daemon="dhcp4"\} 1$/m, 'the daemon is still up');
    assert.doesNotMatch(body, new RegExp(`^${INTERNAL_ERRORS}\\{`, 'm'), 'nothing threw');
    assert.equal(execFileSync('/usr/bin/promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' }).trim(), '');
    assert.equal(log.lines.filter((l) => l.level === 'error').length, 0);
  } finally {
    await app.stop();
  }
});

test('a renderer that throws (any future bug) costs that update, never the process or the polling', async () => {
  statistics = { 'pkt4-offer-received': at(1) };
  const log = new MemoryLog();
  const app = new App(
    parseConfigText(
      `poll: { interval: 100ms, timeout: 90ms }\nstatistics: { interval: 100ms }\ntargets:\n  - { name: kea, socket: "${kea.path}" }\n`,
      'c.yaml',
    ),
    { log, version: 't', processMetrics: false },
  );
  const update = app.renderer.update.bind(app.renderer);
  let throws = 0;
  // Every update of this daemon throws, from the timers' polls as well as from pollAll.
  app.renderer.update = ((key: string, s: never, c?: never) => {
    if (key.startsWith('kea')) {
      throws++;
      throw new Error('bug in a collector');
    }
    return update(key, s, c as never);
  }) as typeof app.renderer.update;
  try {
    await app.start();
    const before = kea.commands.length;
    // The timer chains go on although every callback throws: wait for several more polls.
    while (kea.commands.filter((c) => c === 'status-get').length < 4 || kea.commands.length - before < 6) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await pollAll(app);
    const res = await buildServer(app).inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    const count = (stage: string) => Number(new RegExp(`^${INTERNAL_ERRORS}\\{stage="${stage}"\\} (\\S+)$`, 'm').exec(res.body)?.[1] ?? 0);
    assert.ok(
      count('status') >= 2 && count('statistics') >= 1 && count('perfmon') >= 1,
      res.body
        .split('\n')
        .filter((l) => l.includes(INTERNAL_ERRORS))
        .join('\n'),
    );
    assert.ok(throws >= count('status') + count('statistics') + count('perfmon'));
    const errors = log.lines.filter((l) => l.level === 'error');
    assert.equal(errors.length, 3, 'logged once per stage (status, statistics, perfmon)');
    assert.ok(errors.every((l) => /internal error/.test(l.msg)));
  } finally {
    await app.stop();
  }
});
