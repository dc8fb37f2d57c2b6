/** The fake Kea may not drift from real Kea: for each version with captures (2.6 ↔ 2.6.3, 3.0 ↔
 * 3.0.4), its answer to a command in a given state has the same shape (keys and value types, at
 * every depth) as the captured answer, and the same dhcp-state and HA roles, states and scopes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureText, keaHandler, keaStringify, type HaPreset, type KeaDaemon, type KeaHandler } from './fake-kea.js';

type Obj = Record<string, unknown>;

/** Keys and value types, recursively; a list by the set of its elements' shapes. */
function shape(v: unknown): unknown {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${[...new Set(v.map((e) => JSON.stringify(shape(e))))].sort().join('|')}]`;
  if (typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v as Obj)
        .sort()
        .map((k) => [k, shape((v as Obj)[k])]),
    );
  return typeof v;
}

const CAPTURE = { '2.6': 'captures/2.6.3', '3.0': 'captures/3.0.4' } as const;
type Version = keyof typeof CAPTURE;

/** A captured answer, a Control Agent's or HTTP socket's list unwrapped. */
function captured(version: Version, name: string): Obj {
  const body = JSON.parse(fixtureText(`${CAPTURE[version]}/${name}.json`)) as unknown;
  return (Array.isArray(body) ? body[0] : body) as Obj;
}

function answer(h: KeaHandler, command: string): Obj {
  return JSON.parse(keaStringify(h({ command }))) as Obj; // as it goes on the wire
}

/** What must agree exactly: who serves which scopes in which state (not ages, clocks or counters). */
function haRoles(args: Obj, names: boolean): unknown {
  return ((args['high-availability'] ?? []) as Obj[]).map((rel) => {
    const { local, remote } = rel['ha-servers'] as { local: Obj; remote?: Obj };
    const pick = (o: Obj, keys: string[]): Obj => Object.fromEntries(keys.filter((k) => names || k !== 'server-name').map((k) => [k, o[k]]));
    return {
      mode: rel['ha-mode'],
      local: pick(local, ['role', 'scopes', 'server-name', 'state']),
      remote: remote && pick(remote, ['in-touch', 'last-scopes', 'last-state', 'role', 'server-name']),
    };
  });
}

interface Case {
  daemon: KeaDaemon;
  ha?: HaPreset;
  state?: [string, string];
  capture: string;
}

const COMMON: Case[] = [
  { daemon: 'dhcp6', capture: 'dhcp6.status-get' },
  { daemon: 'd2', capture: 'd2.status-get' },
  { daemon: 'ca', capture: 'ca.status-get' },
  { daemon: 'dhcp4', ha: 'backup', capture: 'dhcp4-ha-passive-backup-backup.status-get' },
];

/** Fake state ↔ the capture taken in that state (CAPTURES-2.6-3.0.md). */
const STATUS: Record<Version, Case[]> = {
  '2.6': [
    ...COMMON,
    { daemon: 'dhcp4', ha: 'primary', capture: 'dhcp4-ha-primary.status-get' },
    { daemon: 'dhcp4', ha: 'standby', capture: 'dhcp4-ha-standby.status-get' },
    { daemon: 'dhcp4', ha: 'partner-down', capture: 'dhcp4-ha-primary.partner-down.status-get' },
    { daemon: 'dhcp4', ha: 'primary', state: ['hot-standby', 'unavailable'], capture: 'dhcp4-ha-primary.partner-unreachable.status-get' },
    { daemon: 'dhcp4', ha: 'primary', state: ['hot-standby', 'ready'], capture: 'dhcp4-ha-primary.partner-ready.status-get' },
    { daemon: 'dhcp4', ha: 'primary', state: ['partner-down', 'waiting'], capture: 'dhcp4-ha-primary.partner-waiting.status-get' },
    { daemon: 'dhcp4', ha: 'primary', state: ['in-maintenance', 'partner-in-maintenance'], capture: 'dhcp4-ha-primary.partner-in-maintenance.status-get' },
    { daemon: 'dhcp4', ha: 'standby', state: ['waiting', ''], capture: 'dhcp4-ha-standby.waiting.status-get' },
    { daemon: 'dhcp4', ha: 'standby', state: ['ready', 'partner-down'], capture: 'dhcp4-ha-standby.ready.status-get' },
    { daemon: 'dhcp4', ha: 'standby', state: ['partner-in-maintenance', 'in-maintenance'], capture: 'dhcp4-ha-standby.in-maintenance.status-get' },
  ],
  '3.0': [
    ...COMMON,
    { daemon: 'dhcp4', capture: 'dhcp4-http-noauth.status-get' },
    { daemon: 'dhcp4', ha: 'primary', capture: 'dhcp4-ha-lb-primary.status-get' },
    { daemon: 'dhcp4', ha: 'standby', capture: 'dhcp4-ha-lb-secondary.status-get' },
    { daemon: 'dhcp4', ha: 'partner-down', capture: 'dhcp4-ha-lb-primary.partner-down.status-get' },
    { daemon: 'dhcp4', ha: 'primary', state: ['communication-recovery', 'unavailable'], capture: 'dhcp4-ha-lb-primary.partner-unreachable.status-get' },
    { daemon: 'dhcp4', ha: 'primary', state: ['load-balancing', 'ready'], capture: 'dhcp4-ha-lb-primary.partner-ready.status-get' },
    { daemon: 'dhcp4', ha: 'primary', state: ['partner-down', 'waiting'], capture: 'dhcp4-ha-lb-primary.partner-waiting.status-get' },
    { daemon: 'dhcp4', ha: 'primary', state: ['in-maintenance', 'partner-in-maintenance'], capture: 'dhcp4-ha-lb-primary.partner-in-maintenance.status-get' },
    { daemon: 'dhcp4', ha: 'standby', state: ['waiting', ''], capture: 'dhcp4-ha-lb-secondary.waiting.status-get' },
    { daemon: 'dhcp4', ha: 'standby', state: ['ready', 'partner-down'], capture: 'dhcp4-ha-lb-secondary.ready.status-get' },
    { daemon: 'dhcp4', ha: 'standby', state: ['partner-in-maintenance', 'in-maintenance'], capture: 'dhcp4-ha-lb-secondary.in-maintenance.status-get' },
  ],
};

for (const version of ['2.6', '3.0'] as const) {
  test(`${version}: status-get in every captured state has the capture's shape, dhcp-state and HA roles`, () => {
    for (const c of STATUS[version]) {
      const h = keaHandler({ version, daemon: c.daemon, ...(c.ha ? { ha: c.ha } : {}) });
      if (c.state) h.setHaState(...c.state);
      const fake = answer(h, 'status-get');
      const real = captured(version, c.capture);
      const what = `${version} ${c.capture}`;
      assert.deepEqual(shape(fake), shape(real), what);
      const [f, r] = [fake.arguments as Obj, real.arguments as Obj];
      assert.deepEqual(f['dhcp-state'], r['dhcp-state'], `${what}: dhcp-state`);
      // The backup capture is another lab pair (pb1/pb2): its names are not the fake's.
      assert.deepEqual(haRoles(f, c.ha !== 'backup'), haRoles(r, c.ha !== 'backup'), `${what}: HA`);
    }
  });

  test(`${version}: version-get, list-commands, config-get, config-hash-get and statistic-get-all are the captures'`, () => {
    for (const daemon of ['dhcp4', 'dhcp6', 'd2', 'ca'] as const) {
      const h = keaHandler({ version, daemon, ...(daemon === 'dhcp4' ? { ha: 'primary' as const } : {}) });
      const config = daemon === 'dhcp4' ? (version === '2.6' ? 'dhcp4-ha-primary' : 'dhcp4-ha-lb-primary') : daemon;
      const names: Array<[string, string]> = [
        ['version-get', daemon],
        ['list-commands', daemon],
        ['config-get', config],
        ['config-hash-get', config],
      ];
      if (daemon !== 'ca') names.push(['statistic-get-all', daemon]);
      for (const [command, name] of names) {
        const fake = answer(h, command);
        const real = captured(version, `${name}.${command}`);
        assert.deepEqual(shape(fake), shape(real), `${version} ${daemon} ${command}`);
        assert.deepEqual(fake, real, `${version} ${daemon} ${command}`);
      }
    }
  });
}

test("d2 statistics: queue-mgr-queue-full only from 3.0; 2.2 / 2.4 have 2.6.3's global names", () => {
  const names = (a: Obj): string[] =>
    Object.keys(a.arguments as Obj)
      .filter((k) => !k.startsWith('key['))
      .sort();
  const real26 = names(captured('2.6', 'd2.statistic-get-all'));
  const real30 = names(captured('3.0', 'd2.statistic-get-all'));
  assert.ok(!real26.includes('queue-mgr-queue-full') && real30.includes('queue-mgr-queue-full'));
  for (const version of ['2.2', '2.4'] as const) {
    const fake = answer(keaHandler({ version, daemon: 'd2' }), 'statistic-get-all');
    assert.deepEqual(names(fake), real26, version);
    assert.deepEqual(shape(fake), shape({ arguments: Object.fromEntries(real26.map((k) => [k, [[0, 'x']]])), result: 0 }), version);
  }
});

test('statistics name per-pool and 3.0 dhcp6 registration counters as the captures do', () => {
  const keys = (version: Version, daemon: KeaDaemon): string[] => Object.keys(answer(keaHandler({ version, daemon }), 'statistic-get-all').arguments as Obj);
  for (const version of ['2.6', '3.0'] as const) {
    assert.ok(keys(version, 'dhcp4').includes('subnet[1].pool[5].assigned-addresses'), version);
    assert.ok(keys(version, 'dhcp6').includes('subnet[1].pd-pool[9].assigned-pds'), version);
  }
  assert.ok(keys('3.0', 'dhcp6').includes('subnet[1].registered-nas'));
  assert.ok(keys('3.0', 'dhcp6').includes('pkt6-addr-reg-inform-received'));
  assert.ok(!keys('2.6', 'dhcp6').some((k) => k.includes('registered-nas') || k.includes('addr-reg')));
});
