/** promtool parses every dashboard query, as Prometheus itself would. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderDashboards } from './build.js';
import { annotationQueries, panelQueries, substituteVariables } from './queries.js';

const allQueries = renderDashboards().flatMap((r) => [...panelQueries(r.text), ...annotationQueries(r.text)]);

test('every dashboard query substitutes to PromQL without a $ that promtool parses', () => {
  assert.ok(allQueries.length > 50);
  const exprs = allQueries.map((q) => substituteVariables(q.expr));
  exprs.forEach((e, i) => assert.ok(!e.includes('$'), `${allQueries[i]!.panel}: ${e}`));
  // promtool parses the exprs as recording rules: the syntax check Prometheus itself would do.
  const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find(existsSync) ?? 'promtool';
  const dir = mkdtempSync(join(tmpdir(), 'kea-dashboards-'));
  try {
    const rules = exprs.map((e, i) => `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(e)}`);
    writeFileSync(join(dir, 'rules.yml'), `groups:\n  - name: dashboards\n    rules:\n${rules.join('\n')}\n`);
    const r = spawnSync(promtool, ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
    assert.ifError(r.error);
    assert.equal(r.status, 0, `promtool check rules failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
