/** Scenarios on a real lab of one version: exported values equal Kea's answers; every HA topology;
 * wrong daemon kinds (bug 1); Kea 3's own HTTP and HTTPS sockets (bugs 2, 5); promtool. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { UnixTransport } from '../../../src/transport/unix.js';
import { haValue, keaRuleHash, publish, seriesOf, value, type MatrixLab } from './setup.js';

type StatusArgs = { arguments: Record<string, number> & { 'high-availability'?: unknown[] } };

export function stateScenarios(m: () => MatrixLab): void {
  test('every daemon is up and the metrics equal what Kea reports', async () => {
    const { lab, version, features } = m();
    // Kea's uptime brackets the polled one: asked just before and just after (whole seconds, so
    // a loaded machine may see seconds pass between the poll and a later status-get).
    const before = ((await lab.command('primary', 'status-get')) as StatusArgs).arguments.uptime!;
    const text = await m().until((t) => haValue(t, 'server1', 'hot-standby', 'kea_ha_partner_state') === 1, 5000);
    const st = (await lab.command('primary', 'status-get')) as StatusArgs;
    const up = [
      'target="server1",daemon="dhcp4"',
      'target="server2",daemon="dhcp4"',
      'target="dhcp6",daemon="dhcp6"',
      'target="ddns",daemon="d2"',
      'target="agent",daemon="ca"',
      'target="agent",daemon="dhcp4"',
      'target="agent",daemon="dhcp6"',
      'target="agent",daemon="d2"',
      'target="traffic",daemon="dhcp4"',
      'target="pb1",daemon="dhcp4"',
      'target="pb2",daemon="dhcp4"',
      ...(features.hubAndSpoke ? ['target="hub",daemon="dhcp4"', 'target="spoke1",daemon="dhcp4"'] : []),
    ];
    const why = (l: string) =>
      text
        .split('\n')
        .filter((x) => x.startsWith('kea_exporter_poll_error_info{') && x.includes(l))
        .join(' ');
    for (const l of up) assert.equal(value(text, 'kea_up', l), 1, `kea_up ${l} ${why(l)}`);
    const v = ((await lab.command('primary', 'version-get')) as { text: string }).text;
    assert.match(text, new RegExp(`kea_version_info\\{target="server1",daemon="dhcp4",ha_pair="lab",version="${v.replace(/\./g, '\\.')}"\\} 1`));
    assert.ok(v.startsWith(`${version}.`), `version ${v}`);
    const uptime = value(text, 'kea_uptime_seconds', 'target="server1"')!;
    assert.ok(before <= uptime && uptime <= st.arguments.uptime!, `uptime ${uptime} outside Kea's [${before}, ${st.arguments.uptime}]`);
    assert.equal(value(text, 'kea_thread_pool_size', 'target="server1"'), st.arguments['thread-pool-size']);
    assert.equal(value(text, 'kea_packet_queue_size', 'target="server1"'), st.arguments['packet-queue-size']);
    assert.equal(value(text, 'kea_multi_threading_enabled', 'target="server1"'), 1);
    // Relationships are named by the partner: its server name from 2.6, its role on 2.2.
    const partner = features.hubAndSpoke ? 'server2' : 'standby';
    assert.equal(value(text, 'kea_ha_state', `target="server1",daemon="dhcp4",ha_pair="lab",relationship="${partner}",state="hot-standby"`), 1);
    assert.match(
      text,
      new RegExp(
        `kea_ha_role_info\\{target="server2",daemon="dhcp4",ha_pair="lab",relationship="${features.hubAndSpoke ? 'server1' : 'primary'}",role="standby",mode="hot-standby"\\} 1`,
      ),
    );
    // Passive-backup: the backup has no partner block; the primary serves alone.
    assert.equal(haValue(text, 'pb1', 'passive-backup'), 1);
    assert.equal(haValue(text, 'pb2', 'backup'), 1);
    if (features.hubAndSpoke) {
      // One list entry per relationship on the hub: standby to spoke1 and to spoke2.
      assert.equal(value(text, 'kea_ha_state', 'target="hub",daemon="dhcp4",relationship="spoke1",state="hot-standby"'), 1);
      assert.equal(value(text, 'kea_ha_state', 'target="hub",daemon="dhcp4",relationship="spoke2",state="hot-standby"'), 1);
      assert.equal(value(text, 'kea_ha_state', 'target="spoke1",daemon="dhcp4",relationship="hub1",state="hot-standby"'), 1);
      assert.equal(((await lab.command('hub', 'status-get')) as StatusArgs).arguments['high-availability']!.length, 2);
    }
  });

  test("the config hash is Kea's own (2.4+) or Kea's rule applied to config-get (2.2), keyed", async () => {
    const { lab, features } = m();
    const text = await m().metrics();
    const configGet = await new UnixTransport(lab.sockets.dhcp6, 8 << 20).request({ command: 'config-get' }, 5000);
    const rule = keaRuleHash(configGet);
    if (features.configHashGet) {
      const kea = ((await lab.command('dhcp6', 'config-hash-get')) as { arguments: { hash: string } }).arguments.hash;
      assert.equal(kea, rule, "Kea's hash is its rule over config-get");
    }
    const source = features.configHashGet ? 'kea' : 'computed';
    assert.match(text, new RegExp(`kea_config_hash_info\\{target="dhcp6",daemon="dhcp6",hash="${publish(rule)}",source="${source}"\\} 1`));
    assert.match(text, new RegExp(`kea_config_hash_info\\{target="agent",daemon="dhcp6",hash="${publish(rule)}",source="${source}"\\} 1`));
  });

  test('bug 1: a daemon of another kind than configured is down with wrong_daemon, and nothing of it is exported', async () => {
    const text = await m().metrics();
    for (const [target, daemon] of [
      ['wrong4as6', 'dhcp6'],
      ['wrong6asd2', 'd2'],
    ] as const) {
      assert.equal(value(text, 'kea_up', `target="${target}",daemon="${daemon}"`), 0, target);
      assert.equal(value(text, 'kea_exporter_poll_error_info', `target="${target}",daemon="${daemon}",reason="wrong_daemon"`), 1, target);
      const kea = seriesOf(text, target).filter((l) => l.startsWith('kea_') && !l.startsWith('kea_exporter_') && !l.startsWith('kea_up'));
      assert.deepEqual(kea, [], `${target} exports nothing but kea_up`);
    }
    const again = await m().metrics();
    assert.equal(
      value(again, 'kea_exporter_command_errors_total', 'target="wrong4as6",daemon="dhcp6",command="config-get",reason="wrong_daemon"') ??
        value(again, 'kea_exporter_command_errors_total', 'target="wrong4as6",daemon="dhcp6",command="config-hash",reason="wrong_daemon"'),
      1,
    );
  });

  test('promtool check metrics reports nothing on the real output', async () => {
    const out = execFileSync('promtool', ['check', 'metrics'], { input: await m().metrics(), encoding: 'utf8' });
    assert.equal(out.trim(), '');
  });
}

/** Kea 3 only: the daemons' own HTTP(S) control sockets. */
export function httpSocketScenarios(m: () => MatrixLab): void {
  test("bug 2: a Kea 3 daemon's own HTTP socket without daemon is that daemon, with its statistics, not an agent", async () => {
    const text = await m().metrics();
    for (const [target, daemon, stat] of [
      ['http4', 'dhcp4', 'kea_dhcp4_addresses_capacity'],
      ['http6', 'dhcp6', 'kea_dhcp6_addresses_capacity'],
      ['httpd2', 'd2', 'kea_d2_'],
    ] as const) {
      assert.equal(value(text, 'kea_up', `target="${target}",daemon="${daemon}"`), 1, target);
      assert.ok(
        seriesOf(text, target).some((l) => l.startsWith(stat)),
        `${target} has ${stat}*`,
      );
      assert.ok(!seriesOf(text, target).some((l) => l.includes('daemon="ca"')), `${target} is no agent`);
    }
    assert.equal(value(text, 'kea_up', 'target="http4as6",daemon="dhcp6"'), 0);
    assert.equal(value(text, 'kea_exporter_poll_error_info', 'target="http4as6",daemon="dhcp6",reason="wrong_daemon"'), 1);
    assert.equal(value(text, 'kea_exporter_poll_error_info', 'target="httpnoauth",daemon="dhcp6",reason="unauthorized"'), 1);
  });

  test('bug 5: an HTTPS socket that requires a client certificate refuses us as tls, not closed; with one it is up', async () => {
    const text = await m().metrics();
    assert.equal(value(text, 'kea_up', 'target="tlsok",daemon="dhcp4"'), 1);
    assert.equal(value(text, 'kea_up', 'target="tlsnocert",daemon="dhcp4"'), 0);
    assert.equal(value(text, 'kea_exporter_poll_error_info', 'target="tlsnocert",daemon="dhcp4",reason="tls"'), 1);
    const down = m().log.lines.find((l) => l.msg === 'daemon is down' && (l.obj as { target?: string }).target === 'tlsnocert');
    assert.match(String((down?.obj as { err?: string })?.err), /requires a client certificate/);
    assert.doesNotMatch(String((down?.obj as { err?: string })?.err), /\/tmp\//, 'no file path in the message');
  });
}
