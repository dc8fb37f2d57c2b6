/** The exporter against a real Kea 2.2 lab (HA pair, dhcp6, d2, Control Agent). Fails loudly when
 * Kea cannot be started: startLab rejects with the daemon's log. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { labExporterYaml } from '../../src/lab/exporter-config.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { MemoryLog } from '../../src/log.js';
import { buildServer } from '../../src/server/server.js';
import { canonicalJson } from '../../src/kea/config-hash.js';

let lab: Lab;
let app: App;
const log = new MemoryLog();
const server = () => buildServer(app);

async function metrics(): Promise<string> {
  await app.scheduler.pollNow();
  const res = await server().inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  return res.body;
}

/** Value of the one series whose name and labels match (labels given as a substring). */
function value(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function until(pred: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await metrics();
    if (pred(text)) return text;
    await new Promise((r) => setTimeout(r, 250));
  }
  return text;
}

before(async () => {
  lab = await startLab();
  const config = parseConfigText(labExporterYaml(lab, { interval: '1h', timeout: '2s' }), 'lab.yaml');
  app = new App(config, { log, version: 'test' });
  await app.start();
});

after(async () => {
  await app?.stop();
  await lab?.stop();
});

describe('exporter on a real Kea lab', () => {
  test('every daemon is up and the metrics match what Kea reports', async () => {
    // The primary learns its partner's state by heartbeat (1 s): give it that long.
    const text = await until((t) => value(t, 'kea_ha_partner_state', 'target="server1",daemon="dhcp4",ha_pair="lab",relationship="standby",state="hot-standby"') === 1, 5000);
    for (const l of ['target="server1",daemon="dhcp4"', 'target="server2",daemon="dhcp4"', 'target="dhcp6",daemon="dhcp6"',
      'target="ddns",daemon="d2"', 'target="agent",daemon="ca"', 'target="agent",daemon="dhcp4"',
      'target="agent",daemon="dhcp6"', 'target="agent",daemon="d2"']) {
      assert.equal(value(text, 'kea_up', l), 1, `kea_up ${l}`);
      assert.equal(value(text, 'kea_version_info', `${l},`), 1, `version ${l}`);
    }
    const st = (await lab.command('primary', 'status-get')) as { arguments: Record<string, number> };
    const uptime = value(text, 'kea_uptime_seconds', 'target="server1"')!;
    assert.ok(Math.abs(uptime - st.arguments.uptime!) <= 1, `uptime ${uptime} vs ${st.arguments.uptime}`);
    assert.equal(value(text, 'kea_thread_pool_size', 'target="server1"'), st.arguments['thread-pool-size']);
    assert.equal(value(text, 'kea_packet_queue_size', 'target="server1"'), st.arguments['packet-queue-size']);
    assert.equal(value(text, 'kea_multi_threading_enabled', 'target="server1"'), 1);
    assert.equal(value(text, 'kea_multi_threading_enabled', 'target="dhcp6"'), 0);
    assert.match(text, /kea_version_info\{target="server1",daemon="dhcp4",ha_pair="lab",version="2.2.0"\} 1/);
    assert.equal(value(text, 'kea_ha_state', 'target="server1",daemon="dhcp4",ha_pair="lab",relationship="standby",state="hot-standby"'), 1);
    assert.equal(value(text, 'kea_ha_partner_state', 'target="server1",daemon="dhcp4",ha_pair="lab",relationship="standby",state="hot-standby"'), 1);
    assert.match(text, /kea_ha_role_info\{target="server2",daemon="dhcp4",ha_pair="lab",relationship="primary",role="standby",mode="hot-standby"\} 1/);
    // Kea 2.2 has no config-hash-get: the hash is computed from config-get, the same over socket and agent.
    const hash = (t: string) => /kea_config_hash_info\{target="server1"[^}]*hash="([0-9a-f]{32})",source="computed"\} 1/.exec(t)?.[1];
    assert.ok(hash(text));
    assert.match(text, new RegExp(`kea_config_hash_info\\{target="agent",daemon="dhcp4",hash="${hash(text)}",source="computed"\\} 1`));
  });

  test('promtool check metrics reports nothing on the real output', async () => {
    const out = execFileSync('promtool', ['check', 'metrics'], { input: await metrics(), encoding: 'utf8' });
    assert.equal(out.trim(), '');
  });

  test('killing the HA standby: primary goes partner-down, the standby is down; restart brings both back', async () => {
    await lab.kill('standby');
    let text = await until((t) => value(t, 'kea_ha_state', 'target="server1",daemon="dhcp4",ha_pair="lab",relationship="standby",state="partner-down"') === 1, 20_000);
    assert.equal(value(text, 'kea_ha_state', 'relationship="standby",state="partner-down"'), 1);
    assert.equal(value(text, 'kea_ha_state', 'relationship="standby",state="hot-standby"'), 0);
    assert.equal(value(text, 'kea_ha_partner_state', 'target="server1",daemon="dhcp4",ha_pair="lab",relationship="standby",state="unavailable"'), 1);
    assert.equal(value(text, 'kea_up', 'target="server2"'), 0);
    assert.equal(value(text, 'kea_exporter_poll_error_info', 'target="server2",daemon="dhcp4",ha_pair="lab",reason="connect"'), 1);
    assert.equal(value(text, 'kea_uptime_seconds', 'target="server2"'), undefined, 'no stale values of a down daemon');
    assert.ok(value(text, 'kea_ha_state_transitions_total', 'target="server1"')! >= 1);
    assert.equal(log.lines.filter((l) => l.msg === 'daemon is down' && (l.obj as { target: string }).target === 'server2').length, 1);

    await lab.start('standby');
    text = await until((t) => value(t, 'kea_ha_state', 'target="server1",daemon="dhcp4",ha_pair="lab",relationship="standby",state="hot-standby"') === 1
      && value(t, 'kea_ha_state', 'target="server2",daemon="dhcp4",ha_pair="lab",relationship="primary",state="hot-standby"') === 1, 20_000);
    assert.equal(value(text, 'kea_ha_state', 'target="server1",daemon="dhcp4",ha_pair="lab",relationship="standby",state="hot-standby"'), 1);
    assert.equal(value(text, 'kea_up', 'target="server2"'), 1);
  });

  test('config-set with a changed config changes the hash and bumps the change counter', async () => {
    const before = await metrics();
    const hashOf = (t: string) => /kea_config_hash_info\{target="dhcp6",daemon="dhcp6",hash="([0-9a-f]{32})"/.exec(t)?.[1];
    const got = (await lab.command('dhcp6', 'config-get')) as { arguments: { Dhcp6: Record<string, unknown> } };
    const changed = { Dhcp6: { ...got.arguments.Dhcp6, 'valid-lifetime': 7777 } };
    const set = (await lab.command('dhcp6', 'config-set', changed)) as { result: number; text?: string };
    assert.equal(set.result, 0, set.text);
    // Kea reports reload in whole seconds: let a second pass so the commit is visibly new.
    await new Promise((r) => setTimeout(r, 1100));
    const after = await metrics();
    assert.notEqual(hashOf(after), hashOf(before));
    assert.equal(value(after, 'kea_config_changes_observed_total', 'target="dhcp6"'), value(before, 'kea_config_changes_observed_total', 'target="dhcp6"')! + 1);
    assert.ok(canonicalJson(changed).length > 0);
  });

  test('a daemon behind the agent that goes away marks only that service down (forward)', async () => {
    await lab.kill('d2');
    const text = await metrics();
    assert.equal(value(text, 'kea_up', 'target="agent",daemon="d2"'), 0);
    assert.equal(value(text, 'kea_exporter_poll_error_info', 'target="agent",daemon="d2",reason="forward"'), 1);
    assert.equal(value(text, 'kea_up', 'target="agent",daemon="ca"'), 1);
    assert.equal(value(text, 'kea_up', 'target="agent",daemon="dhcp4"'), 1);
    assert.equal(value(text, 'kea_up', 'target="ddns",daemon="d2"'), 0);
    await lab.start('d2');
    assert.equal(value(await metrics(), 'kea_up', 'target="agent",daemon="d2"'), 1);
  });

  test('landing page lists the targets; health and readiness answer', async () => {
    const page = await server().inject({ url: '/' });
    assert.equal(page.statusCode, 200);
    for (const t of ['server1', 'server2', 'dhcp6', 'ddns', 'agent']) assert.match(page.body, new RegExp(`<td><a href="probe\\?target=${t}">${t}</a></td>`));
    assert.equal((await server().inject({ url: '/-/healthy' })).statusCode, 200);
    assert.equal((await server().inject({ url: '/-/ready' })).statusCode, 200);
  });
});
