// The chart's prometheusRule.rules.<Alert>.threshold: it replaces the number the rules file marks
// "# threshold" (dashboards/prometheus/thresholds.ts) and nothing else; the overridden rules are
// clean for promtool and fire at the new thresholds where the defaults would not (and the other
// way round); values.schema.json takes it only for marked alerts and only as a number; a rules
// file that lost its mark makes the chart fail, not ignore the override.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { RULES_FILE, thresholds, withThreshold } from '../../dashboards/prometheus/thresholds.js';
import { helm, one, RELEASE, render, renderError, validateObject, type Obj, type RenderOptions } from './helm.js';
import { CHART_DIR } from './paths.js';

const FULLNAME = `${RELEASE}-kea-telemetry`;
const SOURCE_GROUPS = (parse(readFileSync(RULES_FILE, 'utf8')) as Obj).groups as Obj[];
const exprs = (groups: Obj[]): Map<string, string> =>
  new Map(groups.flatMap((g) => (g.rules as Obj[]).filter((r) => r.alert).map((r) => [r.alert as string, r.expr as string])));
const SOURCE = exprs(SOURCE_GROUPS);
const DEFAULTS = thresholds();

function groupsOf(o: RenderOptions): Obj[] {
  const rule = one(render({ ...o, set: ['prometheusRule.enabled=true', ...(o.set ?? [])] }), 'PrometheusRule', FULLNAME);
  validateObject(rule);
  return rule.spec.groups as Obj[];
}

function withTemp<T>(prefix: string, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function promtool(args: string[]): string {
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return assert.fail(`promtool ${args.join(' ')} failed (scripts/test.sh installs promtool):\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

test('threshold replaces the marked number of every alert that has one, from --set and from a values file, and nothing else', () => {
  assert.ok(DEFAULTS.size > 0);
  // Another value for each: integers stay integers (--set makes them numbers), decimals go
  // through --set as strings and through a values file as numbers.
  const other = new Map([...DEFAULTS].map(([a, d]) => [a, Number.isInteger(d) ? d + 3 : Math.round(d * 50) / 100]));
  const viaSet = exprs(groupsOf({ set: [...other].map(([a, v]) => `prometheusRule.rules.${a}.threshold=${v}`) }));
  const viaFile = withTemp('kea-thresholds-', (dir) => {
    const file = join(dir, 'values.yaml');
    writeFileSync(file, stringify({ prometheusRule: { rules: Object.fromEntries([...other].map(([a, threshold]) => [a, { threshold }])) } }));
    return exprs(groupsOf({ values: [file] }));
  });
  for (const rendered of [viaSet, viaFile]) {
    assert.deepEqual([...rendered.keys()], [...SOURCE.keys()]);
    for (const [alert, expr] of SOURCE) {
      const v = other.get(alert);
      assert.equal(rendered.get(alert), v === undefined ? expr : withThreshold(expr, v), alert);
      if (v !== undefined) assert.notEqual(rendered.get(alert), expr, `${alert}: the override changed nothing`);
    }
  }
  // Without overrides, the rules file's own numbers.
  assert.deepEqual(exprs(groupsOf({})), SOURCE);
});

/** What tells the defaults and the overrides apart: each series between the two thresholds. */
const OVERRIDES = ['KeaPoolNearlyExhausted.threshold=0.8', 'KeaPacketQueueSaturated.threshold=0.5', 'KeaHAStateFlapping.threshold=8'];
const L = 'job="kea",instance="exp:9547",target="t"';
const INPUT = [
  // 85 % allocated: under the default 0.9, over 0.8.
  { series: `kea_dhcp4_pool_utilization_ratio{${L},daemon="dhcp4",subnet_id="1",subnet="192.0.2.0/24",pool="192.0.2.10-192.0.2.99"}`, values: '0.85x20' },
  // Queue 60 % full: under 0.8, over 0.5.
  { series: `kea_packet_queue_average{${L},daemon="dhcp4",window="100"}`, values: '60x20' },
  { series: `kea_packet_queue_size{${L},daemon="dhcp4"}`, values: '100x20' },
  // 6 HA state changes in 15 minutes: over the default 4, under 8.
  { series: `kea_ha_state_transitions_total{${L},daemon="dhcp4",relationship="r"}`, values: '0 1 2 3 4 5 6x14' },
];

function firingAt10m(rulesFile: string, dir: string, expected: string[]): void {
  const tests = {
    rule_files: [rulesFile],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: INPUT,
        promql_expr_test: [
          {
            expr: 'count by (alertname) (ALERTS{alertstate="firing"})',
            eval_time: '10m',
            exp_samples: expected.map((a) => ({ labels: `{alertname="${a}"}`, value: 1 })),
          },
        ],
      },
    ],
  };
  const file = join(dir, `${expected.join('-') || 'none'}.test.yml`);
  writeFileSync(file, stringify(tests));
  assert.match(promtool(['test', 'rules', file]), /SUCCESS/);
}

test('promtool: the overridden PrometheusRule is clean and fires at its thresholds; the defaults, at theirs', () => {
  const groups = groupsOf({ set: OVERRIDES.map((o) => `prometheusRule.rules.${o}`) });
  withTemp('kea-thresholds-promtool-', (dir) => {
    const rendered = join(dir, 'rendered.rules.yml');
    writeFileSync(rendered, stringify({ groups }));
    const out = promtool(['check', 'rules', rendered]);
    assert.match(out, /SUCCESS: \d+ rules found/);
    assert.doesNotMatch(out, /WARNING|FAILED/);
    firingAt10m(rendered, dir, ['KeaPacketQueueSaturated', 'KeaPoolNearlyExhausted']);
    firingAt10m(RULES_FILE, dir, ['KeaHAStateFlapping']);
  });
});

test('values.schema.json: threshold only for the alerts that mark one, and only a number (helm lint and helm template)', () => {
  const marked = [...DEFAULTS.keys()][0]!;
  const unmarked = [...SOURCE.keys()].find((a) => !DEFAULTS.has(a))!;
  const cases: [set: string, error: RegExp][] = [
    [`prometheusRule.rules.${unmarked}.threshold=1`, new RegExp(`prometheusRule\\.rules\\.${unmarked}: Additional property threshold is not allowed`)],
    [`prometheusRule.rules.${marked}.threshold=high`, new RegExp(`prometheusRule\\.rules\\.${marked}\\.threshold: Does not match pattern`)],
    [`prometheusRule.rules.${marked}.threshold=1e3`, new RegExp(`prometheusRule\\.rules\\.${marked}\\.threshold`)],
    [`prometheusRule.rules.${marked}.treshold=1`, new RegExp(`prometheusRule\\.rules\\.${marked}: Additional property treshold is not allowed`)],
  ];
  for (const [set, error] of cases) {
    assert.match(renderError({ set: [set] }), error, set);
    const lint = helm(['lint', '--strict', CHART_DIR, '--set', set]);
    assert.notEqual(lint.status, 0, `helm lint --set ${set} passed`);
    assert.match(`${lint.stdout}${lint.stderr}`, error, set);
  }
  const ok = helm(['lint', '--strict', CHART_DIR, '--set', `prometheusRule.enabled=true,prometheusRule.rules.${marked}.threshold=0.95`]);
  assert.equal(ok.status, 0, `${ok.stdout}${ok.stderr}`);
});

test("a rules file whose alert lost its mark: the chart fails naming the override, instead of leaving the file's number", () => {
  const [alert] = [...DEFAULTS.keys()];
  withTemp('kea-thresholds-chart-', (dir) => {
    const chart = join(dir, 'kea-telemetry');
    cpSync(CHART_DIR, chart, { recursive: true });
    const copy = join(chart, 'files/prometheus/kea-telemetry.rules.yml');
    const text = readFileSync(copy, 'utf8');
    const unmarked = text.replace(SOURCE.get(alert!)!.replace(/\n$/, '').split('\n').find((l) => l.endsWith('# threshold'))!, (l) => l.replace(/ # threshold$/, ''));
    assert.notEqual(unmarked, text);
    writeFileSync(copy, unmarked);
    const set = [`prometheusRule.enabled=true`, `prometheusRule.rules.${alert}.threshold=1`];
    assert.match(renderError({ chartDir: chart, set }), new RegExp(`prometheusRule\\.rules\\.${alert}\\.threshold: the rules file marks no number of ${alert}`));
  });
});
