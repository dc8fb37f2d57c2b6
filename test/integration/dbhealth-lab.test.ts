/** Lease database health, for real: a PostgreSQL server started here (Debian's package, on
 * loopback) holds the leases and host reservations of real Kea 2.2, 2.6 and 3.0 daemons, one per
 * `on-fail` policy; the exporter polls them and a real Prometheus evaluates the project's rules.
 * Stopping the database must show in the exporter's first poll after Kea 2.6 / 3.0 report it, fire
 * KeaDHCPDisabledByDatabase within its `for` + 2 scrape intervals, and everything must come back
 * when the database does. Kea 2.2 (no dhcp-state) reports nothing until a server exits. Fails
 * loudly when PostgreSQL, Kea or Prometheus cannot start. */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { KEA_FEATURES, KEA_VERSIONS, keaInstall, type KeaVersion } from '../../src/lab/kea-install.js';
import { startLab, type Lab, type LabDaemon } from '../../src/lab/lab.js';
import { startPostgres, type Postgres } from '../../src/lab/postgres.js';
import { buildServer } from '../../src/server/server.js';
import { MemoryLog } from '../support/memory-log.js';
import { rulesWithFor, startPrometheus, waitFor, type Alert, type Prometheus } from '../support/prometheus.js';

const VERSIONS = KEA_VERSIONS;
/** The versions whose status-get says why DHCP is disabled (2.6.2+). */
const TELLING = VERSIONS.filter((v) => KEA_FEATURES[v].dhcpState);
/** on-fail stop-retry-exit, serve-retry-continue, serve-retry-exit (src/lab/daemons.ts). */
const DAEMONS = ['pgsql', 'pgsql-serve', 'pgsql-exit'] as const satisfies readonly LabDaemon[];
const EVAL_S = 1;
const FOR_S = 3;
const target = (d: LabDaemon, v: KeaVersion) => `${d}-${v}`;
/** The stop-retry-exit servers that say why they stopped serving. */
const STOPPED = TELLING.map((v) => target('pgsql', v));
const among = (names: readonly string[]) => `target=~"${names.join('|').replaceAll('.', '\\\\.')}"`;

/** Kea's own word: `disabled-by-db-connection` holds an origin (or is true). */
const dbHeld = (answer: unknown): boolean => {
  const held = (answer as { arguments?: { 'dhcp-state'?: Record<string, unknown> } }).arguments?.['dhcp-state']?.['disabled-by-db-connection'];
  return held === true || (Array.isArray(held) && held.length > 0);
};

/** One sample of /metrics text: the value of `family` with all of `labels`, if present. */
function sample(text: string, family: string, labels: Record<string, string>): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${family}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('lease database lost and back: real PostgreSQL, Kea 2.2, 2.6 and 3.0, exporter, Prometheus', () => {
  let pg: Postgres | undefined;
  const labs = new Map<KeaVersion, Lab>();
  let app: App | undefined;
  let server: FastifyInstance | undefined;
  let prom: Prometheus | undefined;
  const log = new MemoryLog();
  const passwords: string[] = [];
  const lab = (v: KeaVersion) => labs.get(v) ?? assert.fail(`Kea ${v} lab not started`);
  const stack = () => ({ pg: pg ?? assert.fail('PostgreSQL not started'), app: app!, prom: prom! });

  before(
    async () => {
      pg = await startPostgres();
      for (const version of VERSIONS) {
        // Each version its own database, with its own schema (what kea-admin db-init loads).
        const db = await pg.createDatabase(`kea_${version.replace('.', '_')}`, keaInstall(version).pgsqlSchema);
        passwords.push(db.password);
        labs.set(version, await startLab({ version, daemons: [...DAEMONS], pgsql: db }));
      }
      const targets = VERSIONS.flatMap((v) => DAEMONS.map((d) => `  - { name: ${target(d, v)}, socket: ${lab(v).sockets[d]}, daemon: dhcp4 }\n`));
      const yaml = `poll: { interval: ${EVAL_S}s, timeout: 900ms }\ntargets:\n${targets.join('')}`;
      app = new App(parseConfigText(yaml, 'dbhealth.yaml'), { log, version: 'test', processMetrics: false });
      await app.start();
      server = buildServer(app);
      await server.listen({ host: '127.0.0.1', port: 0 });
      const { port } = server.server.address() as AddressInfo;
      prom = await startPrometheus({ scrape: `127.0.0.1:${port}`, rules: rulesWithFor(FOR_S), intervalS: EVAL_S });
    },
    { timeout: 120_000 },
  );
  after(async () => {
    await prom?.stop();
    await server?.close();
    await app?.stop();
    for (const l of labs.values()) await l.stop();
    await pg?.close();
  });

  const firing = async (name: string, labels: Record<string, string>): Promise<Alert | undefined> =>
    (await stack().prom.alerts()).find(
      (a) => a.state === 'firing' && a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v),
    );
  const seen = async (expr: string): Promise<true | undefined> => ((await stack().prom.query(expr)).length > 0 ? true : undefined);
  const logSays = (v: KeaVersion, d: LabDaemon, what: string) => readFile(lab(v).logFile(d), 'utf8').then((t) => (t.includes(what) ? true : undefined));
  const all = VERSIONS.length * DAEMONS.length;
  let stoppedAt = 0;

  test('database stopped: Kea 2.6 and 3.0 report disabled-by-db-connection, and the exporter shows it in its first poll after', async (t: TestContext) => {
    const { pg, app, prom } = stack();
    await waitFor('every target up, those with dhcp-state enabled, seen by Prometheus', 30_000, () =>
      seen(`count(kea_up == 1) == ${all} and on() count(kea_dhcp_disabled_by{cause="db_connection"} == 0) == ${TELLING.length * DAEMONS.length}`),
    );
    stoppedAt = Date.now();
    await pg.stop();
    // Kea's own status-get, the versions at once: when each says so.
    const reported = await Promise.all(
      TELLING.map((v) =>
        lab(v)
          .waitFor('pgsql', dbHeld, 20_000)
          .then(() => Date.now()),
      ),
    );
    for (const [i, v] of TELLING.entries()) {
      const name = target('pgsql', v);
      const reportedAt = reported[i]!;
      // The first poll that started after Kea said so: polledAt is a poll's start.
      const snap = await waitFor(`a poll of ${name} started after Kea reported the lost database`, 20_000, async () =>
        app.snapshots().find((s) => s.target === name && (s.polledAt ?? 0) > reportedAt),
      );
      assert.equal(snap.up, true, `${name}: ${JSON.stringify(snap.error)}`);
      assert.equal(snap.status?.dhcpDisabledBy?.db_connection, true, `${name} status: ${JSON.stringify(snap.status)}`);
      const text = (await app.renderer.render(false)).body;
      assert.equal(sample(text, 'kea_dhcp_disabled_by', { target: name, cause: 'db_connection' }), 1);
      assert.equal(sample(text, 'kea_dhcp_disabled', { target: name }), 1);
      assert.equal(sample(text, 'kea_dhcp_disabled_by', { target: name, cause: 'user' }), 0);
      t.diagnostic(`Kea ${v}: disabled-by-db-connection ${reportedAt - stoppedAt} ms after the stop, in the exporter's next poll`);
    }
    // The servers that lost the database too (their log says so) but report nothing: serve-retry-continue
    // goes on serving; Kea 2.2 stops serving without a word. The exporter shows them up, not disabled.
    const silent = [...VERSIONS.map((v) => [v, 'pgsql-serve'] as const), ...VERSIONS.filter((v) => !TELLING.includes(v)).map((v) => [v, 'pgsql'] as const)];
    for (const [v, d] of silent) {
      await waitFor(`Kea ${v} ${d} noticing the lost database`, 20_000, () => logSays(v, d, '_DB_RECONNECT_LOST_CONNECTION'));
      await app.scheduler.pollTarget(app.targets.find((x) => x.name === target(d, v))!);
      const text = (await app.renderer.render(false)).body;
      assert.equal(sample(text, 'kea_up', { target: target(d, v) }), 1);
      assert.equal(sample(text, 'kea_dhcp_disabled', { target: target(d, v) }), KEA_FEATURES[v].dhcpState ? 0 : undefined);
    }
    await waitFor('Prometheus seeing the stopped ones', 20_000, () =>
      seen(`count(kea_dhcp_disabled_by{cause="db_connection",${among(STOPPED)}} == 1) == ${STOPPED.length}`),
    );
    assert.equal((await prom.query('kea_dhcp_disabled_by{cause="db_connection"} == 1')).length, STOPPED.length);
  });

  test(`KeaDHCPDisabledByDatabase fires within for (${FOR_S} s) + 2 scrape intervals; serve-retry-exit gives up, exits, and KeaDaemonDown fires`, async (t: TestContext) => {
    const seenAt = Date.now(); // the previous test ended as Prometheus saw the series at 1
    const alerts = await Promise.all(
      TELLING.map((v) =>
        waitFor(`KeaDHCPDisabledByDatabase for Kea ${v} within ${FOR_S} s + 2 × ${EVAL_S} s`, (FOR_S + 2 * EVAL_S) * 1000 - (Date.now() - seenAt), () =>
          firing('KeaDHCPDisabledByDatabase', { target: target('pgsql', v), cause: 'db_connection' }),
        ),
      ),
    );
    t.diagnostic(`KeaDHCPDisabledByDatabase firing for ${TELLING.join(' and ')} ${Date.now() - seenAt} ms after Prometheus saw the series (for ${FOR_S} s)`);
    for (const a of alerts) {
      assert.equal(a.labels.severity, 'critical');
      assert.match(a.annotations.description ?? '', new RegExp(`dhcp4 of target ${a.labels.target} lost the connection`));
    }
    for (const v of VERSIONS) {
      const down = await waitFor(`Kea ${v} pgsql-exit exited and KeaDaemonDown`, 30_000, () => firing('KeaDaemonDown', { target: target('pgsql-exit', v) }));
      assert.match(down.annotations.description ?? '', /reason: connect/);
    }
    const others = (await stack().prom.alerts()).filter((a) => a.labels.alertname === 'KeaDHCPDisabledByDatabase' && !STOPPED.includes(a.labels.target ?? ''));
    assert.deepEqual(others, [], 'only the stop-retry-exit servers that say so');
  });

  test('database back: Kea enables DHCP again, the series go to 0 and the alert resolves; the exited server starts again', async (t: TestContext) => {
    const { pg, prom } = stack();
    const startedAt = Date.now();
    await pg.start();
    for (const v of TELLING) await lab(v).waitFor('pgsql', (a) => !dbHeld(a), 30_000);
    t.diagnostic(`Kea ${TELLING.join(' and ')} reconnected ${Date.now() - startedAt} ms after the database started`);
    for (const v of VERSIONS)
      for (const d of ['pgsql', 'pgsql-serve'] as const) await waitFor(`Kea ${v} ${d} reconnected`, 30_000, () => logSays(v, d, '_DB_RECONNECT_SUCCEEDED'));
    await waitFor('Prometheus seeing them enabled', 20_000, () =>
      seen(`count(kea_dhcp_disabled_by{cause="db_connection",${among(STOPPED)}} == 0) == ${STOPPED.length}`),
    );
    await waitFor('KeaDHCPDisabledByDatabase resolved', 20_000, async () =>
      (await prom.alerts()).some((a) => a.labels.alertname === 'KeaDHCPDisabledByDatabase') ? undefined : true,
    );
    for (const v of VERSIONS) await lab(v).start('pgsql-exit');
    await waitFor('every target up, none disabled', 30_000, () =>
      seen(`count(kea_up == 1) == ${all} and on() count(kea_dhcp_disabled == 0) == ${TELLING.length * DAEMONS.length}`),
    );
    await waitFor('KeaDaemonDown resolved', 30_000, async () => ((await prom.alerts()).some((a) => a.labels.alertname === 'KeaDaemonDown') ? undefined : true));
    // Kea's config-get, which the exporter reads, carries the database password.
    const said = [(await stack().app.renderer.render(false)).body, JSON.stringify(log.lines)].join('\n');
    for (const p of passwords) assert.ok(!said.includes(p), 'the database password in /metrics or the log');
  });
});
