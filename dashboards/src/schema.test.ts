import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { OUT_DIR } from './build.js';
import { pluginDir, SCHEMA_PACKAGE } from './grafana-schema.js';
import { DashboardValidator, panelsOf } from './validate-dashboard.js';

type Obj = Record<string, unknown>;
// The committed files, as Grafana imports them (dashboards.test.ts checks they are what the code generates).
const files = readdirSync(OUT_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const dashboards = files.map((f) => JSON.parse(readFileSync(join(OUT_DIR, f), 'utf8')) as Obj & { uid: string });
const validator = DashboardValidator.for(dashboards);

test(`every generated dashboard is valid against Grafana's dashboard schema (${SCHEMA_PACKAGE})`, (t) => {
  assert.ok(dashboards.length > 0, `no dashboards in ${OUT_DIR}`);
  const problems = dashboards.flatMap((d) => validator.validate(d).map((p) => `${d.uid}.json ${p}`));
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
  const panels = dashboards.flatMap((d) => panelsOf(d));
  t.diagnostic(`${dashboards.length} dashboards, ${panels.length} panels checked against ${SCHEMA_PACKAGE}`);
});

test('the schema is that of the schemaVersion the foundation SDK writes and every dashboard has', () => {
  // A foundation SDK of another Grafana release writes another schemaVersion: pin the matching @grafana/schema.
  assert.equal(defaultDashboard().schemaVersion, validator.schemaVersion, `the SDK writes another schemaVersion than ${SCHEMA_PACKAGE} describes`);
  for (const d of dashboards) assert.equal(d.schemaVersion, validator.schemaVersion, `${d.uid} schemaVersion`);
});

/** A copy of the first dashboard with a panel of the given type, and that panel's JSON pointer. */
function withPanel(type: string): { d: Obj; panel: Obj; at: string } {
  for (const original of dashboards) {
    const d = structuredClone(original);
    const found = panelsOf(d).find((p) => (p.value as Obj).type === type);
    if (found) return { d, panel: found.value as Obj, at: found.at };
  }
  throw new Error(`no ${type} panel in the dashboards`);
}

const where = (panel: Obj) => `in panel ${JSON.stringify(panel.title)} (${String(panel.type)})`;

test('a wrong type, an unknown key or option and another schemaVersion are rejected, each with its path', () => {
  const ts = withPanel('timeseries');
  const { panel, at } = ts;
  (panel.gridPos as Obj).h = '8';
  panel.titel = 'typo';
  (panel.options as Obj).legendd = {};
  ((panel.options as Obj).legend as Obj).displayMode = 'grid';
  ((panel.fieldConfig as Obj).defaults as Obj).custom = { ...(((panel.fieldConfig as Obj).defaults as Obj).custom as Obj), lineWidth: 'thin' };
  ts.d.schemaVersion = 40;
  ts.d.refreshh = '30s';
  assert.deepEqual(
    validator.validate(ts.d).sort(),
    [
      `${at} ${where(panel)}: must NOT have additional properties: "titel"`,
      `${at}/fieldConfig/defaults/custom/lineWidth ${where(panel)}: must be number`,
      `${at}/gridPos/h ${where(panel)}: must be number`,
      `${at}/options ${where(panel)}: must NOT have additional properties: "legendd"`,
      `${at}/options/legend/displayMode ${where(panel)}: must be equal to one of the allowed values: "hidden", "list", "table"`,
      `/: must NOT have additional properties: "refreshh"`,
      `/schemaVersion: must be equal to constant: ${validator.schemaVersion}`,
    ].sort(),
  );
});

test('a required plugin option missing, a panel type without a schema and a broken row are rejected', () => {
  const stat = withPanel('stat');
  delete (stat.panel.options as Obj).reduceOptions;
  // A plugin without a FieldConfig (stat) has no custom field options to set.
  ((stat.panel.fieldConfig as Obj).defaults as Obj).custom = { lineWidth: 1 };
  assert.deepEqual(validator.validate(stat.d), [
    `${stat.at}/options ${where(stat.panel)}: must have required property 'reduceOptions'`,
    `${stat.at}/fieldConfig/defaults/custom ${where(stat.panel)}: the stat plugin's schema has no FieldConfig`,
  ]);

  const unknown = withPanel('timeseries');
  unknown.panel.type = 'no-such-plugin';
  assert.deepEqual(validator.validate(unknown.d), [
    `${unknown.at}/type ${where(unknown.panel)}: no panel schema in ${SCHEMA_PACKAGE} (no ${pluginDir('no-such-plugin')})`,
  ]);

  // A row with a broken panel inside: each problem once, at its own path.
  const row = withPanel('row');
  const nested = structuredClone(withPanel('stat').panel);
  nested.gridPos = { h: 4, w: 6, x: 0 };
  row.panel.panels = [nested];
  row.panel.collapsed = 'no';
  assert.deepEqual(validator.validate(row.d), [
    `${row.at}/collapsed ${where(row.panel)}: must be boolean`,
    `${row.at}/panels/0/gridPos ${where(nested)}: must have required property 'y'`,
  ]);
});

test('what Grafana leaves open stays open: an annotation spreads its query, a variable carries its own keys', () => {
  const { d } = withPanel('timeseries');
  d.annotations = {
    list: [
      {
        name: 'Daemon restarts',
        datasource: { type: 'prometheus', uid: '${datasource}' },
        enable: true,
        iconColor: 'orange',
        expr: 'changes(kea_daemon_start_time_seconds[$__interval]) > 0',
        step: '1m',
        titleFormat: 'restart',
        useValueForTime: false,
      },
    ],
  };
  ((d.templating as Obj).list as Obj[]).push({ type: 'interval', name: 'step', query: '1m,5m', auto: true, auto_count: 30, auto_min: '10s' });
  assert.deepEqual(validator.validate(d), []);
  // ... but the keys the schema names keep their types.
  (((d.annotations as Obj).list as Obj[])[0] as Obj).enable = 'yes';
  assert.deepEqual(validator.validate(d), ['/annotations/list/0/enable: must be boolean']);
});
