// The DHCP-disabled alerts on what real Kea 2.6.3 / 3.0.4 report: each status-get capture goes
// through the exporter's renderer, its whole /metrics becomes promtool input series (steady for
// 40 minutes, past every `for`), and the KeaDHCP* alerts firing then must be exactly the expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseStatus } from '../../src/kea/status.js';
import { PrometheusRenderer } from '../../src/render/prometheus/registry.js';
import { CAPTURES_DIR } from '../../test/support/captures.js';

const RULES = fileURLToPath(new URL('kea-telemetry.rules.yml', import.meta.url));

/** Capture (test/fixtures/kea/captures/<path>.status-get*.json) -> the KeaDHCP* alerts it must fire. */
const CASES: [path: string, alerts: string[]][] = [
  ['2.6.3/dhcp4-ha-passive-backup-backup.status-get', []],
  ['3.0.4/dhcp4-ha-passive-backup-backup.status-get', []],
  ['2.6.3/dhcp4-ha-passive-backup-primary.status-get', []],
  ['2.6.3/dhcp4-ha-standby.waiting.status-get', []],
  ['2.6.3/dhcp4-ha-standby.ready.status-get', []],
  ['2.6.3/dhcp4-ha-primary.partner-in-maintenance.status-get', []], // itself in-maintenance
  ['3.0.4/dhcp4-ha-lb-secondary.waiting.status-get', []],
  ['3.0.4/dhcp4-ha-lb-secondary.ready.status-get', []],
  ['3.0.4/dhcp4-ha-lb-primary.partner-in-maintenance.status-get', []],
  ['3.0.4/dhcp4-ha-lb-primary.partner-down.status-get', []],
  ['2.6.3/dhcp6.status-get.disabled-by-user', ['KeaDHCPDisabledByUser']],
  // dhcp-disable, and one with origin-id 2005: Kea lists it as the HA partner's, with no partner.
  ['3.0.4/dhcp6.status-get.disabled-by-user', ['KeaDHCPDisabledByHA', 'KeaDHCPDisabledByUser']],
];

function args(path: string): unknown {
  const body = JSON.parse(readFileSync(`${CAPTURES_DIR}${path}.json`, 'utf8')) as unknown;
  return ((Array.isArray(body) ? body[0] : body) as { arguments?: unknown }).arguments;
}

/** The exporter's /metrics for one poll of this capture, as promtool input series. */
async function series(path: string, target: string): Promise<{ series: string; values: string }[]> {
  const r = new PrometheusRenderer([], { version: 't', processMetrics: false });
  const daemon = path.includes('/dhcp6') ? 'dhcp6' : 'dhcp4';
  r.update(`${target}|self`, {
    target, daemon, labels: {}, transport: 'unix', up: true, status: parseStatus(args(path)),
    configChanges: 0, haTransitions: {}, commandErrors: {},
  });
  const lines = (await r.render(false)).body.split('\n').filter((l) => l.startsWith('kea_'));
  return lines.map((l) => {
    const m = /^([a-z_:0-9]+)(?:\{(.*)\})? (\S+)$/.exec(l);
    assert.ok(m, l);
    const labels = ['job="kea"', 'instance="exp:9547"', ...(m[2] ? [m[2]] : [])].join(',');
    return { series: `${m[1]}{${labels}}`, values: `${m[3]}x40` };
  });
}

test('real 2.6.3 / 3.0.4 dhcp-state: HA backups, waiting, ready and in-maintenance servers stay quiet; a user\'s dhcp-disable warns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kea-rules-'));
  try {
    const tests = await Promise.all(CASES.map(async ([path, alerts], i) => ({
      name: path,
      interval: '1m',
      input_series: await series(path, `t${i}`),
      promql_expr_test: [{
        expr: `count by (alertname) (ALERTS{alertstate="firing", alertname=~"KeaDHCP.*", target="t${i}"})`,
        eval_time: '40m',
        exp_samples: alerts.map((a) => ({ labels: `{alertname="${a}"}`, value: 1 })),
      }],
    })));
    const file = join(dir, 'captures.test.yml');
    writeFileSync(file, stringify({ rule_files: [RULES], evaluation_interval: '1m', tests }));
    try {
      execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`promtool test rules on the captures failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
