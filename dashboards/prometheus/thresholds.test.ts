// The tunable thresholds: marked once per alert in the rules file (thresholds.ts), each the right
// operand of the alert's comparison, the ones sites tune most among them, and docs/alerts.md's
// table listing exactly these with their defaults. Removing or moving a mark fails here, before
// the chart's `threshold` override could silently stop replacing anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { marks, RULES_FILE, thresholds, withThreshold } from './thresholds.js';

const ALERTS_DOC = readFileSync(fileURLToPath(new URL('../../docs/alerts.md', import.meta.url)), 'utf8');
const RULES = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] }).groups.flatMap(
  (g) => g.rules,
);
/** The ones issue 15 names (pool utilisation, queue saturation, HA flapping); more may be marked. */
const REQUIRED = ['KeaPoolNearlyExhausted', 'KeaPacketQueueSaturated', 'KeaHAStateFlapping'];

test('each marked threshold is once in its alert, the right operand of a comparison; recording rules have none', () => {
  const found = thresholds();
  for (const name of REQUIRED) assert.ok(found.has(name), `${name}: no number marked "# threshold"`);
  for (const r of RULES) {
    const n = marks(r.expr).length;
    if (r.record !== undefined) assert.equal(n, 0, `${r.record}: a recording rule has no threshold`);
    assert.ok(n <= 1, `${r.alert}: ${n} marks, the chart would replace them all with one value`);
    if (n === 1) assert.match(r.expr, /(?:>|>=|<|<=) \d+(?:\.\d+)? # threshold$/m, `${r.alert}: the mark follows a comparison`);
    // A "# threshold" the pattern does not take (e.g. after 1e3) would be left as it is.
    assert.equal(r.expr.split('# threshold').length - 1, n, `${r.alert}: "# threshold" after something that is no plain number`);
  }
});

test('withThreshold replaces the marked number and nothing else', () => {
  const expr = 'increase(x[15m]) >= 4 # threshold\n';
  assert.equal(withThreshold(expr, 7), 'increase(x[15m]) >= 7 # threshold\n');
  assert.equal(withThreshold(expr, 0.25), 'increase(x[15m]) >= 0.25 # threshold\n');
  assert.equal(withThreshold('(\n  a\n    > 180 # threshold\n)\n  unless b\n', 60), '(\n  a\n    > 60 # threshold\n)\n  unless b\n');
});

test('docs/alerts.md#thresholds lists exactly the marked thresholds with their defaults, in the rules order', () => {
  const section = ALERTS_DOC.slice(ALERTS_DOC.indexOf('\n## Thresholds\n'), ALERTS_DOC.indexOf('\n## ', ALERTS_DOC.indexOf('\n## Thresholds\n') + 1));
  assert.ok(section.length > 0, 'docs/alerts.md: no "## Thresholds" section');
  const rows = [...section.matchAll(/^\| \[(Kea\w+)\]\(#(\w+)\) \| [^|]+ \| `([\d.]+)` \| [^|]+ \|$/gm)].map((m) => [m[1], m[2], Number(m[3])]);
  assert.deepEqual(
    rows,
    [...thresholds()].map(([alert, value]) => [alert, alert.toLowerCase(), value]),
  );
});
