import { hashPublisher } from '../kea/published-hash.js';
/** HTTP targets end to end through App: a Control Agent (fake, for faults real Kea 2.2 cannot
 * show), a Kea 3 daemon's own HTTP socket, basic auth, TLS with a CA and client certificates. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import type { DaemonSnapshot } from '../snapshot.js';
import { FakeAgent } from '../../test/support/fake-agent.js';
import { keaHandler } from '../../test/support/fake-kea.js';
import { makeTestCertificates, type TestCertificates } from '../../test/support/certs.js';
import { pollAllStatistics } from '../../test/support/poll.js';

let dir: string;
let certs: TestCertificates;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'http-targets-'));
  certs = makeTestCertificates(path.join(dir, 'pki'));
});
const fakes: FakeAgent[] = [];
/** Starts a fake that is closed after the file even when an assertion fails first. */
async function fake(opts: Parameters<typeof FakeAgent.start>[0]): Promise<FakeAgent> {
  const f = await FakeAgent.start(opts);
  fakes.push(f);
  return f;
}
after(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function pollOnce(yaml: string): Promise<{ snaps: DaemonSnapshot[]; app: App }> {
  const app = new App(parseConfigText(yaml, path.join(dir, 'c.yaml')), { log: new MemoryLog(), version: 't', processMetrics: false });
  await app.start();
  await app.stop();
  return { snaps: app.snapshots(), app };
}

const byDaemon = (snaps: DaemonSnapshot[]) => Object.fromEntries(snaps.map((s) => [s.daemon, s]));

describe('Control Agent', () => {
  test('services discovered from the agent and unwrapped per service; an offline one is down (forward), not the agent', async () => {
    const agent = await fake({
      services: { dhcp4: keaHandler({ version: '2.2', daemon: 'dhcp4', ha: 'primary' }) },
      offline: ['dhcp6'],
    });
    const { snaps } = await pollOnce(`targets: [{ name: a, url: "${agent.url}" }]`);
    const d = byDaemon(snaps);
    assert.deepEqual(Object.keys(d).sort(), ['ca', 'd2', 'dhcp4', 'dhcp6']);
    assert.equal(d.ca!.up, true);
    assert.equal(d.dhcp4!.up, true);
    assert.equal(d.dhcp4!.status?.ha[0]?.local.state, 'hot-standby');
    assert.equal(d.dhcp6!.up, false);
    assert.equal(d.dhcp6!.error?.code, 'forward');
    assert.ok(agent.maxConcurrent <= 4, `at most one connection per daemon behind the agent, saw ${agent.maxConcurrent}`);
  });

  test('configured services: no discovery; an unknown one gets the agent\'s "not configured" as forward', async () => {
    const agent = await fake({ services: { dhcp4: keaHandler({ version: '2.2', daemon: 'dhcp4' }) } });
    const { snaps } = await pollOnce(`targets: [{ name: a, url: "${agent.url}", services: [dhcp4, d2] }]`);
    const d = byDaemon(snaps);
    assert.equal(d.dhcp4!.up, true);
    assert.equal(d.d2!.error?.code, 'forward');
    assert.ok(!agent.commands.includes('config-get') || d.ca!.configHash, "config-get only for the agent's own hash");
  });

  const statusCases = [
    ['forbidden', 'forbidden'],
    ['error500', 'http_status'],
  ] as const;
  for (const [mode, code] of statusCases) {
    test(`agent answering ${mode} -> every daemon of the target down with ${code}`, async () => {
      const agent = await fake({ mode, services: { dhcp4: keaHandler({ version: '2.2', daemon: 'dhcp4' }) } });
      const { snaps } = await pollOnce(`targets: [{ name: a, url: "${agent.url}", services: [dhcp4] }]`);
      for (const s of snaps) assert.equal(s.error?.code, code, `${s.daemon}`);
    });
  }

  test('basic auth: right credentials up, wrong ones unauthorized', async () => {
    process.env.KT_TEST_PASSWORD = 's3cret';
    const agent = await fake({ auth: { user: 'monitor', password: 's3cret' } });
    const ok = await pollOnce(`targets: [{ name: a, url: "${agent.url}", services: [], auth: { username: monitor, password: "\${KT_TEST_PASSWORD}" } }]`);
    assert.equal(ok.snaps[0]!.up, true, ok.snaps[0]!.error?.message);
    const bad = await pollOnce(`targets: [{ name: a, url: "${agent.url}", services: [], auth: { username: monitor, password: nope } }]`);
    assert.equal(bad.snaps[0]!.error?.code, 'unauthorized');
    const none = await pollOnce(`targets: [{ name: a, url: "${agent.url}", services: [] }]`);
    assert.equal(none.snaps[0]!.error?.code, 'unauthorized');
  });

  test('an agent that never answers in time is down with timeout', async () => {
    const agent = await fake({ delayMs: 1500 });
    const { snaps } = await pollOnce(`poll: { interval: 5s, timeout: 300ms }\ntargets: [{ name: a, url: "${agent.url}", services: [] }]`);
    assert.equal(snaps[0]!.error?.code, 'timeout');
  });

  test('nothing listening -> connect', async () => {
    const { snaps } = await pollOnce(`targets: [{ name: a, url: "http://127.0.0.1:1/", services: [] }]`);
    assert.equal(snaps[0]!.error?.code, 'connect');
  });
});

test('statistics of the daemons behind an agent, none asked of the agent itself', async () => {
  const agent = await fake({ services: { dhcp4: keaHandler({ version: '2.2', daemon: 'dhcp4' }) } });
  const app = new App(parseConfigText(`targets: [{ name: a, url: "${agent.url}", services: [dhcp4] }]`, path.join(dir, 'c.yaml')), {
    log: new MemoryLog(),
    version: 't',
    processMetrics: false,
  });
  await app.start();
  await pollAllStatistics(app);
  await app.stop();
  const body = (await app.renderer.render(false)).body;
  assert.match(body, /kea_dhcp4_packets_received_all_total\{target="a",daemon="dhcp4"\} \d+/);
  assert.match(body, /kea_dhcp4_addresses_capacity\{target="a",daemon="dhcp4",subnet_id="1",subnet="192.0.2.0\/24"\}/);
  assert.doesNotMatch(body, /daemon="ca",[^}]*subnet_id/);
  assert.equal(agent.commands.filter((c) => c === 'statistic-get-all').length, 1);
});

describe('Kea 3 HTTP control socket', () => {
  test("a daemon's own socket answers for itself in a one-element list; Kea's hash is used", async () => {
    const h = keaHandler({ version: '3.0', daemon: 'dhcp4', ha: 'primary' });
    const sock = await fake({ role: 'daemon', self: h });
    const key = 'http-targets-test-hash-key';
    const { snaps } = await pollOnce(`hashKey: ${key}\ntargets: [{ name: k3, url: "${sock.url}", daemon: dhcp4 }]`);
    const [s] = snaps;
    assert.equal(s!.up, true, s!.error?.message);
    assert.equal(s!.version, '3.0.4');
    // Kea's hash, keyed as every published hash is.
    assert.deepEqual(s!.configHash, { hash: hashPublisher(key)(h.hash!), source: 'kea' });
    assert.equal(s!.status?.ha[0]?.relationship, 'lb2'); // the fake serves the captured lb1 (load-balancing with lb2)
    assert.equal(s!.status?.ha[0]?.remote?.clockSkew, 0);
  });

  test('HTTPS with a CA and a client certificate; an unknown CA is a tls failure', async () => {
    const tls = { key: certs.serverKey, cert: certs.serverCert, ca: certs.caCert, requestCert: true };
    const sock = await fake({ role: 'daemon', self: keaHandler({ version: '3.0', daemon: 'dhcp4' }), https: tls });
    const good = await pollOnce(`targets: [{ name: k3, url: "${sock.url}", daemon: dhcp4,
      tls: { ca: "${certs.caCert}", cert: "${certs.clientCert}", key: "${certs.clientKey}" } }]`);
    assert.equal(good.snaps[0]!.up, true, good.snaps[0]!.error?.message);
    const untrusted = await pollOnce(`targets: [{ name: k3, url: "${sock.url}", daemon: dhcp4 }]`);
    assert.equal(untrusted.snaps[0]!.error?.code, 'tls', untrusted.snaps[0]!.error?.message);
    const noClientCert = await pollOnce(`targets: [{ name: k3, url: "${sock.url}", daemon: dhcp4, tls: { ca: "${certs.caCert}" } }]`);
    // Issue 12 bug 5: the server's alert after a TLS 1.3 handshake, not "closed mid-answer".
    assert.equal(noClientCert.snaps[0]!.up, false);
    assert.equal(noClientCert.snaps[0]!.error?.code, 'tls', noClientCert.snaps[0]!.error?.message);
    assert.match(noClientCert.snaps[0]!.error?.message ?? '', /requires a client certificate/);
  });
});
