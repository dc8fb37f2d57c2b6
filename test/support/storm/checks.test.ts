/** The storm's checks can fail: a result that holds everything passes them all, and each way a
 * storm can go wrong fails exactly the check meant for it. Pure, no Kea. */
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { RSS_CEILING_MB, stormChecks } from './checks.js';
import { STORM_DEFAULTS } from './run.js';
import type { StormResult } from './summary.js';

const served = { sent: 2000, answered: { '200': 1500, '503': 500 }, refused: {}, problems: 0, readDown: 0, p50Ms: 1, p99Ms: 2, maxMs: 3 };

function good(): StormResult {
  return {
    options: STORM_DEFAULTS,
    keaVersion: '2.2.0',
    nofile: '1024',
    kea: { pidBefore: 10, pidAfter: 10, alive: true },
    relay: { maxOpen: 1, connections: 500, byCommand: { 'status-get': 100 } },
    maxInFlight: 1,
    requests: { proxy: { ...served }, probe: { ...served }, metrics: { ...served } },
    proxyByWho: {},
    problems: [],
    gaveUp: false,
    samples: { total: 150, read: 150, up: 150, down: 0, failed: 0, downAt: [], maxGapMs: 150, p50Ms: 5, p99Ms: 50, maxMs: 60 },
    halfOpen: { opened: 1000, refused: {}, closedByExporter: 1000, closeP50Ms: 10_000, stillOpen: 0, answered: {} },
    requestsMs: 10_000,
    windowMs: 15_000,
    harnessLoopDelayMaxMs: 20,
    exporter: {
      rssMaxMb: 150,
      fdsMax: 900,
      rssSamples: 150,
      cpuPercent: 80,
      exitedDuringStorm: undefined,
      exit: { code: 0, signal: null, killed: false },
      logLines: { info: 2000 },
      warnings: [],
      crashTraces: [],
      stderrLines: 0,
    },
    final: { up: [1], promtool: { ok: true, output: '' } },
    leaks: [],
  };
}

const failing = (r: StormResult) =>
  stormChecks(r)
    .filter((c) => !c.ok)
    .map((c) => c.name);

test('a storm that held everything passes every check', () => {
  assert.deepEqual(failing(good()), []);
});

test('each failure fails its own check, and only that one', () => {
  const cases: [string, (r: StormResult) => void, RegExp][] = [
    ['Kea restarted', (r) => (r.kea = { pidBefore: 10, pidAfter: 11, alive: false }), /^Kea alive/],
    ['two connections to Kea', (r) => (r.relay.maxOpen = 2), /maxInFlight/],
    ['a kea_up 0 sample', (r) => ((r.samples.down = 1), (r.samples.up = 149)), /never read down/],
    ['a probe read down', (r) => (r.requests.probe.readDown = 1), /never read down/],
    ['final kea_up 0', (r) => (r.final!.up = [0]), /never read down/],
    ['too few samples', (r) => (r.samples.read = 5), /kea_up samples read/],
    ['RSS over the ceiling', (r) => (r.exporter.rssMaxMb = RSS_CEILING_MB + 1), /RSS under/],
    ['an unexpected status', (r) => (r.problems = [{ text: 'proxy unexpected 500', count: 1 }]), /every request answered/],
    ['the deadline', (r) => (r.gaveUp = true), /every request answered/],
    ['no /metrics 200 at all', (r) => (r.requests.metrics.answered = { '503': 2000 }), /got 200s/],
    ['promtool complains', (r) => (r.final!.promtool = { ok: false, output: 'x_total is not a counter' }), /promtool/],
    ['a leaked token', (r) => (r.leaks = ['adminToken in the exporter log (stdout)']), /no secret/],
    ['an unhandled rejection', (r) => (r.exporter.crashTraces = ['stderr: Unhandled rejection']), /unhandled/],
    ['exit code 1', (r) => (r.exporter.exit = { code: 1, signal: null, killed: false }), /exited 0/],
    ['SIGTERM ignored', (r) => (r.exporter.exit = { code: null, signal: 'SIGKILL', killed: true }), /exited 0/],
    ['died during the storm', (r) => (r.exporter.exitedDuringStorm = { code: 1, signal: null }), /exited 0/],
  ];
  for (const [what, spoil, name] of cases) {
    const r = good();
    spoil(r);
    const names = failing(r);
    assert.equal(names.length, 1, `${what}: ${JSON.stringify(names)}`);
    assert.match(names[0]!, name, what);
  }
});

test("the RSS ceiling leaves ~40 % of the Helm chart's memory limit free", () => {
  const values = parse(readFileSync(new URL('../../../helm/kea-telemetry/values.yaml', import.meta.url), 'utf8')) as {
    resources: { limits: { memory: string } };
  };
  const limit = /^(\d+)(Mi|Gi)$/.exec(values.resources.limits.memory);
  assert.ok(limit, `resources.limits.memory ${values.resources.limits.memory}: not <n>Mi or <n>Gi`);
  const mib = Number(limit[1]) * (limit[2] === 'Gi' ? 1024 : 1);
  assert.ok(RSS_CEILING_MB <= mib * 0.6, `RSS_CEILING_MB ${RSS_CEILING_MB} over 60 % of the chart's ${values.resources.limits.memory}`);
});
