/** Scenarios that change a real lab of one version: why DHCP is disabled (bug 3), config-set, a
 * daemon behind the agent going away, a partner killed and restarted. Run after the read-only ones. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DHCP_DISABLED_CAUSES } from '../../../src/kea/dhcp-state.js';
import { assertFiring } from '../../support/promtool-alerts.js';
import { haValue, seriesOf, value, type MatrixLab } from './setup.js';

const causes = (text: string, target: string): Record<string, number | undefined> =>
  Object.fromEntries(
    DHCP_DISABLED_CAUSES.map((c) => {
      const line = text.split('\n').find((l) => l.startsWith(`kea_dhcp_disabled_by{target="${target}",`) && l.includes(`cause="${c}"`));
      return [c, line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))];
    }),
  );
const none = Object.fromEntries(DHCP_DISABLED_CAUSES.map((c) => [c, 0]));

export function changeScenarios(m: () => MatrixLab): void {
  test("bug 3: why DHCP is disabled; a healthy passive-backup backup fires no alert, a user's dhcp-disable does", async () => {
    const { lab, features } = m();
    let text = await m().metrics();
    if (!features.dhcpState) {
      assert.equal(seriesOf(text, 'pb2').filter((l) => l.startsWith('kea_dhcp_disabled')).length, 0, 'no dhcp-state before 2.6');
      return;
    }
    // On failure: what the exporter shows of the target, and what Kea says of its DHCP state.
    const why = async (target: string, daemon: 'pb-backup' | 'pb-primary' | 'primary' | 'dhcp6') =>
      `now ${Date.now()} exporter ${JSON.stringify(
        m()
          .app.snapshots()
          .filter((x) => x.target === target)
          .map((x) => ({ polledAt: x.polledAt, status: x.status })),
      )}\nKea ${JSON.stringify(await lab.command(daemon, 'status-get'))}\n${text
        .split('\n')
        .filter((l) => l.includes(`target="${target}"`) && /kea_(up|ha_state|dhcp_disabled)/.test(l))
        .join('\n')}`;
    assert.deepEqual(causes(text, 'pb2'), { ...none, ha_local: 1 }, await why('pb2', 'pb-backup'));
    assert.equal(value(text, 'kea_dhcp_disabled', 'target="pb2"'), 1);
    assert.deepEqual(causes(text, 'pb1'), none, await why('pb1', 'pb-primary'));
    assert.deepEqual(causes(text, 'server1'), none, await why('server1', 'primary'));
    const kea = (target: string) =>
      text
        .split('\n')
        .filter((l) => !l.startsWith('kea_') || seriesOf(l, target).length)
        .join('\n');
    assertFiring([{ name: `${m().version} healthy HA`, metrics: [kea('pb2'), kea('pb1'), kea('server1')].join('\n'), firing: [], alertname: 'KeaDHCP.*' }]);

    const off = (await lab.command('dhcp6', 'dhcp-disable')) as { result: number };
    assert.equal(off.result, 0);
    text = await m().metrics();
    assert.deepEqual(causes(text, 'dhcp6'), { ...none, user: 1 }, await why('dhcp6', 'dhcp6'));
    const d6 = text
      .split('\n')
      .filter((l) => !l.startsWith('kea_') || l.includes('target="dhcp6"'))
      .join('\n');
    assertFiring([{ name: `${m().version} user disabled`, metrics: d6, firing: ['KeaDHCPDisabledByUser'], alertname: 'KeaDHCP.*' }]);
    assert.equal(((await lab.command('dhcp6', 'dhcp-enable')) as { result: number }).result, 0);
    const kea6 = JSON.stringify(((await lab.command('dhcp6', 'status-get')) as { arguments: unknown }).arguments);
    text = await m().metrics();
    assert.deepEqual(
      causes(text, 'dhcp6'),
      none,
      `Kea: ${kea6}\n${text
        .split('\n')
        .filter((l) => l.includes('target="dhcp6"') && /kea_(up|exporter_poll|dhcp_disabled)/.test(l))
        .join('\n')}`,
    );
  });

  test('config-set with a changed config changes the hash and bumps the change counter', async () => {
    const { lab } = m();
    const before = await m().metrics();
    const hashOf = (t: string) => /kea_config_hash_info\{target="dhcp6",daemon="dhcp6",hash="([0-9a-f]{32})"/.exec(t)?.[1];
    const got = (await lab.command('dhcp6', 'config-get')) as { arguments: { Dhcp6: Record<string, unknown> } };
    const set = (await lab.command('dhcp6', 'config-set', { Dhcp6: { ...got.arguments.Dhcp6, 'valid-lifetime': 7777 } })) as { result: number; text?: string };
    assert.equal(set.result, 0, set.text);
    await new Promise((r) => setTimeout(r, 1100)); // Kea reports reload in whole seconds
    const after = await m().metrics();
    assert.ok(hashOf(after) && hashOf(after) !== hashOf(before));
    assert.equal(
      value(after, 'kea_config_changes_observed_total', 'target="dhcp6"'),
      value(before, 'kea_config_changes_observed_total', 'target="dhcp6"')! + 1,
    );
  });

  test('a daemon behind the agent that goes away marks only that service down (forward)', async () => {
    const { lab } = m();
    await lab.kill('d2');
    const text = await m().metrics();
    assert.equal(value(text, 'kea_up', 'target="agent",daemon="d2"'), 0);
    assert.equal(value(text, 'kea_exporter_poll_error_info', 'target="agent",daemon="d2",reason="forward"'), 1);
    assert.equal(value(text, 'kea_up', 'target="agent",daemon="ca"'), 1);
    assert.equal(value(text, 'kea_up', 'target="agent",daemon="dhcp4"'), 1);
    assert.equal(value(text, 'kea_up', 'target="ddns",daemon="d2"'), 0);
    await lab.start('d2');
    assert.equal(value(await m().metrics(), 'kea_up', 'target="agent",daemon="d2"'), 1);
  });

  test('killing the HA standby: the primary goes partner-down, the standby is down; restarting it brings both back', { timeout: 60_000 }, async () => {
    const { lab, features, version } = m();
    const rel = (t: string, target: string, state: string) => haValue(t, target, state);
    await lab.kill('standby');
    let text = await m().until((t) => rel(t, 'server1', 'partner-down') === 1, 25_000);
    assert.equal(rel(text, 'server1', 'partner-down'), 1, `${version}: primary partner-down`);
    assert.equal(rel(text, 'server1', 'hot-standby'), 0);
    assert.equal(haValue(text, 'server1', 'unavailable', 'kea_ha_partner_state'), 1);
    assert.equal(value(text, 'kea_up', 'target="server2"'), 0);
    assert.equal(value(text, 'kea_exporter_poll_error_info', 'target="server2",daemon="dhcp4",ha_pair="lab",reason="connect"'), 1);
    assert.equal(value(text, 'kea_uptime_seconds', 'target="server2"'), undefined, 'no stale values of a down daemon');
    assert.ok(value(text, 'kea_ha_state_transitions_total', 'target="server1"')! >= 1);
    if (features.httpSockets) {
      // Kea 3: the partner's clock is unknown while it is unavailable: no skew series, not a wrong 0.
      assert.equal(value(text, 'kea_ha_clock_skew_seconds', 'target="server1"'), undefined);
    }
    await lab.start('standby');
    // On the way back the standby is disabled by HA (waiting/ready), which no alert may call a fault.
    // One status-get of a 3.0 standby was seen in CI to report hot-standby with DHCP still disabled
    // by HA (ha_local): Kea enables it as it enters the state, not with the state's report. So
    // "back" is the state and, within the same wait, DHCP enabled again (the alert allows 5m).
    const enabled = (t: string) => !features.dhcpState || Object.values(causes(t, 'server2')).every((v) => v === 0);
    text = await m().until((t) => rel(t, 'server1', 'hot-standby') === 1 && rel(t, 'server2', 'hot-standby') === 1 && enabled(t), 25_000);
    assert.equal(rel(text, 'server1', 'hot-standby'), 1);
    assert.equal(rel(text, 'server2', 'hot-standby'), 1);
    assert.equal(value(text, 'kea_up', 'target="server2"'), 1);
    if (features.dhcpState) assert.deepEqual(causes(text, 'server2'), none, `${version}: the standby serves again`);
  });
}
