/** Integration test against real Kea 2.2 daemons: npx tsx --test src/lab/lab.test.ts */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
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
