/** What answers is told by config-get's top-level key, on every transport, from REAL 2.6.3 and
 * 3.0.4 answers (issue 12, bugs 1 and 2): a daemon of another kind than configured is down with
 * wrong_daemon and exports nothing under the wrong names; a URL without daemon that is a Kea 3
 * daemon's own socket is polled as that daemon, not as a Control Agent. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { FakeKea } from '../../test/support/fake-kea.js';
import { FakeAgent } from '../../test/support/fake-agent.js';
import { CAPTURED, captureHandler } from '../../test/support/capture-kea.js';
import { pollAllStatistics } from '../../test/support/poll.js';

let dir: string;
const closers: (() => Promise<void>)[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'detect-'))));
after(async () => {
  await Promise.all(closers.map((c) => c()));
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
async function unix(version: '2.6.3' | '3.0.4', prefixes: readonly string[]): Promise<FakeKea> {
  const fake = await FakeKea.start({ path: path.join(dir, `k${n++}.sock`), handler: captureHandler(version, prefixes) });
  closers.push(() => fake.close());
  return fake;
}
async function http(opts: Parameters<typeof FakeAgent.start>[0]): Promise<FakeAgent> {
  const fake = await FakeAgent.start(opts);
  closers.push(() => fake.close());
  return fake;
}

/** One poll of everything and one statistics poll, then the /metrics text. */
async function scrape(target: string) {
  const log = new MemoryLog();
  const app = new App(parseConfigText(`poll: { interval: 1h, timeout: 2s }\nstatistics: { interval: 1h }\ntargets: [${target}]`, path.join(dir, 'c.yaml')), {
    log,
    version: 't',
    processMetrics: false,
  });
  await app.start();
  await pollAllStatistics(app);
  await app.stop();
  const body = (await app.renderer.render(false)).body;
  const kea = body.split('\n').filter((l) => l.startsWith('kea_') && !l.startsWith('kea_exporter_'));
  return { body, kea, snaps: app.snapshots(), log };
}

function assertWrong(r: Awaited<ReturnType<typeof scrape>>, daemon: string): void {
  assert.deepEqual(r.kea, [`kea_up{target="t",daemon="${daemon}"} 0`], 'kea_up 0 and nothing else of the daemon');
  assert.match(r.body, new RegExp(`kea_exporter_poll_error_info\\{target="t",daemon="${daemon}",reason="wrong_daemon"\\} 1`));
}

for (const version of ['2.6.3', '3.0.4'] as const) {
  describe(`${version}: wrong daemon`, () => {
    test('a dhcp4 socket configured as dhcp6: kea_up 0 wrong_daemon, no statistics asked or exported', async () => {
      const fake = await unix(version, CAPTURED[version].dhcp4);
      const r = await scrape(`{ name: t, socket: "${fake.path}", daemon: dhcp6 }`);
      assertWrong(r, 'dhcp6');
      assert.ok(!fake.commands.includes('statistic-get-all'), fake.commands.join());
    });

    test('a dhcp6 socket configured as d2: no unmapped kea_d2_ gauges', async () => {
      const fake = await unix(version, CAPTURED[version].dhcp6);
      const r = await scrape(`{ name: t, socket: "${fake.path}", daemon: d2 }`);
      assertWrong(r, 'd2');
      assert.ok(!fake.commands.includes('statistic-get-all'));
    });

    test('the same sockets configured right are up with their statistics (the check is not too eager)', async () => {
      const fake = await unix(version, CAPTURED[version].dhcp6);
      const r = await scrape(`{ name: t, socket: "${fake.path}", daemon: dhcp6 }`);
      assert.ok(r.kea.includes('kea_up{target="t",daemon="dhcp6"} 1'), r.kea.slice(0, 3).join('\n'));
      assert.ok(r.kea.some((l) => l.startsWith('kea_dhcp6_') && l.includes('daemon="dhcp6"')));
    });
  });
}

describe('3.0.4 HTTP control sockets', () => {
  test('a dhcp4 HTTP socket configured as dhcp6: wrong_daemon, no statistics', async () => {
    const sock = await http({ role: 'daemon', self: captureHandler('3.0.4', CAPTURED['3.0.4']['dhcp4-http']) });
    const r = await scrape(`{ name: t, url: "${sock.url}", daemon: dhcp6 }`);
    assertWrong(r, 'dhcp6');
    assert.ok(!sock.commands.includes('statistic-get-all'));
  });

  for (const [kind, name] of [
    ['dhcp4', 'dhcp4-http'],
    ['dhcp6', 'dhcp6-http'],
    ['d2', 'd2-http'],
  ] as const) {
    test(`a URL without daemon answering as a ${kind} HTTP socket is that daemon, with its statistics, not an agent`, async () => {
      const sock = await http({ role: 'daemon', self: captureHandler('3.0.4', CAPTURED['3.0.4'][name]) });
      const r = await scrape(`{ name: t, url: "${sock.url}" }`);
      assert.deepEqual(
        r.snaps.map((s) => [s.daemon, s.up]),
        [[kind, true]],
      );
      assert.ok(r.kea.includes(`kea_up{target="t",daemon="${kind}"} 1`));
      assert.ok(!r.body.includes('daemon="ca"'), 'nothing as a Control Agent');
      assert.ok(
        r.kea.some((l) => l.startsWith(`kea_${kind}_`) && l.includes(`daemon="${kind}"`)),
        `${kind} statistics`,
      );
      assert.ok(!r.log.lines.some((l) => l.msg.startsWith('discovered services')));
      // One config-get at first contact tells what answers and gives the hash; no second one.
      assert.equal(sock.commands.filter((c) => c === 'config-get').length, 1);
    });
  }
});

for (const version of ['2.6.3', '3.0.4'] as const) {
  test(`${version}: a real Control Agent is still discovered as ca, its services behind it`, async () => {
    const c = CAPTURED[version];
    const agent = await http({
      self: captureHandler(version, c.ca),
      services: { dhcp4: captureHandler(version, c.dhcp4), dhcp6: captureHandler(version, c.dhcp6), d2: captureHandler(version, c.d2) },
    });
    const r = await scrape(`{ name: t, url: "${agent.url}" }`);
    assert.deepEqual(r.snaps.map((s) => [s.daemon, s.up]).sort(), [
      ['ca', true],
      ['d2', true],
      ['dhcp4', true],
      ['dhcp6', true],
    ]);
    assert.ok(r.log.lines.some((l) => l.msg === 'discovered services behind the Control Agent'));
    assert.ok(r.kea.some((l) => l.startsWith('kea_dhcp4_') && l.includes('daemon="dhcp4"')));
    assert.ok(!r.kea.some((l) => l.includes('daemon="ca"') && /^kea_(dhcp4|dhcp6|d2)_/.test(l)), 'no statistics under ca');
  });
}
