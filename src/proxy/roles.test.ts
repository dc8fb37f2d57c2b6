import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILT_IN_ROLES, READ_ONLY_COMMANDS, allows, type Role } from './roles.js';
import { CATALOG } from '../kea/commands.js';

const RO = BUILT_IN_ROLES['read-only']!;
const ADMIN = BUILT_IN_ROLES.admin!;

/** Real Kea commands (src/share/api/*.json) outside the read-only list: nearly all change state
 * or stop a daemon; config-test and server-tag-get are there because nothing unlisted is read-only. */
const DENIED = [
  'config-set',
  'config-write',
  'config-reload',
  'config-test',
  'config-backend-pull',
  'shutdown',
  'libreload',
  'dhcp-disable',
  'dhcp-enable',
  'leases-reclaim',
  'server-tag-get',
  'lease4-add',
  'lease6-add',
  'lease4-del',
  'lease6-del',
  'lease4-update',
  'lease6-update',
  'lease4-wipe',
  'lease6-wipe',
  'lease4-write',
  'lease6-write',
  'lease6-bulk-apply',
  'lease4-resend-ddns',
  'lease6-resend-ddns',
  'statistic-reset',
  'statistic-reset-all',
  'statistic-remove',
  'statistic-remove-all',
  'statistic-sample-age-set',
  'statistic-sample-age-set-all',
  'statistic-sample-count-set',
  'statistic-sample-count-set-all',
  'ha-continue',
  'ha-heartbeat',
  'ha-maintenance-start',
  'ha-maintenance-cancel',
  'ha-maintenance-notify',
  'ha-reset',
  'ha-scopes',
  'ha-sync',
  'ha-sync-complete-notify',
  'subnet4-add',
  'subnet4-del',
  'subnet4-update',
  'subnet6-add',
  'subnet6-del',
  'subnet6-update',
  'subnet4-delta-add',
  'subnet4-delta-del',
  'network4-add',
  'network4-del',
  'network4-subnet-add',
  'network4-subnet-del',
  'network6-add',
  'network6-del',
  'reservation-add',
  'reservation-del',
  'reservation-update',
  'class-add',
  'class-del',
  'class-update',
  'cache-clear',
  'cache-flush',
  'cache-insert',
  'cache-load',
  'cache-remove',
  'cache-write',
  'remote-subnet4-set',
  'remote-subnet4-del-by-id',
  'remote-global-parameter4-set',
  'remote-server4-del',
  'gss-tsig-key-del',
  'gss-tsig-key-expire',
  'gss-tsig-purge-all',
  'gss-tsig-rekey-all',
  'kea-lfc-start',
  'extended-info4-upgrade',
  'interface-redetect',
];

test('the read-only list: exactly these commands, no glob, no duplicate', () => {
  const expected = [
    'status-get',
    'version-get',
    'config-hash-get',
    'list-commands',
    'build-report',
    'config-get',
    'statistic-get',
    'statistic-get-all',
    'lease4-get',
    'lease6-get',
    'lease4-get-all',
    'lease6-get-all',
    'lease4-get-page',
    'lease6-get-page',
    'lease4-get-by-hw-address',
    'lease4-get-by-client-id',
    'lease4-get-by-hostname',
    'lease6-get-by-duid',
    'lease6-get-by-hostname',
    'perfmon-get-all-durations',
    'subnet4-list',
    'subnet6-list',
    'subnet4-get',
    'subnet6-get',
    'network4-list',
    'network6-list',
    'network4-get',
    'network6-get',
  ];
  assert.deepEqual([...READ_ONLY_COMMANDS].sort(), [...expected].sort());
  assert.equal(new Set(READ_ONLY_COMMANDS).size, READ_ONLY_COMMANDS.length);
  for (const c of READ_ONLY_COMMANDS) assert.match(c, /^[a-z0-9]+(-[a-z0-9]+)*$/, c);
  assert.equal(RO.unredacted, false);
  assert.equal(ADMIN.unredacted, true);
  assert.ok(Object.isFrozen(READ_ONLY_COMMANDS) && Object.isFrozen(BUILT_IN_ROLES) && Object.isFrozen(RO));
  // One place for the fact: the read-only role is the catalog's reads.
  assert.deepEqual(
    [...READ_ONLY_COMMANDS].sort(),
    [...CATALOG]
      .filter(([, e]) => e.reads)
      .map(([c]) => c)
      .sort(),
  );
});

test('read-only: every listed command on any target', () => {
  for (const c of READ_ONLY_COMMANDS) {
    for (const target of ['fast', 'site-a-dhcp4', 'x']) assert.equal(allows(RO, target, c), true, `${target} ${c}`);
  }
});

test('read-only: at least 25 real state-changing commands refused, and near-misses of listed names', () => {
  assert.ok(DENIED.length >= 25);
  for (const c of DENIED) {
    assert.equal(READ_ONLY_COMMANDS.includes(c), false, c);
    assert.equal(allows(RO, 'fast', c), false, c);
  }
  for (const c of ['', '*', 'statistic-get*', 'statistic-', 'lease4-get-', 'lease4-get-all-and-wipe', 'STATUS-GET', 'status-get ', 'config']) {
    assert.equal(allows(RO, 'fast', c), false, JSON.stringify(c));
  }
});

test('admin: every command, on every target', () => {
  for (const c of [...DENIED, ...READ_ONLY_COMMANDS, 'some-future-command']) {
    assert.equal(allows(ADMIN, 'fast', c), true, c);
    assert.equal(allows(ADMIN, 'another-target', c), true, c);
  }
});

test('a custom role: prefix globs on commands and targets, and the target restriction', () => {
  const leases: Role = { commands: ['lease4-*', 'status-get'], targets: ['site-a-*', 'lab'], unredacted: false };
  assert.equal(allows(leases, 'site-a-dhcp4', 'lease4-get-all'), true);
  assert.equal(allows(leases, 'site-a-', 'lease4-get'), true);
  assert.equal(allows(leases, 'lab', 'status-get'), true);
  assert.equal(allows(leases, 'site-b-dhcp4', 'lease4-get'), false);
  assert.equal(allows(leases, 'lab2', 'status-get'), false);
  assert.equal(allows(leases, 'site-a-dhcp4', 'lease6-get'), false);
  assert.equal(allows(leases, 'site-a-dhcp4', 'config-set'), false);

  const nothing: Role = { commands: [], targets: ['*'], unredacted: false };
  assert.equal(allows(nothing, 'fast', 'status-get'), false);
  const nowhere: Role = { commands: ['*'], targets: [], unredacted: false };
  assert.equal(allows(nowhere, 'fast', 'status-get'), false);
});

test("globs match only the catalog's reads: lease4-* cannot wipe, delete or add; * is the read-only set", () => {
  const leases: Role = { commands: ['lease4-*'], targets: ['*'], unredacted: false };
  for (const c of ['lease4-wipe', 'lease4-del', 'lease4-add', 'lease4-update', 'lease4-write', 'lease4-resend-ddns', 'lease4-x1', 'lease4-get-by-state']) {
    assert.equal(allows(leases, 'fast', c), false, c);
  }
  for (const c of ['lease4-get', 'lease4-get-all', 'lease4-get-page', 'lease4-get-by-hw-address']) assert.equal(allows(leases, 'fast', c), true, c);

  const all: Role = { commands: ['*'], targets: ['fast'], unredacted: true };
  const granted = [...CATALOG.keys(), ...DENIED, 'some-future-command'].filter((c) => allows(all, 'fast', c));
  assert.deepEqual([...new Set(granted)].sort(), [...READ_ONLY_COMMANDS].sort());
  for (const c of ['config-write', 'shutdown', 'ha-maintenance-start', 'statistic-reset', 'statistic-*', 'lease4-wipe'])
    assert.equal(allows(all, 'fast', c), false, c);
  assert.equal(allows({ commands: ['statistic-*'], targets: ['*'], unredacted: false }, 'fast', 'statistic-reset-all'), false);
  assert.equal(allows({ commands: ['lease4-wipe*'], targets: ['*'], unredacted: false }, 'fast', 'lease4-wipe'), false);
});

test('a mutating or unknown command is granted by its exact name only', () => {
  const wiper: Role = { commands: ['lease4-*', 'lease4-wipe', 'reservation-get', 'config-write'], targets: ['lab'], unredacted: false };
  for (const c of ['lease4-wipe', 'reservation-get', 'config-write', 'lease4-get']) assert.equal(allows(wiper, 'lab', c), true, c);
  for (const c of ['lease4-del', 'lease6-wipe', 'config-set']) assert.equal(allows(wiper, 'lab', c), false, c);
  assert.equal(allows(wiper, 'other', 'lease4-wipe'), false);
});
