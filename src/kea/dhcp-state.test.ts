import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { CAPTURES_DIR, type CaptureVersion } from '../../test/support/captures.js';
import { DHCP_DISABLED_CAUSES, parseDhcpState, type DhcpDisabledCause } from './dhcp-state.js';
import { parseStatus } from './status.js';

/** The arguments of a real capture (test/fixtures/kea/captures/<version>/<name>.json), a list unwrapped. */
const capture = (version: CaptureVersion, name: string): unknown => {
  const body = JSON.parse(readFileSync(`${CAPTURES_DIR}${version}/${name}.json`, 'utf8')) as unknown;
  return ((Array.isArray(body) ? body[0] : body) as { arguments?: unknown }).arguments;
};
const status = (version: CaptureVersion, name: string) => parseStatus(capture(version, name));
/** Every successful status-get capture of 2.6.3 and 3.0.4 (the versions with dhcp-state). */
const statusCaptures = (['2.6.3', '3.0.4'] as const).flatMap((version) =>
  readdirSync(`${CAPTURES_DIR}${version}`)
    .filter((f) => f.includes('.status-get') && f.endsWith('.json'))
    .map((f) => ({ version, file: f, args: capture(version, f.slice(0, -'.json'.length)) }))
    .filter((c) => typeof (c.args as { pid?: unknown } | undefined)?.pid === 'number'),
);
const only = (...causes: DhcpDisabledCause[]) => Object.fromEntries(DHCP_DISABLED_CAUSES.map((c) => [c, causes.includes(c)]));

for (const v of ['2.6.3', '3.0.4'] as const) {
  test(`${v}: a passive-backup backup, waiting and ready servers are disabled by their own HA, nothing else`, () => {
    const pair = v === '2.6.3' ? 'dhcp4-ha-standby' : 'dhcp4-ha-lb-secondary';
    const held = ['dhcp4-ha-passive-backup-backup', `${pair}.waiting`, `${pair}.ready`].map((n) => `${n}.status-get`);
    for (const file of held) {
      const s = status(v, file);
      assert.equal(s.dhcpDisabled, true, file);
      assert.deepEqual(s.dhcpDisabledBy, only('ha_local'), file);
    }
    const primary = status(v, 'dhcp4-ha-passive-backup-primary.status-get');
    assert.equal(primary.dhcpDisabled, false);
    assert.deepEqual(primary.dhcpDisabledBy, only());
  });
}

for (const v of ['2.6.3', '3.0.4'] as const) {
  test(`${v}: a lost PostgreSQL lease database (test/fixtures/kea/db-lost, on-fail stop-retry-exit) disables it, nothing else`, () => {
    const body = JSON.parse(readFileSync(`${CAPTURES_DIR}../db-lost/${v}.dhcp4-pgsql.status-get.json`, 'utf8')) as { arguments: unknown };
    const s = parseStatus(body.arguments);
    assert.equal(s.dhcpDisabled, true);
    assert.deepEqual(s.dhcpDisabledBy, only('db_connection'));
  });
}

test('2.6.3: dhcp-disable by a user', () => {
  const s = status('2.6.3', 'dhcp6.status-get.disabled-by-user');
  assert.equal(s.dhcpDisabled, true);
  assert.deepEqual(s.dhcpDisabledBy, only('user'));
});

test("3.0.4: dhcp-disable by a user, and one with origin-id 2005 (an HA partner's range)", () => {
  const s = status('3.0.4', 'dhcp6.status-get.disabled-by-user');
  assert.equal(s.dhcpDisabled, true);
  assert.deepEqual(s.dhcpDisabledBy, only('user', 'ha_remote'));
});

test('every real dhcp-state: disabled exactly when some cause holds it; HA holds it only in states that do not serve', () => {
  let seen = 0;
  for (const c of statusCaptures) {
    const s = parseStatus(c.args);
    if (!s.dhcpDisabledBy) {
      assert.equal(s.dhcpDisabled, undefined, c.file);
      continue; // d2, ca
    }
    seen++;
    assert.equal(s.dhcpDisabled, Object.values(s.dhcpDisabledBy).some(Boolean), `${c.version}/${c.file}`);
    const states = s.ha.map((r) => r.local.state);
    if (s.dhcpDisabledBy.ha_local)
      assert.ok(
        states.some((x) => ['backup', 'waiting', 'ready', 'syncing', 'in-maintenance'].includes(x)),
        `${c.file}: ${states.join()}`,
      );
    else assert.ok(!states.some((x) => ['backup', 'waiting', 'ready', 'in-maintenance'].includes(x)), `${c.file}: ${states.join()}`);
  }
  assert.ok(seen > 50, `${seen} captures with dhcp-state`);
});

test('origin lists may be booleans; globally-disabled wins when present, else any cause', () => {
  const base = { 'disabled-by-local-command': [], 'disabled-by-remote-command': [], 'disabled-by-user': false };
  assert.deepEqual(parseDhcpState({ ...base, 'disabled-by-db-connection': false, 'globally-disabled': false }), { disabled: false, by: only() });
  assert.deepEqual(parseDhcpState({ ...base, 'disabled-by-db-connection': true, 'globally-disabled': true }), { disabled: true, by: only('db_connection') });
  assert.deepEqual(parseDhcpState({ ...base, 'disabled-by-db-connection': [3001] }), { disabled: true, by: only('db_connection') });
  assert.deepEqual(parseDhcpState({}), { disabled: false, by: only() });
});
