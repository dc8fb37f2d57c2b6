/** Fleets found by service discovery, blackbox style: a real Prometheus reads a file_sd file of
 * addresses (a Kea 2.6 kea-dhcp4's UNIX socket, Kea 3.0 daemons' own HTTP sockets with basic
 * auth) and scrapes each through the exporter's /probe?target=<address>&module=<name> with the
 * usual relabelling; the exporter's configuration names none of them. An address outside
 * probe.allow is refused with 403 and counted; an entry added to the file brings its series
 * within two scrapes; a daemon that stops answering still gets its scrape answered before
 * Prometheus' scrape timeout (X-Prometheus-Scrape-Timeout-Seconds). Fails loudly when Kea or
 * Prometheus cannot start. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { buildServer } from '../../src/server/server.js';
import { MemoryLog } from '../support/memory-log.js';
import { startPrometheus, type Prometheus, waitFor } from '../support/prometheus.js';

/** Scrape interval and timeout (Prometheus' header then says 2; the exporter answers by 1.5 s). */
const SCRAPE_S = 2;

describe('/probe driven by a real Prometheus with file_sd, Kea 2.6 and 3.0', () => {
  let lab26: Lab;
  let lab30: Lab;
  let app: App;
  let server: FastifyInstance;
  let prom: Prometheus;
  let sdDir: string;
  let exporter: string;
  const group = (module: string, targets: string[]) => ({ targets, labels: { module } });
  let groups: ReturnType<typeof group>[] = [];
  /** file_sd reads the file whole: written aside, then renamed into place. */
  const writeSd = () => {
    writeFileSync(join(sdDir, 'kea.json.tmp'), JSON.stringify(groups));
    renameSync(join(sdDir, 'kea.json.tmp'), join(sdDir, 'kea.json'));
  };
  const q = async (expr: string): Promise<Record<string, string>[]> => (await prom.query(expr)).map((s) => ({ ...s.metric, value: s.value[1] }));
  const exporterMetric = async (line: RegExp) => Number(line.exec((await server.inject({ url: '/metrics' })).body)?.[1] ?? NaN);

  before(async () => {
    [lab26, lab30] = await Promise.all([startLab({ version: '2.6', daemons: ['leases'] }), startLab({ version: '3.0', daemons: ['dhcp6', 'd2'] })]);
    const { username, password } = lab30.httpAuth;
    // No target of the file is any of the lab's daemons: Prometheus names them all.
    const yaml = `poll: { interval: 1h, timeout: 5s, background: false }
targets: []
probe:
  allow: ["${dirname(lab26.sockets.leases)}/*", "http://127.0.0.1:*/"]
modules:
  kea26: { daemon: dhcp4, labels: { fleet: sd } }
  kea30: { auth: { username: ${username}, password: ${password} }, labels: { fleet: sd } }
`;
    app = new App(parseConfigText(yaml, 'sd.yaml'), { log: new MemoryLog(), version: 'test', processMetrics: false });
    await app.start();
    server = buildServer(app);
    await server.listen({ host: '127.0.0.1', port: 0 });
    exporter = `127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    sdDir = mkdtempSync(join(tmpdir(), 'kea-sd-'));
    groups = [
      group('kea26', [lab26.sockets.leases]),
      group('kea30', [lab30.httpUrls.dhcp6!]),
      // A real daemon's socket, but not in probe.allow.
      group('kea26', [lab30.sockets.d2]),
    ];
    writeSd();
    prom = await startPrometheus({
      intervalS: SCRAPE_S,
      scrapeConfigs: `  - job_name: kea-sd
    metrics_path: /probe
    file_sd_configs: [{ files: ["${join(sdDir, 'kea.json')}"], refresh_interval: 1s }]
    relabel_configs:
      - { source_labels: [__address__], target_label: __param_target }
      - { source_labels: [module], target_label: __param_module }
      - { source_labels: [__param_target], target_label: instance }
      - { target_label: __address__, replacement: "${exporter}" }
`,
    });
  });
  after(async () => {
    await prom?.stop();
    await server?.close();
    await app?.stop();
    await Promise.all([lab26?.stop(), lab30?.stop()]);
    if (sdDir) rmSync(sdDir, { recursive: true, force: true });
  });

  test('both Kea versions are scraped through /probe, by address, with the modules applied', async () => {
    const version = (instance: string) =>
      waitFor(`kea_version_info of ${instance}`, 30_000, async () => (await q(`kea_version_info{job="kea-sd",instance="${instance}"}`))[0]);
    const v26 = await version(lab26.sockets.leases);
    assert.match(v26.version ?? '', /^2\.6\./);
    assert.deepEqual([v26.target, v26.daemon, v26.fleet, v26.module], [lab26.sockets.leases, 'dhcp4', 'sd', 'kea26']);
    const v30 = await version(lab30.httpUrls.dhcp6!);
    assert.match(v30.version ?? '', /^3\.0\./);
    assert.deepEqual([v30.daemon, v30.fleet], ['dhcp6', 'sd'], 'a Kea 3 HTTP socket, told by its config-get, read with the basic auth of its module');
    // Statistics came along (statistics are on in the file).
    await waitFor('2.6 statistics', 20_000, async () => (await q(`kea_dhcp4_addresses_capacity{instance="${lab26.sockets.leases}"}`))[0]);
    // The file's targets are none: /metrics has no series of these addresses.
    assert.doesNotMatch((await server.inject({ url: '/metrics' })).body, /target="/);
  });

  test('an address outside probe.allow is refused with 403 and counted', async () => {
    const denied = lab30.sockets.d2;
    const target = await waitFor('the denied target scraped', 30_000, async () => {
      const res = (await (await fetch(`${prom.url}/api/v1/targets?state=active`)).json()) as {
        data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
      };
      return res.data.activeTargets.find((t) => t.labels.instance === denied && t.health === 'down');
    });
    assert.match(target.lastError, /403/);
    assert.deepEqual(await q(`up{instance="${denied}"}`).then((r) => r.map((s) => s.value)), ['0']);
    assert.ok((await exporterMetric(/^kea_exporter_probe_refused_total\{reason="not_allowed"\} (\d+)$/m)) >= 1);
    assert.deepEqual(await q(`kea_up{instance="${denied}"}`), [], 'nothing of it was read');
  });

  test("a file_sd entry added: the target's series within two scrapes", async (t) => {
    const added = lab30.httpUrls.d2!;
    groups.push(group('kea30', [added]));
    writeSd();
    await waitFor('kea_up of the added target', 30_000, async () => (await q(`kea_up{instance="${added}",daemon="d2"}`))[0]);
    // Scrapes of it so far, and those that carried its series: at most the first went without.
    const [scrapes] = await q(`count_over_time(up{instance="${added}"}[10m])`);
    const [withSeries] = await q(`count_over_time(kea_up{instance="${added}",daemon="d2"}[10m])`);
    assert.ok(Number(scrapes!.value) - Number(withSeries!.value) <= 1, `${scrapes!.value} scrapes, ${withSeries!.value} with kea_up`);
    assert.equal((await q(`kea_up{instance="${added}"}`))[0]!.value, '1');
    t.diagnostic(`added entry: ${scrapes!.value} scrapes, ${withSeries!.value} with its series`);
    assert.equal(await exporterMetric(/^kea_exporter_probe_targets (\d+)$/m), 3);
  });

  test("a daemon that stops answering: each scrape is still answered within Prometheus' timeout", async (t) => {
    const instance = lab26.sockets.leases;
    const { arguments: args } = (await lab26.command('leases', 'status-get')) as { arguments: { pid: number } };
    const late = await exporterMetric(/^kea_exporter_probe_late_total (\d+)$/m);
    process.kill(args.pid, 'SIGSTOP'); // connections are still accepted, nothing is answered
    const stoppedAt = Date.now() / 1000;
    try {
      // The poll hangs for poll.timeout (5 s), longer than the 2 s scrape timeout.
      await waitFor('kea_up 0 by timeout', 30_000, async () => (await q(`kea_exporter_poll_error_info{instance="${instance}",reason="timeout"}`))[0]);
      // Every scrape since the stop succeeded: the exporter answered before the timeout.
      const range = await prom.queryRange(`up{instance="${instance}"}`, stoppedAt, Date.now() / 1000, 1);
      const ups = range[0]!.values.map(([, v]) => v);
      assert.ok(ups.length >= 2 && ups.every((v) => v === '1'), `up since the stop: ${ups.join(' ')}`);
      assert.ok((await exporterMetric(/^kea_exporter_probe_late_total (\d+)$/m)) > late, 'answers sent at the deadline');
      const answered = (await exporterMetric(/^kea_exporter_probe_late_total (\d+)$/m)) - late;
      t.diagnostic(`stopped daemon: ${ups.length} s of up 1, ${answered} answers at the deadline`);
    } finally {
      process.kill(args.pid, 'SIGCONT');
    }
    await waitFor('kea_up 1 again', 30_000, async () => ((await q(`kea_up{instance="${instance}"}`))[0]?.value === '1' ? true : undefined));
  });
});
