// Runs the project's alert rules with promtool on what an exporter's /metrics said: every kea_*
// series held steady for `minutes` (past every `for`), then the alerts firing at the end must be
// exactly the expected ones. For tests on captures and on real daemons alike.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const RULES = fileURLToPath(new URL('../../dashboards/prometheus/kea-telemetry.rules.yml', import.meta.url));

export interface AlertCase {
  name: string;
  /** A /metrics body (text format). */
  metrics: string;
  /** Alert names expected firing at the end, among those `alertname` matches. */
  firing: string[];
  /** PromQL regex of the alert names looked at, e.g. "KeaDHCP.*". */
  alertname: string;
  /** How long the series are held, in minutes (default 40). */
  minutes?: number;
}

/** The kea_* samples of a /metrics body as promtool input series, with job and instance added. */
export function inputSeries(metrics: string, minutes: number): { series: string; values: string }[] {
  return metrics
    .split('\n')
    .filter((l) => l.startsWith('kea_'))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l);
      assert.ok(m, `not a sample line: ${l}`);
      const labels = ['job="kea"', 'instance="exp:9547"', ...(m[2] ? [m[2]] : [])].join(',');
      return { series: `${m[1]}{${labels}}`, values: `${m[3]}x${minutes}` };
    });
}

/** One promtool run for all cases; fails with promtool's report when any case differs. */
export function assertFiring(cases: readonly AlertCase[]): void {
  const tests = cases.map((c) => {
    const minutes = c.minutes ?? 40;
    return {
      name: c.name,
      interval: '1m',
      input_series: inputSeries(c.metrics, minutes),
      promql_expr_test: [
        {
          expr: `count by (alertname) (ALERTS{alertstate="firing", alertname=~"${c.alertname}"})`,
          eval_time: `${minutes}m`,
          exp_samples: [...c.firing].sort().map((a) => ({ labels: `{alertname="${a}"}`, value: 1 })),
        },
      ],
    };
  });
  const dir = mkdtempSync(join(tmpdir(), 'kea-rules-'));
  try {
    const file = join(dir, 'cases.test.yml');
    writeFileSync(file, stringify({ rule_files: [RULES], evaluation_interval: '1m', tests }));
    try {
      execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`promtool test rules:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
