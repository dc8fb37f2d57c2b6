/** The lab itself against real Kea 2.2, 2.6 and 3.0: every daemon of each version starts, HA settles
 * in every topology the version has, real DHCP traffic flows, failures are reported, stop cleans up. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { daemonsFor, type LabDaemon } from '../../src/lab/daemons.js';
import { DHCP6_POOL_IDS, DHCP6_SHARED_NETWORK, TRAFFIC_POOL_ID, TRAFFIC_SHARED_NETWORK, TRAFFIC_SUBNETS } from '../../src/lab/kea-configs.js';
import { KEA_VERSIONS, keaInstall } from '../../src/lab/kea-install.js';
import { haLocalState, startLab, type Lab } from '../../src/lab/lab.js';

const timings: Record<string, number> = {};
after(() => console.log(`kea lab timings: ${JSON.stringify(timings)}`));

type Stats = { arguments: Record<string, [number, string][]> };
const stat = (all: Stats, name: string): number => {
  const samples = all.arguments[name];
  assert.ok(samples, `no statistic ${name}`);
  return samples[0]![0];
};

for (const version of KEA_VERSIONS) {
  describe(`Kea ${version} lab`, () => {
    const features = keaInstall(version).features;
    // Everything the version can run but the lease-laden server (its own tests load it).
    const daemons = daemonsFor(features).filter((d) => d !== 'leases');
    let lab: Lab;
    before(
      async () => {
        const t0 = Date.now();
        lab = await startLab({ version, daemons });
        timings[`${version} startMs`] = Date.now() - t0;
      },
      { timeout: 60_000 },
    );
    after(() => lab?.stop());

    test('every daemon answers status-get with result 0, as the version it is', async () => {
      for (const name of daemons.filter((d) => d !== 'ca')) {
        const answer = (await lab.command(name, 'status-get')) as { result: number; arguments: { pid: number } };
        assert.equal(answer.result, 0, `${name}: ${JSON.stringify(answer)}`);
        const v = (await lab.command(name, 'version-get')) as { text: string };
        assert.match(v.text, new RegExp(`^${version.replace('.', '\\.')}\\.`), `${name} is ${v.text}`);
      }
      const agent = (await lab.command('ca', 'status-get', { service: ['dhcp4', 'dhcp6', 'd2'] })) as { result: number }[];
      assert.deepEqual(
        agent.map((a) => a.result),
        [0, 0, 0],
      );
    });

    test('HA: the pair is hot-standby; hub-and-spoke and passive-backup settle where the version has them', async () => {
      const states = async (name: LabDaemon) => {
        const a = await lab.command(name, 'status-get');
        return [0, 1].map((i) => haLocalState(a, i)).filter(Boolean);
      };
      assert.deepEqual(await states('primary'), ['hot-standby']);
      assert.deepEqual(await states('standby'), ['hot-standby']);
      assert.deepEqual(await states('pb-primary'), ['passive-backup']);
      assert.deepEqual(await states('pb-backup'), ['backup']);
      if (features.hubAndSpoke) assert.deepEqual(await states('hub'), ['hot-standby', 'hot-standby']);
    });

    test('dhcp6 has subnet 1 (pool, pd-pool) and shared network lab-shared6 with subnet 2', async () => {
      type Sub = { id: number; pools: { 'pool-id'?: number }[]; 'pd-pools': { 'pool-id'?: number }[] };
      const answer = (await lab.command('dhcp6', 'config-get')) as {
        arguments: { Dhcp6: { subnet6: Sub[]; 'shared-networks': { name: string; subnet6: Sub[] }[] } };
      };
      const d6 = answer.arguments.Dhcp6;
      assert.deepEqual(
        d6.subnet6.map((s) => [s.id, s.pools.length, s['pd-pools'].length]),
        [[1, 1, 1]],
      );
      assert.deepEqual(
        d6['shared-networks'].map((n) => [n.name, n.subnet6.map((s) => s.id)]),
        [[DHCP6_SHARED_NETWORK, [2]]],
      );
      if (features.poolIds) {
        assert.equal(d6.subnet6[0]!.pools[0]!['pool-id'], DHCP6_POOL_IDS.address);
        assert.equal(d6.subnet6[0]!['pd-pools'][0]!['pool-id'], DHCP6_POOL_IDS.prefix);
      }
    });

    test("traffic: perfdhcp gets leases on the traffic servers' own ports; statistics show every subnet and pool", { timeout: 60_000 }, async () => {
      let t0 = Date.now();
      const run = await lab.perfdhcp({ rate: 100, count: 100 });
      timings[`${version} perfdhcp4Ms`] = Date.now() - t0;
      assert.match(run.stdout, /REQUEST-ACK/);
      const all = (await lab.command('traffic', 'statistic-get-all')) as Stats;
      assert.ok(stat(all, 'pkt4-ack-sent') > 0);
      assert.ok(stat(all, `subnet[${TRAFFIC_SUBNETS.loopback}].assigned-addresses`) > 0);
      for (const id of [...TRAFFIC_SUBNETS.shared, TRAFFIC_SUBNETS.removable]) assert.equal(stat(all, `subnet[${id}].total-addresses`), 191);
      if (features.poolIds) assert.ok(stat(all, `subnet[1].pool[${TRAFFIC_POOL_ID}].assigned-addresses`) > 0);
      const d4 = ((await lab.command('traffic', 'config-get')) as { arguments: { Dhcp4: { 'shared-networks': { name: string }[] } } }).arguments.Dhcp4;
      assert.deepEqual(
        d4['shared-networks'].map((n) => n.name),
        [TRAFFIC_SHARED_NETWORK],
      );
      if (!features.v6Traffic) return;
      t0 = Date.now();
      await lab.perfdhcp({ family: 6, rate: 100, count: 50 });
      timings[`${version} perfdhcp6Ms`] = Date.now() - t0;
      const six = (await lab.command('traffic6', 'statistic-get-all')) as Stats;
      assert.ok(stat(six, `subnet[1].pool[${DHCP6_POOL_IDS.address}].assigned-nas`) > 0);
      assert.ok(stat(six, `subnet[1].pd-pool[${DHCP6_POOL_IDS.prefix}].assigned-pds`) > 0);
    });

    if (features.httpSockets) {
      test("Kea 3: the daemons' own HTTP sockets want basic auth; the TLS socket wants a client certificate", async () => {
        const body = JSON.stringify({ command: 'status-get' });
        const auth = `Basic ${Buffer.from(`${lab.httpAuth.username}:${lab.httpAuth.password}`).toString('base64')}`;
        for (const url of Object.values(lab.httpUrls)) {
          const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body });
          assert.equal(ok.status, 200);
          assert.equal(((await ok.json()) as { result: number }[])[0]!.result, 0);
          assert.equal((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status, 401);
        }
        const tls = lab.tls!;
        const agent = (cert: boolean) =>
          new Agent({ connect: { ca: readFileSync(tls.ca), ...(cert ? { cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) } : {}) } });
        const send = (cert: boolean) => request(tls.url, { method: 'POST', dispatcher: agent(cert), headers: { 'content-type': 'application/json' }, body });
        assert.equal((await send(true)).statusCode, 200);
        await assert.rejects(send(false));
      });
    }

    test('stop() stops every daemon and removes the dir; it is idempotent', async () => {
      const pids: number[] = [];
      for (const name of daemons.filter((d) => d !== 'ca'))
        pids.push(((await lab.command(name, 'status-get')) as { arguments: { pid: number } }).arguments.pid);
      await lab.stop();
      assert.equal(existsSync(lab.dir), false);
      for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `pid ${pid} still alive`);
      await lab.stop();
    });
  });
}

test('a daemon the version does not have is refused before anything starts', async () => {
  await assert.rejects(startLab({ version: '2.2', daemons: ['primary', 'hub'] }), /Kea 2\.2 cannot run hub/);
});

test('startLab rejects loudly, with exit code and output, when a daemon cannot start', async () => {
  // A PID file naming a live process (us) makes kea-dhcp4 refuse to start: DHCP4_ALREADY_RUNNING.
  const dir = mkdtempSync(join(tmpdir(), 'kea-lab-fail-'));
  try {
    writeFileSync(join(dir, 'primary.kea-dhcp4.pid'), `${process.pid}\n`);
    await assert.rejects(startLab({ version: '2.2', dir, daemons: ['primary', 'dhcp6'] }), (err: Error) => {
      assert.match(err.message, /primary is not running; exited with code 1/);
      assert.match(err.message, /DHCP4_ALREADY_RUNNING/);
      return true;
    });
    // dhcp6 started fine but must have been stopped with the rest.
    const connect = (path: string) => new Promise((resolve, reject) => createConnection(path).on('connect', resolve).on('error', reject));
    await assert.rejects(connect(join(dir, 'sockets', 'd6.sock')), /ECONNREFUSED|ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
