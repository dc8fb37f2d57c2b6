import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { DHCP_DISABLED_CAUSES } from '../../src/kea/dhcp-state.js';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const RULES = here('kea-telemetry.rules.yml');
const TESTS = here('kea-telemetry.rules.test.yml');
const ALERTS_DOC = readFileSync(here('../../docs/alerts.md'), 'utf8');
/** Where the series are documented: the metrics and statistics references. */
const METRICS_DOCS = ['../../docs/metrics.md', '../../docs/statistics.md'].map((f) => readFileSync(here(f), 'utf8')).join('\n');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const groups = (parse(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups;
const alerts = groups.flatMap((g) => g.rules).filter((r): r is Rule & { alert: string } => r.alert !== undefined);

/** The alerts issue 5 asks for (its KeaDHCPServiceDisabled split by cause in issue 12); more may exist. */
const REQUIRED = [
  'KeaDaemonDown',
  'KeaDaemonRestarted',
  'KeaConfigChanged',
  'KeaConfigDrift',
  'KeaHAPartnerDown',
  'KeaHATerminated',
  'KeaHACommunicationInterrupted',
  'KeaHAStateFlapping',
  'KeaHAStuckInTransition',
  'KeaPacketQueueSaturated',
  'KeaMixedVersionsInPair',
  'KeaSocketsNotReady',
  'KeaDHCPDisabledByUser',
  'KeaDHCPDisabledByDatabase',
  'KeaDHCPDisabledByHA',
  'KeaPoolNearlyExhausted',
  'KeaExporterTargetStale',
];

// Fail loudly without promtool: scripts/test.sh installs it (Debian package prometheus).
const promtool = (...args: string[]) => execFileSync('promtool', args, { encoding: 'utf8', stdio: 'pipe' });

test('promtool check rules: clean', () => {
  const out = promtool('check', 'rules', RULES);
  assert.match(out, /SUCCESS: \d+ rules found/);
  assert.doesNotMatch(out, /WARNING|FAILED/);
});

test('promtool test rules: every alert firing and not firing', () => {
  try {
    assert.match(promtool('test', 'rules', TESTS), /SUCCESS/);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    assert.fail(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  const tests = (parse(readFileSync(TESTS, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests;
  const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const { alert } of alerts) {
    assert.ok(
      cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0),
      `${alert}: no firing case`,
    );
    assert.ok(
      cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0),
      `${alert}: no quiet case`,
    );
  }
});

test('every required alert exists with severity, summary, description and runbook', () => {
  const names = alerts.map((a) => a.alert);
  for (const name of REQUIRED) assert.ok(names.includes(name), `missing alert ${name}`);
  assert.equal(new Set(names).size, names.length, 'alert names are unique');
  for (const a of alerts) {
    assert.match(a.labels?.severity ?? '', /^(critical|warning|info)$/, a.alert);
    for (const k of ['summary', 'description', 'runbook']) assert.ok(a.annotations?.[k], `${a.alert}: no ${k}`);
  }
});

test('the DHCP-disabled alerts follow the causes the exporter exports: each cause alerted on, no other', () => {
  const used = alerts.flatMap((a) => [...a.expr.matchAll(/kea_dhcp_disabled_by\{cause="(\w+)"\}/g)].map((m) => m[1]));
  assert.deepEqual([...new Set(used)].sort(), [...DHCP_DISABLED_CAUSES].sort());
});

test('docs/alerts.md has one section per alert, and the docs know every metric the rules use', () => {
  // runbook_url points at docs/alerts.md#<alert in lower case>: one "## <alert>" heading each, no other.
  const headings = [...ALERTS_DOC.matchAll(/^## (Kea\w+)$/gm)].map((m) => m[1]);
  assert.deepEqual(
    headings,
    alerts.map((a) => a.alert),
    'docs/alerts.md: "## <alert>" sections, in the order of the rules',
  );
  const table = new Map([...ALERTS_DOC.matchAll(/^\| \[(Kea\w+)\]\(#(\w+)\) \| (\w+) \|$/gm)].map((m) => [m[1], { anchor: m[2], severity: m[3] }]));
  for (const { alert, labels } of alerts)
    assert.deepEqual(table.get(alert), { anchor: alert.toLowerCase(), severity: labels?.severity }, `docs/alerts.md table: ${alert}`);
  assert.equal(table.size, alerts.length, 'docs/alerts.md table: an alert the rules do not have');
  const records = new Set(groups.flatMap((g) => g.rules).flatMap((r) => (r.record ? [r.record] : [])));
  for (const r of groups.flatMap((g) => g.rules)) {
    for (const [name] of r.expr.matchAll(/\bkea_[a-z0-9_]+\b/g)) {
      if (records.has(name)) continue;
      assert.match(METRICS_DOCS, new RegExp(`\\b${name}\\b`), `${r.alert ?? r.record}: ${name} is not in docs/metrics.md or docs/statistics.md`);
    }
  }
});
