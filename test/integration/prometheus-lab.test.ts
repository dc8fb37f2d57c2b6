/** The rules and dashboards against a live stack: a real Prometheus (Debian package) scrapes the
 * exporter, which polls a real Kea lab with its HA pair and perfdhcp traffic. Every Kea version
 * (one lab after the other) must give every dashboard panel query data; the rules are tested on
 * the newest. Fails loudly when Kea or Prometheus cannot start. */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { daemonsFor } from '../../src/lab/daemons.js';
import { TRAFFIC_SUBNETS } from '../../src/lab/dhcp4-configs.js';
import { labExporterYaml } from '../../src/lab/exporter-config.js';
import { LAB_DAEMONS } from '../../src/lab/kea-configs.js';
import { KEA_FEATURES, KEA_VERSIONS, NEWEST_KEA, type KeaVersion } from '../../src/lab/kea-install.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { MemoryLog } from '../support/memory-log.js';
import { buildServer } from '../../src/server/server.js';
import { dashboardQueries, queryName } from '../support/dashboard-queries.js';
import { documentedAbsent, documentedSince, queryFamilies } from '../support/doc-versions.js';
import { rulesWithFor, startPrometheus, waitFor, type Alert, type Prometheus } from '../support/prometheus.js';

/** Scrape and evaluation interval, and the `for` every alert gets here (the file's are minutes). */
const EVAL_S = 1;
const FOR_S = 3;

interface Stack {
  lab: Lab;
  prom: Prometheus;
  /** Whether the lab runs perfdhcp v6 traffic too ('traffic6': not on 2.2). */
  v6: boolean;
}

/** Registers before/after hooks in the enclosing describe: one version's lab (its HA pair, dhcp6,
 * d2, the agent, the traffic daemons), the exporter, Prometheus, then traffic. */
function liveStack(version: KeaVersion): () => Stack {
  let stack: Stack | undefined;
  let app: App | undefined;
  let server: FastifyInstance | undefined;
  let lab: Lab | undefined;
  let prom: Prometheus | undefined;
  before(async () => {
    const v6 = daemonsFor(KEA_FEATURES[version]).includes('traffic6');
    lab = await startLab({ version, daemons: [...LAB_DAEMONS, 'traffic', ...(v6 ? (['traffic6'] as const) : [])] });
    // The lab's exporter config, polled every second, plus the traffic daemons (statistics) and a
    // target whose socket does not exist (error panels need an error).
    const yaml =
      labExporterYaml(lab, { interval: '1s', timeout: '900ms' }).replace('targets:\n', 'statistics: { interval: 2s }\ntargets:\n') +
      `  - { name: traffic, socket: ${lab.sockets.traffic}, daemon: dhcp4 }\n` +
      (v6 ? `  - { name: traffic6, socket: ${lab.sockets.traffic6}, daemon: dhcp6 }\n` : '') +
      `  - { name: missing, socket: ${join(lab.dir, 'absent.sock')}, daemon: dhcp4 }\n`;
    app = new App(parseConfigText(yaml, 'lab.yaml'), { log: new MemoryLog(), version: 'test' });
    await app.start();
    server = buildServer(app);
    await server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.server.address() as AddressInfo;
    prom = await startPrometheus({ scrape: `127.0.0.1:${port}`, rules: rulesWithFor(FOR_S), intervalS: EVAL_S });
    await lab.perfdhcp({ rate: 100, count: 300 });
    if (v6) await lab.perfdhcp({ family: 6, rate: 100, count: 100 });
    await exhaustPool(lab, 4);
    if (v6) await exhaustPool(lab, 6);
    stack = { lab, prom, v6 };
  });
  after(async () => {
    await prom?.stop();
    await server?.close();
    await app?.stop();
    await lab?.stop();
  });
  return () => {
    if (!stack) throw new Error(`Kea ${version} stack not started`);
    return stack;
  };
}

/** What is failing, for real: subnet 1's address pool cut by config-set to addresses its leases
 * already hold, then clients without a lease: each is an allocation failure of that subnet. */
async function exhaustPool(lab: Lab, family: 4 | 6): Promise<void> {
  type Subnet = { id: number; pools: { pool: string }[] };
  const [daemon, key, list, pool] =
    family === 4
      ? (['traffic', 'Dhcp4', 'subnet4', '127.1.0.1 - 127.1.0.20'] as const)
      : (['traffic6', 'Dhcp6', 'subnet6', '2001:db8:1:: - 2001:db8:1::13'] as const);
  const got = (await lab.command(daemon, 'config-get')) as { arguments: Record<string, Record<string, unknown>> };
  const config = got.arguments[key]!;
  const subnets = (config[list] as Subnet[]).map((s) => (s.id === 1 ? { ...s, pools: [{ ...s.pools[0], pool }] } : s));
  const set = (await lab.command(daemon, 'config-set', { [key]: { ...config, [list]: subnets } })) as { result: number; text?: string };
  assert.equal(set.result, 0, set.text);
  // Twice: after config-set Kea creates its allocation-failure counters at the first failure, at
  // their first value, which rate() cannot see; failures that go on (the second burst) it does.
  await lab.perfdhcp({ family, rate: 100, count: 30 });
  await new Promise((r) => setTimeout(r, 4_000)); // a statistics poll (2 s) and a scrape (1 s)
  await lab.perfdhcp({ family, rate: 100, count: 30 });
}

/** Families Kea creates at their first event: without that event in a lab (Kea 2.2 runs no v6
 * traffic here) a query of only these may be empty. */
const FIRST_EVENT_FAMILIES = /^kea_dhcp6_allocation_failures_total$/;

const has = async (prom: Prometheus, expr: string): Promise<true | undefined> => ((await prom.query(expr)).length > 0 ? true : undefined);

/** Every panel query returns data; but one that reads only families the docs say this Kea does
 * not have yet (docs/metrics.md, docs/statistics.md) may be empty. */
async function everyPanelQueryReturnsData(t: TestContext, version: KeaVersion, { prom, v6 }: Stack): Promise<void> {
  await waitFor('v4 statistics scraped', 30_000, () => has(prom, 'kea_dhcp4_packets_received_total{target="traffic",type="discover"} > 0'));
  if (v6) await waitFor('v6 statistics scraped', 30_000, () => has(prom, 'kea_dhcp6_packets_received_total{target="traffic6",type="solicit"} > 0'));
  // Rates need two samples that both saw the traffic.
  await new Promise((r) => setTimeout(r, 3 * EVAL_S * 1000));
  const since = documentedSince();
  const queries = dashboardQueries();
  assert.ok(queries.length >= 20, `only ${queries.length} queries`);
  const empty: string[] = [];
  for (const q of queries) {
    if ((await prom.query(q.query)).length > 0) continue;
    const families = queryFamilies(q.query);
    const excused = families.length > 0 && families.every((f) => documentedAbsent(since, f, version));
    if (!v6 && families.length > 0 && families.every((f) => FIRST_EVENT_FAMILIES.test(f))) {
      t.diagnostic(`Kea ${version}: no data, no v6 traffic in this lab (${families.join(', ')}): ${queryName(q)}`);
    } else if (excused) t.diagnostic(`Kea ${version}: no data, as documented (${families.join(', ')}): ${queryName(q)}`);
    else empty.push(`${queryName(q)}: ${q.query}`);
  }
  assert.ok(empty.length === 0, `Kea ${version}: ${empty.length} of ${queries.length} queries without data:\n${empty.join('\n')}`);
}

/** The rules on the newest Kea: HA failover and config drift fire their alerts. */
function rulesTests(stack: () => Stack): void {
  const firing = async (name: string, labels: Record<string, string>): Promise<Alert | undefined> =>
    (await stack().prom.alerts()).find(
      (a) => a.state === 'firing' && a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v),
    );
  test('HA standby killed: KeaHAPartnerDown fires within for + 2 evaluation intervals; restarted: it resolves', async () => {
    await waitFor('the pair in hot-standby, seen by Prometheus', 30_000, () => has(stack().prom, 'kea_ha_state{target="server1",state="hot-standby"} == 1'));
    assert.equal(await firing('KeaHAPartnerDown', {}), undefined);
    await stack().lab.kill('standby');
    await waitFor('primary in partner-down, seen by Prometheus', 30_000, () => has(stack().prom, 'kea_ha_state{target="server1",state="partner-down"} == 1'));
    const alert = await waitFor(`KeaHAPartnerDown within ${FOR_S} s + 2 × ${EVAL_S} s`, (FOR_S + 2 * EVAL_S) * 1000, () =>
      firing('KeaHAPartnerDown', { target: 'server1', daemon: 'dhcp4', relationship: 'server2' }),
    );
    assert.equal(alert.labels.severity, 'critical');
    assert.match(alert.annotations.description ?? '', /server1.*partner-down.*server2/);
    // The killed standby itself: down, with the reason.
    const down = await waitFor('KeaDaemonDown for server2', 20_000, () => firing('KeaDaemonDown', { target: 'server2' }));
    assert.match(down.annotations.description ?? '', /reason: connect/);

    await stack().lab.start('standby');
    await waitFor('KeaHAPartnerDown resolved', 60_000, async () =>
      (await stack().prom.alerts()).some((a) => a.labels.alertname === 'KeaHAPartnerDown') ? undefined : true,
    );
  });

  test('partners agree on the shared hash; config-set of another config on one of them fires KeaConfigDrift', async () => {
    const groups = 'count(count by (hash) (kea_config_shared_hash_info{ha_pair="lab",daemon="dhcp4"}))';
    await waitFor('both partners reporting one shared hash', 30_000, async () => {
      const r = await stack().prom.query(`${groups} == 1 and on() count(kea_config_shared_hash_info{ha_pair="lab"}) == 2`);
      return r.length ? true : undefined;
    });
    assert.equal(await firing('KeaConfigDrift', {}), undefined);
    const got = (await stack().lab.command('standby', 'config-get')) as { arguments: { Dhcp4: Record<string, unknown> } };
    const set = (await stack().lab.command('standby', 'config-set', { Dhcp4: { ...got.arguments.Dhcp4, 'valid-lifetime': 3600 } })) as {
      result: number;
      text?: string;
    };
    assert.equal(set.result, 0, set.text);
    const alert = await waitFor('KeaConfigDrift', 30_000, () => firing('KeaConfigDrift', { ha_group: 'lab', daemon: 'dhcp4' }));
    assert.match(alert.annotations.description ?? '', /server1=[0-9a-f]{12} server2=[0-9a-f]{12}/);
  });
}

/** The exhausted pool (exhaustLoopbackPool) as the operator sees it: the failure panels name the
 * subnet and the cause, and KeaPoolNearlyExhausted the scope (the pool where Kea reports pools). */
function exhaustedPoolTest(version: KeaVersion, stack: () => Stack): void {
  test('a pool runs out: the failure panels show the subnet and the cause, KeaPoolNearlyExhausted names the scope', async () => {
    const { prom } = stack();
    const panel = (title: string, refId = 'A') => {
      const q = dashboardQueries().find((x) => x.panel === title && x.refId === refId);
      assert.ok(q, `no panel "${title}" ${refId}`);
      return q.query;
    };
    const failing = await prom.query(panel('DHCPv4 subnets with the most allocation failures'));
    assert.ok(
      failing.some((x) => x.metric.target === 'traffic' && x.metric.subnet_id === String(TRAFFIC_SUBNETS.loopback) && Number(x.value[1]) > 0),
      `failing subnets: ${JSON.stringify(failing)}`,
    );
    if (stack().v6) {
      const failing6 = await prom.query(panel('DHCPv6 subnets with the most allocation failures'));
      assert.ok(
        failing6.some((x) => x.metric.target === 'traffic6' && x.metric.subnet_id === '1' && Number(x.value[1]) > 0),
        `v6: ${JSON.stringify(failing6)}`,
      );
    }
    // refId B: the `subnet` cause (no address left in the subnet; it is in no shared network).
    const byCause = await prom.query(panel('DHCPv4 allocation failures by cause', 'B'));
    assert.ok(
      byCause.some((x) => x.metric.target === 'traffic' && Number(x.value[1]) > 0),
      `by cause: ${JSON.stringify(byCause)}`,
    );
    const scope = KEA_FEATURES[version].poolIds ? 'pool' : 'subnet';
    const alert = await waitFor(`KeaPoolNearlyExhausted (scope ${scope}) for traffic`, 30_000, async () =>
      (await prom.alerts()).find((a) => a.state === 'firing' && a.labels.alertname === 'KeaPoolNearlyExhausted' && a.labels.target === 'traffic'),
    );
    assert.equal(alert.labels.scope, scope);
    assert.equal(alert.labels.subnet_id, String(TRAFFIC_SUBNETS.loopback));
  });
}

/** After the HA and drift tests: each annotation of the dashboards marks the restart, the
 * configuration change and the HA state changes they caused. */
function annotationsTest(stack: () => Stack): void {
  test('every dashboard annotation marks its event (the standby restart, config-set, the HA failover)', async () => {
    const end = Date.now() / 1000;
    const missing: string[] = [];
    for (const q of dashboardQueries({}, true)) {
      const series = await stack().prom.queryRange(q.query, end - 300, end, EVAL_S);
      if (!series.some((x) => x.values.some(([, v]) => Number(v) > 0))) missing.push(`${queryName(q)}: ${q.query}`);
    }
    assert.deepEqual(missing, [], `annotations that marked nothing:\n${missing.join('\n')}`);
  });
}

for (const version of KEA_VERSIONS) {
  describe(`Kea ${version}: the dashboards on a live Prometheus + Kea stack`, () => {
    const stack = liveStack(version);
    test('every dashboard panel query returns data from Prometheus (statistics after perfdhcp traffic)', (t) =>
      everyPanelQueryReturnsData(t, version, stack()));
    exhaustedPoolTest(version, stack);
    if (version === NEWEST_KEA) {
      rulesTests(stack);
      annotationsTest(stack);
    }
  });
}
