// Every alert of the rules file links its runbook: runbook_url is the chart's default
// prometheusRule.runbookBaseUrl, "#" and the alert's name in lower case, the anchor GitHub gives
// the alert's "## <AlertName>" section of docs/alerts.md (rules.promtool.test.ts checks those
// sections exist, one per alert, in the rules' order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const RULES = parse(readFileSync(here('kea-telemetry.rules.yml'), 'utf8')) as {
  groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[];
};
const ALERTS = RULES.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
const VALUES = parse(readFileSync(here('../../helm/kea-telemetry/values.yaml'), 'utf8')) as { prometheusRule: { runbookBaseUrl: string } };
const DOCS = 'docs/alerts.md';

test("runbook_url of every alert: the chart's default runbookBaseUrl#<alertname lower-cased>", () => {
  const base = VALUES.prometheusRule.runbookBaseUrl;
  assert.ok(base.endsWith(`/blob/main/${DOCS}`), `${base} is ${DOCS} of the repository`);
  assert.ok(ALERTS.length > 0);
  for (const a of ALERTS) assert.equal(a.annotations?.runbook_url, `${base}#${a.alert!.toLowerCase()}`, a.alert);
});
