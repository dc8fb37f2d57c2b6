// KeaExporterDown on the build info the exporter really renders, beside ISC Stork's agent's: both
// are named kea_exporter_build_info and both listen on 9547 by default, so the rule must tell them
// apart by a label only ours has (a renamed label in the renderer fails here, not in production).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BUILD_INFO, PrometheusRenderer } from '../../src/render/prometheus/registry.js';
import { RULES } from '../../test/support/promtool-alerts.js';

/** Stork agent's build info: prometheus/common's version collector, registered as "kea_exporter". */
const STORK_LABELS = 'branch="",goarch="amd64",goos="linux",goversion="go1.24.4",revision="",tags="unknown",version="2.2.0"';

async function ourLabels(): Promise<string> {
  const body = (await new PrometheusRenderer({ version: '0.1.0', processMetrics: false }).render(false)).body;
  const m = new RegExp(`^${BUILD_INFO}\\{(.*)\\} 1$`, 'm').exec(body);
  assert.ok(m, `no ${BUILD_INFO} sample in /metrics`);
  return m[1]!;
}

test("KeaExporterDown: fires for a down kea-telemetry (its real build info), not for a down Stork agent's", async () => {
  const instances = { ours: 'exp:9547', stork: 'stork-agent:9547' };
  const labels = { ours: await ourLabels(), stork: STORK_LABELS };
  const series = (['ours', 'stork'] as const).flatMap((k) => [
    { series: `up{job="kea",instance="${instances[k]}"}`, values: '1 1 0 0 0 0' },
    { series: `${BUILD_INFO}{job="kea",instance="${instances[k]}",${labels[k]}}`, values: '1 1' },
  ]);
  const tests = {
    rule_files: [RULES],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: series,
        promql_expr_test: [
          {
            expr: 'ALERTS{alertname="KeaExporterDown", alertstate="firing"}',
            eval_time: '5m',
            exp_samples: [
              { labels: `ALERTS{alertname="KeaExporterDown",alertstate="firing",job="kea",instance="${instances.ours}",severity="critical"}`, value: 1 },
            ],
          },
        ],
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), 'kea-exporter-down-'));
  try {
    writeFileSync(join(dir, 't.yml'), stringify(tests));
    try {
      execFileSync('promtool', ['test', 'rules', join(dir, 't.yml')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`promtool test rules:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
