/** Integration test against real Kea 2.2 daemons: npx tsx --test src/lab/lab.test.ts */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DHCP6_SHARED_NETWORK, TRAFFIC_SHARED_NETWORK, TRAFFIC_SUBNETS } from './kea-configs.js';
import { haLocalState, startLab, type Lab } from './lab.js';

let lab: Lab | undefined;
const timings: Record<string, number> = {};

type HaServers = { local: { role: string; state: string }; remote: { role: string; 'last-state': string } };
/** The first HA relationship's servers in a status-get answer (test reading of Kea's JSON). */
const ha = (a: unknown): HaServers =>
  (a as { arguments: { 'high-availability': { 'ha-servers': HaServers }[] } }).arguments['high-availability'][0]!['ha-servers'];
const localState = (state: string) => (a: unknown) => haLocalState(a) === state;

before(async () => {
  const t0 = Date.now();
  lab = await startLab();
  timings.startMs = Date.now() - t0;
}, { timeout: 40_000 });

after(async () => {
  await lab?.stop();
  console.log(`kea lab timings: ${JSON.stringify(timings)}`);
});

function theLab(): Lab {
  assert.ok(lab, 'lab did not start');
  return lab;
}

test('every daemon answers status-get with result 0', async () => {
  const l = theLab();
  const primary: any = await l.command('primary', 'status-get');
  assert.equal(primary.result, 0);
  assert.equal(primary.arguments['multi-threading-enabled'], true);
  assert.equal(ha(primary).local.role, 'primary');
  assert.equal(ha(primary).local.state, 'hot-standby');
  assert.equal(ha(primary).remote.role, 'standby');

  const standby: any = await l.command('standby', 'status-get');
  assert.equal(standby.result, 0);
  assert.equal(standby.arguments['multi-threading-enabled'], true);
  assert.equal(ha(standby).local.role, 'standby');
  assert.equal(ha(standby).local.state, 'hot-standby');

  for (const name of ['dhcp6', 'd2'] as const) {
    const answer: any = await l.command(name, 'status-get');
    assert.equal(answer.result, 0, `${name}: ${JSON.stringify(answer)}`);
    assert.equal(typeof answer.arguments.pid, 'number');
  }
  const agent: any = await l.command('ca', 'status-get');
  assert.ok(Array.isArray(agent));
  assert.equal(agent[0].result, 0);
});

test('the agent forwards status-get to dhcp4, dhcp6 and d2', async () => {
  const answers: any = await theLab().command('ca', 'status-get', { service: ['dhcp4', 'dhcp6', 'd2'] });
  assert.equal(answers.length, 3);
  for (const a of answers) assert.equal(a.result, 0, JSON.stringify(a));
  assert.equal(ha(answers[0]).local.role, 'primary'); // dhcp4 service is the primary
  assert.ok('multi-threading-enabled' in answers[1].arguments); // dhcp6 answers like a DHCP daemon
  assert.deepEqual(Object.keys(answers[2].arguments).sort(), ['pid', 'reload', 'uptime']); // d2
});

test('killing the standby puts the primary in partner-down; restarting it recovers', { timeout: 45_000 }, async () => {
  const l = theLab();
  let t0 = Date.now();
  await l.kill('standby');
  await l.waitFor('primary', localState('partner-down'), 20_000);
  timings.partnerDownMs = Date.now() - t0;
  await assert.rejects(l.command('standby', 'status-get')); // really gone

  t0 = Date.now();
  await l.start('standby');
  timings.standbyAnswersMs = Date.now() - t0;
  await Promise.all([
    l.waitFor('primary', localState('hot-standby'), 20_000),
    l.waitFor('standby', localState('hot-standby'), 20_000),
  ]);
  timings.recoveryMs = Date.now() - t0;
});

test('dhcp6 has subnet 1 (pool, pd-pool) and shared network lab-shared6 with subnet 2', async () => {
  type Sub = { id: number; pools: unknown[]; 'pd-pools': unknown[] };
  const answer: any = await theLab().command('dhcp6', 'config-get');
  assert.equal(answer.result, 0);
  const d6 = answer.arguments.Dhcp6 as { subnet6: Sub[]; 'shared-networks': { name: string; subnet6: Sub[] }[] };
  assert.deepEqual(d6.subnet6.map((s) => [s.id, s.pools.length, s['pd-pools'].length]), [[1, 1, 1]]);
  assert.deepEqual(d6['shared-networks'].map((n) => [n.name, n.subnet6.map((s) => s.id)]), [[DHCP6_SHARED_NETWORK, [2]]]);
  const stats: any = await theLab().command('dhcp6', 'statistic-get-all');
  assert.ok('subnet[2].total-nas' in stats.arguments, Object.keys(stats.arguments).join(' '));
});

test('perfdhcp needs the traffic daemon, which startLab() does not start by default', async () => {
  await assert.rejects(theLab().perfdhcp({ rate: 1, count: 1 }), /needs the 'traffic' daemon/);
  await assert.rejects(theLab().command('traffic', 'status-get'), /ENOENT|ECONNREFUSED/);
});

test('stop() stops every daemon and removes the dir; it is idempotent', async () => {
  const l = theLab();
  assert.ok(existsSync(l.dir));
  const pids: number[] = [];
  for (const name of ['primary', 'standby', 'dhcp6', 'd2'] as const) pids.push(((await l.command(name, 'status-get')) as any).arguments.pid);
  pids.push(((await l.command('ca', 'status-get')) as any)[0].arguments.pid);
  await l.stop();
  assert.equal(existsSync(l.dir), false);
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `pid ${pid} still alive`);
  await l.stop();
});

test('startLab rejects loudly, with exit code and output, when a daemon cannot start', async () => {
  // A PID file naming a live process (us) makes kea-dhcp4 refuse to start: DHCP4_ALREADY_RUNNING.
  const dir = mkdtempSync(join(tmpdir(), 'kea-lab-fail-'));
  try {
    writeFileSync(join(dir, 'primary.kea-dhcp4.pid'), `${process.pid}\n`);
    let failed: Lab | undefined;
    await assert.rejects(
      startLab({ dir, daemons: ['primary', 'dhcp6'] }).then((l) => (failed = l)),
      (err: Error) => {
        assert.match(err.message, /primary is not running; exited with code 1/);
        assert.match(err.message, /DHCP4_ALREADY_RUNNING/);
        return true;
      },
    );
    await failed?.stop();
    // dhcp6 started fine but must have been stopped with the rest.
    const connect = (path: string) =>
      new Promise((resolve, reject) => createConnection(path).on('connect', resolve).on('error', reject));
    await assert.rejects(connect(join(dir, 'd6.sock')), /ECONNREFUSED|ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('traffic: perfdhcp on loopback gets leases; statistics and config show every subnet', { timeout: 40_000 }, async () => {
  let t0 = Date.now();
  const tl = await startLab({ daemons: ['traffic'] });
  timings.trafficStartMs = Date.now() - t0;
  try {
    assert.equal(tl.sockets.traffic, join(tl.dir, 'traffic.sock'));
    t0 = Date.now();
    const run = await tl.perfdhcp({ rate: 100, count: 300 });
    timings.perfdhcpMs = Date.now() - t0;
    assert.ok(run.exitCode === 0 || run.exitCode === 3, `exit ${run.exitCode}`); // 3: a few drops
    assert.match(run.stdout, /REQUEST-ACK/);

    const all: any = await tl.command('traffic', 'statistic-get-all');
    assert.equal(all.result, 0);
    const stat = (name: string): number => {
      const samples = all.arguments[name] as [number, string][] | undefined;
      assert.ok(samples, `no statistic ${name}`);
      return samples[0]![0];
    };
    assert.ok(stat('pkt4-discover-received') > 0);
    assert.ok(stat('pkt4-ack-sent') > 0);
    assert.ok(stat(`subnet[${TRAFFIC_SUBNETS.loopback}].assigned-addresses`) > 0);
    for (const id of [...TRAFFIC_SUBNETS.shared, TRAFFIC_SUBNETS.removable]) {
      assert.equal(stat(`subnet[${id}].total-addresses`), 191); // .10 - .200
      assert.equal(stat(`subnet[${id}].assigned-addresses`), 0);
    }

    const config: any = await tl.command('traffic', 'config-get');
    assert.equal(config.result, 0);
    const d4 = config.arguments.Dhcp4 as { subnet4: { id: number }[]; 'shared-networks': { name: string; subnet4: { id: number }[] }[] };
    assert.deepEqual(d4.subnet4.map((s) => s.id), [TRAFFIC_SUBNETS.loopback, TRAFFIC_SUBNETS.removable]);
    const shared = d4['shared-networks'].find((n) => n.name === TRAFFIC_SHARED_NETWORK);
    assert.ok(shared, JSON.stringify(d4['shared-networks']));
    assert.deepEqual(shared.subnet4.map((s) => s.id), [...TRAFFIC_SUBNETS.shared]);

    // Only one traffic daemon per machine: a second one cannot bind 127.0.0.1:67 and the lab says so.
    await assert.rejects(startLab({ daemons: ['traffic'] }), (err: Error) => {
      assert.match(err.message, /traffic is not running; exited with code 1/);
      assert.match(err.message, /Failed to bind socket \d+ to 127\.0\.0\.1\/port=67/);
      return true;
    });
    assert.equal(((await tl.command('traffic', 'status-get')) as any).arguments.sockets.status, 'ready'); // first one unharmed
  } finally {
    await tl.stop();
  }
});
