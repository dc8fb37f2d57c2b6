/** Writes the BUILT fixtures under test/fixtures/kea/{2.4,2.6,3.0} from the 2.2.0 captures
 * and the version table in /work/shared/kea/README.md. Deterministic: rerun after edits with
 * `npx tsx test/support/build-kea-fixtures.ts`. Real captures (2.2.0/) are never touched. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { configHash, keaHandler } from './kea-handlers.js';
import { keaStringify, raw } from './kea-json.js';

const OUT = new URL('../fixtures/kea/', import.meta.url);
const ZEROS = raw('[ 0.0, 0.0, 0.0 ]');
const T0 = Date.UTC(2025, 5, 2, 10, 15, 42); // fixed clock for system-time values

function write(rel: string, answer: unknown): void {
  mkdirSync(new URL(rel.slice(0, rel.lastIndexOf('/') + 1), OUT), { recursive: true });
  writeFileSync(new URL(rel, OUT), keaStringify(answer)); // Kea writes no trailing newline
}

const ok = (args: unknown): Record<string, unknown> => ({ arguments: args, result: 0 });
const mt = { 'multi-threading-enabled': true, 'packet-queue-size': 64, 'packet-queue-statistics': ZEROS, 'thread-pool-size': 4 };
const ready = { status: 'ready' };
const dhcpState = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  'disabled-by-db-connection': [], 'disabled-by-local-command': [], 'disabled-by-remote-command': [],
  'disabled-by-user': false, 'globally-disabled': false, ...over,
});

interface Peer { role: string; name?: string; state: string; scopes: string[]; time?: string | null }
interface Remote extends Peer { age: number; inTouch: boolean; interrupted: boolean; skew?: number | null; unackedLeft?: number }

function relationship(local: Peer, remote: Remote): Record<string, unknown> {
  const l: Record<string, unknown> = { role: local.role, scopes: local.scopes, state: local.state };
  if (local.name) l['server-name'] = local.name;
  if (local.time !== undefined) l['system-time'] = local.time;
  const r: Record<string, unknown> = {
    age: remote.age, 'analyzed-packets': 0, 'communication-interrupted': remote.interrupted,
    'connecting-clients': 0, 'in-touch': remote.inTouch, 'last-scopes': remote.scopes,
    'last-state': remote.state, role: remote.role, 'unacked-clients': 0,
    'unacked-clients-left': remote.unackedLeft ?? 0,
  };
  if (remote.name) r['server-name'] = remote.name;
  if (remote.time !== undefined) r['system-time'] = remote.time;
  if (remote.skew !== undefined) r['clock-skew'] = remote.skew;
  return { 'ha-mode': 'hot-standby', 'ha-servers': { local: l, remote: r } };
}

const primary = (name?: string, time?: string | null): Peer => ({
  role: 'primary', state: 'hot-standby', scopes: ['server1'], ...(name ? { name } : {}), ...(time !== undefined ? { time } : {}),
});
const standbyRemote = (extra: Partial<Remote> = {}): Remote => ({
  role: 'standby', state: 'hot-standby', scopes: [], age: 0, inTouch: true, interrupted: false, ...extra,
});

// ---- 2.4: config-hash-get, MT on by default, hash beside Dhcp4 ----
{
  const h = keaHandler({ version: '2.4', daemon: 'dhcp4', pid: 2817, now: () => T0 });
  const cfg = h({ command: 'config-get' }) as { arguments: Record<string, unknown> };
  write('2.4/dhcp4.config-get.json', cfg);
  write('2.4/dhcp4.config-hash-get.json', ok({ hash: configHash({ Dhcp4: cfg.arguments.Dhcp4 }) }));
  write('2.4/dhcp4.list-commands.json', h({ command: 'list-commands' }));
  write('2.4/dhcp4.version-get.json', h({ command: 'version-get' }));
  write('2.4/dhcp4.status-get.json', ok({ ...mt, pid: 2817, reload: 3611, sockets: ready, uptime: 3611 }));
  write('2.4/dhcp4-ha-primary.status-get.json', ok({
    'high-availability': [relationship(primary(), standbyRemote())],
    ...mt, pid: 2818, reload: 3611, sockets: ready, uptime: 3611,
  }));
}

// ---- 2.6 (dhcp-state from 2.6.2): dhcp-state, extended-info-tables, server-name, hub-and-spoke ----
{
  const base = { ...mt, pid: 3120, reload: 7205, sockets: ready, uptime: 86400 };
  write('2.6/dhcp4.status-get.json', ok({ 'dhcp-state': dhcpState(), ...base }));
  write('2.6/dhcp4.status-get.disabled-by-user.json',
    ok({ 'dhcp-state': dhcpState({ 'disabled-by-user': true, 'globally-disabled': true }), ...base }));
  write('2.6/dhcp4.status-get.disabled-by-ha.json',
    ok({ 'dhcp-state': dhcpState({ 'disabled-by-local-command': [1000], 'globally-disabled': true }), ...base }));
  // The same map as one Kea source revision prints it: db-connection as a boolean.
  write('2.6/dhcp4.status-get.dhcp-state-db-bool.json',
    ok({ 'dhcp-state': dhcpState({ 'disabled-by-db-connection': false }), ...base }));
  write('2.6/dhcp4.status-get.sockets-retrying.json', ok({
    'dhcp-state': dhcpState(), ...base,
    sockets: { errors: ['the interface eth1 has no usable IPv4 addresses configured'], status: 'retrying' },
  }));
  write('2.6/dhcp4.status-get.sockets-failed.json', ok({
    'dhcp-state': dhcpState(), ...base,
    sockets: { errors: ['failed to open socket on interface eth1, reason: Address already in use'], status: 'failed' },
  }));
  write('2.6/dhcp6.status-get.json',
    ok({ 'dhcp-state': dhcpState(), 'extended-info-tables': false, ...mt, pid: 3121, reload: 7205, sockets: ready, uptime: 86400 }));
  write('2.6/dhcp4-ha-primary.status-get.json', ok({
    'dhcp-state': dhcpState(),
    'high-availability': [relationship(primary('server1'), standbyRemote({ name: 'server2' }))],
    ...base, pid: 3122,
  }));
  // Hub: one standby server paired with two primaries, one list entry per relationship.
  const hubLocal = (name: string): Peer => ({ role: 'standby', name, state: 'hot-standby', scopes: [] });
  const spoke = (name: string, scope: string): Remote => ({
    role: 'primary', name, state: 'hot-standby', scopes: [scope], age: 0, inTouch: true, interrupted: false,
  });
  write('2.6/dhcp4-ha-hub.status-get.json', ok({
    'dhcp-state': dhcpState(),
    'high-availability': [
      relationship(hubLocal('server2'), spoke('server1', 'server1')),
      relationship(hubLocal('server4'), spoke('server3', 'server3')),
    ],
    ...base, pid: 3123,
  }));
  write('2.6/dhcp4.version-get.json', keaHandler({ version: '2.6', daemon: 'dhcp4' })({ command: 'version-get' }));
  write('2.6/dhcp4.config-hash-get.json', ok({ hash: keaHandler({ version: '2.6', daemon: 'dhcp4' }).hash }));
}

// ---- 3.0: HA system-time and clock-skew; daemons' own HTTP control sockets ----
{
  const now = '2025-06-02 10:15:42';
  const base = { 'dhcp-state': dhcpState(), ...mt, pid: 5150, reload: 120, sockets: ready, uptime: 120 };
  write('3.0/dhcp4-ha-primary.status-get.json', ok({
    ...base,
    'high-availability': [relationship(primary('server1', now), standbyRemote({ name: 'server2', time: now, skew: 2 }))],
  }));
  // Partner never reached yet: clock-skew and the partner's system-time are null.
  write('3.0/dhcp4-ha-primary.waiting.status-get.json', ok({
    ...base, reload: 3, uptime: 3,
    'high-availability': [relationship(
      { role: 'primary', name: 'server1', state: 'waiting', scopes: [], time: now },
      { role: 'standby', name: 'server2', state: '', scopes: [], age: 0, inTouch: false, interrupted: false, time: null, skew: null },
    )],
  }));
  write('3.0/dhcp4-ha-primary.partner-down.status-get.json', ok({
    ...base, reload: 400, uptime: 400,
    'high-availability': [relationship(
      { ...primary('server1', now), state: 'partner-down' },
      standbyRemote({ name: 'server2', state: 'unavailable', age: 8, interrupted: true, unackedLeft: 1, time: '2025-06-02 10:15:31', skew: 0 }),
    )],
  }));
  const h = keaHandler({ version: '3.0', daemon: 'dhcp4', pid: 5150, now: () => T0 });
  write('3.0/dhcp4.version-get.json', h({ command: 'version-get' }));
  write('3.0/dhcp4.config-hash-get.json', ok({ hash: h.hash }));
  write('3.0/dhcp4.status-get.json', ok(base));
  // The daemon's own HTTP control socket wraps its answer in a one-element list, like the agent.
  write('3.0/dhcp4-http.status-get.json', [ok(base)]);
  write('3.0/dhcp4-http.version-get.json', [h({ command: 'version-get' })]);
  write('3.0/dhcp4-http.unknown-command.json', [{ result: 2, text: "'no-such-command' command not supported." }]);
}

console.log('built fixtures written under', OUT.pathname);
