import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatus } from './status.js';
import { fixtureArgs } from '../../test/support/fixture-files.js';

test('2.2 HA primary: MT, queue averages, one relationship named by the partner role', () => {
  const s = parseStatus(fixtureArgs('2.2.0', 'dhcp4-ha-primary.status-get'));
  assert.equal(s.pid, 9939);
  assert.equal(s.uptime, 57);
  assert.equal(s.reload, 57);
  assert.equal(s.multiThreadingEnabled, true);
  assert.equal(s.threadPoolSize, 4);
  assert.equal(s.packetQueueSize, 64);
  assert.deepEqual(s.packetQueueAverages, [0, 0, 0]);
  assert.deepEqual(s.sockets, { status: 'ready', errors: [] });
  assert.equal(s.dhcpDisabled, undefined);
  assert.equal(s.ha.length, 1);
  const [ha] = s.ha;
  assert.equal(ha!.relationship, 'standby');
  assert.equal(ha!.mode, 'hot-standby');
  assert.deepEqual(ha!.local, { role: 'primary', state: 'hot-standby', scopes: ['server1'] });
  assert.equal(ha!.remote?.lastState, 'hot-standby');
  assert.equal(ha!.remote?.inTouch, true);
  assert.equal(ha!.remote?.clockSkew, undefined);
});

test('2.2 partner-down and partner-unreachable', () => {
  const down = parseStatus(fixtureArgs('2.2.0', 'dhcp4-ha-primary.partner-down.status-get')).ha[0]!;
  assert.equal(down.local.state, 'partner-down');
  assert.equal(down.remote?.lastState, 'unavailable');
  assert.equal(down.remote?.communicationInterrupted, true);
  assert.equal(down.remote?.age, 8);
  assert.equal(down.remote?.unackedClientsLeft, 1);
  const unreachable = parseStatus(fixtureArgs('2.2.0', 'dhcp4-ha-primary.partner-unreachable.status-get')).ha[0]!;
  assert.equal(unreachable.local.state, 'hot-standby');
  assert.equal(unreachable.remote?.lastState, 'unavailable');
});

test('2.2 standby names its relationship after the primary', () => {
  const s = parseStatus(fixtureArgs('2.2.0', 'dhcp4-ha-standby.status-get'));
  assert.equal(s.ha[0]!.relationship, 'primary');
  assert.equal(s.ha[0]!.local.role, 'standby');
});

test('2.2 MT after load: non-zero packet-queue averages', () => {
  const s = parseStatus(fixtureArgs('2.2.0', 'dhcp4-mt-after-load.status-get'));
  assert.deepEqual(s.packetQueueAverages, [1.0, 1.00084, 1.02748]);
  assert.deepEqual(s.ha, []);
});

test('2.2 dhcp6 without MT, d2 and ca with only pid/uptime/reload', () => {
  const d6 = parseStatus(fixtureArgs('2.2.0', 'dhcp6.status-get'));
  assert.equal(d6.multiThreadingEnabled, false);
  assert.equal(d6.threadPoolSize, undefined);
  for (const name of ['d2.status-get', 'ca.status-get']) {
    const s = parseStatus(fixtureArgs('2.2.0', name));
    assert.deepEqual(Object.keys(s).sort(), ['ha', 'pid', 'reload', 'uptime']);
  }
});

test('2.6.3 / 3.0.4: MT on with its fields', () => {
  for (const v of ['2.6.3', '3.0.4'] as const) {
    const s = parseStatus(fixtureArgs(v, 'dhcp6.status-get'));
    assert.equal(s.multiThreadingEnabled, true, v);
    assert.equal(s.threadPoolSize, 2, v);
  }
});

/** The real 2.6.3 primary with dhcp-state edited: one Kea source revision prints
 * disabled-by-db-connection as a boolean (no 2.6.3 / 3.0.4 capture does), so the parser must accept it. */
function dbBool(value: boolean): unknown {
  const args = structuredClone(fixtureArgs('2.6.3', 'dhcp4-ha-primary.status-get')) as { 'dhcp-state': Record<string, unknown> };
  Object.assign(args['dhcp-state'], { 'disabled-by-db-connection': value, 'globally-disabled': value });
  return args;
}

test('2.6.3: dhcp-state, server names, hub-and-spoke, sockets retrying/failed', () => {
  assert.equal(parseStatus(fixtureArgs('2.6.3', 'dhcp4-ha-primary.status-get')).dhcpDisabled, false);
  assert.equal(parseStatus(fixtureArgs('2.6.3', 'dhcp6.status-get.disabled-by-user')).dhcpDisabled, true);
  assert.equal(parseStatus(fixtureArgs('2.6.3', 'dhcp4-ha-standby.waiting.status-get')).dhcpDisabled, true);
  assert.equal(parseStatus(dbBool(false)).dhcpDisabled, false);
  assert.equal(parseStatus(dbBool(true)).dhcpDisabled, true);
  const primary = parseStatus(fixtureArgs('2.6.3', 'dhcp4-ha-primary.status-get')).ha[0]!;
  assert.equal(primary.local.serverName, 'server1');
  assert.equal(primary.relationship, 'server2');
  const hub = parseStatus(fixtureArgs('2.6.3', 'dhcp4-ha-hub.status-get'));
  assert.deepEqual(
    hub.ha.map((r) => r.relationship),
    ['server1', 'server3'],
  );
  const retrying = parseStatus(fixtureArgs('2.6.3', 'dhcp4-mt-off.sockets-retrying.status-get'));
  assert.equal(retrying.sockets?.status, 'retrying');
  assert.ok(retrying.sockets.errors.length > 0);
  assert.equal(parseStatus(fixtureArgs('2.6.3', 'dhcp4-mt-off.sockets-failed.status-get')).sockets?.status, 'failed');
});

test('3.0.4: signed clock-skew when known, absent when null; HTTP socket answers unwrap', () => {
  assert.equal(parseStatus(fixtureArgs('3.0.4', 'dhcp4-ha-hub.partner-clock-ahead-45s.status-get')).ha[0]!.remote?.clockSkew, 45);
  assert.equal(parseStatus(fixtureArgs('3.0.4', 'dhcp4-ha-hub.partner-clock-behind-40s.status-get')).ha[0]!.remote?.clockSkew, -40);
  assert.equal(parseStatus(fixtureArgs('3.0.4', 'dhcp4-ha-hub.status-get')).ha[0]!.remote?.clockSkew, 0);
  const waiting = parseStatus(fixtureArgs('3.0.4', 'dhcp4-ha-lb-secondary.waiting.status-get')).ha[0]!;
  assert.equal(waiting.remote?.clockSkew, undefined);
  const down = parseStatus(fixtureArgs('3.0.4', 'dhcp4-ha-lb-primary.partner-down.status-get')).ha[0]!;
  assert.equal(down.remote?.clockSkew, undefined);
  const http = parseStatus(fixtureArgs('3.0.4', 'dhcp4-ha-lb-primary-http.status-get'));
  assert.equal(http.pid, parseStatus(fixtureArgs('3.0.4', 'dhcp4-ha-lb-primary.status-get')).pid);
});

test('partner last-state "" before first contact reads as unknown', () => {
  const s = parseStatus({
    pid: 1,
    uptime: 1,
    reload: 1,
    'high-availability': [
      {
        'ha-mode': 'load-balancing',
        'ha-servers': { local: { role: 'primary', scopes: [], state: 'waiting' }, remote: { role: 'secondary', 'last-state': '' } },
      },
    ],
  });
  assert.equal(s.ha[0]!.remote?.lastState, 'unknown');
  assert.equal(s.ha[0]!.relationship, 'secondary');
});

test('backup server without remote names the relationship after its own role', () => {
  const s = parseStatus({
    pid: 1,
    uptime: 1,
    reload: 1,
    'high-availability': [{ 'ha-mode': 'passive-backup', 'ha-servers': { local: { role: 'backup', scopes: [], state: 'passive-backup' } } }],
  });
  assert.equal(s.ha[0]!.relationship, 'backup');
  assert.equal(s.ha[0]!.remote, undefined);
});

test('rejects answers without pid/uptime/reload', () => {
  assert.throws(() => parseStatus({ pid: 1 }), /bad_answer|pid, uptime or reload/);
  assert.throws(() => parseStatus(undefined), /arguments missing/);
});
