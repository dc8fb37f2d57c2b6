/** The rules and dashboards against a live stack: a real Prometheus (Debian package) scrapes the
 * exporter, which polls the real Kea lab (the newest version). Fails loudly when Kea or Prometheus cannot start. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { labExporterYaml } from '../../src/lab/exporter-config.js';
import { LAB_DAEMONS } from '../../src/lab/kea-configs.js';
import { NEWEST_KEA } from '../../src/lab/kea-install.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { MemoryLog } from '../support/memory-log.js';
import { buildServer } from '../../src/server/server.js';
import { panelQueries, substituteVariables } from '../../dashboards/src/queries.js';
import { startPrometheus, type Alert, type Prometheus } from '../support/prometheus.js';

const DASHBOARDS = fileURLToPath(new URL('../../dashboards/grafana/', import.meta.url));
const RULES = fileURLToPath(new URL('../../dashboards/prometheus/kea-telemetry.rules.yml', import.meta.url));
/** Scrape and evaluation interval, and the `for` every alert gets here (the file's are minutes). */
const EVAL_S = 1;
const FOR_S = 3;

let lab: Lab;
let app: App;
let server: FastifyInstance;
let prom: Prometheus;

/** The project's rules file with every `for` shortened, so the test runs in seconds. */
function shortRules(): string {
  const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert?: string; for?: string }[] }[] };
  for (const r of doc.groups.flatMap((g) => g.rules)) if (r.alert && r.for) r.for = `${FOR_S}s`;
  return stringify(doc);
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const firing = async (name: string, labels: Record<string, string>): Promise<Alert | undefined> =>
  (await prom.alerts()).find((a) => a.state === 'firing' && a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
const has = async (expr: string): Promise<true | undefined> => ((await prom.query(expr)).length > 0 ? true : undefined);

before(async () => {
  lab = await startLab({ version: NEWEST_KEA, daemons: [...LAB_DAEMONS, 'traffic'] }); // named by server names (2.6+)
  // The lab's exporter config, polled every second, plus the traffic daemon (statistics) and a
  // target whose socket does not exist (error panels need an error).
  const yaml =
    labExporterYaml(lab, { interval: '1s', timeout: '900ms' }).replace('targets:\n', 'statistics: { interval: 2s }\ntargets:\n') +
    `  - { name: traffic, socket: ${lab.sockets.traffic}, daemon: dhcp4 }\n  - { name: missing, socket: ${join(lab.dir, 'absent.sock')}, daemon: dhcp4 }\n`;
  app = new App(parseConfigText(yaml, 'lab.yaml'), { log: new MemoryLog(), version: 'test' });
  await app.start();
  server = buildServer(app);
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as AddressInfo;
  prom = await startPrometheus({ scrape: `127.0.0.1:${port}`, rules: shortRules(), intervalS: EVAL_S });
  await lab.perfdhcp({ rate: 100, count: 300 });
});

after(async () => {
  await prom?.stop();
  await server?.close();
  await app?.stop();
  await lab?.stop();
});

describe('rules and dashboards on a live Prometheus + Kea stack', () => {
  test('HA standby killed: KeaHAPartnerDown fires within for + 2 evaluation intervals; restarted: it resolves', async () => {
    await waitFor('the pair in hot-standby, seen by Prometheus', 30_000, () => has('kea_ha_state{target="server1",state="hot-standby"} == 1'));
    assert.equal(await firing('KeaHAPartnerDown', {}), undefined);
    await lab.kill('standby');
    await waitFor('primary in partner-down, seen by Prometheus', 30_000, () => has('kea_ha_state{target="server1",state="partner-down"} == 1'));
    const alert = await waitFor(`KeaHAPartnerDown within ${FOR_S} s + 2 × ${EVAL_S} s`, (FOR_S + 2 * EVAL_S) * 1000, () =>
      firing('KeaHAPartnerDown', { target: 'server1', daemon: 'dhcp4', relationship: 'server2' }),
    );
    assert.equal(alert.labels.severity, 'critical');
    assert.match(alert.annotations.description ?? '', /server1.*partner-down.*server2/);
    // The killed standby itself: down, with the reason.
    const down = await waitFor('KeaDaemonDown for server2', 20_000, () => firing('KeaDaemonDown', { target: 'server2' }));
    assert.match(down.annotations.description ?? '', /reason: connect/);

    await lab.start('standby');
    await waitFor('KeaHAPartnerDown resolved', 60_000, async () =>
      (await prom.alerts()).some((a) => a.labels.alertname === 'KeaHAPartnerDown') ? undefined : true,
    );
  });

  test('partners agree on the shared hash; config-set of another config on one of them fires KeaConfigDrift', async () => {
    const groups = 'count(count by (hash) (kea_config_shared_hash_info{ha_pair="lab",daemon="dhcp4"}))';
    await waitFor('both partners reporting one shared hash', 30_000, async () => {
      const r = await prom.query(`${groups} == 1 and on() count(kea_config_shared_hash_info{ha_pair="lab"}) == 2`);
      return r.length ? true : undefined;
    });
    assert.equal(await firing('KeaConfigDrift', {}), undefined);
    const got = (await lab.command('standby', 'config-get')) as { arguments: { Dhcp4: Record<string, unknown> } };
    const set = (await lab.command('standby', 'config-set', { Dhcp4: { ...got.arguments.Dhcp4, 'valid-lifetime': 3600 } })) as {
      result: number;
      text?: string;
    };
    assert.equal(set.result, 0, set.text);
    const alert = await waitFor('KeaConfigDrift', 30_000, () => firing('KeaConfigDrift', { ha_group: 'lab', daemon: 'dhcp4' }));
    assert.match(alert.annotations.description ?? '', /server1=[0-9a-f]{12} server2=[0-9a-f]{12}/);
  });

  test('every dashboard panel query returns data from Prometheus (statistics after perfdhcp traffic)', async () => {
    await waitFor('statistics scraped', 30_000, () => has('kea_dhcp4_packets_received_total{target="traffic",type="discover"} > 0'));
    // Rates need two samples that both saw the traffic.
    await new Promise((r) => setTimeout(r, 3 * EVAL_S * 1000));
    const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 5, `dashboards in ${DASHBOARDS}`);
    const empty: string[] = [];
    let count = 0;
    for (const f of files) {
      for (const q of panelQueries(JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')))) {
        count++;
        const expr = substituteVariables(q.expr);
        const result = await prom.query(expr);
        if (result.length === 0) empty.push(`${q.dashboard} / ${q.panel} / ${q.refId}: ${expr}`);
      }
    }
    assert.ok(count >= 20, `only ${count} queries`);
    assert.deepEqual(empty, [], `queries without data:\n${empty.join('\n')}`);
  });
});
